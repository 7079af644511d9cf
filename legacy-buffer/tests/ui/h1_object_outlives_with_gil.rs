// H1: an object (and so any buffer borrowed from it) cannot leave with_gil.
use legacy_buffer::with_gil;

fn main() {
    let s = with_gil(|py| py.eval("'escaped'").unwrap());
    drop(s);
}
