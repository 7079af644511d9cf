//! The no-Python scope: any exporter's memory as a plain `&[u8]` or
//! `&mut [u8]`, zero-copy, for as long as a closure that cannot run Python
//! code runs.
//!
//! Python can move, free or write an exporter's memory only by running: its
//! own code, or C code it calls. While the closure runs, this thread keeps
//! the GIL (so no other thread runs Python) and runs no Python itself:
//!
//! - the closure is `Send`, so it cannot capture a [`Python`] token, an
//!   [`Object`], a [`Buffer`] or cells, through which this crate's safe API
//!   would run Python code; the slices are lent for a lifetime the closure
//!   is generic over, so they cannot leave it;
//! - [`with_gil`](crate::with_gil) inside the scope panics, so Python cannot
//!   be re-entered through a fresh call;
//! - a Python reference released inside the scope (an [`Error`] dropped
//!   there) is queued, and released when the scope ends;
//! - a panic unwinds out of the scope and leaves no scope state behind.
//!
//! An exporter's buffer procedure runs as the scope starts (an `Unpinned`
//! buffer is asked for its memory again, one buffer after another, before
//! the closure runs). A procedure may move what it gave before, so each
//! exporter is asked once per scope (see `region_after`). What Rust cannot
//! see (another library entering Python inside the closure, a procedure
//! that runs Python code or lies about its memory) is listed in the crate
//! documentation's "Boundaries".
//!
//! [`Python`]: crate::Python
//! [`Object`]: crate::Object
//! [`Buffer`]: crate::Buffer
//! [`Error`]: crate::Error

use crate::buffer::{export_error, failed, Asked, Buffer, Mode};
use crate::error::{Error, ExceptionType, Result};
use crate::export::Export;
use crate::gil::Python;
use crate::object::Object;
use crate::runtime::InScope;
use legacy_buffer_sys as ffi;

/// Run `f` inside a scope: with the slices it makes, which live no longer.
#[inline]
pub(crate) fn run<R>(_py: Python<'_>, f: impl FnOnce() -> R) -> R {
    // SAFETY: the token proves this thread holds the GIL, and it keeps it
    // while `f` runs (`f` cannot give it up: see the module docs).
    let _in_scope = unsafe { InScope::enter() };
    f()
}

/// A slice of `len` bytes at `ptr` for the scope.
///
/// # Safety
///
/// `ptr`/`len` are what exporter.c (or a checked `Py_buffer`) gave on
/// success (never NULL, never negative) for memory valid right now, and no Python code runs for as
/// long as the slice lives.
#[inline]
pub(crate) unsafe fn shared<'s>(ptr: *mut u8, len: usize) -> &'s [u8] {
    // SAFETY: the caller's contract; nothing else writes the memory while
    // no Python code runs (see the module docs).
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// A mutable slice of `len` bytes at `ptr` for the scope.
///
/// # Safety
///
/// As [`shared`], the memory was given for writing, and no other slice lent
/// to the same scope overlaps it.
#[inline]
#[allow(clippy::mut_from_ref)]
pub(crate) unsafe fn exclusive<'s>(ptr: *mut u8, len: usize) -> &'s mut [u8] {
    // SAFETY: the caller's contract: valid, writable, and not aliased by
    // anything usable while the slice lives (captured references to
    // Python-owned memory are not Send, so the closure holds none).
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }
}

/// The memory of `inputs`, asked of the exporters and checked for overlap,
/// ready to be lent by [`lend_prepared`].
pub(crate) fn prepare<L: Lend>(inputs: &L) -> Result<L::Regions> {
    let regions = inputs.regions()?;
    if L::MUTABLE {
        check_overlap(regions.as_ref())?;
    }
    Ok(regions)
}

/// Run `f` in one scope over `inputs` (from [`prepare`]).
///
/// # Safety
///
/// No Python code ran since `inputs` were prepared, and `f` runs none: `f`
/// need not be `Send` (it may hold the new object it fills), so keeping
/// Python code out is the caller's duty (call only `Send` closures, and code
/// that runs none).
pub(crate) unsafe fn lend_prepared<L: Lend, R, F>(py: Python<'_>, inputs: L::Regions, f: F) -> R
where
    F: for<'s> FnOnce(L::Lent<'s>) -> R,
{
    run(py, || {
        // SAFETY: the caller's contract; checked for overlap by prepare;
        // the scope runs no Python code until `f` returns.
        f(unsafe { L::lent(&inputs) })
    })
}

impl<'py> Object<'py> {
    /// Borrow the object's memory as `PyObject_AsReadBuffer` gives it and
    /// run `f` over it as a plain `&[u8]`, zero-copy, whatever the exporter
    /// (`array`, `mmap`, ctypes, third-party types alike), in a no-Python
    /// scope (see [`no_python`]). Fails as the C function does (same
    /// exception type and message) without calling `f`.
    ///
    /// ```
    /// legacy_buffer::with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let a = py.eval("__import__('array').array('B', [1, 2, 3])")?;
    ///     let sum: u32 = a.with_read_bytes(|bytes| bytes.iter().map(|&b| u32::from(b)).sum())?;
    ///     assert_eq!(sum, 6);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    #[inline]
    pub fn with_read_bytes<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s [u8]) -> R + Send,
    {
        // SAFETY: memory valid right now; the scope runs no Python code
        // until `f` returns, and the slice cannot outlive `f`.
        self.lend_to(Mode::Read, |ptr, len| f(unsafe { shared(ptr, len) }))
    }

    /// As [`with_read_bytes`](Object::with_read_bytes), with the memory
    /// `PyObject_AsCharBuffer` gives (for `unicode`, its default encoding).
    #[inline]
    pub fn with_char_bytes<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s [u8]) -> R + Send,
    {
        // SAFETY: as in with_read_bytes.
        self.lend_to(Mode::Char, |ptr, len| f(unsafe { shared(ptr, len) }))
    }

    /// Borrow the object's memory as `PyObject_AsWriteBuffer` gives it and
    /// run `f` over it as a `&mut [u8]`, zero-copy, in a no-Python scope
    /// (see [`no_python`]). Writes are seen by Python afterwards.
    ///
    /// ```
    /// legacy_buffer::with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let ba = py.eval("bytearray(b'abc')")?;
    ///     ba.with_write_bytes(|bytes| bytes.make_ascii_uppercase())?;
    ///     assert_eq!(ba.repr()?, "bytearray(b'ABC')");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    #[inline]
    pub fn with_write_bytes<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> R + Send,
    {
        // SAFETY: as in with_read_bytes; the exporter gave the memory for
        // writing, and this is the only slice lent to the scope.
        self.lend_to(Mode::Write, |ptr, len| f(unsafe { exclusive(ptr, len) }))
    }

    /// Whether the object's type has a character-buffer proc
    /// (`Py_TPFLAGS_HAVE_GETCHARBUFFER` and `bf_getcharbuffer`): the test C
    /// code makes to choose between `PyObject_AsCharBuffer` and
    /// `PyObject_AsReadBuffer`. Calls nothing.
    #[inline]
    pub fn offers_char_buffer(&self) -> bool {
        // SAFETY: valid object, GIL held ('py); reads its type's slots.
        unsafe { ffi::lbsys_offers_char(self.as_ptr()) != 0 }
    }

    /// Run `lent` over the memory for `mode`, asked of the exporter now and
    /// checked, in one scope; the exporter's failure (as the C function's)
    /// without calling it.
    ///
    /// The scope is entered before the exporter is asked, not after: its
    /// procedure is C code that runs no Python code of ours either way (a
    /// procedure that runs Python code is one of the crate's boundaries),
    /// and a loop of these scopes then takes a cycle less per scope
    /// (legacy-buffer-bench's borrow-ab: the scope's store no longer waits
    /// behind the call). A failure leaves the scope before it is fetched.
    #[inline(always)]
    fn lend_to<R>(&self, mode: Mode, lent: impl FnOnce(*mut u8, usize) -> R) -> Result<R> {
        let lend = match mode {
            Mode::Char => ffi::lbsys_lend_char,
            Mode::Read => ffi::lbsys_lend_read,
            Mode::Write => ffi::lbsys_lend_write,
        };
        // SAFETY: the object is bound to the GIL ('py), which this thread
        // keeps until the guard drops: nothing here gives it up.
        let scope = unsafe { InScope::enter() };
        // SAFETY: valid object, GIL held.
        let ffi::lbsys_lent { ptr, len } = unsafe { lend(self.as_ptr()) };
        if len == ffi::LBSYS_TAKE_EXPORT as ffi::Py_ssize_t {
            drop(scope);
            return self.lend_exported(mode, lent);
        }
        if len < 0 {
            drop(scope);
            let reported = ptr as ffi::Py_ssize_t;
            return Err(failed(
                self.py(),
                self.as_ptr(),
                mode,
                len as libc::c_int,
                reported,
            ));
        }
        let out = lent(ptr.cast(), len as usize);
        drop(scope);
        Ok(out)
    }

    /// Python 3: [`lend_to`](Self::lend_to) for memory that only an export
    /// holds in place (anything but `bytes`): the export is taken before
    /// the scope (the exporter may run Python code), held across it, and
    /// released after it. Its memory is lent as the export gave it: nothing
    /// runs between the export and the scope, so no kind is needed (and
    /// none is asked for, which would look modules up).
    #[inline(never)]
    fn lend_exported<R>(&self, mode: Mode, lent: impl FnOnce(*mut u8, usize) -> R) -> Result<R> {
        // SAFETY: a valid object, GIL held for as long as `self` lives,
        // which outlives the export (released below, or dropped on unwind).
        let (export, ptr, len) = unsafe { Export::take(self.as_ptr(), mode == Mode::Write) }
            .map_err(|failure| export_error(self, mode, failure))?;
        // SAFETY: as in lend_to; the memory is the export's, held until
        // after the scope.
        let scope = unsafe { InScope::enter() };
        let out = lent(ptr, len);
        drop(scope);
        export.recycle();
        Ok(out)
    }
}

impl Buffer<'_> {
    /// Run `f` over the buffer's memory as a plain `&[u8]`, zero-copy,
    /// whatever its [`kind`](Buffer::kind), in a no-Python scope (see
    /// [`no_python`]). An `Unpinned` buffer asks the object for its memory
    /// again first (Python may have moved it since the borrow), and fails as
    /// [`to_vec`](Buffer::to_vec) would.
    #[inline]
    pub fn with_bytes<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s [u8]) -> R + Send,
    {
        let (ptr, len) = self.current()?;
        // SAFETY: a Buffer exists only while its object is borrowed, under
        // the GIL.
        let py = unsafe { Python::assume_gil_acquired() };
        // SAFETY: memory valid right now; no Python code runs until `f`
        // returns.
        Ok(run(py, || f(unsafe { shared(ptr, len) })))
    }

    /// Run `f` over the buffer's memory as a `&mut [u8]`, zero-copy, in a
    /// no-Python scope. Fails with `TypeError` unless the buffer came from
    /// [`Object::write_buffer`]; an `Unpinned` buffer asks again first.
    #[inline]
    pub fn with_bytes_mut<F, R>(&self, f: F) -> Result<R>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> R + Send,
    {
        if !self.is_writable() {
            return Err(not_writable());
        }
        let (ptr, len) = self.current()?;
        // SAFETY: as in with_bytes.
        let py = unsafe { Python::assume_gil_acquired() };
        // SAFETY: as in with_bytes; given for writing, and the only slice
        // lent to this scope.
        Ok(run(py, || f(unsafe { exclusive(ptr, len) })))
    }
}

#[cold]
pub(crate) fn not_writable() -> Error {
    Error::new(
        ExceptionType::TypeError,
        "buffer was not borrowed for writing",
    )
}

/// A [`Buffer`] lent to a [`no_python`] scope as a `&[u8]`.
#[derive(Clone, Copy)]
pub struct Bytes<'b, 'a>(pub &'b Buffer<'a>);

/// A [`Buffer`] lent to a [`no_python`] scope as a `&mut [u8]`; it must have
/// been borrowed for writing ([`Object::write_buffer`], `w#`, `w*`).
#[derive(Clone, Copy)]
pub struct BytesMut<'b, 'a>(pub &'b Buffer<'a>);

mod sealed {
    /// Where a lent slice is (private to this crate in all but name).
    #[derive(Clone, Copy)]
    pub struct Region {
        pub(crate) ptr: *mut u8,
        pub(crate) len: usize,
        pub(crate) mutable: bool,
        /// Who was asked for the memory and how, and whose procs gave it
        /// ([`lbsys_asked_exporter`](ffi::lbsys_asked_exporter));
        /// `None` where nobody was asked.
        pub(crate) asked: Option<(super::Asked, *mut super::ffi::PyObject)>,
    }

    pub trait Sealed {}
}
use sealed::Region;

impl Region {
    /// A place holder, overwritten before use.
    const NONE: Region = Region {
        ptr: std::ptr::null_mut(),
        len: 0,
        mutable: false,
        asked: None,
    };
}

/// What a [`no_python`] scope can lend: [`Bytes`], [`BytesMut`], and tuples
/// of up to four of them. Sealed.
pub trait Lend: sealed::Sealed {
    /// Whether any slice is lent mutable: only then can two of them alias
    /// in a way that matters, and are they checked for overlap.
    #[doc(hidden)]
    const MUTABLE: bool;
    /// What the closure gets: `&'s [u8]` for [`Bytes`], `&'s mut [u8]` for
    /// [`BytesMut`], a tuple of those for a tuple, `()` for `()`.
    type Lent<'s>: Send;
    #[doc(hidden)]
    type Regions: AsRef<[Region]>;
    #[doc(hidden)]
    fn regions(&self) -> Result<Self::Regions>;
    /// The slices, without a scope, if every buffer is `Immutable` (none is
    /// a [`BytesMut`]): memory nothing changes or moves while its object is
    /// borrowed, which may even be read without the GIL; and their total
    /// length. Asks no exporter.
    #[doc(hidden)]
    fn immutable(&self) -> Option<(Self::Lent<'_>, usize)>;
    /// # Safety
    ///
    /// `regions` come from `regions()` just now, checked for overlap.
    #[doc(hidden)]
    unsafe fn lent<'s>(regions: &Self::Regions) -> Self::Lent<'s>;
}

impl Bytes<'_, '_> {
    fn region(&self) -> Result<Region> {
        let (ptr, len) = self.0.current()?;
        Ok(Region {
            ptr,
            len,
            mutable: false,
            asked: None,
        })
    }
}

impl BytesMut<'_, '_> {
    fn region(&self) -> Result<Region> {
        if !self.0.is_writable() {
            return Err(not_writable());
        }
        let (ptr, len) = self.0.current()?;
        Ok(Region {
            ptr,
            len,
            mutable: true,
            asked: None,
        })
    }
}

/// The region of one buffer of several lent to one scope, after the
/// `earlier` ones were asked for theirs.
///
/// Asking an exporter runs its procedure, C code that may move or free what
/// it gave before (a type that gathers its storage into a fresh block each
/// time is legal C): asked twice in one scope, an exporter could free the
/// memory lent first. So each exporter is asked once per scope: a buffer
/// asked of an object the same way as an earlier one takes that one's
/// region; asked of an object whose procs gave an earlier region in
/// another way (the same object read and written, or through a `buffer`
/// object over it), it is refused with `BufferError`.
fn region_after(buffer: &Buffer<'_>, mutable: bool, earlier: &[Region]) -> Result<Region> {
    if mutable && !buffer.is_writable() {
        return Err(not_writable());
    }
    let Some(asked) = buffer.asked() else {
        let (ptr, len) = buffer.current()?;
        return Ok(Region {
            ptr,
            len,
            mutable,
            asked: None,
        });
    };
    // SAFETY: a buffer that asks an object holds it alive under the GIL;
    // the call reads type slots and a buffer object's base, and runs no code.
    let exporter = unsafe { ffi::lbsys_asked_exporter(asked.obj) };
    for (i, before) in earlier.iter().enumerate() {
        match before.asked {
            Some((same, _)) if same == asked => return Ok(Region { mutable, ..*before }),
            Some((other, by)) if by == exporter => {
                return Err(asked_twice(i, earlier.len(), other.obj, asked.obj))
            }
            _ => {}
        }
    }
    let (ptr, len) = buffer.current()?;
    Ok(Region {
        ptr,
        len,
        mutable,
        asked: Some((asked, exporter)),
    })
}

#[cold]
#[inline(never)]
fn asked_twice(
    first: usize,
    second: usize,
    first_obj: *mut ffi::PyObject,
    second_obj: *mut ffi::PyObject,
) -> Error {
    let name = |obj| {
        // SAFETY: both objects are alive (their buffers are lent) and the
        // GIL is held; the name is copied at once.
        unsafe { std::ffi::CStr::from_ptr(ffi::Py_TYPE_NAME(obj)) }
            .to_string_lossy()
            .into_owned()
    };
    Error::new(
        ExceptionType::BufferError,
        format!(
            "buffers {first} and {second} lent to a no-Python scope ask one exporter ('{}' and \
             '{}') for its memory in different ways: asking it again could move what it gave \
             first, so a scope asks each exporter once",
            name(first_obj),
            name(second_obj)
        ),
    )
}

impl sealed::Sealed for Bytes<'_, '_> {}
impl sealed::Sealed for BytesMut<'_, '_> {}
impl sealed::Sealed for () {}

/// No buffers: the closure gets `()` (a new `str` built from nothing lent).
impl Lend for () {
    const MUTABLE: bool = false;
    type Lent<'s> = ();
    type Regions = [Region; 0];
    fn regions(&self) -> Result<[Region; 0]> {
        Ok([])
    }
    fn immutable(&self) -> Option<((), usize)> {
        Some(((), 0))
    }
    unsafe fn lent<'s>(_regions: &[Region; 0]) -> Self::Lent<'s> {}
}

impl Lend for Bytes<'_, '_> {
    const MUTABLE: bool = false;
    type Lent<'s> = &'s [u8];
    type Regions = [Region; 1];
    fn regions(&self) -> Result<[Region; 1]> {
        Ok([self.region()?])
    }
    fn immutable(&self) -> Option<(&[u8], usize)> {
        self.immutable_one().map(|bytes| (bytes, bytes.len()))
    }
    unsafe fn lent<'s>(regions: &[Region; 1]) -> &'s [u8] {
        // SAFETY: the caller's contract.
        unsafe { shared(regions[0].ptr, regions[0].len) }
    }
}

impl Lend for BytesMut<'_, '_> {
    const MUTABLE: bool = true;
    type Lent<'s> = &'s mut [u8];
    type Regions = [Region; 1];
    fn regions(&self) -> Result<[Region; 1]> {
        Ok([self.region()?])
    }
    fn immutable(&self) -> Option<(&mut [u8], usize)> {
        None
    }
    unsafe fn lent<'s>(regions: &[Region; 1]) -> &'s mut [u8] {
        // SAFETY: the caller's contract.
        unsafe { exclusive(regions[0].ptr, regions[0].len) }
    }
}

/// One lendable buffer: what a tuple is made of.
#[doc(hidden)]
pub trait LendOne: sealed::Sealed {
    /// Whether the slice is `&mut`.
    #[doc(hidden)]
    const MUTABLE: bool;
    /// `&'s [u8]` or `&'s mut [u8]`.
    type Slice<'s>: Send;
    /// Its region, after the `earlier` ones (see `region_after`).
    #[doc(hidden)]
    fn one(&self, earlier: &[Region]) -> Result<Region>;
    /// As [`Lend::immutable`], for one buffer.
    #[doc(hidden)]
    fn immutable_one(&self) -> Option<Self::Slice<'_>>;
    /// The length of a slice.
    #[doc(hidden)]
    fn len_of(slice: &Self::Slice<'_>) -> usize;
    /// # Safety
    ///
    /// As [`Lend::lent`].
    #[doc(hidden)]
    unsafe fn slice<'s>(region: Region) -> Self::Slice<'s>;
}

impl LendOne for Bytes<'_, '_> {
    const MUTABLE: bool = false;
    type Slice<'s> = &'s [u8];
    fn one(&self, earlier: &[Region]) -> Result<Region> {
        region_after(self.0, false, earlier)
    }
    fn immutable_one(&self) -> Option<&[u8]> {
        self.0.as_bytes()
    }
    fn len_of(slice: &&[u8]) -> usize {
        slice.len()
    }
    unsafe fn slice<'s>(region: Region) -> &'s [u8] {
        // SAFETY: the caller's contract.
        unsafe { shared(region.ptr, region.len) }
    }
}

impl LendOne for BytesMut<'_, '_> {
    const MUTABLE: bool = true;
    type Slice<'s> = &'s mut [u8];
    fn one(&self, earlier: &[Region]) -> Result<Region> {
        region_after(self.0, true, earlier)
    }
    fn immutable_one(&self) -> Option<&mut [u8]> {
        None
    }
    fn len_of(slice: &&mut [u8]) -> usize {
        slice.len()
    }
    unsafe fn slice<'s>(region: Region) -> &'s mut [u8] {
        // SAFETY: the caller's contract.
        unsafe { exclusive(region.ptr, region.len) }
    }
}

macro_rules! lend_tuple {
    ($n:literal; $($t:ident $i:tt),+) => {
        impl<$($t: LendOne),+> sealed::Sealed for ($($t,)+) {}
        impl<$($t: LendOne),+> Lend for ($($t,)+) {
            const MUTABLE: bool = $($t::MUTABLE)||+;
            type Lent<'s> = ($($t::Slice<'s>,)+);
            type Regions = [Region; $n];
            fn regions(&self) -> Result<[Region; $n]> {
                let mut regions = [Region::NONE; $n];
                $( regions[$i] = self.$i.one(&regions[..$i])?; )+
                Ok(regions)
            }
            fn immutable(&self) -> Option<(Self::Lent<'_>, usize)> {
                let lent = ($(self.$i.immutable_one()?,)+);
                let len = 0 $(+ $t::len_of(&lent.$i))+;
                Some((lent, len))
            }
            unsafe fn lent<'s>(regions: &[Region; $n]) -> Self::Lent<'s> {
                // SAFETY: the caller's contract, for each region.
                unsafe { ($($t::slice(regions[$i]),)+) }
            }
        }
    };
}

/// The most buffers one scope lends at once (the widest tuple below): a
/// PyPy export keeps this many of its latest (see `export::KEPT`), so that
/// none a scope lends is released before it ends.
const MAX_LENT: usize = 4;
const _: () = assert!(MAX_LENT <= crate::export::KEPT);

lend_tuple!(2; A 0, B 1);
lend_tuple!(3; A 0, B 1, C 2);
lend_tuple!(4; A 0, B 1, C 2, D 3);

/// No two regions overlap where one of them is written: a `&mut [u8]` must
/// alias nothing (two write borrows of one `bytearray`, or a write borrow of
/// an `array` and a `buffer` object over it, are the same memory).
fn check_overlap(regions: &[Region]) -> Result<()> {
    for (i, a) in regions.iter().enumerate() {
        for (j, b) in regions.iter().enumerate().skip(i + 1) {
            if !(a.mutable || b.mutable) || a.len == 0 || b.len == 0 {
                continue;
            }
            let (a0, b0) = (a.ptr as usize, b.ptr as usize);
            if a0 < b0 + b.len && b0 < a0 + a.len {
                return Err(Error::new(
                    ExceptionType::BufferError,
                    format!(
                        "buffers {i} and {j} lent to a no-Python scope share memory and one \
                         of them is writable: a mutable slice must alias nothing"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Run `f` over the memory of several buffers at once, zero-copy, as plain
/// slices (`&[u8]` for [`Bytes`], `&mut [u8]` for [`BytesMut`]), whatever
/// their kinds, in a **no-Python scope**: while `f` runs, no Python code
/// runs on this thread, and none on another (this thread keeps the GIL).
///
/// `Unpinned` buffers are asked for their memory again first (Python may
/// have moved it since the borrow), each exporter once: buffers that ask
/// one object the same way get the same slice, and an exporter that would
/// be asked twice in different ways (one object read and written, or read
/// directly and through a `buffer` object) is refused with `BufferError`,
/// since asking it again could move what it gave first. A `BytesMut` that
/// shares memory with any other buffer lent (two borrows of one
/// `bytearray`, a `buffer` object over the same `array`) is refused with
/// `BufferError`, never aliased; so is a `BytesMut` of a buffer not
/// borrowed for writing (`TypeError`).
///
/// `f` is `Send`, so it cannot capture a `Python` token, an object, a
/// buffer or cells; the slices cannot leave it. Calling
/// [`with_gil`](crate::with_gil) inside panics; an [`Error`] dropped inside
/// is released when the scope ends; a panic in `f` leaves no scope behind.
///
/// ```
/// use legacy_buffer::{no_python, with_gil, Bytes, BytesMut};
///
/// with_gil(|py| -> legacy_buffer::Result<()> {
///     let dst = py.eval("__import__('array').array('B', [1, 2, 3, 4])")?;
///     let key = py.eval(r"b'\x0f\xf0'")?;
///     let (dst_buf, key_buf) = (dst.write_buffer()?, key.read_buffer()?);
///     no_python((BytesMut(&dst_buf), Bytes(&key_buf)), |(dst, key)| {
///         for (i, byte) in dst.iter_mut().enumerate() {
///             *byte ^= key[i % key.len()];
///         }
///     })?;
///     assert_eq!(dst.repr()?, "array('B', [14, 242, 12, 244])");
///
///     // The same bytearray twice, once writable: refused, never aliased.
///     let ba = py.eval("bytearray(4)")?;
///     let (w, r) = (ba.write_buffer()?, ba.read_buffer()?);
///     let e = no_python((BytesMut(&w), Bytes(&r)), |_| ()).unwrap_err();
///     assert_eq!(e.type_name(), "BufferError");
///     Ok(())
/// })?;
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
pub fn no_python<L, F, R>(buffers: L, f: F) -> Result<R>
where
    L: Lend,
    F: for<'s> FnOnce(L::Lent<'s>) -> R + Send,
{
    let regions = buffers.regions()?;
    // Only a `&mut` can be aliased wrongly: shared slices may overlap.
    if L::MUTABLE {
        check_overlap(regions.as_ref())?;
    }
    // SAFETY: the buffers exist, so the GIL is held.
    let py = unsafe { Python::assume_gil_acquired() };
    // SAFETY: regions valid right now and checked for overlap; the scope
    // runs no Python code until `f` returns, and the slices cannot outlive
    // `f`.
    Ok(run(py, || f(unsafe { L::lent(&regions) })))
}
