// Extension types: with_bytes_mut's closure runs in a no-Python scope; it
// cannot capture a borrow of the object's value (Ref is not Send).
use legacy_buffer::extension::Instance;
use legacy_buffer::{py_class, with_gil};

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {
        features: [exports],
    }
}

fn main() {
    with_gil(|py| {
        let o = Instance::create(py, Value { n: 1 }, vec![0; 4]).unwrap();
        let this = Instance::<Value>::downcast(&o).unwrap();
        let value = this.borrow().unwrap();
        let _ = this.with_bytes_mut(|bytes| bytes[0] = value.n);
    });
}
