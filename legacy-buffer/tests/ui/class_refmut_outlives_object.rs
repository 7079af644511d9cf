// Extension types: a mutable borrow of an object's Rust value (RefMut)
// keeps the object's handle borrowed: the object cannot be released while
// the value is reachable.
use legacy_buffer::extension::Instance;
use legacy_buffer::{py_class, with_gil};

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {}
}

fn main() {
    with_gil(|py| {
        let o = Instance::create(py, Value { n: 1 }, Vec::new()).unwrap();
        let this = Instance::<Value>::downcast(&o).unwrap();
        let mut value = this.borrow_mut().unwrap();
        drop(o);
        value.n = 2;
    });
}
