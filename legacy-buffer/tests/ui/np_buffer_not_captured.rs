// No-Python scope: the closure cannot capture another buffer (asking an
// Unpinned buffer again runs the exporter's procs).
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let b = py.eval("__import__('array').array('B', [2])").unwrap();
        let other = b.read_buffer().unwrap();
        let _ = a.with_read_bytes(|bytes| bytes[0] + other.to_vec().unwrap()[0]);
    });
}
