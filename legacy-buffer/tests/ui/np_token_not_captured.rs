// No-Python scope: the closure cannot capture the Python token, through
// which it could run Python code while the memory is lent.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let _ = a.with_read_bytes(|bytes| {
            py.run("a.extend(range(1000))").unwrap();
            bytes[0]
        });
    });
}
