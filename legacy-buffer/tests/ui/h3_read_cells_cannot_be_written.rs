// H3: memory borrowed for reading cannot be written through its cells.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let ba = Object::bytearray(py, b"abc").unwrap();
        let buf = ba.read_buffer().unwrap();
        buf.as_cells().unwrap()[0].set(b'x');
    });
}
