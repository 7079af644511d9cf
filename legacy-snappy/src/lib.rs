//! `snappy._snappy`: the C++ extension module of python-snappy 0.5.4
//! (`snappy/snappymodule.cc`, over Google's libsnappy) ported to Rust on
//! legacy-buffer, with no `unsafe`.
//!
//! ```text
//! compress(data) -> str            Snappy's raw format ("s*")
//! uncompress(data) -> str          and its alias decompress ("s*")
//! isValidCompressed(data) -> bool  ("s#")
//! _crc32c(data) -> long            CRC-32C, RFC 3720 ("s*")
//! CompressError, UncompressError, InvalidCompressedInputError,
//! CompressedLengthError            (snappy.*, derived from Exception)
//! __version__                      "0.4.1", as the C module says
//! ```
//!
//! The same functions, argument parsing, results and exceptions as the
//! original: the sdist's own test suite passes on it, and
//! `tests/python/snappy_parity.py` compares the two module for module, case
//! for case (`tests/tests/snappy_port.rs` runs both, on release and debug
//! builds of Python). Compression is the [`snap`] crate's, which produces
//! libsnappy's bytes.
//!
//! What the C module does differently, on purpose (the parity test shows
//! the cases):
//! - its arguments go through `PyArg_ParseTuple`, which passes on a buffer
//!   exporter's misbehaviour (a proc that succeeds with an exception set,
//!   or gives NULL with a length); legacy-buffer's parser raises
//!   `SystemError` instead;
//! - `isValidCompressed`'s `s#` gives a C `int` length there (no
//!   `PY_SSIZE_T_CLEAN`), refusing buffers of 2 GiB or more with
//!   `OverflowError`; here it is a `Py_ssize_t`;
//! - inputs of 4 GiB or more: libsnappy writes a header that cannot hold
//!   their length (a stream no decompressor reads back); here they are a
//!   `CompressError`.
//!
//! Build the importable module with the `extension-module` feature and
//! install `liblegacy_snappy.so` as `snappy/_snappy.so` of python-snappy's
//! Python package (`_snappy_d.so` for python2.7-dbg).

// A port on legacy-buffer needs no `unsafe` (`deny`, not `forbid`:
// py_module! allows the one lint it trips, for init_snappy's symbol).
#![deny(unsafe_code)]
#![warn(missing_docs)]

use legacy_buffer::extension::{Args, Long, View};
use legacy_buffer::{py_module, Buffer, Bytes, Object, Python, Result};

/// Inputs from this length on are compressed with the GIL released, as the
/// C module releases it for every input: below it, releasing and taking the
/// GIL back costs more than it lets other threads do.
const RELEASE_THE_GIL_FROM: usize = 64 << 10;

/// The most a Snappy stream expands: a copy element of 2 or 3 bytes gives
/// at most 64. A stream claiming more than this many times its own length
/// cannot decompress, so it is refused before its output is allocated (the
/// C module allocates, then fails the same way).
const MAX_EXPANSION: usize = 32;

/// libsnappy's `snappy_strerror` for what snap reports.
fn strerror(error: &snap::Error) -> &'static str {
    match error {
        snap::Error::BufferTooSmall { .. } => "buffer too small",
        _ => "invalid input",
    }
}

/// `compress(data) -> str`, `"s*"`.
fn compress<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let (input,): (View,) = args.parse("s*")?;
    let capacity = snap::raw::max_compress_len(input.len());
    if capacity == 0 && !input.is_empty() {
        // Longer than a Snappy header can say (4 GiB or more).
        return Err(CompressError.err("Error while compressing: invalid input"));
    }
    let compressed = |data: &[u8], out: &mut [u8]| {
        snap::raw::Encoder::new()
            .compress(data, out)
            .map_err(|e| CompressError.err(format!("Error while compressing: {}", strerror(&e))))
    };
    match input.as_bytes() {
        // Immutable memory (a str): may be read with the GIL released.
        Some(data) if data.len() >= RELEASE_THE_GIL_FROM => {
            Object::str_with_gil_released(py, capacity, |out| compressed(data, out))
        }
        Some(data) => Object::str_with(py, capacity, |out| compressed(data, out)),
        // Memory Python may change (a bytearray, an array): read in a
        // no-Python scope, with the GIL kept.
        None => Object::str_from(py, Bytes(&input), capacity, compressed),
    }
}

/// `uncompress(data) -> str` and `decompress(data) -> str`, `"s*"`.
fn uncompress<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let (input,): (View,) = args.parse("s*")?;
    let claimed = input.with_bytes(uncompressed_len)?;
    let Some(length) = claimed else {
        return Err(CompressedLengthError.err("Can not calculate uncompressed length"));
    };
    let invalid = || UncompressError.err("Error while decompressing: invalid input");
    if length > input.len().saturating_mul(MAX_EXPANSION) {
        return Err(invalid());
    }
    let uncompressed = |data: &[u8], out: &mut [u8]| {
        snap::raw::Decoder::new()
            .decompress(data, out)
            .map_err(|e| {
                UncompressError.err(format!("Error while decompressing: {}", strerror(&e)))
            })
    };
    match input.as_bytes() {
        Some(data) if data.len() >= RELEASE_THE_GIL_FROM => {
            Object::str_with_gil_released(py, length, |out| uncompressed(data, out))
        }
        Some(data) => Object::str_with(py, length, |out| uncompressed(data, out)),
        None => Object::str_from(py, Bytes(&input), length, uncompressed),
    }
}

/// The length a stream's header says, as libsnappy's
/// `snappy_uncompressed_length` reads it: an empty stream has no header
/// (snap reads it as length 0).
fn uncompressed_len(data: &[u8]) -> Option<usize> {
    if data.is_empty() {
        return None;
    }
    snap::raw::decompress_len(data).ok()
}

std::thread_local! {
    /// Where isValidCompressed decompresses to (libsnappy validates without
    /// writing; snap decompresses): kept between calls, up to 1 MiB.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `isValidCompressed(data) -> bool`, `"s#"`: whether `data` decompresses.
fn is_valid_compressed(_py: Python<'_>, args: Args<'_, '_>) -> Result<bool> {
    let (input,): (Buffer,) = args.parse("s#")?;
    input.with_bytes(|data| match uncompressed_len(data) {
        Some(length) if length <= data.len().saturating_mul(MAX_EXPANSION) => {
            SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                if scratch.len() < length {
                    scratch.resize(length, 0);
                }
                let valid = snap::raw::Decoder::new().decompress(data, &mut scratch[..length])
                    == Ok(length);
                if scratch.len() > 1 << 20 {
                    *scratch = Vec::new();
                }
                valid
            })
        }
        _ => false,
    })
}

/// CRC-32C (Castagnoli), as python-snappy's `crc32c.c` computes it; sixteen
/// tables, sixteen bytes a step.
const CRC32C: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

/// `_crc32c(data) -> long`, `"s*"`: a `long` whatever its value, as the C
/// module's `PyLong_FromUnsignedLong` makes it.
fn crc32c(_py: Python<'_>, args: Args<'_, '_>) -> Result<Long<u32>> {
    let (input,): (View,) = args.parse("s*")?;
    input.with_bytes(|data| Long(CRC32C.checksum(data)))
}

py_module! {
    module _snappy {
        functions: {
            compress(args) => compress, "Compress a string using the snappy library.";
            uncompress(args) => uncompress, "Uncompress a string compressed with the snappy library.";
            decompress(args) => uncompress, "Alias to Uncompress method, to be compatible with zlib.";
            isValidCompressed(args) => is_valid_compressed,
                "Returns True if the compressed buffer is valid, False otherwise";
            _crc32c(args) => crc32c, "Generate an RFC3720, section 12.1 CRC-32C";
        }
        exceptions: {
            CompressError(Exception) = "snappy.CompressError";
            UncompressError(Exception) = "snappy.UncompressError";
            InvalidCompressedInputError(Exception) = "snappy.InvalidCompressedInputError";
            CompressedLengthError(Exception) = "snappy.CompressedLengthError";
        }
        constants: {
            __version__: str = "0.4.1";
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_is_castagnoli() {
        // RFC 3720, B.4: 32 bytes of zeros.
        assert_eq!(CRC32C.checksum(&[0u8; 32]), 0x8a91_36aa);
        assert_eq!(CRC32C.checksum(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn streams_expand_at_most_max_expansion_times() {
        // The most expanding stream: a one-byte literal, then copies of 64
        // bytes at offset 1, three bytes each.
        let data = vec![b'a'; 1 + 64 * 1000];
        let packed = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert!(
            data.len() <= packed.len() * MAX_EXPANSION,
            "{}",
            packed.len()
        );
    }

    #[test]
    fn strerror_names_libsnappys_statuses() {
        let too_small = snap::Error::BufferTooSmall { given: 1, min: 2 };
        assert_eq!(strerror(&too_small), "buffer too small");
        assert_eq!(strerror(&snap::Error::Empty), "invalid input");
    }
}
