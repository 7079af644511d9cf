// H1: bytes borrowed under a guard cannot be used after the guard is gone.
use legacy_buffer::{GilGuard, Object};

fn main() {
    let gil = GilGuard::acquire();
    let s = Object::str(gil.python(), b"abc").unwrap();
    let buf = s.read_buffer().unwrap();
    let bytes = buf.as_bytes().unwrap();
    drop(gil);
    println!("{bytes:?}");
}
