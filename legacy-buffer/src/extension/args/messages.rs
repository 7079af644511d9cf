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

/// `exception(message)` with the whole message, NULs included: Python 3's
/// `%U` of a str (its UTF-8 decoded again; a character `%.200s` cut in two
/// is U+FFFD, as `PyUnicode_FromFormat` decodes it); on Python 2, [`raise`].
#[cold]
pub(super) fn raise_text(py: Python<'_>, exception: *mut ffi::PyObject, message: &[u8]) -> Error {
    if !ffi::PY3 {
        return raise(py, exception, message);
    }
    // SAFETY: GIL held; UTF-8 of a str's key and ASCII text, with its
    // length; the new str is given to PyErr_SetObject, which takes its own
    // reference, and released.
    unsafe {
        let text = ffi::PyUnicode_DecodeUTF8(
            message.as_ptr().cast(),
            message.len() as ffi::Py_ssize_t,
            c"replace".as_ptr(),
        );
        if !text.is_null() {
            ffi::PyErr_SetObject(exception, text);
            ffi::Py_DECREF(text);
        }
    }
    Error::fetch(py, "PyArg_ParseTupleAndKeywords")
}

#[cold]
pub(super) fn programming_error(format: &Format<'_>, what: &str) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!("PyArg_ParseTuple format {:?}: {what}", format.text),
    )
}

/// CPython 3.13's suggestion for a keyword `key` that names no unit (its
/// `_Py_CalculateSuggestions` over the keyword names): the nearest name by
/// its Levenshtein distance (moves cost 2, a change of case 1), within a
/// third of the characters involved; the first of equals.
pub(super) fn suggestion<'n>(names: &[&'n str], key: &[u8]) -> Option<&'n str> {
    const MAX_CANDIDATES: usize = 750;
    if names.len() >= MAX_CANDIDATES {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    for &name in names {
        if name.as_bytes() == key {
            continue;
        }
        let mut max = (key.len() + name.len() + 3) * MOVE_COST / 6;
        if let Some((_, distance)) = best {
            max = max.min(distance - 1);
        }
        let distance = levenshtein(key, name.as_bytes(), max);
        if distance <= max && best.map_or(true, |(_, d)| distance < d) {
            best = Some((name, distance));
        }
    }
    best.map(|(name, _)| name)
}

const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;

/// CPython's `substitution_cost`: letters equal but for case cost
/// [`CASE_COST`] (compared by their low five bits first, as it does).
fn substitution_cost(a: u8, b: u8) -> usize {
    if a & 31 != b & 31 {
        return MOVE_COST;
    }
    if a == b {
        0
    } else if a.eq_ignore_ascii_case(&b) {
        CASE_COST
    } else {
        MOVE_COST
    }
}

/// CPython's `levenshtein_distance` of `a` and `b`, or `max + 1` once it
/// exceeds `max`: common prefixes and suffixes trimmed, strings over 40
/// bytes never near, one row of the matrix updated in place.
fn levenshtein<'s>(mut a: &'s [u8], mut b: &'s [u8], max: usize) -> usize {
    const MAX_STRING_SIZE: usize = 40;
    while let (Some(x), Some(y)) = (a.first(), b.first()) {
        if x != y {
            break;
        }
        (a, b) = (&a[1..], &b[1..]);
    }
    while let (Some(x), Some(y)) = (a.last(), b.last()) {
        if x != y {
            break;
        }
        (a, b) = (&a[..a.len() - 1], &b[..b.len() - 1]);
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max + 1;
    }
    if b.len() < a.len() {
        (a, b) = (b, a);
    }
    if (b.len() - a.len()) * MOVE_COST > max {
        return max + 1;
    }
    let mut row = [0usize; MAX_STRING_SIZE];
    for (i, cost) in row.iter_mut().take(a.len()).enumerate() {
        *cost = (i + 1) * MOVE_COST;
    }
    let mut result = 0;
    for (b_index, &code) in b.iter().enumerate() {
        result = b_index * MOVE_COST;
        let mut distance = result;
        let mut minimum = usize::MAX;
        for (index, &byte) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, byte);
            distance = row[index];
            result = (result.min(distance) + MOVE_COST).min(substitute);
            row[index] = result;
            minimum = minimum.min(result);
        }
        if minimum > max {
            return max + 1;
        }
    }
    result
}
