//! The C, transliterated: bitarray 1.2.2's `_bitarray.c` and `_util.c`
//! functions as they are, bit by bit on a `Vec<u8>`, pad bits and all. The
//! fast paths must leave the same bytes.

use crate::core::{bytes_for, Endian};

/// A bitarrayobject: `ob_item`, `nbits`, `endian`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ba {
    pub bytes: Vec<u8>,
    pub nbits: usize,
    pub endian: Endian,
}

fn bitmask(endian: Endian, i: usize) -> u8 {
    match endian {
        Endian::Little => 1 << (i % 8),
        Endian::Big => 1 << (7 - i % 8),
    }
}

impl Ba {
    pub fn getbit(&self, i: usize) -> bool {
        assert!(i < self.nbits);
        self.bytes[i / 8] & bitmask(self.endian, i) != 0
    }

    pub fn setbit(&mut self, i: usize, bit: bool) {
        assert!(i < 8 * self.bytes.len());
        let m = bitmask(self.endian, i);
        if bit {
            self.bytes[i / 8] |= m;
        } else {
            self.bytes[i / 8] &= !m;
        }
    }

    /// `resize`, new bytes holding `fill` (the C's are uninitialised).
    pub fn resize(&mut self, nbits: usize, fill: u8) {
        self.bytes.resize(bytes_for(nbits), fill);
        self.nbits = nbits;
    }

    /// The bits, as a model independent of the byte layout.
    pub fn model(&self) -> Vec<bool> {
        (0..self.nbits).map(|i| self.getbit(i)).collect()
    }

    pub fn copy_n_self(&mut self, a: usize, b: usize, n: usize) {
        assert!(n <= self.nbits && a <= self.nbits - n && b <= self.nbits - n);
        if n == 0 {
            return;
        }
        if a % 8 == 0 && b % 8 == 0 && n >= 8 {
            let bytes = n / 8;
            let bits = 8 * bytes;
            if a <= b {
                self.bytes.copy_within(b / 8..b / 8 + bytes, a / 8);
            }
            if n != bits {
                self.copy_n_self(bits + a, bits + b, n - bits);
            }
            if a > b {
                self.bytes.copy_within(b / 8..b / 8 + bytes, a / 8);
            }
            return;
        }
        if a <= b {
            for i in 0..n {
                let v = self.getbit(i + b);
                self.setbit(i + a, v);
            }
        } else {
            for i in (0..n).rev() {
                let v = self.getbit(i + b);
                self.setbit(i + a, v);
            }
        }
    }

    pub fn copy_n_other(&mut self, a: usize, other: &Ba, b: usize, n: usize) {
        assert!(n <= self.nbits && n <= other.nbits);
        assert!(a <= self.nbits - n && b <= other.nbits - n);
        if n == 0 {
            return;
        }
        if self.endian == other.endian && a % 8 == 0 && b % 8 == 0 && n >= 8 {
            let bytes = n / 8;
            let bits = 8 * bytes;
            self.bytes[a / 8..a / 8 + bytes].copy_from_slice(&other.bytes[b / 8..b / 8 + bytes]);
            if n != bits {
                self.copy_n_other(bits + a, other, bits + b, n - bits);
            }
            return;
        }
        for i in 0..n {
            self.setbit(i + a, other.getbit(i + b));
        }
    }

    pub fn delete_n(&mut self, start: usize, n: usize) {
        if n == 0 {
            return;
        }
        self.copy_n_self(start, start + n, self.nbits - start - n);
        self.resize(self.nbits - n, 0);
    }

    pub fn insert_n(&mut self, start: usize, n: usize, fill: u8) {
        if n == 0 {
            return;
        }
        self.resize(self.nbits + n, fill);
        self.copy_n_self(start + n, start, self.nbits - start - n);
    }

    pub fn setunused(&mut self) -> usize {
        let mut res = 0;
        for i in self.nbits..8 * self.bytes.len() {
            self.setbit(i, false);
            res += 1;
        }
        res
    }

    pub fn repeat(&mut self, n: usize, fill: u8) {
        if n == 0 {
            self.resize(0, fill);
        }
        if n > 1 {
            let nbits = self.nbits;
            self.resize(nbits * n, fill);
            for i in 1..n {
                self.copy_n_self(i * nbits, 0, nbits);
            }
        }
    }

    /// `bitwise` after its checks; `other` gets its pad bits zeroed too.
    pub fn bitwise(&mut self, other: &mut Ba, op: u8) {
        self.setunused();
        other.setunused();
        for i in 0..self.bytes.len() {
            match op {
                0 => self.bytes[i] &= other.bytes[i],
                1 => self.bytes[i] |= other.bytes[i],
                _ => self.bytes[i] ^= other.bytes[i],
            }
        }
    }

    pub fn setrange(&mut self, start: usize, stop: usize, val: bool) {
        if self.nbits == 0 || start >= stop {
            return;
        }
        if stop >= start + 8 {
            let byte_start = bytes_for(start);
            let byte_stop = stop / 8;
            for i in start..8 * byte_start {
                self.setbit(i, val);
            }
            for b in &mut self.bytes[byte_start..byte_stop] {
                *b = if val { 0xff } else { 0 };
            }
            for i in 8 * byte_stop..stop {
                self.setbit(i, val);
            }
        } else {
            for i in start..stop {
                self.setbit(i, val);
            }
        }
    }

    pub fn invert(&mut self) {
        for b in &mut self.bytes {
            *b = !*b;
        }
    }

    pub fn bytereverse(&mut self) {
        self.setunused();
        for b in &mut self.bytes {
            let mut t = 0u8;
            for j in 0..8 {
                if (1 << (7 - j)) & *b != 0 {
                    t |= 1 << j;
                }
            }
            *b = t;
        }
    }

    pub fn count(&self, vi: bool, start: usize, stop: usize) -> usize {
        if self.nbits == 0 || start >= stop {
            return 0;
        }
        let res = (start..stop).filter(|&i| self.getbit(i)).count();
        if vi {
            res
        } else {
            stop - start - res
        }
    }

    pub fn findfirst(&self, vi: bool, start: usize, stop: usize) -> Option<usize> {
        (start..stop).find(|&i| self.getbit(i) == vi)
    }

    pub fn search(&self, xa: &Ba, mut p: usize) -> Option<usize> {
        while p + xa.nbits < self.nbits + 1 {
            if (0..xa.nbits).all(|i| self.getbit(p + i) == xa.getbit(i)) {
                return Some(p);
            }
            p += 1;
        }
        None
    }

    /// `extend_bytes`: resize first, then one `setbit` per char.
    pub fn extend_bytes(&mut self, s: &[u8], raw: bool, fill: u8) -> Result<(), usize> {
        if s.is_empty() {
            return Ok(());
        }
        self.resize(self.nbits + s.len(), fill);
        for (i, &c) in s.iter().enumerate() {
            let vi = if raw {
                c != 0
            } else {
                match c {
                    b'0' => false,
                    b'1' => true,
                    _ => return Err(i),
                }
            };
            let at = self.nbits - s.len() + i;
            self.setbit(at, vi);
        }
        Ok(())
    }

    pub fn unpack(&self, zero: u8, one: u8) -> Vec<u8> {
        (0..self.nbits)
            .map(|i| if self.getbit(i) { one } else { zero })
            .collect()
    }

    /// `bitarray_frombytes`: setunused, pad, extend_rawbytes, delete_n.
    pub fn frombytes(&mut self, data: &[u8], fill: u8) {
        let t = self.nbits;
        let p = self.setunused();
        self.nbits += p;
        if !data.is_empty() {
            self.resize(self.nbits + 8 * data.len(), fill);
            let len = self.bytes.len();
            self.bytes[len - data.len()..].copy_from_slice(data);
        }
        self.delete_n(t, p);
    }

    pub fn reverse(&mut self) {
        if self.nbits < 2 {
            return;
        }
        let half = self.nbits / 2;
        let t: Vec<bool> = (0..half).map(|i| self.getbit(i)).collect();
        let m = self.nbits - 1;
        for i in 0..half {
            let v = self.getbit(m - i);
            self.setbit(i, v);
        }
        for (i, &v) in t.iter().enumerate() {
            self.setbit(m - i, v);
        }
    }

    pub fn sort(&mut self, reverse: bool) {
        let n = self.nbits;
        let n1 = self.count(true, 0, n);
        if reverse {
            self.setrange(0, n1, true);
            self.setrange(n1, n, false);
        } else {
            self.setrange(0, n - n1, false);
            self.setrange(n - n1, n, true);
        }
    }

    /// richcompare's loop: the first differing bit, else the sizes.
    pub fn compare(&self, w: &Ba) -> std::cmp::Ordering {
        for i in 0..self.nbits.min(w.nbits) {
            let (vi, wi) = (self.getbit(i), w.getbit(i));
            if vi != wi {
                return vi.cmp(&wi);
            }
        }
        self.nbits.cmp(&w.nbits)
    }

    pub fn find_last(&self, vi: bool) -> Option<usize> {
        (0..self.nbits).rev().find(|&i| self.getbit(i) == vi)
    }

    /// `_util`'s `count_to_n`, loops and all.
    pub fn count_to_n(&self, n: usize) -> Option<usize> {
        let (mut i, mut j) = (0usize, 0usize);
        if n == 0 {
            return Some(0);
        }
        while i + 8 < self.nbits {
            let m = self.bytes[i / 8].count_ones() as usize;
            if j + m >= n {
                break;
            }
            j += m;
            i += 8;
        }
        while j < n && i < self.nbits {
            j += usize::from(self.getbit(i));
            i += 1;
        }
        (j >= n).then_some(i)
    }

    /// `two_bitarray_func` / `bitdiff` after setunused on both.
    pub fn count_kernel(&mut self, other: &mut Ba, op: u8) -> usize {
        self.setunused();
        other.setunused();
        self.bytes
            .iter()
            .zip(&other.bytes)
            .map(|(&x, &y)| match op {
                0 => (x & y).count_ones() as usize,
                1 => (x | y).count_ones() as usize,
                _ => (x ^ y).count_ones() as usize,
            })
            .sum()
    }

    pub fn subset(&mut self, other: &mut Ba) -> bool {
        self.setunused();
        other.setunused();
        self.bytes
            .iter()
            .zip(&other.bytes)
            .all(|(&x, &y)| x & y == x)
    }

    /// `bitarray_getitem` with a slice (new object, `fill` for its bytes).
    pub fn getslice(&self, start: usize, step: isize, len: usize, fill: u8) -> Ba {
        let mut res = Ba {
            bytes: vec![fill; bytes_for(len)],
            nbits: len,
            endian: self.endian,
        };
        let mut j = start as isize;
        for i in 0..len {
            res.setbit(i, self.getbit(j as usize));
            j += step;
        }
        res
    }

    /// `setslice` with a bitarray of the slice's length (`vv` may be self:
    /// pass `None`).
    pub fn setslice_eq(&mut self, start: usize, step: isize, vv: Option<&Ba>) {
        let len = vv.map_or(self.nbits, |v| v.nbits);
        let mut j = start as isize;
        for i in 0..len {
            let v = match vv {
                Some(v) => v.getbit(i),
                None => self.getbit(i),
            };
            self.setbit(j as usize, v);
            j += step;
        }
    }

    /// `bitarray_delitem` with a slice, after the step's normalisation.
    pub fn delslice(&mut self, start: usize, stop: usize, step: usize, slicelength: usize) {
        if slicelength == 0 {
            return;
        }
        if step == 1 {
            self.delete_n(start, slicelength);
            return;
        }
        let mut j = start;
        for i in start..self.nbits {
            if (i - start) % step != 0 || i >= stop {
                let v = self.getbit(i);
                self.setbit(j, v);
                j += 1;
            }
        }
        self.resize(self.nbits - slicelength, 0);
    }
}
