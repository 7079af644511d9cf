//! The C entry points of a type's methods and slots: generic functions of
//! this crate, one instance per (type, body), each running its body
//! through a trampoline (errors raised, panics `SystemError`) with `self`
//! as an [`Instance`]. Everything `unsafe` about a type lives here and in
//! `instance.rs`, once.

use super::exported;
use super::instance::{self, Instance, FREE, MUT, NO_VALUE};
use super::spec::{CompareOp, Property, PyClass, Slot, Visit};
use crate::error::{Error, ExceptionType, Result};
use crate::extension::call::{raise_panic, trampoline, Args};
use crate::extension::module::{conjure, zero_sized, Method};
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};

type PyPtr = *mut ffi::PyObject;

/// Run a slot's body whose C signature returns a value other than an
/// object (`int`, `Py_ssize_t`, `long`): the result, or `error` with the
/// exception raised. As [`trampoline`] does for objects: panics become
/// `SystemError`, and a success with an exception left set is one too.
///
/// # Safety
///
/// As [`trampoline`].
unsafe fn guard<R: Copy>(error: R, body: impl FnOnce(Python<'_>) -> Result<R>) -> R {
    // SAFETY: Python called with the GIL held (the contract).
    let py = unsafe { Python::assume_gil_acquired() };
    let _held = crate::runtime::Held::enter();
    // SAFETY: GIL held, Python running: no scope is active.
    unsafe { crate::runtime::drain() };
    match catch_unwind(AssertUnwindSafe(|| body(py))) {
        Ok(Ok(value)) => {
            // SAFETY: GIL held; reads the error indicator.
            if unsafe { ffi::PyErr_Occurred() }.is_null() {
                value
            } else {
                Error::result_with_exception_set(py, "a slot of an extension type").restore(py);
                error
            }
        }
        Ok(Err(e)) => {
            e.restore(py);
            error
        }
        Err(payload) => {
            raise_panic(py, payload);
            error
        }
    }
}

// ---- bodies ---------------------------------------------------------------
//
// Each kind of body is a trait of the zero-sized functions (or closures
// capturing nothing) that can be one, so that an entry point needs no data
// (see module.rs's `conjure`).

macro_rules! body_traits {
    ($( $(#[$doc:meta])* $name:ident: ($($arg:ty),*) -> $ret:ty; )*) => {$(
        $(#[$doc])*
        pub trait $name<T: PyClass>:
            for<'a, 'py> Fn(Python<'py>, Instance<'a, 'py, T> $(, $arg)*) -> Result<$ret> + Copy
        {
        }
        impl<T: PyClass, F> $name<T> for F where
            F: for<'a, 'py> Fn(Python<'py>, Instance<'a, 'py, T> $(, $arg)*) -> Result<$ret> + Copy
        {
        }
    )*};
}

body_traits! {
    /// `self` only, an object back: `METH_NOARGS`, `__repr__`, `__str__`,
    /// `__iter__`, `__invert__`, `__index__`, `__int__`, `__long__`.
    SelfFn: () -> Object<'py>;
    /// `self` and one object: `METH_O`, `__getitem__` (mapping),
    /// in-place operators, `+` (sequence concatenation).
    SelfObjectFn: (Borrowed<'a, 'py>) -> Object<'py>;
    /// `self` and the arguments: `METH_VARARGS` (with `METH_KEYWORDS`),
    /// `__call__`.
    SelfArgsFn: (Args<'a, 'py>) -> Object<'py>;
    /// `self` and an index: `__getitem__` (sequence), `*` (repetition).
    SelfIndexFn: (isize) -> Object<'py>;
    /// `__len__`.
    LenFn: () -> usize;
    /// `__nonzero__`.
    BoolFn: () -> bool;
    /// `__contains__`.
    ContainsFn: (Borrowed<'a, 'py>) -> bool;
    /// `__hash__`.
    HashFn: () -> isize;
    /// Rich comparison.
    CompareFn: (Borrowed<'a, 'py>, CompareOp) -> Object<'py>;
    /// `next`: `None` ends the iteration.
    NextFn: () -> Option<Object<'py>>;
    /// Sequence item assignment (`Some`) and deletion (`None`).
    SetItemFn: (isize, Option<Borrowed<'a, 'py>>) -> ();
    /// Mapping subscript assignment (`Some`) and deletion (`None`).
    SetSubscriptFn: (Borrowed<'a, 'py>, Option<Borrowed<'a, 'py>>) -> ();
    /// `__init__`: the arguments of the call that made the object (or of
    /// an explicit `obj.__init__(...)`).
    InitFn: (Args<'a, 'py>) -> ();
}

/// A binary operator of the number protocol: both operands as Python gave
/// them (either may be the type's instance: `Py_TPFLAGS_CHECKTYPES`).
pub trait BinaryFn:
    for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>, Borrowed<'a, 'py>) -> Result<Object<'py>> + Copy
{
}
impl<F> BinaryFn for F where
    F: for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>, Borrowed<'a, 'py>) -> Result<Object<'py>>
        + Copy
{
}

/// A constructor (`__new__`): the arguments in, the value (and the memory
/// it exports, if any) out.
pub trait NewFn<T: PyClass>:
    for<'a, 'py> Fn(Python<'py>, Args<'a, 'py>) -> Result<New<T>> + Copy
{
}
impl<T: PyClass, F> NewFn<T> for F where
    F: for<'a, 'py> Fn(Python<'py>, Args<'a, 'py>) -> Result<New<T>> + Copy
{
}

/// A constructor that makes the object itself (`__new__` as C writes it:
/// `type->tp_alloc(type, 0)`, then filling it): the class asked for (`T`'s
/// type or a Python subclass of it) and the arguments in, the object out.
pub trait NewInFn<T: PyClass>:
    for<'a, 'py> Fn(Python<'py>, Class<'a, 'py, T>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}
impl<T: PyClass, F> NewInFn<T> for F where
    F: for<'a, 'py> Fn(Python<'py>, Class<'a, 'py, T>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}

/// The class a constructor was asked to make an object of: `T`'s type, or
/// a Python subclass of it.
pub struct Class<'a, 'py, T: PyClass> {
    ty: *mut ffi::PyTypeObject,
    py: Python<'py>,
    _borrow: std::marker::PhantomData<(&'a (), T)>,
}

impl<T: PyClass> Clone for Class<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: PyClass> Copy for Class<'_, '_, T> {}

impl<'a, 'py, T: PyClass> Class<'a, 'py, T> {
    /// A new object of this class holding `value`, exporting `bytes`.
    pub fn create(&self, value: T, bytes: Vec<u8>) -> Result<Object<'py>> {
        // SAFETY: T's type or a subclass (how a Class is made); GIL held.
        unsafe { alloc(self.py, self.ty, New::with_bytes(value, bytes)) }
    }

    /// The class as an object.
    pub fn as_object(&self) -> Borrowed<'a, 'py> {
        // SAFETY: the type object Python passed to tp_new, alive for the
        // call ('a).
        unsafe { Borrowed::from_ptr(self.py, self.ty.cast()) }
    }
}

/// What a constructor makes: the value, and the bytes the object starts
/// exporting (empty unless given).
pub struct New<T> {
    value: T,
    bytes: Vec<u8>,
}

impl<T> New<T> {
    /// The value, exporting `bytes` (for a type that exports memory).
    pub fn with_bytes(value: T, bytes: Vec<u8>) -> New<T> {
        New { value, bytes }
    }
}

impl<T> From<T> for New<T> {
    fn from(value: T) -> New<T> {
        New {
            value,
            bytes: Vec::new(),
        }
    }
}

// ---- making objects -----------------------------------------------------

/// A new object of `ty` (`T`'s type or a subclass) holding `new`.
///
/// # Safety
///
/// `ty` is `T`'s type object or a subtype of it; GIL held (py).
unsafe fn alloc<'py, T: PyClass>(
    py: Python<'py>,
    ty: *mut ffi::PyTypeObject,
    new: New<T>,
) -> Result<Object<'py>> {
    // SAFETY: a type object; tp_alloc returns a new, zeroed object (head
    // included) or NULL with an exception set.
    let obj = unsafe { Object::from_owned_ptr_or_err(py, ffi::lbsys_type_alloc(ty), "tp_alloc")? };
    let ptr = obj.as_ptr();
    // SAFETY: an object of T's type (or a subclass) just made, zeroed,
    // seen by no Python code yet: its value is written once, then the flag
    // says so.
    unsafe {
        exported::init(instance::head(ptr), new.bytes);
        instance::value::<T>(ptr).write(new.value);
        (*instance::head(ptr)).borrow = FREE;
    }
    Ok(obj)
}

impl<'a, 'py, T: PyClass> Instance<'a, 'py, T> {
    /// A new object of `T`'s type holding `value`, exporting `bytes` (empty
    /// for a type that exports none).
    pub fn create(py: Python<'py>, value: T, bytes: Vec<u8>) -> Result<Object<'py>> {
        let ty = T::type_object().get(py)?;
        // SAFETY: T's own type; GIL held.
        unsafe { alloc(py, ty, New::with_bytes(value, bytes)) }
    }

    /// A new object of the same type as `self` (a subclass's, if it is
    /// one's), holding `value` and exporting `bytes`: what C code writes as
    /// `Py_TYPE(self)->tp_alloc(Py_TYPE(self), 0)`.
    pub fn create_like(&self, value: T, bytes: Vec<u8>) -> Result<Object<'py>> {
        // SAFETY: self is a live instance: its type is T's or a subclass.
        let ty = unsafe { ffi::Py_TYPE(self.as_ptr()) };
        // SAFETY: T's type or a subclass; GIL held.
        unsafe { alloc(self.py(), ty, New::with_bytes(value, bytes)) }
    }
}

// ---- tp_new, tp_dealloc, GC ----------------------------------------------

/// `tp_new`.
///
/// # Safety
///
/// Called by Python only (a `newfunc`): `subtype` is the type asked for,
/// which inherits this entry from `T`'s type, so is it or a subclass.
unsafe extern "C" fn new<T: PyClass, F: NewFn<T>>(
    subtype: *mut ffi::PyTypeObject,
    args: PyPtr,
    kwargs: PyPtr,
) -> PyPtr {
    // SAFETY: F is zero-sized (checked by the Slot constructor).
    let body: F = unsafe { conjure() };
    // SAFETY: called by Python with the GIL held; args and kwargs live for
    // the call; subtype is T's type or a subclass (above).
    unsafe {
        trampoline(|py| {
            let new = body(py, Args::from_ptrs(py, args, kwargs))?;
            alloc(py, subtype, new)
        })
    }
}

/// `tp_new`, for a body that makes the object itself.
///
/// # Safety
///
/// As [`new`].
unsafe extern "C" fn new_in<T: PyClass, F: NewInFn<T>>(
    subtype: *mut ffi::PyTypeObject,
    args: PyPtr,
    kwargs: PyPtr,
) -> PyPtr {
    // SAFETY: F is zero-sized (checked by the Slot constructor).
    let body: F = unsafe { conjure() };
    // SAFETY: as in `new`.
    unsafe {
        trampoline(|py| {
            let class = Class {
                ty: subtype,
                py,
                _borrow: std::marker::PhantomData,
            };
            body(py, class, Args::from_ptrs(py, args, kwargs))
        })
    }
}

/// `tp_dealloc`: the weak references cleared, the dict and the value
/// dropped, the memory freed, then `tp_free`.
///
/// # Safety
///
/// Called by Python only, when the object's last reference went away.
unsafe extern "C" fn dealloc<T: PyClass>(obj: PyPtr) {
    // SAFETY: the object is dying: nothing else references it; GIL held.
    unsafe {
        ffi::lbsys_gc_untrack(obj);
        let head = instance::head(obj);
        if !(*head).weaklist.is_null() {
            ffi::PyObject_ClearWeakRefs(obj);
        }
        let dict = std::mem::replace(&mut (*head).dict, std::ptr::null_mut());
        ffi::Py_XDECREF(dict);
        if (*head).borrow != NO_VALUE {
            // Any borrow ended with the call that made it (guards cannot
            // outlive the object's reference); a leaked guard leaves the
            // flag set, but no reference behind it.
            (*head).borrow = NO_VALUE;
            let value = instance::value::<T>(obj);
            // Drop may panic: not into C.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| value.drop_in_place())) {
                let py = Python::assume_gil_acquired();
                raise_panic(py, payload);
                ffi::PyErr_WriteUnraisable(obj);
            }
        }
        exported::free(head);
        ffi::lbsys_type_free(obj);
    }
}

/// `tp_traverse`.
///
/// # Safety
///
/// Called by the collector only, with the GIL held.
unsafe extern "C" fn traverse<T: PyClass>(
    obj: PyPtr,
    visit: ffi::visitproc,
    arg: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: a live object of T's type (or a subclass); GIL held.
    unsafe {
        let head = instance::head(obj);
        if let (Some(v), false) = (visit, (*head).dict.is_null()) {
            let rc = v((*head).dict, arg);
            if rc != 0 {
                return rc;
            }
        }
        // Not while borrowed mutably: the value may be mid-change.
        let flag = (*head).borrow;
        if flag == NO_VALUE || flag == MUT {
            return 0;
        }
        let value = &*instance::value::<T>(obj);
        let mut v = Visit {
            visit,
            arg,
            _life: std::marker::PhantomData,
        };
        // A panic in traverse must not unwind into the collector.
        match catch_unwind(AssertUnwindSafe(|| value.traverse(&mut v))) {
            Ok(Ok(())) => 0,
            Ok(Err(stop)) => stop.0,
            Err(payload) => {
                std::mem::forget(payload);
                0
            }
        }
    }
}

/// `tp_clear`.
///
/// # Safety
///
/// Called by the collector only, with the GIL held.
unsafe extern "C" fn clear<T: PyClass>(obj: PyPtr) -> libc::c_int {
    // SAFETY: a live object of T's type; GIL held.
    unsafe {
        let head = instance::head(obj);
        let dict = std::mem::replace(&mut (*head).dict, std::ptr::null_mut());
        ffi::Py_XDECREF(dict);
        if (*head).borrow != FREE {
            return 0;
        }
        (*head).borrow = MUT;
        let value = &mut *instance::value::<T>(obj);
        let _ = catch_unwind(AssertUnwindSafe(|| value.clear())).map_err(std::mem::forget);
        (*head).borrow = FREE;
    }
    0
}

// ---- methods ---------------------------------------------------------------

macro_rules! self_entry {
    ($(#[$doc:meta])* $name:ident<$bound:ident>($($arg:ident: $ty:ty),*) => |$py:ident, $this:ident| $call:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// Called by Python only, with the GIL held and `slf` the object
        /// (checked all the same); the other arguments as its C signature
        /// says, alive for the call.
        unsafe extern "C" fn $name<T: PyClass, F: $bound<T>>(slf: PyPtr $(, $arg: $ty)*) -> PyPtr {
            // SAFETY: F is zero-sized (checked by the constructor).
            let body: F = unsafe { conjure() };
            // SAFETY: the contract; slf lives for the call.
            unsafe {
                trampoline(|$py| {
                    let $this = Instance::<T>::from_self($py, slf)?;
                    $call(body)
                })
            }
        }
    };
}

self_entry!(
    /// A `METH_NOARGS` method.
    method_noargs<SelfFn>(_unused: PyPtr) => |py, this| |body: F| body(py, this)
);
self_entry!(
    /// A `METH_O` method.
    method_object<SelfObjectFn>(arg: PyPtr) => |py, this| |body: F| body(py, this, Borrowed::from_ptr(py, arg))
);
self_entry!(
    /// A `METH_VARARGS` method.
    method_varargs<SelfArgsFn>(args: PyPtr) => |py, this| |body: F| body(py, this, Args::from_ptr(py, args))
);
self_entry!(
    /// A `METH_VARARGS | METH_KEYWORDS` method, and `tp_call`.
    method_keywords<SelfArgsFn>(args: PyPtr, kwargs: PyPtr) => |py, this| |body: F| body(py, this, Args::from_ptrs(py, args, kwargs))
);
self_entry!(
    /// `sq_item`, `sq_repeat`, `sq_inplace_repeat`.
    slot_index<SelfIndexFn>(index: ffi::Py_ssize_t) => |py, this| |body: F| body(py, this, index)
);
self_entry!(
    /// `tp_richcompare`.
    slot_compare<CompareFn>(other: PyPtr, op: libc::c_int) => |py, this| |body: F| match CompareOp::from_c(op) {
        Some(op) => body(py, this, Borrowed::from_ptr(py, other), op),
        None => Err(Error::new(ExceptionType::SystemError, "bad rich comparison operator")),
    }
);

/// `tp_iternext`: `None` ends the iteration (NULL with no exception set).
///
/// # Safety
///
/// Called by Python only, with the GIL held.
unsafe extern "C" fn slot_next<T: PyClass, F: NextFn<T>>(slf: PyPtr) -> PyPtr {
    // SAFETY: F is zero-sized.
    let body: F = unsafe { conjure() };
    // SAFETY: Python called with the GIL held (the contract).
    let py = unsafe { Python::assume_gil_acquired() };
    let _held = crate::runtime::Held::enter();
    // SAFETY: GIL held, Python running: no scope is active.
    unsafe { crate::runtime::drain() };
    // SAFETY: slf is the object, alive for the call (the contract).
    let next = || body(py, unsafe { Instance::<T>::from_self(py, slf)? });
    match catch_unwind(AssertUnwindSafe(next)) {
        Ok(Ok(item)) => {
            // SAFETY: GIL held; reads the error indicator. Neither an item
            // nor the end may come with an exception set.
            if unsafe { ffi::PyErr_Occurred() }.is_null() {
                // An item's reference goes to Python; the end is NULL with
                // no exception set.
                item.map_or(std::ptr::null_mut(), Object::into_ptr)
            } else {
                let error = Error::result_with_exception_set(py, "a slot of an extension type");
                drop(item);
                error.restore(py);
                std::ptr::null_mut()
            }
        }
        Ok(Err(e)) => {
            e.restore(py);
            std::ptr::null_mut()
        }
        Err(payload) => {
            raise_panic(py, payload);
            std::ptr::null_mut()
        }
    }
}

/// A binary number slot.
///
/// # Safety
///
/// Called by Python only, with the GIL held and both operands alive.
unsafe extern "C" fn slot_binary<F: BinaryFn>(a: PyPtr, b: PyPtr) -> PyPtr {
    // SAFETY: F is zero-sized.
    let body: F = unsafe { conjure() };
    // SAFETY: the contract.
    unsafe { trampoline(|py| body(py, Borrowed::from_ptr(py, a), Borrowed::from_ptr(py, b))) }
}

macro_rules! value_entry {
    ($(#[$doc:meta])* $name:ident<$bound:ident>($($arg:ident: $ty:ty),*) -> $ret:ty, error $err:expr, |$py:ident, $this:ident, $body:ident| $call:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// Called by Python only, with the GIL held and `slf` the object.
        unsafe extern "C" fn $name<T: PyClass, F: $bound<T>>(slf: PyPtr $(, $arg: $ty)*) -> $ret {
            // SAFETY: F is zero-sized.
            let $body: F = unsafe { conjure() };
            // SAFETY: the contract; the arguments live for the call.
            unsafe {
                guard($err, |$py| {
                    let $this = Instance::<T>::from_self($py, slf)?;
                    $call
                })
            }
        }
    };
}

value_entry!(
    /// `sq_length`, `mp_length`.
    slot_len<LenFn>() -> ffi::Py_ssize_t, error -1, |py, this, body| {
        let len = body(py, this)?;
        isize::try_from(len).map_err(|_| Error::new(ExceptionType::OverflowError, "length too large"))
    }
);
value_entry!(
    /// `nb_nonzero`.
    slot_bool<BoolFn>() -> libc::c_int, error -1, |py, this, body| body(py, this).map(libc::c_int::from)
);
value_entry!(
    /// `sq_contains`.
    slot_contains<ContainsFn>(arg: PyPtr) -> libc::c_int, error -1, |py, this, body| {
        body(py, this, Borrowed::from_ptr(py, arg)).map(libc::c_int::from)
    }
);
value_entry!(
    /// `tp_hash`: -1 is the error, so a hash of -1 becomes -2, as Python's
    /// own do.
    slot_hash<HashFn>() -> libc::c_long, error -1, |py, this, body| {
        let hash = body(py, this)? as libc::c_long;
        Ok(if hash == -1 { -2 } else { hash })
    }
);
value_entry!(
    /// `sq_ass_item`: NULL value is deletion.
    slot_set_item<SetItemFn>(index: ffi::Py_ssize_t, value: PyPtr) -> libc::c_int, error -1, |py, this, body| {
        let value = (!value.is_null()).then(|| Borrowed::from_ptr(py, value));
        body(py, this, index, value).map(|()| 0)
    }
);
value_entry!(
    /// `tp_init`: 0, or -1 with the exception raised.
    slot_init<InitFn>(args: PyPtr, kwargs: PyPtr) -> libc::c_int, error -1, |py, this, body| {
        body(py, this, Args::from_ptrs(py, args, kwargs)).map(|()| 0)
    }
);
value_entry!(
    /// `mp_ass_subscript`: NULL value is deletion.
    slot_set_subscript<SetSubscriptFn>(key: PyPtr, value: PyPtr) -> libc::c_int, error -1, |py, this, body| {
        let value = (!value.is_null()).then(|| Borrowed::from_ptr(py, value));
        body(py, this, Borrowed::from_ptr(py, key), value).map(|()| 0)
    }
);

/// Casts an entry point to the `PyCFunction` a method table holds.
macro_rules! as_cfunction {
    ($f:expr, $($arg:ty),*) => {{
        let entry: unsafe extern "C" fn($($arg),*) -> PyPtr = $f;
        // SAFETY: what the method's flag means: Python calls the entry with
        // the arguments of that flag's signature, as C extensions cast
        // theirs (the C ABI passes the leading pointer arguments alike).
        unsafe {
            std::mem::transmute::<
                unsafe extern "C" fn($($arg),*) -> PyPtr,
                unsafe extern "C" fn(PyPtr, PyPtr) -> PyPtr,
            >(entry)
        }
    }};
}

impl Method {
    /// A `METH_NOARGS` method of `T`: `self.name()`.
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) If `body` captures anything.
    pub const fn noargs_of<T: PyClass, F: SelfFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(method_noargs::<T, F>), ffi::METH_NOARGS, doc)
    }

    /// A `METH_O` method of `T`: `self.name(arg)`.
    ///
    /// # Panics
    ///
    /// As [`Method::noargs_of`].
    pub const fn object_of<T: PyClass, F: SelfObjectFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(method_object::<T, F>), ffi::METH_O, doc)
    }

    /// A `METH_VARARGS` method of `T`: `self.name(*args)`.
    ///
    /// # Panics
    ///
    /// As [`Method::noargs_of`].
    pub const fn varargs_of<T: PyClass, F: SelfArgsFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(method_varargs::<T, F>), ffi::METH_VARARGS, doc)
    }

    /// A `METH_VARARGS | METH_KEYWORDS` method of `T`:
    /// `self.name(*args, **kwargs)`.
    ///
    /// # Panics
    ///
    /// As [`Method::noargs_of`].
    pub const fn keywords_of<T: PyClass, F: SelfArgsFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        let meth = as_cfunction!(method_keywords::<T, F>, PyPtr, PyPtr, PyPtr);
        Method::new(
            name,
            Some(meth),
            ffi::METH_VARARGS | ffi::METH_KEYWORDS,
            doc,
        )
    }

    /// This method as a static method (`METH_STATIC`: no `self`), for the
    /// function constructors ([`Method::varargs`], ...).
    pub const fn static_method(self) -> Method {
        let mut def = self.0;
        def.ml_flags |= ffi::METH_STATIC as libc::c_int;
        Method(def)
    }
}

macro_rules! slot {
    ($id:ident, $f:expr, fn($($arg:ty),*) -> $ret:ty) => {{
        let entry: unsafe extern "C" fn($($arg),*) -> $ret = $f;
        Slot(ffi::lbsys_slot {
            slot: ffi::$id as libc::c_int,
            pfunc: entry as *mut libc::c_void,
        })
    }};
}

/// The slots' constructors: each takes the body (a function, or a closure
/// capturing nothing) and gives the table entry.
impl Slot {
    /// `tp_new`: `Type(*args, **kwargs)`.
    pub const fn new<T: PyClass, F: NewFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_TP_NEW,
            new::<T, F>,
            fn(*mut ffi::PyTypeObject, PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `tp_new` for a body that makes the object itself, of the class
    /// asked for ([`Class::create`]).
    pub const fn new_in<T: PyClass, F: NewInFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_TP_NEW,
            new_in::<T, F>,
            fn(*mut ffi::PyTypeObject, PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `tp_init`: `__init__`, which `Type(*args, **kwargs)` calls after
    /// `tp_new` (on an object of the type or a subclass; not when `tp_new`
    /// made one of another type), and Python code may call again on a
    /// live object.
    pub const fn init<T: PyClass, F: InitFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_TP_INIT,
            slot_init::<T, F>,
            fn(PyPtr, PyPtr, PyPtr) -> libc::c_int
        )
    }

    /// `tp_dealloc` (every type has it: [`py_class!`](crate::py_class)
    /// adds it).
    pub const fn dealloc<T: PyClass>() -> Slot {
        slot!(LBSYS_TP_DEALLOC, dealloc::<T>, fn(PyPtr) -> ())
    }

    /// `tp_traverse` and `tp_clear` from [`PyClass`] (for `gc` types).
    pub const fn traverse<T: PyClass>() -> Slot {
        slot!(
            LBSYS_TP_TRAVERSE,
            traverse::<T>,
            fn(PyPtr, ffi::visitproc, *mut libc::c_void) -> libc::c_int
        )
    }

    /// `tp_clear`, with [`Slot::traverse`].
    pub const fn clear<T: PyClass>() -> Slot {
        slot!(LBSYS_TP_CLEAR, clear::<T>, fn(PyPtr) -> libc::c_int)
    }

    /// `tp_repr`: the body's result as the native `str` (on Python 3, a
    /// `bytes` result is decoded from UTF-8).
    pub const fn repr<T: PyClass, F: SelfFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_TP_REPR, text_noargs::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `tp_str`: as [`Slot::repr`].
    pub const fn str<T: PyClass, F: SelfFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_TP_STR, text_noargs::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `tp_iter`.
    pub const fn iter<T: PyClass, F: SelfFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_TP_ITER, method_noargs_1::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `nb_invert`.
    pub const fn invert<T: PyClass, F: SelfFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_NB_INVERT, method_noargs_1::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `nb_index`.
    pub const fn index<T: PyClass, F: SelfFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_NB_INDEX, method_noargs_1::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `tp_iternext`.
    pub const fn next<T: PyClass, F: NextFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_TP_ITERNEXT, slot_next::<T, F>, fn(PyPtr) -> PyPtr)
    }

    /// `tp_hash`.
    pub const fn hash<T: PyClass, F: HashFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(LBSYS_TP_HASH, slot_hash::<T, F>, fn(PyPtr) -> libc::c_long)
    }

    /// `tp_richcompare`.
    pub const fn richcompare<T: PyClass, F: CompareFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_TP_RICHCOMPARE,
            slot_compare::<T, F>,
            fn(PyPtr, PyPtr, libc::c_int) -> PyPtr
        )
    }

    /// `tp_call`.
    pub const fn call<T: PyClass, F: SelfArgsFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_TP_CALL,
            method_keywords::<T, F>,
            fn(PyPtr, PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `sq_length` (`len()`).
    pub const fn len<T: PyClass, F: LenFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_LENGTH,
            slot_len::<T, F>,
            fn(PyPtr) -> ffi::Py_ssize_t
        )
    }

    /// `mp_length` (`len()` of a mapping).
    pub const fn mapping_len<T: PyClass, F: LenFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_MP_LENGTH,
            slot_len::<T, F>,
            fn(PyPtr) -> ffi::Py_ssize_t
        )
    }

    /// `nb_nonzero` (truth).
    pub const fn nonzero<T: PyClass, F: BoolFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_NB_NONZERO,
            slot_bool::<T, F>,
            fn(PyPtr) -> libc::c_int
        )
    }

    /// `sq_contains` (`in`).
    pub const fn contains<T: PyClass, F: ContainsFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_CONTAINS,
            slot_contains::<T, F>,
            fn(PyPtr, PyPtr) -> libc::c_int
        )
    }

    /// `sq_item` (`self[i]`, negative `i` already adjusted by Python when
    /// the type has a length).
    pub const fn item<T: PyClass, F: SelfIndexFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_ITEM,
            slot_index::<T, F>,
            fn(PyPtr, ffi::Py_ssize_t) -> PyPtr
        )
    }

    /// `sq_ass_item` (`self[i] = v`, `del self[i]`).
    pub const fn set_item<T: PyClass, F: SetItemFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_ASS_ITEM,
            slot_set_item::<T, F>,
            fn(PyPtr, ffi::Py_ssize_t, PyPtr) -> libc::c_int
        )
    }

    /// `sq_concat` (`self + other`).
    pub const fn concat<T: PyClass, F: SelfObjectFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_CONCAT,
            method_object::<T, F>,
            fn(PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `sq_inplace_concat` (`self += other`).
    pub const fn inplace_concat<T: PyClass, F: SelfObjectFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_INPLACE_CONCAT,
            method_object::<T, F>,
            fn(PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `sq_repeat` (`self * n`).
    pub const fn repeat<T: PyClass, F: SelfIndexFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_REPEAT,
            slot_index::<T, F>,
            fn(PyPtr, ffi::Py_ssize_t) -> PyPtr
        )
    }

    /// `sq_inplace_repeat` (`self *= n`).
    pub const fn inplace_repeat<T: PyClass, F: SelfIndexFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_SQ_INPLACE_REPEAT,
            slot_index::<T, F>,
            fn(PyPtr, ffi::Py_ssize_t) -> PyPtr
        )
    }

    /// `mp_subscript` (`self[key]`, slices included).
    pub const fn subscript<T: PyClass, F: SelfObjectFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_MP_SUBSCRIPT,
            method_object::<T, F>,
            fn(PyPtr, PyPtr) -> PyPtr
        )
    }

    /// `mp_ass_subscript` (`self[key] = v`, `del self[key]`).
    pub const fn set_subscript<T: PyClass, F: SetSubscriptFn<T>>(body: F) -> Slot {
        zero_sized(body);
        slot!(
            LBSYS_MP_ASS_SUBSCRIPT,
            slot_set_subscript::<T, F>,
            fn(PyPtr, PyPtr, PyPtr) -> libc::c_int
        )
    }
}

/// The binary operators of the number protocol, and their in-place forms.
macro_rules! number_slots {
    ($($(#[$doc:meta])* $name:ident => $id:ident;)*) => {
        impl Slot {$(
            $(#[$doc])*
            pub const fn $name<F: BinaryFn>(body: F) -> Slot {
                zero_sized(body);
                slot!($id, slot_binary::<F>, fn(PyPtr, PyPtr) -> PyPtr)
            }
        )*}
    };
}

number_slots! {
    /// `nb_and` (`a & b`; either operand may be the instance).
    and => LBSYS_NB_AND;
    /// `nb_or` (`a | b`).
    or => LBSYS_NB_OR;
    /// `nb_xor` (`a ^ b`).
    xor => LBSYS_NB_XOR;
    /// `nb_lshift` (`a << b`).
    lshift => LBSYS_NB_LSHIFT;
    /// `nb_rshift` (`a >> b`).
    rshift => LBSYS_NB_RSHIFT;
    /// `nb_add` (`a + b`).
    add => LBSYS_NB_ADD;
    /// `nb_subtract` (`a - b`).
    subtract => LBSYS_NB_SUBTRACT;
    /// `nb_multiply` (`a * b`).
    multiply => LBSYS_NB_MULTIPLY;
}

macro_rules! inplace_slots {
    ($($(#[$doc:meta])* $name:ident => $id:ident;)*) => {
        impl Slot {$(
            $(#[$doc])*
            pub const fn $name<T: PyClass, F: SelfObjectFn<T>>(body: F) -> Slot {
                zero_sized(body);
                slot!($id, method_object::<T, F>, fn(PyPtr, PyPtr) -> PyPtr)
            }
        )*}
    };
}

inplace_slots! {
    /// `nb_inplace_and` (`self &= other`).
    inplace_and => LBSYS_NB_INPLACE_AND;
    /// `nb_inplace_or` (`self |= other`).
    inplace_or => LBSYS_NB_INPLACE_OR;
    /// `nb_inplace_xor` (`self ^= other`).
    inplace_xor => LBSYS_NB_INPLACE_XOR;
    /// `nb_inplace_lshift` (`self <<= other`).
    inplace_lshift => LBSYS_NB_INPLACE_LSHIFT;
    /// `nb_inplace_rshift` (`self >>= other`).
    inplace_rshift => LBSYS_NB_INPLACE_RSHIFT;
}

/// `tp_repr`, `tp_str`, `tp_iter`, unary slots: `unaryfunc(self)`.
///
/// # Safety
///
/// As [`method_noargs`].
unsafe extern "C" fn method_noargs_1<T: PyClass, F: SelfFn<T>>(slf: PyPtr) -> PyPtr {
    // SAFETY: passed on; the unused argument is never read.
    unsafe { method_noargs::<T, F>(slf, std::ptr::null_mut()) }
}

/// `tp_repr`, `tp_str`: the body's result, which Python wants a native
/// `str`: on Python 3 a `bytes` result (from a body that made Python 2's
/// `str`, as the C it ports did with `PyString_FromFormat`) is decoded
/// from UTF-8 (`UnicodeDecodeError` if it is not UTF-8). Python 2 takes
/// a `unicode` result itself.
///
/// # Safety
///
/// As [`method_noargs`].
unsafe extern "C" fn text_noargs<T: PyClass, F: SelfFn<T>>(slf: PyPtr) -> PyPtr {
    // SAFETY: passed on; the unused argument is never read.
    let result = unsafe { method_noargs::<T, F>(slf, std::ptr::null_mut()) };
    // SAFETY: Python called the slot with the GIL held; `result` is NULL
    // or a new reference, which is released once decoded, and whose bytes
    // are read while it lives.
    unsafe {
        if ffi::PY3 && !result.is_null() && ffi::PyString_CheckExact(result) != 0 {
            let text = ffi::PyUnicode_DecodeUTF8(
                ffi::PyString_AS_STRING(result),
                ffi::PyString_GET_SIZE(result),
                std::ptr::null(),
            );
            ffi::Py_DECREF(result);
            return text;
        }
    }
    result
}

// ---- properties ------------------------------------------------------------

/// A property's setter: `Some(value)` to set, `None` to delete.
pub trait SetterFn<T: PyClass>:
    for<'a, 'py> Fn(Python<'py>, Instance<'a, 'py, T>, Option<Borrowed<'a, 'py>>) -> Result<()> + Copy
{
}
impl<T: PyClass, F> SetterFn<T> for F where
    F: for<'a, 'py> Fn(Python<'py>, Instance<'a, 'py, T>, Option<Borrowed<'a, 'py>>) -> Result<()>
        + Copy
{
}

/// A property's `get`.
///
/// # Safety
///
/// Called by Python only, with the GIL held and `slf` the object.
unsafe extern "C" fn getter<T: PyClass, F: SelfFn<T>>(
    slf: PyPtr,
    _closure: *mut libc::c_void,
) -> PyPtr {
    // SAFETY: passed on; the unused argument is never read.
    unsafe { method_noargs::<T, F>(slf, std::ptr::null_mut()) }
}

/// A property's `set` (NULL value: delete).
///
/// # Safety
///
/// Called by Python only, with the GIL held, `slf` the object and `value`
/// the new value or NULL.
unsafe extern "C" fn setter<T: PyClass, F: SetterFn<T>>(
    slf: PyPtr,
    value: PyPtr,
    _closure: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: F is zero-sized.
    let body: F = unsafe { conjure() };
    // SAFETY: the contract; value lives for the call.
    unsafe {
        guard(-1, |py| {
            let this = Instance::<T>::from_self(py, slf)?;
            let value = (!value.is_null()).then(|| Borrowed::from_ptr(py, value));
            body(py, this, value).map(|()| 0)
        })
    }
}

impl Property {
    /// A read-only property: reading it runs `get`; assigning it raises
    /// `AttributeError` (Python's own, for a property with no setter).
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) If `get` captures anything.
    pub const fn read_only<T: PyClass, G: SelfFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        get: G,
    ) -> Property {
        zero_sized(get);
        Property(ffi::PyGetSetDef {
            name: name.as_ptr().cast_mut(),
            get: Some(getter::<T, G>),
            set: None,
            doc: match doc {
                Some(doc) => doc.as_ptr().cast_mut(),
                None => std::ptr::null_mut(),
            },
            closure: std::ptr::null_mut(),
        })
    }

    /// A property with a setter too (`set` gets `None` for `del`).
    ///
    /// # Panics
    ///
    /// As [`Property::read_only`].
    pub const fn read_write<T: PyClass, G: SelfFn<T>, S: SetterFn<T>>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        get: G,
        set: S,
    ) -> Property {
        zero_sized(set);
        let mut p = Property::read_only::<T, G>(name, doc, get);
        p.0.set = Some(setter::<T, S>);
        p
    }
}

// ---- class methods ---------------------------------------------------------

/// The body of a class method (`METH_CLASS`): the class it was called on
/// (the type, or a Python subclass) and the arguments.
pub trait ClassFn:
    for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}
impl<F> ClassFn for F where
    F: for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}

/// A class method's entry: `METH_CLASS | METH_VARARGS | METH_KEYWORDS`.
///
/// # Safety
///
/// Called by Python only, with the GIL held, `cls` the class, `args` the
/// argument tuple and `kwargs` the keyword dict or NULL.
unsafe extern "C" fn class_method<F: ClassFn>(cls: PyPtr, args: PyPtr, kwargs: PyPtr) -> PyPtr {
    // SAFETY: F is zero-sized (checked by the constructor).
    let body: F = unsafe { conjure() };
    // SAFETY: the contract; all three live for the call.
    unsafe {
        trampoline(|py| {
            body(
                py,
                Borrowed::from_ptr(py, cls),
                Args::from_ptrs(py, args, kwargs),
            )
        })
    }
}

/// A class method's entry: `METH_CLASS | METH_VARARGS` (Python refuses
/// keywords before calling it, as for a C function so flagged).
///
/// # Safety
///
/// Called by Python only, with the GIL held, `cls` the class and `args`
/// the argument tuple.
unsafe extern "C" fn class_method_positional<F: ClassFn>(cls: PyPtr, args: PyPtr) -> PyPtr {
    // SAFETY: F is zero-sized (checked by the constructor).
    let body: F = unsafe { conjure() };
    // SAFETY: the contract; both live for the call.
    unsafe { trampoline(|py| body(py, Borrowed::from_ptr(py, cls), Args::from_ptr(py, args))) }
}

impl Method {
    /// A class method taking no keywords: `Type.name(*args)` (or on an
    /// instance), `body` given the class it was called on.
    ///
    /// # Panics
    ///
    /// As [`Method::noargs_of`].
    pub const fn class_method_positional<F: ClassFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(
            name,
            Some(class_method_positional::<F>),
            ffi::METH_CLASS | ffi::METH_VARARGS,
            doc,
        )
    }

    /// A class method: `Type.name(*args, **kwargs)` (or on an instance),
    /// `body` given the class it was called on.
    ///
    /// # Panics
    ///
    /// As [`Method::noargs_of`].
    pub const fn class_method<F: ClassFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        let meth = as_cfunction!(class_method::<F>, PyPtr, PyPtr, PyPtr);
        Method::new(
            name,
            Some(meth),
            ffi::METH_CLASS | ffi::METH_VARARGS | ffi::METH_KEYWORDS,
            doc,
        )
    }
}
