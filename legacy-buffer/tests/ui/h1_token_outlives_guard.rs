// H1: the Python token cannot outlive the guard that holds the GIL.
use legacy_buffer::GilGuard;

fn main() {
    let py;
    {
        let gil = GilGuard::acquire();
        py = gil.python();
    }
    let _ = py.eval("1");
}
