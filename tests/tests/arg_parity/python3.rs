//! Python 3's corpus: its values (one int type, str as text, bytes, the
//! new-protocol exporters) and units (`y`, `y#`, `y*`; no `t#`, `w#`). No
//! hostile exporters: theirs are Python 2's old buffer procs.

use super::*;

pub(super) const SETUP: &str = r#"
import array, binascii, ctypes, mmap, sys, warnings
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
class IndexAndInt(object):
    def __index__(self): return 3
    def __int__(self): return 4
class Float(object):
    def __float__(self): return 2.5
class FloatIndex(object):
    def __index__(self): return 9
class FloatSub(float): pass
class IntSub(int): pass
class BoolLike(object):
    def __bool__(self): return False
class BoolRaises(object):
    def __bool__(self): raise ValueError('__bool__ refused')
class StrSub(str): pass
class BytesSub(bytes): pass
class ByteArraySub(bytearray): pass
class AVeryLongClassNameThatGoesOnAndOnForMoreThanFiftyCharacters(object): pass

def mapped(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    return m

def read_only_mapped(data):
    m = mapped(data)
    return memoryview(m).toreadonly()

def closed_mmap():
    m = mapped(b'gone')
    m.close()
    return m

def exc_name(t):
    if t.__module__ == 'builtins':
        return t.__name__
    return '%s.%s' % (t.__module__, t.__name__)

def hexed(text):
    return binascii.hexlify(text.encode('utf-8', 'surrogateescape')).decode('ascii')

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

/// Arguments for the one-unit formats: each is parsed as a 1-tuple.
/// Integers at every C width's limits; floats and things with `__int__`,
/// `__index__`, `__float__`, `__bool__`; str (text), bytes and every kind
/// of bytes-like object.
pub(super) const VALUES: &[&str] = &[
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
    "IndexAndInt()",
    "Float()",
    "FloatIndex()",
    "BoolLike()",
    "BoolRaises()",
    // str (text)
    "''",
    "'a'",
    "'ab'",
    "'a\\x00b'",
    "'\\x00'",
    "'\\xe9'",
    "'\\u20ac'",
    "'\\ud800'",
    "StrSub('sub')",
    // bytes
    "b''",
    "b'a'",
    "b'ab'",
    "b'a\\x00b'",
    "b'\\x00'",
    "b'\\xff\\xfe'",
    "BytesSub(b'sub')",
    // other bytes-like objects
    "bytearray()",
    "bytearray(b'a')",
    "bytearray(b'abc')",
    "ByteArraySub(b'sub')",
    "array.array('b', [1, 2, 3])",
    "array.array('i', [1, -1])",
    "array.array('d')",
    "mapped(b'mapped')",
    "closed_mmap()",
    "read_only_mapped(b'ro')",
    "memoryview(b'abc')",
    "memoryview(b'abcdef')[1:3]",
    "memoryview(b'abcdef')[::2]",
    "memoryview(bytearray(b'ab'))",
    "memoryview(bytearray(b'ab')).toreadonly()",
    "ctypes.c_int(5)",
    "(ctypes.c_char * 3)(*b'xyz')",
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
    "(b'a',)",
    "('a', 1)",
    "(b'a', 1)",
    "('a', 'b')",
    "(b'a', b'b')",
    "('abc', 9)",
    "(b'abc', -1)",
    "(b'abc', 2 ** 40)",
    "(b'abc', 1.5)",
    "(None,)",
    "(None, None)",
    "(None, None, None)",
    "('x', b'y', None)",
    "('\\xe9', 1)",
    "('a\\x00', 'b', 'c')",
    "(b'a\\x00', b'b', b'c')",
    "(bytearray(b'x'), 1)",
    "(bytearray(b'x'), bytearray(b'y'))",
    "([1], {})",
    "([1], [2])",
    "({}, [])",
    "('x', 1.5)",
    "(1.5, 2)",
    "(Int(), Index())",
    "(IntRaises(), 1)",
    "(array.array('b', [1]), mapped(b'm'))",
    "(memoryview(b'ab'), bytearray(b'cd'))",
    "(b'c', b'S', 'U')",
    "(b'c', 'S', 'U')",
    "(255, -1, 65535, 2 ** 31, -1, 2 ** 64 - 1, -2 ** 63, 2 ** 64, 2 ** 62)",
    "(1, 'two', 3.0, None)",
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
    ("(b'x', 5)", "{}"),
    ("()", "{'a': 1}"),
    ("()", "{'a': 1, 'b': 2}"),
    ("(1,)", "{'a': 2}"),
    ("(1,)", "{'b': 2}"),
    ("(1, 2)", "{'b': 3}"),
    ("()", "{'b': 1}"),
    ("(1,)", "{'c': 1}"),
    ("(1,)", "{1: 2}"),
    ("(1,)", "{b'b': 2}"),
    ("()", "{'a': 1, 'zz': 2}"),
    ("(1,)", "{'b\\x00x': 1}"),
    ("()", "{'a\\x00x': 1}"),
    ("(1,)", "{'q\\xff': 1}"),
    ("()", "{'a': 'x'}"),
    ("()", "{'a': 1, 'b': 'x'}"),
    ("()", "{'a': 1, 'b': None}"),
    ("(b'd',)", "{'level': 3}"),
    ("()", "{'data': b'd'}"),
    ("()", "{'data': 'd', 'level': 9}"),
    ("()", "{'data': b'd', 'levle': 9}"),
    ("(b'd',)", "{'data': b'd'}"),
    ("()", "{'level': 1}"),
    ("()", "{'data': '\\xe9'}"),
    ("()", "{'data': bytearray(b'b')}"),
    ("([1],)", "{'n': 2}"),
    ("()", "{'seq': [1], 'n': 2}"),
    ("()", "{'seq': (1,)}"),
    ("()", "{'x': 1, 'z': 3}"),
    ("(1,)", "{'z': 3, 'y': 2}"),
    ("()", "{'y': 2}"),
    ("()", "{'src': b'abc', 'dst': bytearray(3)}"),
    ("(None,)", "{'dst': bytearray(1)}"),
    ("()", "{'dst': b'read-only'}"),
    ("(1, 2)", "{'x': 1}"),
    ("(b'd', 1)", "{}"),
    ("(b'd',)", "{'level': 'x'}"),
    ("(b'd',)", "{'level': 2 ** 40}"),
    ("()", "{'data': b'd', 'level': 1.5}"),
    ("()", "{'data': None}"),
    ("(None,)", "{}"),
    ("()", "{'src': None, 'dst': bytearray(2)}"),
    ("()", "{'src': '\\xe9'}"),
    ("()", "{'a': 1, 'b': 2, 'c': 3}"),
    ("([],)", "{}"),
    ("((),)", "{'n': 1}"),
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

/// One unit each, parsed with `PyArg_ParseTuple`, over Python 3's `VALUES`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn one_unit_formats() -> Vec<Format> {
    formats! {
        "y" => (&CStr,);
        "y#" => (Buffer<'_>,);
        "y*" => (View<'_>,);
        "y*:named" => (View<'_>,);
    }
}

/// Several units, parsed with `PyArg_ParseTuple`, over Python 3's `TUPLES`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn tuple_formats() -> Vec<Format> {
    formats! {
        "y#|i:compress" => (Buffer<'_>, Option<c_int>);
        "y*|w*:views" => (View<'_>, Option<View<'_>>);
        "yyz:strings" => (&CStr, &CStr, Option<&CStr>);
    }
}

/// `PyArg_ParseTupleAndKeywords`, over Python 3's `KEYWORD_CALLS`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
pub(super) fn keyword_formats() -> Vec<Format> {
    formats! {
        "y*|i:compress" ["data", "level"] => (View<'_>, Option<c_int>);
    }
}

/// The integer units while warnings are errors, over Python 3's `FLOATS`: the formats of this line's own units, beside those both lines
/// share (arg_parity.rs).
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
