// Cells of a view's pinned memory cannot outlive the View: dropping it
// releases the export, after which Python may resize the bytearray.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil};

fn main() {
    with_gil(|py| {
        let tuple = py.eval("(bytearray('abc'),)").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let cells = {
            let (view,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
            view.as_write_cells().unwrap()
        };
        cells[0].set(b'X');
    });
}
