//! The computations, over plain bytes: no Python here, so the buffer code
//! can run them while it holds a slice that Python code must not invalidate.

/// Adler-32's modulus.
const ADLER_BASE: u32 = 65521;

/// Adler-32 of `data` continuing from `start`, as zlib and the C module
/// compute it: each 16-bit half of `start` is first reduced modulo 65521
/// (so `adler32(b"", 0xffffffff)` is `0x000e000e`, as zlib gives).
pub fn adler32(start: u32, data: &[u8]) -> u32 {
    let a = (start & 0xffff) % ADLER_BASE;
    let b = (start >> 16) % ADLER_BASE;
    let mut hasher = simd_adler32::Adler32::from_checksum((b << 16) | a);
    hasher.write(data);
    hasher.finish()
}

/// CRC-32 (IEEE, zlib's) of `data` continuing from `start`.
pub fn crc32(start: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(start);
    hasher.update(data);
    hasher.finalize()
}

/// A checksum as Python 2.7's zlib returns it: a signed 32-bit value.
pub fn signed(value: u32) -> libc::c_long {
    libc::c_long::from(value as i32)
}

/// How many bytes of `data` equal `byte`.
pub fn count(data: &[u8], byte: u8) -> usize {
    data.iter().filter(|&&b| b == byte).count()
}

/// The bytes compared at once with `==` (a `bcmp` call, vectorised by
/// libc) before a differing block is searched word by word.
const MISMATCH_BLOCK: usize = 256;

/// The index of the first byte at or after `start` where `a` and `b`
/// differ, within the shorter of the two; `None` if none does (or `start`
/// is at or past the shorter's end). The C module's byte loop, found a
/// block, then a word, then a byte at a time.
pub fn mismatch(a: &[u8], b: &[u8], start: usize) -> Option<usize> {
    let n = a.len().min(b.len());
    if start >= n {
        return None;
    }
    let (a, b) = (&a[start..n], &b[start..n]);
    let mut offset = 0;
    for (x, y) in a
        .chunks_exact(MISMATCH_BLOCK)
        .zip(b.chunks_exact(MISMATCH_BLOCK))
    {
        if x != y {
            break;
        }
        offset += MISMATCH_BLOCK;
    }
    mismatch_words(&a[offset..], &b[offset..]).map(|i| start + offset + i)
}

/// [`mismatch`] from 0 over slices of one length, 8 bytes at a time: the
/// lowest differing byte of the first differing little-endian word.
#[inline]
fn mismatch_words(a: &[u8], b: &[u8]) -> Option<usize> {
    let (a_words, b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = a_words.remainder().len();
    for (i, (x, y)) in a_words.zip(b_words).enumerate() {
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        let diff = x ^ y;
        if diff != 0 {
            return Some(i * 8 + (diff.trailing_zeros() / 8) as usize);
        }
    }
    let done = a.len() - tail;
    a[done..]
        .iter()
        .zip(&b[done..])
        .position(|(x, y)| x != y)
        .map(|i| done + i)
}

/// `key` repeated to about `min_len` bytes, a whole number of times, so that
/// XOR-ing `data[offset..]` works on long runs rather than `key.len()`-sized
/// pieces.
pub fn repeated_key(key: &[u8], min_len: usize) -> Vec<u8> {
    assert!(!key.is_empty(), "the key is checked to be non-empty");
    let times = min_len.div_ceil(key.len()).max(1);
    key.repeat(times)
}

/// XOR `block` (a multiple of the key, from [`repeated_key`]) into `data`,
/// where `data` starts at byte `offset` of the destination: `data[i] ^=
/// key[(offset + i) % key_len]`.
pub fn xor_slice(data: &mut [u8], block: &[u8], key_len: usize, offset: usize) {
    let start = offset % key_len;
    // First the rest of the block from the key position `offset` is at...
    let first = (block.len() - start).min(data.len());
    let (head, tail) = data.split_at_mut(first);
    for (d, k) in head.iter_mut().zip(&block[start..]) {
        *d ^= k;
    }
    // ...then whole blocks, aligned to the key, which LLVM vectorises.
    for chunk in tail.chunks_mut(block.len()) {
        for (d, k) in chunk.iter_mut().zip(block) {
            *d ^= k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C module's loops, for comparison.
    fn adler32_reference(start: u32, data: &[u8]) -> u32 {
        let mut a = (start & 0xffff) % ADLER_BASE;
        let mut b = ((start >> 16) & 0xffff) % ADLER_BASE;
        for &byte in data {
            a = (a + u32::from(byte)) % ADLER_BASE;
            b = (b + a) % ADLER_BASE;
        }
        (b << 16) | a
    }

    fn crc32_reference(start: u32, data: &[u8]) -> u32 {
        let mut c = !start;
        for &byte in data {
            c ^= u32::from(byte);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    fn data(len: usize) -> Vec<u8> {
        let mut x = 0x2545_f491_u32;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    }

    const STARTS: [u32; 8] = [
        0,
        1,
        65521,
        0xfff1_fff1,
        0xffff_ffff,
        0x8000_0000,
        0xdead_beef,
        123_456_789,
    ];

    #[test]
    fn checksums_match_the_c_loops() {
        let bytes = data(70_000);
        let lengths = (0..300)
            .chain([
                511, 512, 513, 5535, 5536, 5537, 5551, 5552, 5553, 11104, 11105,
            ])
            .chain([65_536, 70_000]);
        for len in lengths {
            for start in STARTS {
                let d = &bytes[..len];
                assert_eq!(
                    adler32(start, d),
                    adler32_reference(start, d),
                    "adler32 len {len} start {start:#x}"
                );
                assert_eq!(
                    crc32(start, d),
                    crc32_reference(start, d),
                    "crc32 len {len} start {start:#x}"
                );
            }
        }
        // All 0xff maximise the sums between reductions.
        let ones = vec![0xff; 70_000];
        for start in STARTS {
            assert_eq!(adler32(start, &ones), adler32_reference(start, &ones));
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(adler32(1, b"Wikipedia"), 0x11e6_0398);
        assert_eq!(crc32(0, b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(0xffff_ffff, b""), 0x000e_000e);
        assert_eq!(signed(0xffff_ffff), -1);
        assert_eq!(signed(0x8000_0000), -(1 << 31));
        assert_eq!(signed(0x7fff_ffff), 0x7fff_ffff);
    }

    #[test]
    fn xor_matches_the_c_loop() {
        let bytes = data(10_000);
        for key_len in [1, 2, 3, 7, 64, 1000, 5000, 20_000] {
            let key = &data(key_len + 5)[5..];
            let block = repeated_key(key, 4096);
            assert_eq!(block.len() % key_len, 0);
            let want: Vec<u8> = bytes
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[i % key_len])
                .collect();
            // Whole, and in pieces that start anywhere in the key.
            let mut whole = bytes.clone();
            xor_slice(&mut whole, &block, key_len, 0);
            assert_eq!(whole, want, "key length {key_len}");
            let mut pieces = bytes.clone();
            let mut offset = 0;
            for size in [0, 1, 3, 4095, 17, 5000].iter().cycle() {
                if offset == pieces.len() {
                    break;
                }
                let end = (offset + size).min(pieces.len());
                xor_slice(&mut pieces[offset..end], &block, key_len, offset);
                offset = end;
            }
            assert_eq!(pieces, want, "key length {key_len}, in pieces");
        }
    }

    /// The C module's loop, for comparison.
    fn mismatch_reference(a: &[u8], b: &[u8], start: usize) -> Option<usize> {
        let n = a.len().min(b.len());
        (start..n).find(|&i| a[i] != b[i])
    }

    #[test]
    fn mismatch_matches_the_c_loop() {
        let a = data(2000);
        for len in (0..300).chain([511, 512, 513, 767, 768, 769, 2000]) {
            let a = &a[..len];
            // Equal, then one byte changed at each place (and two).
            let mut cases = vec![a.to_vec()];
            for at in (0..len).step_by(len / 40 + 1).chain(len.checked_sub(1)) {
                let mut b = a.to_vec();
                b[at] ^= 1 << (at % 8);
                cases.push(b.clone());
                b[len - 1 - (len - 1 - at) / 2] ^= 0x80;
                cases.push(b);
            }
            for b in &cases {
                for b_len in [len, len / 2, len + 3] {
                    let mut b = b.clone();
                    b.resize(b_len, 0xaa);
                    for start in [0, 1, 7, 8, 9, 255, 256, 257, len / 2, len, len + 5] {
                        assert_eq!(
                            mismatch(a, &b, start),
                            mismatch_reference(a, &b, start),
                            "len {len}, b_len {b_len}, start {start}"
                        );
                        assert_eq!(
                            mismatch(&b, a, start),
                            mismatch_reference(&b, a, start),
                            "swapped: len {len}, b_len {b_len}, start {start}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn count_counts() {
        assert_eq!(count(b"", 0), 0);
        assert_eq!(count(b"abracadabra", b'a'), 5);
        assert_eq!(count(&[0xff; 1000], 0xff), 1000);
    }
}
