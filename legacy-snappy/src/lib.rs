//! `snappy._snappy`: the C++ extension module of python-snappy 0.5.4
//! (`snappy/snappymodule.cc`, over Google's libsnappy) ported to Rust on
//! legacy-buffer, with no `unsafe`, for Python 2.7 and Python 3 alike.
//!
//! ```text
//! compress(data) -> str            Snappy's raw format ("s*"; 3: bytes, "y*")
//! uncompress(data) -> str          and its alias decompress ("s*"; 3: bytes, "y*")
//! isValidCompressed(data) -> bool  ("s#"; 3: "y#")
//! _crc32c(data) -> long            CRC-32C, RFC 3720 ("s*"; 3: int, "y*")
//! CompressError, UncompressError, InvalidCompressedInputError,
//! CompressedLengthError            (snappy.*, derived from Exception)
//! __version__                      "0.4.1", as the C module says
//! ```
//!
//! The same functions, argument parsing, results and exceptions as the
//! original built for the same Python: the sdist's own test suite passes on
//! it, and `tests/python/snappy_parity.py` compares the two module for
//! module, case for case (`tests/tests/snappy_port.rs` runs both; ci/test
//! on the release and debug builds of Python 2.7 and the release builds of
//! 3.9 and 3.11). Compression and
//! decompression are the [`snap`] crate's: the same format as libsnappy's
//! (most outputs byte for byte; the parity test counts them, and
//! decompresses each with the original); `isValidCompressed` is
//! libsnappy's validator, written here.
//!
//! # Python 2 and 3: one source, the original's formats
//!
//! The C module picks its formats with the preprocessor: `s*` and `s#`
//! under Python 2, where `str` is bytes; `y*` and `y#` under `#if
//! PY_MAJOR_VERSION >= 3`, which take bytes-like objects only, where `s*`
//! would also take a `str` (as UTF-8). The port writes that `#if` as a
//! constant, not a `#[cfg]`: [`py_format!`]'s argument is a const
//! expression, so [`BYTES`] and [`READ_ONLY_BYTES`] are `if`s on
//! [`legacy_buffer::ffi::PY3`], and only the text chosen is read and
//! checked against the Rust types (a `y` unit is a compile error on Python
//! 2 only where it is chosen). The results are each line's own: `str` and
//! `long` on Python 2, `bytes` and `int` on Python 3, as the original's
//! `PyBytes_FromStringAndSize` and `PyLong_FromUnsignedLong` make them.
//!
//! What the C module does differently, on purpose (the parity test shows
//! the cases):
//! - its arguments go through `PyArg_ParseTuple`, which passes on a buffer
//!   exporter's misbehaviour (a proc that succeeds with an exception set,
//!   or gives NULL with a length); legacy-buffer's parser raises
//!   `SystemError` instead;
//! - `isValidCompressed`'s `s#` (`y#`) gives a C `int` length there (no
//!   `PY_SSIZE_T_CLEAN`), refusing buffers of 2 GiB or more with
//!   `OverflowError`; here it is a `Py_ssize_t`. The same missing macro
//!   makes Python 3.9 warn (`DeprecationWarning: PY_SSIZE_T_CLEAN will be
//!   required for '#' formats`) at each call the original accepts, and
//!   Python 3.10 and later refuse those calls (`SystemError:
//!   PY_SSIZE_T_CLEAN macro must be defined for '#' formats`), which fails
//!   two of the sdist's tests there; the port answers them, neither
//!   warning nor failing (the parity script counts those cases apart, as
//!   deliberate, checking each answer against the original's
//!   `uncompress`);
//! - inputs of 4 GiB or more: libsnappy writes a header that cannot hold
//!   their length (a stream no decompressor reads back); here they are a
//!   `CompressError`.
//!
//! Build the importable module with the `extension-module` feature and
//! install `liblegacy_snappy.so` as `snappy/_snappy.so` of python-snappy's
//! Python package (`_snappy_d.so` for python2.7-dbg; `_snappy.so` for
//! Python 3, whose import takes a plain `.so`).

// A port on legacy-buffer needs no `unsafe` (`deny`, not `forbid`:
// py_module! allows the one lint it trips, for init_snappy's symbol).
#![deny(unsafe_code)]
#![warn(missing_docs)]

use legacy_buffer::extension::{Args, Long, StrBuf, View};
use legacy_buffer::{py_format, py_module, Buffer, Bytes, Object, Python, Result};

/// The format of `compress`, `uncompress` and `_crc32c`: the C module's
/// `#if PY_MAJOR_VERSION >= 3` choice, `y*` (a bytes-like object; a `str`
/// is a `TypeError`) on Python 3, `s*` on Python 2 (a `str`, a `unicode`
/// in the default encoding, or a buffer).
pub const BYTES: &str = if legacy_buffer::ffi::PY3 { "y*" } else { "s*" };

/// The format of `isValidCompressed`, chosen as the C module chooses it:
/// `y#` (a read-only bytes-like object) on Python 3, `s#` on Python 2.
pub const READ_ONLY_BYTES: &str = if legacy_buffer::ffi::PY3 { "y#" } else { "s#" };

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

/// `compress(data) -> str` (`bytes` on Python 3), [`BYTES`].
fn compress<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let (input,): (View,) = args.parse(py_format!(BYTES))?;
    if u32::try_from(input.len()).is_err() {
        // Longer than a Snappy header can say (4 GiB or more). (Below that,
        // each block is compressed on its own: snap's bound for the whole,
        // which ends lower, does not apply.)
        return Err(CompressError.err("Error while compressing: invalid input"));
    }
    let capacity = compress_bound(input.len());
    let compressed = |data: &[u8], out: &mut StrBuf<'_>| {
        ENCODER.with(|encoder| match encoder.try_borrow_mut() {
            Ok(mut encoder) => compress_into(&mut encoder, data, out),
            // Not reentered (no Python code runs in here): a fresh one all
            // the same, rather than a panic, if it ever were.
            Err(_) => compress_into(&mut snap::raw::Encoder::new(), data, out),
        })
    };
    // Immutable memory (a str; bytes on Python 3) is read with the GIL
    // released past the threshold; memory Python may change (a bytearray,
    // an array), in a no-Python scope with the GIL kept: the builder
    // chooses.
    Object::new_str(py, capacity)
        .from(Bytes(&input))
        .release_gil_from(RELEASE_THE_GIL_FROM)
        .fill_buf(compressed)
}

/// Snappy compresses 64 KiB blocks one at a time (libsnappy and snap alike:
/// no copy reaches into another block).
const BLOCK: usize = 1 << 16;

/// The most [`compress_into`] needs: a header, and the worst case of each
/// block. (Room, not memory touched: only what is written is.)
fn compress_bound(len: usize) -> usize {
    let (full, rest) = (len / BLOCK, len % BLOCK);
    let rest = if rest == 0 {
        0
    } else {
        snap::raw::max_compress_len(rest)
    };
    MAX_HEADER + full * snap::raw::max_compress_len(BLOCK) + rest
}

/// A header is a varint of at most 5 bytes (lengths below 4 GiB).
const MAX_HEADER: usize = 5;

/// `data` compressed into `out`, written as it comes: the header, then each
/// block's elements, which snap writes after a header of the block's own
/// (dropped). The same stream as snap's `Encoder::compress` of the whole,
/// without zeroing its worst case first.
fn compress_into(
    encoder: &mut snap::raw::Encoder,
    data: &[u8],
    out: &mut StrBuf<'_>,
) -> Result<()> {
    let error =
        |e: snap::Error| CompressError.err(format!("Error while compressing: {}", strerror(&e)));
    let mut header = [0; MAX_HEADER];
    let size = varint(data.len() as u32, &mut header);
    out.push(&header[..size])?;
    for block in data.chunks(BLOCK) {
        let room = out.spare(snap::raw::max_compress_len(block.len()))?;
        let written = encoder.compress(block, room).map_err(error)?;
        let own_header = varint(block.len() as u32, &mut header);
        room.copy_within(own_header..written, 0);
        out.advance(written - own_header)?;
    }
    Ok(())
}

/// `value` as a Snappy header (a little-endian base-128 varint) at the
/// start of `out`; its length.
fn varint(mut value: u32, out: &mut [u8; MAX_HEADER]) -> usize {
    let mut i = 0;
    while value >= 0x80 {
        out[i] = (value as u8) | 0x80;
        value >>= 7;
        i += 1;
    }
    out[i] = value as u8;
    i + 1
}

/// `uncompress(data) -> str` and `decompress(data) -> str` (`bytes` on
/// Python 3), [`BYTES`].
fn uncompress<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Result<Object<'py>> {
    let (input,): (View,) = args.parse(py_format!(BYTES))?;
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
    Object::new_str(py, length)
        .from(Bytes(&input))
        .release_gil_from(RELEASE_THE_GIL_FROM)
        .fill(uncompressed)
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
    /// Each thread's encoder, kept between calls: a new one allocates (and
    /// zeroes) its 32 KiB hash table for every input over 1 KiB, a cost
    /// libsnappy does not have (its table is on the stack).
    static ENCODER: std::cell::RefCell<snap::raw::Encoder> =
        std::cell::RefCell::new(snap::raw::Encoder::new());
}

/// `isValidCompressed(data) -> bool`, [`READ_ONLY_BYTES`]: whether `data`
/// decompresses.
fn is_valid_compressed(_py: Python<'_>, args: Args<'_, '_>) -> Result<bool> {
    let (input,): (Buffer,) = args.parse(py_format!(READ_ONLY_BYTES))?;
    input.with_bytes(is_valid)
}

/// Whether `stream` is a Snappy stream that decompresses, decided as
/// libsnappy 1.1.9's `IsValidCompressedBuffer` decides it (snappy.cc's
/// `SnappyDecompressionValidator`): its elements walked in order, none
/// written, each copy from within what came before it, none past the length
/// in the header, which must be reached exactly at the end of the input.
fn is_valid(stream: &[u8]) -> bool {
    let Some((expected, mut at)) = header(stream) else {
        return false;
    };
    let expected = u64::from(expected);
    let mut produced: u64 = 0;
    while let Some(&tag) = stream.get(at) {
        let (literal, copy) = match tag & 3 {
            0 => {
                let mut length = u64::from(tag >> 2) + 1;
                at += 1;
                if length >= 61 {
                    // 1 to 4 bytes of length, little-endian, follow.
                    let extra = (length - 60) as usize;
                    let Some(bytes) = stream.get(at..at + extra) else {
                        return false;
                    };
                    length = little_endian(bytes) + 1;
                    at += extra;
                }
                (length, None)
            }
            1 => {
                let Some(&low) = stream.get(at + 1) else {
                    return false;
                };
                at += 2;
                let offset = (u64::from(tag >> 5) << 8) | u64::from(low);
                (0, Some((u64::from((tag >> 2) & 7) + 4, offset)))
            }
            width => {
                // 2 or 4 bytes of offset, little-endian.
                let width = if width == 2 { 2 } else { 4 };
                let Some(bytes) = stream.get(at + 1..at + 1 + width) else {
                    return false;
                };
                at += 1 + width;
                (0, Some((u64::from(tag >> 2) + 1, little_endian(bytes))))
            }
        };
        let length = match copy {
            // A literal's bytes must all be there.
            None if ((stream.len() - at) as u64) < literal => return false,
            None => {
                at += literal as usize;
                literal
            }
            // From 1 to `produced` bytes back.
            Some((_, offset)) if offset == 0 || offset > produced => return false,
            Some((length, _)) => length,
        };
        produced += length;
        if produced > expected {
            return false;
        }
    }
    produced == expected
}

/// The length a stream's header says and where its elements start, read as
/// libsnappy reads it: a varint of at most 5 bytes that fits 32 bits.
fn header(stream: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (i, &byte) in stream.iter().enumerate().take(5) {
        let bits = u32::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if bits.checked_shl(shift)? >> shift != bits {
            return None;
        }
        value |= bits << shift;
        if byte < 0x80 {
            return Some((value, i + 1));
        }
    }
    None
}

/// `bytes` (1 to 4) as a little-endian number.
fn little_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |value, &byte| (value << 8) | u64::from(byte))
}

/// CRC-32C (Castagnoli), as python-snappy's `crc32c.c` computes it; sixteen
/// tables, sixteen bytes a step.
const CRC32C: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

/// `_crc32c(data) -> long` (`int` on Python 3), [`BYTES`]: a `long`
/// whatever its value, as the C module's `PyLong_FromUnsignedLong` makes it.
fn crc32c(_py: Python<'_>, args: Args<'_, '_>) -> Result<Long<u32>> {
    let (input,): (View,) = args.parse(py_format!(BYTES))?;
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

    /// Whether snap decompresses `stream` to the length its header says.
    fn decompresses(stream: &[u8]) -> bool {
        let Ok(length) = snap::raw::decompress_len(stream) else {
            return false;
        };
        let mut out = vec![0; length];
        snap::raw::Decoder::new().decompress(stream, &mut out) == Ok(length)
    }

    #[test]
    fn the_validator_accepts_what_decompresses() {
        // Streams with literals of each length width and copies of each
        // kind; then every truncation and every byte of each changed
        // (to three values): the validator agrees with snap's decoder on
        // all of them. (The parity test compares it with libsnappy's.)
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), b"a".to_vec()];
        let text: Vec<u8> = b"snappy snappy, by google ".repeat(40);
        inputs.push(text.clone());
        inputs.push((0..300u32).map(|i| (i * 7919 % 251) as u8).collect());
        let mut long = (0..70_000u32)
            .map(|i| (i * 31 % 253) as u8)
            .collect::<Vec<_>>();
        long.extend_from_slice(&text);
        long.extend_from_within(..40_000);
        inputs.push(long);
        let (mut valid, mut invalid) = (0, 0);
        for input in &inputs {
            let packed = snap::raw::Encoder::new().compress_vec(input).unwrap();
            assert!(is_valid(&packed), "{} bytes", input.len());
            let mut variants: Vec<Vec<u8>> =
                (0..packed.len()).map(|n| packed[..n].to_vec()).collect();
            for i in 0..packed.len().min(400) {
                for change in [1u8, 0x80, 0xff] {
                    let mut v = packed.clone();
                    v[i] ^= change;
                    variants.push(v);
                }
            }
            for v in &variants {
                let expected = decompresses(v);
                assert_eq!(is_valid(v), expected, "{v:02x?}");
                if expected {
                    valid += 1;
                } else {
                    invalid += 1;
                }
            }
        }
        assert!(
            valid > 100 && invalid > 100,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn blocks_written_one_by_one_are_snaps_whole_stream() {
        // Empty, one block, exactly one, across blocks, many blocks: the
        // str compress_into writes holds the stream snap writes for the
        // whole input, within compress_bound.
        legacy_buffer::with_gil(|py| {
            for len in [
                0,
                1,
                100,
                BLOCK - 1,
                BLOCK,
                BLOCK + 1,
                5 * BLOCK + 77,
                20 * BLOCK,
            ] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251 + i / 5000) as u8).collect();
                let whole = snap::raw::Encoder::new().compress_vec(&data).unwrap();
                assert!(compress_bound(len) >= whole.len(), "{len}");
                let mut encoder = snap::raw::Encoder::new();
                let s = Object::new_str(py, compress_bound(len))
                    .fill_buf(|(), out| compress_into(&mut encoder, &data, out))
                    .unwrap();
                let buf = s.read_buffer().unwrap();
                assert_eq!(buf.as_bytes().unwrap(), &whole[..], "{len}");
            }
        });
    }

    #[test]
    fn varints_are_headers() {
        let mut out = [0; MAX_HEADER];
        for value in [0, 1, 127, 128, 300, 1 << 21, u32::MAX] {
            let size = varint(value, &mut out);
            assert_eq!(header(&out[..size]), Some((value, size)));
        }
    }

    #[test]
    fn headers_are_read_as_libsnappy_reads_them() {
        assert_eq!(header(b"\x00"), Some((0, 1)));
        assert_eq!(header(b"\xff\xff\xff\xff\x0f"), Some((u32::MAX, 5)));
        // A fifth byte over 4 bits, a sixth byte, no end: refused.
        assert_eq!(header(b"\xff\xff\xff\xff\x10"), None);
        assert_eq!(header(b"\xff\xff\xff\xff\xff\x00"), None);
        assert_eq!(header(b"\x80"), None);
        assert_eq!(header(b""), None);
        assert!(!is_valid(b"\x05"));
        assert!(is_valid(b"\x00"));
    }

    #[test]
    fn strerror_names_libsnappys_statuses() {
        let too_small = snap::Error::BufferTooSmall { given: 1, min: 2 };
        assert_eq!(strerror(&too_small), "buffer too small");
        assert_eq!(strerror(&snap::Error::Empty), "invalid input");
    }
}
