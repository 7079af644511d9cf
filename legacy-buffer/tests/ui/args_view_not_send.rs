// A View cannot go to another thread: it is released, and its memory read,
// under the GIL this thread holds.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil};

fn main() {
    with_gil(|py| {
        let tuple = py.eval("(bytearray('abc'),)").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let (view,): (View<'_>,) = args.parse(py_format!("s*")).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(move || view.len());
        });
    });
}
