// Extension types: a method's entry point is made from its body's type
// alone: a closure that captures anything is refused when the table is
// built (py_class! itself takes paths only).
use legacy_buffer::extension::{Instance, Method, MethodTable};
use legacy_buffer::{py_class, Object};

pub struct Value {
    n: u8,
}

py_class! {
    class Value as "ui.Value" {}
}

static TABLE: MethodTable<2> = MethodTable::new([
    Method::noargs_of::<Value, _>(c"f", None, {
        let captured = 7u64;
        move |py, _this: Instance<'_, '_, Value>| Object::int(py, captured as _)
    }),
    Method::END,
]);

fn main() {
    let _ = &TABLE;
}
