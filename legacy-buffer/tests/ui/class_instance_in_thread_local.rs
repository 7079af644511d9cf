// Extension types: an Instance cannot be kept in a thread_local! for later
// (its object is only borrowed, and only while the GIL is held).
use legacy_buffer::extension::Instance;
use legacy_buffer::{py_class, with_gil};
use std::cell::RefCell;

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {}
}

thread_local! {
    static KEPT: RefCell<Option<Instance<'static, 'static, Value>>> = const { RefCell::new(None) };
}

fn main() {
    with_gil(|py| {
        let o = Instance::create(py, Value { n: 1 }, Vec::new()).unwrap();
        KEPT.with(|k| *k.borrow_mut() = Instance::downcast(&o));
    });
    KEPT.with(|k| {
        let _ = k.borrow().as_ref().map(|i| i.borrow().unwrap().n);
    });
}
