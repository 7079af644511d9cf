// A view's cells cannot be read from another thread while Python (on this
// one) may write them.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil};

fn main() {
    with_gil(|py| {
        let tuple = py.eval("(bytearray('abc'),)").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let (view,): (View<'_>,) = args.parse(py_format!("s*")).unwrap();
        let cells = view.as_cells().unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| cells[0].get());
        });
    });
}
