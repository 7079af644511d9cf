// H1 (issue 9): an object cannot be kept in a thread_local!: it would be
// released by the destructor at thread exit, without the GIL.
use legacy_buffer::{with_gil, Object};
use std::cell::RefCell;

thread_local! {
    static KEPT: RefCell<Option<Object<'static>>> = const { RefCell::new(None) };
}

fn main() {
    with_gil(|py| {
        let o = py.eval("object()").unwrap();
        KEPT.with(|k| *k.borrow_mut() = Some(o));
    });
}
