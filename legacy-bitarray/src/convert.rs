//! The C's conversions of Python arguments: indexes (`getIndex`,
//! `IS_INDEX`), bits (`IntBool_AsInt`, `PyObject_IsTrue`), slices
//! (`slice_GetIndicesEx` on `idx_t`), with its exceptions and messages.

use crate::core::messages as msg;
use legacy_buffer::ffi::PY3;
use legacy_buffer::{Error, ExceptionType, Object, Result};

/// A `TypeError` with `message`.
pub(crate) fn type_error(message: &str) -> Error {
    Error::new(ExceptionType::TypeError, message)
}

/// A `ValueError` with `message`.
pub(crate) fn value_error(message: impl Into<String>) -> Error {
    Error::new(ExceptionType::ValueError, message)
}

/// An `IndexError` with `message`.
pub(crate) fn index_error(message: &str) -> Error {
    Error::new(ExceptionType::IndexError, message)
}

/// C's `IS_INDEX` (Python 2): an `int`, a `long`, or has `__index__`.
#[inline]
pub(crate) fn is_index(v: &Object<'_>) -> bool {
    v.is_int() || v.is_long() || v.is_index()
}

/// C's `IS_INT_OR_BOOL` (Python 2).
#[inline]
fn is_int_or_bool(v: &Object<'_>) -> bool {
    v.is_bool() || v.is_int() || v.is_long()
}

/// C's `getIndex`: an `int` as it is, a `long` as a `long long`, an object
/// with `__index__` as a `Py_ssize_t` (clipped), else `TypeError`. A `long`
/// past a `long long` is -1, as `PyLong_AsLongLong`'s error value, which
/// the C takes without looking at the error (its callers then raise their
/// own: `bitarray(2**64)` "cannot create bitarray with negative length").
/// On Python 3 every `int` takes that `long` path: the C's `PyInt_Check`
/// branch is `#ifndef IS_PY3K`, and `is_int` is `PyLong_Check` there (an
/// `int` past a `long long` is -1 then too, not an `OverflowError`).
#[inline]
pub(crate) fn get_index(v: &Object<'_>) -> Result<i64> {
    if let Some(i) = v.exact_int() {
        return Ok(i);
    }
    if !PY3 && v.is_int() {
        Ok(v.to_long()?)
    } else if v.is_long() {
        Ok(v.to_long_long().unwrap_or(-1))
    } else if v.is_index() {
        Ok(v.to_ssize_clipped()? as i64)
    } else {
        Err(type_error(msg::SLICE_INDEX_TYPE))
    }
}

/// The exception C's `getIndex` leaves set where it took `taken` for `v`:
/// on Python 3, for an `int` past a `long long`, `PyLong_AsLongLong`'s
/// `OverflowError`, which the C does not look at. The operation (an item
/// or slice got, set or deleted, a repetition) then runs at -1 and returns
/// its result with that exception set, and CPython 3 raises a
/// `SystemError` naming the method, that `OverflowError` its cause
/// (`getIndex`'s `PyLong_Check` branch is outside its `#ifndef IS_PY3K`:
/// the same in both builds; only CPython 3 looks at the exception a result
/// comes with). The port runs the operation as the C does and then
/// raises the `OverflowError` itself ([`raise_left`]), as it passes on
/// `f.read`'s exception where the C's Python 3 `fromfile` returns `None`
/// with it set. On Python 2, whose CPython never reports it, `None`: the
/// operation's result, as before.
pub(crate) fn left_set(v: &Object<'_>, taken: i64) -> Option<Error> {
    if !PY3 || taken != -1 || !v.is_long() || v.exact_int().is_some() {
        return None;
    }
    v.to_long_long().err()
}

/// [`left_set`] for a slice's parts, in the order C's `slice_GetIndicesEx`
/// takes them (step, start, stop): the last one's, which replaces those
/// before it.
pub(crate) fn slice_left_set(slice: &Object<'_>) -> Option<Error> {
    if !PY3 {
        return None;
    }
    let [start, stop, step] = slice.slice_parts()?;
    [step, start, stop]
        .iter()
        .rev()
        .find_map(|part| left_set(part, -1))
}

/// `result`, unless it is a success and the C left `left` set: then that
/// (see [`left_set`]).
pub(crate) fn raise_left<T>(result: Result<T>, left: Option<Error>) -> Result<T> {
    match left {
        Some(e) if result.is_ok() => Err(e),
        _ => result,
    }
}

/// `Some(getIndex(v))` where C's `IS_INDEX(v)`, else `None`: the test and
/// the conversion in one, an exact `int` read once.
#[inline]
pub(crate) fn index_of(v: &Object<'_>) -> Option<Result<i64>> {
    if let Some(i) = v.exact_int() {
        return Some(Ok(i));
    }
    is_index(v).then(|| get_index(v))
}

/// C's `IntBool_AsInt`: a `bool`, or an `int`/`long` that is 0 or 1. A
/// `long` past a C `long` is -1, `PyLong_AsLong`'s error value, which the
/// C takes without looking at the error (on both lines; Python 2's `int`
/// always fits): its `ValueError` then, not an `OverflowError`.
pub(crate) fn int_bool(v: &Object<'_>) -> Result<bool> {
    if v.is_bool() {
        return v.is_true();
    }
    let x = if v.is_int() || v.is_long() {
        v.to_long().unwrap_or(-1)
    } else {
        return Err(type_error(msg::INT_OR_BOOL));
    };
    match x {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(value_error(msg::INT_0_OR_1)),
    }
}

/// `__contains__`'s and slice assignment's test for a single bit.
#[inline]
pub(crate) fn is_bit(v: &Object<'_>) -> bool {
    is_int_or_bool(v)
}

/// C's `normalize_index`: `i` made to fall in `0..=n`.
#[inline]
pub(crate) fn normalize_index(n: usize, i: i64) -> usize {
    let n = n as i64;
    let mut i = i;
    if i < 0 {
        i += n;
        if i < 0 {
            i = 0;
        }
    }
    i.min(n) as usize
}

/// An index into `n` bits as `__getitem__` takes it (negative from the
/// end), or `IndexError`.
#[inline]
pub(crate) fn item_index(n: usize, i: i64) -> Result<usize> {
    let i = if i < 0 { i + n as i64 } else { i };
    if i < 0 || i >= n as i64 {
        return Err(index_error(msg::INDEX_RANGE));
    }
    Ok(i as usize)
}

/// A slice over `length` bits, as C's `slice_GetIndicesEx` gives it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slice {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
    pub len: usize,
}

/// C's `slice_GetIndicesEx`: `PySlice_GetIndicesEx` on `idx_t`, each part
/// through `getIndex`.
pub(crate) fn slice_indices(slice: &Object<'_>, length: usize) -> Result<Slice> {
    let [start, stop, step] = slice
        .slice_parts()
        .ok_or_else(|| type_error(msg::INDEX_OR_SLICE))?;
    let length = length as i64;
    let step = if step.is_none() {
        1
    } else {
        let step = get_index(&step)?;
        if step == 0 {
            return Err(value_error(msg::SLICE_STEP_ZERO));
        }
        step
    };
    let (defstart, defstop) = if step < 0 {
        (length - 1, -1)
    } else {
        (0, length)
    };
    let start = if start.is_none() {
        defstart
    } else {
        let mut s = get_index(&start)?;
        if s < 0 {
            s += length;
        }
        if s < 0 {
            s = if step < 0 { -1 } else { 0 };
        }
        if s >= length {
            s = if step < 0 { length - 1 } else { length };
        }
        s
    };
    let stop = if stop.is_none() {
        defstop
    } else {
        let mut s = get_index(&stop)?;
        if s < 0 {
            s += length;
        }
        if s < 0 {
            s = -1;
        }
        if s > length {
            s = length;
        }
        s
    };
    let len = if (step < 0 && stop >= start) || (step > 0 && start >= stop) {
        0
    } else if step < 0 {
        (stop - start + 1) / step + 1
    } else {
        (stop - start - 1) / step + 1
    };
    Ok(Slice {
        start,
        stop,
        step,
        len: len as usize,
    })
}
