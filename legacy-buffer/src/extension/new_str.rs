//! A `str` built in place, for compressors and encoders whose output size is
//! bounded before they run: `PyString_FromStringAndSize(NULL, n)`, the bytes
//! written straight into the new object (no copy), then `_PyString_Resize`
//! down to the length written.
//!
//! The new `str` is Python's memory, lent as a `&mut [u8]`: zeroed first
//! (a Rust slice must never show uninitialised bytes), and never visible to
//! Python code while lent. Or lent as a [`StrBuf`] ([`NewStr::fill_buf`]),
//! written from the start: only the room asked for is
//! zeroed, for encoders whose worst case is far above what they write.
//!
//! Nothing can find a `str` nobody refers to, except, in builds with
//! `Py_TRACE_REFS` (python2.7-dbg), `sys.getobjects`: so no Python code runs
//! between making the `str` and finishing it. It is finished (or freed)
//! inside the no-Python scope, before the scope ends and releases what was
//! dropped in it (which may run a `__del__`); or, with the GIL released
//! (not on those builds), before the GIL is back to run anything.
//!
//! One builder, [`Object::new_str`], for every way: its inputs decide
//! whether the fill runs in a scope over them or may release the GIL (see
//! [`NewStr`]).

use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use crate::object::Object;
use crate::scope::Lend;
use legacy_buffer_sys as ffi;
use std::marker::PhantomData;

/// A new `str` of `capacity` bytes (zeroed if `zeroed`), which only we
/// hold, and where its bytes are.
#[inline]
fn fresh(py: Python<'_>, capacity: usize, zeroed: bool) -> Result<(Object<'_>, *mut u8)> {
    let (s, ptr) = fresh_uninit(py, capacity)?;
    if zeroed {
        // SAFETY: `capacity` bytes of the new str's storage, ours alone
        // (for capacity 0, the shared empty str, of which no byte is
        // written).
        unsafe { std::ptr::write_bytes(ptr, 0, capacity) };
    }
    Ok((s, ptr))
}

/// A new `str` of `capacity` uninitialised bytes, which only we hold, and
/// where its bytes are.
fn fresh_uninit(py: Python<'_>, capacity: usize) -> Result<(Object<'_>, *mut u8)> {
    let Ok(size) = ffi::Py_ssize_t::try_from(capacity) else {
        return Err(Error::new(
            ExceptionType::MemoryError,
            format!("cannot allocate a str of {capacity} bytes"),
        ));
    };
    // Allocating a str runs no Python code (strs are not tracked by the
    // cycle collector, which could otherwise run).
    // SAFETY: GIL held; NULL contents: uninitialised storage of `size`
    // bytes (and CPython's NUL); a new reference, or NULL with an exception.
    let s = unsafe {
        Object::from_owned_ptr_or_err(
            py,
            ffi::PyString_FromStringAndSize(std::ptr::null(), size),
            "PyString_FromStringAndSize",
        )?
    };
    // SAFETY: GIL held; `s` is a str.
    let ptr = unsafe { ffi::PyString_AS_STRING(s.as_ptr()) }.cast::<u8>();
    Ok((s, ptr))
}

/// Shrink the new `s` to the `written` bytes of its `capacity`.
fn finish<'py>(
    py: Python<'py>,
    s: Object<'py>,
    capacity: usize,
    written: usize,
) -> Result<Object<'py>> {
    if written > capacity {
        return Err(Error::new(
            ExceptionType::SystemError,
            format!("{written} bytes written into a new str of {capacity}"),
        ));
    }
    if written == capacity {
        return Ok(s);
    }
    let mut raw = s.into_ptr();
    // _PyString_Resize replaces `raw`, or frees it and sets NULL with an
    // exception set.
    // SAFETY: GIL held; `raw` is a fresh str we hold the only reference to
    // (no Python code ran since it was made), as _PyString_Resize requires.
    let rc = unsafe { ffi::_PyString_Resize(&mut raw, written as ffi::Py_ssize_t) };
    if rc < 0 {
        return Err(Error::fetch(py, "_PyString_Resize"));
    }
    // SAFETY: the resized str, whose one reference we own.
    Ok(unsafe { Object::from_owned_ptr(py, raw) })
}

impl<'py> Object<'py> {
    /// A new `str` of at most `capacity` bytes, built in place (see the
    /// module docs: no copy): say what it is made from with
    /// [`from`](NewStr::from), then fill it with [`fill`](NewStr::fill) (a
    /// zeroed `&mut [u8]`) or [`fill_buf`](NewStr::fill_buf) (a
    /// [`StrBuf`], written from the start).
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let upper = Object::new_str(py, 16).fill(|(), out| {
    ///         let text = b"in place";
    ///         out[..text.len()].copy_from_slice(&text.to_ascii_uppercase());
    ///         Ok(text.len())
    ///     })?;
    ///     assert_eq!(upper.str_bytes(), Some(&b"IN PLACE"[..]));
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn new_str(py: Python<'py>, capacity: usize) -> NewStr<'py, ()> {
        NewStr {
            py,
            capacity,
            inputs: (),
            release_gil_from: None,
        }
    }
}

/// A new `str` being built in place, from [`Object::new_str`]: its
/// capacity, the buffers it is made from, and whether the GIL may be
/// released while it is filled.
///
/// The fill closure gets the inputs' memory as plain slices (what
/// [`no_python`](crate::no_python) lends: `&'s [u8]` for a
/// [`Bytes`](crate::Bytes), `&'s mut [u8]` for a
/// [`BytesMut`](crate::BytesMut), a tuple of them for a tuple, `()` for
/// none) and the new `str`'s storage; it returns what it wrote. How it runs
/// follows from the inputs, each way as C encoders do it:
///
/// - **inputs Python may change** (a `bytearray`'s, an `array`'s, any
///   `Pinned` or `Unpinned` buffer, any [`BytesMut`](crate::BytesMut)): in
///   a no-Python scope, with the GIL kept. The exporters are asked for
///   their memory first (each once, before the `str` exists; see
///   [`no_python`](crate::no_python) for what is refused);
/// - **immutable inputs only** (a `str`'s, a `unicode`'s: `Immutable`
///   buffers), or none: lent as they are, nothing asked; in a no-Python
///   scope, or, past [`release_gil_from`](NewStr::release_gil_from), with
///   the GIL released (`Py_BEGIN_ALLOW_THREADS`), so that other threads run
///   Python meanwhile. Not on builds with `Py_TRACE_REFS` (python2.7-dbg),
///   where `sys.getobjects` would let them find the new `str`: there the
///   GIL is kept and the closure runs in a scope; the result is the same.
///
/// Whichever way it runs, the closure is `Send` (no Python token, object or
/// buffer crosses) and may not run Python: [`with_gil`](crate::with_gil)
/// inside it panics, on every build, GIL released or kept. The `str` is
/// finished (shrunk to what was written) before any Python code can see
/// it: an [`Error`] dropped inside the closure is released afterwards.
/// Fails with `MemoryError` (or Python's `OverflowError`) if the `str`
/// cannot be allocated, and with `SystemError` if the closure reports more
/// bytes than the capacity; an error the closure returns is returned as it
/// is.
///
/// ```
/// use legacy_buffer::{with_gil, Bytes, Object};
///
/// with_gil(|py| -> legacy_buffer::Result<()> {
///     // An array: memory Python may change, read in a scope.
///     let a = py.eval("__import__('array').array('B', [104, 105])")?;
///     let buf = a.read_buffer()?;
///     let hex = Object::new_str(py, 2 * buf.len())
///         .from(Bytes(&buf))
///         .fill(|bytes, out| {
///             for (pair, b) in out.chunks_mut(2).zip(bytes) {
///                 pair.copy_from_slice(format!("{b:02x}").as_bytes());
///             }
///             Ok(2 * bytes.len())
///         })?;
///     assert_eq!(hex.str_bytes(), Some(&b"6869"[..]));
///
///     // A str: immutable, so a big one is read with the GIL released.
///     let text = py.eval("b'ab' * 100000")?;
///     let buf = text.read_buffer()?;
///     let swapped = Object::new_str(py, buf.len())
///         .from(Bytes(&buf))
///         .release_gil_from(64 << 10)
///         .fill(|bytes, out| {
///             for (o, pair) in out.chunks_mut(2).zip(bytes.chunks(2)) {
///                 o.copy_from_slice(&[pair[1], pair[0]]);
///             }
///             Ok(bytes.len())
///         })?;
///     assert_eq!(swapped.str_bytes(), py.eval("b'ba' * 100000")?.str_bytes());
///     Ok(())
/// })?;
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
#[must_use = "a NewStr makes nothing until it is filled"]
pub struct NewStr<'py, L = ()> {
    py: Python<'py>,
    capacity: usize,
    inputs: L,
    release_gil_from: Option<usize>,
}

impl<'py> NewStr<'py, ()> {
    /// Make the `str` from `inputs`: a [`Bytes`](crate::Bytes), a
    /// [`BytesMut`](crate::BytesMut), or a tuple of up to four of them, as
    /// [`no_python`](crate::no_python) takes, lent to the fill closure.
    pub fn from<L: Lend>(self, inputs: L) -> NewStr<'py, L> {
        NewStr {
            py: self.py,
            capacity: self.capacity,
            inputs,
            release_gil_from: self.release_gil_from,
        }
    }
}

impl<'py, L: Lend> NewStr<'py, L> {
    /// Release the GIL while the closure runs if the inputs are all
    /// immutable and hold `min_len` bytes or more together (`0`: whenever
    /// they are immutable, or there are none): below some length, giving
    /// the GIL up and taking it back costs more than it lets other threads
    /// do. Without this, the GIL is kept.
    pub fn release_gil_from(mut self, min_len: usize) -> NewStr<'py, L> {
        self.release_gil_from = Some(min_len);
        self
    }

    /// Fill the `str` through a `&mut [u8]` of `capacity` bytes, zeroed
    /// first (never uninitialised memory in a slice); `fill` returns how
    /// many it wrote, from the start.
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let s = Object::new_str(py, 4).fill(|(), out| {
    ///         assert_eq!(out, &[0; 4][..]);
    ///         out[0] = b'z';
    ///         Ok(1)
    ///     })?;
    ///     assert_eq!(s.str_bytes(), Some(&b"z"[..]));
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn fill<F>(self, fill: F) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(L::Lent<'s>, &'s mut [u8]) -> Result<usize> + Send,
    {
        self.build(Slice(fill))
    }

    /// Fill the `str` through a [`StrBuf`] that `fill` writes from the
    /// start, instead of a zeroed `&mut [u8]`: nothing is zeroed but what
    /// `fill` asks for as [`spare`](StrBuf::spare) room and does not write
    /// first. For encoders whose bound on the output is far above what they
    /// write (a compressor's worst case), zeroing that bound costs more than
    /// the encoding. The `str` is what `fill` wrote ([`StrBuf::len`] bytes).
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Bytes, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let text = py.eval(r"b'a\tb'")?;
    ///     let buf = text.read_buffer()?;
    ///     // Room for the worst case (every byte escaped), one run of it lent.
    ///     let escaped = Object::new_str(py, 2 * buf.len())
    ///         .from(Bytes(&buf))
    ///         .fill_buf(|text, out| {
    ///             for &b in text {
    ///                 if b == b'\t' {
    ///                     out.push(b"\\t")?;
    ///                 } else {
    ///                     out.spare(1)?[0] = b;
    ///                     out.advance(1)?;
    ///                 }
    ///             }
    ///             Ok(())
    ///         })?;
    ///     assert_eq!(escaped.str_bytes(), Some(&br"a\tb"[..]));
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn fill_buf<F>(self, fill: F) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(L::Lent<'s>, &mut StrBuf<'s>) -> Result<()> + Send,
    {
        self.build(Buf(fill))
    }

    /// The one way every `str` is built: the mode from the inputs, then the
    /// sink writes the storage.
    fn build<S: Sink<L>>(self, sink: S) -> Result<Object<'py>> {
        let NewStr {
            py,
            capacity,
            inputs,
            release_gil_from,
        } = self;
        let Some((lent, len)) = inputs.immutable() else {
            // Memory Python may change: asked first (an Unpinned exporter
            // runs its procs, foreign code, which must not run once the new
            // str exists), then lent in one scope with the new str.
            let regions = crate::scope::prepare(&inputs)?;
            let (s, ptr) = fresh(py, capacity, S::ZEROED)?;
            // SAFETY: asked for just now, with no Python code run since; the
            // closure runs the sink (Send) and finishes the str: no Python
            // code.
            return unsafe {
                crate::scope::lend_prepared::<L, _, _>(py, regions, move |lent| {
                    // The new str's storage, ours alone, which cannot
                    // overlap the inputs' memory (it did not exist when they
                    // were lent); finished inside the scope, before what was
                    // dropped in it is released.
                    let written = sink.write(lent, ptr, capacity)?;
                    finish(py, s, capacity, written)
                })
            };
        };
        // Immutable inputs (or none): nothing to ask, nothing Python can
        // change, even with the GIL released.
        let release = release_gil_from.is_some_and(|min| len >= min);
        let (s, ptr) = fresh(py, capacity, S::ZEROED)?;
        if release && !ffi::PY_TRACE_REFS {
            let out = Unshared(ptr);
            let written = py.allow_threads(move || {
                let out = out;
                // As in the scope the Py_TRACE_REFS build runs the sink in.
                let _forbidden = crate::runtime::forbid_python_here();
                // The new str's storage is ours alone: with no Py_TRACE_REFS
                // nothing lists it, so no other thread can reach it.
                // SAFETY: that storage, for as long as the sink runs; the
                // inputs are immutable memory of objects borrowed for longer.
                unsafe { sink.write(lent, out.0, capacity) }
            })?;
            finish(py, s, capacity, written)
        } else {
            crate::scope::run(py, move || {
                // SAFETY: the new str's storage, ours alone; the scope keeps
                // Python code, which could find it, from running until it
                // is finished (or freed, on an error or a panic).
                let written = unsafe { sink.write(lent, ptr, capacity) }?;
                finish(py, s, capacity, written)
            })
        }
    }
}

impl<L> std::fmt::Debug for NewStr<'_, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStr")
            .field("capacity", &self.capacity)
            .field("release_gil_from", &self.release_gil_from)
            .finish_non_exhaustive()
    }
}

/// What writes a new `str`'s storage: a fill closure, given the storage as
/// its kind of sink lends it.
trait Sink<L: Lend>: Send {
    /// Whether the storage is zeroed before the sink gets it.
    const ZEROED: bool;

    /// Run the fill closure over `lent` and the storage; how many bytes it
    /// wrote.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for writes of `capacity` bytes (zeroed if
    /// [`ZEROED`](Sink::ZEROED)), and nothing else reads or writes them
    /// while this runs (nor Python code, which could find the `str`).
    unsafe fn write<'s>(self, lent: L::Lent<'s>, ptr: *mut u8, capacity: usize) -> Result<usize>;
}

/// [`NewStr::fill`]'s sink: a zeroed `&mut [u8]`.
struct Slice<F>(F);

impl<L: Lend, F> Sink<L> for Slice<F>
where
    F: for<'s> FnOnce(L::Lent<'s>, &'s mut [u8]) -> Result<usize> + Send,
{
    const ZEROED: bool = true;

    unsafe fn write<'s>(self, lent: L::Lent<'s>, ptr: *mut u8, capacity: usize) -> Result<usize> {
        // SAFETY: zeroed, valid and ours alone while this runs (the
        // caller's contract); the slice cannot outlive `self.0`, which is
        // generic over its lifetime.
        (self.0)(lent, unsafe { crate::scope::exclusive(ptr, capacity) })
    }
}

/// [`NewStr::fill_buf`]'s sink: a [`StrBuf`].
struct Buf<F>(F);

impl<L: Lend, F> Sink<L> for Buf<F>
where
    F: for<'s> FnOnce(L::Lent<'s>, &mut StrBuf<'s>) -> Result<()> + Send,
{
    const ZEROED: bool = false;

    unsafe fn write<'s>(self, lent: L::Lent<'s>, ptr: *mut u8, capacity: usize) -> Result<usize> {
        // SAFETY: valid and ours alone while this runs (the caller's
        // contract), as StrBuf::new needs.
        let mut buf = unsafe { StrBuf::new(ptr, capacity) };
        (self.0)(lent, &mut buf)?;
        Ok(buf.len())
    }
}

/// The storage of a new `str` being written, from the start: what the
/// [`NewStr::fill_buf`] lends.
///
/// Like a `Vec<u8>`'s spare capacity, it is uninitialised until written,
/// and only what is written is ever shown as bytes: [`push`](StrBuf::push)
/// copies bytes in; [`spare`](StrBuf::spare) lends the next bytes as a
/// `&mut [u8]` (zeroing those not written before), and
/// [`advance`](StrBuf::advance) counts as written as many of them as were
/// lent. Writing past the capacity is an error (`SystemError`), never a
/// write out of bounds. It stays on the thread it was lent to (it is not
/// `Send`), where the scope that keeps Python code from finding the new
/// `str` holds.
pub struct StrBuf<'s> {
    ptr: *mut u8,
    capacity: usize,
    /// Bytes written: `[0, filled)`, all initialised.
    filled: usize,
    /// Bytes initialised (written, or zeroed for `spare`): `[0, init)`.
    init: usize,
    _lent: PhantomData<&'s mut [u8]>,
}

impl<'s> StrBuf<'s> {
    /// # Safety
    ///
    /// `ptr` is valid for writes of `capacity` bytes and not NULL, and
    /// nothing else reads or writes them for `'s`.
    unsafe fn new(ptr: *mut u8, capacity: usize) -> StrBuf<'s> {
        StrBuf {
            ptr,
            capacity,
            filled: 0,
            init: 0,
            _lent: PhantomData,
        }
    }

    /// The bytes the `str` can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bytes written so far: the `str`'s length if `fill` returns now.
    pub fn len(&self) -> usize {
        self.filled
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// The bytes that can still be written.
    pub fn remaining(&self) -> usize {
        self.capacity - self.filled
    }

    /// The bytes written so far.
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `[0, filled)` is initialised (filled <= init) and ours.
        unsafe { std::slice::from_raw_parts(self.ptr, self.filled) }
    }

    /// The bytes written so far, to change (a header written last).
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `filled`, borrowed mutably through `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.filled) }
    }

    /// Append `bytes`. `SystemError` if they do not fit.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() > self.remaining() {
            return Err(overflow(self.capacity, self.filled, bytes.len()));
        }
        // SAFETY: `filled + bytes.len() <= capacity` bytes of our storage;
        // `bytes` cannot overlap it (nothing else can reach it, and the
        // slices `self` lends borrow it).
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(self.filled), bytes.len())
        };
        self.filled += bytes.len();
        self.init = self.init.max(self.filled);
        Ok(())
    }

    /// The next `n` bytes after those written, to write into before
    /// [`advance`](StrBuf::advance) counts them: zeroed, except those a
    /// previous `spare` lent (which keep what was written there).
    /// `SystemError` if fewer than `n` remain.
    pub fn spare(&mut self, n: usize) -> Result<&mut [u8]> {
        if n > self.remaining() {
            return Err(overflow(self.capacity, self.filled, n));
        }
        let end = self.filled + n;
        if end > self.init {
            // SAFETY: `[init, end)` is within our storage (end <= capacity).
            unsafe { std::ptr::write_bytes(self.ptr.add(self.init), 0, end - self.init) };
            self.init = end;
        }
        // SAFETY: `[filled, end)` is initialised (end <= init) and ours,
        // borrowed mutably through `self`.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.ptr.add(self.filled), n) })
    }

    /// Count `n` more bytes as written: bytes a [`spare`](StrBuf::spare)
    /// lent. `SystemError` for more than were lent.
    pub fn advance(&mut self, n: usize) -> Result<()> {
        if n > self.init - self.filled {
            return Err(Error::new(
                ExceptionType::SystemError,
                format!(
                    "StrBuf::advance({n}) past the {} bytes lent by spare",
                    self.init - self.filled
                ),
            ));
        }
        self.filled += n;
        Ok(())
    }
}

impl std::fmt::Debug for StrBuf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrBuf")
            .field("len", &self.filled)
            .field("capacity", &self.capacity)
            .finish()
    }
}

#[cold]
fn overflow(capacity: usize, filled: usize, n: usize) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!("{n} more bytes into a new str of {capacity} holding {filled}"),
    )
}

/// The new str's storage, carried into `allow_threads`' closure.
struct Unshared(*mut u8);

// SAFETY: the storage of a str no other thread can reach (see
// NewStr::build); only the closure it is moved into uses it.
unsafe impl Send for Unshared {}
