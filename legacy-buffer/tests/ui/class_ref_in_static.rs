// Extension types: a borrow of an object's Rust value (Ref) points into the
// object, which only the thread holding the GIL may touch: it is neither
// Send nor Sync, so no static can hold one.
use legacy_buffer::extension::Ref;
use legacy_buffer::py_class;
use std::sync::Mutex;

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {}
}

static KEPT: Mutex<Option<Ref<'static, Value>>> = Mutex::new(None);

fn main() {
    let _ = KEPT.lock().unwrap().as_ref().map(|r| r.n);
}
