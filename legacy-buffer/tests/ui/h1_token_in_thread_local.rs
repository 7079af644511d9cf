// H1 (issue 9): the token cannot be kept in a thread_local!, whose
// destructor runs at thread exit, after Python deleted the thread's state.
use legacy_buffer::{with_gil, Python};
use std::cell::Cell;

thread_local! {
    static KEPT: Cell<Option<Python<'static>>> = const { Cell::new(None) };
}

fn main() {
    with_gil(|py| KEPT.with(|k| k.set(Some(py))));
}
