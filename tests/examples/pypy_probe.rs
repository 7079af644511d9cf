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
//! - `parse(format, obj[, type])`: what legacy-buffer's argument parser
//!   gives for `(obj,)` and a format of one unit (any unit it has; `O!`
//!   with `type`), written as the C oracle `argparity` writes what
//!   `PyArg_ParseTuple` gives (`b<hex>`, `v<hex>/<readonly>`, `i<n>`,
//!   `f<bits>`, `o=<type>`, `None`).

use legacy_buffer::extension::{Args, IntoPyObject, View};
use legacy_buffer::{
    py_format, py_module, with_gil, Borrowed, Buffer, Error, ExceptionType, Object, Python, Result,
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

/// A parsed value described as the C oracle `argparity` describes what
/// `PyArg_ParseTuple` gave for the unit.
trait Describe {
    fn describe(&self, arg: *mut legacy_buffer::ffi::PyObject) -> Result<String>;
    /// As a `*` unit's value: its `Py_buffer`, readonly flag included.
    fn describe_star(&self, arg: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        self.describe(arg)
    }
}

impl Describe for &CStr {
    fn describe(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        Ok(hex("b", self.to_bytes()))
    }
}

impl Describe for Buffer<'_> {
    fn describe(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        Ok(hex("b", &self.to_vec()?))
    }
    fn describe_star(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        view(self)
    }
}

macro_rules! describe_integers {
    ($($t:ty),*) => {$(
        impl Describe for $t {
            fn describe(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
                Ok(format!("i{self}"))
            }
        }
    )*};
}
describe_integers!(u8, i16, u16, i32, u32, i64, u64, isize);

impl Describe for f32 {
    fn describe(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        Ok(format!("f{}", f64::from(*self).to_bits() as i64))
    }
}

impl Describe for f64 {
    fn describe(&self, _: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        Ok(format!("f{}", self.to_bits() as i64))
    }
}

impl Describe for Borrowed<'_, '_> {
    fn describe(&self, arg: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        let same = if self.as_ptr() == arg { '=' } else { '!' };
        Ok(format!("o{same}{}", self.type_name()))
    }
}

impl<T: Describe> Describe for Option<T> {
    fn describe(&self, arg: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        match self {
            Some(value) => value.describe(arg),
            None => Ok("None".to_owned()),
        }
    }
    fn describe_star(&self, arg: *mut legacy_buffer::ffi::PyObject) -> Result<String> {
        match self {
            Some(value) => value.describe_star(arg),
            None => Ok("None".to_owned()),
        }
    }
}

/// The one-unit formats `parse` takes, each with its Rust type: every unit
/// the parser has but `O!` (which `parse` takes with a type).
macro_rules! one_unit {
    ($args:ident, $format:ident, $arg:ident; $($unit:literal => $ty:ty;)*) => {
        match $format {
            $($unit => {
                let (value,): ($ty,) = $args.parse(py_format!($unit))?;
                if $unit.ends_with('*') {
                    value.describe_star($arg)
                } else {
                    value.describe($arg)
                }
            })*
            _ => Err(Error::new(
                ExceptionType::ValueError,
                format!("parse: no unit {:?}", $format),
            )),
        }
    };
}

/// parse(format, obj[, type]) -> str
fn parse(py: Python<'_>, args: Args<'_, '_>) -> Result<String> {
    let (format, obj, ty): (&CStr, Borrowed, Option<Borrowed>) =
        args.parse(py_format!("sO|O:parse"))?;
    let format = format.to_str().unwrap_or("");
    let tuple: Object<'_> = (obj.clone_ref(),).into_object(py)?;
    let args = Args::from_tuple(&tuple)?;
    let arg = obj.as_ptr();
    if format == "O!" {
        let ty = ty.ok_or_else(|| Error::new(ExceptionType::TypeError, "O! needs a type"))?;
        let (value,): (Borrowed,) = args.parser(py_format!("O!")).types(&[&ty]).parse()?;
        return value.describe(arg);
    }
    one_unit! { args, format, arg;
        "s" => &CStr;
        "s#" => Buffer<'_>;
        "s*" => View<'_>;
        "z" => Option<&CStr>;
        "z#" => Option<Buffer<'_>>;
        "z*" => Option<View<'_>>;
        "t#" => Buffer<'_>;
        "w#" => Buffer<'_>;
        "w*" => View<'_>;
        "c" => u8;
        "b" => u8;
        "B" => u8;
        "h" => i16;
        "H" => u16;
        "i" => i32;
        "I" => u32;
        "l" => i64;
        "k" => u64;
        "L" => i64;
        "K" => u64;
        "n" => isize;
        "f" => f32;
        "d" => f64;
        "O" => Borrowed<'_, '_>;
        "S" => Borrowed<'_, '_>;
        "U" => Borrowed<'_, '_>;
    }
}

/// view_after(obj, code) -> (kind, cells, len, len after code)
fn view_after(py: Python<'_>, args: Args<'_, '_>) -> Result<(String, bool, usize, usize)> {
    let (view, code): (View<'_>, &CStr) = args.parse(py_format!("w*s:view_after"))?;
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
            parse(args) => parse, "parse(format, obj[, type]) -> str";
            view_after(args) => view_after, "view_after(obj, code) -> (kind, cells, len, len)";
        }
    }
}
