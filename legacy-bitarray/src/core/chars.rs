//! One character per bit: `unpack`/`to01`/`repr` (bits to chars) and
//! `extend_bytes` (chars to bits: `'0'`/`'1'` for `extend` and the
//! constructor, raw bytes for `pack`). Eight characters are one `u64`, and a
//! multiplication moves the eight bits between a byte and eight bytes.

use std::fmt;

use super::bits::{Bits, BitsMut};
use super::messages;
use super::word::{self, dispatch, Order};

/// `extend` found a character other than `'0'` or `'1'` (C's
/// `extend_bytes` with `BYTES_01`); a `ValueError` in the C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extend01Error {
    /// Its index in the string.
    pub index: usize,
    /// The character, as a byte.
    pub found: u8,
}

impl Extend01Error {
    /// The C's exact message, `"character must be '0' or '1', found '%c'"`
    /// with the byte itself for `%c` (whatever it is, NUL included: Python
    /// 2's `PyString_FromFormat` writes it as is). Bytes, because a Python 2
    /// `str` message may hold any byte.
    pub fn message(&self) -> Vec<u8> {
        let mut m = messages::CHAR_01_PREFIX.as_bytes().to_vec();
        m.push(self.found);
        m.push(b'\'');
        m
    }
}

impl fmt::Display for Extend01Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message()))
    }
}

impl std::error::Error for Extend01Error {}

/// A character-to-bit conversion (C's `enum conv_t`).
trait Conv {
    /// Eight characters (char `k` in byte `k` of a little-endian load) as
    /// eight bytes of 0 or 1, or `None` if one is not allowed.
    fn spread(x: u64) -> Option<u64>;
    /// One character as a bit, or `None` if not allowed.
    fn bit(c: u8) -> Option<bool>;
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `BYTES_01`: `'0'` is 0, `'1'` is 1, nothing else.
struct Chars01;

/// `BYTES_RAW`: `0x00` is 0, anything else 1.
struct Raw;

impl Conv for Chars01 {
    #[inline(always)]
    fn spread(x: u64) -> Option<u64> {
        let y = x ^ (ONES * u64::from(b'0'));
        (y & !ONES == 0).then_some(y)
    }
    #[inline(always)]
    fn bit(c: u8) -> Option<bool> {
        match c {
            b'0' => Some(false),
            b'1' => Some(true),
            _ => None,
        }
    }
}

impl Conv for Raw {
    #[inline(always)]
    fn spread(x: u64) -> Option<u64> {
        // The high bit of each byte: set iff the byte is not zero (adding
        // 0x7f to the low seven bits carries into it unless they are zero).
        Some(((((x & LOW7) + LOW7) | x) & HIGH) >> 7)
    }
    #[inline(always)]
    fn bit(c: u8) -> Option<bool> {
        Some(c != 0)
    }
}

/// Writes `chars` onto bits `start..`, 64 at a time; on a bad character,
/// the bits before it are written (as the C's loop leaves them) and its
/// index is the error.
fn write_chars<O: Order, C: Conv>(
    bytes: &mut [u8],
    endian: super::Endian,
    start: usize,
    chars: &[u8],
) -> Result<(), usize> {
    let n = chars.len();
    let mut i = 0;
    while n - i >= 8 {
        let groups = ((n - i) / 8).min(8);
        let mut buf = [0u8; 8];
        let mut good = 0;
        for (k, c8) in chars[i..i + 8 * groups].chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(c8.try_into().expect("8 bytes"));
            match C::spread(x) {
                // Byte k of y (0 or 1) lands on bit k (little) or 7 - k (big)
                // of the top byte; see `Order::GATHER`.
                Some(y) => buf[k] = (y.wrapping_mul(O::GATHER) >> 56) as u8,
                None => break,
            }
            good += 1;
        }
        word::write::<O>(bytes, start + i, 8 * good, O::load(buf));
        i += 8 * good;
        if good < groups {
            break;
        }
    }
    for (j, &c) in chars[i..].iter().enumerate() {
        match C::bit(c) {
            Some(v) => word::set_bit(bytes, endian, start + i + j, v),
            None => return Err(i + j),
        }
    }
    Ok(())
}

fn write_01<O: Order>(
    bytes: &mut [u8],
    endian: super::Endian,
    start: usize,
    chars: &[u8],
) -> Result<(), usize> {
    write_chars::<O, Chars01>(bytes, endian, start, chars)
}

fn write_raw<O: Order>(
    bytes: &mut [u8],
    endian: super::Endian,
    start: usize,
    raw: &[u8],
) -> Result<(), usize> {
    write_chars::<O, Raw>(bytes, endian, start, raw)
}

fn unpack_impl<O: Order>(bytes: &[u8], nbits: usize, out: &mut [u8], zero: u8, one: u8) {
    let zeros = ONES * u64::from(zero);
    let diff = u64::from(zero ^ one);
    let full = nbits / 8;
    for (o, &b) in out.chunks_exact_mut(8).zip(&bytes[..full]) {
        // Byte k of r keeps bit k (little) or 7 - k (big) of b; adding 0x7f
        // to each byte (at most 0x80) never carries out of it, and moves
        // "not zero" into its high bit.
        let r = (u64::from(b) * ONES) & O::SPREAD;
        let bits = ((r + LOW7) >> 7) & ONES;
        o.copy_from_slice(&(zeros ^ (bits * diff)).to_le_bytes());
    }
    for i in 8 * full..nbits {
        let m = word::byte_mask::<O>(i % 8, i % 8 + 1);
        out[i] = if bytes[i / 8] & m != 0 { one } else { zero };
    }
}

impl Bits<'_> {
    /// One byte per bit, `zero` or `one` (C's `unpack(self, zero, one)`),
    /// into `out`, for a Python string the glue allocated. Panics unless
    /// `out.len() == len()`.
    pub fn unpack_into(&self, out: &mut [u8], zero: u8, one: u8) {
        assert_eq!(out.len(), self.len(), "one byte per bit");
        dispatch!(
            self.endian(),
            unpack_impl(self.bytes(), self.len(), out, zero, one)
        );
    }

    /// [`Bits::unpack_into`] into a new vector (`unpack()` defaults to
    /// `zero=b'\x00', one=b'\xff'`).
    pub fn unpack(&self, zero: u8, one: u8) -> Vec<u8> {
        let mut out = vec![0; self.len()];
        self.unpack_into(&mut out, zero, one);
        out
    }

    /// `to01()`: `unpack(b'0', b'1')` (also the inside of `repr`).
    pub fn to01(&self) -> Vec<u8> {
        self.unpack(b'0', b'1')
    }
}

impl BitsMut<'_> {
    /// `extend` from a `'0'`/`'1'` string (C's `extend_bytes(self, s,
    /// BYTES_01)`), after the glue's resize by `chars.len()` bits: writes
    /// bit `start + i` from `chars[i]`. On a bad character the C has already
    /// resized and set the bits before it: those are written here too, the
    /// later ones untouched, and the glue keeps the new length as the C
    /// does. Panics unless `len() == start + chars.len()`.
    pub fn extend_01(&mut self, start: usize, chars: &[u8]) -> Result<(), Extend01Error> {
        let (bytes, nbits, endian) = self.parts();
        assert_eq!(
            start.checked_add(chars.len()),
            Some(nbits),
            "one bit per char"
        );
        dispatch!(endian, write_01(bytes, endian, start, chars)).map_err(|index| Extend01Error {
            index,
            found: chars[index],
        })
    }

    /// `pack(bytes)` (C's `extend_bytes(self, s, BYTES_RAW)`), after the
    /// glue's resize by `raw.len()` bits: bit `start + i` is `raw[i] != 0`.
    /// Panics unless `len() == start + raw.len()`.
    pub fn pack(&mut self, start: usize, raw: &[u8]) {
        let (bytes, nbits, endian) = self.parts();
        assert_eq!(
            start.checked_add(raw.len()),
            Some(nbits),
            "one bit per byte"
        );
        // Raw accepts every byte.
        let _ = dispatch!(endian, write_raw(bytes, endian, start, raw));
    }
}
