//! Object handles bound to the GIL, and the little construction and
//! evaluation a user of the buffer API needs.

use crate::error::{Error, Result};
use crate::gil::Python;
use legacy_buffer_sys as ffi;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;

/// An owned reference to a Python object, valid while the GIL is held (`'py`).
///
/// Dropping it releases the reference (`Py_DECREF`), which may run Python
/// code (`__del__`, weakref callbacks); nothing borrowed from any object
/// depends on that not happening (see the crate documentation).
///
/// Neither `Send` nor `Sync`.
#[repr(transparent)]
pub struct Object<'py> {
    ptr: NonNull<ffi::PyObject>,
    _py: PhantomData<Python<'py>>,
}

impl<'py> Object<'py> {
    /// Take ownership of a new reference.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid object whose one reference the caller gives away
    /// (a "new reference" in the C API's words), and the GIL must be held
    /// for `'py` (guaranteed by `py`). A NULL `ptr` panics; use
    /// [`Object::from_owned_ptr_or_err`] for results that may be NULL.
    /// Passing a borrowed reference leads to a double release:
    ///
    /// ```no_run
    /// # use legacy_buffer::{ffi, with_gil, Object};
    /// with_gil(|py| unsafe {
    ///     // WRONG: Py_None() returns a borrowed reference; use from_borrowed_ptr.
    ///     let none = Object::from_owned_ptr(py, ffi::Py_None());
    ///     drop(none); // releases a reference it never had
    /// });
    /// ```
    pub unsafe fn from_owned_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Object<'py> {
        let _ = py;
        Object {
            ptr: NonNull::new(ptr).expect("from_owned_ptr: NULL object pointer"),
            _py: PhantomData,
        }
    }

    /// Take ownership of the result of a C API call that returns a new
    /// reference or `NULL` with an exception set; the exception becomes the
    /// error (and is cleared). A non-NULL result is taken as a success
    /// without looking at the error indicator: for calls that can run
    /// arbitrary C code, check `PyErr_Occurred` too (this crate's own
    /// evaluation, `repr` and attribute calls do).
    ///
    /// # Safety
    ///
    /// As [`Object::from_owned_ptr`] for a non-NULL `ptr`.
    #[inline]
    pub unsafe fn from_owned_ptr_or_err(
        py: Python<'py>,
        ptr: *mut ffi::PyObject,
        context: &str,
    ) -> Result<Object<'py>> {
        match NonNull::new(ptr) {
            Some(ptr) => Ok(Object {
                ptr,
                _py: PhantomData,
            }),
            None => Err(Error::fetch(py, context)),
        }
    }

    /// As [`Object::from_owned_ptr_or_err`], for calls that can run
    /// arbitrary code (evaluation, `repr`, attribute lookup): a result that
    /// comes with an exception still set (a misbehaving C function passed it
    /// on) is an error too, so none is left set.
    ///
    /// # Safety
    ///
    /// As [`Object::from_owned_ptr`] for a non-NULL `ptr`.
    unsafe fn from_call(
        py: Python<'py>,
        ptr: *mut ffi::PyObject,
        what: &str,
    ) -> Result<Object<'py>> {
        // SAFETY: the caller's contract.
        let obj = unsafe { Object::from_owned_ptr_or_err(py, ptr, what)? };
        // SAFETY: GIL held; reads the thread's error indicator.
        if unsafe { ffi::PyErr_Occurred() }.is_null() {
            return Ok(obj);
        }
        let error = Error::result_with_exception_set(py, what);
        drop(obj);
        Err(error)
    }

    /// A new reference to an object the caller only borrows.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid object for the duration of the call, and the GIL
    /// held for `'py`.
    pub unsafe fn from_borrowed_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Object<'py> {
        // SAFETY: valid object, GIL held (caller's contract).
        unsafe {
            ffi::Py_INCREF(ptr);
            Object::from_owned_ptr(py, ptr)
        }
    }

    /// The raw pointer, still owned by `self`.
    #[inline]
    pub fn as_ptr(&self) -> *mut ffi::PyObject {
        self.ptr.as_ptr()
    }

    /// Give up ownership: the caller now owns the reference.
    #[inline]
    pub fn into_ptr(self) -> *mut ffi::PyObject {
        ManuallyDrop::new(self).ptr.as_ptr()
    }

    /// The GIL token this object is bound to.
    #[inline]
    pub fn py(&self) -> Python<'py> {
        // SAFETY: an Object<'py> exists only while the GIL is held for 'py.
        unsafe { Python::assume_gil_acquired() }
    }

    /// Another reference to the same object.
    pub fn clone_ref(&self) -> Object<'py> {
        // SAFETY: self is a valid object and the GIL is held ('py).
        unsafe { Object::from_borrowed_ptr(self.py(), self.as_ptr()) }
    }

    /// The object's reference count (`sys.getrefcount` minus its own argument).
    pub fn refcount(&self) -> isize {
        // SAFETY: valid object, GIL held.
        unsafe { ffi::Py_REFCNT(self.as_ptr()) }
    }

    /// The name of the object's type (`tp_name`: `str`, `array.array`, ...).
    pub fn type_name(&self) -> String {
        // SAFETY: valid object, GIL held; tp_name is a NUL-terminated string
        // that lives as long as the type, which outlives this call.
        unsafe { CStr::from_ptr(ffi::Py_TYPE_NAME(self.as_ptr())) }
            .to_string_lossy()
            .into_owned()
    }

    /// `repr(self)`, decoded as UTF-8 (lossily).
    pub fn repr(&self) -> Result<String> {
        // SAFETY: valid object, GIL held; PyObject_Repr returns a new reference.
        let r =
            unsafe { Object::from_call(self.py(), ffi::PyObject_Repr(self.as_ptr()), "repr()")? };
        // repr() always returns a native str.
        // SAFETY: a valid object, GIL held.
        Ok(unsafe { crate::error::str_text(r.as_ptr()) }.unwrap_or_default())
    }

    /// `getattr(self, name)`.
    pub fn getattr(&self, name: &str) -> Result<Object<'py>> {
        let name = c_string(name)?;
        // SAFETY: valid object and C string, GIL held; new reference or NULL.
        unsafe {
            Object::from_call(
                self.py(),
                ffi::PyObject_GetAttrString(self.as_ptr(), name.as_ptr()),
                "getattr()",
            )
        }
    }

    /// A new `str` holding a copy of `bytes`: Python 2's `str`, Python 3's
    /// `bytes` (what `Py_BuildValue`'s `s#` makes on Python 2, `y#` on
    /// Python 3). For text, [`Object::native_str`].
    pub fn str(py: Python<'py>, bytes: &[u8]) -> Result<Object<'py>> {
        // SAFETY: GIL held; the pointer and length describe `bytes`.
        unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyString_FromStringAndSize(bytes.as_ptr().cast(), len_of(bytes)),
                "PyString_FromStringAndSize",
            )
        }
    }

    /// A new native `str` holding `text`: Python 2's `str` (the UTF-8
    /// bytes), Python 3's `str` — what a C module's `Py_BuildValue("s#")`
    /// makes of UTF-8 on each line, and the type names, `repr()` and
    /// `__doc__` are.
    pub fn native_str(py: Python<'py>, text: &str) -> Result<Object<'py>> {
        if ffi::PY3 {
            Object::unicode(py, text)
        } else {
            Object::str(py, text.as_bytes())
        }
    }

    /// A new `unicode` (Python 3: `str`) holding `text`.
    pub fn unicode(py: Python<'py>, text: &str) -> Result<Object<'py>> {
        // SAFETY: GIL held; `text` is valid UTF-8 of the given length.
        unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyUnicode_DecodeUTF8(
                    text.as_ptr().cast(),
                    len_of(text.as_bytes()),
                    std::ptr::null(),
                ),
                "PyUnicode_DecodeUTF8",
            )
        }
    }

    /// A new `bytearray` holding a copy of `bytes`.
    pub fn bytearray(py: Python<'py>, bytes: &[u8]) -> Result<Object<'py>> {
        // SAFETY: GIL held; the pointer and length describe `bytes`.
        unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyByteArray_FromStringAndSize(bytes.as_ptr().cast(), len_of(bytes)),
                "PyByteArray_FromStringAndSize",
            )
        }
    }

    /// `None`.
    pub fn none(py: Python<'py>) -> Object<'py> {
        // SAFETY: GIL held; Py_None is a valid, immortal-in-practice object.
        unsafe { Object::from_borrowed_ptr(py, ffi::Py_None()) }
    }

    /// A Python `int`.
    #[inline]
    pub fn int(py: Python<'py>, value: libc::c_long) -> Result<Object<'py>> {
        // SAFETY: GIL held; PyInt_FromLong returns a new reference or NULL.
        unsafe { Object::from_owned_ptr_or_err(py, ffi::PyInt_FromLong(value), "PyInt_FromLong") }
    }
}

impl Drop for Object<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: we own one reference and the GIL is held for 'py.
        unsafe { ffi::Py_DECREF(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.repr() {
            Ok(r) => f.write_str(&r),
            Err(_) => write!(f, "<{} object>", self.type_name()),
        }
    }
}

/// A reference to a Python object that someone else owns for `'a`: the
/// arguments of an extension function, for example. Derefs to [`Object`];
/// dropping it releases nothing.
pub struct Borrowed<'a, 'py> {
    object: ManuallyDrop<Object<'py>>,
    _borrow: PhantomData<&'a Object<'py>>,
}

impl<'a, 'py> Borrowed<'a, 'py> {
    /// Borrow a raw object pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid object that stays alive for `'a`, and the GIL
    /// must be held for `'py`. "Alive" means someone holds a reference that
    /// no Python code can take away during `'a`: the argument tuple of the
    /// running call qualifies; a borrowed reference out of a dict or list
    /// does not, since Python code run during `'a` may remove it (and a
    /// `str` whose only other reference is a variable may even be resized in
    /// place by `s += ...`). When in doubt, use [`Object::from_borrowed_ptr`],
    /// which takes a reference of its own.
    ///
    /// # Panics
    ///
    /// If `ptr` is NULL.
    #[inline]
    pub unsafe fn from_ptr(py: Python<'py>, ptr: *mut ffi::PyObject) -> Borrowed<'a, 'py> {
        let _ = py;
        Borrowed {
            object: ManuallyDrop::new(Object {
                ptr: NonNull::new(ptr).expect("Borrowed::from_ptr: NULL object pointer"),
                _py: PhantomData,
            }),
            _borrow: PhantomData,
        }
    }
}

impl<'py> Deref for Borrowed<'_, 'py> {
    type Target = Object<'py>;
    #[inline]
    fn deref(&self) -> &Object<'py> {
        &self.object
    }
}

impl<'py> Python<'py> {
    /// Evaluate a Python expression in `__main__`'s namespace.
    pub fn eval(self, expression: &str) -> Result<Object<'py>> {
        self.run_code(expression, ffi::Py_eval_input)
    }

    /// Run Python statements in `__main__`'s namespace (names they bind stay
    /// there for later [`Python::eval`] and [`Python::run`] calls).
    pub fn run(self, statements: &str) -> Result<()> {
        self.run_code(statements, ffi::Py_file_input).map(drop)
    }

    /// `import name`.
    pub fn import(self, name: &str) -> Result<Object<'py>> {
        let name = c_string(name)?;
        // SAFETY: GIL held; C string valid; new reference or NULL.
        unsafe { Object::from_call(self, ffi::PyImport_ImportModule(name.as_ptr()), "import") }
    }

    fn run_code(self, code: &str, start: u32) -> Result<Object<'py>> {
        let code = c_string(code)?;
        // __main__ always exists once Python runs.
        // SAFETY: GIL held. AddModule and GetDict return borrowed references
        // that live as long as the module table; PyRun_String returns a new
        // reference or NULL with an exception set.
        unsafe {
            let main = ffi::PyImport_AddModule(c"__main__".as_ptr());
            if main.is_null() {
                return Err(Error::fetch(self, "PyImport_AddModule(\"__main__\")"));
            }
            let globals = ffi::PyModule_GetDict(main);
            let result = ffi::PyRun_String(code.as_ptr(), start as libc::c_int, globals, globals);
            Object::from_call(self, result, "PyRun_String")
        }
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::new(
            crate::error::ExceptionType::TypeError,
            "source or name contains a NUL byte".to_owned(),
        )
    })
}

fn len_of(bytes: &[u8]) -> ffi::Py_ssize_t {
    // A Rust slice is never longer than isize::MAX bytes.
    bytes.len() as ffi::Py_ssize_t
}

/// An owned reference to a Python object that is not bound to a GIL
/// token: what a type's value stores (PyO3 calls it `Py<PyAny>`). Reach the
/// object with [`get`](ObjectRef::get), which needs the token; report it to
/// the garbage collector from [`PyClass::traverse`](crate::extension::PyClass::traverse).
///
/// Dropping it without the GIL (or inside a no-Python scope) queues the
/// release for the next time this crate holds the GIL, as [`Error`] does.
pub struct ObjectRef(NonNull<ffi::PyObject>);

// SAFETY: the pointer is only dereferenced with the GIL held (`get` takes
// a token; `Drop` goes through the release queue, which releases at once
// only where this thread holds the GIL).
unsafe impl Send for ObjectRef {}
// SAFETY: `&self` methods touch the object only with a token (the GIL).
unsafe impl Sync for ObjectRef {}

impl ObjectRef {
    /// A new reference to `object`, to keep.
    pub fn new(object: &Object<'_>) -> ObjectRef {
        // SAFETY: a live object; the GIL is held while `object` exists.
        unsafe { ffi::Py_INCREF(object.as_ptr()) };
        ObjectRef(object.ptr)
    }

    /// Keep `object` (its reference moves here).
    pub fn from_object(object: Object<'_>) -> ObjectRef {
        ObjectRef(NonNull::new(object.into_ptr()).expect("objects are never NULL"))
    }

    /// The object, as a new reference bound to the token.
    #[inline]
    pub fn get<'py>(&self, py: Python<'py>) -> Object<'py> {
        // SAFETY: we hold a reference, so the object lives; GIL held (py).
        unsafe { Object::from_borrowed_ptr(py, self.0.as_ptr()) }
    }

    /// The object, borrowed for as long as `self` is: no reference taken.
    /// (This `ObjectRef` holds one for at least that long: nothing can drop
    /// or replace it while it is borrowed.)
    #[inline]
    pub fn bind<'a, 'py>(&'a self, py: Python<'py>) -> Borrowed<'a, 'py> {
        // SAFETY: a live object (we hold a reference) that stays alive for
        // 'a (the reference is ours and `&'a self` keeps it); GIL held.
        unsafe { Borrowed::from_ptr(py, self.0.as_ptr()) }
    }

    /// The raw pointer, still owned by `self`.
    #[inline]
    pub fn as_ptr(&self) -> *mut ffi::PyObject {
        self.0.as_ptr()
    }
}

impl Drop for ObjectRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference, given up here (released now where
        // this thread may run Python, queued otherwise).
        unsafe { crate::runtime::release(self.0.as_ptr()) }
    }
}

impl std::fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ObjectRef").field(&self.0).finish()
    }
}
