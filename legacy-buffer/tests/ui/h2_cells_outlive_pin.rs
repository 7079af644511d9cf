// H2/H4: cells of pinned memory cannot outlive the Buffer that pins it
// (dropping it releases the pin, after which Python may resize).
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let ba = Object::bytearray(py, b"abc").unwrap();
        let cells = {
            let buf = ba.read_buffer().unwrap();
            buf.as_cells().unwrap()
        };
        println!("{}", cells[0].get());
    });
}
