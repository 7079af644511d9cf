//! Sound, zero-copy access to CPython 2.7's old buffer protocol
//! (`PyObject_AsCharBuffer`, `PyObject_AsReadBuffer`,
//! `PyObject_CheckReadBuffer`, `PyObject_AsWriteBuffer`) from Rust.
//!
//! ```
//! use legacy_buffer::{with_gil, BufferKind};
//!
//! with_gil(|py| -> legacy_buffer::Result<()> {
//!     let s = py.eval("'hello'")?;
//!     let buf = s.read_buffer()?;
//!     assert_eq!(buf.kind(), BufferKind::Immutable);
//!     assert_eq!(buf.as_bytes(), Some(&b"hello"[..])); // zero-copy &[u8]
//!
//!     let ba = py.eval("bytearray('abc')")?;
//!     let buf = ba.write_buffer()?;
//!     assert_eq!(buf.kind(), BufferKind::Pinned);
//!     buf.as_write_cells().unwrap()[0].set(b'X'); // zero-copy, in place
//!     drop(buf);
//!     assert_eq!(ba.repr()?, "bytearray(b'Xbc')");
//!     Ok(())
//! })?;
//! # Ok::<(), legacy_buffer::Error>(())
//! ```
//!
//! # The soundness model
//!
//! The old protocol hands out a raw pointer and a length, with no lock and no
//! release: the pointer from a `bytearray` dangles after `ba.extend(...)`, from
//! an `array.array` after `append`, from an `mmap` after `close()`, and Python
//! code may write into a `bytearray` at any time. Python code runs far more
//! often than it looks: evaluating code, calling an object, even dropping a
//! reference (`__del__`, weakref callbacks) or allocating (the cycle
//! collector). This crate does not try to stop Python from running while a
//! borrow lives. Instead each borrow is only ever given a form that stays
//! sound whatever Python does:
//!
//! - **H1, H2 — lifetimes.** A [`Buffer`] borrows its [`Object`], and an
//!   `Object<'py>` cannot outlive the [`GilGuard`] (or [`with_gil`] call) its
//!   `Python<'py>` token came from; so nothing taken from a buffer outlives
//!   the object or the GIL. Compile-fail tests check both.
//! - **H3 — no aliasing `&mut`.** The safe API never hands out `&mut [u8]`.
//!   Writable memory is shared as `&[Cell<u8>]`, which may alias anything.
//! - **H4, H5 — memory that moves or changes.** The borrow is classified by the
//!   exporter's *buffer procs* (what really produces the pointer, inherited
//!   by Python subclasses), into a [`BufferKind`]:
//!   - `Immutable`: memory Python can neither change nor free while the
//!     object lives. Given as plain `&[u8]`.
//!   - `Pinned`: taken through the new buffer protocol, which makes the
//!     exporter refuse to resize (`bytearray` raises `BufferError`) until the
//!     buffer is dropped. The memory stays put, but Python may write to it,
//!     so it is given as `&[ReadOnlyCell<u8>]` or `&[Cell<u8>]`, never `&[u8]`.
//!   - `Unpinned`: nothing holds the memory in place. Safe access copies
//!     ([`Buffer::to_vec`], [`Buffer::read_at`], [`Buffer::write_at`]) and asks
//!     the object for its memory again each time, so a resize or `close()`
//!     in between is seen (an error, or the new contents), never a dangling
//!     read. Zero-copy access is `unsafe`
//!     ([`Buffer::as_slice_unchecked`]).
//! - **H6 — threads.** [`GilGuard`], [`Python`], [`Object`], [`Buffer`] and
//!   the cells are neither `Send` nor `Sync`. A `&[u8]` of immutable memory
//!   may cross threads: nothing can change or free it while the object
//!   borrow lives.
//! - **H7 — panics.** [`extension::trampoline`] catches panics in extension
//!   functions and raises them as `SystemError`; no callback of this crate
//!   lets a panic unwind into C. A panic inside [`with_gil`] releases the GIL
//!   on the way out.
//!
//! Only exporters whose procs are known get more than `Unpinned`:
//!
//! | object | char buffer | read buffer | write buffer |
//! | --- | --- | --- | --- |
//! | `str` and subclasses | `Immutable` | `Immutable` | `TypeError` |
//! | `unicode` and subclasses | `Immutable` (default-encoded, cached) | `Immutable` (raw `Py_UNICODE`) | `TypeError` |
//! | `buffer` over `str`/`unicode` | `Immutable` | `Immutable` | `TypeError` |
//! | `bytearray` and subclasses | `Pinned` | `Pinned` | `Pinned` |
//! | `array.array`, `mmap`, ctypes, other C types | `Unpinned` | `Unpinned` | `Unpinned` |
//! | `buffer` over `bytearray`, `array`, ... | `Unpinned` | `Unpinned` | `TypeError` (read-only) |
//! | `int`, `list`, `memoryview`, `None`, ... | `TypeError` | `TypeError` | `TypeError` |
//!
//! Results are exactly the C functions' (same bytes and length, or the same
//! exception type and message); the test suite checks that table against
//! the real interpreter. Lengths are `Py_ssize_t` converted to `usize` with
//! a check: a negative length, or a NULL pointer with a non-zero length,
//! from a misbehaving exporter is a `SystemError`, never a slice. Python code
//! that writes raw memory through `ctypes` is outside any guarantee, as it is
//! for Python itself.
//!
//! # Errors
//!
//! Every failure is an [`Error`] naming the Python exception type and
//! message; the exception has been fetched and cleared, so no call of this
//! crate leaves one set. [`Error::restore`] raises it again.
//!
//! # Embedding and extension modules
//!
//! Embedding: [`GilGuard::acquire`] or [`with_gil`] initialise the
//! interpreter on first use. Extension modules: build with the
//! `extension-module` feature (libpython is not linked), and write each
//! function's body inside [`extension::trampoline`], which gives the
//! `Python` token, raises errors and catches panics; see its example.

#![warn(missing_docs)]

mod buffer;
mod error;
pub mod extension;
mod gil;
mod object;

pub use buffer::{Buffer, BufferKind, ReadOnlyCell};
pub use error::{Error, ExceptionType, Result};
pub use gil::{with_gil, GilGuard, Python};
pub use object::{Borrowed, Object};

/// The raw bindings this crate is built on.
pub use legacy_buffer_sys as ffi;

// The README's example, compiled and run with the crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
