// No-Python scope: nor stored in a variable outside it.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let mut kept: &mut [u8] = &mut [];
        a.with_write_bytes(|bytes| kept = bytes).unwrap();
        kept[0] = 2;
    });
}
