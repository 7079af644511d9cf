// H1: the Python token cannot leave the with_gil call that holds the GIL.
use legacy_buffer::with_gil;

fn main() {
    let py = with_gil(|py| py);
    let _ = py.eval("1");
}
