//! Counting bits: `count`, `_util`'s `count_n`, and the two-operand counts
//! (`bitdiff`, `count_and`, `count_or`, `count_xor`, `subset`).

use super::bits::{Bits, BitwiseOp};
use super::word::{self, byte_mask, dispatch, used_mask, Order};

/// The number of 1 bits in whole bytes, eight at a time (`count_ones` on a
/// `u64` instead of the C's per-byte `bitcount_lookup`).
fn popcount(bytes: &[u8]) -> usize {
    let chunks = bytes.chunks_exact(8);
    let rest: usize = chunks
        .remainder()
        .iter()
        .map(|b| b.count_ones() as usize)
        .sum();
    chunks
        .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")).count_ones() as usize)
        .sum::<usize>()
        + rest
}

fn count_ones<O: Order>(bytes: &[u8], start: usize, stop: usize) -> usize {
    let (bs, be) = (start / 8, stop / 8);
    let (so, eo) = (start % 8, stop % 8);
    if bs == be {
        return (bytes[bs] & byte_mask::<O>(so, eo)).count_ones() as usize;
    }
    let mut n = (bytes[bs] & byte_mask::<O>(so, 8)).count_ones() as usize;
    n += popcount(&bytes[bs + 1..be]);
    if eo > 0 {
        n += (bytes[be] & byte_mask::<O>(0, eo)).count_ones() as usize;
    }
    n
}

/// The smallest `i` with `n` ones in bits `0..i`, or `None`.
fn count_to_n_impl<O: Order>(bytes: &[u8], nbits: usize, n: usize) -> Option<usize> {
    let mut seen = 0;
    let mut pos = 0;
    while pos < nbits {
        let k = (nbits - pos).min(64);
        // Pad bits are masked off: the C never counts them either.
        let w = word::window::<O>(bytes, pos) & O::first(k);
        let c = w.count_ones() as usize;
        if seen + c >= n {
            let mut x = w;
            for _ in 0..n - seen - 1 {
                x = O::clear_first(x);
            }
            return Some(pos + O::first_set(x) + 1);
        }
        seen += c;
        pos += k;
    }
    None
}

impl Bits<'_> {
    /// The number of bits equal to `value` in `start..stop` (C's `count`,
    /// after `normalize_index` on both ends; `start >= stop` gives 0).
    /// Panics when `stop > len()` and `start < stop`.
    pub fn count(&self, value: bool, start: usize, stop: usize) -> usize {
        if start >= stop {
            return 0;
        }
        assert!(stop <= self.len(), "count range end {stop} out of range");
        let ones = dispatch!(self.endian(), count_ones(self.bytes(), start, stop));
        if value {
            ones
        } else {
            stop - start - ones
        }
    }

    /// `_util`'s `count_to_n(a, n)`: the smallest `i` for which
    /// `count(true, 0, i) == n`, or `None` when there are fewer than `n`
    /// ones ([`messages::COUNT_EXCEEDS`](super::messages::COUNT_EXCEEDS)).
    /// The glue checks `n <= len()` first, as `count_n` does.
    pub fn count_to_n(&self, n: usize) -> Option<usize> {
        if n == 0 {
            return Some(0);
        }
        dispatch!(self.endian(), count_to_n_impl(self.bytes(), self.len(), n))
    }
}

/// Counts the 1 bits of `a OP b` over the raw bytes, each operand's pad bits
/// read as zero (as the C's `setunused` on both makes them).
fn count_op(a: &Bits<'_>, b: &Bits<'_>, op: BitwiseOp) -> usize {
    assert_eq!(a.len(), b.len(), "operands' lengths");
    let Some(last) = a.bytes().len().checked_sub(1) else {
        return 0;
    };
    let (ah, bh) = (&a.bytes()[..last], &b.bytes()[..last]);
    let (ac, bc) = (ah.chunks_exact(8), bh.chunks_exact(8));
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("8 bytes"));
    let mut n: usize = match op {
        BitwiseOp::And => ac
            .clone()
            .zip(bc.clone())
            .map(|(x, y)| (word(x) & word(y)).count_ones() as usize)
            .sum(),
        BitwiseOp::Or => ac
            .clone()
            .zip(bc.clone())
            .map(|(x, y)| (word(x) | word(y)).count_ones() as usize)
            .sum(),
        BitwiseOp::Xor => ac
            .clone()
            .zip(bc.clone())
            .map(|(x, y)| (word(x) ^ word(y)).count_ones() as usize)
            .sum(),
    };
    for (&x, &y) in ac.remainder().iter().zip(bc.remainder()) {
        n += op.apply(x, y).count_ones() as usize;
    }
    let x = a.bytes()[last] & used_mask(a.endian(), a.len());
    let y = b.bytes()[last] & used_mask(b.endian(), b.len());
    n + op.apply(x, y).count_ones() as usize
}

/// `bitdiff(a, b)` (`_bitarray`): the 1 bits of `a ^ b` over the raw bytes.
/// The C checks only the lengths, not the endianness, so for different
/// endiannesses this counts differing *bytes'* bits, not differing logical
/// bits; this does the same. The C zeroes both operands' pad bits
/// (`setunused`) first; this reads them as zero and leaves them, so the glue
/// calls `setunused` on both for the same bytes. Panics unless the lengths
/// are equal.
pub fn bitdiff(a: &Bits<'_>, b: &Bits<'_>) -> usize {
    count_op(a, b, BitwiseOp::Xor)
}

/// `_util.count_and(a, b)`: `(a & b).count()`. The glue checks equal
/// lengths and endianness first, and calls `setunused` on both as the C does
/// (see [`bitdiff`]).
pub fn count_and(a: &Bits<'_>, b: &Bits<'_>) -> usize {
    count_op(a, b, BitwiseOp::And)
}

/// `_util.count_or(a, b)`: `(a | b).count()`; see [`count_and`].
pub fn count_or(a: &Bits<'_>, b: &Bits<'_>) -> usize {
    count_op(a, b, BitwiseOp::Or)
}

/// `_util.count_xor(a, b)`: `(a ^ b).count()`; see [`count_and`].
pub fn count_xor(a: &Bits<'_>, b: &Bits<'_>) -> usize {
    count_op(a, b, BitwiseOp::Xor)
}

/// `_util.subset(a, b)`: whether every 1 bit of `a` is one in `b`, over the
/// raw bytes with pad bits read as zero; see [`count_and`]. Stops at the
/// first word with a bit of `a` missing from `b`.
pub fn subset(a: &Bits<'_>, b: &Bits<'_>) -> bool {
    assert_eq!(a.len(), b.len(), "operands' lengths");
    let Some(last) = a.bytes().len().checked_sub(1) else {
        return true;
    };
    let (ac, bc) = (
        a.bytes()[..last].chunks_exact(8),
        b.bytes()[..last].chunks_exact(8),
    );
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().expect("8 bytes"));
    if ac
        .clone()
        .zip(bc.clone())
        .any(|(x, y)| word(x) & !word(y) != 0)
    {
        return false;
    }
    if ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .any(|(&x, &y)| x & !y != 0)
    {
        return false;
    }
    let x = a.bytes()[last] & used_mask(a.endian(), a.len());
    let y = b.bytes()[last] & used_mask(b.endian(), b.len());
    x & !y == 0
}
