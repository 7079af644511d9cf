//! `legacy_checksum_rs`: the Rust port of the `legacy_checksum` C extension
//! module (`tests/c/legacy_checksum.c`), a Python 2.7 extension module built
//! on legacy-buffer.
//!
//! ```text
//! adler32(buf[, start])  same result as zlib.adler32 (a signed 32-bit int)
//! crc32(buf[, start])    same result as zlib.crc32 (a signed 32-bit int)
//! count(buf, byte)       occurrences of byte (0..255) in buf
//! xor_into(dst, key)     dst[i] ^= key[i % len(key)], in place
//! length(buf)            len of buf's bytes
//! mismatch(a, b[, start]) index of the first byte at or after start where
//!                         a and b differ (within the shorter), or -1
//! ```
//!
//! Same functions, arguments, results and exceptions (type and message) as
//! the C module; `tests/python/test_legacy_checksum.py` checks them against
//! it at run time. Besides, the hidden `_panic()` panics, to show that a
//! panic becomes a Python `SystemError` rather than unwinding into C.
//!
//! Build the importable module with the `extension-module` feature (libpython
//! is not linked), and install `liblegacy_checksum.so` as
//! `legacy_checksum_rs.so` (`legacy_checksum_rs_d.so` for `python2.7-dbg`,
//! built against its headers).
//!
//! The module is declared with legacy-buffer's `py_module!`: every
//! function body is plain Rust returning a Rust value (`c_long` checksums as
//! the C module's `PyInt_FromLong`, `usize` counts as its
//! `PyInt_FromSsize_t`, `()` as `None`), run through legacy-buffer's
//! trampoline, which catches panics and raises errors. Memory is read and written zero-copy, whatever the
//! exporter, through legacy-buffer's no-Python scope (see
//! [`buffers::with_readable`]): no `unsafe` touches it.

// A port on legacy-buffer needs none: the module, its entry points, the
// argument parsing and the memory access are the library's. (`deny`, not
// `forbid`: py_module! allows the one lint it trips, for the export_name
// that gives Python the init function's symbol.)
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod buffers;
pub mod checksum;

use legacy_buffer::extension::Args;
use legacy_buffer::{
    no_python, py_format, py_module, Borrowed, Buffer, Bytes, Error, ExceptionType, Python, Result,
};

// The importable module must not link libpython (see Cargo.toml).
#[cfg(feature = "extension-module")]
const _: () = assert!(!legacy_buffer::ffi::LINKS_LIBPYTHON);

/// `adler32(buf[, start]) -> int` (`"O|I:adler32"`).
fn adler32_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<libc::c_long> {
    let (obj, start): (Borrowed, Option<libc::c_uint>) = args.parse(py_format!("O|I:adler32"))?;
    let start = start.unwrap_or(1);
    let sum = buffers::with_readable(&obj, |bytes| checksum::adler32(start, bytes))?;
    Ok(checksum::signed(sum))
}

/// `crc32(buf[, start]) -> int` (`"O|I:crc32"`).
fn crc32_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<libc::c_long> {
    let (obj, start): (Borrowed, Option<libc::c_uint>) = args.parse(py_format!("O|I:crc32"))?;
    let start = start.unwrap_or(0);
    let sum = buffers::with_readable(&obj, |bytes| checksum::crc32(start, bytes))?;
    Ok(checksum::signed(sum))
}

/// `count(buf, byte) -> int` (`"Oi:count"`); the byte is checked before the
/// buffer is looked at.
fn count_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
    let (obj, byte): (Borrowed, libc::c_int) = args.parse(py_format!("Oi:count"))?;
    let Ok(byte) = u8::try_from(byte) else {
        return Err(Error::new(
            ExceptionType::ValueError,
            "count() byte must be in range(0, 256)",
        ));
    };
    buffers::with_readable(&obj, |bytes| checksum::count(bytes, byte))
}

/// `xor_into(dst, key) -> None` (`"OO:xor_into"`): the key is read, checked
/// and copied before `dst` is asked for its memory (asking may run the
/// exporter's procs, which may move the key's: they can be one object).
fn xor_into_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<()> {
    let (dst, key): (Borrowed, Borrowed) = args.parse(py_format!("OO:xor_into"))?;
    let key = buffers::with_readable(&key, |bytes| bytes.to_vec())?;
    if key.is_empty() {
        return Err(Error::new(
            ExceptionType::ValueError,
            "xor_into() key must not be empty",
        ));
    }
    buffers::xor_into(&dst, &key)
}

/// `length(buf) -> int` (`"O:length"`).
fn length_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
    let (obj,): (Borrowed,) = args.parse(py_format!("O:length"))?;
    buffers::with_readable(&obj, |bytes| bytes.len())
}

/// `mismatch(a, b[, start]) -> int` (`"s#s#|n:mismatch"`): the index of
/// the first byte at or after `start` where `a` and `b` differ, within the
/// shorter, or -1. Two `str` (or `unicode`, default-encoded) are compared
/// in place with no scope at all; other buffers (`array`, `mmap`, `buffer`
/// objects) are lent together to one no-Python scope (read-only: no
/// overlap check).
fn mismatch_body(_py: Python<'_>, args: Args<'_, '_>) -> Result<isize> {
    let (a, b, start): (Buffer, Buffer, Option<isize>) =
        args.parse(py_format!("s#s#|n:mismatch"))?;
    let Ok(start) = usize::try_from(start.unwrap_or(0)) else {
        return Err(Error::new(
            ExceptionType::ValueError,
            "mismatch() start must not be negative",
        ));
    };
    let found = match (a.as_bytes(), b.as_bytes()) {
        (Some(a), Some(b)) => checksum::mismatch(a, b, start),
        _ => no_python((Bytes(&a), Bytes(&b)), |(a, b)| {
            checksum::mismatch(a, b, start)
        })?,
    };
    // An index into a buffer fits isize (its length was a Py_ssize_t).
    Ok(found.map_or(-1, |i| i as isize))
}

/// `_panic()` (`METH_NOARGS`, hidden): panics, which the trampoline turns
/// into `SystemError("Rust panic: ...")`; for the test suite.
fn rust_panic(_py: Python<'_>) -> Result<()> {
    panic!("legacy_checksum_rs._panic() was called")
}

py_module! {
    module legacy_checksum_rs {
        doc: "Checksums and byte operations over objects with the old buffer protocol\n\
              (the Rust port of legacy_checksum).",
        functions: {
            adler32(args) => adler32_body, "adler32(buf[, start]) -> int\n\n\
                Adler-32 of the bytes of buf, continuing from start (default 1),\n\
                as a signed int like zlib.adler32.";
            crc32(args) => crc32_body, "crc32(buf[, start]) -> int\n\n\
                CRC-32 of the bytes of buf, continuing from start (default 0),\n\
                as a signed int like zlib.crc32.";
            count(args) => count_body, "count(buf, byte) -> int\n\n\
                Number of bytes of buf equal to byte, an int in range(0, 256).";
            xor_into(args) => xor_into_body, "xor_into(dst, key) -> None\n\n\
                XOR the bytes of key, repeated, into the writable buffer dst.\n\
                key is read (and must be non-empty) before dst is looked at.";
            length(args) => length_body, "length(buf) -> int\n\n\
                Number of bytes in buf's buffer.";
            mismatch(args) => mismatch_body, "mismatch(a, b[, start]) -> int\n\n\
                Index of the first byte at or after start (default 0) where a and b\n\
                differ, within the shorter of the two, or -1 if none does (then compare\n\
                their lengths). start must not be negative.";
            _panic() => rust_panic, "_panic() -> does not return\n\n\
                Panic in Rust: raises SystemError (for the tests).";
        }
    }
}
