//! A call from Python into an extension function: the [`trampoline`] that
//! runs its body, and the [`Args`] it was given.

use crate::error::Error;
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run the body of an extension function called by Python, and turn its
/// outcome into what the C API expects: the result's new reference, or
/// `NULL` with the error raised. A panic in `body` does not unwind into C:
/// it is caught and raised as `SystemError`. A result returned with a Python
/// exception still set (only `unsafe` code in the body can leave one) is
/// not passed on as a success: it is released and the call raises
/// `SystemError`, naming the stray exception.
///
/// The token `body` gets is bound to the call: nothing made with it can
/// outlive the call, which is as long as Python lends this thread the GIL.
/// References other threads dropped without the GIL are released first.
///
/// # Safety
///
/// Call only where Python called with the GIL held (the body of a
/// `PyCFunction`), and return the pointer to Python at once.
///
/// ```
/// use legacy_buffer::{ffi, extension::trampoline, Borrowed, Object};
///
/// /// length(buf): the length of a readable buffer.
/// unsafe extern "C" fn length(
///     _module: *mut ffi::PyObject,
///     arg: *mut ffi::PyObject,
/// ) -> *mut ffi::PyObject {
///     // SAFETY: called by Python with the GIL held; `arg` is borrowed for the call.
///     unsafe {
///         trampoline(|py| {
///             let arg = Borrowed::from_ptr(py, arg);
///             let len = arg.read_buffer()?.len();
///             Object::int(py, len as _)
///         })
///     }
/// }
/// # legacy_buffer::with_gil(|py| {
/// #     let s = Object::str(py, b"four").unwrap();
/// #     let r = unsafe { Object::from_owned_ptr(py, length(std::ptr::null_mut(), s.as_ptr())) };
/// #     assert_eq!(r.repr().unwrap(), "4");
/// # });
/// ```
pub unsafe fn trampoline<F>(body: F) -> *mut ffi::PyObject
where
    F: for<'py> FnOnce(Python<'py>) -> Result<Object<'py>, Error>,
{
    // SAFETY: Python called us with the GIL held for the duration of the call
    // (this function's contract), and nothing here outlives the call.
    let py = unsafe { Python::assume_gil_acquired() };
    // Counted where the interpreter cannot be asked (PyPy), until return.
    let _held = crate::runtime::Held::enter();
    // SAFETY: the GIL is held; Python is running (it called us), so no
    // no-Python scope is: a scope's closure runs no Python code.
    unsafe { crate::runtime::drain() };
    match catch_unwind(AssertUnwindSafe(|| body(py))) {
        Ok(Ok(result)) => {
            // SAFETY: GIL held; reads the thread's error indicator.
            if unsafe { ffi::PyErr_Occurred() }.is_null() {
                result.into_ptr()
            } else {
                stray_exception(py, result)
            }
        }
        Ok(Err(error)) => {
            error.restore(py);
            std::ptr::null_mut()
        }
        Err(payload) => {
            raise_panic(py, payload);
            std::ptr::null_mut()
        }
    }
}

/// A panic caught before it could unwind into C, raised as `SystemError`
/// with its message.
#[cold]
#[inline(never)]
pub(crate) fn raise_panic(py: Python<'_>, payload: Box<dyn std::any::Any + Send>) {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned());
    // Dropping the payload could itself panic; leak it instead.
    std::mem::forget(payload);
    Error::raise_system_error(py, format!("Rust panic: {what}"));
}

/// A body returned `result` with an exception set: raise `SystemError`
/// instead.
#[cold]
#[inline(never)]
fn stray_exception(py: Python<'_>, result: Object<'_>) -> *mut ffi::PyObject {
    let error = Error::result_with_exception_set(py, "an extension function");
    drop(result);
    error.restore(py);
    std::ptr::null_mut()
}

/// The arguments of a `METH_VARARGS` (or `METH_VARARGS | METH_KEYWORDS`)
/// function, borrowed from the tuple (and dict) Python passed. Costs no
/// allocation.
#[derive(Clone, Copy)]
pub struct Args<'a, 'py> {
    /// The tuple's items (`ob_item`), or a `METH_FASTCALL` caller's array,
    /// `len` of them; NULL for none.
    items: *mut *mut ffi::PyObject,
    len: usize,
    kwargs: *mut ffi::PyObject,
    py: Python<'py>,
    _borrow: std::marker::PhantomData<&'a ()>,
}

impl<'a, 'py> Args<'a, 'py> {
    /// Borrow the argument tuple.
    ///
    /// # Safety
    ///
    /// `tuple` must be the argument tuple Python passed to the running
    /// function (or NULL for none), alive for `'a`.
    #[inline]
    pub unsafe fn from_ptr(py: Python<'py>, tuple: *mut ffi::PyObject) -> Args<'a, 'py> {
        // SAFETY: the caller's contract; no keyword arguments.
        unsafe { Args::from_ptrs(py, tuple, std::ptr::null_mut()) }
    }

    /// Borrow the argument tuple and the keyword-argument dict of a
    /// `METH_VARARGS | METH_KEYWORDS` function.
    ///
    /// # Safety
    ///
    /// As [`Args::from_ptr`]; `kwargs` must be the dict Python passed (or
    /// NULL for none), alive for `'a`.
    #[inline]
    pub unsafe fn from_ptrs(
        py: Python<'py>,
        tuple: *mut ffi::PyObject,
        kwargs: *mut ffi::PyObject,
    ) -> Args<'a, 'py> {
        let mut len = 0;
        // SAFETY: a valid object or NULL (contract), GIL held; the items of
        // a tuple stay where they are for as long as it lives ('a).
        let items = unsafe { ffi::lbsys_tuple_items(tuple, &mut len) };
        Args {
            items,
            len: len as usize,
            kwargs,
            py,
            _borrow: std::marker::PhantomData,
        }
    }

    /// Borrow the arguments of a `METH_FASTCALL` function (Python 3): the
    /// caller's array.
    ///
    /// # Safety
    ///
    /// `items` must be an array of `nargs` arguments (NULL if none), each
    /// held alive for `'a` by a reference that no Python code can drop, and
    /// the array unchanged for `'a`, as a tuple keeps its items: not the
    /// caller's array as given, whose references may be borrowed (see
    /// `HeldArgs` in module.rs, which holds its own).
    #[inline]
    pub unsafe fn from_array(
        py: Python<'py>,
        items: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
    ) -> Args<'a, 'py> {
        Args {
            items: items.cast_mut(),
            len: nargs.max(0) as usize,
            kwargs: std::ptr::null_mut(),
            py,
            _borrow: std::marker::PhantomData,
        }
    }

    /// The keyword arguments, if any were passed (a dict).
    #[inline]
    pub fn kwargs(&self) -> Option<Borrowed<'a, 'py>> {
        if self.kwargs.is_null() {
            return None;
        }
        // SAFETY: the dict Python passed, alive for 'a (from_ptrs' contract).
        Some(unsafe { Borrowed::from_ptr(self.py, self.kwargs) })
    }

    /// The token the arguments are bound to.
    #[inline]
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// How many arguments were passed.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none were.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The argument at `index`, if passed.
    #[inline]
    pub fn get(&self, index: usize) -> Option<Borrowed<'a, 'py>> {
        if index >= self.len {
            return None;
        }
        // A tuple's items never change once Python code can see it; a
        // fast call's array is HeldArgs', kept unchanged for the call.
        // SAFETY: index is in bounds of the items (Args' contract), which
        // hold a reference to each for 'a.
        Some(unsafe { Borrowed::from_ptr(self.py, *self.items.add(index)) })
    }
}
