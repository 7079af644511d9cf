// No-Python scope: a View's closure cannot capture the view (or any other),
// through which Python code could run or the memory be seen twice.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil};

fn main() {
    with_gil(|py| {
        let tuple = py.eval("(bytearray('abc'), bytearray('d'))").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let (dst, src): (View<'_>, View<'_>) = args.parse(py_format!("w*s*")).unwrap();
        let _ = dst.with_bytes_mut(|bytes| bytes[0] = src.as_cells().unwrap()[0].get());
    });
}
