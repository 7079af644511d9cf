//! Reading and writing arguments' memory as the C module does, through
//! legacy-buffer's no-Python scope: a plain `&[u8]` / `&mut [u8]`, zero-copy,
//! whatever the exporter, and no `unsafe` here.

use crate::checksum;
use legacy_buffer::{Object, Result};

/// `f` applied to the bytes of `obj` as the C module's `get_readable` takes
/// them: its character buffer when its type has a character-buffer proc
/// (`str`; `unicode`, in the default encoding; `bytearray`; `mmap`;
/// `buffer`), else its read buffer (`array.array`, ctypes). Zero-copy for
/// every exporter; `f` runs in a no-Python scope, so it is `Send` and its
/// result cannot borrow the bytes. Fails as the C function does.
#[inline(always)]
pub fn with_readable<R>(
    obj: &Object<'_>,
    f: impl for<'s> FnOnce(&'s [u8]) -> R + Send,
) -> Result<R> {
    if obj.offers_char_buffer() {
        obj.with_char_bytes(f)
    } else {
        obj.with_read_bytes(f)
    }
}

/// `dst[i] ^= key[i % key.len()]` over the write buffer of `dst`, in place
/// and zero-copy, whatever the exporter (a pinned `bytearray`, an `array`,
/// an `mmap`, ctypes). `key` is not empty.
pub fn xor_into(dst: &Object<'_>, key: &[u8]) -> Result<()> {
    let block = checksum::repeated_key(key, 4096);
    dst.with_write_bytes(|bytes| checksum::xor_slice(bytes, &block, key.len(), 0))
}
