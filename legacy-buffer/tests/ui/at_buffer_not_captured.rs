// allow_threads: nor a buffer of a mutable exporter (asking an Unpinned one
// again runs its procs, which need the GIL).
use legacy_buffer::with_gil;

fn main() {
    with_gil(|py| {
        let a = py.eval("__import__('array').array('B', [1])").unwrap();
        let buf = a.read_buffer().unwrap();
        let v = py.allow_threads(|| buf.to_vec().unwrap());
        println!("{v:?}");
    });
}
