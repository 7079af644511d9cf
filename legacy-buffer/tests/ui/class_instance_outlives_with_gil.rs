// Extension types: an Instance borrows the handle it was made from, within
// the with_gil call: it cannot leave it (to be used without the GIL, or
// after the object is released).
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
        Instance::<Value>::downcast(&o).unwrap()
    });
    let _ = kept.borrow().unwrap().n;
}
