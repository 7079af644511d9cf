// Extension types: a `&self` entry borrows the value shared; a body that
// takes `&mut self` cannot be declared for it.
use legacy_buffer::{py_class, Python, Result};

pub struct Value {
    n: u8,
}

impl Value {
    fn bump(&mut self, _py: Python<'_>) -> Result<u8> {
        self.n += 1;
        Ok(self.n)
    }
}

py_class! {
    class Value as "ui.Value" {
        methods: {
            bump(&self) => Value::bump;
        }
    }
}

fn main() {}
