//! Arguments as `PyArg_ParseTuple` and `PyArg_ParseTupleAndKeywords` take
//! them, typed in Rust: the same format strings, accepting exactly what the
//! C parser accepts and failing with exactly its exception type and message
//! (`tests/tests/arg_parity.rs` runs both over a corpus), with the values
//! as Rust types whose lifetimes keep borrowed memory sound.

mod convert;
mod format;
mod from_arg;
mod messages;
mod source;

pub use format::FormatText;
pub use from_arg::{Converted, Converter, FromArg};

use super::call::Args;
use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use crate::object::Object;
use format::{Compiled, Destination, Format};
use legacy_buffer_sys as ffi;
use messages::{ffi_type_error, plural, programming_error, raise, tuple_count_error};
use source::{Positional, Source};
use std::cell::RefCell;

impl<'a, 'py> Args<'a, 'py> {
    /// The arguments in `tuple` (a tuple, or a subclass): for parsing a
    /// tuple made in Rust or taken from Python, as an extension function
    /// parses its own. `TypeError` for anything but a tuple.
    pub fn from_tuple(tuple: &'a Object<'py>) -> Result<Args<'a, 'py>> {
        Args::from_tuple_and_dict(tuple, None)
    }

    /// The arguments in `tuple` and the keyword arguments in `kwargs` (a
    /// dict), as a `METH_KEYWORDS` function gets them. `TypeError` if
    /// either is of another type.
    pub fn from_tuple_and_dict(
        tuple: &'a Object<'py>,
        kwargs: Option<&'a Object<'py>>,
    ) -> Result<Args<'a, 'py>> {
        // SAFETY: valid objects, GIL held ('py); type checks only.
        let (is_tuple, is_dict) = unsafe {
            (
                ffi::PyTuple_Check(tuple.as_ptr()) != 0,
                kwargs.map_or(true, |d| ffi::PyDict_Check(d.as_ptr()) != 0),
            )
        };
        if !(is_tuple && is_dict) {
            return Err(Error::new(
                ExceptionType::TypeError,
                "Args::from_tuple_and_dict: expected a tuple and a dict",
            ));
        }
        let kwargs = kwargs.map_or(std::ptr::null_mut(), |d| d.as_ptr());
        // A tuple's items cannot be taken away by Python code while it
        // lives; the dict's values can (the keyword parser keeps its own).
        // SAFETY: a tuple and a dict (or NULL), alive for 'a, GIL held.
        Ok(unsafe { Args::from_ptrs(tuple.py(), tuple.as_ptr(), kwargs) })
    }

    /// Parse the positional arguments as `PyArg_ParseTuple(args, format,
    /// ...)` does (keyword arguments are not looked at, as the C function
    /// does not see them), into a tuple of Rust values, one per format unit
    /// (see [`FromArg`] for which type takes which unit).
    ///
    /// The format is made by [`py_format!`](crate::py_format), and read
    /// and checked against `T` while the program compiles: a format this
    /// parser does not take, a unit count other than the tuple's, a type
    /// that does not take its unit, a unit after `|` whose type is not an
    /// `Option`, each is a compile error naming what does not fit. A parse
    /// then costs no reading of the format at all.
    ///
    /// Same checks in the same order as the C parser, same exception type
    /// and message for the same arguments: the argument count against the
    /// units before and after `|` (`"f() takes at most 2 arguments (3
    /// given)"`, or the `;message` instead), then each argument in order
    /// (`"f() argument 1 must be string or read-only buffer, not int"`, or
    /// the exception the conversion raised).
    ///
    /// ```
    /// use legacy_buffer::extension::Args;
    /// use legacy_buffer::{py_format, with_gil, Buffer, BufferKind};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let tuple = py.eval("('hello', 9)")?;
    ///     let args = Args::from_tuple(&tuple)?;
    ///     let (data, level): (Buffer<'_>, Option<i32>) = args.parse(py_format!("s#|i:compress"))?;
    ///     assert_eq!((data.as_bytes(), level), (Some(&b"hello"[..]), Some(9)));
    ///     assert_eq!(data.kind(), BufferKind::Immutable);
    ///
    ///     let e = args.parse::<(Buffer<'_>,), _>(py_format!("s#:compress")).unwrap_err();
    ///     assert_eq!(e.to_string(), "TypeError: compress() takes exactly 1 argument (2 given)");
    ///     let e = args.parse::<(i32, i32), _>(py_format!("ii:f")).unwrap_err();
    ///     if legacy_buffer::ffi::PY3 {
    ///         // 3.9: "an integer is required (got type str)"; 3.10 on, PyLong_AsLong's words.
    ///         assert!(e.to_string().starts_with("TypeError: "), "{e}");
    ///     } else {
    ///         assert_eq!(e.to_string(), "TypeError: an integer is required");
    ///     }
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    ///
    /// A type that does not take its unit does not compile:
    ///
    /// ```compile_fail,E0080
    /// # use legacy_buffer::{extension::Args, py_format};
    /// # fn f(args: Args<'_, '_>) -> legacy_buffer::Result<()> {
    /// let (n, level): (u32, i32) = args.parse(py_format!("s#i"))?; // u32 does not take s#
    /// # Ok(()) }
    /// # let built: fn(Args<'_, '_>) -> legacy_buffer::Result<()> = f; // the check runs when built
    /// ```
    #[inline(always)]
    pub fn parse<T: FromArgs<'a, 'py>, F: FormatText>(&self, _format: F) -> Result<T> {
        // The check, while the program compiles: a type that does not fit
        // its unit fails the build here (each entry point checks, so that
        // the error points at the caller's line).
        const { format::check_or_panic(Compiled::<F>::FORMAT, T::DESTINATIONS) };
        parse_tuple(*self, Compiled::<F>::FORMAT, &[])
    }

    /// A parser for `format` (made by [`py_format!`](crate::py_format)), to
    /// give it the type objects of `O!` units ([`Parser::types`]) or
    /// keyword names ([`Parser::keywords`]).
    #[inline(always)]
    pub fn parser<'f, F: FormatText>(&self, format: F) -> Parser<'f, 'a, 'py, F> {
        Parser {
            args: *self,
            format,
            types: &[],
        }
    }

    /// [`Args::parse`] with a format made at run time, which is read and
    /// checked against `T` on every call, before any argument is looked
    /// at: a format or a type that does not fit is a programming error,
    /// `SystemError`, naming it. For formats that cannot be written in the
    /// program (a tool's, a test's); a port uses [`Args::parse`], which
    /// checks while compiling and reads nothing on each call.
    ///
    /// ```
    /// use legacy_buffer::extension::Args;
    /// use legacy_buffer::with_gil;
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let tuple = py.eval("('hello', 9)")?;
    ///     let args = Args::from_tuple(&tuple)?;
    ///     let format = format!("{}{}", "O", "i");
    ///     let (_, n): (legacy_buffer::Borrowed<'_, '_>, i32) = args.parse_checked_at_run_time(&format)?;
    ///     assert_eq!(n, 9);
    ///     let e = args.parse_checked_at_run_time::<(u32, i32)>("s#i").unwrap_err();
    ///     assert_eq!(e.type_name(), "SystemError"); // u32 does not take s#
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    #[inline]
    pub fn parse_checked_at_run_time<T: FromArgs<'a, 'py>>(&self, format: &str) -> Result<T> {
        self.parser_checked_at_run_time(format).parse()
    }

    /// [`Args::parser`] with a format made at run time: see
    /// [`Args::parse_checked_at_run_time`].
    #[inline]
    pub fn parser_checked_at_run_time<'f, 't>(
        &self,
        format: &'t str,
    ) -> Parser<'f, 'a, 'py, RunTimeFormat<'t>> {
        Parser {
            args: *self,
            format: RunTimeFormat(format),
            types: &[],
        }
    }
}

/// A `PyArg_ParseTuple` format string, as a zero-sized value of a type of
/// its own ([`FormatText`]), for [`Args::parse`] and [`Args::parser`],
/// which read it and check it against the Rust types they give while the
/// program compiles.
///
/// An invalid format is a compile error where the macro is used (a unit
/// this parser does not have: `e`, `u`, `D`, `O?`, `(...)`; a second `|`;
/// more than 16 units; a NUL byte).
///
/// ```
/// use legacy_buffer::extension::{Args, FormatText};
/// use legacy_buffer::{py_format, Borrowed};
///
/// fn text<F: FormatText>(_: F) -> &'static str {
///     F::TEXT
/// }
/// assert_eq!(text(py_format!("O|I:adler32")), "O|I:adler32");
///
/// fn adler32(args: Args<'_, '_>) -> legacy_buffer::Result<u32> {
///     let (_obj, start): (Borrowed, Option<u32>) = args.parse(py_format!("O|I:adler32"))?;
///     Ok(start.unwrap_or(1))
/// }
/// ```
///
/// ```compile_fail,E0080
/// let format = legacy_buffer::py_format!("es#"); // 'e' is not a supported unit
/// ```
#[macro_export]
macro_rules! py_format {
    ($text:expr) => {{
        struct __PyFormat;
        impl $crate::extension::FormatText for __PyFormat {
            const TEXT: &'static str = $text;
        }
        // Read here: an invalid format fails to compile where it is
        // written, whether it is used or not.
        const _: () =
            if let ::core::option::Option::Some(error) = $crate::extension::__format_error($text) {
                ::core::panic!("{}", error)
            };
        __PyFormat
    }};
}

/// What is wrong with `text` as a format, if anything (for
/// [`py_format!`], which reads it while the program compiles).
#[doc(hidden)]
pub const fn __format_error(text: &str) -> Option<&'static str> {
    match Format::read(text) {
        Ok(_) => None,
        Err(e) => Some(e.message()),
    }
}

/// A format string made at run time: [`Args::parser_checked_at_run_time`].
#[derive(Clone, Copy, Debug)]
pub struct RunTimeFormat<'t>(&'t str);

/// Arguments to parse with one format: [`Args::parser`].
#[must_use = "a parser does nothing until parsed"]
pub struct Parser<'f, 'a, 'py, F> {
    args: Args<'a, 'py>,
    format: F,
    types: &'f [&'f Object<'py>],
}

impl<'f, 'a, 'py, F> Parser<'f, 'a, 'py, F> {
    /// The type objects of the format's `O!` units, in order: `O!` takes an
    /// instance of its type (or a subtype), and fails with `"must be
    /// <type>, not <type>"`. Anything but a type object, or a count that
    /// differs from the `O!` units', is a `SystemError`.
    ///
    /// ```
    /// use legacy_buffer::extension::Args;
    /// use legacy_buffer::{py_format, with_gil, Borrowed};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let list_type = py.eval("list")?;
    ///     let tuple = py.eval("([1, 2],)")?;
    ///     let args = Args::from_tuple(&tuple)?;
    ///     let parser = args.parser(py_format!("O!:f"));
    ///     let (seq,): (Borrowed<'_, '_>,) = parser.types(&[&list_type]).parse()?;
    ///     assert_eq!(seq.repr()?, "[1, 2]");
    ///     let dict_type = py.eval("dict")?;
    ///     let parser = args.parser(py_format!("O!:f"));
    ///     let e = parser.types(&[&dict_type]).parse::<(Borrowed<'_, '_>,)>();
    ///     assert_eq!(e.err().unwrap().message(), "f() argument 1 must be dict, not list");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    #[inline]
    pub fn types<'t>(self, types: &'t [&'t Object<'py>]) -> Parser<'t, 'a, 'py, F>
    where
        'f: 't,
    {
        Parser {
            args: self.args,
            format: self.format,
            types,
        }
    }

    /// Parse as `PyArg_ParseTupleAndKeywords(args, kwargs, format, names,
    /// ...)` does instead: each unit's argument by position or by the name
    /// at the same index of `names` (as many as units).
    ///
    /// The values of keyword arguments are borrowed from the parser, which
    /// holds a reference to each: the keyword dict, unlike the argument
    /// tuple, could be emptied by Python code while the function runs
    /// (`gc.get_referrers` finds it), so bind the parser to a variable.
    /// Give it the `O!` types afterwards ([`KeywordParser::types`], which
    /// keeps references of its own), so that it borrows no temporary.
    ///
    /// ```
    /// use legacy_buffer::extension::Args;
    /// use legacy_buffer::{py_format, with_gil, Buffer};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let (tuple, kwargs) = (py.eval("('data',)")?, py.eval("{'level': 6}")?);
    ///     let args = Args::from_tuple_and_dict(&tuple, Some(&kwargs))?;
    ///     let parser = args.parser(py_format!("s#|i:compress")).keywords(&["data", "level"]);
    ///     let (data, level): (Buffer<'_>, Option<i32>) = parser.parse()?;
    ///     assert_eq!((data.as_bytes(), level), (Some(&b"data"[..]), Some(6)));
    ///
    ///     let (tuple, kwargs) = (py.eval("()")?, py.eval("{'data': 'x', 'levle': 6}")?);
    ///     let args = Args::from_tuple_and_dict(&tuple, Some(&kwargs))?;
    ///     let parser = args.parser(py_format!("s#|i:compress")).keywords(&["data", "level"]);
    ///     let e = parser.parse::<(Buffer<'_>, Option<i32>)>().unwrap_err();
    ///     // Each line's words, as its getargs.c words them.
    ///     let expected = if !legacy_buffer::ffi::PY3 {
    ///         "'levle' is an invalid keyword argument for this function"
    ///     } else if legacy_buffer::ffi::PY_VERSION_HEX < 0x030D_0000 {
    ///         "'levle' is an invalid keyword argument for compress()"
    ///     } else {
    ///         "compress() got an unexpected keyword argument 'levle'. Did you mean 'level'?"
    ///     };
    ///     assert_eq!(e.message(), expected);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn keywords<'k>(self, names: &'k [&'k str]) -> KeywordParser<'k, 'a, 'py, F>
    where
        'f: 'k,
    {
        KeywordParser {
            args: self.args,
            format: self.format,
            names,
            types: self.types.iter().map(|t| t.clone_ref()).collect(),
            kept: RefCell::new(Vec::new()),
        }
    }
}

impl<'a, 'py, F: FormatText> Parser<'_, 'a, 'py, F> {
    /// Parse as `PyArg_ParseTuple` does: see [`Args::parse`]. The format
    /// is checked against `T` while the program compiles.
    #[inline(always)]
    pub fn parse<T: FromArgs<'a, 'py>>(self) -> Result<T> {
        const { format::check_or_panic(Compiled::<F>::FORMAT, T::DESTINATIONS) };
        parse_tuple(self.args, Compiled::<F>::FORMAT, self.types)
    }
}

impl<'a, 'py> Parser<'_, 'a, 'py, RunTimeFormat<'_>> {
    /// Parse as `PyArg_ParseTuple` does: see [`Args::parse`]. The format
    /// is read and checked against `T` first, a `SystemError` if either
    /// does not fit: see [`Args::parse_checked_at_run_time`].
    #[inline]
    pub fn parse<T: FromArgs<'a, 'py>>(self) -> Result<T> {
        let format = self.format.checked::<T>()?;
        parse_tuple(self.args, &format, self.types)
    }
}

impl<'t> RunTimeFormat<'t> {
    /// The format, read and checked against `T`.
    fn checked<'a, 'py, T: FromArgs<'a, 'py>>(self) -> Result<Format<'t>> {
        let format = Format::read_at_run_time(self.0)?;
        match format::check(&format, T::DESTINATIONS) {
            Ok(()) => Ok(format),
            Err(mismatch) => Err(mismatch.error(&format, T::DESTINATIONS)),
        }
    }
}

/// `PyArg_ParseTuple`'s parse of `args` with `format`, checked against `T`.
#[inline(always)]
fn parse_tuple<'a, 'py, T: FromArgs<'a, 'py>>(
    args: Args<'a, 'py>,
    format: &Format<'_>,
    types: &[&Object<'py>],
) -> Result<T> {
    let py = args.py();
    let given = args.len();
    if given < format.required() || given > format.units().len() {
        return Err(tuple_count_error(py, format, given));
    }
    let values = if format.type_count() == 0 && types.is_empty() {
        T::extract_positional(Positional::new(format, args, &[]))?
    } else {
        let types = type_pointers::<8>(format, types.iter().copied())?;
        T::extract_positional(Positional::new(format, args, types.as_slice()))?
    };
    if !format.runs_code(given) {
        return Ok(values);
    }
    no_stray_exception(py, values)
}

/// Arguments to parse with keywords: [`Parser::keywords`]. Holds a
/// reference to each keyword argument it parsed until dropped.
#[must_use = "a parser does nothing until parsed"]
pub struct KeywordParser<'k, 'a, 'py, F> {
    args: Args<'a, 'py>,
    format: F,
    names: &'k [&'k str],
    types: Vec<Object<'py>>,
    /// A reference to each keyword argument parsed, kept for the values
    /// borrowed from it and released when the parser drops.
    kept: RefCell<Vec<*mut ffi::PyObject>>,
}

impl<F> Drop for KeywordParser<'_, '_, '_, F> {
    fn drop(&mut self) {
        for obj in self.kept.get_mut().drain(..) {
            // SAFETY: one reference each, taken by the parse; the GIL is
            // held while the parser ('py) lives.
            unsafe { ffi::Py_DECREF(obj) };
        }
    }
}

impl<'py, F> KeywordParser<'_, '_, 'py, F> {
    /// The type objects of the format's `O!` units: see [`Parser::types`].
    /// The parser keeps a reference to each.
    pub fn types(mut self, types: &[&Object<'py>]) -> Self {
        self.types = types.iter().map(|t| t.clone_ref()).collect();
        self
    }

    fn parse_with<'p, T: FromArgs<'p, 'py>>(&'p self, format: &Format<'_>) -> Result<T> {
        let py = self.args.py();
        let types = type_pointers::<8>(format, self.types.iter())?;
        let units = format.units().len();
        if self.names.len() != units {
            return Err(programming_error(
                format,
                &format!("{} keyword names for {units} units", self.names.len()),
            ));
        }
        if let Some(name) = self.names.iter().find(|n| n.contains('\0')) {
            return Err(programming_error(
                format,
                &format!("the keyword name {name:?} holds a NUL"),
            ));
        }
        let dict = self
            .args
            .kwargs()
            .map_or(std::ptr::null_mut(), |d| d.as_ptr());
        // SAFETY: a valid object (Args' contract), GIL held.
        if !dict.is_null() && unsafe { ffi::PyDict_Check(dict) } == 0 {
            return Err(programming_error(
                format,
                "the keyword arguments are not a dict",
            ));
        }
        let left = if dict.is_null() {
            0
        } else {
            // SAFETY: a dict, GIL held.
            unsafe { ffi::PyDict_Size(dict) }
        };
        let given = self.args.len() as isize + left;
        if given > units as isize {
            let (name, _) = format.keywords_suffix();
            // Python 3 says "keyword arguments" when all were given so.
            let keyword = if ffi::PY3 && self.args.is_empty() {
                "keyword "
            } else {
                ""
            };
            let message = format!(
                "{}{} takes at most {units} {keyword}argument{} ({given} given)",
                name.unwrap_or("function"),
                if name.is_some() { "()" } else { "" },
                plural(units),
            );
            return Err(raise(py, ffi_type_error(), message.as_bytes()));
        }
        let mut source = Source::new(
            format,
            self.args,
            types.as_slice(),
            self.names,
            (dict, left),
            &self.kept,
        );
        let values = T::extract(&mut source)?;
        source.unknown_keywords()?;
        no_stray_exception(py, values)
    }
}

impl<'py, F: FormatText> KeywordParser<'_, '_, 'py, F> {
    /// Parse as `PyArg_ParseTupleAndKeywords` does: the same checks in the
    /// same order as the C parser, failing with the same exception type and
    /// message (`"Argument given by name ('level') and position (2)"`,
    /// `"Required argument 'data' (pos 1) not found"`, `"'levle' is an
    /// invalid keyword argument for this function"`, ...). The values
    /// borrow the parser (see [`Parser::keywords`]). The format is checked
    /// against `T` while the program compiles, as [`Args::parse`] checks
    /// it; a count of names other than the units' is a `SystemError`.
    pub fn parse<'p, T: FromArgs<'p, 'py>>(&'p self) -> Result<T> {
        const { format::check_or_panic(Compiled::<F>::FORMAT, T::DESTINATIONS) };
        let format = Compiled::<F>::FORMAT;
        // No keyword given, and every required unit and no more given by
        // position: CPython's `PyArg_ParseTupleAndKeywords` then converts
        // exactly as `PyArg_ParseTuple` does, and neither can fail on the
        // count, so the positional parser (checked while compiling) does
        // the work. (Not on PyPy, whose two C functions word some errors
        // differently: "f() argument 2 must be string" against "must be
        // string".)
        if !ffi::PYPY
            && self.types.is_empty()
            && self.names.len() == format.units().len()
            && self.args.len() >= format.required()
            && self.args.len() <= format.units().len()
            && self.no_keywords()
        {
            return parse_tuple(self.args, format, &[]);
        }
        self.parse_with(format)
    }

    /// Whether no keyword argument was passed (no dict, or an empty one).
    #[inline]
    fn no_keywords(&self) -> bool {
        match self.args.kwargs() {
            None => true,
            // SAFETY: the object Python passed as the keywords (a dict;
            // checked before sizing), GIL held.
            Some(d) => unsafe {
                ffi::PyDict_Check(d.as_ptr()) != 0 && ffi::PyDict_Size(d.as_ptr()) == 0
            },
        }
    }
}

impl<'py> KeywordParser<'_, '_, 'py, RunTimeFormat<'_>> {
    /// Parse as `PyArg_ParseTupleAndKeywords` does, with the format read
    /// and checked against `T` first: see [`Args::parse_checked_at_run_time`].
    pub fn parse<'p, T: FromArgs<'p, 'py>>(&'p self) -> Result<T> {
        let format = self.format.checked::<T>()?;
        self.parse_with(&format)
    }
}

/// A tuple of [`FromArg`] types, one per format unit (up to 12), or `()`
/// for a format without units. Sealed.
pub trait FromArgs<'a, 'py>: Sized + sealed::Sealed {
    /// What each type takes, for checking them against the units.
    #[doc(hidden)]
    const DESTINATIONS: &'static [Destination];
    /// Take each unit's value, in order.
    #[doc(hidden)]
    fn extract(source: &mut Source<'_, 'a, 'py>) -> Result<Self>;
    /// Take each unit's value, in order, by position only.
    #[doc(hidden)]
    fn extract_positional(source: Positional<'_, 'a, 'py>) -> Result<Self>;
}

mod sealed {
    pub trait Sealed {}
}

/// What `T` takes, for checking it against its unit.
const fn destination<'a, 'py, T: FromArg<'a, 'py>>() -> Destination {
    Destination {
        units: T::UNITS,
        optional: T::OPTIONAL,
        name: std::any::type_name::<T>,
    }
}

macro_rules! from_args {
    ($($t:ident),+) => {
        impl<$($t),+> sealed::Sealed for ($($t,)+) {}
        impl<'a, 'py, $($t: FromArg<'a, 'py>),+> FromArgs<'a, 'py> for ($($t,)+) {
            const DESTINATIONS: &'static [Destination] = &[$(destination::<$t>()),+];
            #[inline(always)]
            fn extract(source: &mut Source<'_, 'a, 'py>) -> Result<Self> {
                Ok(($(source.next::<$t>()?,)+))
            }
            #[inline(always)]
            #[allow(unused_assignments)] // the last unit's `i += 1`
            fn extract_positional(source: Positional<'_, 'a, 'py>) -> Result<Self> {
                let mut i = 0;
                Ok(($({
                    let value = source.take::<$t>(i)?;
                    i += 1;
                    value
                },)+))
            }
        }
    };
}

from_args!(A);
from_args!(A, B);
from_args!(A, B, C);
from_args!(A, B, C, D);
from_args!(A, B, C, D, E);
from_args!(A, B, C, D, E, F);
from_args!(A, B, C, D, E, F, G);
from_args!(A, B, C, D, E, F, G, H);
from_args!(A, B, C, D, E, F, G, H, I);
from_args!(A, B, C, D, E, F, G, H, I, J);
from_args!(A, B, C, D, E, F, G, H, I, J, K);
from_args!(A, B, C, D, E, F, G, H, I, J, K, L);

impl sealed::Sealed for () {}
impl<'a, 'py> FromArgs<'a, 'py> for () {
    const DESTINATIONS: &'static [Destination] = &[];
    #[inline]
    fn extract(_source: &mut Source<'_, 'a, 'py>) -> Result<Self> {
        Ok(())
    }
    #[inline]
    fn extract_positional(_source: Positional<'_, 'a, 'py>) -> Result<Self> {
        Ok(())
    }
}

/// The type objects for the `O!` units, checked: as many as there are, each
/// a type. Kept in a small array, as raw pointers the caller's borrows (or
/// references) keep alive.
fn type_pointers<'t, 'py: 't, const N: usize>(
    format: &Format<'_>,
    types: impl ExactSizeIterator<Item = &'t Object<'py>>,
) -> Result<TypePointers<N>> {
    let wanted = format.type_count();
    if types.len() != wanted {
        return Err(programming_error(
            format,
            &format!("{wanted} O! units, but {} types given", types.len()),
        ));
    }
    if wanted > N {
        return Err(programming_error(
            format,
            &format!("more than {N} O! units"),
        ));
    }
    let mut pointers = TypePointers {
        types: [std::ptr::null_mut(); N],
        len: 0,
    };
    for (i, ty) in types.enumerate() {
        // SAFETY: a valid object, GIL held.
        if unsafe { ffi::PyType_Check(ty.as_ptr()) } == 0 {
            return Err(programming_error(
                format,
                &format!("type {} for O! is a {}, not a type", i + 1, ty.type_name()),
            ));
        }
        pointers.types[i] = ty.as_ptr().cast();
        pointers.len += 1;
    }
    Ok(pointers)
}

struct TypePointers<const N: usize> {
    types: [*mut ffi::PyTypeObject; N],
    len: usize,
}

impl<const N: usize> TypePointers<N> {
    fn as_slice(&self) -> &[*mut ffi::PyTypeObject] {
        &self.types[..self.len]
    }
}

/// A successful parse that left an exception set (a conversion calling C
/// code that misbehaved) is a `SystemError`, so none is left set.
#[inline]
fn no_stray_exception<T>(py: Python<'_>, values: T) -> Result<T> {
    // SAFETY: GIL held; reads the thread state's indicator.
    if unsafe { ffi::PyErr_Occurred() }.is_null() {
        return Ok(values);
    }
    let error = Error::result_with_exception_set(py, "PyArg_ParseTuple");
    // Released after the exception is fetched: releasing may run code.
    drop(values);
    Err(error)
}
