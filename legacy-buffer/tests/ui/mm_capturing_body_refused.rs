// A module function's entry point is made from its body's type alone: a
// closure that captures anything is refused when the table is built.
use legacy_buffer::extension::{Method, MethodTable};
use legacy_buffer::Object;

static TABLE: MethodTable<2> = MethodTable::new([
    Method::noargs(c"f", Some(c"doc"), {
        let captured = 7u64;
        move |py| Object::int(py, captured as _)
    }),
    Method::END,
]);

fn main() {
    let _ = &TABLE;
}
