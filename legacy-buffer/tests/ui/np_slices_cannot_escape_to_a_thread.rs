// No-Python scope: nor sent to a thread that outlives it.
use legacy_buffer::{no_python, with_gil, Bytes, BytesMut};

fn main() {
    with_gil(|py| {
        let a = py.eval("bytearray(4)").unwrap();
        let b = py.eval("'abcd'").unwrap();
        let (wa, rb) = (a.write_buffer().unwrap(), b.read_buffer().unwrap());
        let _ = no_python((BytesMut(&wa), Bytes(&rb)), |(dst, src)| {
            std::thread::spawn(move || dst.copy_from_slice(src));
        });
    });
}
