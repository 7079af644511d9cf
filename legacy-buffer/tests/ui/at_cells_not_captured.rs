// allow_threads: nor cells of a pinned bytearray, which Python threads may
// write while the GIL is released.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let ba = py.eval("bytearray('abc')").unwrap();
        let buf = ba.read_buffer().unwrap();
        let cells = buf.as_cells().unwrap();
        let first = py.allow_threads(|| cells[0].get());
        println!("{first}");
    });
}
