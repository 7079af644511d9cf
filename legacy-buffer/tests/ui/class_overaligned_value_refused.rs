// Extension types: Python 2.7's allocators align objects to 8 bytes; a
// value that needs more is refused when its type object is built.
use legacy_buffer::extension::PyClass;
use legacy_buffer::py_class;

#[repr(align(16))]
pub struct Wide {
    x: u128,
}

py_class! {
    class Wide as "ui.Wide" {}
}

fn main() {
    let _ = Wide::type_object();
}
