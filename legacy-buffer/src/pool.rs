//! Releasing Python references from code that must not touch Python right
//! now.
//!
//! A value that owns Python references and is `Send` ([`Error`] keeps the
//! exception objects) can be dropped anywhere: on a thread without the GIL,
//! or on one whose GIL another part of the program is waiting to get back
//! (a scoped thread its owner joins while holding the GIL). Taking the GIL
//! there would block, possibly forever; releasing without it would be a data
//! race. So such references go through [`release`]: released at once where
//! this thread holds the GIL, queued otherwise, and the queue is emptied
//! ([`drain`]) the next time this crate holds the GIL.
//!
//! [`Error`]: crate::Error

use crate::ffi;
use crate::gil::Python;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// References waiting for the GIL.
struct Pending(Vec<NonNull<ffi::PyObject>>);

// SAFETY: the pointers are only dereferenced (released) by `drain`, which
// holds the GIL; the queue itself is only a list of addresses.
unsafe impl Send for Pending {}

static PENDING: Mutex<Pending> = Mutex::new(Pending(Vec::new()));

/// Whether `PENDING` may be non-empty: [`drain`] reads only this, so that
/// the common case (nothing queued) costs one load.
static QUEUED: AtomicBool = AtomicBool::new(false);

/// Give up one reference to `obj` (NULL is ignored): released now if this
/// thread may run Python code, queued for [`drain`] otherwise.
///
/// # Safety
///
/// The caller owns one reference to `obj` (if non-NULL) and gives it up.
pub(crate) unsafe fn release(obj: *mut ffi::PyObject) {
    let Some(obj) = NonNull::new(obj) else {
        return;
    };
    // Callable without the GIL, before Python starts and after it is
    // finalised (false then).
    if crate::gil::held() {
        if !crate::scope::active() {
            // SAFETY: this thread holds the GIL and may run Python code (the
            // release may run `__del__`); the reference is ours to give up.
            unsafe { ffi::Py_DECREF(obj.as_ptr()) };
            return;
        }
        // Inside a no-Python scope: released when it ends.
        crate::scope::release_at_end();
    }
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.0.push(obj);
    QUEUED.store(true, Ordering::Release);
}

/// Release what was queued, with the GIL held.
#[inline]
pub(crate) fn drain(py: Python<'_>) {
    if QUEUED.load(Ordering::Relaxed) {
        drain_queued(py);
    }
}

#[cold]
#[inline(never)]
fn drain_queued(_py: Python<'_>) {
    if !QUEUED.swap(false, Ordering::Acquire) {
        return;
    }
    // Taken out first: each release may run `__del__`, which may drop more
    // errors and so lock the queue again.
    let queued = {
        let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut pending.0)
    };
    for obj in queued {
        // SAFETY: the GIL is held (`_py`); each queued pointer carries one
        // reference that `release` was given.
        unsafe { ffi::Py_DECREF(obj.as_ptr()) };
    }
}
