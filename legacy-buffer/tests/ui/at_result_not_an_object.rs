// allow_threads: what the closure returns crosses back too; it cannot be
// bound to the GIL either (and could not be made without it).
use legacy_buffer::{with_gil, Object, Python};

fn make<'py>(py: Python<'py>) -> Object<'py> {
    py.allow_threads(|| -> Object<'py> { unimplemented!() })
}

fn main() {
    with_gil(|py| drop(make(py)));
}
