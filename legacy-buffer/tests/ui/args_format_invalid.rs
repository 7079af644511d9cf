// A format this parser does not take fails to compile where it is written,
// naming what is wrong (here 'e', getargs.c's encoded string, which the
// parser leaves out).
use legacy_buffer::py_format;

fn main() {
    let _format = py_format!("es#:f");
}
