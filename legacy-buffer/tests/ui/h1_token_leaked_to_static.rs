// H1 (issue 9): leaking the token does not make it 'static. A leaked
// guard did: on a thread Python created, its `Python<'static>` outlived the
// GIL Python lent the call. There is no guard now, and the token's lifetime
// is with_gil's choice.
use legacy_buffer::{with_gil, Python};

fn main() {
    let leaked: &'static Python<'static> = with_gil(|py| Box::leak(Box::new(py)));
    let _ = leaked.eval("1");
}
