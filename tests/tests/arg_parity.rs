//! legacy-buffer's argument parser ([`Args::parse`], `Parser`,
//! `KeywordParser`) against the real `PyArg_ParseTuple` and
//! `PyArg_ParseTupleAndKeywords`, which the `argparity` test module
//! (`tests/c/argparity.c`) calls with a format chosen at run time.
//!
//! Every case is a format (with its keyword names and `O!` types) and the
//! arguments to parse, Python expressions evaluated afresh for each side
//! (a hostile exporter changes with every proc call). Both sides describe
//! what they got the same way, one string per unit (see argparity.c), or
//! the exception, by type and exact message bytes; the two must be equal.
//! `LEGACY_BUFFER_SHOW_CASES=1` (with `--nocapture`) prints every case.
//!
//! Deliberate differences, counted apart and checked to be exactly these:
//! where an exporter's buffer proc succeeds but leaves an exception set
//! (`hostile.Stray`), the C parser succeeds and passes the exception on,
//! and legacy-buffer fails with a `SystemError` naming the stray exception
//! (its calls never leave an exception set); where a proc gives a NULL
//! pointer with a length (`hostile.NullPointer`), the C parser hands that
//! out, and legacy-buffer fails with a `SystemError` (it never makes a
//! slice of no memory); where a read proc returns a length so negative
//! that getargs.c's `getbuffer()`, which returns a `Py_ssize_t` as an
//! `int`, sees it positive (`hostile.HugeLength` for `s*` and `z*`), the C
//! parser succeeds with its `Py_buffer` unfilled (uninitialised memory, in
//! a real extension), and legacy-buffer fails as getargs.c meant to, with
//! `"must be convertible to a buffer"`. On Python 3, where `y` of an
//! exporter other than bytes has no NUL inside its memory, the C parser's
//! `strlen` reads on past the end (and succeeds if a NUL happens to follow),
//! and legacy-buffer fails with a `SystemError`, as it cannot lend that
//! memory as a C string.

use legacy_buffer::extension::{Args, View};
use legacy_buffer::{ffi, py_format, with_gil, Borrowed, Buffer, Error, Object, Python};
use legacy_buffer_tests::modules::MODULES_DIR;
use legacy_buffer_tests::oracle::assert_clear;
use std::ffi::{c_int, c_long, c_uint, c_ulong, CStr};
use std::fmt::Write as _;

/// Larger buffers are described by length (as argparity.c does).
const MAX_COPY: usize = 1 << 24;

// ---------------------------------------------------------------------------
// Python: the module, helper types, and the C side of each case
// ---------------------------------------------------------------------------

/// The Python code both lines run first (Python 2 and 3 alike): the
/// modules, helper types, and `c_parse`, the C side of each case, which
/// describes an exception with the line's `exc_name` and `hexed` (the
/// line's `SETUP`, run after this).
const SHARED_SETUP: &str = r#"
import array, ctypes, mmap, sys, warnings
if MODULES_DIR not in sys.path:
    sys.path.insert(0, MODULES_DIR)
import argparity

class Index(object):
    def __index__(self): return 7
class Int(object):
    def __int__(self): return 7
class IntLong(object):
    def __int__(self): return 2 ** 70
class IntRaises(object):
    def __int__(self): raise ValueError('__int__ refused')
class IntNotInt(object):
    def __int__(self): return 'seven'
class Float(object):
    def __float__(self): return 2.5
class FloatSub(float): pass
class IntSub(int): pass
class StrSub(str): pass
class ByteArraySub(bytearray): pass
class AVeryLongClassNameThatGoesOnAndOnForMoreThanFiftyCharacters(object): pass

def mapped(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    return m

def closed_mmap():
    m = mapped(b'gone')
    m.close()
    return m

def c_parse(fmt, args, kwargs, kwlist, types):
    try:
        outputs, stray = argparity.parse(fmt, args, kwargs, kwlist, types)
    except BaseException as e:
        return 'raise %s %s' % (exc_name(type(e)), hexed(str(e)))
    result = ' '.join(('ok',) + outputs)
    if stray is not None:
        result = 'stray %s %s | %s' % (stray[0], hexed(str(stray[1])), result)
    return result
"#;

/// Arguments for the one-unit formats that both lines write alike (each is
/// parsed as a 1-tuple): integers at every C width's limits, floats,
/// things with `__int__`, `__index__`, `__float__`, non-exporters. Each
/// line adds its own (`line::VALUES`: Python 2's longs, str and unicode,
/// buffer objects, hostile exporters; Python 3's bytes and text).
const SHARED_VALUES: &[&str] = &[
    // integers at the limits of each width
    "0",
    "1",
    "-1",
    "True",
    "False",
    "IntSub(5)",
    "127",
    "128",
    "-128",
    "-129",
    "255",
    "256",
    "32767",
    "32768",
    "-32768",
    "-32769",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551616",
    "2 ** 100",
    "-(2 ** 100)",
    // floats
    "0.0",
    "1.5",
    "-1.5",
    "2.0",
    "1e300",
    "-1e300",
    "3.4e38",
    "3.5e38",
    "1e-50",
    "float('inf')",
    "float('nan')",
    "FloatSub(2.5)",
    // conversions by method
    "Index()",
    "Int()",
    "IntLong()",
    "IntRaises()",
    "IntNotInt()",
    "Float()",
    // str (text)
    "''",
    "'a'",
    "'ab'",
    "'a\\x00b'",
    "'\\x00'",
    "StrSub('sub')",
    // other bytes-like objects
    "bytearray()",
    "array.array('b', [1, 2, 3])",
    "array.array('i', [1, -1])",
    "array.array('d')",
    "closed_mmap()",
    "ctypes.c_int(5)",
    // everything else
    "None",
    "[]",
    "[1]",
    "()",
    "{}",
    "object()",
    "int",
    "list",
    "AVeryLongClassNameThatGoesOnAndOnForMoreThanFiftyCharacters()",
];

/// Argument tuples for the formats of several units, both lines' (each
/// line adds its own, `line::TUPLES`).
const SHARED_TUPLES: &[&str] = &[
    "()",
    "(1,)",
    "(1, 2)",
    "(1, 2, 3)",
    "(1, 2, 3, 4)",
    "(1, 2, 3, 4, 5, 6, 7, 8, 9)",
    "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)",
    "('a',)",
    "('a', 1)",
    "('a', 'b')",
    "('abc', 9)",
    "(None,)",
    "(None, None)",
    "(None, None, None)",
    "('a\\x00', 'b', 'c')",
    "([1], {})",
    "([1], [2])",
    "({}, [])",
    "('x', 1.5)",
    "(1.5, 2)",
    "(Int(), Index())",
    "(IntRaises(), 1)",
    "(255, -1, 65535, 2 ** 31, -1, 2 ** 64 - 1, -2 ** 63, 2 ** 64, 2 ** 62)",
    "(1, 'two', 3.0, None)",
];

/// (positional, keyword) arguments for the keyword formats, both lines'
/// (each line adds its own, `line::KEYWORD_CALLS`).
const SHARED_KEYWORD_CALLS: &[(&str, &str)] = &[
    ("()", "None"),
    ("()", "{}"),
    ("(1,)", "None"),
    ("(1,)", "{}"),
    ("(1, 2)", "{}"),
    ("(1, 2, 3)", "{}"),
    ("(1, 2, 3, 4)", "{}"),
    ("('x',)", "{}"),
    ("()", "{'a': 1}"),
    ("()", "{'a': 1, 'b': 2}"),
    ("(1,)", "{'a': 2}"),
    ("(1,)", "{'b': 2}"),
    ("(1, 2)", "{'b': 3}"),
    ("()", "{'b': 1}"),
    ("(1,)", "{'c': 1}"),
    ("(1,)", "{1: 2}"),
    ("(1,)", "{'b\\x00x': 1}"),
    ("()", "{'a\\x00x': 1}"),
    ("(1,)", "{'q\\xff': 1}"),
    ("()", "{'a': 'x'}"),
    ("()", "{'a': 1, 'b': 'x'}"),
    ("()", "{'a': 1, 'b': None}"),
    ("()", "{'data': 'd', 'level': 9}"),
    ("()", "{'level': 1}"),
    ("([1],)", "{'n': 2}"),
    ("()", "{'seq': [1], 'n': 2}"),
    ("()", "{'seq': (1,)}"),
    ("()", "{'x': 1, 'z': 3}"),
    ("(1,)", "{'z': 3, 'y': 2}"),
    ("()", "{'y': 2}"),
    ("(None,)", "{'dst': bytearray(1)}"),
    ("(1, 2)", "{'x': 1}"),
    ("()", "{'data': None}"),
    ("(None,)", "{}"),
    ("()", "{'src': None, 'dst': bytearray(2)}"),
    ("()", "{'a': 1, 'b': 2, 'c': 3}"),
    ("([],)", "{}"),
    ("((),)", "{'n': 1}"),
];

const WARNINGS_AS_ERRORS: &str = r#"
saved_filters = warnings.filters[:]
for registry in (globals(), sys.__dict__):
    registry.pop('__warningregistry__', None)
warnings.simplefilter('error', DeprecationWarning)
"#;

// ---------------------------------------------------------------------------
// Describing what the Rust parser gave, as argparity.c describes its outputs
// ---------------------------------------------------------------------------

/// For one unit: whether it may be missing, and the object given for it
/// (by position or keyword), for the identity check of object units.
#[derive(Clone, Copy)]
struct Context {
    optional: bool,
    input: *mut ffi::PyObject,
    /// A `*` unit (`s*`, `z*`, `w*`): argparity.c describes its
    /// `Py_buffer`, readonly flag included.
    star: bool,
}

trait Describe {
    fn describe(&self, context: &Context) -> String;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn bytes(prefix: &str, bytes: &[u8], suffix: &str) -> String {
    format!("{prefix}{}{suffix}", hex(bytes))
}

impl Describe for &CStr {
    fn describe(&self, _: &Context) -> String {
        bytes("b", self.to_bytes(), "")
    }
}

impl Describe for Buffer<'_> {
    fn describe(&self, context: &Context) -> String {
        if self.len() > MAX_COPY {
            return format!("len{}", self.len());
        }
        // SAFETY: read as argparity.c reads the C parser's pointer: right
        // after the parse, before any Python code runs (no case changes a
        // buffer of one argument while converting another).
        let memory = unsafe { self.as_slice_unchecked() };
        if !context.star {
            return bytes("b", memory, "");
        }
        let readonly = if self.readonly() { "/1" } else { "/0" };
        bytes("v", memory, readonly)
    }
}

macro_rules! describe_integers {
    ($($t:ty),*) => {$(
        impl Describe for $t {
            fn describe(&self, _: &Context) -> String {
                format!("i{self}")
            }
        }
    )*};
}
describe_integers!(u8, i16, u16, c_int, c_uint, i64, u64, isize);

impl Describe for f32 {
    fn describe(&self, _: &Context) -> String {
        format!("f{}", f64::from(*self).to_bits() as i64)
    }
}

impl Describe for f64 {
    fn describe(&self, _: &Context) -> String {
        format!("f{}", self.to_bits() as i64)
    }
}

fn describe_object(object: &Object<'_>, context: &Context) -> String {
    let same = if object.as_ptr() == context.input {
        '='
    } else {
        '!'
    };
    format!("o{same}{}", object.type_name())
}

impl Describe for Borrowed<'_, '_> {
    fn describe(&self, context: &Context) -> String {
        describe_object(self, context)
    }
}

impl Describe for Object<'_> {
    fn describe(&self, context: &Context) -> String {
        describe_object(self, context)
    }
}

impl<T: Describe> Describe for Option<T> {
    fn describe(&self, context: &Context) -> String {
        match self {
            None if context.optional => "-".to_owned(),
            None => "None".to_owned(),
            Some(v) => v.describe(&Context {
                optional: false,
                ..*context
            }),
        }
    }
}

trait DescribeAll {
    fn describe_all(&self, contexts: &[Context]) -> Vec<String>;
}

impl DescribeAll for () {
    fn describe_all(&self, _: &[Context]) -> Vec<String> {
        Vec::new()
    }
}

macro_rules! describe_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Describe),+> DescribeAll for ($($t,)+) {
            fn describe_all(&self, contexts: &[Context]) -> Vec<String> {
                vec![$(self.$i.describe(&contexts[$i])),+]
            }
        }
    };
}
describe_tuple!(A 0);
describe_tuple!(A 0, B 1);
describe_tuple!(A 0, B 1, C 2);
describe_tuple!(A 0, B 1, C 2, D 3);
describe_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);

// ---------------------------------------------------------------------------
// The formats, each with the Rust types it is parsed into
// ---------------------------------------------------------------------------

/// Parse `args` (keyword names, `O!` types) with one format into its Rust
/// types, and describe the result.
type Parse = for<'a, 'py> fn(
    Args<'a, 'py>,
    &[&Object<'py>],
    Option<&[&str]>,
    &[Context],
) -> Result<Vec<String>, Error>;

struct Format {
    text: &'static str,
    keywords: Option<&'static [&'static str]>,
    /// A Python expression: the tuple of `O!` types.
    types: &'static str,
    parse: Parse,
}

macro_rules! formats {
    ($($text:literal $([$($kw:literal),*])? $(types $types:literal)? => $ty:ty;)*) => {
        vec![$(Format {
            text: $text,
            keywords: formats!(@keywords $([$($kw),*])?),
            types: formats!(@types $($types)?),
            parse: {
                fn parse<'a, 'py>(
                    args: Args<'a, 'py>,
                    types: &[&Object<'py>],
                    keywords: Option<&[&str]>,
                    contexts: &[Context],
                ) -> Result<Vec<String>, Error> {
                    match keywords {
                        None => args
                            .parser(py_format!($text))
                            .types(types)
                            .parse::<$ty>()
                            .map(|v| v.describe_all(contexts)),
                        Some(names) => {
                            let parser = args.parser(py_format!($text)).keywords(names).types(types);
                            let described = parser
                                .parse::<$ty>()
                                .map(|v| v.describe_all(contexts));
                            described
                        }
                    }
                }
                parse
            },
        }),*]
    };
    (@keywords [$($kw:literal),*]) => { Some(&[$($kw),*]) };
    (@keywords) => { None };
    (@types $types:literal) => { $types };
    (@types) => { "()" };
}

// The line's corpus: Python 2's values and units, or Python 3's.
#[cfg(not(Py_3))]
#[path = "arg_parity/python2.rs"]
mod line;
#[cfg(Py_3)]
#[path = "arg_parity/python3.rs"]
mod line;
use line::{
    DELIBERATE_EXPORTERS, DELIBERATE_UNITS, FLOATS, KEYWORD_CALLS, MIN_CASES, SETUP, TUPLES, VALUES,
};

/// One unit each, parsed with `PyArg_ParseTuple`, over the line's `VALUES`: the formats both lines take, then the line's own.
fn one_unit_formats() -> Vec<Format> {
    let mut formats = formats! {
        "s" => (&CStr,);
        "s#" => (Buffer<'_>,);
        "s*" => (View<'_>,);
        "z" => (Option<&CStr>,);
        "z#" => (Option<Buffer<'_>>,);
        "z*" => (Option<View<'_>>,);
        "w*" => (View<'_>,);
        "c" => (u8,);
        "b" => (u8,);
        "B" => (u8,);
        "h" => (i16,);
        "H" => (u16,);
        "i" => (c_int,);
        "I" => (c_uint,);
        "l" => (c_long,);
        "k" => (c_ulong,);
        "L" => (i64,);
        "K" => (u64,);
        "n" => (isize,);
        "f" => (f32,);
        "d" => (f64,);
        "O" => (Borrowed<'_, '_>,);
        "O!" types "(int,)" => (Borrowed<'_, '_>,);
        "S" => (Borrowed<'_, '_>,);
        "U" => (Object<'_>,);
        "s#:named" => (Buffer<'_>,);
        "w*:named" => (View<'_>,);
        "i:named" => (c_int,);
        "z;a custom message" => (Option<&CStr>,);
        "|k:optional" => (Option<c_ulong>,);
        "|z#:optional" => (Option<Option<Buffer<'_>>>,);
    };
    formats.extend(line::one_unit_formats());
    formats
}

/// Several units, parsed with `PyArg_ParseTuple`, over the line's `TUPLES`: the formats both lines take, then the line's own.
fn tuple_formats() -> Vec<Format> {
    let mut formats = formats! {
        "" => ();
        ":noargs" => ();
        ";takes nothing" => ();
        "ii" => (c_int, c_int);
        "ii:pair" => (c_int, c_int);
        "ii;two integers, please" => (c_int, c_int);
        "i|i" => (c_int, Option<c_int>);
        "|ii:f" => (Option<c_int>, Option<c_int>);
        "s#|i:compress" => (Buffer<'_>, Option<c_int>);
        "O|I:adler32" => (Borrowed<'_, '_>, Option<c_uint>);
        "Oi:count" => (Borrowed<'_, '_>, c_int);
        "OO:xor_into" => (Borrowed<'_, '_>, Borrowed<'_, '_>);
        "O:length" => (Borrowed<'_, '_>,);
        "i|s#z:name" => (c_int, Option<Buffer<'_>>, Option<Option<&CStr>>);
        "s*|w*:views" => (View<'_>, Option<View<'_>>);
        "z#z*|zd:opt" => (Option<Buffer<'_>>, Option<View<'_>>, Option<Option<&CStr>>, Option<f64>);
        "O!|O!:types" types "(list, dict)" => (Borrowed<'_, '_>, Option<Borrowed<'_, '_>>);
        "cS|U" => (u8, Object<'_>, Option<Borrowed<'_, '_>>);
        "BhHIkLKnl:nine" => (u8, i16, u16, c_uint, c_ulong, i64, u64, isize, c_long);
        "bhHIkLKnl:nine" => (u8, i16, u16, c_uint, c_ulong, i64, u64, isize, c_long);
        "ssz:strings" => (&CStr, &CStr, Option<&CStr>);
        "i;x:f" => (c_int,);
        "i:f;x" => (c_int,);
        "|O:f" => (Option<Borrowed<'_, '_>>,);
    };
    formats.extend(line::tuple_formats());
    formats
}

/// `PyArg_ParseTupleAndKeywords`, over the line's `KEYWORD_CALLS`: the formats both lines take, then the line's own.
fn keyword_formats() -> Vec<Format> {
    let mut formats = formats! {
        "i|i" ["a", "b"] => (c_int, Option<c_int>);
        "i|i:f" ["a", "b"] => (c_int, Option<c_int>);
        "i|i;custom message" ["a", "b"] => (c_int, Option<c_int>);
        "i;x:f" ["a"] => (c_int,);
        "|ii" ["a", "b"] => (Option<c_int>, Option<c_int>);
        "s#|i:compress" ["data", "level"] => (Buffer<'_>, Option<c_int>);
        "O|ii:f" ["x", "y", "z"] => (Borrowed<'_, '_>, Option<c_int>, Option<c_int>);
        "|s#z:g" ["a", "b"] => (Option<Buffer<'_>>, Option<Option<&CStr>>);
        "O!|i:h" ["seq", "n"] types "(list,)" => (Borrowed<'_, '_>, Option<c_int>);
        "z*|w*:views" ["src", "dst"] => (Option<View<'_>>, Option<View<'_>>);
        "" [] => ();
        ":nothing" [] => ();
    };
    formats.extend(line::keyword_formats());
    formats
}

/// The integer units while warnings are errors, over the line's `FLOATS`: the formats both lines take, then the line's own.
fn warning_formats() -> Vec<Format> {
    let mut formats = formats! {
        "L" => (i64,);
        "L:named" => (i64,);
        "i" => (c_int,);
    };
    formats.extend(line::warning_formats());
    formats
}

// ---------------------------------------------------------------------------
// Running the cases
// ---------------------------------------------------------------------------

/// One case: a format and the Python expressions of its arguments.
struct Case<'f> {
    format: &'f Format,
    args: String,
    kwargs: String,
}

#[derive(Default)]
struct Tally {
    agreed: usize,
    deliberate: Vec<String>,
    failures: Vec<String>,
}

/// The units of a format before `|`, and in all.
fn unit_counts(format: &str) -> (usize, usize) {
    let units = format.split([':', ';']).next().unwrap_or("");
    let letters = |s: &str| s.chars().filter(char::is_ascii_alphabetic).count();
    let all = letters(units);
    let required = units.split('|').next().map_or(all, letters);
    (required, all)
}

/// For each unit of `format`, whether it is a `*` unit.
fn star_units(format: &str) -> Vec<bool> {
    let units: Vec<char> = format
        .split([':', ';'])
        .next()
        .unwrap_or("")
        .chars()
        .collect();
    (0..units.len())
        .filter(|&i| units[i].is_ascii_alphabetic())
        .map(|i| units.get(i + 1) == Some(&'*'))
        .collect()
}

/// The C parser's outcome, from `c_parse`.
fn c_outcome(py: Python<'_>, case: &Case<'_>) -> String {
    let kwlist = match case.format.keywords {
        None => "None".to_owned(),
        Some(names) => format!("{names:?}"),
    };
    let expr = format!(
        "c_parse({:?}, {}, {}, {kwlist}, {})",
        case.format.text, case.args, case.kwargs, case.format.types
    );
    let result = py.eval(&expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    assert_clear(py, &expr);
    let text = result.native_str_bytes().expect("a str");
    let text = String::from_utf8(text.to_vec()).expect("ASCII");
    readable(&text)
}

/// argparity's `raise <type> <hex>` and `stray <type> <hex> | ok ...`
/// with the message decoded (and escaped).
fn readable(text: &str) -> String {
    if let Some((name, message)) = text.strip_prefix("raise ").and_then(|r| r.split_once(' ')) {
        return format!("raise {name}: {}", unhex(message).escape_ascii());
    }
    if let Some((name, rest)) = text.strip_prefix("stray ").and_then(|r| r.split_once(' ')) {
        let (message, outputs) = rest.split_once(" | ").expect("stray ... | ok ...");
        return format!(
            "stray {name}: {} | {outputs}",
            unhex(message).escape_ascii()
        );
    }
    text.to_owned()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// The message of `error` as the bytes Python sees, once raised.
fn raised_message(py: Python<'_>, error: Error) -> Vec<u8> {
    error.restore(py);
    // SAFETY: GIL held; the fetched references are released below, after
    // the message is copied out of `str(value)`.
    unsafe {
        let (mut t, mut v, mut tb) = (
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        ffi::PyErr_Fetch(&mut t, &mut v, &mut tb);
        ffi::PyErr_NormalizeException(&mut t, &mut v, &mut tb);
        let s = ffi::PyObject_Str(v);
        assert!(!s.is_null(), "str() of the exception failed");
        // Python 2's str, or Python 3's as UTF-8 (as argparity's c_parse
        // encodes it).
        let mut len = 0;
        let text = ffi::native_str_text(s, &mut len);
        assert!(!text.is_null(), "str() gave no str");
        let message = std::slice::from_raw_parts(text.cast::<u8>(), len as usize).to_vec();
        ffi::Py_DECREF(s);
        ffi::Py_XDECREF(t);
        ffi::Py_XDECREF(v);
        ffi::Py_XDECREF(tb);
        message
    }
}

/// legacy-buffer's outcome, described as [`c_outcome`] describes the C
/// parser's.
fn rust_outcome(py: Python<'_>, case: &Case<'_>) -> String {
    py.run(&format!(
        "rust_args = {}\nrust_kwargs = {}\nrust_types = {}",
        case.args, case.kwargs, case.format.types
    ))
    .unwrap_or_else(|e| panic!("evaluating {} / {}: {e}", case.args, case.kwargs));
    let tuple = py.eval("rust_args").unwrap();
    let kwargs = py.eval("rust_kwargs").unwrap();
    let kwargs = (kwargs.as_ptr() != Object::none(py).as_ptr()).then_some(&kwargs);
    let type_objects: Vec<Object<'_>> = (0..py
        .eval("len(rust_types)")
        .unwrap()
        .repr()
        .unwrap()
        .parse()
        .unwrap())
        .map(|i: usize| py.eval(&format!("rust_types[{i}]")).unwrap())
        .collect();
    let types: Vec<&Object<'_>> = type_objects.iter().collect();
    let (required, units) = unit_counts(case.format.text);
    let stars = star_units(case.format.text);
    let contexts: Vec<Context> = (0..units)
        .map(|i| Context {
            optional: i >= required,
            input: input(py, case, i),
            star: stars[i],
        })
        .collect();
    let args = Args::from_tuple_and_dict(&tuple, kwargs).unwrap();
    let outcome = (case.format.parse)(args, &types, case.format.keywords, &contexts);
    assert_clear(
        py,
        &format!("parsing {} with {:?}", case.args, case.format.text),
    );
    match outcome {
        Ok(outputs) => {
            let mut text = "ok".to_owned();
            for output in outputs {
                text.push(' ');
                text.push_str(&output);
            }
            text
        }
        Err(e) => {
            let name = e.type_name().to_owned();
            let message = raised_message(py, e);
            format!("raise {name}: {}", message.escape_ascii())
        }
    }
}

/// The object given for unit `i`: positional, or keyword (by its name), or
/// NULL; borrowed from `rust_args`/`rust_kwargs`, which stay bound.
fn input(py: Python<'_>, case: &Case<'_>, i: usize) -> *mut ffi::PyObject {
    let expr = match case.format.keywords {
        Some(names) => format!(
            "rust_args[{i}] if {i} < len(rust_args) else (rust_kwargs or {{}}).get({:?})",
            names[i]
        ),
        None => format!("rust_args[{i}] if {i} < len(rust_args) else None"),
    };
    let object = py.eval(&expr).unwrap();
    let ptr = object.as_ptr();
    // The object stays referenced by rust_args/rust_kwargs (or is None).
    drop(object);
    ptr
}

/// Whether a disagreement is one of the documented deliberate ones.
fn deliberate(c: &str, rust: &str) -> bool {
    let stray = c.starts_with("stray exceptions.KeyError: ")
        && rust.starts_with("raise SystemError: ")
        && rust.contains("succeeded but left an exception set (KeyError: ");
    let null = c.starts_with("ok ")
        && c.split(' ').any(|output| output.starts_with("NULL"))
        && rust.starts_with("raise SystemError: ")
        && rust.contains("returned a NULL pointer with length");
    let unfilled = c.split(' ').any(|output| output == "unfilled")
        && rust.starts_with("raise TypeError: ")
        && rust.ends_with("must be convertible to a buffer, not hostile.HugeLength");
    // Python 3's y of an exporter other than bytes, whose memory has no
    // NUL inside: getargs.c's strlen reads on past its end.
    let y = rust.starts_with("raise SystemError: legacy-buffer: \\'y\\' of a ")
        && rust.contains("(not bytes): its memory has no NUL of its own")
        && (c.starts_with("ok ") || c == "raise ValueError: embedded null byte");
    stray || null || unfilled || y
}

fn check(py: Python<'_>, case: &Case<'_>, tally: &mut Tally) {
    let c = c_outcome(py, case);
    let rust = rust_outcome(py, case);
    let what = format!(
        "{:?}{} args {} kwargs {}",
        case.format.text,
        case.format
            .keywords
            .map(|k| format!(" keywords {k:?}"))
            .unwrap_or_default(),
        case.args,
        case.kwargs
    );
    if std::env::var_os("LEGACY_BUFFER_SHOW_CASES").is_some() {
        println!("{what}\n    C    {c}\n    Rust {rust}");
    }
    if c == rust {
        tally.agreed += 1;
    } else if deliberate(&c, &rust) {
        tally
            .deliberate
            .push(format!("{what}\n    C    {c}\n    Rust {rust}"));
    } else {
        tally
            .failures
            .push(format!("{what}\n    C    {c}\n    Rust {rust}"));
    }
}

fn setup(py: Python<'_>) {
    py.run(&format!("MODULES_DIR = {MODULES_DIR:?}"))
        .expect("MODULES_DIR");
    py.run(SHARED_SETUP)
        .unwrap_or_else(|e| panic!("the shared setup code: {e}"));
    py.run(SETUP)
        .unwrap_or_else(|e| panic!("the line's setup code: {e}"));
}

fn cases<'f>(formats: &'f [Format], arguments: &[(&str, &str)]) -> Vec<Case<'f>> {
    formats
        .iter()
        .flat_map(|format| {
            arguments.iter().map(move |(args, kwargs)| Case {
                format,
                args: (*args).to_owned(),
                kwargs: (*kwargs).to_owned(),
            })
        })
        .collect()
}

#[test]
fn the_rust_parser_agrees_with_pyarg_parsetuple() {
    with_gil(|py| {
        setup(py);
        let (one, tuples, keywords, warned) = (
            one_unit_formats(),
            tuple_formats(),
            keyword_formats(),
            warning_formats(),
        );
        // Both lines' arguments, then the line's own.
        let values: Vec<(String, &str)> = SHARED_VALUES
            .iter()
            .chain(VALUES)
            .map(|v| (format!("({v},)"), "None"))
            .collect();
        let values: Vec<(&str, &str)> = values.iter().map(|(a, k)| (a.as_str(), *k)).collect();
        let tuple_args: Vec<(&str, &str)> = SHARED_TUPLES
            .iter()
            .chain(TUPLES)
            .map(|t| (*t, "None"))
            .collect();
        let keyword_calls: Vec<(&str, &str)> = SHARED_KEYWORD_CALLS
            .iter()
            .chain(KEYWORD_CALLS)
            .copied()
            .collect();
        let floats: Vec<(String, &str)> =
            FLOATS.iter().map(|v| (format!("({v},)"), "None")).collect();
        let floats: Vec<(&str, &str)> = floats.iter().map(|(a, k)| (a.as_str(), *k)).collect();

        let mut tally = Tally::default();
        for case in cases(&one, &values)
            .iter()
            .chain(&cases(&tuples, &tuple_args))
            .chain(&cases(&keywords, &keyword_calls))
        {
            check(py, case, &mut tally);
        }
        // Warnings as errors: L's DeprecationWarning for a float is raised.
        // The registries remember warnings ignored so far (C's, from
        // c_parse in __main__; Rust's, from no Python frame, in sys), and
        // would skip them.
        py.run(WARNINGS_AS_ERRORS).unwrap();
        let before = tally.agreed;
        for case in &cases(&warned, &floats) {
            check(py, case, &mut tally);
        }
        py.run("warnings.filters[:] = saved_filters").unwrap();
        assert!(tally.agreed > before);

        let total = tally.agreed + tally.deliberate.len() + tally.failures.len();
        println!(
            "argument parsing, C vs Rust: {total} cases, {} agree ({:.1}%), {} deliberate \
             differences, {} disagreements",
            tally.agreed,
            100.0 * tally.agreed as f64 / total as f64,
            tally.deliberate.len(),
            tally.failures.len()
        );
        println!(
            "deliberate differences:\n  {}",
            tally.deliberate.join("\n  ")
        );
        assert!(
            tally.failures.is_empty(),
            "{} disagreements:\n  {}",
            tally.failures.len(),
            tally.failures.join("\n  ")
        );
        assert!(
            total >= MIN_CASES,
            "only {total} cases: is the corpus broken?"
        );
        // The deliberate differences are exactly those of the line's
        // misbehaving exporters, through every unit that borrows a buffer.
        for unit in DELIBERATE_UNITS {
            for exporter in DELIBERATE_EXPORTERS {
                assert!(
                    tally
                        .deliberate
                        .iter()
                        .any(|d| d.starts_with(&format!("{unit:?}")) && d.contains(exporter)),
                    "no deliberate difference for {unit} and {exporter}"
                );
            }
        }
    })
}
