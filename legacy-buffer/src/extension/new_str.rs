//! A `str` built in place, for compressors and encoders whose output size is
//! bounded before they run: `PyString_FromStringAndSize(NULL, n)`, the bytes
//! written straight into the new object (no copy), then `_PyString_Resize`
//! down to the length written.
//!
//! The new `str` is Python's memory, lent as a `&mut [u8]`: zeroed first
//! (a Rust slice must never show uninitialised bytes), and never visible to
//! Python code while lent. Or lent as a [`StrBuf`] (the `*_buf`
//! constructors), written from the start: only the room asked for is
//! zeroed, for encoders whose worst case is far above what they write.
//!
//! Nothing can find a `str` nobody refers to, except, in builds with
//! `Py_TRACE_REFS` (python2.7-dbg), `sys.getobjects`: so no Python code runs
//! between making the `str` and finishing it. It is finished (or freed)
//! inside the no-Python scope, before the scope ends and releases what was
//! dropped in it (which may run a `__del__`).

use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use crate::object::Object;
use crate::scope::Lend;
use legacy_buffer_sys as ffi;
use std::marker::PhantomData;

/// A new `str` of `capacity` zeroed bytes, which only we hold, and where its
/// bytes are.
fn fresh(py: Python<'_>, capacity: usize) -> Result<(Object<'_>, *mut u8)> {
    let (s, ptr) = fresh_uninit(py, capacity)?;
    // SAFETY: `capacity` bytes of the new str's storage, ours alone (for
    // capacity 0, the shared empty str, of which no byte is written).
    unsafe { std::ptr::write_bytes(ptr, 0, capacity) };
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
    /// A new `str` of at most `capacity` bytes, filled in place by `fill`,
    /// which returns how many it wrote (see the module docs: no copy; the
    /// bytes start zeroed).
    ///
    /// `fill` runs in a no-Python scope (it is `Send`; see
    /// [`no_python`](crate::no_python)). Fails with `MemoryError` (or
    /// Python's `OverflowError`) if the `str` cannot be allocated, and with
    /// `SystemError` if `fill` reports more bytes than `capacity`; an error
    /// `fill` returns is returned as it is.
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let upper = Object::str_with(py, 16, |out| {
    ///         let text = b"in place";
    ///         out[..text.len()].copy_from_slice(&text.to_ascii_uppercase());
    ///         Ok(text.len())
    ///     })?;
    ///     assert_eq!(upper.repr()?, "'IN PLACE'");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn str_with<F>(py: Python<'py>, capacity: usize, fill: F) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> Result<usize> + Send,
    {
        let (s, ptr) = fresh(py, capacity)?;
        crate::scope::run(py, move || {
            // SAFETY: the new str's zeroed storage, ours alone; the scope
            // keeps Python code, which could find it, from running until it
            // is finished (or freed, on an error or a panic).
            let written = fill(unsafe { crate::scope::exclusive(ptr, capacity) })?;
            finish(py, s, capacity, written)
        })
    }

    /// As [`str_with`](Object::str_with), with the memory of `inputs`
    /// ([`Bytes`](crate::Bytes), [`BytesMut`](crate::BytesMut) or a tuple of
    /// them, as [`no_python`](crate::no_python) takes) lent to `fill` too, in
    /// the same scope: an encoder reading a buffer of any exporter.
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Bytes, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let a = py.eval("__import__('array').array('B', [104, 105])")?;
    ///     let buf = a.read_buffer()?;
    ///     let hex = Object::str_from(py, Bytes(&buf), 2 * buf.len(), |bytes, out| {
    ///         for (pair, b) in out.chunks_mut(2).zip(bytes) {
    ///             pair.copy_from_slice(format!("{b:02x}").as_bytes());
    ///         }
    ///         Ok(2 * bytes.len())
    ///     })?;
    ///     assert_eq!(hex.repr()?, "'6869'");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn str_from<L, F>(
        py: Python<'py>,
        inputs: L,
        capacity: usize,
        fill: F,
    ) -> Result<Object<'py>>
    where
        L: Lend,
        F: for<'s> FnOnce(L::Lent<'s>, &'s mut [u8]) -> Result<usize> + Send,
    {
        // Inputs first: asking an Unpinned exporter again runs its procs,
        // foreign code, which must not run once the new str exists.
        let lent = crate::scope::prepare(&inputs)?;
        let (s, ptr) = fresh(py, capacity)?;
        // SAFETY: asked for just now, with no Python code run since; the
        // closure runs `fill` (Send) and finishes the str: no Python code.
        unsafe {
            crate::scope::lend_prepared::<L, _, _>(py, lent, move |inputs| {
                // The new str's zeroed storage, ours alone, which cannot
                // overlap the inputs' memory (it did not exist when they
                // were lent); finished inside the scope, as in str_with.
                let written = fill(inputs, crate::scope::exclusive(ptr, capacity))?;
                finish(py, s, capacity, written)
            })
        }
    }

    /// As [`str_with`](Object::str_with), with the GIL released while
    /// `fill` runs, as C encoders do around long work
    /// (`Py_BEGIN_ALLOW_THREADS`): other threads run Python meanwhile.
    /// `fill` may read immutable bytes it captured (a `&[u8]` from
    /// [`Buffer::as_bytes`](crate::Buffer::as_bytes)); nothing else of Python's
    /// can cross (it is `Send`).
    ///
    /// Other threads cannot find the new `str` — except through
    /// `sys.getobjects` in builds with `Py_TRACE_REFS` (python2.7-dbg): there
    /// the GIL is kept, and `fill` runs in a no-Python scope as for
    /// `str_with`; the result is the same. So that `fill` behaves the same on
    /// every build, it may not take the GIL back: [`with_gil`](crate::with_gil)
    /// inside it panics, as in a scope, whether the GIL was released or
    /// kept.
    pub fn str_with_gil_released<F>(
        py: Python<'py>,
        capacity: usize,
        fill: F,
    ) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> Result<usize> + Send,
    {
        if ffi::PY_TRACE_REFS {
            return Object::str_with(py, capacity, fill);
        }
        let (s, ptr) = fresh(py, capacity)?;
        let out = Unshared(ptr);
        let written = py.allow_threads(move || {
            let out = out;
            // As in the scope the Py_TRACE_REFS build runs `fill` in.
            let _forbidden = crate::runtime::forbid_python_here();
            // SAFETY: the new str's zeroed storage, ours alone, which no
            // other thread can reach (no Py_TRACE_REFS: nothing lists it),
            // for as long as `fill` runs.
            fill(unsafe { std::slice::from_raw_parts_mut(out.0, capacity) })
        })?;
        finish(py, s, capacity, written)
    }
}

impl<'py> Object<'py> {
    /// As [`str_with`](Object::str_with), with the new `str`'s storage lent
    /// as a [`StrBuf`] that `fill` writes from the start, instead of a
    /// zeroed `&mut [u8]`: nothing is zeroed but what `fill` asks for as
    /// [`spare`](StrBuf::spare) room and does not write first. For encoders
    /// whose bound on the output is far above what they write (a
    /// compressor's worst case), zeroing that bound costs more than the
    /// encoding. The `str` is what `fill` wrote ([`StrBuf::len`] bytes).
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     // Room for the worst case (every byte escaped), one run of it lent.
    ///     let text = b"a\tb";
    ///     let escaped = Object::str_with_buf(py, 4 * text.len(), |out| {
    ///         for &b in text {
    ///             if b == b'\t' {
    ///                 out.push(b"\\t")?;
    ///             } else {
    ///                 out.spare(1)?[0] = b;
    ///                 out.advance(1)?;
    ///             }
    ///         }
    ///         Ok(())
    ///     })?;
    ///     assert_eq!(escaped.repr()?, r"'a\\tb'");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn str_with_buf<F>(py: Python<'py>, capacity: usize, fill: F) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(&mut StrBuf<'s>) -> Result<()> + Send,
    {
        let (s, ptr) = fresh_uninit(py, capacity)?;
        crate::scope::run(py, move || {
            // SAFETY: the new str's storage, ours alone; the scope keeps
            // Python code, which could find it (and its uninitialised
            // bytes), from running until it is finished or freed.
            let mut buf = unsafe { StrBuf::new(ptr, capacity) };
            fill(&mut buf)?;
            finish(py, s, capacity, buf.len())
        })
    }

    /// As [`str_from`](Object::str_from), with the new `str`'s storage lent
    /// as a [`StrBuf`] (see [`str_with_buf`](Object::str_with_buf)).
    pub fn str_from_buf<L, F>(
        py: Python<'py>,
        inputs: L,
        capacity: usize,
        fill: F,
    ) -> Result<Object<'py>>
    where
        L: Lend,
        F: for<'s> FnOnce(L::Lent<'s>, &mut StrBuf<'s>) -> Result<()> + Send,
    {
        // Inputs first, as in str_from.
        let lent = crate::scope::prepare(&inputs)?;
        let (s, ptr) = fresh_uninit(py, capacity)?;
        // SAFETY: asked for just now, with no Python code run since; the
        // closure runs `fill` (Send) and finishes the str: no Python code.
        unsafe {
            crate::scope::lend_prepared::<L, _, _>(py, lent, move |inputs| {
                // The new str's storage, ours alone, which cannot overlap
                // the inputs' memory (it did not exist when they were
                // lent); finished inside the scope, as in str_with_buf.
                let mut buf = StrBuf::new(ptr, capacity);
                fill(inputs, &mut buf)?;
                finish(py, s, capacity, buf.len())
            })
        }
    }

    /// As [`str_with_gil_released`](Object::str_with_gil_released), with
    /// the new `str`'s storage lent as a [`StrBuf`] (see
    /// [`str_with_buf`](Object::str_with_buf)).
    pub fn str_with_buf_gil_released<F>(
        py: Python<'py>,
        capacity: usize,
        fill: F,
    ) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(&mut StrBuf<'s>) -> Result<()> + Send,
    {
        if ffi::PY_TRACE_REFS {
            return Object::str_with_buf(py, capacity, fill);
        }
        let (s, ptr) = fresh_uninit(py, capacity)?;
        let out = Unshared(ptr);
        let written = py.allow_threads(move || {
            let out = out;
            // As in the scope the Py_TRACE_REFS build runs `fill` in.
            let _forbidden = crate::runtime::forbid_python_here();
            // SAFETY: the new str's storage, ours alone, which no other
            // thread can reach (no Py_TRACE_REFS: nothing lists it), for as
            // long as `fill` runs.
            let mut buf = unsafe { StrBuf::new(out.0, capacity) };
            fill(&mut buf).map(|()| buf.len())
        })?;
        finish(py, s, capacity, written)
    }
}

/// The storage of a new `str` being written, from the start: what the
/// `*_buf` constructors ([`Object::str_with_buf`] and its siblings) lend.
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
// str_with_gil_released); only the closure it is moved into uses it.
unsafe impl Send for Unshared {}
