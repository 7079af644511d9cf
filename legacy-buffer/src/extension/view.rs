//! [`View`]: the memory `PyArg_ParseTuple`'s `s*`, `z*` and `w*` give, a
//! `Py_buffer` of the new buffer protocol held until dropped.

use crate::buffer::{Buffer, BufferKind, ReadOnlyCell};
use crate::error::{Error, ExceptionType, Result};
use crate::ffi;
use crate::gil::Python;
use crate::scope::{exclusive, not_writable, run, shared, MAX_LENT};
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering};

/// The most new-protocol views this crate holds at once, leaked ones
/// included: so that its exports can never wrap an exporter's counter,
/// which may be a C `int` (bytearray's, third-party types'). Half the
/// range, as for borrows: the exports others take still have a billion to
/// count.
pub(crate) const MAX_VIEWS: u32 = (i32::MAX / 2) as u32;

/// How many new-protocol views of this crate are alive (or leaked). Changed
/// only with the GIL held (a view is made and dropped under it), which
/// orders the accesses; atomic only to be a `static`.
static LIVE_VIEWS: AtomicU32 = AtomicU32::new(0);

/// The memory `PyArg_ParseTuple`'s `s*`, `z*` or `w*` gave for an argument,
/// held until dropped: what the C parser's `Py_buffer` is, with
/// `PyBuffer_Release` done by `Drop`.
///
/// An exporter of the new buffer protocol (`bytearray`, `memoryview`,
/// ctypes, third-party types) keeps the memory in place while the view
/// lives, as the protocol requires: a `bytearray` refuses to resize
/// (`BufferError`). Python code may still write it, so it is seen through
/// cells ([`as_cells`](View::as_cells), [`as_write_cells`](View::as_write_cells)),
/// as a [`Buffer`] of [`BufferKind::Pinned`] memory is. A `str`, or a
/// `unicode` given to `s*` (its default encoding, which it keeps), is
/// immutable: [`as_bytes`](View::as_bytes). An exporter of the old protocol
/// only (`array.array`, `mmap`, a `buffer` object) is read through it, as
/// getargs.c does, and nothing holds its memory in place: it is seen only
/// through copies, asked again each time, or in a no-Python scope
/// ([`with_bytes`](View::with_bytes), [`with_bytes_mut`](View::with_bytes_mut)).
///
/// On PyPy no export pins anything (cpyext's `bytearray` resizes under one):
/// a new-protocol view is `Unpinned` there, seen through copies or in a
/// no-Python scope, and each use of its memory takes a fresh export, of
/// which the view keeps the last four (a scope lends at most four buffers)
/// until it is dropped.
///
/// A view borrows the argument tuple (`'a`), which cannot outlive the GIL;
/// it is neither `Send` nor `Sync`. Leaking one (`mem::forget`) leaks an
/// export of its exporter: this crate counts its live views and refuses
/// (`BufferError`) to take more than 2³⁰ − 1, so that no exporter's counter
/// can overflow through it.
///
/// ```
/// use legacy_buffer::extension::{Args, View};
/// use legacy_buffer::{py_format, with_gil, BufferKind};
///
/// with_gil(|py| -> legacy_buffer::Result<()> {
///     py.run("view_args = (bytearray('abc'),)")?;
///     let tuple = py.eval("view_args")?;
///     let args = Args::from_tuple(&tuple)?;
///     let (data,): (View<'_>,) = args.parse(py_format!("w*:f"))?;
///     assert_eq!(data.kind(), BufferKind::Pinned);
///     data.as_write_cells().unwrap()[0].set(b'X');
///     // Pinned: the bytearray cannot be resized while the view lives.
///     let e = py.run("view_args[0].extend('more')").unwrap_err();
///     assert_eq!(e.type_name(), "BufferError");
///     drop(data);
///     py.run("view_args[0].extend('!')")?;
///     assert_eq!(tuple.repr()?, "(bytearray(b'Xbc!'),)");
///     Ok(())
/// })?;
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
pub struct View<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    /// What getargs.c fills a `Py_buffer` with itself: a str, a unicode's
    /// default encoding, or an exporter of the old protocol only.
    Filled(Buffer<'a>),
    /// `PyObject_GetBuffer`'s, released on drop.
    Exported {
        /// Boxed: the exporter may keep its address until released.
        view: Box<ffi::Py_buffer>,
        /// The memory, checked: not NULL (dangling if empty).
        ptr: *mut u8,
        len: usize,
        /// Asked for with `PyBUF_WRITABLE` (`w*`).
        writable: bool,
        /// The exporter, alive for `'a`.
        obj: *mut ffi::PyObject,
        /// PyPy only: the exports taken again since, the newest last, at
        /// most [`MAX_LENT`] (see [`View::current`]); released on drop.
        /// Boxed, as `view`: an exporter may keep a `Py_buffer`'s address.
        #[allow(clippy::vec_box)]
        again: RefCell<Vec<Box<ffi::Py_buffer>>>,
        _borrow: PhantomData<&'a ()>,
    },
}

/// Why [`View::export`] gave no view.
pub(crate) enum ExportFailure {
    /// `PyObject_GetBuffer` failed: its exception is set.
    Refused,
    /// The memory is not C-contiguous (the view was released).
    NotContiguous,
    /// This crate refused, or the exporter misbehaved: no exception set.
    Error(Error),
}

impl<'a> View<'a> {
    /// A view of what getargs.c fills a `Py_buffer` with without the new
    /// protocol.
    pub(crate) fn filled(buffer: Buffer<'a>) -> View<'a> {
        View {
            inner: Inner::Filled(buffer),
        }
    }

    /// `PyObject_GetBuffer(obj, flags)`, `flags` being `PyBUF_WRITABLE` if
    /// `writable`, else `PyBUF_SIMPLE`, and getargs.c's contiguity check.
    ///
    /// # Safety
    ///
    /// `obj` is a valid object that stays alive for `'a`, and the GIL is
    /// held for `'a`.
    pub(crate) unsafe fn export(
        obj: *mut ffi::PyObject,
        writable: bool,
    ) -> std::result::Result<View<'a>, ExportFailure> {
        // SAFETY: this function's contract.
        let (view, ptr, len) = unsafe { export_raw(obj, writable)? };
        Ok(View {
            inner: Inner::Exported {
                view,
                ptr,
                len,
                writable,
                obj,
                again: RefCell::new(Vec::new()),
                _borrow: PhantomData,
            },
        })
    }

    /// PyPy: `obj`'s memory as a fresh export gives it now, the export kept
    /// (with the [`MAX_LENT`] latest) until the view is dropped.
    #[cold]
    #[allow(clippy::vec_box)] // boxed: see `Inner::Exported::again`
    fn export_again(
        obj: *mut ffi::PyObject,
        writable: bool,
        again: &RefCell<Vec<Box<ffi::Py_buffer>>>,
    ) -> Result<(*mut u8, usize)> {
        // SAFETY: a view exists only under the GIL, and `obj` is alive
        // while it does.
        let (view, ptr, len) = match unsafe { export_raw(obj, writable) } {
            Ok(fresh) => fresh,
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
            let mut again = again.borrow_mut();
            again.push(view);
            (again.len() > MAX_LENT).then(|| again.remove(0))
        };
        if let Some(mut oldest) = oldest {
            // SAFETY: an export this view took and has not released; no
            // scope lends it (it is not among the MAX_LENT latest). GIL held.
            unsafe { ffi::PyBuffer_Release(&mut *oldest) };
            Reserved::give_back();
        }
        Ok((ptr, len))
    }

    /// The length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::Filled(buffer) => buffer.len(),
            Inner::Exported { len, .. } => *len,
        }
    }

    /// Whether [`len`](View::len) is 0.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the memory was given for writing (`w*`).
    #[inline]
    pub fn is_writable(&self) -> bool {
        match &self.inner {
            Inner::Filled(buffer) => buffer.is_writable(),
            Inner::Exported { writable, .. } => *writable,
        }
    }

    /// The `readonly` flag of the C parser's `Py_buffer`: the exporter's
    /// for a new-protocol view, and set for the ones getargs.c fills itself
    /// (even for `w*` on an old-protocol exporter, as it does).
    #[inline]
    pub fn readonly(&self) -> bool {
        match &self.inner {
            Inner::Filled(_) => true,
            Inner::Exported { view, .. } => view.readonly != 0,
        }
    }

    /// How far the memory can be trusted: `Immutable` (a `str`, a
    /// `unicode`'s default encoding, a `buffer` over those), `Pinned` (a
    /// new-protocol export), or `Unpinned` (an old-protocol exporter).
    #[inline]
    pub fn kind(&self) -> BufferKind {
        match &self.inner {
            Inner::Filled(buffer) => buffer.kind(),
            // An export pins nothing on PyPy.
            Inner::Exported { .. } if ffi::PYPY => BufferKind::Unpinned,
            Inner::Exported { .. } => BufferKind::Pinned,
        }
    }

    /// The bytes, zero-copy, for an `Immutable` view; `None` otherwise.
    /// The slice lives as long as the argument, not just the view.
    #[inline]
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match &self.inner {
            Inner::Filled(buffer) => buffer.as_bytes(),
            Inner::Exported { .. } => None,
        }
    }

    /// The bytes as read-only cells, zero-copy, for `Immutable` and
    /// `Pinned` views; `None` for `Unpinned` ones.
    #[inline]
    pub fn as_cells(&self) -> Option<&[ReadOnlyCell<u8>]> {
        match &self.inner {
            Inner::Filled(buffer) => buffer.as_cells(),
            Inner::Exported { .. } if ffi::PYPY => None,
            Inner::Exported { ptr, len, .. } => {
                // SAFETY: in place until the view is released (self drops);
                // ReadOnlyCell<u8> has u8's layout, tolerating Python's writes.
                Some(unsafe { std::slice::from_raw_parts(ptr.cast::<ReadOnlyCell<u8>>(), *len) })
            }
        }
    }

    /// The bytes as writable cells, zero-copy, for a `Pinned` view taken
    /// with `w*`; `None` otherwise.
    #[inline]
    pub fn as_write_cells(&self) -> Option<&[Cell<u8>]> {
        match &self.inner {
            Inner::Exported { .. } if ffi::PYPY => None,
            Inner::Exported {
                ptr,
                len,
                writable: true,
                ..
            } => {
                // SAFETY: as in as_cells; given for writing (PyBUF_WRITABLE,
                // checked); Cell<u8> allows Python's and other cells' writes.
                Some(unsafe { std::slice::from_raw_parts(ptr.cast::<Cell<u8>>(), *len) })
            }
            _ => None,
        }
    }

    /// The bytes as a plain slice, whatever the kind, as the C parser's
    /// `Py_buffer` gives them.
    ///
    /// # Safety
    ///
    /// As [`Buffer::as_slice_unchecked`]: for as long as the slice lives, no
    /// Python code may write the memory, and for an `Unpinned` view none
    /// may run at all since the parse.
    pub unsafe fn as_slice_unchecked(&self) -> &[u8] {
        match &self.inner {
            // SAFETY: the caller's promise, passed on.
            Inner::Filled(buffer) => unsafe { buffer.as_slice_unchecked() },
            // SAFETY: exported memory, in place while the view lives; no
            // writes meanwhile is the caller's promise.
            Inner::Exported { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }

    /// The memory as valid right now (an `Unpinned` view asks its exporter
    /// again: on PyPy, an export takes a fresh one), and whether it was
    /// given for writing. Valid until Python code runs, or (on PyPy) until
    /// [`MAX_LENT`] more are asked for.
    pub(crate) fn current(&self) -> Result<(*mut u8, usize, bool)> {
        match &self.inner {
            Inner::Filled(buffer) => {
                let (ptr, len) = buffer.current()?;
                Ok((ptr, len, buffer.is_writable()))
            }
            Inner::Exported {
                obj,
                writable,
                again,
                ..
            } if ffi::PYPY => {
                let (ptr, len) = View::export_again(*obj, *writable, again)?;
                Ok((ptr, len, *writable))
            }
            Inner::Exported {
                ptr, len, writable, ..
            } => Ok((*ptr, *len, *writable)),
        }
    }

    /// Whom [`current`](View::current) asks, and how (see
    /// [`Buffer`]'s): an old-protocol exporter's function, or on PyPy a
    /// fresh export.
    pub(crate) fn asked(&self) -> Option<crate::buffer::Asked> {
        match &self.inner {
            Inner::Filled(buffer) => buffer.asked(),
            Inner::Exported { obj, writable, .. } if ffi::PYPY => Some(crate::buffer::Asked {
                obj: *obj,
                how: crate::buffer::Asked::export(*writable),
            }),
            Inner::Exported { .. } => None,
        }
    }

    /// A copy of the bytes; an `Unpinned` view asks its exporter again
    /// (see [`Buffer::to_vec`]).
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Filled(buffer) => buffer.to_vec(),
            Inner::Exported { .. } => self.with_bytes(<[u8]>::to_vec),
        }
    }

    /// Run `f` over the memory as a plain `&[u8]`, zero-copy, whatever the
    /// view's kind, in a no-Python scope (see [`no_python`](crate::no_python)).
    /// An `Unpinned` view asks its exporter for the memory again first.
    #[inline]
    pub fn with_bytes<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s [u8]) -> R + Send,
    {
        match &self.inner {
            Inner::Filled(buffer) => buffer.with_bytes(f),
            Inner::Exported { .. } => {
                let (ptr, len, _) = self.current()?;
                // SAFETY: a view exists only under the GIL.
                let py = unsafe { Python::assume_gil_acquired() };
                // SAFETY: exported memory, in place while the view lives; no
                // Python code runs until `f` returns.
                Ok(run(py, || f(unsafe { shared(ptr, len) })))
            }
        }
    }

    /// Run `f` over the memory as a `&mut [u8]`, zero-copy, in a no-Python
    /// scope. Fails with `TypeError` unless the view came from `w*`.
    #[inline]
    pub fn with_bytes_mut<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> R + Send,
    {
        match &self.inner {
            Inner::Filled(buffer) => buffer.with_bytes_mut(f),
            Inner::Exported { writable: true, .. } => {
                let (ptr, len, _) = self.current()?;
                // SAFETY: a view exists only under the GIL.
                let py = unsafe { Python::assume_gil_acquired() };
                // SAFETY: as in with_bytes; given for writing, and the only
                // slice lent to this scope.
                Ok(run(py, || f(unsafe { exclusive(ptr, len) })))
            }
            Inner::Exported { .. } => Err(not_writable()),
        }
    }
}

impl Drop for View<'_> {
    fn drop(&mut self) {
        if let Inner::Exported { view, again, .. } = &mut self.inner {
            // SAFETY: a Py_buffer PyObject_GetBuffer filled, released once;
            // the GIL is held while a view lives.
            unsafe { ffi::PyBuffer_Release(&mut **view) };
            Reserved::give_back();
            for mut view in again.take() {
                // SAFETY: as above, for the exports taken again (PyPy).
                unsafe { ffi::PyBuffer_Release(&mut *view) };
                Reserved::give_back();
            }
        }
    }
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("kind", &self.kind())
            .field("len", &self.len())
            .field("writable", &self.is_writable())
            .field("readonly", &self.readonly())
            .finish()
    }
}

/// `PyObject_GetBuffer(obj, flags)` as [`View::export`] takes it: the
/// filled `Py_buffer` (counted in [`LIVE_VIEWS`], to be released and given
/// back), its memory (not NULL: dangling if empty) and its length.
///
/// # Safety
///
/// `obj` is a valid object and the GIL is held.
unsafe fn export_raw(
    obj: *mut ffi::PyObject,
    writable: bool,
) -> std::result::Result<(Box<ffi::Py_buffer>, *mut u8, usize), ExportFailure> {
    // SAFETY: the GIL is held (this function's contract).
    let py = unsafe { Python::assume_gil_acquired() };
    // Counted before the exporter runs (its procs may run Python code,
    // which may take views too), and given back on failure.
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
    let mut view = Box::<ffi::Py_buffer>::default();
    // SAFETY: a valid object, GIL held; `view` is writable memory for a
    // Py_buffer, which stays at this address until released.
    if unsafe { ffi::PyObject_GetBuffer(obj, &mut *view, flags as libc::c_int) } < 0 {
        return Err(ExportFailure::Refused);
    }
    // From here on `exported` releases the view if it is dropped.
    let mut exported = Exported(view);
    // SAFETY: a Py_buffer PyObject_GetBuffer filled.
    if unsafe { ffi::PyBuffer_IsContiguous(&mut *exported.0, b'C' as libc::c_char) } == 0 {
        return Err(ExportFailure::NotContiguous);
    }
    if let Err(e) = exported.check(py, obj, writable) {
        return Err(ExportFailure::Error(e));
    }
    let (buf, len) = (exported.0.buf, exported.0.len);
    // Checked: not negative, and NULL only if empty.
    let ptr = if buf.is_null() {
        std::ptr::NonNull::dangling().as_ptr()
    } else {
        buf.cast()
    };
    std::mem::forget(reserved);
    Ok((exported.into_inner(), ptr, len as usize))
}

/// One view counted in [`LIVE_VIEWS`], given back if dropped (forgotten
/// once the view is made, whose drop gives it back).
struct Reserved;

impl Reserved {
    /// Count one more view, unless that would pass [`MAX_VIEWS`]. Only
    /// with the GIL held.
    fn take() -> Result<Reserved> {
        let live = LIVE_VIEWS.load(Ordering::Relaxed);
        if live >= MAX_VIEWS {
            return Err(too_many_views(live));
        }
        LIVE_VIEWS.store(live + 1, Ordering::Relaxed);
        Ok(Reserved)
    }

    /// Count one view fewer. Only with the GIL held.
    fn give_back() {
        let live = LIVE_VIEWS.load(Ordering::Relaxed);
        LIVE_VIEWS.store(live - 1, Ordering::Relaxed);
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        Reserved::give_back();
    }
}

/// A filled `Py_buffer` not yet given to a [`View`]: released if dropped.
struct Exported(Box<ffi::Py_buffer>);

impl Exported {
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

    fn into_inner(self) -> Box<ffi::Py_buffer> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: read once out of a value that is never dropped.
        unsafe { std::ptr::read(&this.0) }
    }
}

impl Drop for Exported {
    fn drop(&mut self) {
        // SAFETY: filled by PyObject_GetBuffer and not yet released; the GIL
        // is held (View::export's contract).
        unsafe { ffi::PyBuffer_Release(&mut *self.0) };
    }
}

#[cold]
fn too_many_views(live: u32) -> Error {
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
    use crate::{py_format, with_gil};

    /// A view beyond the limit is refused, and one given back makes room.
    #[test]
    fn views_beyond_the_limit_are_refused() {
        with_gil(|py| {
            let tuple = py.eval("(bytearray('abc'),)").unwrap();
            let args = Args::from_tuple(&tuple).unwrap();
            // The GIL is held throughout and nothing below runs bytecode
            // (which could hand it to another thread): no other view is
            // made or dropped meanwhile.
            let before = LIVE_VIEWS.load(Ordering::Relaxed);
            LIVE_VIEWS.store(MAX_VIEWS - 1, Ordering::Relaxed);
            let (last,): (View<'_>,) = args.parse(py_format!("s*")).unwrap();
            assert_eq!(LIVE_VIEWS.load(Ordering::Relaxed), MAX_VIEWS);
            let e = args.parse::<(View<'_>,), _>(py_format!("s*")).unwrap_err();
            assert_eq!(e.type_name(), "BufferError");
            assert!(e
                .message()
                .starts_with("legacy-buffer holds 1073741823 buffer views"));
            // SAFETY: GIL held.
            assert!(unsafe { ffi::PyErr_Occurred() }.is_null());
            drop(last);
            let (again,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
            drop(again);
            assert_eq!(LIVE_VIEWS.load(Ordering::Relaxed), MAX_VIEWS - 1);
            LIVE_VIEWS.store(before, Ordering::Relaxed);
        })
    }
}
