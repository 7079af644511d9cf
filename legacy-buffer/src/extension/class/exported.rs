//! The memory a type defined in Rust exports: a `Vec<u8>` kept as its parts
//! in the object's head, where the buffer procs every such type shares
//! (legacy-buffer-sys's types.c) read it, and resized only here, only while
//! no export or pin is counted.

use crate::error::{Error, ExceptionType, Result};
use legacy_buffer_sys as ffi;
use std::mem::ManuallyDrop;

/// The Vec the head holds.
///
/// # Safety
///
/// `head` is the head of a live object whose memory fields are a Vec's
/// parts (set by [`put`]) or all zero (no memory yet); nothing else takes
/// them until [`put`] gives them back.
unsafe fn take(head: *mut ffi::lbsys_head) -> Vec<u8> {
    // SAFETY: the contract: a Vec's parts, or zero (no Vec: an empty one).
    unsafe {
        let h = &mut *head;
        if h.cap == 0 {
            return Vec::new();
        }
        Vec::from_raw_parts(h.ptr.cast::<u8>(), h.len as usize, h.cap as usize)
    }
}

/// Give `bytes` to the head.
///
/// # Safety
///
/// `head` is the head of a live object whose memory was taken (or is
/// zero).
unsafe fn put(head: *mut ffi::lbsys_head, bytes: Vec<u8>) {
    let mut bytes = ManuallyDrop::new(bytes);
    // SAFETY: the contract. A Vec's pointer is never NULL (dangling when
    // empty), nor its length or capacity above isize::MAX.
    unsafe {
        let h = &mut *head;
        h.ptr = bytes.as_mut_ptr().cast();
        h.len = bytes.len() as ffi::Py_ssize_t;
        h.cap = bytes.capacity() as ffi::Py_ssize_t;
    }
}

/// Give a new object its first memory.
///
/// # Safety
///
/// `head` is the head of a live object made by `tp_alloc` (all zero), not
/// yet seen by Python code.
pub(crate) unsafe fn init(head: *mut ffi::lbsys_head, bytes: Vec<u8>) {
    // SAFETY: the contract.
    unsafe { put(head, bytes) }
}

/// Free the memory of an object being deallocated.
///
/// # Safety
///
/// `head` is the head of an object being deallocated: no view can remain
/// (each holds a reference to it).
pub(crate) unsafe fn free(head: *mut ffi::lbsys_head) {
    // SAFETY: the contract; the fields are a Vec's parts or zero.
    drop(unsafe { take(head) });
    // SAFETY: as above.
    unsafe {
        (*head).ptr = std::ptr::null_mut();
        (*head).len = 0;
        (*head).cap = 0;
    }
}

/// Resize the memory to `len` bytes (new bytes zero), unless an export or
/// pin is counted; with `capacity`, make the allocation exactly that many
/// bytes (at least `len`), as a port reproducing its C original's growth
/// policy asks (what `buffer_info()`-like methods show).
///
/// # Safety
///
/// `head` is the head of a live object of a type made by this crate, and
/// no reference into its memory exists outside pinned buffers and
/// no-Python scopes (which count as exports).
pub(crate) unsafe fn resize(
    head: *mut ffi::lbsys_head,
    len: usize,
    capacity: Option<usize>,
) -> Result<()> {
    // SAFETY: the contract.
    let (current, cap, exports) =
        unsafe { ((*head).len as usize, (*head).cap as usize, (*head).exports) };
    let capacity = capacity.map(|c| c.max(len));
    if len == current && capacity.map_or(true, |c| c == cap) {
        return Ok(());
    }
    if exports > 0 {
        return Err(refused());
    }
    if capacity.unwrap_or(len) > isize::MAX as usize {
        return Err(Error::new(ExceptionType::MemoryError, ""));
    }
    // SAFETY: the contract: nothing points into the memory (no exports).
    let mut bytes = unsafe { take(head) };
    let grown = match capacity {
        Some(capacity) if capacity > bytes.capacity() => {
            bytes.try_reserve_exact(capacity - bytes.len()).is_ok()
        }
        None if len > bytes.len() => bytes.try_reserve(len - bytes.len()).is_ok(),
        _ => true,
    };
    if grown {
        bytes.resize(len, 0);
        match capacity {
            Some(capacity) => bytes.shrink_to(capacity),
            // Give memory back when most of it is unused, as CPython's
            // containers do.
            None if bytes.capacity() / 4 > len => bytes.shrink_to(len + len / 8),
            None => {}
        }
    }
    // SAFETY: taken above.
    unsafe { put(head, bytes) };
    if grown {
        Ok(())
    } else {
        Err(Error::new(ExceptionType::MemoryError, ""))
    }
}

/// Append `data` to the memory, unless an export or pin is counted: a
/// resize whose new bytes are `data` (nothing zeroed first).
///
/// # Safety
///
/// As [`resize`]; `data` is not the object's own memory (a Rust slice of
/// it cannot exist outside a scope, which cannot reach the object).
pub(crate) unsafe fn append(head: *mut ffi::lbsys_head, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    // SAFETY: the contract.
    if unsafe { (*head).exports } > 0 {
        return Err(refused());
    }
    // SAFETY: the contract: nothing points into the memory (no exports).
    let mut bytes = unsafe { take(head) };
    let grown = bytes.try_reserve(data.len()).is_ok();
    if grown {
        bytes.extend_from_slice(data);
    }
    // SAFETY: taken above.
    unsafe { put(head, bytes) };
    if grown {
        Ok(())
    } else {
        Err(Error::new(ExceptionType::MemoryError, ""))
    }
}

/// Why a resize was refused.
fn refused() -> Error {
    Error::new(
        ExceptionType::BufferError,
        "Existing exports of data: object cannot be re-sized",
    )
}
