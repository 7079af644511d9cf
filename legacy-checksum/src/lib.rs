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
//! Every function body runs inside [`trampoline`], which catches panics and
//! raises errors. Memory is read and written zero-copy, whatever the
//! exporter, through legacy-buffer's no-Python scope (see
//! [`buffers::with_readable`]): no `unsafe` touches it.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    missing_docs,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]

pub mod args;
pub mod buffers;
pub mod checksum;

use crate::args::{positional, required};
use legacy_buffer::extension::{trampoline, Args};
use legacy_buffer::{ffi, ExceptionType, Object, Python, Result};
use std::ffi::CStr;
use std::ptr;

// Counts and lengths are returned as the C module's PyInt_FromSsize_t does,
// through legacy-buffer's `Object::int(c_long)`: the same where `long` and
// `Py_ssize_t` are one width, as on every LP64 target Python 2.7 runs on.
const _: () = assert!(std::mem::size_of::<libc::c_long>() == std::mem::size_of::<isize>());

// The importable module must not link libpython (see Cargo.toml).
#[cfg(feature = "extension-module")]
const _: () = assert!(!ffi::LINKS_LIBPYTHON);

/// `adler32(buf[, start]) -> int` (`"O|I:adler32"`).
fn adler32_body<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let [obj, start] = positional(py, &args, "adler32", 1)?;
    let start = match start {
        Some(start) => args::unsigned_int_mask(&start)?,
        None => 1,
    };
    let sum = buffers::with_readable(&required(obj), |bytes| checksum::adler32(start, bytes))?;
    Object::int(py, checksum::signed(sum))
}

/// `crc32(buf[, start]) -> int` (`"O|I:crc32"`).
fn crc32_body<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let [obj, start] = positional(py, &args, "crc32", 1)?;
    let start = match start {
        Some(start) => args::unsigned_int_mask(&start)?,
        None => 0,
    };
    let sum = buffers::with_readable(&required(obj), |bytes| checksum::crc32(start, bytes))?;
    Object::int(py, checksum::signed(sum))
}

/// `count(buf, byte) -> int` (`"Oi:count"`); the byte is checked before the
/// buffer is looked at.
fn count_body<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let [obj, byte] = positional(py, &args, "count", 2)?;
    let byte = args::int(&required(byte))?;
    let Ok(byte) = u8::try_from(byte) else {
        return Err(args::raise(
            py,
            ExceptionType::ValueError,
            "count() byte must be in range(0, 256)",
        ));
    };
    let found = buffers::with_readable(&required(obj), |bytes| checksum::count(bytes, byte))?;
    Object::int(py, found as libc::c_long)
}

/// `xor_into(dst, key) -> None` (`"OO:xor_into"`): the key is read, checked
/// and copied before `dst` is asked for its memory (asking may run the
/// exporter's procs, which may move the key's: they can be one object).
fn xor_into_body<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let [dst, key] = positional(py, &args, "xor_into", 2)?;
    let key = buffers::with_readable(&required(key), |bytes| bytes.to_vec())?;
    if key.is_empty() {
        return Err(args::raise(
            py,
            ExceptionType::ValueError,
            "xor_into() key must not be empty",
        ));
    }
    buffers::xor_into(&required(dst), &key)?;
    Ok(Object::none(py))
}

/// `length(buf) -> int` (`"O:length"`).
fn length_body<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let [obj] = positional(py, &args, "length", 1)?;
    let len = buffers::with_readable(&required(obj), |bytes| bytes.len())?;
    Object::int(py, len as libc::c_long)
}

macro_rules! varargs_function {
    ($(#[$doc:meta])* $name:ident => $body:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// A `PyCFunction` (`METH_VARARGS`): called by Python only, with the
        /// GIL held and the argument tuple.
        unsafe extern "C" fn $name(
            _module: *mut ffi::PyObject,
            args: *mut ffi::PyObject,
        ) -> *mut ffi::PyObject {
            // A closure per function, so that each gets its own trampoline
            // with the body inlined.
            // SAFETY: Python calls this with the GIL held and `args` its
            // argument tuple, alive for the call; the result goes to Python.
            unsafe { trampoline(|py| $body(py, Args::from_ptr(py, args))) }
        }
    };
}

varargs_function!(
    /// The C entry point of `adler32`.
    adler32 => adler32_body
);
varargs_function!(
    /// The C entry point of `crc32`.
    crc32 => crc32_body
);
varargs_function!(
    /// The C entry point of `count`.
    count => count_body
);
varargs_function!(
    /// The C entry point of `xor_into`.
    xor_into => xor_into_body
);
varargs_function!(
    /// The C entry point of `length`.
    length => length_body
);

/// `_panic()` (`METH_NOARGS`, hidden): panics, which [`trampoline`] turns
/// into `SystemError("Rust panic: ...")`; for the test suite.
///
/// # Safety
///
/// A `PyCFunction`: called by Python only, with the GIL held.
unsafe extern "C" fn rust_panic(
    _module: *mut ffi::PyObject,
    _unused: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: Python calls this with the GIL held.
    unsafe { trampoline(|_py| panic!("legacy_checksum_rs._panic() was called")) }
}

/// A `PyMethodDef` entry.
const fn method(
    name: &'static CStr,
    function: ffi::PyCFunction,
    flags: u32,
    doc: &'static CStr,
) -> ffi::PyMethodDef {
    ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: function,
        ml_flags: flags as libc::c_int,
        ml_doc: doc.as_ptr(),
    }
}

/// The method table, ended by a zeroed entry. `static mut` because
/// `Py_InitModule4` takes it as `PyMethodDef *` and Python keeps that pointer;
/// Rust never touches it.
static mut METHODS: [ffi::PyMethodDef; 7] = [
    method(
        c"adler32",
        Some(adler32),
        ffi::METH_VARARGS,
        c"adler32(buf[, start]) -> int\n\n\
          Adler-32 of the bytes of buf, continuing from start (default 1),\n\
          as a signed int like zlib.adler32.",
    ),
    method(
        c"crc32",
        Some(crc32),
        ffi::METH_VARARGS,
        c"crc32(buf[, start]) -> int\n\n\
          CRC-32 of the bytes of buf, continuing from start (default 0),\n\
          as a signed int like zlib.crc32.",
    ),
    method(
        c"count",
        Some(count),
        ffi::METH_VARARGS,
        c"count(buf, byte) -> int\n\n\
          Number of bytes of buf equal to byte, an int in range(0, 256).",
    ),
    method(
        c"xor_into",
        Some(xor_into),
        ffi::METH_VARARGS,
        c"xor_into(dst, key) -> None\n\n\
          XOR the bytes of key, repeated, into the writable buffer dst.\n\
          key is read (and must be non-empty) before dst is looked at.",
    ),
    method(
        c"length",
        Some(length),
        ffi::METH_VARARGS,
        c"length(buf) -> int\n\n\
          Number of bytes in buf's buffer.",
    ),
    method(
        c"_panic",
        Some(rust_panic),
        ffi::METH_NOARGS,
        c"_panic() -> does not return\n\n\
          Panic in Rust: raises SystemError (for the tests).",
    ),
    ffi::PyMethodDef {
        ml_name: ptr::null(),
        ml_meth: None,
        ml_flags: 0,
        ml_doc: ptr::null(),
    },
];

/// The module's docstring.
const MODULE_DOC: &CStr =
    c"Checksums and byte operations over objects with the old buffer protocol\n\
    (the Rust port of legacy_checksum).";

/// The module's init function, which `import legacy_checksum_rs` calls.
///
/// # Safety
///
/// Called by Python's import machinery only: on the thread that holds the
/// GIL, with the interpreter initialised. On failure an exception is left
/// set, which the importer reports.
#[no_mangle]
pub unsafe extern "C" fn initlegacy_checksum_rs() {
    // The name and docstring are static C strings; the method table is a
    // static that only Python reads, NULL-terminated, and lives as long as
    // the process. Py_InitModule4 returns a borrowed reference (or NULL with
    // an exception set, which the importer checks): nothing to release.
    // SAFETY: the GIL is held (the importer calls this); the pointers are
    // valid for as long as Python keeps them (see above).
    unsafe {
        ffi::Py_InitModule4(
            c"legacy_checksum_rs".as_ptr(),
            ptr::addr_of_mut!(METHODS).cast(),
            MODULE_DOC.as_ptr(),
            ptr::null_mut(),
            ffi::PYTHON_API_VERSION as libc::c_int,
        );
    }
}
