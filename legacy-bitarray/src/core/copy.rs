//! Moving bits: C's `copy_n` (within one buffer or from another, of either
//! endianness) and what stands on it — `delete_n`, `insert_n`, `repeat`,
//! `frombytes`, slice reads, assignments and deletions.

use super::bits::{Bits, BitsMut};
use super::movebits::{copy_from_impl, copy_within_impl, Flipped, Same, Within};
use super::stride;
use super::word::{self, dispatch, Order};

impl BitsMut<'_> {
    /// Copies bits `b..b + n` onto `a..a + n` within this bitarray (C's
    /// `copy_n(self, a, self, b, n)`; overlapping ranges as `memmove` does).
    /// Extending a bitarray with itself is, after the glue's resize to
    /// `2 * n` bits, `copy_within(n, 0, n)`. Panics when a range passes
    /// `len()`.
    pub fn copy_within(&mut self, a: usize, b: usize, n: usize) {
        let (bytes, nbits, endian) = self.parts();
        assert!(
            a.max(b).checked_add(n).is_some_and(|e| e <= nbits),
            "copy range"
        );
        dispatch!(endian, copy_within_impl(bytes, a, b, n));
    }

    /// Copies bits `b..b + n` of `src`, whatever its endianness, onto
    /// `a..a + n` (C's `copy_n(self, a, other, b, n)`; `extend_bitarray`,
    /// `encode` and slice assignment after the glue's resize). Panics when a
    /// range passes a length.
    pub fn copy_from(&mut self, a: usize, src: &Bits<'_>, b: usize, n: usize) {
        let flip = src.endian() != self.endian();
        let (bytes, nbits, endian) = self.parts();
        assert!(
            a.checked_add(n).is_some_and(|e| e <= nbits),
            "copy destination range"
        );
        assert!(
            b.checked_add(n).is_some_and(|e| e <= src.len()),
            "copy source range"
        );
        dispatch!(endian, copy_from_impl(bytes, a, src.bytes(), flip, b, n));
    }

    /// The move of C's `delete_n(self, start, n)`: bits `start + n..len()`
    /// go down to `start`. This view is the bitarray *before* the deletion;
    /// the glue then shrinks the storage to `bytes_for(len() - n)` (the pad
    /// bits then hold what the move left there, as in the C). Also `pop`,
    /// `remove`, `del a[i]` and `del a[i:j]`.
    pub fn delete_n(&mut self, start: usize, n: usize) {
        let nbits = self.len();
        assert!(
            start.checked_add(n).is_some_and(|e| e <= nbits),
            "delete range"
        );
        self.copy_within(start, start + n, nbits - start - n);
    }

    /// The move of C's `insert_n(self, start, n)`: bits `start..` go up by
    /// `n`. This view is the bitarray *after* the glue grew the storage to
    /// `bytes_for(old + n)`, so `len()` is `old + n`; bits `start..start + n`
    /// keep their old values, for the caller to set (`insert`, slice
    /// assignment).
    pub fn insert_n(&mut self, start: usize, n: usize) {
        let nbits = self.len();
        assert!(
            start.checked_add(n).is_some_and(|e| e <= nbits),
            "insert range"
        );
        self.copy_within(start + n, start, nbits - start - n);
    }

    /// C's `repeat(self, times)` for `times >= 2` after the glue's resize to
    /// `unit * times` bits: copies bits `0..unit` onto every later multiple
    /// of `unit`. (For `times <= 0` the C empties the bitarray and for 1
    /// leaves it: the glue's.) Works by doubling, so `log2(times)` copies.
    /// Panics unless `len()` is a multiple of `unit` (0 when `unit` is 0).
    pub fn repeat(&mut self, unit: usize) {
        let total = self.len();
        if unit == 0 {
            assert_eq!(total, 0, "repeating nothing gives nothing");
            return;
        }
        assert_eq!(total % unit, 0, "the length is a multiple of the unit");
        let mut filled = unit;
        while filled < total {
            let k = filled.min(total - filled);
            self.copy_within(filled, 0, k);
            filled += k;
        }
    }

    /// `frombytes(data)` on a bitarray of `old` bits, after the glue grew
    /// the storage to `bytes_for(old + 8 * data.len())`: zeroes the pad bits
    /// of the old last byte (`setunused`), copies `data` after it, then
    /// deletes those pad bits (`delete_n`), as `bitarray_frombytes` does; the
    /// new pad bits are the last bits of `data`. The storage needs no
    /// resizing in between: `BYTES(old) + len == BYTES(old + 8 * len)`.
    /// `fromfile` does the same; on a short read the C skips the deletion
    /// and keeps the zeroed bits, which the glue can do with `setunused`
    /// and `bytes_mut`. Panics unless `len() == old + 8 * data.len()`.
    pub fn frombytes(&mut self, old: usize, data: &[u8]) {
        let nbits = self.len();
        assert_eq!(
            Some(nbits),
            data.len().checked_mul(8).and_then(|d| d.checked_add(old)),
            "frombytes length"
        );
        let endian = self.endian();
        let start = super::bytes_for(old);
        let bytes = self.bytes_mut();
        let p = 8 * start - old;
        if p > 0 {
            bytes[start - 1] &= word::used_mask(endian, old);
        }
        bytes[start..].copy_from_slice(data);
        if p > 0 {
            // The pad bits become the last p bits: what copy_n leaves there.
            dispatch!(
                endian,
                copy_within_impl(bytes, old, old + p, 8 * data.len())
            );
        }
    }

    /// The slice `src[start::step]` of `len()` bits onto this (new)
    /// bitarray's bits (`__getitem__` with a slice: `setbit` for each bit);
    /// `start` and `step` as `slice_GetIndicesEx` gives them. Panics when a
    /// position passes `src.len()`.
    pub fn get_slice(&mut self, src: &Bits<'_>, start: usize, step: isize) {
        let len = self.len();
        if len == 0 {
            return;
        }
        check_stepped(start, step, len, src.len());
        if step == 1 {
            self.copy_from(0, src, start, len);
            return;
        }
        let flip = src.endian() != self.endian();
        let (bytes, _, endian) = self.parts();
        let sb = src.bytes();
        dispatch!(endian, get_slice_impl(bytes, sb, flip, start, step, len));
    }

    /// `self[start::step] = src` for a slice of `src.len()` positions
    /// (`setslice` when the lengths agree: bit `i` of `src` onto
    /// `start + i * step`). When `src` is this bitarray, use
    /// [`BitsMut::set_slice_from_self`]. Panics when a position passes
    /// `len()`.
    pub fn set_slice_from(&mut self, start: usize, step: isize, src: &Bits<'_>) {
        let len = src.len();
        if len == 0 {
            return;
        }
        check_stepped(start, step, len, self.len());
        if step == 1 {
            self.copy_from(start, src, 0, len);
            return;
        }
        let flip = src.endian() != self.endian();
        let (bytes, _, endian) = self.parts();
        let sb = src.bytes();
        dispatch!(endian, set_slice_impl(bytes, start, step, sb, flip, len));
    }

    /// `a[start::step] = a` with a slice as long as `a`: C's `setslice` loop
    /// reading `a` while it writes it, in order, bit by bit, which is what
    /// gives `a[::-1] = a` its C result (the first half mirrored). Panics
    /// when a position passes `len()`.
    pub fn set_slice_from_self(&mut self, start: usize, step: isize) {
        let len = self.len();
        if len == 0 {
            return;
        }
        check_stepped(start, step, len, len);
        // With the slice as long as `a`, either `len == 1` or `|step| == 1`;
        // only `a[::-1] = a` changes anything (step 1 starts at 0).
        if step == -1 && len >= 2 {
            let (bytes, _, endian) = self.parts();
            dispatch!(endian, mirror_impl(bytes, len));
        }
    }

    /// `self[start::step] = v` over `len` positions (`setslice` with a bool).
    /// Panics when a position passes `len()`.
    pub fn set_slice(&mut self, start: usize, step: isize, len: usize, v: bool) {
        if len == 0 {
            return;
        }
        check_stepped(start, step, len, self.len());
        if step == 1 {
            self.setrange(start, start + len, v);
            return;
        }
        let s = step.unsigned_abs();
        let p0 = if step > 0 {
            start
        } else {
            start - (len - 1) * s
        };
        let (bytes, _, endian) = self.parts();
        dispatch!(endian, fill_impl(bytes, p0, s, len, v));
    }

    /// The move of `del self[start:stop:step]` for `step >= 1`, after the
    /// C's rewrite of a negative step (`stop = start + 1;
    /// start = stop + step * (slicelength - 1) - 1; step = -step`): keeps
    /// the bits whose `(i - start) % step != 0` or `i >= stop`, packed down
    /// from `start`. The glue then shrinks the storage by the slice length.
    /// Panics when `step == 0` or `start > stop` or `stop > len()`.
    pub fn delete_slice(&mut self, start: usize, stop: usize, step: usize) {
        let nbits = self.len();
        assert!(step > 0 && start <= stop && stop <= nbits, "delete slice");
        if step == 1 {
            self.delete_n(start, stop - start);
            return;
        }
        if start == stop {
            return;
        }
        let (bytes, _, endian) = self.parts();
        dispatch!(endian, delete_impl(bytes, nbits, start, stop, step));
    }
}

fn get_slice_impl<O: Order>(
    dst: &mut [u8],
    src: &[u8],
    flip: bool,
    start: usize,
    step: isize,
    n: usize,
) {
    if flip {
        stride::get_stepped::<O, _>(dst, &Flipped(src), start, step, n);
    } else {
        stride::get_stepped::<O, _>(dst, &Same(src), start, step, n);
    }
}

fn set_slice_impl<O: Order>(
    dst: &mut [u8],
    start: usize,
    step: isize,
    src: &[u8],
    flip: bool,
    n: usize,
) {
    if flip {
        stride::set_stepped::<O, _>(dst, start, step, &Flipped(src), n);
    } else {
        stride::set_stepped::<O, _>(dst, start, step, &Same(src), n);
    }
}

fn mirror_impl<O: Order>(bytes: &mut [u8], n: usize) {
    stride::mirror_lower_half::<O, _>(bytes, &Within, n);
}

fn fill_impl<O: Order>(bytes: &mut [u8], p0: usize, s: usize, n: usize, v: bool) {
    stride::scatter::<O, _>(bytes, p0, s, n, &stride::Fill(v));
}

fn delete_impl<O: Order>(bytes: &mut [u8], nbits: usize, start: usize, stop: usize, step: usize) {
    stride::delete_stepped::<O, _>(bytes, &Within, nbits, start, stop, step);
}

/// Panics unless every position `start + i * step`, `i < len`, `len > 0`,
/// lies below `bound`.
fn check_stepped(start: usize, step: isize, len: usize, bound: usize) {
    let last = (len - 1) as isize * step;
    let end = start as isize + last;
    assert!(
        start < bound && end >= 0 && (end as usize) < bound,
        "slice position out of range"
    );
}
