// H6: the guard stays on the thread that took the GIL.
use legacy_buffer::GilGuard;

fn main() {
    let gil = GilGuard::acquire();
    std::thread::spawn(move || drop(gil));
}
