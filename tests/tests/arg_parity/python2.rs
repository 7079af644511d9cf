//! Python 2's corpus: its values (int and long, str and unicode, the old
//! buffer objects, the hostile exporters) and units (`t#`, `w#`).

use super::*;

pub(super) const SETUP: &str = r#"
import array, ctypes, mmap, sys, warnings
if MODULES_DIR not in sys.path:
    sys.path.insert(0, MODULES_DIR)
import argparity, hostile

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
class LongSub(long): pass
class StrSub(str): pass
class UnicodeSub(unicode): pass
class ByteArraySub(bytearray): pass
class Old: pass
class AVeryLongClassNameThatGoesOnAndOnForMoreThanFiftyCharacters(object): pass

def mapped(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    return m

def closed_mmap():
    m = mapped('gone')
    m.close()
    return m

def exc_name(t):
    if t.__module__ == 'exceptions':
        return t.__name__
    return '%s.%s' % (t.__module__, t.__name__)

def c_parse(fmt, args, kwargs, kwlist, types):
    try:
        outputs, stray = argparity.parse(fmt, args, kwargs, kwlist, types)
    except BaseException as e:
        return 'raise %s %s' % (exc_name(type(e)), str(e).encode('hex'))
    result = ' '.join(('ok',) + outputs)
    if stray is not None:
        result = 'stray %s %s | %s' % (stray[0], str(stray[1]).encode('hex'), result)
    return result
"#;

/// Arguments for the one-unit formats: each is parsed as a 1-tuple.
/// Integers at every C width's limits, as int and as long; floats and
/// things with `__int__`, `__index__`, `__float__`; str, unicode and every
/// kind of buffer; the hostile exporters.
pub(super) const VALUES: &[&str] = &[
    // integers, int and long, at the limits of each width
    "0",
    "0L",
    "1",
    "-1",
    "-1L",
    "True",
    "False",
    "IntSub(5)",
    "LongSub(5)",
    "127",
    "128",
    "-128",
    "-129",
    "255",
    "255L",
    "256",
    "256L",
    "32767",
    "32768",
    "-32768",
    "-32769",
    "65535",
    "65535L",
    "65536",
    "2147483647",
    "2147483647L",
    "2147483648",
    "2147483648L",
    "-2147483648",
    "-2147483649",
    "-2147483649L",
    "4294967295",
    "4294967295L",
    "4294967296",
    "4294967296L",
    "9223372036854775807",
    "9223372036854775807L",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775808L",
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
    // str and unicode
    "''",
    "'a'",
    "'ab'",
    "'a\\x00b'",
    "'\\x00'",
    "'\\xff\\xfe'",
    "StrSub('sub')",
    "u''",
    "u'x'",
    "u'abc'",
    "u'\\xe9'",
    "u'a\\x00b'",
    "UnicodeSub(u'uni')",
    // buffers
    "bytearray()",
    "bytearray('abc')",
    "ByteArraySub('sub')",
    "array.array('b', [1, 2, 3])",
    "array.array('i', [1, -1])",
    "array.array('c', 'xy')",
    "array.array('u', u'ab')",
    "array.array('d')",
    "mapped('mapped')",
    "closed_mmap()",
    "buffer('abc')",
    "buffer('abcdef', 2, 3)",
    "buffer(u'ab')",
    "buffer(bytearray('ab'))",
    "buffer(array.array('b', [1, 2]))",
    "memoryview('abc')",
    "memoryview(bytearray('ab'))",
    "ctypes.c_int(5)",
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
    "None",
    "[]",
    "[1]",
    "()",
    "{}",
    "object()",
    "Old()",
    "int",
    "list",
    "AVeryLongClassNameThatGoesOnAndOnForMoreThanFiftyCharacters()",
];

/// Argument tuples for the formats of several units.
pub(super) const TUPLES: &[&str] = &[
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
    "('abc', 9L)",
    "('abc', -1)",
    "('abc', 2 ** 40)",
    "('abc', 1.5)",
    "(None,)",
    "(None, None)",
    "(None, None, None)",
    "(u'x', 'y', None)",
    "(u'\\xe9', 1)",
    "('a\\x00', 'b', 'c')",
    "(bytearray('x'), 1)",
    "(bytearray('x'), bytearray('y'))",
    "([1], {})",
    "([1], [2])",
    "({}, [])",
    "('x', 1.5)",
    "(1.5, 2)",
    "(Int(), Index())",
    "(IntRaises(), 1)",
    "(array.array('b', [1]), mapped('m'))",
    "(memoryview('ab'), bytearray('cd'))",
    "('s', u'u', 'z')",
    "('c', 'S', u'U')",
    "(1, 2, 3, 4, 5, 6, 7, 8L, 9)",
    "(255, -1, 65535, 2 ** 31, -1, 2 ** 64 - 1, -2 ** 63, 2 ** 64, 2 ** 62)",
    "(1, 'two', 3.0, None)",
    "(hostile.Raises(), 1)",
    "('ok', hostile.TwoSegments())",
];

/// (positional, keyword) arguments for the keyword formats: the names of
/// every format below appear, given once, twice, or not at all.
pub(super) const KEYWORD_CALLS: &[(&str, &str)] = &[
    ("()", "None"),
    ("()", "{}"),
    ("(1,)", "None"),
    ("(1,)", "{}"),
    ("(1, 2)", "{}"),
    ("(1, 2, 3)", "{}"),
    ("(1, 2, 3, 4)", "{}"),
    ("('x',)", "{}"),
    ("('x', 5)", "{}"),
    ("()", "{'a': 1}"),
    ("()", "{'a': 1, 'b': 2}"),
    ("(1,)", "{'a': 2}"),
    ("(1,)", "{'b': 2}"),
    ("(1, 2)", "{'b': 3}"),
    ("()", "{'b': 1}"),
    ("(1,)", "{'c': 1}"),
    ("(1,)", "{1: 2}"),
    ("(1,)", "{u'b': 2}"),
    ("()", "{u'a': 1}"),
    ("()", "{u'a': 1, 'zz': 2}"),
    ("(1,)", "{'b\\x00x': 1}"),
    ("()", "{'a\\x00x': 1}"),
    ("(1,)", "{'q\\xff': 1}"),
    ("()", "{'a': 'x'}"),
    ("()", "{'a': 1, 'b': 'x'}"),
    ("()", "{'a': 1, 'b': None}"),
    ("('d',)", "{'level': 3}"),
    ("()", "{'data': 'd'}"),
    ("()", "{'data': 'd', 'level': 9}"),
    ("()", "{'data': 'd', 'levle': 9}"),
    ("('d',)", "{'data': 'd'}"),
    ("()", "{'level': 1}"),
    ("()", "{'data': u'\\xe9'}"),
    ("()", "{'data': bytearray('b')}"),
    ("([1],)", "{'n': 2}"),
    ("()", "{'seq': [1], 'n': 2}"),
    ("()", "{'seq': (1,)}"),
    ("()", "{'x': 1, 'z': 3}"),
    ("(1,)", "{'z': 3, 'y': 2}"),
    ("()", "{'y': 2}"),
    ("()", "{'src': 'abc', 'dst': bytearray(3)}"),
    ("(None,)", "{'dst': bytearray(1)}"),
    ("()", "{'dst': 'read-only'}"),
    ("(1, 2)", "{'x': 1}"),
    ("('d', 1)", "{}"),
    ("('d',)", "{'level': 'x'}"),
    ("('d',)", "{'level': 2 ** 40}"),
    ("()", "{'data': 'd', 'level': 1.5}"),
    ("()", "{'data': None}"),
    ("(None,)", "{}"),
    ("()", "{'src': None, 'dst': bytearray(2)}"),
    ("()", "{'src': u'\\xe9'}"),
    ("()", "{'a': 1, 'b': 2, 'c': 3}"),
    ("([],)", "{}"),
    ("((),)", "{'n': 1}"),
    ("(buffer('bu'),)", "{'level': IntSub(4)}"),
    ("(u'ok',)", "{'level': Int()}"),
];

/// Floats (and a float subclass) for the integer units while the warnings
/// filters turn warnings into exceptions: `L` warns about them first.
pub(super) const FLOATS: &[&str] = &["1.5", "-2.0", "FloatSub(3.0)", "1e300"];

/// One unit each, parsed with `PyArg_ParseTuple`, over Python 2's `VALUES`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn one_unit_formats() -> Vec<Format> {
    formats! {
        "t#" => (Buffer<'_>,);
        "w#" => (Buffer<'_>,);
    }
}

/// Several units, parsed with `PyArg_ParseTuple`, over Python 2's `TUPLES`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn tuple_formats() -> Vec<Format> {
    formats! {
        "t#w#:tw" => (Buffer<'_>, Buffer<'_>);
    }
}

/// `PyArg_ParseTupleAndKeywords`, over Python 2's `KEYWORD_CALLS`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn keyword_formats() -> Vec<Format> {
    formats! {
        "s*|i:compress" ["data", "level"] => (View<'_>, Option<c_int>);
    }
}

/// The integer units while warnings are errors, over Python 2's `FLOATS`: none of this line's own (arg_parity.rs has those both lines
/// share).
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
