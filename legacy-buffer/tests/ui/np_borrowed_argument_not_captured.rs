// No-Python scope: an extension function's borrowed argument cannot be
// captured either.
use legacy_buffer::extension::{trampoline, Args};
use legacy_buffer::{ffi, Object};

unsafe extern "C" fn f(_m: *mut ffi::PyObject, args: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by Python with the GIL held and an argument tuple.
    unsafe {
        trampoline(|py| {
            let args = Args::from_ptr(py, args);
            let first = args.get(0).unwrap();
            let n = first.with_read_bytes(|bytes| {
                let _ = args.get(1);
                bytes.len()
            })?;
            Object::int(py, n as _)
        })
    }
}

fn main() {
    let _ = f;
}
