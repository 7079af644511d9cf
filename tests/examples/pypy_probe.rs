//! `pypy_probe`: an extension module that reports what legacy-buffer does
//! with objects, for `tests/tests/pypy.rs` to check the PyPy model under
//! `pypy` (a cdylib example: built with `LEGACY_BUFFER_SYS_NO_LINK`, PyPy's
//! headers, and imported by pypy):
//!
//! - `kinds(obj)`: for the character, read and write buffer, the
//!   `BufferKind` a borrow gets, or the error it fails with;
//! - `lent(obj)`: the read buffer's bytes as the no-Python scope lends them;
//! - `threads(n)`: `n` Rust threads each take the GIL with `with_gil` and
//!   run Python code, while this one waits with the GIL given up; each also
//!   drops, without the GIL, an error holding Python objects;
//! - `view_after(obj, code)`: a `w*` view of `obj`: its kind, whether it
//!   offers cells, its length through the scope, then the same length after
//!   running `code` in `__main__` (which may resize `obj`) while the view
//!   lives;
//! - `parse(format, obj)`: what legacy-buffer's argument parser gives for
//!   `(obj,)` and a format of one borrowing unit (`s`, `s#`, `s*`, `z*`,
//!   `t#`, `w#`, `w*`), written as the C oracle `argparity` writes what
//!   `PyArg_ParseTuple` gives (`b<hex>`, `v<hex>/<readonly>`, `None`).

use legacy_buffer::extension::{Args, IntoPyObject, View};
use legacy_buffer::{
    py_module, with_gil, Borrowed, Buffer, Error, ExceptionType, Object, Python, Result,
};
use std::ffi::CStr;
use std::fmt::Write;

fn kind(borrowed: Result<Buffer<'_>>) -> String {
    match borrowed {
        Ok(buffer) => format!("{:?}", buffer.kind()),
        Err(e) => e.to_string(),
    }
}

/// kinds(obj) -> (char, read, write)
fn kinds(_py: Python<'_>, obj: Borrowed<'_, '_>) -> Result<(String, String, String)> {
    Ok((
        kind(obj.char_buffer()),
        kind(obj.read_buffer()),
        kind(obj.write_buffer()),
    ))
}

/// lent(obj) -> str
fn lent(_py: Python<'_>, obj: Borrowed<'_, '_>) -> Result<Vec<u8>> {
    obj.with_read_bytes(|bytes| bytes.to_vec())
}

/// threads(n) -> int: the sum of what the threads computed in Python.
fn threads(py: Python<'_>, args: Args<'_, '_>) -> Result<usize> {
    let n = match args.get(0).map(|n| n.repr()) {
        Some(Ok(n)) => n.parse::<usize>().unwrap_or(0),
        _ => 0,
    };
    // An error holding Python objects, for each thread to drop without the
    // GIL (queued, released when this crate next holds it).
    let errors: Vec<Error> = (0..n)
        .map(|_| match py.eval("int('not a number')") {
            Err(e) => e,
            Ok(_) => Error::new(ExceptionType::SystemError, "int() accepted it"),
        })
        .collect();
    let results = py.allow_threads(move || {
        let handles: Vec<_> = errors
            .into_iter()
            .enumerate()
            .map(|(i, error)| {
                std::thread::spawn(move || {
                    drop(error);
                    with_gil(|py| -> Result<usize> {
                        let len = py.eval(&format!("len('x' * {i})"))?.repr()?;
                        Ok(len.parse::<usize>().unwrap_or(usize::MAX))
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Ok(usize::MAX)))
            .collect::<Vec<_>>()
    });
    results.into_iter().sum()
}

fn hex(tag: &str, bytes: &[u8]) -> String {
    let mut text = tag.to_owned();
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

fn view(view: &View<'_>) -> Result<String> {
    let bytes = view.to_vec()?;
    Ok(format!(
        "{}/{}",
        hex("v", &bytes),
        u8::from(view.readonly())
    ))
}

/// parse(format, obj) -> str
fn parse(py: Python<'_>, args: Args<'_, '_>) -> Result<String> {
    let (format, obj): (&CStr, Borrowed) = args.parse("sO:parse")?;
    let format = format.to_str().unwrap_or("");
    let tuple: Object<'_> = (obj.clone_ref(),).into_object(py)?;
    let args = Args::from_tuple(&tuple)?;
    match format {
        "s" => {
            let (s,): (&CStr,) = args.parse("s")?;
            Ok(hex("b", s.to_bytes()))
        }
        // Formats are `&'static str`: the literal of each arm.
        "s#" | "t#" | "w#" => {
            let unit = ["s#", "t#", "w#"].into_iter().find(|u| *u == format);
            let (buffer,): (Buffer<'_>,) = args.parse(unit.unwrap_or("s#"))?;
            Ok(hex("b", &buffer.to_vec()?))
        }
        "s*" | "w*" => {
            let unit = if format == "w*" { "w*" } else { "s*" };
            let (v,): (View<'_>,) = args.parse(unit)?;
            view(&v)
        }
        "z*" => match args.parse::<(Option<View<'_>>,)>("z*")? {
            (Some(v),) => view(&v),
            (None,) => Ok("None".to_owned()),
        },
        _ => Err(Error::new(
            ExceptionType::ValueError,
            format!("parse: no unit {format:?}"),
        )),
    }
}

/// view_after(obj, code) -> (kind, cells, len, len after code)
fn view_after(py: Python<'_>, args: Args<'_, '_>) -> Result<(String, bool, usize, usize)> {
    let (view, code): (View<'_>, &CStr) = args.parse("w*s:view_after")?;
    let kind = format!("{:?}", view.kind());
    let cells = view.as_write_cells().is_some();
    let before = view.with_bytes(|bytes| bytes.len())?;
    py.run(code.to_str().unwrap_or(""))?;
    let after = view.with_bytes(|bytes| bytes.len())?;
    Ok((kind, cells, before, after))
}

py_module! {
    module pypy_probe {
        doc: "What legacy-buffer does with objects, for the PyPy tests.",
        functions: {
            kinds(arg) => kinds, "kinds(obj) -> (char, read, write)";
            lent(arg) => lent, "lent(obj) -> str";
            threads(args) => threads, "threads(n) -> int";
            parse(args) => parse, "parse(format, obj) -> str";
            view_after(args) => view_after, "view_after(obj, code) -> (kind, cells, len, len)";
        }
    }
}
