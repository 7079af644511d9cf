//! Bits 64 at a time: the two bit orders as types, and reading or writing a
//! run of up to 64 bits at any bit position of a byte slice.
//!
//! A *logical* bit `i` of a bitarray is bit `i % 8` of byte `i / 8` counted
//! from the least significant end for little endian, from the most
//! significant end for big endian (C's `BITMASK`). Loading eight bytes with
//! `u64::from_le_bytes` (little) or `u64::from_be_bytes` (big) gives a word in
//! which logical bits follow each other in one direction: upward from bit 0
//! for little, downward from bit 63 for big. That word is the *native* word of
//! the order; [`Order`] says which way is "later", so every algorithm is
//! written once and monomorphised for both endiannesses, and converting a
//! native word of one order into the other is `u64::reverse_bits`.

use super::Endian;

/// A bit order, as a type: [`Le`] or [`Be`].
pub(crate) trait Order: Copy {
    /// The other order.
    type Flip: Order;
    /// The native word of eight bytes.
    fn load(b: [u8; 8]) -> u64;
    /// The eight bytes of a native word.
    fn store(w: u64) -> [u8; 8];
    /// The native mask of logical bits `0..k`, `k <= 64`.
    fn first(k: usize) -> u64;
    /// Moves every logical bit `k < 64` places later (toward logical 63).
    fn later(w: u64, k: usize) -> u64;
    /// Moves every logical bit `k < 64` places earlier (toward logical 0).
    fn earlier(w: u64, k: usize) -> u64;
    /// The logical index of the first set bit; `w != 0`.
    fn first_set(w: u64) -> usize;
    /// The logical index of the last set bit; `w != 0`.
    fn last_set(w: u64) -> usize;
    /// `w` without its first set bit.
    fn clear_first(w: u64) -> u64;
    /// All ones if logical bit 0 of `w` is set, else 0.
    fn spread_first(w: u64) -> u64;
    /// The native word whose logical bits `0..8` are byte `b`.
    fn byte_word(b: u8) -> u64;
    /// Logical bits `0..8` of a native word, as a byte.
    fn word_byte(w: u64) -> u8;
    /// Spreads a byte's 8 bits in logical order onto the 8 bytes of a
    /// little-endian-loaded word, byte `k` holding `1 << j` for logical bit
    /// `k` (the mask that `(b * 0x0101..01) & MAGIC` uses in `unpack`).
    const SPREAD: u64;
    /// Gathers 8 bytes, each 0 or 1, char `k` in byte `k`, into one byte of
    /// this order: `(y * GATHER) >> 56` (see `chars.rs`).
    const GATHER: u64;
}

/// Little endian (C's `endian == 0`): logical bit `i` is `1 << (i % 8)`.
#[derive(Clone, Copy)]
pub(crate) struct Le;

/// Big endian (C's `endian == 1`): logical bit `i` is `0x80 >> (i % 8)`.
#[derive(Clone, Copy)]
pub(crate) struct Be;

impl Order for Le {
    type Flip = Be;
    #[inline(always)]
    fn load(b: [u8; 8]) -> u64 {
        u64::from_le_bytes(b)
    }
    #[inline(always)]
    fn store(w: u64) -> [u8; 8] {
        w.to_le_bytes()
    }
    #[inline(always)]
    fn first(k: usize) -> u64 {
        if k >= 64 {
            !0
        } else {
            (1u64 << k) - 1
        }
    }
    #[inline(always)]
    fn later(w: u64, k: usize) -> u64 {
        w << k
    }
    #[inline(always)]
    fn earlier(w: u64, k: usize) -> u64 {
        w >> k
    }
    #[inline(always)]
    fn first_set(w: u64) -> usize {
        w.trailing_zeros() as usize
    }
    #[inline(always)]
    fn last_set(w: u64) -> usize {
        63 - w.leading_zeros() as usize
    }
    #[inline(always)]
    fn clear_first(w: u64) -> u64 {
        w & w.wrapping_sub(1)
    }
    #[inline(always)]
    fn spread_first(w: u64) -> u64 {
        (w & 1).wrapping_neg()
    }
    #[inline(always)]
    fn byte_word(b: u8) -> u64 {
        u64::from(b)
    }
    #[inline(always)]
    fn word_byte(w: u64) -> u8 {
        w as u8
    }
    const SPREAD: u64 = 0x8040_2010_0804_0201;
    const GATHER: u64 = 0x0102_0408_1020_4080;
}

impl Order for Be {
    type Flip = Le;
    #[inline(always)]
    fn load(b: [u8; 8]) -> u64 {
        u64::from_be_bytes(b)
    }
    #[inline(always)]
    fn store(w: u64) -> [u8; 8] {
        w.to_be_bytes()
    }
    #[inline(always)]
    fn first(k: usize) -> u64 {
        if k >= 64 {
            !0
        } else if k == 0 {
            0
        } else {
            !0u64 << (64 - k)
        }
    }
    #[inline(always)]
    fn later(w: u64, k: usize) -> u64 {
        w >> k
    }
    #[inline(always)]
    fn earlier(w: u64, k: usize) -> u64 {
        w << k
    }
    #[inline(always)]
    fn first_set(w: u64) -> usize {
        w.leading_zeros() as usize
    }
    #[inline(always)]
    fn last_set(w: u64) -> usize {
        63 - w.trailing_zeros() as usize
    }
    #[inline(always)]
    fn clear_first(w: u64) -> u64 {
        w & !(0x8000_0000_0000_0000u64 >> w.leading_zeros())
    }
    #[inline(always)]
    fn spread_first(w: u64) -> u64 {
        ((w as i64) >> 63) as u64
    }
    #[inline(always)]
    fn byte_word(b: u8) -> u64 {
        u64::from(b) << 56
    }
    #[inline(always)]
    fn word_byte(w: u64) -> u8 {
        (w >> 56) as u8
    }
    const SPREAD: u64 = 0x0102_0408_1020_4080;
    const GATHER: u64 = 0x8040_2010_0804_0201;
}

/// Calls `$f::<Le>` or `$f::<Be>` as the run-time endianness says.
macro_rules! dispatch {
    ($endian:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $endian {
            $crate::core::Endian::Little => $f::<$crate::core::word::Le>($($arg),*),
            $crate::core::Endian::Big => $f::<$crate::core::word::Be>($($arg),*),
        }
    };
}
pub(crate) use dispatch;

/// The single-bit mask of logical bit `i` within its byte (C's `BITMASK`).
#[inline(always)]
pub(crate) fn bitmask(endian: Endian, i: usize) -> u8 {
    match endian {
        Endian::Little => 1 << (i % 8),
        Endian::Big => 0x80 >> (i % 8),
    }
}

/// The byte mask of logical bits `from..to` of a byte, `from <= to <= 8`.
#[inline(always)]
pub(crate) fn byte_mask<O: Order>(from: usize, to: usize) -> u8 {
    O::word_byte(O::first(to) & !O::first(from))
}

/// The mask of the used bits of the last byte of an `nbits` long bitarray
/// (all eight when `nbits` is a multiple of 8): what `setunused` keeps.
#[inline(always)]
pub(crate) fn used_mask(endian: Endian, nbits: usize) -> u8 {
    match nbits % 8 {
        0 => 0xff,
        r => match endian {
            Endian::Little => (1u8 << r) - 1,
            Endian::Big => !(0xffu8 >> r),
        },
    }
}

/// The eight bytes at `i`, zeros standing in past the end of `bytes`.
#[inline(always)]
fn load_at<O: Order>(bytes: &[u8], i: usize) -> u64 {
    match bytes.get(i..i + 8) {
        Some(c) => O::load(c.try_into().expect("8 bytes")),
        None => O::load(load_short(bytes, i)),
    }
}

/// The fewer than eight bytes from `i` on, zeros after them. A shift loop
/// rather than a copy into a buffer: a copy of a variable length becomes a
/// `memcpy` call, which short bitarrays would pay on every access.
#[inline(always)]
fn load_short(bytes: &[u8], i: usize) -> [u8; 8] {
    let mut le = 0u64;
    for (k, &b) in bytes.iter().skip(i).take(8).enumerate() {
        le |= u64::from(b) << (8 * k);
    }
    le.to_le_bytes()
}

/// The native word of logical bits `pos..pos + 64` of `bytes`; bits past the
/// end of the slice read as 0. Callers mask what they do not own (pad bits,
/// bits past `stop`), so reading them is harmless.
#[inline(always)]
pub(crate) fn window<O: Order>(bytes: &[u8], pos: usize) -> u64 {
    let i = pos / 8;
    let off = pos % 8;
    let lo = load_at::<O>(bytes, i);
    if off == 0 {
        return lo;
    }
    let next = bytes.get(i + 8).copied().unwrap_or(0);
    O::earlier(lo, off) | O::later(O::byte_word(next), 64 - off)
}

/// Sets the bits of `mask` in the eight bytes at `i` to those of `w`,
/// leaving the others as they are; the mask covers no byte past the slice.
#[inline(always)]
pub(crate) fn merge_at<O: Order>(bytes: &mut [u8], i: usize, w: u64, mask: u64) {
    if let Some(c) = bytes.get_mut(i..i + 8) {
        let arr: &mut [u8; 8] = c.try_into().expect("8 bytes");
        let new = if mask == !0 {
            w
        } else {
            (O::load(*arr) & !mask) | (w & mask)
        };
        *arr = O::store(new);
    } else {
        // As in `load_short`: byte by byte, no `memcpy` call.
        let new = O::store((O::load(load_short(bytes, i)) & !mask) | (w & mask));
        let le = u64::from_le_bytes(new);
        for (k, b) in bytes[i..].iter_mut().enumerate() {
            *b = (le >> (8 * k)) as u8;
        }
    }
}

/// Writes logical bits `0..k` of the native word `w` onto logical bits
/// `pos..pos + k` of `bytes`, `k <= 64`, and touches no other bit: this is
/// what lets every fast path leave pad bits and neighbours as the C's
/// bit-by-bit `setbit` loops leave them.
#[inline(always)]
pub(crate) fn write<O: Order>(bytes: &mut [u8], pos: usize, k: usize, w: u64) {
    if k == 0 {
        return;
    }
    let i = pos / 8;
    let off = pos % 8;
    let mask = O::first(k);
    if off + k <= 8 {
        // Within one byte: no eight-byte merge (which a short slice's
        // last bytes would take the slow path for).
        let m = O::word_byte(O::later(mask, off));
        let b = &mut bytes[i];
        *b = (*b & !m) | (O::word_byte(O::later(w, off)) & m);
        return;
    }
    merge_at::<O>(bytes, i, O::later(w, off), O::later(mask, off));
    if off + k > 64 {
        // The run spills into a ninth byte: its first off + k - 64 bits.
        let sh = 64 - off;
        let m = O::word_byte(O::earlier(mask, sh));
        let v = O::word_byte(O::earlier(w, sh));
        let b = &mut bytes[i + 8];
        *b = (*b & !m) | (v & m);
    }
}

/// Logical bit `i` (C's `GETBIT`, without its bound check: callers check).
#[inline(always)]
pub(crate) fn get_bit(bytes: &[u8], endian: Endian, i: usize) -> bool {
    bytes[i / 8] & bitmask(endian, i) != 0
}

/// Sets logical bit `i` to `v` (C's `setbit`).
#[inline(always)]
pub(crate) fn set_bit(bytes: &mut [u8], endian: Endian, i: usize, v: bool) {
    let m = bitmask(endian, i);
    if v {
        bytes[i / 8] |= m;
    } else {
        bytes[i / 8] &= !m;
    }
}
