// H1: bytes borrowed inside with_gil cannot be used after it returns.
use legacy_buffer::{with_gil, Object};

fn main() {
    let mut kept: &[u8] = &[];
    with_gil(|py| {
        let s = Object::str(py, b"abc").unwrap();
        let buf = s.read_buffer().unwrap();
        kept = buf.as_bytes().unwrap();
    });
    println!("{kept:?}");
}
