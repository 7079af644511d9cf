// H3: the only &mut [u8] is behind `unsafe`.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let ba = Object::bytearray(py, b"abc").unwrap();
        let buf = ba.write_buffer().unwrap();
        let bytes: &mut [u8] = buf.as_mut_slice_unchecked();
        bytes[0] = b'x';
    });
}
