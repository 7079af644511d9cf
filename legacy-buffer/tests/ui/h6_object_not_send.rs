// H6: objects are refcounted under the GIL; they cannot cross threads.
use legacy_buffer::{with_gil, Object};

fn main() {
    with_gil(|py| {
        let s = Object::str(py, b"abc").unwrap();
        std::thread::scope(|scope| {
            scope.spawn(move || drop(s));
        });
    });
}
