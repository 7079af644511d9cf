//! How the glue reaches a bitarray object: its length and endianness (the
//! Rust value, behind the object's borrow flag), its bytes (the memory the
//! type exports, lent to a no-Python scope or read byte by byte), and its
//! resizing, with the C's growth policy (which `buffer_info()` shows).

use crate::core::{bytes_for, Bits, BitsMut, Endian};
use legacy_buffer::extension::Instance;
use legacy_buffer::{Object, Result};
use std::cell::Cell;

/// The value of a `_bitarray` object (C's `bitarrayobject` less the bytes,
/// which the object's exported memory holds): `nbits` a `Cell`, so that
/// every method borrows the value shared, never across Python code, and
/// Python code a method runs (an element's `__nonzero__`, a generator) may
/// use the same object again, as it may in the C.
pub struct Bitarray {
    pub(crate) nbits: Cell<usize>,
    pub(crate) endian: Endian,
}

/// A `_bitarray` object (or an object of a Python subclass), borrowed.
pub(crate) type This<'a, 'py> = Instance<'a, 'py, Bitarray>;

impl Bitarray {
    pub(crate) fn new(nbits: usize, endian: Endian) -> Bitarray {
        Bitarray {
            nbits: Cell::new(nbits),
            endian,
        }
    }
}

/// `nbits` and the endianness.
#[inline]
pub(crate) fn state(this: &This<'_, '_>) -> Result<(usize, Endian)> {
    let value = this.borrow()?;
    Ok((value.nbits.get(), value.endian))
}

/// `obj` as a bitarray (C's `bitarray_Check`).
#[inline]
pub(crate) fn as_bitarray<'a, 'py>(obj: &'a Object<'py>) -> Option<This<'a, 'py>> {
    Instance::downcast(obj)
}

/// The mask of bit `i` in its byte (C's `BITMASK`).
#[inline]
pub(crate) fn mask(endian: Endian, i: usize) -> u8 {
    match endian {
        Endian::Little => 1 << (i % 8),
        Endian::Big => 0x80 >> (i % 8),
    }
}

/// Bit `i` (C's `GETBIT`), read in place. `i < nbits`.
#[inline]
pub(crate) fn getbit(this: &This<'_, '_>, endian: Endian, i: usize) -> bool {
    this.get_byte(i / 8).unwrap_or(0) & mask(endian, i) != 0
}

/// Set bit `i` (C's `setbit`), in place. `i < 8 * bytes`.
#[inline]
pub(crate) fn setbit(this: &This<'_, '_>, endian: Endian, i: usize, bit: bool) {
    let Some(byte) = this.get_byte(i / 8) else {
        return;
    };
    let m = mask(endian, i);
    this.set_byte(i / 8, if bit { byte | m } else { byte & !m });
}

/// Resize to `nbits` bits (C's `resize`): the storage only when the byte
/// count changes, with the C's over-allocation, so that `buffer_info()`'s
/// allocated size is the C's. Refused with `BufferError` while the memory
/// is exported and the byte count would change (the C does not refuse,
/// and leaves exporters with freed memory).
pub(crate) fn resize(this: &This<'_, '_>, nbits: usize) -> Result<()> {
    let newsize = bytes_for(nbits);
    let allocated = this.bytes_capacity();
    if allocated >= newsize && newsize >= allocated >> 1 {
        this.resize_bytes_exact(newsize, allocated)?;
    } else {
        let mut new_allocated = newsize;
        if newsize < this.bytes_len() + 65536 {
            new_allocated += (newsize >> 4) + if newsize < 8 { 3 } else { 7 };
        }
        if newsize == 0 {
            new_allocated = 0;
        }
        this.resize_bytes_exact(newsize, new_allocated)?;
    }
    this.borrow()?.nbits.set(nbits);
    Ok(())
}

/// `f` over the bits, in a no-Python scope.
#[inline]
pub(crate) fn with_bits<R>(this: &This<'_, '_>, f: impl FnOnce(Bits<'_>) -> R + Send) -> Result<R> {
    let (nbits, endian) = state(this)?;
    this.with_bytes(move |bytes| f(Bits::new(bytes, nbits, endian)))
}

/// `f` over the bits, writable, in a no-Python scope.
#[inline]
pub(crate) fn with_bits_mut<R>(
    this: &This<'_, '_>,
    f: impl FnOnce(BitsMut<'_>) -> R + Send,
) -> Result<R> {
    let (nbits, endian) = state(this)?;
    this.with_bytes_mut(move |bytes| f(BitsMut::new(bytes, nbits, endian)))
}

/// `f` over the bits of `this`, writable, and of `other`, which may be the
/// same object: then `other`'s are a copy taken first, as the C's loops
/// read `other` before they overwrite it, or a plain `&mut` would alias.
pub(crate) fn with_two_mut<R>(
    this: &This<'_, '_>,
    other: &This<'_, '_>,
    f: impl FnOnce(BitsMut<'_>, Bits<'_>) -> R + Send,
) -> Result<R> {
    let (n, e) = state(this)?;
    let (m, g) = state(other)?;
    if this.is(other) {
        let copy = other.with_bytes(|b| b.to_vec())?;
        return this.with_bytes_mut(move |b| f(BitsMut::new(b, n, e), Bits::new(&copy, m, g)));
    }
    this.with_bytes_mut_and(other, move |a, b| {
        f(BitsMut::new(a, n, e), Bits::new(b, m, g))
    })
}

/// `f` over the bits of two bitarrays (maybe the same), read only.
pub(crate) fn with_two<R>(
    a: &This<'_, '_>,
    b: &This<'_, '_>,
    f: impl FnOnce(Bits<'_>, Bits<'_>) -> R + Send,
) -> Result<R> {
    let (n, e) = state(a)?;
    let (m, g) = state(b)?;
    a.with_bytes_and(b, move |x, y| f(Bits::new(x, n, e), Bits::new(y, m, g)))
}

/// A copy of the bytes.
pub(crate) fn bytes_of(this: &This<'_, '_>) -> Result<Vec<u8>> {
    this.with_bytes(|b| b.to_vec())
}

/// The used bits of the last byte of `n` bits (all of them when `n` is a
/// multiple of 8).
pub(crate) fn used_mask(n: usize, endian: Endian) -> u8 {
    if n % 8 == 0 {
        return 0xff;
    }
    (0..n % 8).fold(0u8, |m, i| m | mask(endian, i))
}

/// C's `setunused`: zero the pad bits; how many there are. In place: only
/// the last byte is touched.
pub(crate) fn setunused(this: &This<'_, '_>) -> Result<usize> {
    let (n, endian) = state(this)?;
    let pad = bytes_for(n) * 8 - n;
    if pad > 0 {
        let last = n / 8;
        let byte = this.get_byte(last).unwrap_or(0);
        this.set_byte(last, byte & used_mask(n, endian));
    }
    Ok(pad)
}

/// A new bitarray of `this`'s type (a subclass's, if it is one's) with
/// `nbits` bits in `bytes` (C's `newbitarrayobject(Py_TYPE(self), ...)`,
/// filled).
pub(crate) fn new_like<'py>(
    this: &This<'_, 'py>,
    nbits: usize,
    endian: Endian,
    bytes: Vec<u8>,
) -> Result<Object<'py>> {
    debug_assert_eq!(bytes.len(), bytes_for(nbits));
    this.create_like(Bitarray::new(nbits, endian), bytes)
}

/// C's `bitarray_copy`: a new bitarray of the same type, bits and bytes.
pub(crate) fn copy<'py>(this: &This<'_, 'py>) -> Result<Object<'py>> {
    let (nbits, endian) = state(this)?;
    new_like(this, nbits, endian, bytes_of(this)?)
}
