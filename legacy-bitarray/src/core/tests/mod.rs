//! The core against the C, transliterated in `reference`: every fast path
//! must leave the same bytes (pad bits included) and give the same results,
//! for both endiannesses, lengths 0..300 and unaligned offsets.

mod reference;

use std::cmp::Ordering;

use proptest::collection::vec;
use proptest::prelude::*;

use self::reference::Ba;
use super::{bytes_for, Bits, BitsMut, BitwiseOp, CodeError, Endian, PrefixTree};

fn endian() -> impl Strategy<Value = Endian> {
    prop_oneof![Just(Endian::Little), Just(Endian::Big)]
}

/// A bitarray of up to `max` bits with random bytes, pad bits included.
fn ba(max: usize) -> impl Strategy<Value = Ba> {
    (endian(), 0..=max).prop_flat_map(|(endian, nbits)| {
        vec(any::<u8>(), bytes_for(nbits)).prop_map(move |bytes| Ba {
            bytes,
            nbits,
            endian,
        })
    })
}

/// Random bits biased to runs (mostly zeros or mostly ones), so the word
/// skipping of find/count/search meets whole 0x00 and 0xff words.
fn runs(max: usize) -> impl Strategy<Value = Ba> {
    (endian(), 0..=max, any::<bool>(), 0u32..4).prop_flat_map(|(endian, nbits, ones, sparsity)| {
        vec(any::<u8>(), bytes_for(nbits)).prop_map(move |raw| {
            // AND together 1 + sparsity random bytes: mostly zeros.
            let bytes = raw
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    let mut x = b;
                    for s in 0..sparsity {
                        x &= b.rotate_left(s + 1 + i as u32 % 5);
                    }
                    if ones {
                        !x
                    } else {
                        x
                    }
                })
                .collect();
            Ba {
                bytes,
                nbits,
                endian,
            }
        })
    })
}

/// A nonzero slice step: mostly small ones, also past the 64-bit window.
fn step_any() -> impl Strategy<Value = isize> {
    prop_oneof![
        (1isize..10).prop_flat_map(|s| prop_oneof![Just(s), Just(-s)]),
        (1isize..150).prop_flat_map(|s| prop_oneof![Just(s), Just(-s)]),
    ]
}

fn view(b: &Ba) -> Bits<'_> {
    Bits::new(&b.bytes, b.nbits, b.endian)
}

fn view_mut(b: &mut Ba) -> BitsMut<'_> {
    BitsMut::new(&mut b.bytes, b.nbits, b.endian)
}

/// `x` reduced into `0..=n`.
fn upto(x: usize, n: usize) -> usize {
    x % (n + 1)
}

/// The same bits in the other endianness (and different pad bits).
fn flipped(b: &Ba) -> Ba {
    let endian = match b.endian {
        Endian::Little => Endian::Big,
        Endian::Big => Endian::Little,
    };
    let mut out = Ba {
        bytes: vec![0x5a; b.bytes.len()],
        nbits: b.nbits,
        endian,
    };
    for i in 0..b.nbits {
        out.setbit(i, b.getbit(i));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn get_and_iter_are_getbit(b in ba(300)) {
        let v = view(&b);
        let bits: Vec<bool> = v.iter().collect();
        prop_assert_eq!(&bits, &b.model());
        for i in 0..b.nbits {
            prop_assert_eq!(v.get(i), b.getbit(i));
        }
        prop_assert_eq!(v.unused(), 8 * b.bytes.len() - b.nbits);
    }

    #[test]
    fn set_is_setbit(mut b in ba(300), i in any::<usize>(), val in any::<bool>()) {
        prop_assume!(b.nbits > 0);
        let i = i % b.nbits;
        let mut c = b.clone();
        view_mut(&mut c).set(i, val);
        b.setbit(i, val);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn copy_within_is_copy_n_self(mut b in ba(300), a in any::<usize>(), s in any::<usize>(), n in any::<usize>()) {
        let n = upto(n, b.nbits);
        let a = upto(a, b.nbits - n);
        let s = upto(s, b.nbits - n);
        let mut c = b.clone();
        let before = b.model();
        view_mut(&mut c).copy_within(a, s, n);
        b.copy_n_self(a, s, n);
        prop_assert_eq!(&c, &b);
        // And it is a copy: the model says so too.
        prop_assert_eq!(&c.model()[a..a + n], &before[s..s + n]);
    }

    #[test]
    fn copy_within_same_shift(mut b in ba(300), a in any::<usize>(), s in any::<usize>(), n in any::<usize>()) {
        // Both offsets equal mod 8 but not byte aligned: the memmove path.
        let n = upto(n, b.nbits);
        let a = upto(a, b.nbits - n);
        let s0 = upto(s, b.nbits - n);
        let s = s0 - s0 % 8 + a % 8;
        prop_assume!(s + n <= b.nbits);
        let mut c = b.clone();
        view_mut(&mut c).copy_within(a, s, n);
        b.copy_n_self(a, s, n);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn copy_from_is_copy_n_other(mut d in ba(300), o in ba(300), a in any::<usize>(), s in any::<usize>(), n in any::<usize>(), align in any::<bool>()) {
        let n = upto(n, d.nbits.min(o.nbits));
        let a = upto(a, d.nbits - n);
        let mut s = upto(s, o.nbits - n);
        if align && s % 8 != a % 8 && s >= 8 {
            s = s - s % 8 + a % 8;
            if s + n > o.nbits {
                s -= 8;
            }
        }
        let mut c = d.clone();
        view_mut(&mut c).copy_from(a, &view(&o), s, n);
        d.copy_n_other(a, &o, s, n);
        prop_assert_eq!(c, d);
    }

    #[test]
    fn delete_n_is_delete_n(mut b in ba(300), start in any::<usize>(), n in any::<usize>()) {
        let start = upto(start, b.nbits);
        let n = upto(n, b.nbits - start);
        let mut c = b.clone();
        view_mut(&mut c).delete_n(start, n);
        c.bytes.truncate(bytes_for(c.nbits - n));
        c.nbits -= n;
        b.delete_n(start, n);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn insert_n_is_insert_n(mut b in ba(300), start in any::<usize>(), n in 0usize..100, fill in any::<u8>()) {
        let start = upto(start, b.nbits);
        let mut c = b.clone();
        c.resize(c.nbits + n, fill);
        view_mut(&mut c).insert_n(start, n);
        b.insert_n(start, n, fill);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn repeat_is_repeat(mut b in ba(100), times in 2usize..12, fill in any::<u8>()) {
        let unit = b.nbits;
        let mut c = b.clone();
        c.resize(unit * times, fill);
        view_mut(&mut c).repeat(unit);
        b.repeat(times, fill);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn frombytes_is_frombytes(mut b in ba(300), data in vec(any::<u8>(), 0..40), fill in any::<u8>()) {
        let old = b.nbits;
        let mut c = b.clone();
        c.resize(old + 8 * data.len(), fill);
        view_mut(&mut c).frombytes(old, &data);
        b.frombytes(&data, fill);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn setunused_fill_setall(mut b in ba(300), v in any::<bool>()) {
        let mut c = b.clone();
        prop_assert_eq!(view_mut(&mut c).setunused(), b.setunused());
        prop_assert_eq!(&c, &b);
        view_mut(&mut c).setall(v);
        let want = if v { 0xff } else { 0 };
        prop_assert!(c.bytes.iter().all(|&x| x == want));
    }

    #[test]
    fn setrange_is_setrange(mut b in ba(300), start in any::<usize>(), stop in any::<usize>(), v in any::<bool>()) {
        let stop = upto(stop, b.nbits);
        let start = upto(start, b.nbits);
        let mut c = b.clone();
        view_mut(&mut c).setrange(start, stop, v);
        b.setrange(start, stop, v);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn invert_bytereverse_reverse_sort(b in ba(300), reverse in any::<bool>()) {
        let (mut c, mut r) = (b.clone(), b.clone());
        view_mut(&mut c).invert();
        r.invert();
        prop_assert_eq!(&c, &r);
        let (mut c, mut r) = (b.clone(), b.clone());
        view_mut(&mut c).bytereverse();
        r.bytereverse();
        prop_assert_eq!(&c, &r);
        let (mut c, mut r) = (b.clone(), b.clone());
        view_mut(&mut c).reverse();
        r.reverse();
        prop_assert_eq!(&c, &r);
        let mut model = b.model();
        model.reverse();
        prop_assert_eq!(c.model(), model);
        let (mut c, mut r) = (b.clone(), b.clone());
        view_mut(&mut c).sort(reverse);
        r.sort(reverse);
        prop_assert_eq!(&c, &r);
    }

    #[test]
    fn bitwise_is_bitwise(mut a in ba(300), o in ba(300), op in 0u8..3) {
        // Equal lengths, endiannesses as they come: the C does not check.
        let mut o = Ba { bytes: o.bytes.iter().copied().cycle().take(a.bytes.len()).collect(), nbits: a.nbits, endian: o.endian };
        if o.bytes.len() < a.bytes.len() {
            o.bytes = a.bytes.iter().map(|x| x.rotate_left(3)).collect();
        }
        let ops = [BitwiseOp::And, BitwiseOp::Or, BitwiseOp::Xor];
        let mut c = a.clone();
        view_mut(&mut c).bitwise(ops[op as usize], &view(&o));
        let mut o2 = o.clone();
        a.bitwise(&mut o2, op);
        prop_assert_eq!(&c, &a);
        // The pad bits of `other` are the glue's setunused.
        view_mut(&mut o).setunused();
        prop_assert_eq!(o, o2);
    }

    #[test]
    fn bitwise_self_is_bitwise_with_itself(a in ba(300), op in 0u8..3) {
        let ops = [BitwiseOp::And, BitwiseOp::Or, BitwiseOp::Xor];
        let mut c = a.clone();
        view_mut(&mut c).bitwise_self(ops[op as usize]);
        // The C's loop with other == self.
        let mut r = a.clone();
        r.setunused();
        for i in 0..r.bytes.len() {
            let x = r.bytes[i];
            r.bytes[i] = match op { 0 => x & x, 1 => x | x, _ => x ^ x };
        }
        prop_assert_eq!(c, r);
    }

    #[test]
    fn count_is_count(b in runs(300), start in any::<usize>(), stop in any::<usize>(), v in any::<bool>()) {
        let (start, stop) = (upto(start, b.nbits), upto(stop, b.nbits));
        prop_assert_eq!(view(&b).count(v, start, stop), b.count(v, start, stop));
        prop_assert_eq!(view(&b).count(v, 0, b.nbits), b.model().iter().filter(|&&x| x == v).count());
    }

    #[test]
    fn find_first_and_last(b in runs(300), start in any::<usize>(), stop in any::<usize>(), v in any::<bool>()) {
        let (start, stop) = (upto(start, b.nbits), upto(stop, b.nbits));
        prop_assert_eq!(view(&b).find_first(v, start, stop), b.findfirst(v, start, stop));
        prop_assert_eq!(view(&b).find_last(v), b.find_last(v));
    }

    #[test]
    fn count_to_n_is_count_to_n(b in runs(300), n in any::<usize>()) {
        let n = upto(n, b.nbits);
        let got = view(&b).count_to_n(n);
        prop_assert_eq!(got, b.count_to_n(n));
        if let Some(i) = got {
            prop_assert_eq!(b.count(true, 0, i), n);
        }
    }

    #[test]
    fn search_is_search(b in runs(300), p in ba(80), at in any::<usize>(), len in any::<usize>(), take in any::<bool>(), flip in any::<bool>(), start in any::<usize>()) {
        // Half the patterns are cut from the haystack, so they occur.
        let mut pat = if take && b.nbits > 0 {
            let len = 1 + upto(len, b.nbits.min(100) - 1);
            let at = upto(at, b.nbits - len);
            b.getslice(at, 1, len, 0)
        } else {
            p
        };
        if flip {
            pat = flipped(&pat);
        }
        let start = upto(start, b.nbits + 1);
        prop_assert_eq!(view(&b).search(&view(&pat), start), b.search(&pat, start));
        let all: Vec<usize> = view(&b).search_iter(view(&pat), 0).collect();
        let mut want = Vec::new();
        let mut q = 0;
        while let Some(x) = b.search(&pat, q) {
            want.push(x);
            q = x + 1;
        }
        prop_assert_eq!(all, want);
    }

    #[test]
    fn compare_is_richcompare(a in ba(300), o in ba(300), cut in any::<usize>(), flip in any::<bool>(), same in any::<bool>()) {
        // Often a prefix or a copy of `a`, to reach the length rule and
        // equality.
        let mut w = if same { a.getslice(0, 1, upto(cut, a.nbits), 0x33) } else { o };
        if flip {
            w = flipped(&w);
        }
        prop_assert_eq!(view(&a).compare(&view(&w)), a.compare(&w));
        prop_assert_eq!(view(&w).compare(&view(&a)), w.compare(&a));
        prop_assert_eq!(view(&a).eq_bits(&view(&w)), a.compare(&w) == Ordering::Equal);
        prop_assert_eq!(a.compare(&w), a.model().cmp(&w.model()));
    }

    #[test]
    fn unpack_and_to01(b in ba(300), zero in any::<u8>(), one in any::<u8>()) {
        prop_assert_eq!(view(&b).unpack(zero, one), b.unpack(zero, one));
        prop_assert_eq!(view(&b).to01(), b.unpack(b'0', b'1'));
    }

    #[test]
    fn extend_01_is_extend_bytes(mut b in ba(300), bits in vec(any::<bool>(), 0..200), bad in any::<usize>(), bad_char in any::<u8>(), with_bad in any::<bool>(), fill in any::<u8>()) {
        let mut s: Vec<u8> = bits.iter().map(|&x| if x { b'1' } else { b'0' }).collect();
        if with_bad && !s.is_empty() && bad_char != b'0' && bad_char != b'1' {
            let at = bad % s.len();
            s[at] = bad_char;
        }
        let old = b.nbits;
        let mut c = b.clone();
        c.resize(old + s.len(), fill);
        let got = view_mut(&mut c).extend_01(old, &s);
        let want = b.extend_bytes(&s, false, fill);
        prop_assert_eq!(got.map_err(|e| e.index), want);
        if let Err(e) = got {
            prop_assert_eq!(e.found, s[e.index]);
        }
        prop_assert_eq!(c, b);
    }

    #[test]
    fn pack_is_extend_bytes_raw(mut b in ba(300), raw in vec(prop_oneof![Just(0u8), any::<u8>()], 0..200), fill in any::<u8>()) {
        let old = b.nbits;
        let mut c = b.clone();
        c.resize(old + raw.len(), fill);
        view_mut(&mut c).pack(old, &raw);
        b.extend_bytes(&raw, true, fill).unwrap();
        prop_assert_eq!(c, b);
    }

    #[test]
    fn two_operand_counts(a in ba(300), o in ba(300), same_endian in any::<bool>()) {
        let mut o = Ba { bytes: o.bytes.iter().copied().chain(a.bytes.iter().map(|x| x ^ 0x0f)).take(a.bytes.len()).collect(), nbits: a.nbits, endian: if same_endian { a.endian } else { o.endian } };
        o.bytes.resize(a.bytes.len(), 0);
        let (va, vo) = (view(&a), view(&o));
        let (got_and, got_or, got_xor) = (super::count_and(&va, &vo), super::count_or(&va, &vo), super::count_xor(&va, &vo));
        let (got_diff, got_sub) = (super::bitdiff(&va, &vo), super::subset(&va, &vo));
        let (mut ra, mut ro) = (a.clone(), o.clone());
        prop_assert_eq!(got_and, ra.count_kernel(&mut ro, 0));
        prop_assert_eq!(got_or, ra.count_kernel(&mut ro, 1));
        prop_assert_eq!(got_xor, ra.count_kernel(&mut ro, 2));
        prop_assert_eq!(got_diff, ra.count_kernel(&mut ro, 2));
        prop_assert_eq!(got_sub, ra.subset(&mut ro));
        // subset of itself, and of its OR with anything.
        prop_assert!(super::subset(&va, &va));
    }

    #[test]
    fn get_slice_is_getitem(b in ba(300), start in any::<usize>(), step in -9isize..10, len in any::<usize>(), fill in any::<u8>()) {
        prop_assume!(b.nbits > 0 && step != 0);
        let start = start % b.nbits;
        // The longest slice from `start` with this step.
        let room = if step > 0 { (b.nbits - 1 - start) / step as usize } else { start / (-step) as usize };
        let len = upto(len, room + 1);
        let mut c = Ba { bytes: vec![fill; bytes_for(len)], nbits: len, endian: b.endian };
        view_mut(&mut c).get_slice(&view(&b), start, step);
        prop_assert_eq!(c, b.getslice(start, step, len, fill));
    }

    #[test]
    fn set_slice_is_setslice(mut b in ba(300), v in ba(300), start in any::<usize>(), step in -9isize..10, value in any::<bool>()) {
        prop_assume!(b.nbits > 0 && step != 0);
        let start = start % b.nbits;
        let room = if step > 0 { (b.nbits - 1 - start) / step as usize } else { start / (-step) as usize };
        let len = upto(v.nbits, room + 1);
        let src = v.getslice(0, 1, len, 0);
        let mut c = b.clone();
        view_mut(&mut c).set_slice_from(start, step, &view(&src));
        let mut r = b.clone();
        r.setslice_eq(start, step, Some(&src));
        prop_assert_eq!(&c, &r);
        let mut c = b.clone();
        view_mut(&mut c).set_slice(start, step, len, value);
        let mut r = b.clone();
        let mut j = start as isize;
        for _ in 0..len {
            r.setbit(j as usize, value);
            j += step;
        }
        prop_assert_eq!(&c, &r);
        // a[start::step] = a, when that slice is as long as a.
        if step.unsigned_abs() == 1 && len == b.nbits {
            let mut c = b.clone();
            view_mut(&mut c).set_slice_from_self(start, step);
            b.setslice_eq(start, step, None);
            prop_assert_eq!(c, b);
        }
    }

    #[test]
    fn delete_slice_is_delitem(mut b in ba(300), start in any::<usize>(), stop in any::<usize>(), step in 1usize..10) {
        let start = upto(start, b.nbits);
        let stop = start + upto(stop, b.nbits - start);
        let slicelength = if stop > start { (stop - start - 1) / step + 1 } else { 0 };
        let mut c = b.clone();
        view_mut(&mut c).delete_slice(start, stop, step);
        c.bytes.truncate(bytes_for(c.nbits - slicelength));
        c.nbits -= slicelength;
        b.delslice(start, stop, step, slicelength);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn get_slice_wide_steps(b in ba(1500), start in any::<usize>(), step in step_any(), len in any::<usize>(), fill in any::<u8>(), other in any::<bool>()) {
        prop_assume!(b.nbits > 0);
        let start = start % b.nbits;
        let room = if step > 0 { (b.nbits - 1 - start) / step as usize } else { start / (-step) as usize };
        let len = upto(len, room + 1);
        let want = b.getslice(start, step, len, fill);
        // The new bitarray in either endianness (the core allows both).
        let mut c = if other { flipped(&want) } else { want.clone() };
        c.bytes.fill(fill);
        let mut r = c.clone();
        view_mut(&mut c).get_slice(&view(&b), start, step);
        for i in 0..len {
            r.setbit(i, want.getbit(i));
        }
        prop_assert_eq!(c, r);
    }

    #[test]
    fn set_slice_wide_steps(b in ba(1500), v in ba(1500), start in any::<usize>(), step in step_any(), value in any::<bool>()) {
        prop_assume!(b.nbits > 0);
        let start = start % b.nbits;
        let room = if step > 0 { (b.nbits - 1 - start) / step as usize } else { start / (-step) as usize };
        let len = upto(v.nbits, room + 1);
        let src = v.getslice(0, 1, len, 0x5a);
        let mut c = b.clone();
        view_mut(&mut c).set_slice_from(start, step, &view(&src));
        let mut r = b.clone();
        r.setslice_eq(start, step, Some(&src));
        prop_assert_eq!(&c, &r);
        let mut c = b.clone();
        view_mut(&mut c).set_slice(start, step, len, value);
        let mut r = b.clone();
        let mut j = start as isize;
        for _ in 0..len {
            r.setbit(j as usize, value);
            j += step;
        }
        prop_assert_eq!(&c, &r);
    }

    #[test]
    fn set_slice_from_self_mirrors(mut b in ba(1500), step in -2isize..3) {
        // Every slice as long as `b`: step 1 from 0, step -1 from the end,
        // and any step from 0 for a single bit.
        prop_assume!(b.nbits > 0 && step != 0);
        let start = match (b.nbits, step) {
            (1, _) => 0,
            (_, 1) => 0,
            (n, -1) => n - 1,
            _ => return Ok(()),
        };
        let mut c = b.clone();
        view_mut(&mut c).set_slice_from_self(start, step);
        b.setslice_eq(start, step, None);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn delete_slice_wide_steps(mut b in ba(1500), start in any::<usize>(), stop in any::<usize>(), step in 1usize..150) {
        let start = upto(start, b.nbits);
        let stop = start + upto(stop, b.nbits - start);
        let slicelength = if stop > start { (stop - start - 1) / step + 1 } else { 0 };
        let mut c = b.clone();
        view_mut(&mut c).delete_slice(start, stop, step);
        c.bytes.truncate(bytes_for(c.nbits - slicelength));
        c.nbits -= slicelength;
        b.delslice(start, stop, step, slicelength);
        prop_assert_eq!(c, b);
    }

    #[test]
    fn decode_round_trips(symbols in vec(0usize..4, 0..60)) {
        // A complete prefix code: 0, 10, 110, 111.
        let codes: [&[u8]; 4] = [b"0", b"10", b"110", b"111"];
        let store: Vec<Ba> = codes.iter().map(|c| {
            let mut b = Ba { bytes: Vec::new(), nbits: 0, endian: Endian::Little };
            b.extend_bytes(c, false, 0).unwrap();
            b
        }).collect();
        let tree = PrefixTree::from_code(store.iter().zip(0usize..).map(|(b, s)| (view(b), s))).unwrap();
        let mut data = Ba { bytes: Vec::new(), nbits: 0, endian: Endian::Big };
        for &s in &symbols {
            data.extend_bytes(codes[s], false, 0).unwrap();
        }
        prop_assert_eq!(tree.decode(&view(&data)).unwrap(), symbols.clone());
        let mut index = 0;
        let mut got = Vec::new();
        while let Some(&s) = tree.traverse(&view(&data), &mut index).unwrap() {
            got.push(s);
        }
        prop_assert_eq!(got, symbols);
    }
}

/// A bitarray from a `'0'`/`'1'` string.
fn ba01(s: &str, endian: Endian) -> Ba {
    let mut b = Ba {
        bytes: Vec::new(),
        nbits: 0,
        endian,
    };
    b.extend_bytes(s.as_bytes(), false, 0).unwrap();
    b
}

#[test]
fn to01_byte_layout() {
    // Big endian: bit 0 is the most significant bit of byte 0.
    let b = Ba {
        bytes: vec![0x80, 0x01],
        nbits: 16,
        endian: Endian::Big,
    };
    assert_eq!(view(&b).to01(), b"1000000000000001");
    let l = Ba {
        bytes: vec![0x80, 0x01],
        nbits: 16,
        endian: Endian::Little,
    };
    assert_eq!(view(&l).to01(), b"0000000110000000");
}

#[test]
fn extend_01_error_message_is_the_c_one() {
    let mut b = ba01("", Endian::Big);
    b.resize(3, 0);
    let err = view_mut(&mut b).extend_01(0, b"01x").unwrap_err();
    assert_eq!(err.index, 2);
    assert_eq!(err.message(), b"character must be '0' or '1', found 'x'");
    // The bits before the bad char are set, as the C's loop leaves them.
    assert_eq!(b.bytes, vec![0x40]);
    let mut b = ba01("", Endian::Big);
    b.resize(1, 0);
    let err = view_mut(&mut b).extend_01(0, b"\0").unwrap_err();
    assert_eq!(err.message(), b"character must be '0' or '1', found '\0'");
}

#[test]
fn bitwise_does_not_look_at_endianness() {
    // bitarray('1', 'big') & bitarray('1', 'little') == bitarray('0') in
    // the C: 0x80 & 0x01.
    let mut a = ba01("1", Endian::Big);
    let o = ba01("1", Endian::Little);
    view_mut(&mut a).bitwise(BitwiseOp::And, &view(&o));
    assert_eq!(a.bytes, vec![0x00]);
    let mut a = ba01("0", Endian::Big);
    view_mut(&mut a).bitwise(BitwiseOp::Or, &view(&o));
    // Used bit 0, pad bit (little's bit 0) set.
    assert_eq!(a.bytes, vec![0x01]);
    assert!(!a.getbit(0));
    // bitdiff compares bytes too: logically equal, two bits apart.
    let (a, o) = (ba01("1", Endian::Big), ba01("1", Endian::Little));
    assert_eq!(super::bitdiff(&view(&a), &view(&o)), 2);
    assert!(view(&a).eq_bits(&view(&o)));
}

#[test]
fn prefix_code_errors() {
    let code = |list: &[&str]| -> Result<PrefixTree<usize>, CodeError> {
        let store: Vec<Ba> = list.iter().map(|s| ba01(s, Endian::Big)).collect();
        PrefixTree::from_code(store.iter().zip(0usize..).map(|(b, s)| (view(b), s)))
    };
    assert_eq!(code(&["0", "01"]).unwrap_err(), CodeError::Ambiguous);
    assert_eq!(code(&["01", "0"]).unwrap_err(), CodeError::Ambiguous);
    assert_eq!(code(&["01", "01"]).unwrap_err(), CodeError::Ambiguous);
    assert_eq!(code(&["0", ""]).unwrap_err(), CodeError::EmptyCode);
    assert_eq!(CodeError::Ambiguous.message(), "prefix code ambiguous");
    assert_eq!(
        CodeError::NoMatch.message(),
        "prefix code does not match data in bitarray"
    );
    assert_eq!(
        CodeError::NotTerminated.message(),
        "decoding not terminated"
    );
    let tree = code(&["00", "01", "1"]).unwrap();
    let data = ba01("10001", Endian::Little);
    assert_eq!(tree.decode(&view(&data)).unwrap(), vec![2, 0, 1]);
    let data = ba01("10", Endian::Little);
    assert_eq!(
        tree.decode(&view(&data)).unwrap_err(),
        CodeError::NotTerminated
    );
    // iterdecode: the symbol, then the error, then the end.
    let mut index = 0;
    assert_eq!(tree.traverse(&view(&data), &mut index), Ok(Some(&2)));
    assert_eq!(
        tree.traverse(&view(&data), &mut index),
        Err(CodeError::NotTerminated)
    );
    assert_eq!(tree.traverse(&view(&data), &mut index), Ok(None));
    // A code that does not reach every branch.
    let tree = code(&["1", "01"]).unwrap();
    let data = ba01("001", Endian::Big);
    assert_eq!(tree.decode(&view(&data)).unwrap_err(), CodeError::NoMatch);
}

#[test]
fn lengths_and_names() {
    assert_eq!(bytes_for(0), 0);
    assert_eq!(bytes_for(1), 1);
    assert_eq!(bytes_for(8), 1);
    assert_eq!(bytes_for(9), 2);
    assert_eq!(
        super::bits2bytes(i64::MAX as u64),
        (i64::MAX as u64 - 1) / 8 + 1
    );
    assert_eq!(Endian::default(), Endian::Big);
    assert_eq!(Endian::from_name(b"little"), Some(Endian::Little));
    assert_eq!(Endian::from_name(b"Big"), None);
    assert_eq!(Endian::Big.name(), "big");
    assert_eq!(Endian::Little.as_c(), 0);
}

#[test]
fn search_empty_pattern_and_contains() {
    let a = ba01("0110", Endian::Big);
    let empty = ba01("", Endian::Little);
    // `bitarray() in a` is True in the C: search returns 0.
    assert_eq!(view(&a).search(&view(&empty), 0), Some(0));
    assert_eq!(view(&a).search(&view(&empty), 5), None);
    let p = ba01("1", Endian::Little);
    assert_eq!(
        view(&a).search_iter(view(&p), 0).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
#[should_panic(expected = "stored in")]
fn views_check_the_byte_count() {
    let bytes = [0u8; 2];
    let _ = Bits::new(&bytes, 8, Endian::Big);
}
