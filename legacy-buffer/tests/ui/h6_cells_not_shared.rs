// H6: cells of pinned memory cannot be read from another thread while
// Python (on this one) may write them.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let ba = Object::bytearray(py, b"abc").unwrap();
        let buf = ba.read_buffer().unwrap();
        let cells = buf.as_cells().unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| cells[0].get());
        });
    });
}
