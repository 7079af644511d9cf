//! [`Buffer`]: an object's memory, borrowed through the old buffer protocol
//! or exported through the new one, and seen only in forms that stay sound
//! whatever Python does meanwhile.

use crate::error::{Error, ExceptionType, Result};
use crate::export::{Export, ExportFailure};
use crate::object::Object;
use legacy_buffer_sys as ffi;
use std::cell::{Cell, UnsafeCell};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::mem::MaybeUninit;

/// Which of the old protocol's functions a borrow went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Char = ffi::LBSYS_CHAR as isize,
    Read = ffi::LBSYS_READ as isize,
    Write = ffi::LBSYS_WRITE as isize,
}

/// How far the memory of a [`Buffer`] can be trusted; see the crate
/// documentation for which types give which (on PyPy, only an exact `str`
/// is `Immutable`, and nothing is `Pinned`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferKind {
    /// Memory Python never changes or frees while the object lives (`str`,
    /// `unicode`, `buffer` over those): available as a plain `&[u8]`.
    Immutable,
    /// Memory pinned through the new buffer protocol (`bytearray`): it cannot
    /// move or be freed while the [`Buffer`] lives, but Python code may still
    /// write to it, so it is seen through cells.
    Pinned,
    /// Memory nothing keeps in place (`array.array`, `mmap`, ctypes, other C
    /// types): Python code can resize, move or unmap it at any time. Safe
    /// access copies, asking the object for its memory again each time.
    Unpinned,
}

/// An exporter asked for its memory as a buffer is lent: the object, and
/// how (the old protocol's function, or a new-protocol export). Two equal
/// ones give the same memory, asked once.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub(crate) obj: *mut ffi::PyObject,
    pub(crate) how: u8,
}

impl Asked {
    /// How a new-protocol export is asked again (`Unpinned`), beside the old
    /// protocol's [`Mode`]s.
    pub(crate) const fn export(writable: bool) -> u8 {
        3 + writable as u8
    }
}

/// An object's memory, borrowed through the old buffer protocol
/// ([`Object::char_buffer`], [`Object::read_buffer`],
/// [`Object::write_buffer`], and `PyArg_ParseTuple`'s `s#`, `t#`, `w#`), or
/// exported through the new one (`s*`, `z*`, `w*` on an exporter that has
/// it: a `Py_buffer`, released when the `Buffer` drops, as the C parser's
/// caller calls `PyBuffer_Release`).
///
/// It borrows the object (`'a`), which in turn cannot outlive the GIL, so
/// neither can the buffer or anything taken from it. Neither `Send` nor
/// `Sync`.
///
/// What it gives depends on its [`kind`](Buffer::kind):
///
/// | method | `Immutable` | `Pinned` | `Unpinned` |
/// | --- | --- | --- | --- |
/// | [`as_bytes`](Buffer::as_bytes) `&'a [u8]` | yes | no | no |
/// | [`as_cells`](Buffer::as_cells) `&[ReadOnlyCell<u8>]` | yes | yes | no |
/// | [`as_write_cells`](Buffer::as_write_cells) `&[Cell<u8>]` | no | if writable | no |
/// | [`to_vec`](Buffer::to_vec), [`read_at`](Buffer::read_at) | yes | yes | yes (asks again) |
/// | [`write_at`](Buffer::write_at) | no | if writable | if writable (asks again) |
/// | [`with_bytes`](Buffer::with_bytes) `&[u8]` in a no-Python scope | yes | yes | yes (asks again) |
/// | [`with_bytes_mut`](Buffer::with_bytes_mut) `&mut [u8]` in a no-Python scope | no | if writable | if writable (asks again) |
///
/// A new-protocol export keeps the memory in place while the buffer lives
/// where the exporter honours it — a `bytearray` refuses to resize
/// (`BufferError`), and so, on Python 3, do `array.array` and `mmap` — and
/// the buffer is `Pinned`. Where the exporter does not (ctypes, whose
/// `resize()` reallocates under an export; a Python class's `__buffer__`;
/// everything on PyPy, whose `bytearray` resizes under one), the export is
/// `Unpinned`, and each use of its memory takes a fresh export, of which
/// the buffer keeps the last four (a scope lends at most four buffers)
/// until it is dropped. Leaking a buffer
/// (`mem::forget`) leaks its pin or export: this crate counts both and
/// refuses (`BufferError`) to take more than 2³⁰ − 1, so that no
/// exporter's counter can overflow through it.
///
/// ```
/// use legacy_buffer::extension::Args;
/// use legacy_buffer::{py_format, with_gil, Buffer, BufferKind};
///
/// with_gil(|py| -> legacy_buffer::Result<()> {
///     py.run("view_args = (bytearray(b'abc'),)")?;
///     let tuple = py.eval("view_args")?;
///     let args = Args::from_tuple(&tuple)?;
///     let (data,): (Buffer<'_>,) = args.parse(py_format!("w*:f"))?;
///     assert_eq!(data.kind(), BufferKind::Pinned);
///     data.as_write_cells().unwrap()[0].set(b'X');
///     // Exported: the bytearray cannot be resized while the buffer lives.
///     let e = py.run("view_args[0].extend(b'more')").unwrap_err();
///     assert_eq!(e.type_name(), "BufferError");
///     drop(data);
///     py.run("view_args[0].extend(b'!')")?;
///     assert_eq!(tuple.repr()?, "(bytearray(b'Xbc!'),)");
///     Ok(())
/// })?;
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
pub struct Buffer<'a> {
    obj: *mut ffi::PyObject,
    ptr: *mut u8,
    len: usize,
    mode: Mode,
    kind: BufferKind,
    /// What holds the memory besides the object: nothing (`Immutable`,
    /// `Unpinned` old-protocol memory), a pin (`Pinned` and no export: see
    /// `Drop`), or a new-protocol export. Dropped by hand (`Drop`), so that
    /// a buffer without one calls nothing to drop it.
    export: ManuallyDrop<Option<Box<Export>>>,
    _borrow: PhantomData<&'a ()>,
}

impl<'py> Object<'py> {
    /// `PyObject_CheckReadBuffer`: whether the object offers a single-segment
    /// readable buffer.
    ///
    /// Unlike the C function, never leaves an exception set (on a closed
    /// `mmap` the C function returns 0 with a `ValueError` pending).
    pub fn check_read_buffer(&self) -> bool {
        // SAFETY: valid object, GIL held ('py).
        let ok = unsafe { ffi::PyObject_CheckReadBuffer(self.as_ptr()) } != 0;
        // SAFETY: GIL held.
        unsafe {
            if !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
            }
        }
        ok
    }

    /// `PyObject_CheckBuffer`: whether the object offers the new buffer
    /// protocol (`bytearray`, `str`, `memoryview`, ...). A borrow is pinned
    /// only where that protocol locks the exporter; see [`BufferKind`].
    pub fn supports_new_buffer(&self) -> bool {
        // SAFETY: valid object, GIL held ('py); a flag and slot test only.
        unsafe { ffi::PyObject_CheckBuffer(self.as_ptr()) != 0 }
    }

    /// `PyObject_AsCharBuffer`: the object's memory as character data.
    ///
    /// For `unicode` this is the string encoded with the default encoding
    /// (ASCII unless `sys.setdefaultencoding` changed it), which may fail
    /// with `UnicodeEncodeError`; the encoded string is cached in the unicode
    /// object, so the borrow is still zero-copy and immutable.
    #[inline]
    pub fn char_buffer(&self) -> Result<Buffer<'_>> {
        Buffer::borrow(self, Mode::Char)
    }

    /// `PyObject_AsReadBuffer`: the object's memory as bytes.
    ///
    /// For `unicode` this is the raw `Py_UNICODE` storage:
    /// [`ffi::PY_UNICODE_SIZE`] bytes per character (4 on UCS4 builds such as
    /// Debian's), in native byte order.
    #[inline]
    pub fn read_buffer(&self) -> Result<Buffer<'_>> {
        Buffer::borrow(self, Mode::Read)
    }

    /// `PyObject_AsWriteBuffer`: the object's memory, writable.
    #[inline]
    pub fn write_buffer(&self) -> Result<Buffer<'_>> {
        Buffer::borrow(self, Mode::Write)
    }
}

const KIND_IMMUTABLE: libc::c_int = ffi::LBSYS_IMMUTABLE as libc::c_int;
const KIND_PINNED: libc::c_int = ffi::LBSYS_PINNED as libc::c_int;
/// Python 3: the memory is to be held by an export (exporter3.c).
const TAKE_EXPORT: libc::c_int = ffi::LBSYS_TAKE_EXPORT;
/// A proc succeeded with an exception set.
const STRAY: libc::c_int = ffi::LBSYS_STRAY;
/// A proc gave a NULL pointer with a length.
const NULL_WITH_LENGTH: libc::c_int = ffi::LBSYS_NULL_WITH_LENGTH;

/// The error for a failed borrow or ask-again (`rc` < 0 from legacy-buffer-sys's exporter.c;
/// `len` is what it stored for [`NULL_WITH_LENGTH`]).
///
/// - [`STRAY`]: the exporter's proc succeeded but left an exception set (a
///   C bug that CPython's own functions pass on): a `SystemError` naming
///   the exporter, made from the stray exception (fetched, so none is left
///   set).
/// - [`NULL_WITH_LENGTH`]: the C function would "succeed" with memory that
///   is not there: a `SystemError`, never a slice.
/// - Otherwise the exception the call raised (or a `SystemError` saying it
///   raised none).
#[cold]
#[inline(never)]
pub(crate) fn failed(
    py: crate::gil::Python<'_>,
    obj: *mut ffi::PyObject,
    mode: Mode,
    rc: libc::c_int,
    len: ffi::Py_ssize_t,
) -> Error {
    // SAFETY: obj is a valid object (borrowed by the caller), GIL held; the
    // name is copied at once.
    let type_name = unsafe { std::ffi::CStr::from_ptr(ffi::Py_TYPE_NAME(obj)) }
        .to_string_lossy()
        .into_owned();
    match rc {
        NULL_WITH_LENGTH => Error::new(
            ExceptionType::SystemError,
            format!("buffer exporter of '{type_name}' returned a NULL pointer with length {len}"),
        ),
        STRAY => {
            let cause = Error::fetch(py, mode.c_name());
            Error::new(
                ExceptionType::SystemError,
                format!(
                    "{}: the buffer exporter of '{type_name}' succeeded but left an exception \
                     set ({cause})",
                    mode.c_name()
                ),
            )
            .caused_by(cause)
        }
        _ => Error::fetch(py, mode.c_name()),
    }
}

impl<'a> Buffer<'a> {
    #[inline]
    pub(crate) fn borrow(obj: &'a Object<'_>, mode: Mode) -> Result<Buffer<'a>> {
        let borrow = match mode {
            Mode::Char => ffi::lbsys_borrow_char,
            Mode::Read => ffi::lbsys_borrow_read,
            Mode::Write => ffi::lbsys_borrow_write,
        };
        let mut ptr = MaybeUninit::uninit();
        let mut len = MaybeUninit::uninit();
        // SAFETY: obj is valid and the GIL held for as long as `obj` is
        // borrowed; the out-pointers are valid for writes.
        let kind = unsafe { borrow(obj.as_ptr(), ptr.as_mut_ptr(), len.as_mut_ptr()) };
        let kind = match kind {
            KIND_IMMUTABLE => BufferKind::Immutable,
            KIND_PINNED => BufferKind::Pinned,
            TAKE_EXPORT => return Buffer::borrow_export(obj, mode),
            rc if rc < 0 => {
                // Stored for NULL_WITH_LENGTH, the one failure that reads it;
                // 0 stands in otherwise.
                let len = if rc == NULL_WITH_LENGTH {
                    // SAFETY: exporter.c stored it for this failure.
                    unsafe { len.assume_init() }
                } else {
                    0
                };
                return Err(failed(obj.py(), obj.as_ptr(), mode, rc, len));
            }
            _ => BufferKind::Unpinned,
        };
        // SAFETY: on success exporter.c stored both: a pointer that is not
        // NULL (dangling for an empty buffer) and a length that is not
        // negative.
        let (ptr, len) = unsafe { (ptr.assume_init(), len.assume_init()) };
        Ok(Buffer::held(
            obj.as_ptr(),
            ptr.cast(),
            len as usize,
            mode,
            kind,
            None,
        ))
    }

    /// Python 3: the memory the old protocol's function for `mode` gives,
    /// held by the new-protocol export that function takes (and releases
    /// before returning, which a borrow does only when dropped): `Pinned`
    /// where that export keeps the memory in place, `Unpinned` otherwise
    /// (see [`Buffer::export`]).
    /// Fails as the C function does: with what `PyObject_GetBuffer` raised
    /// for the char and read functions, with `TypeError` "expected a
    /// writable bytes-like object" for the write function.
    #[cold]
    #[inline(never)]
    fn borrow_export(obj: &'a Object<'_>, mode: Mode) -> Result<Buffer<'a>> {
        // SAFETY: obj is valid and the GIL held for as long as `obj` is
        // borrowed ('a).
        match unsafe { Buffer::export(obj.as_ptr(), mode == Mode::Write) } {
            Ok(mut buffer) => {
                buffer.mode = mode;
                Ok(buffer)
            }
            Err(failure) => Err(export_error(obj, mode, failure)),
        }
    }

    /// A buffer of memory exporter.c gave for `obj` through another door
    /// than [`Buffer::borrow`] (PyArg_ParseTuple's `s#`, `t#`, `w#`, and
    /// `s*`, `z*`, `w*` filled from the old protocol): re-asked, if
    /// `Unpinned`, with `mode`'s C function.
    ///
    /// # Safety
    ///
    /// `obj` stays alive for `'a` and the GIL is held for `'a`; `ptr`/`len`
    /// are what exporter.c stored on success (not NULL, not negative), for
    /// memory `kind` describes truthfully; `kind` is not `Pinned` (nothing
    /// would unpin it but [`Drop`], which unpins bytearrays only).
    #[inline]
    pub(crate) unsafe fn from_exporter(
        obj: *mut ffi::PyObject,
        ptr: *mut libc::c_void,
        len: ffi::Py_ssize_t,
        mode: Mode,
        kind: BufferKind,
    ) -> Buffer<'a> {
        debug_assert!(kind != BufferKind::Pinned && !ptr.is_null() && len >= 0);
        Buffer::held(obj, ptr.cast(), len as usize, mode, kind, None)
    }

    /// `PyObject_GetBuffer(obj, flags)` as `s*`/`z*` (`PyBUF_SIMPLE`) or
    /// `w*` (`PyBUF_WRITABLE`) take it, with getargs.c's contiguity check:
    /// `Pinned` where the export keeps the memory in place
    /// (`lbsys_export_pins`), `Unpinned` (exported again for each use)
    /// elsewhere, and always on PyPy.
    ///
    /// # Safety
    ///
    /// `obj` is a valid object that stays alive for `'a`, and the GIL is
    /// held for `'a`.
    #[inline]
    pub(crate) unsafe fn export(
        obj: *mut ffi::PyObject,
        writable: bool,
    ) -> std::result::Result<Buffer<'a>, ExportFailure> {
        // Asked right before the export, nothing run in between (it may
        // run Python code itself, before it reads the exporter's proc): an
        // export keeps the memory in place only where the exporter's
        // bf_getbuffer promises it (bytearray, array, mmap, types defined
        // in Rust, a memoryview of those; not ctypes, whose resize()
        // reallocates under an export); never on PyPy.
        // SAFETY: a valid object, GIL held (this function's contract).
        let pins = unsafe { ffi::lbsys_export_pins(obj) } != 0;
        // SAFETY: this function's contract.
        let (export, ptr, len) = unsafe { Export::take(obj, writable)? };
        let mode = if writable { Mode::Write } else { Mode::Read };
        let kind = if pins {
            BufferKind::Pinned
        } else {
            BufferKind::Unpinned
        };
        Ok(Buffer::held(obj, ptr, len, mode, kind, Some(export)))
    }

    /// The one place a `Buffer` is made: what its constructors checked.
    #[inline(always)]
    fn held(
        obj: *mut ffi::PyObject,
        ptr: *mut u8,
        len: usize,
        mode: Mode,
        kind: BufferKind,
        export: Option<Box<Export>>,
    ) -> Buffer<'a> {
        Buffer {
            obj,
            ptr,
            len,
            mode,
            kind,
            export: ManuallyDrop::new(export),
            _borrow: PhantomData,
        }
    }

    /// How far the memory can be trusted.
    #[inline]
    pub fn kind(&self) -> BufferKind {
        self.kind
    }

    /// The length in bytes, as the exporter gave it when borrowed (for an
    /// `Unpinned` buffer the object may have changed since).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether [`len`](Buffer::len) is 0.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the memory was given for writing: by
    /// [`Object::write_buffer`], or `w#` or `w*`.
    #[inline]
    pub fn is_writable(&self) -> bool {
        self.mode == Mode::Write
    }

    /// The `readonly` flag of the C parser's `Py_buffer`: the exporter's
    /// for a new-protocol export, and set for memory borrowed through the
    /// old protocol (getargs.c sets it for what it fills itself, even for
    /// `w*`; see [`is_writable`](Buffer::is_writable) for whether the
    /// memory may be written).
    #[inline]
    pub fn readonly(&self) -> bool {
        self.export
            .as_ref()
            .map_or(true, |export| export.readonly())
    }

    /// The bytes, zero-copy, for an `Immutable` buffer; `None` otherwise.
    ///
    /// The slice lives as long as the object borrow, not just this
    /// `Buffer`: immutable memory needs no release.
    #[inline]
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self.kind {
            BufferKind::Immutable => {
                // SAFETY: ptr/len were checked (non-NULL or
                // dangling-and-empty), and the memory is immutable and owned
                // by the object, which is borrowed for 'a.
                Some(unsafe { std::slice::from_raw_parts(self.ptr, self.len) })
            }
            _ => None,
        }
    }

    /// The bytes as read-only cells, zero-copy, for `Immutable` and `Pinned`
    /// buffers; `None` for `Unpinned` ones.
    ///
    /// Cells because Python code may write to pinned memory while the slice
    /// lives; a `&[u8]` there would be undefined behaviour.
    #[inline]
    pub fn as_cells(&self) -> Option<&[ReadOnlyCell<u8>]> {
        match self.kind {
            BufferKind::Immutable | BufferKind::Pinned => {
                // SAFETY: the memory stays in place while self lives (immutable,
                // or pinned); ReadOnlyCell<u8> has u8's layout, and its reads
                // tolerate writes by Python between them.
                let cells = unsafe {
                    std::slice::from_raw_parts(self.ptr.cast::<ReadOnlyCell<u8>>(), self.len)
                };
                Some(cells)
            }
            BufferKind::Unpinned => None,
        }
    }

    /// The bytes as writable cells, zero-copy, for a writable `Pinned`
    /// buffer; `None` otherwise.
    #[inline]
    pub fn as_write_cells(&self) -> Option<&[Cell<u8>]> {
        match self.kind {
            BufferKind::Pinned if self.mode == Mode::Write => {
                // SAFETY: pinned memory stays in place while self lives; the
                // exporter gave it for writing; Cell<u8> has u8's layout and
                // allows the aliasing writes Python or other cells may make.
                Some(unsafe { std::slice::from_raw_parts(self.ptr.cast::<Cell<u8>>(), self.len) })
            }
            _ => None,
        }
    }

    /// A new `str` of the bytes (`PyString_FromStringAndSize`), copied
    /// straight from the memory where it stays in place (`Immutable` and
    /// `Pinned`: the copy is C's `memcpy`, which Python code writing the
    /// memory meanwhile cannot make unsound, and none runs during it
    /// anyway), through [`to_vec`](Buffer::to_vec) otherwise.
    pub fn to_str<'py>(&self, py: crate::gil::Python<'py>) -> Result<Object<'py>> {
        if self.kind == BufferKind::Unpinned {
            return Object::str(py, &self.to_vec()?);
        }
        // SAFETY: the memory stays in place for as long as self lives
        // (immutable or pinned); C copies len bytes from it; the result is
        // a new reference or NULL with an exception set.
        unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyString_FromStringAndSize(self.ptr.cast(), self.len as ffi::Py_ssize_t),
                "PyString_FromStringAndSize",
            )
        }
    }

    /// A copy of the bytes. An `Unpinned` buffer asks the object for its
    /// memory again and copies what it has now.
    ///
    /// Fails with `MemoryError`, as Python would, when the copy cannot be
    /// allocated (an exporter reporting more memory than the machine has).
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let (ptr, len) = self.current()?;
        let mut copy = Vec::new();
        if copy.try_reserve_exact(len).is_err() {
            return Err(no_memory(len));
        }
        // SAFETY: `current` returned memory valid for len bytes right now; no
        // Python code runs before the copy completes (allocating runs none).
        copy.extend_from_slice(unsafe { std::slice::from_raw_parts(ptr, len) });
        Ok(copy)
    }

    /// Copy `dst.len()` bytes starting at `offset` into `dst`. An `Unpinned`
    /// buffer asks the object again, and fails with `IndexError` if the range
    /// is not within what it has now.
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> Result<()> {
        let (ptr, len) = self.current()?;
        check_range(offset, dst.len(), len)?;
        // SAFETY: the range is within memory valid right now; dst is a
        // distinct Rust allocation, so the two cannot overlap.
        unsafe { std::ptr::copy_nonoverlapping(ptr.add(offset), dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    /// Copy `src` into the buffer starting at `offset`. Fails with
    /// `TypeError` unless the buffer is writable, and with `IndexError` if the
    /// range is out of bounds (for `Unpinned` buffers, of the object's
    /// memory as it is now).
    pub fn write_at(&self, offset: usize, src: &[u8]) -> Result<()> {
        if self.mode != Mode::Write {
            return Err(Error::new(
                ExceptionType::TypeError,
                "buffer was not borrowed for writing".to_owned(),
            ));
        }
        let (ptr, len) = self.current()?;
        check_range(offset, src.len(), len)?;
        // SAFETY: the exporter gave this memory for writing and it is valid
        // right now for the range. `src` may itself be this object's memory
        // (via another Buffer), so the copy allows overlap.
        unsafe { std::ptr::copy(src.as_ptr(), ptr.add(offset), src.len()) };
        Ok(())
    }

    /// The bytes as a plain slice, whatever the kind.
    ///
    /// # Safety
    ///
    /// For an `Immutable` buffer this is always sound (prefer
    /// [`as_bytes`](Buffer::as_bytes)). Otherwise, for as long as the returned
    /// slice lives, no Python code may write to the memory, and for an
    /// `Unpinned` buffer no Python code may run at all between the borrow and
    /// the last use of the slice: any call into Python (evaluating code,
    /// calling objects, dropping an [`Object`], which can run `__del__`) can
    /// resize, move or unmap the memory.
    ///
    /// ```no_run
    /// # legacy_buffer::with_gil(|py| -> legacy_buffer::Result<()> {
    /// py.run("import array; a = array.array('b', [1, 2, 3])")?;
    /// let a = py.eval("a")?;
    /// let buf = a.read_buffer()?;
    /// let bytes = unsafe { buf.as_slice_unchecked() };
    /// py.run("a.extend(range(1000))")?; // moves the array's memory
    /// println!("{}", bytes[0]);          // WRONG: reads freed memory
    /// # Ok(()) });
    /// ```
    pub unsafe fn as_slice_unchecked(&self) -> &[u8] {
        // SAFETY: ptr/len were checked when borrowed; validity since then is
        // the caller's promise.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes as a mutable slice, for a writable buffer.
    ///
    /// # Safety
    ///
    /// As [`as_slice_unchecked`](Buffer::as_slice_unchecked), and besides:
    /// no other reference to this memory may be used while the returned slice
    /// lives: not another slice from this or any other `Buffer` of the same
    /// memory (two `write_buffer` borrows of one bytearray alias), nor cells.
    ///
    /// # Panics
    ///
    /// If the buffer was not borrowed with [`Object::write_buffer`].
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice_unchecked(&self) -> &mut [u8] {
        assert!(self.is_writable(), "buffer was not borrowed for writing");
        // SAFETY: checked pointer of writable memory; exclusivity and
        // validity are the caller's promise.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// Whom [`current`](Buffer::current) asks, and how: an `Unpinned`
    /// buffer asks its object with its mode's function, or for a fresh
    /// export.
    #[inline]
    pub(crate) fn asked(&self) -> Option<Asked> {
        (self.kind == BufferKind::Unpinned).then(|| Asked {
            obj: self.obj,
            how: match *self.export {
                Some(_) => Asked::export(self.is_writable()),
                None => self.mode as u8,
            },
        })
    }

    /// The memory as valid right now: for `Unpinned`, asked of the object
    /// again, since Python code may have moved it since the borrow (an
    /// export takes a fresh one). Valid until Python code runs, or (an
    /// export's) until four more are asked for.
    #[inline]
    pub(crate) fn current(&self) -> Result<(*mut u8, usize)> {
        if self.kind != BufferKind::Unpinned {
            return Ok((self.ptr, self.len));
        }
        if let Some(export) = &*self.export {
            // SAFETY: the export was taken of self.obj, alive for 'a, under
            // the GIL.
            return unsafe { export.again(self.obj) };
        }
        let mut ptr = std::ptr::null_mut();
        let mut len: ffi::Py_ssize_t = 0;
        // SAFETY: self.obj is valid for 'a (borrowed), the GIL is held (the
        // object borrow is bound to it), out-pointers valid.
        let rc =
            unsafe { ffi::lbsys_ask_again(self.obj, self.mode as libc::c_int, &mut ptr, &mut len) };
        if rc < 0 {
            // SAFETY: the GIL is held while self lives.
            let py = unsafe { crate::gil::Python::assume_gil_acquired() };
            return Err(failed(py, self.obj, self.mode, rc, len));
        }
        // On success: not NULL, and not negative (exporter.c).
        Ok((ptr.cast(), len as usize))
    }
}

/// The error of Python 3's `mode` function (`PyObject_As*Buffer`) for an
/// export of `obj` that failed: the exporter's exception, or, for the write
/// function, abstract.c's own "expected a writable bytes-like object".
#[cold]
pub(crate) fn export_error(obj: &Object<'_>, mode: Mode, failure: ExportFailure) -> Error {
    match failure {
        ExportFailure::Error(e) => e,
        ExportFailure::Refused if mode == Mode::Write => {
            // Replaced, as abstract.c's PyErr_SetString replaces it.
            drop(Error::fetch(obj.py(), mode.c_name()));
            Error::new(
                ExceptionType::TypeError,
                "expected a writable bytes-like object",
            )
        }
        ExportFailure::Refused => Error::fetch(obj.py(), mode.c_name()),
        ExportFailure::NotContiguous => Error::new(
            ExceptionType::BufferError,
            format!(
                "{}: the exporter gave memory that is not contiguous for PyBUF_SIMPLE",
                mode.c_name()
            ),
        ),
    }
}

fn check_range(offset: usize, count: usize, len: usize) -> Result<()> {
    match offset.checked_add(count) {
        Some(end) if end <= len => Ok(()),
        _ => Err(Error::new(
            ExceptionType::IndexError,
            format!("range {offset}..{offset}+{count} out of bounds for a buffer of {len} bytes"),
        )),
    }
}

impl Mode {
    fn c_name(self) -> &'static str {
        match self {
            Mode::Char => "PyObject_AsCharBuffer",
            Mode::Read => "PyObject_AsReadBuffer",
            Mode::Write => "PyObject_AsWriteBuffer",
        }
    }
}

impl Drop for Buffer<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.export.is_some() {
            // SAFETY: dropped here only, once.
            return release(unsafe { ManuallyDrop::take(&mut self.export) });
        }
        if self.kind == BufferKind::Pinned {
            // SAFETY: the object was pinned by lbsys_borrow_* and not
            // yet given back; the GIL is held while the object borrow lives.
            unsafe { ffi::lbsys_unpin(self.obj) };
        }
    }
}

/// Release a buffer's export, out of the way of the buffers that hold
/// none; its box is kept for the next export.
#[inline(never)]
fn release(export: Option<Box<Export>>) {
    if let Some(export) = export {
        export.recycle();
    }
}

impl std::fmt::Debug for Buffer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("kind", &self.kind())
            .field("len", &self.len)
            .field("writable", &self.is_writable())
            .field("exported", &self.export.is_some())
            .finish()
    }
}

/// A byte of memory that Python may change between reads: read it with
/// [`get`](ReadOnlyCell::get), never through a reference.
///
/// Like [`Cell`] without `set`: the buffer was borrowed for reading only.
/// Neither `Send` nor `Sync`.
#[repr(transparent)]
pub struct ReadOnlyCell<T: Copy>(UnsafeCell<T>);

impl<T: Copy> ReadOnlyCell<T> {
    /// The current value.
    #[inline]
    pub fn get(&self) -> T {
        // SAFETY: the cell lives in memory kept valid by the Buffer it was
        // borrowed from; a plain read of a Copy value, with no reference held
        // across Python code.
        unsafe { *self.0.get() }
    }

    /// A pointer to the value.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.0.get()
    }
}

impl<T: Copy + std::fmt::Debug> std::fmt::Debug for ReadOnlyCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

#[cold]
fn no_memory(len: usize) -> Error {
    Error::new(
        ExceptionType::MemoryError,
        format!("cannot allocate {len} bytes for a copy of the buffer"),
    )
}
