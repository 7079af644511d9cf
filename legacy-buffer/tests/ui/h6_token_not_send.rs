// H6: the token cannot be sent to a thread that does not hold the GIL.
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        std::thread::scope(|s| {
            s.spawn(move || py.eval("1").map(drop));
        });
    });
}
