//! One error type for everything that can fail: a Python exception, fetched
//! and cleared, or a misbehaving exporter described as the exception Python
//! would raise for it.

use crate::gil::Python;
use legacy_buffer_sys as ffi;
use std::ffi::{CStr, CString};
use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// What [`Error`]'s functions return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A Python exception, taken out of the interpreter.
///
/// Whenever a function of this crate returns an `Error`, the exception it
/// describes has been fetched and cleared: no Python exception is left set.
/// [`Error::type_name`] and [`Error::message`] say what it was (as Python
/// prints it: `TypeError`, `expected a readable buffer object`), and
/// [`Error::restore`] raises it again in Python, exactly as it was, for
/// extension functions that report failure by returning `NULL`.
///
/// `Error` is `Send` and `Sync` and owns no borrow, so it can travel with `?`
/// into `Box<dyn std::error::Error + Send + Sync>`. It keeps the original
/// exception objects for `restore`. Dropped where this thread holds the GIL
/// it releases them at once; dropped anywhere else (another thread, a thread
/// that gave the GIL up) it never blocks on the GIL: the references are
/// queued, and released the next time this crate holds the GIL
/// ([`with_gil`](crate::with_gil), or an extension function's
/// [`trampoline`](crate::extension::trampoline)).
///
/// An error made from another one (a misbehaving exporter's stray
/// exception, say) gives it as its [`source`](std::error::Error::source).
pub struct Error(Box<Inner>);

/// Boxed, so that `Result<Buffer, Error>` stays as small as a `Buffer` and
/// the borrow path moves no more than it must.
struct Inner {
    type_name: String,
    message: String,
    origin: Origin,
    /// The error this one was made from, if any.
    cause: Option<Error>,
}

enum Origin {
    /// Fetched from Python: owned references, released with the GIL.
    Python(Saved),
    /// Made here, for an exporter that failed without saying why or returned
    /// nonsense; raised on restore as this built-in exception type.
    Builtin(ExceptionType),
    /// As `Builtin`, with a message of bytes (a Python 2 `str` may hold any,
    /// NUL included, as C's `PyErr_Format` writes them).
    BuiltinBytes(ExceptionType, Vec<u8>),
    /// As `Builtin`, with no value at all (`PyErr_SetNone`: `args` is `()`).
    BuiltinNone(ExceptionType),
    /// Made here, of an exception class made at run time (an extension
    /// module's own).
    Class(&'static ClassCell),
}

macro_rules! exception_types {
    ($($(#[$doc:meta])* $name:ident => $exc:ident,)+) => {
        /// The built-in exception types an [`Error`] can be made of with
        /// [`Error::new`], and that a module's own exception classes can
        /// derive from.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[allow(clippy::enum_variant_names)] // Python's own names.
        pub enum ExceptionType {
            $($(#[$doc])* $name,)+
        }

        impl ExceptionType {
            /// The name Python prints for it, e.g. `"TypeError"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ExceptionType::$name => stringify!($name),)+
                }
            }

            pub(crate) fn object(self) -> *mut ffi::PyObject {
                // SAFETY: the PyExc_* statics are set once at interpreter
                // start and never change; reading the pointer does not
                // touch the object.
                unsafe {
                    match self {
                        $(ExceptionType::$name => ffi::$exc,)+
                    }
                }
            }
        }
    };
}

exception_types! {
    /// `TypeError`: an argument of the wrong type (not a readable buffer, ...).
    TypeError => PyExc_TypeError,
    /// `ValueError`: an argument of the right type with a bad value.
    ValueError => PyExc_ValueError,
    /// `OverflowError`: a number too large for what it is converted to.
    OverflowError => PyExc_OverflowError,
    /// `IndexError`: an offset outside a buffer.
    IndexError => PyExc_IndexError,
    /// `BufferError`: a buffer that cannot be exported or resized now.
    BufferError => PyExc_BufferError,
    /// `SystemError`: the interpreter or an exporter misbehaved.
    SystemError => PyExc_SystemError,
    /// `MemoryError`: an allocation failed (a copy of a buffer too large to
    /// make).
    MemoryError => PyExc_MemoryError,
    /// `Exception`: the base of a module's own exception classes.
    Exception => PyExc_Exception,
    /// `StandardError`: Python 2's base of the built-in errors.
    StandardError => PyExc_StandardError,
    /// `RuntimeError`.
    RuntimeError => PyExc_RuntimeError,
    /// `ImportError`.
    ImportError => PyExc_ImportError,
    /// `IOError`.
    IOError => PyExc_IOError,
    /// `OSError`.
    OSError => PyExc_OSError,
    /// `KeyError`.
    KeyError => PyExc_KeyError,
    /// `NotImplementedError`.
    NotImplementedError => PyExc_NotImplementedError,
    /// `UnicodeError`.
    UnicodeError => PyExc_UnicodeError,
    /// `ZeroDivisionError`.
    ZeroDivisionError => PyExc_ZeroDivisionError,
    /// `EOFError`.
    EOFError => PyExc_EOFError,
    /// `AttributeError`.
    AttributeError => PyExc_AttributeError,
    /// `StopIteration`.
    StopIteration => PyExc_StopIteration,
    /// `LookupError`.
    LookupError => PyExc_LookupError,
}

/// The exception triple as `PyErr_Fetch` gives it (normalised).
struct Saved {
    ptype: *mut ffi::PyObject,
    pvalue: *mut ffi::PyObject,
    ptraceback: *mut ffi::PyObject,
}

// SAFETY: the pointers are only dereferenced with the GIL held: in
// `restore` (which takes a `Python` token); `Drop` hands them to the release
// pool, which releases them at once only where this thread holds the GIL
// and queues them otherwise. Python objects may be released from any thread
// that holds the GIL.
unsafe impl Send for Saved {}
// SAFETY: no `&self` method touches the pointers.
unsafe impl Sync for Saved {}

impl Drop for Saved {
    fn drop(&mut self) {
        for obj in [self.ptype, self.pvalue, self.ptraceback] {
            // SAFETY: we own one reference to each non-NULL pointer, given
            // up here; the pool releases it only with the GIL held.
            unsafe { crate::runtime::release(obj) };
        }
    }
}

impl Error {
    /// Take the pending Python exception, clearing it. `context` names the
    /// failed call, for the case where it failed without setting one.
    #[cold]
    #[inline(never)]
    pub(crate) fn fetch(_py: Python<'_>, context: &str) -> Error {
        let (mut ptype, mut pvalue, mut ptraceback) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        // SAFETY: the GIL is held (`_py`); PyErr_Fetch hands us the three
        // references (possibly NULL) and clears the indicator.
        unsafe { ffi::PyErr_Fetch(&mut ptype, &mut pvalue, &mut ptraceback) };
        if ptype.is_null() {
            return Error::new(
                ExceptionType::SystemError,
                format!("{context} failed without setting an exception"),
            );
        }
        // SAFETY: GIL held; the triple came from PyErr_Fetch.
        unsafe { ffi::PyErr_NormalizeException(&mut ptype, &mut pvalue, &mut ptraceback) };
        let saved = Saved {
            ptype,
            pvalue,
            ptraceback,
        };
        // SAFETY: GIL held; ptype is a non-NULL exception class after
        // normalisation (or whatever was raised; tp_name works for any).
        let type_name = unsafe { describe_type(saved.ptype) };
        // SAFETY: GIL held; pvalue is NULL or a valid object.
        let message = unsafe { describe_value(saved.pvalue) };
        Error(Box::new(Inner {
            type_name,
            message,
            origin: Origin::Python(saved),
            cause: None,
        }))
    }

    /// A call that can run arbitrary code (`what`) returned a result with an
    /// exception set: that exception, fetched, as the cause of a
    /// `SystemError` saying so. The caller releases the result afterwards
    /// (releasing may run `__del__`, which must not see the exception).
    #[cold]
    #[inline(never)]
    pub(crate) fn result_with_exception_set(py: Python<'_>, what: &str) -> Error {
        let stray = Error::fetch(py, what);
        Error::new(
            ExceptionType::SystemError,
            format!("{what} returned a result with an exception set ({stray})"),
        )
        .caused_by(stray)
    }

    /// The same error, made from `cause`: [`source`](std::error::Error::source)
    /// gives it. For errors that describe another (a stray exception an
    /// exporter left set, as a `SystemError`).
    #[cold]
    pub(crate) fn caused_by(mut self, cause: Error) -> Error {
        self.0.cause = Some(cause);
        self
    }

    /// A new exception of a built-in type, not (yet) raised: what an
    /// extension function returns, through [`trampoline`], to raise
    /// `kind(message)` in Python. Needs no GIL; the exception object is made
    /// when [`restore`](Error::restore) raises it.
    ///
    /// [`trampoline`]: crate::extension::trampoline
    ///
    /// ```
    /// use legacy_buffer::{Error, ExceptionType};
    ///
    /// let e = Error::new(ExceptionType::ValueError, "key must not be empty");
    /// assert_eq!(e.type_name(), "ValueError");
    /// assert_eq!(e.to_string(), "ValueError: key must not be empty");
    ///
    /// // Restored, it is the Python exception it names.
    /// legacy_buffer::with_gil(|py| {
    ///     e.restore(py);
    ///     // SAFETY: NULL is never taken ownership of; this fetches the
    ///     // exception that restore set.
    ///     let raised = unsafe {
    ///         legacy_buffer::Object::from_owned_ptr_or_err(py, std::ptr::null_mut(), "restore")
    ///     };
    ///     let raised = raised.unwrap_err();
    ///     assert_eq!(raised.to_string(), "ValueError: key must not be empty");
    /// });
    /// ```
    #[cold]
    pub fn new(kind: ExceptionType, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            type_name: kind.name().to_owned(),
            message: message.into(),
            origin: Origin::Builtin(kind),
            cause: None,
        }))
    }

    /// A new exception of a built-in type whose message is bytes, raised
    /// as they are (a `str` of them): for messages C code formats from
    /// arbitrary bytes (`"found '%c'"`). [`message`](Error::message) shows
    /// them as Latin-1.
    #[cold]
    pub fn with_bytes(kind: ExceptionType, message: Vec<u8>) -> Error {
        Error(Box::new(Inner {
            type_name: kind.name().to_owned(),
            message: message.iter().map(|&b| b as char).collect(),
            origin: Origin::BuiltinBytes(kind, message),
            cause: None,
        }))
    }

    /// A new exception of a built-in type with no value at all, as C's
    /// `PyErr_SetNone(PyExc_...)` raises it: its `args` are `()`, its
    /// `str()` empty ([`message`](Error::message) is empty too).
    #[cold]
    pub fn without_value(kind: ExceptionType) -> Error {
        Error(Box::new(Inner {
            type_name: kind.name().to_owned(),
            message: String::new(),
            origin: Origin::BuiltinNone(kind),
            cause: None,
        }))
    }

    /// A new exception of a class made at run time (an extension module's
    /// own, whose `err` is the usual way to it).
    #[cold]
    pub(crate) fn of_class(class: &'static ClassCell, message: String) -> Error {
        Error(Box::new(Inner {
            type_name: class.name().to_owned(),
            message,
            origin: Origin::Class(class),
            cause: None,
        }))
    }

    /// Raise `SystemError(message)` (for a caught panic).
    pub(crate) fn raise_system_error(py: Python<'_>, message: String) {
        Error::new(ExceptionType::SystemError, message).restore(py)
    }

    /// The exception's type as Python prints it: `TypeError` for built-in
    /// exceptions, `module.Name` for others.
    pub fn type_name(&self) -> &str {
        &self.0.type_name
    }

    /// The exception's message: `str()` of the exception value.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Raise this exception in Python again, as it was fetched, so that the
    /// extension function returning `NULL` next reports it. (Python 2.7 has
    /// no exception chaining: an error's [`source`](std::error::Error::source)
    /// is not raised with it; its message already names it.)
    pub fn restore(self, _py: Python<'_>) {
        let Inner {
            message,
            origin,
            cause,
            ..
        } = *self.0;
        // Released before anything is raised: releasing may run `__del__`,
        // which must not run with an exception set.
        drop(cause);
        match origin {
            Origin::Python(saved) => {
                let saved = std::mem::ManuallyDrop::new(saved);
                // SAFETY: GIL held; PyErr_Restore steals the three references,
                // which `ManuallyDrop` keeps us from releasing again.
                unsafe { ffi::PyErr_Restore(saved.ptype, saved.pvalue, saved.ptraceback) };
            }
            Origin::Builtin(kind) => set_string(kind.object(), &message),
            Origin::BuiltinBytes(kind, bytes) => set_bytes(kind.object(), &bytes),
            // SAFETY: GIL held (restore's token); a valid exception class.
            Origin::BuiltinNone(kind) => unsafe { ffi::PyErr_SetNone(kind.object()) },
            Origin::Class(class) => match class.get() {
                Some(class) => set_string(class, &message),
                None => set_string(
                    ExceptionType::SystemError.object(),
                    &format!(
                        "{} raised before its module was initialised: {message}",
                        class.name()
                    ),
                ),
            },
        }
    }
}

/// An exception class made at run time, once, and kept for the life of
/// the process: its dotted name, its base, and the class once made. An
/// [`Error`] of it raises it when restored (a `SystemError` saying so if it
/// was never made).
pub(crate) struct ClassCell {
    name: &'static CStr,
    base: ClassBase,
    /// The class (one strong reference), once made.
    class: AtomicPtr<ffi::PyObject>,
}

/// What a [`ClassCell`]'s class derives from.
#[derive(Clone, Copy)]
enum ClassBase {
    /// A built-in exception class.
    Builtin(ExceptionType),
    /// Another class made at run time (the module's own), made first.
    Cell(&'static ClassCell),
}

/// How many classes made at run time one class may derive from in a row:
/// more is a cycle (statics may name each other), refused rather than
/// followed for ever.
const MAX_CLASS_DEPTH: u32 = 64;

impl ClassCell {
    /// The class named `name` (dotted, as `PyErr_NewException` takes it),
    /// derived from `base`, not made yet.
    pub(crate) const fn new(name: &'static CStr, base: ExceptionType) -> ClassCell {
        ClassCell {
            name,
            base: ClassBase::Builtin(base),
            class: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The class named `name`, derived from the class `base` makes (made
    /// first, when this one is).
    pub(crate) const fn derived(name: &'static CStr, base: &'static ClassCell) -> ClassCell {
        ClassCell {
            name,
            base: ClassBase::Cell(base),
            class: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The dotted name.
    pub(crate) fn name(&self) -> &'static str {
        self.name.to_str().unwrap_or("<non-UTF-8 exception name>")
    }

    /// The class object, once made.
    pub(crate) fn get(&self) -> Option<*mut ffi::PyObject> {
        let class = self.class.load(Ordering::Acquire);
        (!class.is_null()).then_some(class)
    }

    /// The class object, made now if it was not yet (borrowed: the cell
    /// keeps its reference for ever).
    pub(crate) fn get_or_make(&self, py: Python<'_>) -> Result<*mut ffi::PyObject> {
        self.get_or_make_at(py, 0)
    }

    /// [`get_or_make`](Self::get_or_make), `depth` classes down a chain of
    /// bases made at run time.
    fn get_or_make_at(&self, py: Python<'_>, depth: u32) -> Result<*mut ffi::PyObject> {
        if let Some(class) = self.get() {
            return Ok(class);
        }
        let base = match self.base {
            ClassBase::Builtin(base) => base.object(),
            ClassBase::Cell(_) if depth >= MAX_CLASS_DEPTH => {
                return Err(Error::new(
                    ExceptionType::SystemError,
                    format!("{}: its bases form a cycle", self.name()),
                ))
            }
            ClassBase::Cell(cell) => cell.get_or_make_at(py, depth + 1)?,
        };
        // SAFETY: GIL held (`py`); a C string and a valid base class (a
        // built-in, or a class made and kept for ever); a new reference or
        // NULL with an exception set.
        let made = unsafe {
            ffi::PyErr_NewException(self.name.as_ptr().cast_mut(), base, ptr::null_mut())
        };
        if made.is_null() {
            return Err(Error::fetch(py, "PyErr_NewException"));
        }
        // Kept for the life of the process: raised from any call. Making a
        // class may run Python code (the collector, a `__del__`), which
        // may switch threads or make this class itself meanwhile: the
        // first one stored is the class, the later one dropped.
        match self.class.compare_exchange(
            ptr::null_mut(),
            made,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(made),
            Err(first) => {
                // SAFETY: GIL held; our own new reference, never shared.
                unsafe { ffi::Py_DECREF(made) };
                Ok(first)
            }
        }
    }
}

/// `PyErr_SetString(class, message)`, NULs in the message shown as `\0`.
fn set_string(class: *mut ffi::PyObject, message: &str) {
    let message = CString::new(message.replace('\0', "\\0")).expect("NULs were replaced");
    // SAFETY: called with the GIL held (restore's token); the class is a
    // valid exception class and the message a C string.
    unsafe { ffi::PyErr_SetString(class, message.as_ptr()) };
}

/// Raise `class` with a `str` of `bytes`, as they are (Python 3: decoded
/// from UTF-8, anything else replaced, as `PyErr_Format`'s `%s` decodes).
fn set_bytes(class: *mut ffi::PyObject, bytes: &[u8]) {
    // SAFETY: called with the GIL held (restore's token); a new str of the
    // bytes (NULL with MemoryError set on failure, which is then what is
    // raised), whose reference SetObject does not steal.
    unsafe {
        let (ptr, len) = (bytes.as_ptr().cast(), bytes.len() as ffi::Py_ssize_t);
        let value = if ffi::PY3 {
            ffi::PyUnicode_DecodeUTF8(ptr, len, c"replace".as_ptr())
        } else {
            ffi::PyString_FromStringAndSize(ptr, len)
        };
        if value.is_null() {
            return;
        }
        ffi::PyErr_SetObject(class, value);
        ffi::Py_DECREF(value);
    }
}

/// `Type` as Python's traceback prints it.
///
/// # Safety
///
/// GIL held; `ptype` a valid object.
unsafe fn describe_type(ptype: *mut ffi::PyObject) -> String {
    // SAFETY: per this function's contract.
    if unsafe { ffi::PyExceptionClass_Check(ptype) } == 0 {
        // Not a class (Python 2 could raise other things): its type's name.
        // SAFETY: per this function's contract; tp_name is a C string.
        let name = unsafe { CStr::from_ptr(ffi::Py_TYPE_NAME(ptype)) };
        return name.to_string_lossy().into_owned();
    }
    // As PyErr_Display prints it: the class name after its last dot, then
    // `__module__` in front unless that is `exceptions` (the built-ins), or
    // `<unknown>` when there is none. Heap types (classes defined in Python,
    // PyErr_NewException) keep only the bare name in tp_name, so the module
    // must come from `__module__`.
    //
    // The name is copied before `__module__` is looked up: the lookup can
    // run Python code (a metaclass property), which can rename the class and
    // free the string the name points to.
    // SAFETY: per this function's contract; PyExceptionClass_Name returns
    // a C string owned by the class (read at once, while no Python code can
    // run), or NULL where there is none (a classic class on PyPy).
    let name = unsafe {
        let name = ffi::PyExceptionClass_Name(ptype);
        if name.is_null() {
            class_name(ptype)
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    };
    let bare = name.rsplit('.').next().unwrap_or(&name);
    enum Module {
        Missing,
        Named(String),
        NotAString,
    }
    // SAFETY: GIL held, valid object; a new reference or NULL with an
    // exception set, which is cleared (the name is only a description). The
    // module's characters are copied before the reference is released.
    let module = unsafe {
        let m = ffi::PyObject_GetAttrString(ptype, c"__module__".as_ptr());
        if m.is_null() {
            ffi::PyErr_Clear();
            Module::Missing
        } else {
            let module = match str_text(m) {
                Some(module) => Module::Named(module),
                None => Module::NotAString,
            };
            ffi::Py_DECREF(m);
            module
        }
    };
    match module {
        // Python 2's built-in exceptions live in `exceptions`, Python 3's
        // in `builtins`: both are printed bare.
        Module::Named(module) if module != "exceptions" && module != "builtins" => {
            format!("{module}.{bare}")
        }
        Module::Missing => format!("<unknown>{bare}"),
        _ => bare.to_owned(),
    }
}

/// The `__name__` of a class whose name is no C string it owns (a classic
/// class on PyPy), copied while the name is referenced; `?` when it has
/// none that is a `str` (the failure is cleared).
///
/// # Safety
///
/// GIL held; `class` a valid object.
#[cold]
unsafe fn class_name(class: *mut ffi::PyObject) -> String {
    // SAFETY: per this function's contract; a new reference or NULL with an
    // exception set, which is cleared; the characters are copied before the
    // reference is released.
    unsafe {
        let name = ffi::PyObject_GetAttrString(class, c"__name__".as_ptr());
        if name.is_null() {
            ffi::PyErr_Clear();
            return "?".to_owned();
        }
        let text = str_text(name).unwrap_or_else(|| "?".to_owned());
        ffi::Py_DECREF(name);
        text
    }
}

/// `str(value)`, or a placeholder when that fails (the failure is cleared).
///
/// # Safety
///
/// GIL held; `pvalue` NULL or a valid object.
unsafe fn describe_value(pvalue: *mut ffi::PyObject) -> String {
    if pvalue.is_null() {
        return String::new();
    }
    // SAFETY: per this function's contract; PyObject_Str returns a new
    // reference or NULL with an exception set.
    unsafe {
        let s = ffi::PyObject_Str(pvalue);
        if s.is_null() {
            ffi::PyErr_Clear();
            return "<str() of the exception failed>".to_owned();
        }
        let text = str_text(s).unwrap_or_else(|| "<str() of the exception failed>".to_owned());
        ffi::Py_DECREF(s);
        text
    }
}

/// The text of a native `str` (Python 2's `str`, its bytes; Python 3's,
/// as UTF-8), copied, anything but UTF-8 replaced; `None` for anything
/// else, or a Python 3 `str` UTF-8 cannot encode (that failure cleared).
///
/// # Safety
///
/// GIL held; `obj` a valid object.
pub(crate) unsafe fn str_text(obj: *mut ffi::PyObject) -> Option<String> {
    let mut len: ffi::Py_ssize_t = 0;
    // SAFETY: per this function's contract; the characters are the str's
    // (or its cached UTF-8), alive as long as it is, and copied at once.
    unsafe {
        let ptr = ffi::native_str_text(obj, &mut len);
        if ptr.is_null() {
            // Set only for a str that could not be encoded.
            if ffi::native_str_Check(obj) != 0 {
                ffi::PyErr_Clear();
            }
            return None;
        }
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.message.is_empty() {
            f.write_str(&self.0.type_name)
        } else {
            write!(f, "{}: {}", self.0.type_name, self.0.message)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("type_name", &self.0.type_name)
            .field("message", &self.0.message)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .cause
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
