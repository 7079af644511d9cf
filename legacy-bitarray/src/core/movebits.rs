//! The primitive of every bit move: C's `copy_n`, a range of bits copied
//! onto another range, within one buffer or from another of either bit
//! order, a word at a time. `copy` (the operations that stand on it) and
//! `stride` (slices with a step) both build on this.

use super::word::{self, Order};

/// Where `copy_n` reads: the destination itself, or another buffer in the
/// same or the other bit order. A trait, so each case gets its own loop.
pub(super) trait Source {
    /// The native word (of the destination's order `O`) of source bits
    /// `pos..pos + 64`; `dst` is the destination, for [`Within`].
    fn read<O: Order>(&self, dst: &[u8], pos: usize) -> u64;
    /// Source bit `pos`, one byte read.
    fn bit<O: Order>(&self, dst: &[u8], pos: usize) -> bool;
    /// The source's length in bytes; `dst` as for [`Source::read`].
    fn len(&self, dst: &[u8]) -> usize;
}

/// Bit `pos` of `bytes` in order `O`.
#[inline(always)]
fn bit_of<O: Order>(bytes: &[u8], pos: usize) -> bool {
    O::byte_word(bytes[pos / 8]) & O::later(O::first(1), pos % 8) != 0
}

/// The destination's own bytes (C's `copy_n(self, a, self, b, n)`).
pub(super) struct Within;

/// Another buffer of the destination's bit order.
pub(super) struct Same<'s>(pub(super) &'s [u8]);

/// Another buffer of the other bit order.
pub(super) struct Flipped<'s>(pub(super) &'s [u8]);

impl Source for Within {
    #[inline(always)]
    fn read<O: Order>(&self, dst: &[u8], pos: usize) -> u64 {
        word::window::<O>(dst, pos)
    }
    #[inline(always)]
    fn bit<O: Order>(&self, dst: &[u8], pos: usize) -> bool {
        bit_of::<O>(dst, pos)
    }
    #[inline(always)]
    fn len(&self, dst: &[u8]) -> usize {
        dst.len()
    }
}

impl Source for Same<'_> {
    #[inline(always)]
    fn read<O: Order>(&self, _: &[u8], pos: usize) -> u64 {
        word::window::<O>(self.0, pos)
    }
    #[inline(always)]
    fn bit<O: Order>(&self, _: &[u8], pos: usize) -> bool {
        bit_of::<O>(self.0, pos)
    }
    #[inline(always)]
    fn len(&self, _: &[u8]) -> usize {
        self.0.len()
    }
}

impl Source for Flipped<'_> {
    #[inline(always)]
    fn read<O: Order>(&self, _: &[u8], pos: usize) -> u64 {
        word::window::<O::Flip>(self.0, pos).reverse_bits()
    }
    #[inline(always)]
    fn bit<O: Order>(&self, _: &[u8], pos: usize) -> bool {
        bit_of::<O::Flip>(self.0, pos)
    }
    #[inline(always)]
    fn len(&self, _: &[u8]) -> usize {
        self.0.len()
    }
}

/// Copies `n` bits from source bit `b` onto destination bit `a`, touching no
/// other destination bit. When the source is the destination, the chunks go
/// forward for `a < b` and backward for `a > b`, as the C's two loops do, so
/// no chunk reads a bit an earlier chunk wrote (each chunk reads before it
/// writes, and a chunk only uses the first `k` bits of its 64-bit read).
fn copy_bits<O: Order, S: Source>(
    dst: &mut [u8],
    a: usize,
    src: &S,
    b: usize,
    n: usize,
    backward: bool,
) {
    // A first short chunk brings `a` to a byte boundary, so the 64-bit
    // chunks after it store whole bytes without merging.
    let h = ((8 - a % 8) % 8).min(n);
    let full = (n - h) / 64;
    let t = (n - h) % 64;
    let step = |dst: &mut [u8], x: usize, k: usize| {
        let w = src.read::<O>(dst, b + x);
        word::write::<O>(dst, a + x, k, w);
    };
    if backward {
        step(dst, h + 64 * full, t);
        for c in (0..full).rev() {
            step(dst, h + 64 * c, 64);
        }
        step(dst, 0, h);
    } else {
        step(dst, 0, h);
        for c in 0..full {
            step(dst, h + 64 * c, 64);
        }
        step(dst, h + 64 * full, t);
    }
}

/// The case C's `copy_n` special-cases (and more): same bit order and the
/// same offset within a byte, so the middle is a `memmove` of whole bytes
/// and only the first and last partial bytes need bit merging.
fn copy_aligned<O: Order>(dst: &mut [u8], a: usize, src: Option<&[u8]>, b: usize, n: usize) {
    let h = ((8 - a % 8) % 8).min(n);
    let body = (n - h) / 8;
    let t = (n - h) % 8;
    let (ab, bb) = ((a + h) / 8, (b + h) / 8);
    let tail = h + 8 * body;
    let read = |dst: &[u8], pos: usize| match src {
        Some(s) => word::window::<O>(s, pos),
        None => word::window::<O>(dst, pos),
    };
    // Within one buffer, the ends go after the middle when copying
    // backward, before it when copying forward (C's ordering comment).
    let backward = src.is_none() && a > b;
    if backward {
        let w = read(dst, b + tail);
        word::write::<O>(dst, a + tail, t, w);
    } else {
        let w = read(dst, b);
        word::write::<O>(dst, a, h, w);
    }
    match src {
        Some(s) => dst[ab..ab + body].copy_from_slice(&s[bb..bb + body]),
        None => dst.copy_within(bb..bb + body, ab),
    }
    if backward {
        let w = read(dst, b);
        word::write::<O>(dst, a, h, w);
    } else {
        let w = read(dst, b + tail);
        word::write::<O>(dst, a + tail, t, w);
    }
}

pub(super) fn copy_within_impl<O: Order>(bytes: &mut [u8], a: usize, b: usize, n: usize) {
    if n == 0 || a == b {
        return;
    }
    if a % 8 == b % 8 {
        copy_aligned::<O>(bytes, a, None, b, n);
    } else {
        copy_bits::<O, _>(bytes, a, &Within, b, n, a > b);
    }
}

pub(super) fn copy_from_impl<O: Order>(
    dst: &mut [u8],
    a: usize,
    src: &[u8],
    flip: bool,
    b: usize,
    n: usize,
) {
    if n == 0 {
        return;
    }
    if flip {
        copy_bits::<O, _>(dst, a, &Flipped(src), b, n, false);
    } else if a % 8 == b % 8 {
        copy_aligned::<O>(dst, a, Some(src), b, n);
    } else {
        copy_bits::<O, _>(dst, a, &Same(src), b, n, false);
    }
}
