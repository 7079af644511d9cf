// Extension types: a no-Python scope's closure cannot capture an Instance
// (not Send): through it the closure could resize the memory it is lent,
// or reach the value while Python code holds it.
use legacy_buffer::extension::Instance;
use legacy_buffer::{no_python, py_class, with_gil};

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
        let _ = no_python((), move |()| this.resize_bytes(0));
    });
}
