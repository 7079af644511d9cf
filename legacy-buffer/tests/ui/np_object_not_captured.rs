// No-Python scope: the closure cannot capture an object (dropping or using
// it runs Python code), not even by reference.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let other = py.eval("[]").unwrap();
        let _ = a.with_read_bytes(|bytes| {
            let _ = other.repr();
            bytes[0]
        });
    });
}
