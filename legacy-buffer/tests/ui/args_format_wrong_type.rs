// A format is checked against the Rust types while the program compiles:
// s# gives a buffer, which a u32 cannot take.
use legacy_buffer::extension::Args;
use legacy_buffer::{py_format, Result};

fn parse(args: Args<'_, '_>) -> Result<u32> {
    let (n,): (u32,) = args.parse(py_format!("s#:f"))?;
    Ok(n)
}

fn main() {
    // As a function pointer, so that it is built (the check is made then).
    let _: fn(Args<'_, '_>) -> Result<u32> = parse;
}
