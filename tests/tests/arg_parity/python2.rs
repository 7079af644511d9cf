//! Python 2's corpus: its values (int and long, str and unicode, the old
//! buffer objects, the hostile exporters) and units (`t#`, `w#`).

use super::*;

pub(super) const SETUP: &str = r#"
import hostile

class LongSub(long): pass
class UnicodeSub(unicode): pass
class Old: pass

def exc_name(t):
    if t.__module__ == 'exceptions':
        return t.__name__
    return '%s.%s' % (t.__module__, t.__name__)

def hexed(text):
    return text.encode('hex')
"#;

/// This line's own arguments for the one-unit formats, beside those both
/// lines share (arg_parity.rs): each is parsed as a 1-tuple. Integers as
/// long; str and unicode and every kind of buffer; the hostile exporters.
pub(super) const VALUES: &[&str] = &[
    // integers, int and long, at the limits of each width
    "0L",
    "-1L",
    "LongSub(5)",
    "255L",
    "256L",
    "65535L",
    "2147483647L",
    "2147483648L",
    "-2147483649L",
    "4294967295L",
    "4294967296L",
    "9223372036854775807L",
    "-9223372036854775808L",
    // str and unicode
    "'\\xff\\xfe'",
    "u''",
    "u'x'",
    "u'abc'",
    "u'\\xe9'",
    "u'a\\x00b'",
    "UnicodeSub(u'uni')",
    // buffers
    "bytearray('abc')",
    "ByteArraySub('sub')",
    "array.array('c', 'xy')",
    "array.array('u', u'ab')",
    "mapped('mapped')",
    "buffer('abc')",
    "buffer('abcdef', 2, 3)",
    "buffer(u'ab')",
    "buffer(bytearray('ab'))",
    "buffer(array.array('b', [1, 2]))",
    "memoryview('abc')",
    "memoryview(bytearray('ab'))",
    "(ctypes.c_char * 3)(*'xyz')",
    // exporters whose procs misbehave
    "hostile.TwoSegments()",
    "hostile.NegativeLength()",
    "hostile.NullPointer()",
    "hostile.Raises()",
    "hostile.NoCharBuffer()",
    "hostile.HugeLength()",
    "hostile.Resizing()",
    "hostile.NullEmpty()",
    "hostile.Stray()",
    "hostile.Enormous()",
    // everything else
    "Old()",
];

/// This line's own argument tuples for the formats of several units,
/// beside those both lines share (arg_parity.rs).
pub(super) const TUPLES: &[&str] = &[
    "('abc', 9L)",
    "('abc', -1)",
    "('abc', 2 ** 40)",
    "('abc', 1.5)",
    "(u'x', 'y', None)",
    "(u'\\xe9', 1)",
    "(bytearray('x'), 1)",
    "(bytearray('x'), bytearray('y'))",
    "(array.array('b', [1]), mapped('m'))",
    "(memoryview('ab'), bytearray('cd'))",
    "('s', u'u', 'z')",
    "('c', 'S', u'U')",
    "(1, 2, 3, 4, 5, 6, 7, 8L, 9)",
    "(hostile.Raises(), 1)",
    "('ok', hostile.TwoSegments())",
];

/// This line's own (positional, keyword) arguments for the keyword
/// formats, beside those both lines share (arg_parity.rs): the names of
/// every format appear, given once, twice, or not at all.
pub(super) const KEYWORD_CALLS: &[(&str, &str)] = &[
    ("('x', 5)", "{}"),
    ("(1,)", "{u'b': 2}"),
    ("()", "{u'a': 1}"),
    ("()", "{u'a': 1, 'zz': 2}"),
    ("('d',)", "{'level': 3}"),
    ("()", "{'data': 'd'}"),
    ("()", "{'data': 'd', 'levle': 9}"),
    ("('d',)", "{'data': 'd'}"),
    ("()", "{'data': u'\\xe9'}"),
    ("()", "{'data': bytearray('b')}"),
    ("()", "{'src': 'abc', 'dst': bytearray(3)}"),
    ("()", "{'dst': 'read-only'}"),
    ("('d', 1)", "{}"),
    ("('d',)", "{'level': 'x'}"),
    ("('d',)", "{'level': 2 ** 40}"),
    ("()", "{'data': 'd', 'level': 1.5}"),
    ("()", "{'src': u'\\xe9'}"),
    ("(buffer('bu'),)", "{'level': IntSub(4)}"),
    ("(u'ok',)", "{'level': Int()}"),
];

/// Floats (and a float subclass) for the integer units while the warnings
/// filters turn warnings into exceptions: `L` warns about them first.
pub(super) const FLOATS: &[&str] = &["1.5", "-2.0", "FloatSub(3.0)", "1e300"];

/// One unit each, parsed with `PyArg_ParseTuple`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn one_unit_formats() -> Vec<Format> {
    formats! {
        "t#" => (Buffer<'_>,);
        "w#" => (Buffer<'_>,);
    }
}

/// Several units, parsed with `PyArg_ParseTuple`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn tuple_formats() -> Vec<Format> {
    formats! {
        "t#w#:tw" => (Buffer<'_>, Buffer<'_>);
    }
}

/// `PyArg_ParseTupleAndKeywords`, over the arguments:
/// this line's own formats, beside those both lines share (arg_parity.rs).
pub(super) fn keyword_formats() -> Vec<Format> {
    formats! {
        "s*|i:compress" ["data", "level"] => (View<'_>, Option<c_int>);
    }
}

/// The integer units while warnings are errors: none of this line's
/// own (arg_parity.rs has those both lines share).
pub(super) fn warning_formats() -> Vec<Format> {
    Vec::new()
}

/// The fewest cases the corpus must hold, so that a broken corpus cannot
/// pass by checking little.
pub(super) const MIN_CASES: usize = 4000;

/// The units and exporters whose deliberate differences must all be seen:
/// the stray and NULL exporters, through every unit that borrows a buffer.
pub(super) const DELIBERATE_UNITS: &[&str] = &["s#", "z#", "t#", "w#", "s*", "z*", "w*"];
pub(super) const DELIBERATE_EXPORTERS: &[&str] = &["Stray", "NullPointer"];
