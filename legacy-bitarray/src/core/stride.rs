//! Strided slices, word at a time: the loops of C's `bitarray_getitem`,
//! `setslice` and `bitarray_delitem` (`setbit(..., GETBIT(...))` per bit)
//! as gathers and scatters of 64-bit words.
//!
//! Every loop here is monomorphised for the destination's bit order `O` and
//! the source's kind ([`Source`]), so no per-bit code looks at an
//! endianness. The strided side always runs forward: a negative step is the
//! same set of positions from its lowest one, with the contiguous side read
//! or written reversed (a `reverse_bits` per word). That changes the order
//! of the writes but not the result, since the strided positions are
//! distinct and, where source and destination share a buffer
//! ([`mirror_lower_half`], [`delete_stepped`]), no bit is read after it is
//! written.

use super::movebits::{copy_within_impl, Source};
use super::word::{self, Order};

/// Steps below this deposit or extract several bits per 64-bit window;
/// from it on, a window holds at most one position and the loops go bit by
/// bit (still without branching on the bits' values).
const WIDE: usize = 64;

/// The native word (order `O`) whose logical bit 0 is `b` and the rest 0.
#[inline(always)]
fn one_if<O: Order>(b: bool) -> u64 {
    O::first(1) & (b as u64).wrapping_neg()
}

/// The native word whose logical bit `t` is source bit `e - t`, `t <= e`
/// (bits before 0 read as 0): the source read backward from `e`.
#[inline(always)]
fn read_rev<O: Order, S: Source>(src: &S, dst: &[u8], e: usize) -> u64 {
    if e >= 63 {
        src.read::<O>(dst, e - 63).reverse_bits()
    } else {
        O::later(src.read::<O>(dst, 0), 63 - e).reverse_bits()
    }
}

/// Where the values of [`scatter`] come from.
pub(super) trait Values {
    /// Whether every value is the same (`set_slice` with a bool): then
    /// [`Values::word`] is all ones or all zeros and needs no spreading.
    const CONST: bool;
    /// The native word whose logical bit `t` is value `k + t`, `t < 64`
    /// (or fewer, up to the last value); `dst` is the destination as it is
    /// now, for a source within it.
    fn word<O: Order>(&self, dst: &[u8], k: usize) -> u64;
    /// Value `k` alone, one byte read.
    fn bit<O: Order>(&self, dst: &[u8], k: usize) -> bool;
}

/// One value for every position.
pub(super) struct Fill(pub(super) bool);

/// Values `0..n` of a source, in order.
pub(super) struct Forward<'s, S>(pub(super) &'s S);

/// Values `0..n` of a source taken backward: value `k` is source bit
/// `n - 1 - k`.
pub(super) struct Backward<'s, S>(pub(super) &'s S, pub(super) usize);

impl Values for Fill {
    const CONST: bool = true;
    #[inline(always)]
    fn word<O: Order>(&self, _: &[u8], _: usize) -> u64 {
        (self.0 as u64).wrapping_neg()
    }
    #[inline(always)]
    fn bit<O: Order>(&self, _: &[u8], _: usize) -> bool {
        self.0
    }
}

impl<S: Source> Values for Forward<'_, S> {
    const CONST: bool = false;
    #[inline(always)]
    fn word<O: Order>(&self, dst: &[u8], k: usize) -> u64 {
        self.0.read::<O>(dst, k)
    }
    #[inline(always)]
    fn bit<O: Order>(&self, dst: &[u8], k: usize) -> bool {
        self.0.bit::<O>(dst, k)
    }
}

impl<S: Source> Values for Backward<'_, S> {
    const CONST: bool = false;
    #[inline(always)]
    fn word<O: Order>(&self, dst: &[u8], k: usize) -> u64 {
        read_rev::<O, S>(self.0, dst, self.1 - 1 - k)
    }
    #[inline(always)]
    fn bit<O: Order>(&self, dst: &[u8], k: usize) -> bool {
        self.0.bit::<O>(dst, self.1 - 1 - k)
    }
}

/// Writes value `k` onto destination bit `p0 + k * s` for `k < n`, `s >= 1`;
/// touches no other destination bit (C's `setbit` loop of `setslice`).
pub(super) fn scatter<O: Order, V: Values>(
    dst: &mut [u8],
    p0: usize,
    s: usize,
    n: usize,
    vals: &V,
) {
    let mut k = 0;
    if s == 1 {
        while k < n {
            let c = (n - k).min(64);
            let w = vals.word::<O>(dst, k);
            word::write::<O>(dst, p0 + k, c, w);
            k += c;
        }
        return;
    }
    if s < WIDE {
        // One 64-bit window of the destination at a time, from the byte of
        // its next position, while a whole window of values remains and
        // the window's eight bytes lie inside `dst` (so neither side takes
        // the slow path at a slice's end); the rest goes bit by bit.
        while n - k > 64 && (p0 + k * s) / 8 + 8 <= dst.len() {
            let p = p0 + k * s;
            let mut v = vals.word::<O>(dst, k);
            // `bit` walks the window's positions until it shifts out.
            let mut bit = O::later(O::first(1), p % 8);
            let (mut w, mut mask) = (0, 0);
            while bit != 0 {
                mask |= bit;
                if !V::CONST {
                    w |= bit & O::spread_first(v);
                    v = O::earlier(v, 1);
                }
                bit = O::later(bit, s);
                k += 1;
            }
            if V::CONST {
                w = v;
            }
            word::merge_at::<O>(dst, p / 8, w, mask);
        }
    }
    if n - k <= 8 {
        // A few bits (a short slice, or the end of a long one): each
        // value read alone, not through a 64-bit window.
        let mut p = p0 + k * s;
        for k in k..n {
            let m = O::word_byte(O::later(O::first(1), p % 8));
            let v = vals.bit::<O>(dst, k);
            let b = &mut dst[p / 8];
            *b = (*b & !m) | (m & (v as u8).wrapping_neg());
            p += s;
        }
        return;
    }
    while k < n {
        let c = (n - k).min(64);
        let mut v = vals.word::<O>(dst, k);
        let mut p = p0 + k * s;
        for _ in 0..c {
            let m = O::word_byte(O::later(O::first(1), p % 8));
            let b = &mut dst[p / 8];
            *b = (*b & !m) | (m & O::word_byte(O::spread_first(v)));
            if !V::CONST {
                v = O::earlier(v, 1);
            }
            p += s;
        }
        k += c;
    }
}

/// Calls `put(k, c, w)` for consecutive runs of up to 64 values, `w`'s
/// logical bit `t` being source bit `p0 + (k + t) * s`, `s >= 1`.
#[inline(always)]
fn gather<O: Order, S: Source>(
    src: &S,
    p0: usize,
    s: usize,
    n: usize,
    mut put: impl FnMut(usize, usize, u64),
) {
    let one = O::first(1);
    let src_len = src.len(&[]);
    let mut k = 0;
    while k < n {
        let c = (n - k).min(64);
        let mut out = 0;
        if s == 1 {
            out = src.read::<O>(&[], p0 + k);
        } else {
            let mut j = 0;
            if s < WIDE {
                // Whole windows while their nine bytes lie inside the
                // source; the rest bit by bit.
                while j < c && (p0 + (k + j) * s) / 8 + 9 <= src_len {
                    let mut v = src.read::<O>(&[], p0 + (k + j) * s);
                    let mut bit = O::later(one, j);
                    let mut left = 64usize;
                    while left >= s && j < c {
                        out |= bit & O::spread_first(v);
                        bit = O::later(bit, 1);
                        v = O::earlier(v, s);
                        left -= s;
                        j += 1;
                    }
                    // The window's last position, when its bits end it.
                    if left > 0 && j < c {
                        out |= bit & O::spread_first(v);
                        j += 1;
                    }
                }
            }
            let mut p = p0 + (k + j) * s;
            for t in j..c {
                out |= O::later(one_if::<O>(src.bit::<O>(&[], p)), t);
                p += s;
            }
        }
        put(k, c, out);
        k += c;
    }
}

/// Destination bit `i` is source bit `start + i * step`, `i < n`, every
/// position in range (`bitarray_getitem` with a slice).
pub(super) fn get_stepped<O: Order, S: Source>(
    dst: &mut [u8],
    src: &S,
    start: usize,
    step: isize,
    n: usize,
) {
    let s = step.unsigned_abs();
    if step > 0 {
        gather::<O, S>(src, start, s, n, |k, c, w| word::write::<O>(dst, k, c, w));
    } else {
        // Bit `i` is source bit `p0 + (n - 1 - i) * s`: gather from `p0`
        // up and write each run reversed, from the end down.
        let p0 = start - (n - 1) * s;
        gather::<O, S>(src, p0, s, n, |k, c, w| {
            word::write::<O>(dst, n - k - c, c, O::earlier(w.reverse_bits(), 64 - c));
        });
    }
}

/// Source bit `i` onto destination bit `start + i * step`, `i < n`, every
/// position in range (`setslice` with a bitarray of another buffer).
pub(super) fn set_stepped<O: Order, S: Source>(
    dst: &mut [u8],
    start: usize,
    step: isize,
    src: &S,
    n: usize,
) {
    let s = step.unsigned_abs();
    if step > 0 {
        scatter::<O, _>(dst, start, s, n, &Forward(src));
    } else {
        let p0 = start - (n - 1) * s;
        scatter::<O, _>(dst, p0, s, n, &Backward(src, n));
    }
}

/// `a[::-1] = a` for a bitarray of `n >= 2` bits: the C's loop reads bit
/// `i` after writing bit `n - 1 - i` for `i >= n / 2`, so the upper half
/// becomes the lower half mirrored and the lower half (and a middle bit)
/// stays.
pub(super) fn mirror_lower_half<O: Order, S: Source>(bytes: &mut [u8], within: &S, n: usize) {
    let h = n / 2;
    // Destination bit `n - h + k` is bit `h - 1 - k`: reads below `h`,
    // writes from `n - h >= h` on.
    scatter::<O, _>(bytes, n - h, 1, h, &Backward(within, h));
}

/// The move of `del a[start:stop:step]`, `2 <= step`, `start < stop <=
/// nbits`: within `bytes` (read through `within`), packs the bits of
/// `start..stop` whose `(i - start) % step != 0` down from `start`, then
/// the bits from `stop` on after them, as the C's loop does.
pub(super) fn delete_stepped<O: Order, S: Source>(
    bytes: &mut [u8],
    within: &S,
    nbits: usize,
    start: usize,
    stop: usize,
    step: usize,
) {
    let r = step - 1;
    let mut j = start;
    let mut p = start;
    if step <= 32 {
        // Each group `p..p + step` keeps its last `r` bits; they collect in
        // `acc` (`fill` bits), flushed 64 at a time. A write never reaches
        // past the bits read so far.
        let keep = O::first(r);
        let per = 64 / step;
        let mut acc = 0u64;
        let mut fill = 0;
        while p < stop {
            let groups = ((stop - p) / step).min(per);
            let v = within.read::<O>(bytes, p);
            if groups == 0 {
                // The last group, cut short by `stop`.
                let bits = O::earlier(v, 1) & O::first(stop - p - 1);
                let m = stop - p - 1;
                push::<O>(bytes, &mut j, &mut acc, &mut fill, bits, m);
                break;
            }
            for g in 0..groups {
                let bits = O::earlier(v, g * step + 1) & keep;
                push::<O>(bytes, &mut j, &mut acc, &mut fill, bits, r);
            }
            p += groups * step;
        }
        word::write::<O>(bytes, j, fill, acc);
        j += fill;
    } else {
        while p < stop {
            let m = r.min(stop - p - 1);
            copy_within_impl::<O>(bytes, j, p + 1, m);
            j += m;
            p += step;
        }
    }
    copy_within_impl::<O>(bytes, j, stop, nbits - stop);
}

/// Appends the `m < 64` bits of `bits` to `acc`, writing `acc` out at `j`
/// when it fills.
#[inline(always)]
fn push<O: Order>(
    bytes: &mut [u8],
    j: &mut usize,
    acc: &mut u64,
    fill: &mut usize,
    bits: u64,
    m: usize,
) {
    if m == 0 {
        return;
    }
    *acc |= O::later(bits, *fill);
    *fill += m;
    if *fill >= 64 {
        word::write::<O>(bytes, *j, 64, *acc);
        *j += 64;
        *fill -= 64;
        // The bits that did not fit: the last `fill` of `bits`.
        *acc = if *fill == 0 {
            0
        } else {
            O::earlier(bits, m - *fill)
        };
    }
}
