// A unit of the other line fails to compile, naming the line it belongs to:
// 'y#' is Python 3's (the compile-fail tests build against Python 2.7, where
// 't#' and 'w#' are the units of its own that Python 3 removed).
use legacy_buffer::py_format;

fn main() {
    let _format = py_format!("y#:f");
}
