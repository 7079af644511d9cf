// Formats whose units fit the Rust types compile: the check is made when
// the program is built (a post-monomorphization error), so this test, with
// the compile_fail ones, is built rather than only checked.
use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, Borrowed, Buffer, Object, Result};
use std::ffi::CStr;

#[allow(clippy::type_complexity)]
fn every_unit(args: Args<'_, '_>) -> Result<()> {
    let _: (&CStr, Buffer<'_>, View<'_>, Option<&[u8]>, Option<Buffer<'_>>, Option<View<'_>>) =
        args.parse(py_format!("ss#s*zz#z*:f"))?;
    let _: (Buffer<'_>, Buffer<'_>, View<'_>, u8, u8, u8, i16, u16, i32, u32, i64, u64) =
        args.parse(py_format!("t#w#w*cbBhHiIlk"))?;
    let _: (i64, u64, isize, f32, f64, Borrowed<'_, '_>, Object<'_>, Borrowed<'_, '_>) =
        args.parse(py_format!("LKnfdOSU"))?;
    let _: () = args.parse(py_format!(":noargs"))?;
    Ok(())
}

fn optional(args: Args<'_, '_>) -> Result<()> {
    // After '|', Options; for z units, Option<Option<_>> tells a missing
    // argument from None.
    let parser = args.parser(py_format!("O!|zO!:f")).keywords(&["a", "b", "c"]);
    let _: (Borrowed<'_, '_>, Option<Option<&CStr>>, Option<Object<'_>>) = parser.parse()?;
    let _: (Option<i32>,) = args.parse(py_format!("|i"))?;
    Ok(())
}

fn main() {
    // As function pointers, so that they are built (the checks are made
    // then), not called: there is no interpreter here.
    let parses: [fn(Args<'_, '_>) -> Result<()>; 2] = [every_unit, optional];
    assert_eq!(parses.len(), 2);
}
