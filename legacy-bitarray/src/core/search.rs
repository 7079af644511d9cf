//! Finding bits: `findfirst` (`index`, `in`, `all`, `any`, `remove`),
//! `_util`'s `find_last` (`rindex`), `search` (`search`, `itersearch`,
//! `in` with a bitarray) and richcompare's first differing bit.

use std::cmp::Ordering;

use super::bits::Bits;
use super::word::{self, dispatch, Order};

fn find_first_impl<O: Order>(
    bytes: &[u8],
    value: bool,
    start: usize,
    stop: usize,
) -> Option<usize> {
    let mut pos = start;
    // The first run ends on a byte boundary, so the later windows are
    // single aligned loads (whole 0x00 or 0xff words skipped at once).
    let mut k = (stop - pos).min(64 - pos % 8);
    while pos < stop {
        let w = word::window::<O>(bytes, pos);
        let x = (if value { w } else { !w }) & O::first(k);
        if x != 0 {
            return Some(pos + O::first_set(x));
        }
        pos += k;
        k = (stop - pos).min(64);
    }
    None
}

fn find_last_impl<O: Order>(bytes: &[u8], value: bool, nbits: usize) -> Option<usize> {
    let mut end = nbits;
    while end > 0 {
        // Runs start on byte boundaries after the first one (see above).
        let k = if end % 8 == 0 { 64 } else { 56 + end % 8 }.min(end);
        let start = end - k;
        let w = word::window::<O>(bytes, start);
        let x = (if value { w } else { !w }) & O::first(k);
        if x != 0 {
            return Some(start + O::last_set(x));
        }
        end = start;
    }
    None
}

/// Whether `pat` (whose bytes are of order `O` when `!flip`, of the other
/// order when `flip`) matches `bytes` at `p`, 64 bits at a time.
fn matches_at<O: Order>(bytes: &[u8], p: usize, pat: &[u8], flip: bool, m: usize) -> bool {
    let mut i = 0;
    while i < m {
        let k = (m - i).min(64);
        let w = word::window::<O>(bytes, p + i);
        let v = pattern_window::<O>(pat, flip, i);
        if (w ^ v) & O::first(k) != 0 {
            return false;
        }
        i += k;
    }
    true
}

#[inline(always)]
fn pattern_window<O: Order>(pat: &[u8], flip: bool, pos: usize) -> u64 {
    if flip {
        word::window::<O::Flip>(pat, pos).reverse_bits()
    } else {
        word::window::<O>(pat, pos)
    }
}

/// The first `p >= start` where `pat` (`m >= 1` bits) occurs in the `n`
/// bits of `bytes`. For 64 candidate positions at once, a candidate mask is
/// the AND, over the pattern's first `min(m, 8)` bits, of the 64-bit window
/// shifted by that bit, matched against it: on random data one candidate in
/// 256 survives to the full comparison. The C compares bit by bit at every
/// position.
fn search_impl<O: Order>(
    bytes: &[u8],
    n: usize,
    pat: &[u8],
    flip: bool,
    m: usize,
    start: usize,
) -> Option<usize> {
    if m > n {
        return None;
    }
    let last = n - m;
    let head = pattern_window::<O>(pat, flip, 0);
    let lead = m.min(8);
    let mut pos = start;
    while pos <= last {
        let block = (last - pos + 1).min(64);
        let mut cand = O::first(block);
        for j in 0..lead {
            let w = word::window::<O>(bytes, pos + j);
            // Bit j of the pattern, broadcast: every candidate must have it
            // at offset j.
            let want = head & O::later(O::first(1), j) != 0;
            cand &= if want { w } else { !w };
            if cand == 0 {
                break;
            }
        }
        while cand != 0 {
            let i = O::first_set(cand);
            if matches_at::<O>(bytes, pos + i, pat, flip, m) {
                return Some(pos + i);
            }
            cand = O::clear_first(cand);
        }
        pos += block;
    }
    None
}

fn compare_impl<O: Order>(a: &Bits<'_>, b: &Bits<'_>) -> Ordering {
    let flip = a.endian() != b.endian();
    let n = a.len().min(b.len());
    let mut pos = 0;
    while pos < n {
        let k = (n - pos).min(64);
        let x = word::window::<O>(a.bytes(), pos);
        let y = pattern_window::<O>(b.bytes(), flip, pos);
        let d = (x ^ y) & O::first(k);
        if d != 0 {
            let i = pos + O::first_set(d);
            return a.get(i).cmp(&b.get(i));
        }
        pos += k;
    }
    a.len().cmp(&b.len())
}

impl Bits<'_> {
    /// The first index in `start..stop` of a bit equal to `value` (C's
    /// `findfirst`, after `normalize_index` on both ends), or `None` (the
    /// C's -1). Panics when `stop > len()` and `start < stop`.
    pub fn find_first(&self, value: bool, start: usize, stop: usize) -> Option<usize> {
        if start >= stop {
            return None;
        }
        assert!(stop <= self.len(), "find range end {stop} out of range");
        dispatch!(
            self.endian(),
            find_first_impl(self.bytes(), value, start, stop)
        )
    }

    /// The last index of a bit equal to `value` (`_util`'s `find_last`,
    /// `rindex`), or `None`.
    pub fn find_last(&self, value: bool) -> Option<usize> {
        dispatch!(
            self.endian(),
            find_last_impl(self.bytes(), value, self.len())
        )
    }

    /// The first position `p >= start` at which `pattern` (of either
    /// endianness) occurs (C's `search(self, xa, p)`), or `None`. An empty
    /// pattern occurs at `start` when `start <= len()`, as in the C (`in`
    /// reaches it; `search` and `itersearch` raise
    /// [`messages::EMPTY_SEARCH`](super::messages::EMPTY_SEARCH) first).
    pub fn search(&self, pattern: &Bits<'_>, start: usize) -> Option<usize> {
        let (n, m) = (self.len(), pattern.len());
        if m == 0 {
            return (start <= n).then_some(start);
        }
        if start > n {
            return None;
        }
        let flip = self.endian() != pattern.endian();
        dispatch!(
            self.endian(),
            search_impl(self.bytes(), n, pattern.bytes(), flip, m, start)
        )
    }

    /// The positions of `pattern`, from `start` on, overlapping ones
    /// included (`search(x, limit)`'s loop and `itersearch`'s
    /// `searchiter_next`: after a match at `p` the next search starts at
    /// `p + 1`).
    pub fn search_iter<'b>(&self, pattern: Bits<'b>, start: usize) -> SearchIter<'_, 'b> {
        SearchIter {
            bits: *self,
            pattern,
            pos: Some(start),
        }
    }

    /// How `self` orders against `other` (richcompare): the first differing
    /// bit decides, 0 before 1; when one is a prefix of the other, the
    /// shorter is less. Endiannesses may differ; the glue maps `Ordering`
    /// to the six operators (for `==`/`!=`, [`Bits::eq_bits`] is faster).
    pub fn compare(&self, other: &Bits<'_>) -> Ordering {
        dispatch!(self.endian(), compare_impl(self, other))
    }

    /// `self == other` (richcompare's `Py_EQ`): equal lengths and equal bits,
    /// pad bits ignored. For the same endianness, a byte comparison of the
    /// whole bytes and the used bits of the last.
    pub fn eq_bits(&self, other: &Bits<'_>) -> bool {
        if self.len() != other.len() {
            return false;
        }
        if self.endian() != other.endian() {
            return self.compare(other) == Ordering::Equal;
        }
        let Some(last) = self.bytes().len().checked_sub(1) else {
            return true;
        };
        let m = word::used_mask(self.endian(), self.len());
        self.bytes()[..last] == other.bytes()[..last]
            && (self.bytes()[last] ^ other.bytes()[last]) & m == 0
    }
}

/// The successive positions of a pattern; see [`Bits::search_iter`].
#[derive(Clone, Debug)]
pub struct SearchIter<'a, 'b> {
    bits: Bits<'a>,
    pattern: Bits<'b>,
    pos: Option<usize>,
}

impl Iterator for SearchIter<'_, '_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let p = self.bits.search(&self.pattern, self.pos?)?;
        self.pos = p.checked_add(1);
        Some(p)
    }
}
