// H6: a buffer (which may hold a pin released under the GIL) stays put.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let ba = Object::bytearray(py, b"abc").unwrap();
        let buf = ba.read_buffer().unwrap();
        std::thread::scope(|scope| {
            scope.spawn(move || drop(buf));
        });
    });
}
