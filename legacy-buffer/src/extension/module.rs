//! Defining an extension module with no `unsafe` in the port: the method
//! table, `init<name>`, module constants and exception classes, written by
//! [`py_module!`](crate::py_module) from plain Rust functions.
//!
//! Everything `unsafe` lives here, once: the C entry points are generic
//! functions of this crate, one instance per body (a zero-sized type the
//! macro names), each running the body through [`trampoline`]; the method
//! table is a static only Python reads.

use super::call::{raise_panic, trampoline, Args};
use super::class::TypeObject;
use super::results::IntoPyObject;
use crate::error::{ClassCell, Error, ExceptionType, Result};
use crate::gil::{with_gil, Python};
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;
use std::cell::UnsafeCell;
use std::ffi::CStr;
use std::ptr;

/// The body of a `METH_VARARGS` function (also `METH_VARARGS |
/// METH_KEYWORDS`: its [`Args`] carry the keyword arguments): a function
/// item (or a closure capturing nothing), so that its entry point can be a
/// function of this crate, one instance per body, that needs no data.
pub trait VarargsFn:
    for<'a, 'py> Fn(Python<'py>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}
impl<F> VarargsFn for F where
    F: for<'a, 'py> Fn(Python<'py>, Args<'a, 'py>) -> Result<Object<'py>> + Copy
{
}

/// The body of a `METH_NOARGS` function (see [`VarargsFn`]).
pub trait NoargsFn: for<'py> Fn(Python<'py>) -> Result<Object<'py>> + Copy {}
impl<F> NoargsFn for F where F: for<'py> Fn(Python<'py>) -> Result<Object<'py>> + Copy {}

/// The body of a `METH_O` function (see [`VarargsFn`]).
pub trait ObjectFn:
    for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>) -> Result<Object<'py>> + Copy
{
}
impl<F> ObjectFn for F where
    F: for<'a, 'py> Fn(Python<'py>, Borrowed<'a, 'py>) -> Result<Object<'py>> + Copy
{
}

/// The body of type `F`, made from nothing.
///
/// # Safety
///
/// `F` is zero-sized (checked by the `Method` constructors, the only way to
/// an entry point of `F`) and implements `Fn`: on stable Rust only function
/// items and closures do, and a zero-sized one captures nothing, so a value
/// of it is what naming the function or writing the closure would give.
pub(crate) unsafe fn conjure<F: Copy>() -> F {
    debug_assert_eq!(std::mem::size_of::<F>(), 0);
    // SAFETY: reading a zero-sized value reads no memory; a dangling,
    // aligned pointer is valid for it. Its validity: the caller's contract.
    unsafe { ptr::NonNull::<F>::dangling().as_ptr().read() }
}

/// The C entry point of a `METH_VARARGS` function.
///
/// # Safety
///
/// Called by Python only, with the GIL held and `args` the argument tuple
/// (a `PyCFunction`); `F` as [`conjure`] needs.
unsafe extern "C" fn varargs<F: VarargsFn>(
    _module: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: F is a zero-sized function item or closure (Method checked).
    let body: F = unsafe { conjure() };
    // SAFETY: Python calls this with the GIL held and `args` its argument
    // tuple, alive for the call; the result goes straight back to Python.
    unsafe { trampoline(|py| body(py, Args::from_ptr(py, args))) }
}

/// A function's name, as a type: what [`Method::positional`] needs to
/// refuse keyword arguments in `METH_VARARGS`' words.
/// [`py_module!`](crate::py_module) declares one per function.
pub trait FunctionName {
    /// The name, as the method table has it.
    const NAME: &'static CStr;
}

/// The C entry point of a [`Method::positional`] function on Python 3
/// (`METH_FASTCALL | METH_KEYWORDS`): the arguments are the caller's array,
/// each given a reference of its own for the call ([`HeldArgs`]).
///
/// # Safety
///
/// Called by Python only, with the GIL held, `args` the caller's array of
/// `nargs` positional arguments (then the keyword values) and `kwnames`
/// the keywords' names or NULL (a `_PyCFunctionFastWithKeywords`); `F` as
/// [`conjure`] needs.
unsafe extern "C" fn fastcall<N: FunctionName, F: VarargsFn>(
    _module: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: F is a zero-sized function item or closure (Method checked).
    let body: F = unsafe { conjure() };
    // `args` is valid on entry; HeldArgs takes a reference to each argument
    // before any Python code runs.
    // SAFETY: Python calls this with the GIL held, `args` the array of its
    // `nargs` arguments, `kwnames` a tuple or NULL; the result goes back.
    unsafe {
        trampoline(|py| {
            if !kwnames.is_null() && ffi::PyTuple_Size(kwnames) > 0 {
                let name = N::NAME.to_bytes();
                let name = String::from_utf8_lossy(&name[..name.len().min(200)]);
                return Err(Error::new(
                    ExceptionType::TypeError,
                    format!("{name}() takes no keyword arguments"),
                ));
            }
            let held = HeldArgs::new(args, nargs);
            body(
                py,
                Args::from_array(py, held.as_ptr(), held.len as ffi::Py_ssize_t),
            )
        })
    }
}

/// A `METH_FASTCALL` call's arguments, each with a reference of this call's
/// own until it returns, as a tuple would hold them: the caller's array may
/// hold references it does not own (`functools.partial` passes its stored
/// arguments so), which Python code run during the call could drop
/// (`partial.__setstate__` from an argument's `__index__`). Up to eight in
/// place, more in a vector.
struct HeldArgs {
    inline: [*mut ffi::PyObject; 8],
    more: Vec<*mut ffi::PyObject>,
    len: usize,
}

impl HeldArgs {
    /// # Safety
    ///
    /// The GIL is held; `args` is an array of `nargs` valid objects (NULL
    /// if none), read here only.
    unsafe fn new(args: *const *mut ffi::PyObject, nargs: ffi::Py_ssize_t) -> HeldArgs {
        let len = if args.is_null() {
            0
        } else {
            nargs.max(0) as usize
        };
        let mut held = HeldArgs {
            inline: [ptr::null_mut(); 8],
            more: Vec::new(),
            len,
        };
        // SAFETY: the caller's contract: `len` readable pointers.
        let given = unsafe { std::slice::from_raw_parts(args, len) };
        let slots = if len <= held.inline.len() {
            &mut held.inline[..len]
        } else {
            held.more.resize(len, ptr::null_mut());
            &mut held.more[..]
        };
        for (slot, &arg) in slots.iter_mut().zip(given) {
            // SAFETY: a valid object, GIL held.
            unsafe { ffi::Py_INCREF(arg) };
            *slot = arg;
        }
        held
    }

    fn as_ptr(&self) -> *const *mut ffi::PyObject {
        if self.len <= self.inline.len() {
            self.inline.as_ptr()
        } else {
            self.more.as_ptr()
        }
    }
}

impl Drop for HeldArgs {
    fn drop(&mut self) {
        let held = if self.len <= self.inline.len() {
            &self.inline[..self.len]
        } else {
            &self.more[..]
        };
        for &arg in held {
            // SAFETY: a reference taken in `new`, released once, with the
            // GIL held (inside the trampoline, as the call is).
            unsafe { ffi::Py_DECREF(arg) };
        }
    }
}

/// The C entry point of a `METH_VARARGS | METH_KEYWORDS` function.
///
/// # Safety
///
/// Called by Python only, with the GIL held, `args` the argument tuple and
/// `kwargs` the keyword dict or NULL (a `PyCFunctionWithKeywords`); `F` as
/// [`conjure`] needs.
unsafe extern "C" fn keywords<F: VarargsFn>(
    _module: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: F is a zero-sized function item or closure (Method checked).
    let body: F = unsafe { conjure() };
    // SAFETY: as in `varargs`; `kwargs` is the dict Python passed, or NULL.
    unsafe { trampoline(|py| body(py, Args::from_ptrs(py, args, kwargs))) }
}

/// The C entry point of a `METH_NOARGS` function.
///
/// # Safety
///
/// Called by Python only, with the GIL held; `F` as [`conjure`] needs.
unsafe extern "C" fn noargs<F: NoargsFn>(
    _module: *mut ffi::PyObject,
    _unused: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: F is a zero-sized function item or closure (Method checked).
    let body: F = unsafe { conjure() };
    // SAFETY: Python calls this with the GIL held.
    unsafe { trampoline(body) }
}

/// The C entry point of a `METH_O` function.
///
/// # Safety
///
/// Called by Python only, with the GIL held and `arg` the one argument;
/// `F` as [`conjure`] needs.
unsafe extern "C" fn object<F: ObjectFn>(
    _module: *mut ffi::PyObject,
    arg: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: F is a zero-sized function item or closure (Method checked).
    let body: F = unsafe { conjure() };
    // SAFETY: Python calls this with the GIL held and `arg` borrowed for
    // the call.
    unsafe { trampoline(|py| body(py, Borrowed::from_ptr(py, arg))) }
}

/// Entry points are made only for bodies that capture nothing.
pub(crate) const fn zero_sized<F>(body: F) {
    assert!(
        std::mem::size_of::<F>() == 0,
        "an extension function body must be a function, or a closure capturing nothing"
    );
    std::mem::forget(body);
}

/// One entry of a module's method table.
#[derive(Clone, Copy)]
pub struct Method(pub(crate) ffi::PyMethodDef);

impl Method {
    pub(crate) const fn new(
        name: &'static CStr,
        meth: ffi::PyCFunction,
        flags: u32,
        doc: Option<&'static CStr>,
    ) -> Method {
        Method(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: meth,
            ml_flags: flags as libc::c_int,
            ml_doc: match doc {
                Some(doc) => doc.as_ptr(),
                None => ptr::null(),
            },
        })
    }

    /// `METH_VARARGS`: `name(*args)`, run by `body`. With `doc` `None`,
    /// `ml_doc` is NULL and the function's `__doc__` is `None`, as for a C
    /// function declared without one (the same for every constructor).
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) If `body` captures anything.
    pub const fn varargs<F: VarargsFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(varargs::<F>), ffi::METH_VARARGS, doc)
    }

    /// [`Method::varargs`] for a function whose name is the type `N`'s
    /// (what [`py_module!`](crate::py_module) declares): the same function,
    /// called on Python 3 as `METH_FASTCALL | METH_KEYWORDS` with the
    /// arguments' array, where `METH_VARARGS` would make a tuple per call.
    /// What a caller sees is the same: keyword arguments are refused with
    /// `METH_VARARGS`' own words, `"name() takes no keyword arguments"`
    /// (Python 3's fast convention would name the module too).
    ///
    /// # Panics
    ///
    /// As [`Method::varargs`].
    pub const fn positional<N: FunctionName, F: VarargsFn>(
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        if !ffi::PY3 {
            return Method::new(N::NAME, Some(varargs::<F>), ffi::METH_VARARGS, doc);
        }
        let entry: unsafe extern "C" fn(
            *mut ffi::PyObject,
            *const *mut ffi::PyObject,
            ffi::Py_ssize_t,
            *mut ffi::PyObject,
        ) -> *mut ffi::PyObject = fastcall::<N, F>;
        // What METH_FASTCALL | METH_KEYWORDS means: Python calls the entry
        // as a `_PyCFunctionFastWithKeywords`, as C extensions cast theirs.
        // SAFETY: a PyCFunction-typed pointer to that entry; the C ABI
        // passes the arguments alike.
        let meth = unsafe {
            std::mem::transmute::<
                unsafe extern "C" fn(
                    *mut ffi::PyObject,
                    *const *mut ffi::PyObject,
                    ffi::Py_ssize_t,
                    *mut ffi::PyObject,
                ) -> *mut ffi::PyObject,
                unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> *mut ffi::PyObject,
            >(entry)
        };
        Method::new(
            N::NAME,
            Some(meth),
            ffi::POSITIONAL_CALL | ffi::METH_KEYWORDS,
            doc,
        )
    }

    /// `METH_VARARGS | METH_KEYWORDS`: `name(*args, **kwargs)`, run by
    /// `body`, whose [`Args`] carry the keywords.
    ///
    /// # Panics
    ///
    /// As [`Method::varargs`].
    pub const fn keywords<F: VarargsFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        let entry: unsafe extern "C" fn(
            *mut ffi::PyObject,
            *mut ffi::PyObject,
            *mut ffi::PyObject,
        ) -> *mut ffi::PyObject = keywords::<F>;
        // SAFETY: what METH_KEYWORDS means: Python calls a PyCFunction
        // entry with this flag with three arguments, as C extensions cast
        // theirs (the C ABI passes the first two alike).
        let meth = unsafe {
            std::mem::transmute::<
                unsafe extern "C" fn(
                    *mut ffi::PyObject,
                    *mut ffi::PyObject,
                    *mut ffi::PyObject,
                ) -> *mut ffi::PyObject,
                unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> *mut ffi::PyObject,
            >(entry)
        };
        Method::new(
            name,
            Some(meth),
            ffi::METH_VARARGS | ffi::METH_KEYWORDS,
            doc,
        )
    }

    /// `METH_NOARGS`: `name()`, run by `body`.
    ///
    /// # Panics
    ///
    /// As [`Method::varargs`].
    pub const fn noargs<F: NoargsFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(noargs::<F>), ffi::METH_NOARGS, doc)
    }

    /// `METH_O`: `name(arg)`, run by `body`.
    ///
    /// # Panics
    ///
    /// As [`Method::varargs`].
    pub const fn object<F: ObjectFn>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        body: F,
    ) -> Method {
        zero_sized(body);
        Method::new(name, Some(object::<F>), ffi::METH_O, doc)
    }

    /// The entry that ends a table.
    pub const END: Method = Method(ffi::PyMethodDef {
        ml_name: ptr::null(),
        ml_meth: None,
        ml_flags: 0,
        ml_doc: ptr::null(),
    });
}

/// A module's method table, ended by [`Method::END`]: a static Python keeps
/// a pointer to and only reads.
pub struct MethodTable<const N: usize>(UnsafeCell<[ffi::PyMethodDef; N]>);

// SAFETY: nothing in Rust reads or writes the table after it is made;
// Python reads it (with the GIL held) and never writes it.
unsafe impl<const N: usize> Sync for MethodTable<N> {}

impl<const N: usize> MethodTable<N> {
    /// The table's first entry, for C.
    pub(crate) const fn as_ptr(&self) -> *mut ffi::PyMethodDef {
        self.0.get().cast()
    }

    /// The table.
    ///
    /// # Panics
    ///
    /// (At compile time, in a `static`.) Unless the last entry, and only
    /// it, is [`Method::END`].
    pub const fn new(methods: [Method; N]) -> MethodTable<N> {
        let mut defs = [Method::END.0; N];
        let mut i = 0;
        while i < N {
            let end = methods[i].0.ml_meth.is_none();
            assert!(
                end == (i + 1 == N),
                "the table must end with Method::END, once"
            );
            defs[i] = methods[i].0;
            i += 1;
        }
        MethodTable(UnsafeCell::new(defs))
    }
}

/// A constant of a module: `PyModule_AddObject(module, name, value)`.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Constant {
    /// An `int`.
    Int(&'static CStr, i64),
    /// A `str`.
    Str(&'static CStr, &'static str),
    /// Any object, made at import by the function (after the module's
    /// types and exception classes are added): a C module's
    /// `PyModule_AddObject(m, "table", PyDict_New())`. Its error fails
    /// the import. (Not named `Object`: a second public `Object` would
    /// make the compiler spell out `legacy_buffer::Object` in its
    /// messages.)
    Made(
        &'static CStr,
        for<'py> fn(Python<'py>) -> Result<Object<'py>>,
    ),
}

/// An exception class of an extension module, made at import with
/// `PyErr_NewException("package.module.Name", base, NULL)` and added to the
/// module as `Name`. Bodies raise it with [`err`](ModuleException::err):
///
/// ```ignore
/// return Err(UncompressError.err("invalid data"));
/// ```
pub struct ModuleException {
    class: ClassCell,
}

impl ModuleException {
    /// The class named `name` (dotted, as `PyErr_NewException` takes it:
    /// `"snappy.UncompressError"`), derived from `base`.
    pub const fn new(name: &'static CStr, base: ExceptionType) -> ModuleException {
        ModuleException {
            class: ClassCell::new(name, base),
        }
    }

    /// The class named `name`, derived from `base`, another class of the
    /// module (`PyErr_NewException(name, OtherError, NULL)`), which is made
    /// first when this one is.
    pub const fn derived(name: &'static CStr, base: &'static ModuleException) -> ModuleException {
        ModuleException {
            class: ClassCell::derived(name, &base.class),
        }
    }

    /// An error of this class with `message`, for a body to return: raised
    /// as `Name(message)` when the extension function returns.
    #[cold]
    pub fn err(&'static self, message: impl Into<String>) -> Error {
        Error::of_class(&self.class, message.into())
    }

    /// The dotted name.
    pub fn name(&self) -> &'static str {
        self.class.name()
    }

    /// Make the class (once) and add it to `module` under the name after
    /// the last dot.
    fn add_to(&'static self, py: Python<'_>, module: *mut ffi::PyObject) -> Result<()> {
        let class = self.class.get_or_make(py)?;
        let short = self.name().rsplit('.').next().unwrap_or_default();
        add_object(py, module, short, class, true)
    }
}

/// `PyModule_AddObject(module, name, value)`, which steals a reference:
/// `borrowed` says whether the caller keeps its own.
fn add_object(
    py: Python<'_>,
    module: *mut ffi::PyObject,
    name: &str,
    value: *mut ffi::PyObject,
    borrowed: bool,
) -> Result<()> {
    let name = std::ffi::CString::new(name)
        .map_err(|_| Error::new(ExceptionType::ValueError, "a name contains a NUL byte"))?;
    // SAFETY: GIL held; a valid module and object; AddObject steals one
    // reference (the extra one taken here when the caller keeps its own),
    // and returns -1 with an exception set on failure.
    unsafe {
        if borrowed {
            ffi::Py_INCREF(value);
        }
        if ffi::PyModule_AddObject(module, name.as_ptr(), value) < 0 {
            return Err(Error::fetch(py, "PyModule_AddObject"));
        }
    }
    Ok(())
}

/// Everything that defines a module; [`py_module!`](crate::py_module) makes
/// one and its `init<name>` calls [`ModuleDef::init`].
pub struct ModuleDef {
    name: &'static CStr,
    doc: Option<&'static CStr>,
    methods: *mut ffi::PyMethodDef,
    exceptions: &'static [&'static ModuleException],
    constants: &'static [Constant],
    types: &'static [fn() -> &'static TypeObject],
}

// SAFETY: the method table pointer is to a static MethodTable, which is Sync
// (only Python reads it); everything else is immutable and static.
unsafe impl Sync for ModuleDef {}

impl ModuleDef {
    /// A module `name` with docstring `doc` (`None`: `__doc__` is `None`, as
    /// `Py_InitModule` leaves it), its functions, exception classes and
    /// constants.
    pub const fn new<const N: usize>(
        name: &'static CStr,
        doc: Option<&'static CStr>,
        methods: &'static MethodTable<N>,
        exceptions: &'static [&'static ModuleException],
        constants: &'static [Constant],
    ) -> ModuleDef {
        ModuleDef {
            name,
            doc,
            methods: methods.0.get().cast(),
            exceptions,
            constants,
            types: &[],
        }
    }

    /// The module with these types (made at import and added under their
    /// names after the last dot).
    pub const fn with_types(self, types: &'static [fn() -> &'static TypeObject]) -> ModuleDef {
        ModuleDef { types, ..self }
    }

    /// What `init<name>` (Python 2) and `PyInit_<name>` (Python 3) do:
    /// make the module (`Py_InitModule4`, the right one for the release or
    /// debug build; on Python 3 from a module definition, as
    /// `PyModule_Create` makes it), then its types, exception classes and
    /// constants. On failure an exception is left set for the importer to
    /// report, as C init functions do.
    ///
    /// Safe to call from Rust too (it takes the GIL, and initialises an
    /// embedded interpreter): the module is then importable by name (on
    /// Python 3, from `sys.modules`, where it is put).
    pub fn init(&'static self) {
        with_gil(|py| match self.try_init(py) {
            Ok(module) if ffi::PY3 => {
                if let Err(e) = register(py, self.name, &module) {
                    e.restore(py);
                }
            }
            Ok(_) => {}
            Err(e) => e.restore(py),
        })
    }

    /// What the exported `PyInit_<name>` does when Python 3's `import`
    /// calls it: the module, a new reference, or NULL with the exception
    /// set (a panic raised as `SystemError`).
    ///
    /// # Safety
    ///
    /// Only for Python's import of the module, which calls `PyInit_<name>`
    /// on the importing thread with the GIL held.
    #[doc(hidden)]
    pub unsafe fn create_from_import(&'static self) -> *mut ffi::PyObject {
        let _held = crate::runtime::Held::enter();
        // SAFETY: the import holds the GIL (this function's contract).
        let py = unsafe { Python::assume_gil_acquired() };
        // The module's type objects and exception classes are the
        // process's: an interpreter with a GIL of its own (3.12) must not
        // touch them. Refused before anything is made.
        // SAFETY: GIL held.
        if unsafe { ffi::in_main_interpreter() } == 0 {
            Error::new(
                ExceptionType::ImportError,
                format!(
                    "{}: a legacy-buffer module imports in the main interpreter only",
                    self.name()
                ),
            )
            .restore(py);
            return ptr::null_mut();
        }
        match std::panic::catch_unwind(|| self.try_init(py)) {
            Ok(Ok(module)) => module.into_ptr(),
            Ok(Err(e)) => {
                e.restore(py);
                ptr::null_mut()
            }
            Err(payload) => {
                raise_panic(py, payload);
                ptr::null_mut()
            }
        }
    }

    /// What the exported `init<name>` does when `import` calls it:
    /// [`ModuleDef::init`], knowing that the importing thread holds the GIL
    /// (which PyPy cannot be asked; see
    /// [`with_gil`](crate::with_gil)'s thread-support check).
    ///
    /// # Safety
    ///
    /// Only for Python's import of the module, which calls `init<name>` on
    /// the importing thread with the GIL held.
    #[doc(hidden)]
    pub unsafe fn init_from_import(&'static self) {
        let _held = crate::runtime::Held::enter();
        // Called from C: a panic must not unwind into it. The import then
        // fails with the panic as its SystemError, as a function's call does.
        if let Err(payload) = std::panic::catch_unwind(|| self.init()) {
            // SAFETY: the import holds the GIL (this function's contract).
            let py = unsafe { Python::assume_gil_acquired() };
            raise_panic(py, payload);
        }
    }

    /// The module made and filled: an owned reference.
    fn try_init<'py>(&'static self, py: Python<'py>) -> Result<Object<'py>> {
        // Returns NULL with an exception set, or the module: a borrowed
        // reference on Python 2 (sys.modules holds it), a new one on 3.
        // SAFETY: GIL held; static C strings and a static, END-terminated
        // method table that only Python reads.
        let module = unsafe {
            ffi::Py_InitModule4(
                self.name.as_ptr(),
                self.methods,
                self.doc.map_or(ptr::null(), CStr::as_ptr),
                ptr::null_mut(),
                ffi::PYTHON_API_VERSION as libc::c_int,
            )
        };
        if module.is_null() {
            return Err(Error::fetch(py, "Py_InitModule4"));
        }
        // SAFETY: a valid module, GIL held; Python 2's borrowed reference
        // is made one of ours.
        let module = unsafe {
            if !ffi::PY3 {
                ffi::Py_INCREF(module);
            }
            Object::from_owned_ptr(py, module)
        };
        let object = module;
        let module = object.as_ptr();
        for type_object in self.types {
            let type_object = type_object();
            let class = type_object.get(py)?;
            let short = type_object.name().rsplit('.').next().unwrap_or_default();
            add_object(py, module, short, class.cast(), true)?;
        }
        for exception in self.exceptions {
            exception.add_to(py, module)?;
        }
        for constant in self.constants {
            let (name, value) = match *constant {
                Constant::Int(name, value) => (name, value.into_object(py)?),
                Constant::Str(name, value) => (name, Object::native_str(py, value)?),
                Constant::Made(name, make) => (name, make(py)?),
            };
            let name = name.to_str().unwrap_or_default();
            add_object(py, module, name, value.into_ptr(), false)?;
        }
        Ok(object)
    }

    /// The module's name.
    pub fn name(&self) -> &'static str {
        self.name.to_str().unwrap_or_default()
    }
}

/// Python 3: `sys.modules[name] = module`, which Python 2's
/// `Py_InitModule4` does itself, so that a module made from Rust (not by
/// `import`) is importable by name.
fn register(py: Python<'_>, name: &CStr, module: &Object<'_>) -> Result<()> {
    // SAFETY: GIL held; a borrowed reference to sys.modules (NULL only
    // before the interpreter is initialised, which with_gil did); the
    // dictionary takes its own reference to the module.
    unsafe {
        let modules = ffi::PyImport_GetModuleDict();
        if modules.is_null()
            || ffi::PyDict_SetItemString(modules, name.as_ptr(), module.as_ptr()) < 0
        {
            return Err(Error::fetch(py, "PyDict_SetItemString(sys.modules)"));
        }
    }
    Ok(())
}

/// A `&'static CStr` from a string literal, in a constant.
#[doc(hidden)]
#[macro_export]
macro_rules! __cstr {
    ($s:expr) => {
        match ::std::ffi::CStr::from_bytes_with_nul(::std::concat!($s, "\0").as_bytes()) {
            ::std::result::Result::Ok(s) => s,
            ::std::result::Result::Err(_) => {
                ::std::panic!("a name or docstring contains a NUL byte")
            }
        }
    };
}

/// The Python name of an identifier in `py_module!` or `py_class!`, in a
/// constant: its text, without the `r#` of a raw identifier (`r#type`
/// names a function `type`, as C modules may).
#[doc(hidden)]
#[macro_export]
macro_rules! __ident_name {
    ($name:ident) => {
        $crate::extension::__unraw($crate::__cstr!(::std::stringify!($name)))
    };
}

/// `name` without a leading `r#` (see `__ident_name!`).
#[doc(hidden)]
pub const fn __unraw(name: &'static CStr) -> &'static CStr {
    match name.to_bytes_with_nul() {
        [b'r', b'#', rest @ ..] => match CStr::from_bytes_with_nul(rest) {
            Ok(unraw) => unraw,
            Err(_) => panic!("a raw identifier's name is a C string"),
        },
        _ => name,
    }
}

/// One method-table entry of [`py_module!`](crate::py_module).
#[doc(hidden)]
#[macro_export]
macro_rules! __py_method {
    ($name:ident (args) => $body:path $(, $doc:expr)?) => {{
        struct __LegacyBufferName;
        impl $crate::extension::FunctionName for __LegacyBufferName {
            const NAME: &'static ::std::ffi::CStr = $crate::__ident_name!($name);
        }
        $crate::extension::Method::positional::<__LegacyBufferName, _>(
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    args: $crate::extension::Args<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::extension::IntoPyResult::into_py_result($body(py, args), py)
                }
                __legacy_buffer_body
            },
        )
    }};
    ($name:ident (args, kwargs) => $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::keywords(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    args: $crate::extension::Args<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::extension::IntoPyResult::into_py_result($body(py, args), py)
                }
                __legacy_buffer_body
            },
        )
    };
    ($name:ident () => $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::noargs(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'py>(
                    py: $crate::Python<'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::extension::IntoPyResult::into_py_result($body(py), py)
                }
                __legacy_buffer_body
            },
        )
    };
    ($name:ident (arg) => $body:path $(, $doc:expr)?) => {
        $crate::extension::Method::object(
            $crate::__ident_name!($name),
            $crate::__py_doc!($($doc)?),
            {
                fn __legacy_buffer_body<'a, 'py>(
                    py: $crate::Python<'py>,
                    arg: $crate::Borrowed<'a, 'py>,
                ) -> $crate::Result<$crate::Object<'py>> {
                    $crate::extension::IntoPyResult::into_py_result($body(py, arg), py)
                }
                __legacy_buffer_body
            },
        )
    };
}

/// A Python 2.7 extension module, with no `unsafe` in the port: writes
/// `init<name>` (for release and debug builds of Python alike), the method
/// table with its docstrings (where given), the module's exception classes and constants.
/// Every function runs through [`trampoline`](crate::extension::trampoline):
/// errors are raised, panics become `SystemError`.
///
/// ```
/// use legacy_buffer::extension::Args;
/// use legacy_buffer::{py_module, with_gil, Borrowed, ExceptionType, Python, Result};
///
/// /// length(buf) -> int: METH_O.
/// fn length(_py: Python<'_>, buf: Borrowed<'_, '_>) -> Result<usize> {
///     buf.with_char_bytes(|bytes| bytes.len())
/// }
///
/// /// first(buf, ...) -> str: METH_VARARGS.
/// fn first(_py: Python<'_>, args: Args<'_, '_>) -> Result<Vec<u8>> {
///     let Some(buf) = args.get(0) else {
///         return Err(legacy_buffer::Error::new(ExceptionType::TypeError, "first() needs a buffer"));
///     };
///     match buf.with_read_bytes(|bytes| bytes.first().copied())? {
///         Some(byte) => Ok(vec![byte]),
///         None => Err(EmptyError.err("the buffer is empty")),
///     }
/// }
///
/// /// The module attribute `SIZES`, made at import.
/// fn sizes(py: Python<'_>) -> Result<legacy_buffer::Object<'_>> {
///     py.eval("(1, 2, 4)")
/// }
///
/// /// version() -> str: METH_NOARGS.
/// fn version(_py: Python<'_>) -> Result<&'static str> {
///     Ok("1.0")
/// }
///
/// py_module! {
///     module demo {
///         doc: "A demonstration.",
///         functions: {
///             length(arg) => length, "length(buf) -> int";
///             first(args) => first, "first(buf) -> str";
///             version() => version, "version() -> unicode";
///             // No docstring: `ml_doc` is NULL, `demo.bare.__doc__` is None.
///             bare() => version;
///         }
///         exceptions: {
///             EmptyError(ValueError) = "demo.EmptyError";
///             // On the module's own class: made after it, caught by it.
///             BlankError(self::EmptyError) = "demo.BlankError";
///         }
///         constants: {
///             LEVEL: int = 3;
///             NAME: str = "demo";
///             // Made at import: C's PyModule_AddObject(m, "SIZES", ...).
///             SIZES: object = sizes;
///         }
///     }
/// }
///
/// fn main() -> Result<()> {
/// // Built as a cdylib, `import demo` calls `initdemo`, which does what
/// // `demo::init` does; embedded, call that here.
/// demo::init();
/// with_gil(|py| -> Result<()> {
///     py.run("import demo\n\
///             assert demo.length(b'abc') == 3\n\
///             assert demo.first(bytearray(b'xyz')) == b'x'\n\
///             assert demo.version() == u'1.0' and demo.LEVEL == 3\n\
///             assert demo.first.__doc__ == 'first(buf) -> str'\n\
///             assert demo.bare.__doc__ is None\n\
///             assert issubclass(demo.EmptyError, ValueError)\n\
///             assert demo.BlankError.__bases__ == (demo.EmptyError,)\n\
///             assert demo.SIZES == (1, 2, 4)")?;
///     let e = py.run("demo.first(b'')").unwrap_err();
///     assert_eq!(e.to_string(), "demo.EmptyError: the buffer is empty");
///     Ok(())
/// })
/// }
/// ```
///
/// Call the macro at module level (not inside a function): the module it
/// makes names the bodies and exception classes through `use super::*`.
///
/// Functions: `name(args)` is `METH_VARARGS` (the body takes
/// `(Python, Args)`), `name(args, kwargs)` `METH_VARARGS | METH_KEYWORDS`
/// (the same body; `Args` carries the keywords), `name()` `METH_NOARGS`
/// (`(Python)`), `name(arg)` `METH_O` (`(Python, Borrowed)`). A body returns
/// `Result<T>` for any [`IntoPyObject`](crate::extension::IntoPyObject) `T`.
/// A function's docstring follows its body after a comma
/// (`name(arg) => body, "doc";`) or is left out (`name(arg) => body;`): its
/// `ml_doc` is then NULL and its `__doc__` `None`, as for a C function
/// declared without one. A name that is a Rust keyword is written as a raw
/// identifier, `r#type(arg) => ...`: Python sees `type`.
/// Exceptions are `Name(Base) = "package.module.Name";`, with `Base` one of
/// [`ExceptionType`](crate::ExceptionType)'s variants, or `self::Other` for
/// another of the module's own classes (`except Other` catches it); each
/// is a `static` of the module the macro is called in, raised as
/// `Err(Name.err(message))`.
/// Constants are `NAME: int = expr;` (an `i64`), `NAME: str = "text";`, or
/// `NAME: object = path;`, any object the function
/// `fn(Python<'py>) -> Result<Object<'py>>` makes at import.
/// `doc:` may be left out: the module's `__doc__` is then `None`, as
/// `Py_InitModule` leaves it.
#[macro_export]
macro_rules! py_module {
    (
        module $module:ident {
            $( doc: $doc:expr, )?
            functions: {
                $( $fname:ident ( $($sig:ident),* ) => $body:path $(, $fdoc:expr)?; )*
            }
            $( types: { $( $tname:ident ),* $(,)? } )?
            $( exceptions: {
                $( $ename:ident ( $($base:tt)+ ) = $edotted:expr; )*
            } )?
            $( constants: {
                $( $cname:ident : $ctype:ident = $cvalue:expr; )*
            } )?
        }
    ) => {
        $($(
            #[allow(non_upper_case_globals)]
            #[doc = ::std::concat!("The exception class `", $edotted, "`.")]
            pub static $ename: $crate::extension::ModuleException =
                $crate::__py_exception!($crate::__cstr!($edotted), $($base)+);
        )*)?

        /// The extension module: [`init`](self::init) is what `import`
        /// calls (exported as `init<module>`), [`MODULE`](self::MODULE) its
        /// definition.
        #[allow(non_snake_case)]
        pub mod $module {
            // The bodies and exception classes are named as at the call site.
            #[allow(unused_imports)]
            use super::*;

            static METHODS: $crate::extension::MethodTable<{ 1 $(+ { let _ = ::std::stringify!($fname); 1 })* }> =
                $crate::extension::MethodTable::new([
                    $( $crate::__py_method!($fname ($($sig),*) => $body $(, $fdoc)?), )*
                    $crate::extension::Method::END,
                ]);
            static TYPES: &[fn() -> &'static $crate::extension::TypeObject] = &[
                $($( <$tname as $crate::extension::PyClass>::type_object ),*)?
            ];
            static EXCEPTIONS: &[&$crate::extension::ModuleException] = &[$($(&$ename),*)?];
            static CONSTANTS: &[$crate::extension::Constant] = &[
                $($( $crate::__py_constant!($cname, $ctype, $cvalue) ),*)?
            ];

            /// The module's definition.
            pub static MODULE: $crate::extension::ModuleDef = $crate::extension::ModuleDef::new(
                $crate::__cstr!(::std::stringify!($module)),
                $crate::__py_doc!($($doc)?),
                &METHODS,
                EXCEPTIONS,
                CONSTANTS,
            )
            .with_types(TYPES);

            /// What `import <module>` runs; Rust code calls it to make the
            /// module importable in an embedded interpreter. A Rust
            /// function: it panics as `with_gil` does (inside a no-Python
            /// scope, say), where the C entry point that Python's import
            /// calls raises the panic as `SystemError`.
            pub fn init() {
                MODULE.init()
            }

            /// `import <module>` calls this, as `init<module>`, with the
            /// GIL held.
            ///
            /// # Safety
            ///
            /// Only for Python's import (see `ModuleDef::init_from_import`).
            #[doc(hidden)]
            #[allow(unsafe_code)] // export_name: the symbol Python looks for
            #[export_name = ::std::concat!("init", ::std::stringify!($module))]
            pub unsafe extern "C" fn __init_from_import() {
                // SAFETY: Python's import calls the exported symbol, on the
                // importing thread, with the GIL held.
                unsafe { MODULE.init_from_import() }
            }

            /// Python 3's `import <module>` calls this, as
            /// `PyInit_<module>`, with the GIL held (both entry points are
            /// exported: each line's import looks for its own).
            ///
            /// # Safety
            ///
            /// Only for Python's import (see `ModuleDef::create_from_import`).
            #[doc(hidden)]
            #[allow(unsafe_code)] // export_name: the symbol Python looks for
            #[export_name = ::std::concat!("PyInit_", ::std::stringify!($module))]
            pub unsafe extern "C" fn __create_from_import() -> *mut $crate::ffi::PyObject {
                // SAFETY: Python's import calls the exported symbol, on the
                // importing thread, with the GIL held.
                unsafe { MODULE.create_from_import() }
            }
        }
    };
}

/// A docstring of [`py_module!`](crate::py_module) (the module's or a
/// function's), if given: `None` leaves `__doc__` `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! __py_doc {
    () => {
        ::std::option::Option::None
    };
    ($doc:expr) => {
        ::std::option::Option::Some($crate::__cstr!($doc))
    };
}

/// One exception class of [`py_module!`](crate::py_module): on a built-in
/// base, or (`self::Other`) on another of the module's classes.
#[doc(hidden)]
#[macro_export]
macro_rules! __py_exception {
    ($name:expr, self :: $own:ident) => {
        $crate::extension::ModuleException::derived($name, &$own)
    };
    ($name:expr, $base:ident) => {
        $crate::extension::ModuleException::new($name, $crate::ExceptionType::$base)
    };
}

/// One constant of [`py_module!`](crate::py_module).
#[doc(hidden)]
#[macro_export]
macro_rules! __py_constant {
    ($name:ident, int, $value:expr) => {
        $crate::extension::Constant::Int($crate::__ident_name!($name), $value)
    };
    ($name:ident, str, $value:expr) => {
        $crate::extension::Constant::Str($crate::__ident_name!($name), $value)
    };
    ($name:ident, object, $value:expr) => {
        $crate::extension::Constant::Made($crate::__ident_name!($name), $value)
    };
}
