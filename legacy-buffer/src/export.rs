//! New-protocol exports held by a [`Buffer`](crate::buffer::Buffer):
//! `PyObject_GetBuffer`'s `Py_buffer`, checked, counted, and released on
//! drop. What `PyArg_ParseTuple`'s `s*`, `z*` and `w*` take from an exporter
//! of the new buffer protocol (`bytearray`, `memoryview`, ctypes,
//! third-party types).
//!
//! On CPython an export of most exporters keeps the memory in place until
//! released (a `bytearray` refuses to resize meanwhile). Where it does not
//! (ctypes, whose `resize()` reallocates under an export; a Python class's
//! `__buffer__`; anything on PyPy), each use of the memory takes a fresh
//! export ([`Export::again`]), of which the export keeps the latest
//! [`KEPT`] until dropped: a no-Python scope lends at most that many
//! buffers, so none it lends is released before it ends.

use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use legacy_buffer_sys as ffi;
use std::cell::RefCell;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// How many exports taken again (an `Unpinned` export's) an [`Export`]
/// keeps: the most buffers one no-Python scope lends at once.
pub(crate) const KEPT: usize = 4;

/// The most new-protocol exports this crate holds at once, leaked ones
/// included: so that its exports can never wrap an exporter's counter,
/// which may be a C `int` (bytearray's, third-party types'). Half the
/// range, as for pins: the exports others take still have a billion to
/// count.
pub(crate) const MAX_EXPORTS: u32 = (i32::MAX / 2) as u32;

/// How many exports of this crate are alive (or leaked). Changed only with
/// the GIL held (an export is taken and released under it), which orders
/// the accesses; atomic only to be a `static`.
pub(crate) static LIVE_EXPORTS: AtomicU32 = AtomicU32::new(0);

/// A `Py_buffer` `PyObject_GetBuffer` filled, released on drop, with the
/// ones taken again since (an `Unpinned` export's). Lives in a `Box`: an exporter may keep
/// a `Py_buffer`'s address until it is released.
pub(crate) struct Export {
    view: ffi::Py_buffer,
    /// Whether `view` was filled (and so is released on drop).
    filled: bool,
    /// Asked for with `PyBUF_WRITABLE`.
    writable: bool,
    /// The exports taken again since (an `Unpinned` export's), the newest
    /// last, at most [`KEPT`]. Boxed, as `view` is.
    #[allow(clippy::vec_box)]
    again: RefCell<Vec<Box<ffi::Py_buffer>>>,
}

/// Why [`Export::take`] gave no export.
pub(crate) enum ExportFailure {
    /// `PyObject_GetBuffer` failed: its exception is set.
    Refused,
    /// The memory is not C-contiguous (the export was released).
    NotContiguous,
    /// This crate refused, or the exporter misbehaved: no exception set.
    Error(Error),
}

impl Export {
    /// `PyObject_GetBuffer(obj, flags)`, `flags` being `PyBUF_WRITABLE` if
    /// `writable`, else `PyBUF_SIMPLE`, and getargs.c's contiguity check:
    /// the export, its memory (not NULL: dangling if empty) and its length.
    ///
    /// # Safety
    ///
    /// `obj` is a valid object that outlives the export, and the GIL is
    /// held while the export lives.
    #[inline]
    pub(crate) unsafe fn take(
        obj: *mut ffi::PyObject,
        writable: bool,
    ) -> std::result::Result<(Box<Export>, *mut u8, usize), ExportFailure> {
        let mut export = Export::boxed(writable);
        // SAFETY: this function's contract; the Py_buffer is boxed.
        let (ptr, len) = unsafe { fill(obj, writable, &mut export.view)? };
        export.filled = true;
        Ok((export, ptr, len))
    }

    /// An unfilled export in a box: the spare one, if the last export
    /// released left it, else a new one. Only with the GIL held.
    #[inline]
    fn boxed(writable: bool) -> Box<Export> {
        let spare = SPARE.load(Ordering::Relaxed);
        if spare.is_null() {
            return Box::new(Export {
                view: ffi::Py_buffer::default(),
                filled: false,
                writable,
                again: RefCell::new(Vec::new()),
            });
        }
        SPARE.store(std::ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: `recycle` left it there, from `Box::into_raw`, released
        // (unfilled, nothing taken again); taken out once, under the GIL.
        let mut export = unsafe { Box::from_raw(spare) };
        export.writable = writable;
        export
    }

    /// Release the export (as dropping it does) and keep its box as the
    /// spare, unless one is kept already: a function that parses an `s*`
    /// argument on every call allocates nothing. Only with the GIL held.
    pub(crate) fn recycle(mut self: Box<Export>) {
        self.release_all();
        if SPARE.load(Ordering::Relaxed).is_null() {
            SPARE.store(Box::into_raw(self), Ordering::Relaxed);
        }
    }

    /// Release what the export holds, leaving it unfilled.
    fn release_all(&mut self) {
        if self.filled {
            self.filled = false;
            // SAFETY: a Py_buffer PyObject_GetBuffer filled, released once;
            // the GIL is held while an export lives (`take`'s contract).
            unsafe { release(&mut self.view) };
        }
        // Exports are taken again for Unpinned exports only.
        if !self.again.borrow().is_empty() {
            for mut view in self.again.take() {
                // SAFETY: as above, for the exports taken again.
                unsafe { release(&mut view) };
            }
        }
    }

    /// The `readonly` flag the exporter set.
    #[inline]
    pub(crate) fn readonly(&self) -> bool {
        self.view.readonly != 0
    }

    /// `obj`'s memory as a fresh export gives it now (for an `Unpinned`
    /// export), the export kept (with the [`KEPT`] latest) until this one
    /// is dropped.
    ///
    /// # Safety
    ///
    /// `obj` is the object this export was taken of, alive, and the GIL is
    /// held.
    #[cold]
    pub(crate) unsafe fn again(&self, obj: *mut ffi::PyObject) -> Result<(*mut u8, usize)> {
        let mut fresh = Box::<ffi::Py_buffer>::default();
        // SAFETY: this function's contract; the Py_buffer is boxed.
        let (ptr, len) = match unsafe { fill(obj, self.writable, &mut fresh) } {
            Ok(memory) => memory,
            Err(ExportFailure::Error(e)) => return Err(e),
            Err(ExportFailure::Refused) => {
                // SAFETY: GIL held; PyObject_GetBuffer set the exception.
                let py = unsafe { Python::assume_gil_acquired() };
                return Err(Error::fetch(py, "PyObject_GetBuffer"));
            }
            Err(ExportFailure::NotContiguous) => {
                return Err(Error::new(
                    ExceptionType::BufferError,
                    "PyObject_GetBuffer: the memory is no longer contiguous",
                ))
            }
        };
        let oldest = {
            let mut again = self.again.borrow_mut();
            again.push(fresh);
            (again.len() > KEPT).then(|| again.remove(0))
        };
        if let Some(mut oldest) = oldest {
            // SAFETY: an export taken here and not released; no scope lends
            // it (it is not among the KEPT latest). GIL held.
            unsafe { release(&mut oldest) };
        }
        Ok((ptr, len))
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        self.release_all();
    }
}

/// The box of the last export released, unfilled, for the next export to
/// take (see [`Export::recycle`]); NULL if none. Read and written only with
/// the GIL held (exports are taken and released under it), which orders
/// the accesses; atomic only to be a `static`. Kept for the life of the
/// process once made.
static SPARE: AtomicPtr<Export> = AtomicPtr::new(std::ptr::null_mut());

/// `PyBuffer_Release`, and one export fewer counted.
///
/// # Safety
///
/// A `Py_buffer` [`fill`] filled, not yet released; GIL held.
unsafe fn release(view: &mut ffi::Py_buffer) {
    // SAFETY: this function's contract.
    unsafe { ffi::PyBuffer_Release(view) };
    give_back();
}

/// `PyObject_GetBuffer(obj, flags)` into `view`, counted in
/// [`LIVE_EXPORTS`] and checked: its memory (not NULL: dangling if empty)
/// and its length. On failure nothing is left filled or counted.
///
/// # Safety
///
/// `obj` is a valid object and the GIL is held; `view` stays at its
/// address until released.
unsafe fn fill(
    obj: *mut ffi::PyObject,
    writable: bool,
    view: &mut ffi::Py_buffer,
) -> std::result::Result<(*mut u8, usize), ExportFailure> {
    // SAFETY: the GIL is held (this function's contract).
    let py = unsafe { Python::assume_gil_acquired() };
    // Counted before the exporter runs (its procs may run Python code,
    // which may take exports too), and given back on failure.
    let reserved = Reserved::take().map_err(ExportFailure::Error)?;
    // SAFETY: a valid object, GIL held.
    if unsafe { ffi::lbsys_may_export(obj) } < 0 {
        return Err(ExportFailure::Error(Error::fetch(py, "PyObject_GetBuffer")));
    }
    let flags = if writable {
        ffi::PyBUF_WRITABLE
    } else {
        ffi::PyBUF_SIMPLE
    };
    // SAFETY: a valid object, GIL held; `view` is writable memory for a
    // Py_buffer, which stays at its address until released.
    if unsafe { ffi::PyObject_GetBuffer(obj, view, flags as libc::c_int) } < 0 {
        return Err(ExportFailure::Refused);
    }
    // From here on `filled` releases the view if it is dropped.
    let filled = Filled(view);
    // Without strides or suboffsets (what PyBUF_SIMPLE asks for) the
    // memory is contiguous, as PyBuffer_IsContiguous would answer; an
    // exporter that gives them anyway is asked.
    let simple = filled.0.strides.is_null() && filled.0.suboffsets.is_null();
    // A raw pointer: Python 2 declares the parameter mutable, Python 3 const.
    let view: *mut ffi::Py_buffer = &mut *filled.0;
    // SAFETY: a Py_buffer PyObject_GetBuffer filled.
    if !simple && unsafe { ffi::PyBuffer_IsContiguous(view, b'C' as libc::c_char) } == 0 {
        return Err(ExportFailure::NotContiguous);
    }
    if let Err(e) = filled.check(py, obj, writable) {
        return Err(ExportFailure::Error(e));
    }
    let (buf, len) = (filled.0.buf, filled.0.len);
    std::mem::forget(filled);
    std::mem::forget(reserved);
    // Checked: not negative, and NULL only if empty.
    let ptr = if buf.is_null() {
        std::ptr::NonNull::dangling().as_ptr()
    } else {
        buf.cast()
    };
    Ok((ptr, len as usize))
}

/// One export counted in [`LIVE_EXPORTS`], given back if dropped
/// (forgotten once the export is made, whose release gives it back).
struct Reserved;

impl Reserved {
    /// Count one more export, unless that would pass [`MAX_EXPORTS`]. Only
    /// with the GIL held.
    fn take() -> Result<Reserved> {
        let live = LIVE_EXPORTS.load(Ordering::Relaxed);
        if live >= MAX_EXPORTS {
            return Err(too_many_exports(live));
        }
        LIVE_EXPORTS.store(live + 1, Ordering::Relaxed);
        Ok(Reserved)
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        give_back();
    }
}

/// Count one export fewer. Only with the GIL held.
fn give_back() {
    let live = LIVE_EXPORTS.load(Ordering::Relaxed);
    LIVE_EXPORTS.store(live - 1, Ordering::Relaxed);
}

/// A `Py_buffer` just filled and not yet checked: released if dropped.
struct Filled<'v>(&'v mut ffi::Py_buffer);

impl Filled<'_> {
    /// What getargs.c does not check and a slice needs: a length that is
    /// not negative, memory that is there, memory given for writing when
    /// asked for, and no exception left set by the exporter.
    fn check(&self, py: Python<'_>, obj: *mut ffi::PyObject, writable: bool) -> Result<()> {
        // SAFETY: GIL held; reads the thread state's indicator.
        if !unsafe { ffi::PyErr_Occurred() }.is_null() {
            return Err(Error::result_with_exception_set(py, "PyObject_GetBuffer"));
        }
        let (buf, len, readonly) = (self.0.buf, self.0.len, self.0.readonly);
        let problem = if len < 0 {
            "a negative length"
        } else if buf.is_null() && len != 0 {
            "a NULL pointer"
        } else if writable && readonly != 0 {
            "read-only memory for PyBUF_WRITABLE"
        } else {
            return Ok(());
        };
        // SAFETY: a valid object (the caller's), GIL held; the name is
        // copied at once.
        let type_name = unsafe { std::ffi::CStr::from_ptr(ffi::Py_TYPE_NAME(obj)) }
            .to_string_lossy()
            .into_owned();
        Err(Error::new(
            ExceptionType::SystemError,
            format!(
                "PyObject_GetBuffer: the exporter of '{type_name}' gave {problem} (length {len})"
            ),
        ))
    }
}

impl Drop for Filled<'_> {
    fn drop(&mut self) {
        // SAFETY: filled by PyObject_GetBuffer and not yet released; the GIL
        // is held (fill's contract). Reserved gives the count back.
        unsafe { ffi::PyBuffer_Release(self.0) };
    }
}

#[cold]
fn too_many_exports(live: u32) -> Error {
    Error::new(
        ExceptionType::BufferError,
        format!(
            "legacy-buffer holds {live} buffer views already and takes no more, so that no \
             exporter's export counter can overflow (were views leaked?)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::Args;
    use crate::gil::with_gil;
    use crate::py_format;

    /// An export beyond the limit is refused, and one given back makes room.
    #[test]
    fn views_beyond_the_limit_are_refused() {
        with_gil(|py| {
            let tuple = py.eval("(bytearray(b'abc'),)").unwrap();
            let args = Args::from_tuple(&tuple).unwrap();
            // The GIL is held throughout and nothing below runs bytecode
            // (which could hand it to another thread): no other view is
            // made or dropped meanwhile.
            let before = LIVE_EXPORTS.load(Ordering::Relaxed);
            LIVE_EXPORTS.store(MAX_EXPORTS - 1, Ordering::Relaxed);
            let (last,): (crate::buffer::Buffer<'_>,) = args.parse(py_format!("s*")).unwrap();
            assert_eq!(LIVE_EXPORTS.load(Ordering::Relaxed), MAX_EXPORTS);
            let e = args
                .parse::<(crate::buffer::Buffer<'_>,), _>(py_format!("s*"))
                .unwrap_err();
            assert_eq!(e.type_name(), "BufferError");
            assert!(e
                .message()
                .starts_with("legacy-buffer holds 1073741823 buffer views"));
            // SAFETY: GIL held.
            assert!(unsafe { ffi::PyErr_Occurred() }.is_null());
            drop(last);
            let (again,): (crate::buffer::Buffer<'_>,) = args.parse(py_format!("w*")).unwrap();
            drop(again);
            assert_eq!(LIVE_EXPORTS.load(Ordering::Relaxed), MAX_EXPORTS - 1);
            LIVE_EXPORTS.store(before, Ordering::Relaxed);
        })
    }
}
