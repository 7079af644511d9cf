// A View (s*, z*, w*) borrows the argument tuple: it cannot outlive it.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil};

fn main() {
    with_gil(|py| {
        let view = {
            let tuple = py.eval("(bytearray('abc'),)").unwrap();
            let args = Args::from_tuple(&tuple).unwrap();
            let (view,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
            view
        };
        println!("{}", view.len());
    });
}
