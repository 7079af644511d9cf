// A unit after '|' may be missing: its Rust type must be an Option.
use legacy_buffer::extension::Args;
use legacy_buffer::{py_format, Buffer, Result};

fn parse(args: Args<'_, '_>) -> Result<i32> {
    let parser = args.parser(py_format!("s#|i:compress")).keywords(&["data", "level"]);
    let (_, level): (Buffer<'_>, i32) = parser.parse()?;
    Ok(level)
}

fn main() {
    // As a function pointer, so that it is built (the check is made then).
    let _: fn(Args<'_, '_>) -> Result<i32> = parse;
}
