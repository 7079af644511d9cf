//! Arguments as `PyArg_ParseTuple` takes them for the formats the C module
//! uses (`"O|I:adler32"`, `"O|I:crc32"`, `"Oi:count"`, `"OO:xor_into"`,
//! `"O:length"`), with its exceptions: same type, same message.
//!
//! legacy-buffer's safe API has no integer conversion, so this module calls
//! the C API for it and takes a failure back as an `Error`; its own errors
//! are `Error::new` of the exception type the C module raises.

use legacy_buffer::extension::Args;
use legacy_buffer::{ffi, Borrowed, Error, ExceptionType, Object, Python, Result};
use std::sync::atomic::{AtomicPtr, Ordering};

/// Check the number of positional arguments as `PyArg_ParseTuple` does for a
/// format with `min` required and `max` in all, then give them, missing
/// optional ones as `None`.
///
/// `name` is the function name after the format's `:`. Message:
/// `"%.150s() takes %s %d argument%s (%ld given)"`.
#[inline]
pub fn positional<'a, 'py, const MAX: usize>(
    py: Python<'py>,
    args: &Args<'a, 'py>,
    name: &str,
    min: usize,
) -> Result<[Option<Borrowed<'a, 'py>>; MAX]> {
    let given = args.len();
    if given < min || given > MAX {
        let (how, count) = if min == MAX {
            ("exactly", min)
        } else if given < min {
            ("at least", min)
        } else {
            ("at most", MAX)
        };
        return Err(arity_error(py, name, how, count, given));
    }
    Ok(std::array::from_fn(|i| args.get(i)))
}

#[cold]
#[inline(never)]
fn arity_error(py: Python<'_>, name: &str, how: &str, count: usize, given: usize) -> Error {
    let plural = if count == 1 { "" } else { "s" };
    let message = format!("{name}() takes {how} {count} argument{plural} ({given} given)");
    raise(py, ExceptionType::TypeError, &message)
}

/// The required argument `arg`, present once [`positional`] checked the count.
pub fn required<'a, 'py>(arg: Option<Borrowed<'a, 'py>>) -> Borrowed<'a, 'py> {
    arg.expect("positional() checked that required arguments are present")
}

/// `PyArg_ParseTuple`'s `"I"`: an int or long, any value, masked to the
/// width of C `unsigned int` (no overflow check). A float is refused.
pub fn unsigned_int_mask(arg: &Object<'_>) -> Result<u32> {
    let py = arg.py();
    refuse_float(arg)?;
    // PyInt_AsUnsignedLongMask returns (unsigned long)-1 with an exception
    // set on failure; otherwise it leaves the error indicator alone, which no
    // call of this crate leaves set.
    // SAFETY: `arg` is a valid object and the GIL is held (`py`).
    let value = unsafe { ffi::PyInt_AsUnsignedLongMask(arg.as_ptr()) } as u32;
    if value == u32::MAX && error_pending(py) {
        return Err(pending_error(py, "PyInt_AsUnsignedLongMask"));
    }
    Ok(value)
}

/// `PyArg_ParseTuple`'s `"i"`: an int or long that fits C `int`. A float is
/// refused; a value that fits `long` but not `int` is an `OverflowError`.
pub fn int(arg: &Object<'_>) -> Result<libc::c_int> {
    let py = arg.py();
    refuse_float(arg)?;
    // SAFETY: valid object, GIL held; -1 with an exception set on failure.
    let value = unsafe { ffi::PyInt_AsLong(arg.as_ptr()) };
    if value == -1 && error_pending(py) {
        return Err(pending_error(py, "PyInt_AsLong"));
    }
    libc::c_int::try_from(value).map_err(|_| {
        let message = if value > 0 {
            "signed integer is greater than maximum"
        } else {
            "signed integer is less than minimum"
        };
        raise(py, ExceptionType::OverflowError, message)
    })
}

/// `float_argument_error` of Python 2.7's getargs.c, which the integer
/// formats call first: a float, or an instance of a subclass of float, is a
/// `TypeError` even where the conversion would accept it (`__int__`).
fn refuse_float(arg: &Object<'_>) -> Result<()> {
    let py = arg.py();
    let float = float_type(py)?;
    // SAFETY: valid object and type objects, GIL held. PyType_IsSubtype only
    // reads the MRO (PyFloat_Check is PyType_IsSubtype after an identity test).
    let is_float = unsafe {
        let ty = ffi::Py_TYPE(arg.as_ptr());
        ty == float || ffi::PyType_IsSubtype(ty, float) != 0
    };
    if is_float {
        return Err(raise(
            py,
            ExceptionType::TypeError,
            "integer argument expected, got float",
        ));
    }
    Ok(())
}

/// `&PyFloat_Type`, which the bindings do not export (PyFloat_Check is a
/// macro): the type of a float made once. Static types live as long as the
/// interpreter, which outlives this module.
fn float_type(py: Python<'_>) -> Result<*mut ffi::PyTypeObject> {
    static FLOAT_TYPE: AtomicPtr<ffi::PyTypeObject> = AtomicPtr::new(std::ptr::null_mut());
    let known = FLOAT_TYPE.load(Ordering::Relaxed);
    if !known.is_null() {
        return Ok(known);
    }
    // SAFETY: GIL held; PyFloat_FromDouble returns a new reference or NULL
    // with an exception set.
    let sample =
        unsafe { Object::from_owned_ptr_or_err(py, ffi::PyFloat_FromDouble(0.0), "float()")? };
    // SAFETY: a valid object, GIL held.
    let ty = unsafe { ffi::Py_TYPE(sample.as_ptr()) };
    FLOAT_TYPE.store(ty, Ordering::Relaxed);
    Ok(ty)
}

/// Whether a Python exception is set.
fn error_pending(_py: Python<'_>) -> bool {
    // SAFETY: GIL held (`_py`); only reads the thread state's indicator.
    !unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// The [`Error`] for `exception(message)`: returned from a trampoline body,
/// it raises exactly what the C module's `PyErr_SetString` does.
#[cold]
#[inline(never)]
pub fn raise(_py: Python<'_>, exception: ExceptionType, message: &str) -> Error {
    Error::new(exception, message)
}

/// The exception set by a C API call that just failed, fetched and cleared.
///
/// legacy-buffer's `Error::fetch` is crate-private; its public way in is
/// `Object::from_owned_ptr_or_err`, which fetches the pending exception when
/// given the NULL a failed call returned.
#[cold]
#[inline(never)]
fn pending_error(py: Python<'_>, context: &str) -> Error {
    // SAFETY: a NULL pointer is never taken ownership of: from_owned_ptr_or_err
    // only fetches the pending exception (GIL held, `py`).
    match unsafe { Object::from_owned_ptr_or_err(py, std::ptr::null_mut(), context) } {
        Err(error) => error,
        Ok(_) => unreachable!("from_owned_ptr_or_err(NULL) is always an error"),
    }
}
