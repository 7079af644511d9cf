//! `extend()` and everything that appends bits (C's `extend_dispatch` and
//! its helpers, `append_item`, `frombytes`, `pack`).

use crate::access::{as_bitarray, resize, setbit, state, with_bits_mut, with_two_mut, This};
use crate::convert::type_error;
use crate::core::messages as msg;
use legacy_buffer::ffi::PY3;
use legacy_buffer::{Error, ExceptionType, Object, Result};

/// C's `extend_dispatch`: by the type of `obj`, in the C's order.
pub(crate) fn extend_dispatch(this: &This<'_, '_>, obj: &Object<'_>) -> Result<()> {
    if let Some(other) = as_bitarray(obj) {
        return extend_bitarray(this, &other);
    }
    if obj.is_list() || obj.is_tuple() {
        return extend_sequence(this, obj);
    }
    if let Some(chars) = obj.str_bytes() {
        return extend_01(this, chars);
    }
    if obj.is_unicode() {
        // The default encoding, as PyUnicode_AsEncodedString(obj, NULL,
        // NULL) (where the C passes its failure on as a NULL string and
        // crashes, this raises the UnicodeEncodeError).
        let encoded = obj.call_method("encode", &[])?;
        let chars = encoded
            .str_bytes()
            .ok_or_else(|| type_error(msg::CANNOT_EXTEND))?;
        return extend_01(this, chars);
    }
    if obj.is_iterator() {
        return extend_iter(this, obj);
    }
    let iter = obj.iter().map_err(|_| type_error(msg::CANNOT_EXTEND))?;
    for item in iter {
        append_item(this, &item?)?;
    }
    Ok(())
}

/// C's `extend_bitarray`; `other` may be `this`.
pub(crate) fn extend_bitarray(this: &This<'_, '_>, other: &This<'_, '_>) -> Result<()> {
    let (n, e) = state(this)?;
    let (m, f) = state(other)?;
    if m == 0 {
        return Ok(());
    }
    if n % 8 == 0 && e == f {
        // Whole bytes onto a byte boundary, the same bit order: the bytes
        // are appended as they are (the C's copy_n is a memmove then), in
        // one pass, into the C's allocation. (Bits past `m` in the last
        // byte come along: pad bits, which the C leaves as realloc left
        // them.)
        reserve(this, n + m)?;
        this.extend_bytes_from(other)?;
        this.borrow()?.nbits.set(n + m);
        return Ok(());
    }
    resize(this, n + m)?;
    with_two_mut(this, other, move |mut dst, src| {
        dst.copy_from(n, &src, 0, m)
    })
}

/// C's `extend_list` and `extend_tuple`: grown by the length first, then
/// each item's truth set in place (Python code may run for each).
fn extend_sequence(this: &This<'_, '_>, seq: &Object<'_>) -> Result<()> {
    let len = seq.size()?;
    if len == 0 {
        return Ok(());
    }
    let (n, endian) = state(this)?;
    resize(this, n + len)?;
    for (i, item) in seq.iter()?.take(len).enumerate() {
        let bit = item?.is_true()?;
        setbit(this, endian, n + i, bit);
    }
    Ok(())
}

/// C's `extend_iter`: one `append_item` per item.
fn extend_iter(this: &This<'_, '_>, iter: &Object<'_>) -> Result<()> {
    for item in iter.iter()? {
        append_item(this, &item?)?;
    }
    Ok(())
}

/// C's `append_item`: grown by one bit, then the item's truth set (grown
/// first, as in the C: if the truth fails, the bit stays, zero).
pub(crate) fn append_item(this: &This<'_, '_>, item: &Object<'_>) -> Result<()> {
    let (n, endian) = state(this)?;
    resize(this, n + 1)?;
    let bit = item.is_true()?;
    setbit(this, endian, n, bit);
    Ok(())
}

/// C's `extend_bytes(self, s, BYTES_01)`: grown by the length, then one bit
/// per character; on a bad one, `ValueError` with the bits before it set
/// and the length kept, as in the C.
pub(crate) fn extend_01(this: &This<'_, '_>, chars: &[u8]) -> Result<()> {
    if chars.is_empty() {
        return Ok(());
    }
    let (n, _) = state(this)?;
    resize(this, n + chars.len())?;
    let chars = chars.to_vec();
    with_bits_mut(this, move |mut bits| bits.extend_01(n, &chars))?.map_err(|e| {
        if PY3 && e.found >= 0x80 {
            // The C's `PyErr_Format(..., "found '%c'", c)` passes a `char`,
            // negative from 0x80 up: Python 3's `PyUnicode_FromFormat`
            // refuses it (OverflowError), and `PyErr_Format` then raises the
            // ValueError with no message at all (its `IS_PY3K` build has no
            // branch of its own here; Python 2's `PyString_FromFormat`
            // writes the byte). No value, then: `args` is `()`, as the C's.
            return Error::without_value(ExceptionType::ValueError);
        }
        Error::with_bytes(ExceptionType::ValueError, e.message())
    })
}

/// `pack(bytes)`: C's `extend_bytes(self, s, BYTES_RAW)`.
pub(crate) fn pack(this: &This<'_, '_>, raw: &[u8]) -> Result<()> {
    if raw.is_empty() {
        return Ok(());
    }
    let (n, _) = state(this)?;
    resize(this, n + raw.len())?;
    let raw = raw.to_vec();
    with_bits_mut(this, move |mut bits| bits.pack(n, &raw))
}

/// `frombytes(bytes)`: the pad bits zeroed, the bytes appended, the pad
/// bits deleted.
pub(crate) fn frombytes(this: &This<'_, '_>, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        // The C pads and deletes the pad again: only the zeroing shows.
        crate::access::setunused(this)?;
        return Ok(());
    }
    let (n, _) = state(this)?;
    if n % 8 == 0 {
        // No pad bits: the bytes are appended as they are (one pass, into
        // the C's allocation, reserved first).
        reserve(this, n + 8 * data.len())?;
        this.extend_bytes(data)?;
        this.borrow()?.nbits.set(n + 8 * data.len());
        return Ok(());
    }
    resize(this, n + 8 * data.len())?;
    with_bits_mut(this, move |mut bits| bits.frombytes(n, data))
}

/// The allocation C's `resize(self, nbits)` would make, without changing
/// the length (for an append that follows).
fn reserve(this: &This<'_, '_>, nbits: usize) -> Result<()> {
    let newsize = crate::core::bytes_for(nbits);
    let allocated = this.bytes_capacity();
    if allocated >= newsize && newsize >= allocated >> 1 {
        return Ok(());
    }
    let mut new_allocated = newsize;
    if newsize < this.bytes_len() + 65536 {
        new_allocated += (newsize >> 4) + if newsize < 8 { 3 } else { 7 };
    }
    this.resize_bytes_exact(this.bytes_len(), new_allocated)
}

/// A bitarray's bits, copied (for a value that may change while Python
/// code runs: the symbols of a code, say).
pub(crate) fn bits_copy(other: &This<'_, '_>) -> Result<(Vec<u8>, usize, crate::core::Endian)> {
    let (n, e) = state(other)?;
    Ok((other.with_bytes(|b| b.to_vec())?, n, e))
}
