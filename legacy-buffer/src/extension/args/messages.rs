//! The C parser's messages, byte for byte, and this crate's own for a
//! format or a Rust type that does not fit.

use super::format::Format;
use crate::error::{Error, ExceptionType};
use crate::gil::Python;
use legacy_buffer_sys as ffi;
use std::ffi::CString;

/// getargs.c's `converterr`: `"must be <expected>, not <type name>"`, or
/// the expected text itself if it is a parenthesised note (not on PyPy,
/// whose getargs.c makes no such exception).
pub(super) fn converterr(expected: &[u8], arg: *mut ffi::PyObject) -> Vec<u8> {
    if expected.first() == Some(&b'(') && !ffi::PYPY {
        return truncated(expected, 100).to_vec();
    }
    // SAFETY: Py_None returns the singleton's address; `arg` is a valid
    // object (an argument the parse keeps alive), GIL held; its type's name
    // is a C string it keeps.
    let type_name = unsafe {
        if arg == ffi::Py_None() {
            &b"None"[..]
        } else {
            std::ffi::CStr::from_ptr(ffi::Py_TYPE_NAME(arg)).to_bytes()
        }
    };
    let mut text = b"must be ".to_vec();
    text.extend_from_slice(truncated(expected, 50));
    text.extend_from_slice(b", not ");
    text.extend_from_slice(truncated(type_name, 50));
    text
}

/// At most `max` bytes, as C's `%.<max>s` prints.
pub(super) fn truncated(bytes: &[u8], max: usize) -> &[u8] {
    &bytes[..bytes.len().min(max)]
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `PyArg_ParseTuple`'s error for `given` arguments that the format does
/// not take: its `;message`, or `"%.150s%s takes %s %d argument%s (%ld
/// given)"`.
#[cold]
pub(super) fn tuple_count_error(py: Python<'_>, format: &Format<'_>, given: usize) -> Error {
    let (name, message) = format.tuple_suffix();
    if let Some(message) = message {
        return raise(py, ffi_type_error(), message.as_bytes());
    }
    let (min, max) = (format.required(), format.units().len());
    let (how, count) = if min == max {
        ("exactly", min)
    } else if given < min {
        ("at least", min)
    } else {
        ("at most", max)
    };
    let mut text = Vec::with_capacity(80);
    match name {
        Some(name) => {
            text.extend_from_slice(truncated(name.as_bytes(), 150));
            text.extend_from_slice(b"()");
        }
        None => text.extend_from_slice(b"function"),
    }
    text.extend_from_slice(
        format!(
            " takes {how} {count} argument{} ({given} given)",
            plural(count)
        )
        .as_bytes(),
    );
    raise(py, ffi_type_error(), &text)
}

pub(super) fn ffi_type_error() -> *mut ffi::PyObject {
    // SAFETY: reads a pointer set once at interpreter start.
    unsafe { ffi::PyExc_TypeError }
}

/// `exception(message)` made as the C parser makes it (`PyErr_SetString`,
/// so that the message keeps its bytes exactly), then fetched.
#[cold]
pub(super) fn raise(py: Python<'_>, exception: *mut ffi::PyObject, message: &[u8]) -> Error {
    // C strings end at a NUL; none of the parts of a message holds one.
    let end = message
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(message.len());
    let message = CString::new(&message[..end]).expect("cut at the first NUL");
    // SAFETY: GIL held; a valid exception class and C string.
    unsafe { ffi::PyErr_SetString(exception, message.as_ptr()) };
    Error::fetch(py, "PyArg_ParseTuple")
}

#[cold]
pub(super) fn programming_error(format: &Format<'_>, what: &str) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!("PyArg_ParseTuple format {:?}: {what}", format.text),
    )
}
