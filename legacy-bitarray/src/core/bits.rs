//! The two views ([`Bits`], [`BitsMut`]), single bits, and the operations
//! that rewrite a bitarray in place without moving bits between positions
//! other than mirroring: `setunused`, `setall`, `setrange`, `invert`,
//! `bytereverse`, `reverse`, `sort`, `fill` and the bitwise operators.

use super::bytes_for;
use super::word::{self, dispatch, used_mask, Order};
use super::Endian;

/// A read-only view of a bitarray: `nbits` bits in `bytes_for(nbits)` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Bits<'a> {
    bytes: &'a [u8],
    nbits: usize,
    endian: Endian,
}

/// A writable view of a bitarray's storage; see [`Bits`].
#[derive(Debug)]
pub struct BitsMut<'a> {
    bytes: &'a mut [u8],
    nbits: usize,
    endian: Endian,
}

/// Which in-place bitwise operation (C's `enum op_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitwiseOp {
    /// `&=` (`OP_and`).
    And,
    /// `|=` (`OP_or`).
    Or,
    /// `^=` (`OP_xor`).
    Xor,
}

impl BitwiseOp {
    /// The operation on one byte.
    #[inline(always)]
    pub(crate) fn apply(self, a: u8, b: u8) -> u8 {
        match self {
            BitwiseOp::And => a & b,
            BitwiseOp::Or => a | b,
            BitwiseOp::Xor => a ^ b,
        }
    }
}

/// Panics unless `bytes` is the C's `BYTES(nbits)` long: every method relies
/// on it to know which bits are pad bits.
fn check_len(len: usize, nbits: usize) {
    assert_eq!(
        len,
        bytes_for(nbits),
        "a bitarray of {nbits} bits is stored in {} bytes",
        bytes_for(nbits)
    );
}

impl<'a> Bits<'a> {
    /// Views `nbits` bits of `bytes`. Panics unless
    /// `bytes.len() == bytes_for(nbits)`.
    pub fn new(bytes: &'a [u8], nbits: usize, endian: Endian) -> Self {
        check_len(bytes.len(), nbits);
        Bits {
            bytes,
            nbits,
            endian,
        }
    }

    /// The number of bits (`length()`, `__len__`).
    pub fn len(&self) -> usize {
        self.nbits
    }

    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.nbits == 0
    }

    /// The endianness (`endian()`).
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The bytes, pad bits as they are.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The number of pad bits, 0..=7 (`buffer_info()`'s "unused").
    pub fn unused(&self) -> usize {
        8 * self.bytes.len() - self.nbits
    }

    /// Bit `i` (C's `GETBIT`). Panics when `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        assert!(i < self.nbits, "bit index {i} out of range");
        word::get_bit(self.bytes, self.endian, i)
    }

    /// The bits in order (`tolist()`, `bitarrayiter_next`).
    pub fn iter(&self) -> BitIter<'a> {
        BitIter {
            bits: *self,
            pos: 0,
        }
    }
}

/// An iterator over the bits of a [`Bits`], in order.
#[derive(Clone, Debug)]
pub struct BitIter<'a> {
    bits: Bits<'a>,
    pos: usize,
}

impl Iterator for BitIter<'_> {
    type Item = bool;

    fn next(&mut self) -> Option<bool> {
        if self.pos >= self.bits.nbits {
            return None;
        }
        let v = word::get_bit(self.bits.bytes, self.bits.endian, self.pos);
        self.pos += 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bits.nbits - self.pos;
        (n, Some(n))
    }
}

impl ExactSizeIterator for BitIter<'_> {}

impl<'a> BitsMut<'a> {
    /// Views `nbits` bits of `bytes` for writing. Panics unless
    /// `bytes.len() == bytes_for(nbits)`.
    pub fn new(bytes: &'a mut [u8], nbits: usize, endian: Endian) -> Self {
        check_len(bytes.len(), nbits);
        BitsMut {
            bytes,
            nbits,
            endian,
        }
    }

    /// A read-only view of the same bits.
    pub fn as_bits(&self) -> Bits<'_> {
        Bits {
            bytes: self.bytes,
            nbits: self.nbits,
            endian: self.endian,
        }
    }

    /// The number of bits.
    pub fn len(&self) -> usize {
        self.nbits
    }

    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.nbits == 0
    }

    /// The endianness.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The bytes, for the glue's raw reads and writes (`frombytes` of a
    /// byte-aligned bitarray, `fromfile`, copies).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }

    pub(crate) fn parts(&mut self) -> (&mut [u8], usize, Endian) {
        (self.bytes, self.nbits, self.endian)
    }

    /// Bit `i` (C's `GETBIT`). Panics when `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.as_bits().get(i)
    }

    /// Sets bit `i` to `v` (C's `setbit`, `set_item`, `append_item` after the
    /// glue's resize). Panics when `i >= len()`.
    #[inline]
    pub fn set(&mut self, i: usize, v: bool) {
        assert!(i < self.nbits, "bit index {i} out of range");
        word::set_bit(self.bytes, self.endian, i, v);
    }

    /// Zeroes the pad bits and returns how many there are, 0..=7 (C's
    /// `setunused`; `fill()` is this plus the glue's `nbits += p`).
    pub fn setunused(&mut self) -> usize {
        if let Some(last) = self.bytes.last_mut() {
            *last &= used_mask(self.endian, self.nbits);
        }
        8 * self.bytes.len() - self.nbits
    }

    /// Sets every byte, pad bits included, to `0xff` or `0x00`
    /// (`setall()`'s `memset`).
    pub fn setall(&mut self, v: bool) {
        self.bytes.fill(if v { 0xff } else { 0x00 });
    }

    /// Sets bits `start..stop` to `v` (C's `setrange`); nothing when
    /// `start >= stop`. Panics when `stop > len()` and `start < stop`.
    pub fn setrange(&mut self, start: usize, stop: usize, v: bool) {
        if start >= stop {
            return;
        }
        assert!(stop <= self.nbits, "range end {stop} out of range");
        dispatch!(self.endian, setrange_impl(self.bytes, start, stop, v));
    }

    /// Inverts every byte, pad bits included (C's `invert`).
    pub fn invert(&mut self) {
        // A plain byte loop: LLVM vectorises it.
        for b in self.bytes.iter_mut() {
            *b = !*b;
        }
    }

    /// Zeroes the pad bits, then reverses the bits of every byte (C's
    /// `bytereverse`): the bits move, the endianness stays.
    pub fn bytereverse(&mut self) {
        self.setunused();
        let mut chunks = self.bytes.chunks_exact_mut(8);
        for c in &mut chunks {
            let arr: &mut [u8; 8] = c.try_into().expect("8 bytes");
            // Reversing all 64 bits reverses each byte and the byte order;
            // the swapped byte order undoes the latter.
            *arr = u64::from_le_bytes(*arr).reverse_bits().to_be_bytes();
        }
        for b in chunks.into_remainder() {
            *b = b.reverse_bits();
        }
    }

    /// Reverses the order of the bits (`reverse()`); writes only bits below
    /// `len()`, as the C's `setbit` loops do.
    pub fn reverse(&mut self) {
        if self.nbits < 2 {
            return;
        }
        dispatch!(self.endian, reverse_impl(self.bytes, self.nbits));
    }

    /// Sorts the bits, zeros first or, with `reverse`, ones first
    /// (`sort()`: a count, then two `setrange`s).
    pub fn sort(&mut self, reverse: bool) {
        let n = self.nbits;
        let n1 = self.as_bits().count(true, 0, n);
        if reverse {
            self.setrange(0, n1, true);
            self.setrange(n1, n, false);
        } else {
            self.setrange(0, n - n1, false);
            self.setrange(n - n1, n, true);
        }
    }

    /// `self OP= other` on the raw bytes (C's `bitwise`, after the glue's
    /// checks): with both operands' pad bits taken as zero, as the C's
    /// `setunused` on both makes them; this view's pad bits end up as
    /// `0 OP (other's byte at those bits)`, which is 0 unless the endianness
    /// differs. The C does not compare endianness: the bytes are combined
    /// as they are. The C also zeroes `other`'s pad bits; the glue calls
    /// `setunused` on it for the same bytes. Panics unless the lengths are
    /// equal. For `a OP= a`, see [`BitsMut::bitwise_self`].
    pub fn bitwise(&mut self, op: BitwiseOp, other: &Bits<'_>) {
        assert_eq!(self.nbits, other.nbits, "bitwise operands' lengths");
        let Some(last) = self.bytes.len().checked_sub(1) else {
            return;
        };
        let (head, tail) = self.bytes.split_at_mut(last);
        let (ohead, otail) = other.bytes.split_at(last);
        // Byte loops over equal-length slices: LLVM vectorises each arm.
        match op {
            BitwiseOp::And => head.iter_mut().zip(ohead).for_each(|(a, b)| *a &= b),
            BitwiseOp::Or => head.iter_mut().zip(ohead).for_each(|(a, b)| *a |= b),
            BitwiseOp::Xor => head.iter_mut().zip(ohead).for_each(|(a, b)| *a ^= b),
        }
        let a = tail[0] & used_mask(self.endian, self.nbits);
        let b = otail[0] & used_mask(other.endian, other.nbits);
        tail[0] = op.apply(a, b);
    }

    /// `a OP= a` (C's `bitwise` with `other == self`): `&` and `|` leave the
    /// bits and zero the pad bits, `^` zeroes every byte.
    pub fn bitwise_self(&mut self, op: BitwiseOp) {
        match op {
            BitwiseOp::And | BitwiseOp::Or => {
                self.setunused();
            }
            BitwiseOp::Xor => self.bytes.fill(0),
        }
    }
}

fn setrange_impl<O: Order>(bytes: &mut [u8], start: usize, stop: usize, v: bool) {
    let fill = if v { !0u64 } else { 0 };
    // The first partial byte, whole bytes with `fill`, the last partial byte.
    let head_end = bytes_for(start) * 8;
    if head_end >= stop {
        word::write::<O>(bytes, start, stop - start, fill);
        return;
    }
    word::write::<O>(bytes, start, head_end - start, fill);
    let body_end = stop / 8;
    bytes[head_end / 8..body_end].fill(fill as u8);
    word::write::<O>(bytes, body_end * 8, stop - body_end * 8, fill);
}

/// Swaps 64-bit runs from both ends, each reversed, then reverses the
/// middle (fewer than 128 bits) in one or two runs.
fn reverse_impl<O: Order>(bytes: &mut [u8], nbits: usize) {
    let mut lo = 0;
    let mut hi = nbits;
    while hi - lo >= 128 {
        let l = word::window::<O>(bytes, lo);
        let r = word::window::<O>(bytes, hi - 64);
        word::write::<O>(bytes, lo, 64, r.reverse_bits());
        word::write::<O>(bytes, hi - 64, 64, l.reverse_bits());
        lo += 64;
        hi -= 64;
    }
    let r = hi - lo;
    if r == 0 {
        return;
    }
    if r <= 64 {
        // Reversing a 64-bit word puts its first r bits last: move them up.
        let a = word::window::<O>(bytes, lo) & O::first(r);
        word::write::<O>(bytes, lo, r, O::earlier(a.reverse_bits(), 64 - r));
    } else {
        let x = r - 64;
        let a = word::window::<O>(bytes, lo);
        let b = word::window::<O>(bytes, lo + 64) & O::first(x);
        word::write::<O>(bytes, lo, x, O::earlier(b.reverse_bits(), 64 - x));
        word::write::<O>(bytes, lo + x, 64, a.reverse_bits());
    }
}
