// One Rust type per format unit: a tuple of two for three units does not
// compile.
use legacy_buffer::extension::Args;
use legacy_buffer::{py_format, Borrowed, Result};

fn parse(args: Args<'_, '_>) -> Result<i32> {
    let (_, n): (Borrowed<'_, '_>, i32) = args.parse(py_format!("Oii:f"))?;
    Ok(n)
}

fn main() {
    // As a function pointer, so that it is built (the check is made then).
    let _: fn(Args<'_, '_>) -> Result<i32> = parse;
}
