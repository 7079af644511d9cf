//! Reading and writing arguments' memory as the C module does, through
//! legacy-buffer's borrows.

use crate::checksum;
use legacy_buffer::{Buffer, BufferKind, Object, Result};

/// What `PyObject_AsCharBuffer` raises, before calling any proc, for a type
/// without a character buffer (`bf_getcharbuffer` or `bf_getsegcount` NULL).
const NO_CHAR_BUFFER: &str = "expected a string or other character buffer object";

/// `f` applied to the buffer of `obj` as the C module's `get_readable` takes
/// it: its character buffer when its type has one (`str`; `unicode`, in the
/// default encoding; `bytearray`; `mmap`; `buffer`), else its read buffer
/// (`array.array`, ctypes). `f` is called right after the borrow, with
/// nothing in between.
///
/// The C module looks at the type's procs; their table is opaque here, so the
/// character buffer is asked for first, and only the refusal
/// `PyObject_AsCharBuffer` makes for a type without one, before calling any
/// proc, leads to the read buffer: the exporter sees the same calls.
///
/// (`f` takes the buffer by reference, where it was made: moving a `Buffer`
/// out of its `Result` costs more than the C call on the 100-byte path.)
#[inline(always)]
pub fn with_readable_buffer<R>(obj: &Object<'_>, f: impl FnOnce(&Buffer<'_>) -> R) -> Result<R> {
    let first = obj.char_buffer();
    if let Ok(buf) = &first {
        return Ok(f(buf));
    }
    read_buffer_instead(obj, first, f)
}

/// [`with_readable_buffer`] when the character buffer was refused.
#[cold]
#[inline(never)]
fn read_buffer_instead<R>(
    obj: &Object<'_>,
    refused: Result<Buffer<'_>>,
    f: impl FnOnce(&Buffer<'_>) -> R,
) -> Result<R> {
    match refused {
        Err(error) if error.type_name() == "TypeError" && error.message() == NO_CHAR_BUFFER => {
            // Released here, before the exporter is asked again.
            drop(error);
            let buf = obj.read_buffer()?;
            Ok(f(&buf))
        }
        Err(error) => Err(error),
        Ok(buf) => Ok(f(&buf)),
    }
}

/// `f` applied to the bytes of `obj` ([`with_readable_buffer`]), zero-copy
/// whatever the buffer's kind.
///
/// `f` is `Send`: legacy-buffer's `Python` token, `Object`, `Buffer` and cells
/// are not, so `f` cannot capture anything through which the safe API would
/// run Python code. (An `Error` is `Send`, and dropping one releases Python
/// objects: the closures of this crate capture none, only plain values, a
/// start or a byte, and compute checksums, a count or a copy.) Its result
/// cannot borrow the bytes.
#[inline(always)]
pub fn with_readable<R>(obj: &Object<'_>, f: impl FnOnce(&[u8]) -> R + Send) -> Result<R> {
    with_readable_buffer(obj, |buf| {
        if let Some(bytes) = buf.as_bytes() {
            // Immutable: sound as long as `obj` lives.
            return f(bytes);
        }
        debug_assert!(matches!(
            buf.kind(),
            BufferKind::Pinned | BufferKind::Unpinned
        ));
        // `as_slice_unchecked` asks that no Python code write to the memory
        // while the slice lives, and for an Unpinned buffer that no Python
        // code run at all between the borrow and the last use of the slice.
        // `with_readable_buffer` calls this closure right after the borrow;
        // the slice lives only for the call of `f`, which is pure Rust (it is
        // `Send`, so it holds no GIL token, object or buffer, and this crate
        // gives it only computations over the bytes, capturing no `Error`);
        // nothing else runs until it returns, and its result does not borrow
        // the slice. (C code that released the GIL while keeping a raw
        // pointer into the memory, or another process writing a shared mmap,
        // is outside any guarantee, as it is for the C module.)
        // SAFETY: as above: no Python code runs while `bytes` lives, and the
        // GIL, held throughout, keeps other threads' Python code out too.
        let bytes = unsafe { buf.as_slice_unchecked() };
        f(bytes)
    })
}

/// How many bytes of an Unpinned destination are read, XOR-ed and written
/// back at a time.
const CHUNK: usize = 64 * 1024;

/// `dst[i] ^= key[i % key.len()]` over the write buffer of `dst`, through the
/// safe API: cells for a pinned `bytearray`; for Unpinned memory (array,
/// mmap, ctypes), copies in and out with `read_at` and `write_at`, which ask
/// the object for its memory again each time. `key` is not empty.
pub fn xor_into(dst: &Object<'_>, key: &[u8]) -> Result<()> {
    let buf = dst.write_buffer()?;
    let block = checksum::repeated_key(key, 4096);
    if let Some(cells) = buf.as_write_cells() {
        checksum::xor_cells(cells, &block);
        return Ok(());
    }
    // Unpinned: as many bytes as the borrow reported, as the C module does.
    let len = buf.len();
    let mut chunk = vec![0; CHUNK.min(len)];
    let mut offset = 0;
    while offset < len {
        let part = &mut chunk[..CHUNK.min(len - offset)];
        buf.read_at(offset, part)?;
        checksum::xor_slice(part, &block, key.len(), offset);
        buf.write_at(offset, part)?;
        offset += part.len();
    }
    Ok(())
}
