// H1 (issue 9): there is no public GIL guard to leak or keep; with_gil (and
// an extension function's trampoline) are the only safe ways to the GIL.
use legacy_buffer::GilGuard;

fn main() {
    let gil = GilGuard::acquire();
    std::mem::forget(gil);
}
