// allow_threads: nor an object (its reference count is Python's, changed
// only under the GIL).
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let o = py.eval("[]").unwrap();
        py.allow_threads(|| drop(o));
    });
}
