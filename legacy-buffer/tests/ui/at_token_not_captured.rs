// allow_threads: the closure runs without the GIL, so it cannot hold the
// token (through which it would run Python code unlocked).
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        py.allow_threads(|| py.eval("1").map(drop))
    })
    .unwrap();
}
