//! The oracle the safe API is checked against: the three borrowing C
//! functions called raw, their results copied at once, and the pending
//! exception described with the C API alone (never through
//! `legacy_buffer::Error`, which is what the tests check).

use legacy_buffer::{ffi, Buffer, Object, Python};
use std::ffi::CStr;
use std::fmt;
use std::ptr;

/// One of the old protocol's borrowing functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// `PyObject_AsCharBuffer`, `Object::char_buffer`.
    Char,
    /// `PyObject_AsReadBuffer`, `Object::read_buffer`.
    Read,
    /// `PyObject_AsWriteBuffer`, `Object::write_buffer`.
    Write,
}

impl Function {
    /// All three.
    pub const ALL: [Function; 3] = [Function::Char, Function::Read, Function::Write];

    /// The C function's name.
    pub fn c_name(self) -> &'static str {
        match self {
            Function::Char => "PyObject_AsCharBuffer",
            Function::Read => "PyObject_AsReadBuffer",
            Function::Write => "PyObject_AsWriteBuffer",
        }
    }

    /// The safe API's counterpart.
    pub fn safe<'a>(self, obj: &'a Object<'_>) -> legacy_buffer::Result<Buffer<'a>> {
        match self {
            Function::Char => obj.char_buffer(),
            Function::Read => obj.read_buffer(),
            Function::Write => obj.write_buffer(),
        }
    }
}

/// The C function's name (padded as asked: `{function:<24}`).
impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.c_name())
    }
}

/// A Python exception, fetched and cleared; `Display` is `Type: message`,
/// as Python's traceback prints built-in exceptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CError {
    /// `TypeError`, ... (`<none>` when no exception was set).
    pub type_name: String,
    /// `str()` of the exception value.
    pub message: String,
}

impl fmt::Display for CError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name, self.message)
    }
}

/// Fetch, normalise and clear the pending exception.
pub fn take_error(_py: Python<'_>) -> CError {
    let (mut t, mut v, mut tb) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // PyErr_Fetch hands over one reference to each non-NULL member and
    // clears the indicator; normalising keeps that ownership.
    // SAFETY: GIL held (`_py`); all three are released after the name and
    // message are copied out; `t` is checked to be a class before its name.
    unsafe {
        ffi::PyErr_Fetch(&mut t, &mut v, &mut tb);
        if t.is_null() {
            return CError {
                type_name: "<none>".to_owned(),
                message: "<no exception set>".to_owned(),
            };
        }
        ffi::PyErr_NormalizeException(&mut t, &mut v, &mut tb);
        let name = if ffi::PyExceptionClass_Check(t) != 0 {
            CStr::from_ptr(ffi::PyExceptionClass_Name(t))
        } else {
            CStr::from_ptr(ffi::Py_TYPE_NAME(t))
        };
        let name = name.to_string_lossy();
        // Built-in exceptions live in the `exceptions` module; Python prints them bare.
        let type_name = name.strip_prefix("exceptions.").unwrap_or(&name).to_owned();
        let message = if v.is_null() {
            String::new()
        } else {
            let s = ffi::PyObject_Str(v);
            if s.is_null() {
                ffi::PyErr_Clear();
                "<str() of the exception failed>".to_owned()
            } else {
                // The native str's characters: Python 3's as UTF-8.
                let mut len: ffi::Py_ssize_t = 0;
                let chars = ffi::native_str_text(s, &mut len);
                let message = if chars.is_null() {
                    ffi::PyErr_Clear();
                    "<str() of the exception is not UTF-8>".to_owned()
                } else {
                    let bytes = std::slice::from_raw_parts(chars.cast::<u8>(), len as usize);
                    String::from_utf8_lossy(bytes).into_owned()
                };
                ffi::Py_DECREF(s);
                message
            }
        };
        ffi::Py_XDECREF(t);
        ffi::Py_XDECREF(v);
        ffi::Py_XDECREF(tb);
        CError { type_name, message }
    }
}

/// Fails the test if a Python exception is pending, saying which (and
/// clearing it).
#[track_caller]
pub fn assert_clear(py: Python<'_>, after: &str) {
    // SAFETY: the GIL is held (`py`); PyErr_Occurred only reads the thread
    // state's exception indicator.
    let pending = !unsafe { ffi::PyErr_Occurred() }.is_null();
    if pending {
        let left = take_error(py);
        panic!("a Python exception was left set after {after}: {left}");
    }
}

/// What a successful C call gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBorrow {
    /// The pointer, as given.
    pub ptr: *const u8,
    /// The length, as given.
    pub len: isize,
    /// A copy of the bytes, taken before any Python code could run; `None`
    /// when the "success" cannot be read (a negative length, or NULL with a
    /// positive length: a misbehaving exporter).
    pub bytes: Option<Vec<u8>>,
}

impl RawBorrow {
    /// The bytes, or a description of why they cannot be read.
    pub fn readable(&self) -> Result<&[u8], String> {
        match &self.bytes {
            Some(bytes) => Ok(bytes),
            None => Err(format!("<C gave {:p} with length {}>", self.ptr, self.len)),
        }
    }
}

/// Call the C function for `function` on `obj`.
pub fn raw_borrow(
    py: Python<'_>,
    obj: &Object<'_>,
    function: Function,
) -> Result<RawBorrow, CError> {
    let mut len: ffi::Py_ssize_t = -1;
    let (rc, ptr) = match function {
        Function::Char => {
            let mut p = ptr::null();
            // SAFETY: valid object, GIL held (`py`), out-pointers valid.
            let rc = unsafe { ffi::PyObject_AsCharBuffer(obj.as_ptr(), &mut p, &mut len) };
            (rc, p.cast::<u8>())
        }
        Function::Read => {
            let mut p = ptr::null();
            // SAFETY: as above.
            let rc = unsafe { ffi::PyObject_AsReadBuffer(obj.as_ptr(), &mut p, &mut len) };
            (rc, p.cast::<u8>())
        }
        Function::Write => {
            let mut p = ptr::null_mut();
            // SAFETY: as above.
            let rc = unsafe { ffi::PyObject_AsWriteBuffer(obj.as_ptr(), &mut p, &mut len) };
            (rc, p.cast_const().cast::<u8>())
        }
    };
    if rc != 0 {
        return Err(take_error(py));
    }
    let bytes = match usize::try_from(len) {
        // An empty buffer may come with a NULL pointer (an empty array does).
        Ok(0) => Some(Vec::new()),
        Ok(n) if !ptr.is_null() => {
            // SAFETY: the C function succeeded with a non-NULL pointer and
            // this length; no Python code ran since.
            Some(unsafe { std::slice::from_raw_parts(ptr, n) }.to_vec())
        }
        _ => None,
    };
    Ok(RawBorrow { ptr, len, bytes })
}
