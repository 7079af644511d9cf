// H1/H6 (issue 9): an object cannot be kept in a static either.
use legacy_buffer::{with_gil, Object};
use std::sync::Mutex;

static KEPT: Mutex<Option<Object<'static>>> = Mutex::new(None);

fn main() {
    with_gil(|py| {
        let o = py.eval("object()").unwrap();
        *KEPT.lock().unwrap() = Some(o);
    });
}
