//! legacy-checksum's `adler32()` and `length()`, written as PyO3's users
//! write them (`#[pyfunction]`), for the Python 3 benchmark only
//! (`ci/bench-py3`): each with a `&[u8]` argument (PyO3 takes only `bytes`
//! for it) and with a `PyBuffer<u8>` (any bytes-like object). The checksum
//! is the port's (`simd-adler32`, same start handling, same signed result),
//! so that what differs between the modules is the call and the argument.

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;

const ADLER_BASE: u32 = 65521;

/// Adler-32 of `data` continuing from `start`, as zlib (and the port)
/// computes it, as Python 2's zlib returned it: a signed 32-bit int.
fn adler32_signed(start: u32, data: &[u8]) -> i64 {
    let a = (start & 0xffff) % ADLER_BASE;
    let b = (start >> 16) % ADLER_BASE;
    let mut hasher = simd_adler32::Adler32::from_checksum((b << 16) | a);
    hasher.write(data);
    i64::from(hasher.finish() as i32)
}

/// The bytes of a `PyBuffer<u8>`, in place.
fn bytes_of<'b>(py: Python<'_>, data: &'b PyBuffer<u8>) -> PyResult<&'b [u8]> {
    // PyBuffer<u8> checked the format and PyO3 asked for a C-contiguous
    // view; as_slice confirms it (and gives cells, which simd-adler32 does
    // not take: the slice below is what PyO3's users write to get one).
    let cells = data
        .as_slice(py)
        .ok_or_else(|| pyo3::exceptions::PyBufferError::new_err("not C-contiguous"))?;
    // SAFETY: the view is held (and its memory kept) while `data` lives;
    // the GIL is held and no Python code runs while the slice is read
    // (simd-adler32 calls none), so nothing writes the memory meanwhile.
    Ok(unsafe { std::slice::from_raw_parts(cells.as_ptr().cast::<u8>(), cells.len()) })
}

/// `adler32(data: bytes, start=1)`.
#[pyfunction]
#[pyo3(signature = (data, start = 1))]
fn adler32(data: &[u8], start: u32) -> i64 {
    adler32_signed(start, data)
}

/// `adler32_buffer(data: bytes-like, start=1)`.
#[pyfunction]
#[pyo3(signature = (data, start = 1))]
fn adler32_buffer(py: Python<'_>, data: PyBuffer<u8>, start: u32) -> PyResult<i64> {
    Ok(adler32_signed(start, bytes_of(py, &data)?))
}

/// `length(data: bytes)`.
#[pyfunction]
fn length(data: &[u8]) -> usize {
    data.len()
}

/// `length_buffer(data: bytes-like)`.
#[pyfunction]
fn length_buffer(data: PyBuffer<u8>) -> usize {
    data.len_bytes()
}

#[pymodule]
fn legacy_checksum_pyo3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(adler32, m)?)?;
    m.add_function(wrap_pyfunction!(adler32_buffer, m)?)?;
    m.add_function(wrap_pyfunction!(length, m)?)?;
    m.add_function(wrap_pyfunction!(length_buffer, m)?)?;
    Ok(())
}
