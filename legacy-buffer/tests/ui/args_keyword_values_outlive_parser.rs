// Values parsed from keyword arguments borrow the keyword parser, which
// keeps them alive: Python code could empty the keyword dict meanwhile.
use legacy_buffer::extension::Args;
use legacy_buffer::{py_format, with_gil, Buffer};

fn main() {
    with_gil(|py| {
        let (tuple, kwargs) = (py.eval("()").unwrap(), py.eval("{'data': 'x'}").unwrap());
        let args = Args::from_tuple_and_dict(&tuple, Some(&kwargs)).unwrap();
        let data = {
            let parser = args.parser(py_format!("s#")).keywords(&["data"]);
            let (data,): (Buffer<'_>,) = parser.parse().unwrap();
            data
        };
        println!("{}", data.len());
    });
}
