//! Python 3's corpus: its values (one int type, str as text, bytes, the
//! new-protocol exporters) and units (`y`, `y#`, `y*`; no `t#`, `w#`). No
//! hostile exporters: theirs are Python 2's old buffer procs.

use super::*;

pub(super) const SETUP: &str = r#"
import binascii

class IndexAndInt(object):
    def __index__(self): return 3
    def __int__(self): return 4
class FloatIndex(object):
    def __index__(self): return 9
class BoolLike(object):
    def __bool__(self): return False
class BoolRaises(object):
    def __bool__(self): raise ValueError('__bool__ refused')
class BytesSub(bytes): pass

def read_only_mapped(data):
    m = mapped(data)
    return memoryview(m).toreadonly()

def exc_name(t):
    if t.__module__ == 'builtins':
        return t.__name__
    return '%s.%s' % (t.__module__, t.__name__)

def hexed(text):
    return binascii.hexlify(text.encode('utf-8', 'surrogateescape')).decode('ascii')
"#;

/// This line's own arguments for the one-unit formats, beside those both
/// lines share (arg_parity.rs): each is parsed as a 1-tuple. Things with
/// `__index__` and `__int__`, or `__bool__`; str (text), bytes and every
/// kind of bytes-like object.
pub(super) const VALUES: &[&str] = &[
    // conversions by method
    "IndexAndInt()",
    "FloatIndex()",
    "BoolLike()",
    "BoolRaises()",
    // str (text)
    "'\\xe9'",
    "'\\u20ac'",
    "'\\ud800'",
    // bytes
    "b''",
    "b'a'",
    "b'ab'",
    "b'a\\x00b'",
    "b'\\x00'",
    "b'\\xff\\xfe'",
    "BytesSub(b'sub')",
    // other bytes-like objects
    "bytearray(b'a')",
    "bytearray(b'abc')",
    "ByteArraySub(b'sub')",
    "mapped(b'mapped')",
    "read_only_mapped(b'ro')",
    "memoryview(b'abc')",
    "memoryview(b'abcdef')[1:3]",
    "memoryview(b'abcdef')[::2]",
    "memoryview(bytearray(b'ab'))",
    "memoryview(bytearray(b'ab')).toreadonly()",
    "(ctypes.c_char * 3)(*b'xyz')",
];

/// This line's own argument tuples for the formats of several units,
/// beside those both lines share (arg_parity.rs).
pub(super) const TUPLES: &[&str] = &[
    "(b'a',)",
    "(b'a', 1)",
    "(b'a', b'b')",
    "(b'abc', -1)",
    "(b'abc', 2 ** 40)",
    "(b'abc', 1.5)",
    "('x', b'y', None)",
    "('\\xe9', 1)",
    "(b'a\\x00', b'b', b'c')",
    "(bytearray(b'x'), 1)",
    "(bytearray(b'x'), bytearray(b'y'))",
    "(array.array('b', [1]), mapped(b'm'))",
    "(memoryview(b'ab'), bytearray(b'cd'))",
    "(b'c', b'S', 'U')",
    "(b'c', 'S', 'U')",
];

/// This line's own (positional, keyword) arguments for the keyword
/// formats, beside those both lines share (arg_parity.rs): the names of
/// every format appear, given once, twice, or not at all.
pub(super) const KEYWORD_CALLS: &[(&str, &str)] = &[
    ("(b'x', 5)", "{}"),
    ("(1,)", "{b'b': 2}"),
    ("()", "{'a': 1, 'zz': 2}"),
    ("(b'd',)", "{'level': 3}"),
    ("()", "{'data': b'd'}"),
    ("()", "{'data': b'd', 'levle': 9}"),
    ("(b'd',)", "{'data': b'd'}"),
    ("()", "{'data': '\\xe9'}"),
    ("()", "{'data': bytearray(b'b')}"),
    ("()", "{'src': b'abc', 'dst': bytearray(3)}"),
    ("()", "{'dst': b'read-only'}"),
    ("(b'd', 1)", "{}"),
    ("(b'd',)", "{'level': 'x'}"),
    ("(b'd',)", "{'level': 2 ** 40}"),
    ("()", "{'data': b'd', 'level': 1.5}"),
    ("()", "{'src': '\\xe9'}"),
    ("(memoryview(b'mv'),)", "{'level': IntSub(4)}"),
    ("('ok',)", "{'level': Index()}"),
    ("('ok',)", "{'level': Int()}"),
    // near misses, which 3.13 suggests a name for (or not)
    ("(b'd',)", "{'Level': 1}"),
    ("(b'd',)", "{'LEVEL': 1}"),
    ("(b'd',)", "{'levels': 1}"),
    ("(b'd',)", "{'lvl': 1}"),
    ("()", "{'dat': b'x'}"),
    ("()", "{'datalevel': b'x'}"),
    ("()", "{'src_': b'x'}"),
    ("()", "{'dsts': b'x', 'src': b'y'}"),
    ("(1,)", "{'bb': 1}"),
    ("(1,)", "{'B': 1}"),
    ("(1,)", "{'z' * 50: 1}"),
];

/// Values for the integer units while the warnings filters turn warnings
/// into exceptions: what a version only warns about is raised.
pub(super) const FLOATS: &[&str] = &[
    "1.5",
    "-2.0",
    "FloatSub(3.0)",
    "1e300",
    "Int()",
    "IntSub(2)",
];

/// One unit each, parsed with `PyArg_ParseTuple`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn one_unit_formats() -> Vec<Format> {
    formats! {
        "y" => (&CStr,);
        "y#" => (Buffer<'_>,);
        "y*" => (View<'_>,);
        "y*:named" => (View<'_>,);
    }
}

/// Several units, parsed with `PyArg_ParseTuple`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn tuple_formats() -> Vec<Format> {
    formats! {
        "y#|i:compress" => (Buffer<'_>, Option<c_int>);
        "y*|w*:views" => (View<'_>, Option<View<'_>>);
        "yyz:strings" => (&CStr, &CStr, Option<&CStr>);
    }
}

/// `PyArg_ParseTupleAndKeywords`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn keyword_formats() -> Vec<Format> {
    formats! {
        "y*|i:compress" ["data", "level"] => (View<'_>, Option<c_int>);
    }
}

/// The integer units while warnings are errors, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn warning_formats() -> Vec<Format> {
    formats! {
        "n" => (isize,);
        "K" => (u64,);
    }
}

/// The fewest cases the corpus must hold, so that a broken corpus cannot
/// pass by checking little.
pub(super) const MIN_CASES: usize = 3500;

/// The one deliberate difference on Python 3: `y` of a ctypes array, whose
/// memory has no NUL of its own.
pub(super) const DELIBERATE_UNITS: &[&str] = &["y"];
pub(super) const DELIBERATE_EXPORTERS: &[&str] = &["ctypes.c_char"];
