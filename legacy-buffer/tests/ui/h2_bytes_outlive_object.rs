// H2: a slice cannot outlive the object it was borrowed from.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let s = Object::str(py, b"abc").unwrap();
        let bytes = s.read_buffer().unwrap().as_bytes().unwrap();
        drop(s);
        println!("{bytes:?}");
    });
}
