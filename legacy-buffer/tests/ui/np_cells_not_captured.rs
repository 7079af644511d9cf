// No-Python scope: cells of a pinned bytearray cannot be captured, so no
// other reference to memory lent as &mut [u8] is usable inside.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let ba = py.eval("bytearray('ab')").unwrap();
        let pinned = ba.write_buffer().unwrap();
        let cells = pinned.as_write_cells().unwrap();
        let _ = ba.with_write_bytes(|bytes| {
            bytes[0] = 1;
            cells[0].set(2);
        });
    });
}
