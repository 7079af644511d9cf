// Extension types: a borrow of an object's Rust value (Ref) lives no longer
// than the handle it came from, so it cannot leave the with_gil call.
use legacy_buffer::extension::Instance;
use legacy_buffer::{py_class, with_gil};

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {}
}

fn main() {
    let kept = with_gil(|py| {
        let o = Instance::create(py, Value { n: 1 }, Vec::new()).unwrap();
        let this = Instance::<Value>::downcast(&o).unwrap();
        this.borrow().unwrap()
    });
    let _ = kept.n;
}
