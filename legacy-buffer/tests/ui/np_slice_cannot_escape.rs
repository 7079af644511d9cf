// No-Python scope: the lent slice cannot be returned out of the closure.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let bytes = a.with_read_bytes(|bytes| bytes).unwrap();
        py.run("a.extend(range(1000))").unwrap();
        println!("{}", bytes[0]);
    });
}
