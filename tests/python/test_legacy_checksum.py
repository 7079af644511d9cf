"""Tests of legacy_checksum (the C reference module) or of a port of it.

Run with Python 2.7 (CPython's release or debug build, or PyPy), the modules
built for it:

    LEGACY_BUFFER_TEST_MODULES=<dir> python2.7 test_legacy_checksum.py -v
    LEGACY_BUFFER_TEST_MODULES=<dir> pypy test_legacy_checksum.py -v

LEGACY_BUFFER_TEST_MODULES is the directory holding the built extension
modules (the tests crate's build script makes it). LEGACY_CHECKSUM_MODULE
names the module under test, `legacy_checksum` by default. When it names a
port, the port must also raise, for every bad input in ERROR_CASES, what the C
module raises for the same input; ERROR_CASES records what that is.

Under PyPy the C module itself reads some objects otherwise, through cpyext
(PyPy's emulation of CPython's C API), and PyPy words some errors otherwise;
where it does, the expectations are PyPy's (see PYPY_HOLDS and ERROR_CASES),
and the comparisons with the C module are the same as under CPython.
"""

import array
import ctypes
import hashlib
import importlib
import mmap
import os
import platform
import sys
import unittest
import zlib

PYPY = platform.python_implementation() == "PyPy"

_MODULES_DIR = os.environ.get("LEGACY_BUFFER_TEST_MODULES")
if not _MODULES_DIR:
    sys.exit("test_legacy_checksum: set LEGACY_BUFFER_TEST_MODULES to the "
             "directory holding the built extension modules")
sys.path.insert(0, _MODULES_DIR)

REFERENCE_NAME = "legacy_checksum"
MODULE_NAME = os.environ.get("LEGACY_CHECKSUM_MODULE") or REFERENCE_NAME

module = importlib.import_module(MODULE_NAME)
reference = importlib.import_module(REFERENCE_NAME)
hostile = importlib.import_module("hostile")


def _pseudo_random(size):
    """size deterministic bytes that do not repeat with a short period."""
    blocks = []
    for i in xrange((size + 31) // 32):
        blocks.append(hashlib.sha256(str(i)).digest())
    return "".join(blocks)[:size]


MIB = 1 << 20
PAYLOADS = [
    ("empty", ""),
    ("nul", "\x00"),
    ("one", "\xff"),
    ("text", "The quick brown fox jumps over the lazy dog"),
    ("all bytes", "".join(chr(i) for i in xrange(256))),
    ("1 MiB binary", _pseudo_random(MIB)),
    ("1 MiB text", ("legacy buffer " * (MIB // 14 + 1))[:MIB]),
]


def _anonymous_mmap(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    m.seek(0)
    return m


def _is_ascii(data):
    try:
        data.decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


def _raw_unicode(text):
    """The storage of a unicode object: Py_UNICODE units in native order."""
    wide = sys.maxunicode > 0xffff
    order = "le" if sys.byteorder == "little" else "be"
    return text.encode(("utf-32-" if wide else "utf-16-") + order)


# What cpyext's old buffer protocol holds, where it is not the object's
# bytes, as C code reading it (get_readable: the character buffer, else the
# read buffer) sees it:
# - a buffer object over a slice of a str: the whole str (cpyext's buffer
#   object ignores the slice's offset and size);
# - unicode: no character buffer (PyPy has no default encoding to give), so
#   the read buffer, the raw storage; for any text, not only ASCII.
PYPY_HOLDS = {
    "buffer slice": lambda data: "<<" + data + ">>",
    "unicode": lambda data: _raw_unicode(data.decode("latin-1")),
}


def readable_forms(data):
    """(label, object, held) for objects whose buffer holds the bytes of
    data: held is what reading it as the C module does gives, data itself
    but for the forms PYPY_HOLDS lists, under PyPy.

    unicode only for ASCII data under CPython (it is read in the default
    encoding), and no mmap of nothing (an anonymous mmap cannot be empty).
    """
    forms = [
        ("str", data),
        ("bytearray", bytearray(data)),
        ("array('B')", array.array("B", data)),
        ("buffer", buffer(data)),
        ("buffer slice", buffer("<<" + data + ">>", 2, len(data))),
        ("ctypes c_char array", (ctypes.c_char * len(data)).from_buffer_copy(data)),
    ]
    if PYPY:
        forms.append(("unicode", data.decode("latin-1")))
    elif _is_ascii(data):
        forms.append(("unicode", data.decode("ascii")))
    if data:
        forms.append(("mmap", _anonymous_mmap(data)))
    if not PYPY:
        return [(label, obj, data) for label, obj in forms]
    return [(label, obj, PYPY_HOLDS.get(label, lambda data: data)(data))
            for label, obj in forms]


def adler32_oracle(data, *start):
    """zlib.adler32, as zlib's C function computes it. PyPy's zlib returns
    start unchanged for no data, where zlib's C function (which CPython's
    calls) reduces each half of it modulo 65521."""
    if PYPY and not data and start:
        value = start[0] & 0xffffffff
        value = ((value >> 16) % 65521) << 16 | (value & 0xffff) % 65521
        return value - (1 << 32) if value >= 1 << 31 else value
    return zlib.adler32(data, *start)


def writable_forms(data):
    """(label, object, read back) for writable buffers initially holding data."""
    forms = [
        ("bytearray", bytearray(data), str),
        ("array('B')", array.array("B", data), lambda a: a.tostring()),
        ("ctypes c_char array",
         (ctypes.c_char * len(data)).from_buffer_copy(data),
         lambda c: ctypes.string_at(ctypes.addressof(c), ctypes.sizeof(c))),
    ]
    if data:
        forms.append(("mmap", _anonymous_mmap(data), lambda m: m[:]))
    return forms


def xor_expected(data, key):
    return "".join(chr(ord(c) ^ ord(key[i % len(key)])) for i, c in enumerate(data))


def mismatch_forms(data):
    """readable_forms that mismatch()'s "s#" takes, and what it reads: all
    but a bytearray, which CPython's "s#" refuses (it has the new protocol's
    release proc; see ERROR_CASES) and PyPy's takes; unicode is read in the
    default encoding by both, so only ASCII text (PyPy's "s#" encodes it
    where its get_readable reads the raw storage)."""
    forms = []
    for label, obj, held in readable_forms(data):
        if label == "bytearray" and not PYPY:
            continue
        if label == "unicode":
            if not _is_ascii(data):
                continue
            held = data
        forms.append((label, obj, held))
    return forms


def mismatch_expected(a, b, start=0):
    """The C module's loop over the bytes held."""
    for i in xrange(start, min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return -1


def _changed_at(data, *places):
    """data with the byte at each of places flipped."""
    changed = bytearray(data)
    for i in places:
        changed[i] ^= 0x5a
    return str(changed)


def _read_only_mmap():
    return mmap.mmap(-1, 4, access=mmap.ACCESS_READ)


def _cpython_or_pypy(cpython, pypy):
    return pypy if PYPY else cpython


# What the C module raises for bad input: (function, arguments factory,
# exception type, message). Arguments are made fresh for every call. PyPy
# words some otherwise: its integer conversions, and cpyext's
# PyObject_AsWriteBuffer, which refuses every read-only object alike.
_NOT_READABLE = "expected a readable buffer object"
_NOT_WRITABLE = "expected a writeable buffer object"
_BYTE_RANGE = "count() byte must be in range(0, 256)"
_EMPTY_KEY = "xor_into() key must not be empty"
_NON_ASCII = ("'ascii' codec can't encode character u'\\xe9' in position 0: "
              "ordinal not in range(128)")
_NOT_AN_INT = _cpython_or_pypy("an integer is required", "expected integer, got str object")
_NEGATIVE_START = "mismatch() start must not be negative"


def _not_sharp_s(position, type_name):
    """What "s#" raises for an object it does not take (PyPy's names neither
    the function nor the argument)."""
    if PYPY:
        return "must be string or read-only buffer, not %s" % type_name
    return "mismatch() argument %d must be string or read-only buffer, not %s" % (
        position, type_name)
ERROR_CASES = [
    ("adler32", lambda: (1,), TypeError, _NOT_READABLE),
    ("adler32", lambda: (None,), TypeError, _NOT_READABLE),
    ("adler32", lambda: ([1, 2],), TypeError, _NOT_READABLE),
    ("adler32", lambda: (memoryview("abc"),), TypeError, _NOT_READABLE),
    ("adler32", lambda: ("abc", "x"), TypeError, _NOT_AN_INT),
    ("adler32", lambda: ("abc", 1.5), TypeError, "integer argument expected, got float"),
    ("adler32", lambda: (), TypeError, "adler32() takes at least 1 argument (0 given)"),
    ("adler32", lambda: ("a", 1, 2), TypeError, "adler32() takes at most 2 arguments (3 given)"),
    ("crc32", lambda: (1,), TypeError, _NOT_READABLE),
    ("crc32", lambda: (None,), TypeError, _NOT_READABLE),
    ("crc32", lambda: ([1, 2],), TypeError, _NOT_READABLE),
    ("crc32", lambda: (memoryview("abc"),), TypeError, _NOT_READABLE),
    ("crc32", lambda: ("abc", "x"), TypeError, _NOT_AN_INT),
    ("crc32", lambda: (), TypeError, "crc32() takes at least 1 argument (0 given)"),
    ("count", lambda: (1, 0), TypeError, _NOT_READABLE),
    ("count", lambda: (None, 0), TypeError, _NOT_READABLE),
    ("count", lambda: ([1, 2], 1), TypeError, _NOT_READABLE),
    ("count", lambda: (memoryview("abc"), 0), TypeError, _NOT_READABLE),
    ("count", lambda: ("abc", 256), ValueError, _BYTE_RANGE),
    ("count", lambda: ("abc", -1), ValueError, _BYTE_RANGE),
    ("count", lambda: (None, 300), ValueError, _BYTE_RANGE),
    ("count", lambda: ("abc", "a"), TypeError, _NOT_AN_INT),
    ("count", lambda: ("abc", 1 << 40), OverflowError, "signed integer is greater than maximum"),
    ("count", lambda: ("abc",), TypeError, "count() takes exactly 2 arguments (1 given)"),
    ("length", lambda: (1,), TypeError, _NOT_READABLE),
    ("length", lambda: (None,), TypeError, _NOT_READABLE),
    ("length", lambda: ([1, 2],), TypeError, _NOT_READABLE),
    ("length", lambda: (memoryview("abc"),), TypeError, _NOT_READABLE),
    ("length", lambda: (), TypeError, "length() takes exactly 1 argument (0 given)"),
    ("xor_into", lambda: (bytearray(3), ""), ValueError, _EMPTY_KEY),
    ("xor_into", lambda: (1, ""), ValueError, _EMPTY_KEY),
    ("xor_into", lambda: (_read_only_mmap(), "k"), TypeError,
     "mmap can't modify a readonly memory map."),
    ("xor_into", lambda: ("abc", "k"), TypeError,
     _cpython_or_pypy("Cannot use string as modifiable buffer", _NOT_WRITABLE)),
    ("xor_into", lambda: (u"abc", "k"), TypeError,
     _cpython_or_pypy("cannot use unicode as modifiable buffer", _NOT_WRITABLE)),
    ("xor_into", lambda: (buffer("abc"), "k"), TypeError,
     _cpython_or_pypy("buffer is read-only", _NOT_WRITABLE)),
    ("xor_into", lambda: (1, "k"), TypeError, _NOT_WRITABLE),
    ("xor_into", lambda: (None, "k"), TypeError, _NOT_WRITABLE),
    ("xor_into", lambda: ([0], "k"), TypeError, _NOT_WRITABLE),
    ("xor_into", lambda: (memoryview(bytearray(3)), "k"), TypeError, _NOT_WRITABLE),
    ("xor_into", lambda: (bytearray(3), 1), TypeError, _NOT_READABLE),
    ("xor_into", lambda: (bytearray(3), None), TypeError, _NOT_READABLE),
    ("xor_into", lambda: (bytearray(3), [1]), TypeError, _NOT_READABLE),
    ("xor_into", lambda: (bytearray(3), memoryview("k")), TypeError, _NOT_READABLE),
    ("xor_into", lambda: (bytearray(3), "k", 1), TypeError,
     "xor_into() takes exactly 2 arguments (3 given)"),
    ("mismatch", lambda: ("abc", "abd", -1), ValueError, _NEGATIVE_START),
    ("mismatch", lambda: ("abc", "abd", -(1 << 40)), ValueError, _NEGATIVE_START),
    ("mismatch", lambda: (None, "abd", -1), TypeError, _not_sharp_s(1, "None")),
    ("mismatch", lambda: ("abc", "abd", 1.5), TypeError, "integer argument expected, got float"),
    ("mismatch", lambda: ("abc", "abd", "1"), TypeError, _NOT_AN_INT),
    ("mismatch", lambda: ("abc", "abd", None), TypeError, _NOT_AN_INT.replace("str", "NoneType")),
    ("mismatch", lambda: ("abc", "abd", 1 << 70), OverflowError,
     _cpython_or_pypy("Python int too large to convert to C long",
                      "long int too large to convert to int")),
    # "s#" reads unicode in the default encoding, under PyPy too.
    ("mismatch", lambda: (u"\xe9", "a"), UnicodeEncodeError, _NON_ASCII),
    ("mismatch", lambda: ("a", u"\xe9"), UnicodeEncodeError, _NON_ASCII),
    ("mismatch", lambda: (), TypeError, "mismatch() takes at least 2 arguments (0 given)"),
    ("mismatch", lambda: ("abc",), TypeError, "mismatch() takes at least 2 arguments (1 given)"),
    ("mismatch", lambda: ("a", "b", 0, 1), TypeError,
     "mismatch() takes at most 3 arguments (4 given)"),
] + [
    ("mismatch", make_args, TypeError, _not_sharp_s(position, type_name))
    for type_name, bad in [("int", lambda: 1), ("None", lambda: None), ("list", lambda: [1]),
                           ("memoryview", lambda: memoryview("abc"))]
    for position, make_args in [(1, lambda bad=bad: (bad(), "abc")),
                                (2, lambda bad=bad: ("abc", bad()))]
]
if not PYPY:
    # unicode is read in the default encoding, which has no u'\xe9'. (PyPy
    # reads unicode's raw storage: see PYPY_HOLDS.)
    ERROR_CASES += [
        ("adler32", lambda: (u"\xe9",), UnicodeEncodeError, _NON_ASCII),
        ("crc32", lambda: (u"\xe9",), UnicodeEncodeError, _NON_ASCII),
        # "s#" takes no object with the new protocol's release proc.
        ("mismatch", lambda: (bytearray("abc"), "abd"), TypeError,
         _not_sharp_s(1, "bytearray")),
        ("mismatch", lambda: ("abc", bytearray("abd")), TypeError,
         _not_sharp_s(2, "bytearray")),
    ]

# Exporters (from the hostile module) whose buffer procs misbehave. Only the
# exception type is recorded: the message for a broken exporter is the
# reader's own wording, not something a port has to copy.
HOSTILE_ERROR_CASES = [
    ("length", lambda: (hostile.TwoSegments(),), TypeError),
    ("length", lambda: (hostile.Raises(),), ValueError),
    ("length", lambda: (hostile.NegativeLength(),), SystemError),
    ("length", lambda: (hostile.HugeLength(),), SystemError),
    ("length", lambda: (hostile.NullPointer(),), SystemError),
    ("adler32", lambda: (hostile.NullPointer(),), SystemError),
    ("count", lambda: (hostile.HugeLength(), 0), SystemError),
    ("xor_into", lambda: (hostile.TwoSegments(), "k"), TypeError),
    ("xor_into", lambda: (hostile.Raises(), "k"), ValueError),
    ("xor_into", lambda: (hostile.NegativeLength(), "k"), SystemError),
    ("xor_into", lambda: (hostile.HugeLength(), "k"), SystemError),
    ("xor_into", lambda: (hostile.NullPointer(), "k"), SystemError),
    ("xor_into", lambda: (bytearray(2), hostile.NullPointer()), SystemError),
    ("mismatch", lambda: (hostile.TwoSegments(), "abc"), TypeError),
    ("mismatch", lambda: ("abc", hostile.Raises()), ValueError),
    ("mismatch", lambda: (hostile.NegativeLength(), "abc"), TypeError),
    ("mismatch", lambda: ("abc", hostile.HugeLength()), TypeError),
    ("mismatch", lambda: (hostile.NullPointer(), "abc"), SystemError),
    ("mismatch", lambda: ("abc", hostile.NullPointer()), SystemError),
]


def raised(mod, name, args):
    """(exception type, message) that mod.name(*args) raised, or None."""
    try:
        getattr(mod, name)(*args)
    except Exception as e:
        return type(e), str(e)
    return None


def describe(name, args):
    return "%s(%s)" % (name, ", ".join(repr(a)[:40] for a in args))


class TestCase(unittest.TestCase):
    # Show what differed as well as which case it was.
    longMessage = True


class ChecksumTest(TestCase):

    def check_against_zlib(self, data, start=None):
        extra = () if start is None else (start,)
        for label, obj, held in readable_forms(data):
            self.assertEqual(module.adler32(obj, *extra), adler32_oracle(held, *extra),
                             "adler32 of %s, start %r" % (label, start))
            self.assertEqual(module.crc32(obj, *extra), zlib.crc32(held, *extra),
                             "crc32 of %s, start %r" % (label, start))

    def test_payloads_match_zlib(self):
        for _, data in PAYLOADS:
            self.check_against_zlib(data)

    def test_start_matches_zlib(self):
        starts = [0, 1, 2, 65521, 0xfff1fff1, 123456789, 0x7fffffff, 0x80000000,
                  0xffffffff, (1 << 32) + 7, (1 << 64) + 3, -1, -(1 << 31)]
        for start in starts:
            for _, data in PAYLOADS[:5]:
                self.check_against_zlib(data, start)
        self.check_against_zlib(PAYLOADS[5][1], 0xdeadbeef)

    def test_results_are_signed_like_zlib(self):
        # crc32("") with start 0xffffffff is 0xffffffff: -1 as zlib gives it.
        self.assertEqual(module.crc32("", 0xffffffff), -1)
        self.assertEqual(module.crc32("", 0xffffffff), zlib.crc32("", 0xffffffff))
        self.assertIs(type(module.crc32("abc")), int)
        self.assertIs(type(module.adler32("abc")), int)

    def test_zlib_accepts_the_same_objects(self):
        # Where zlib.adler32 itself takes the object (its "s#" refuses
        # bytearray), the results agree object for object; under PyPy, where
        # cpyext holds the object's bytes (PyPy's zlib reads a buffer slice
        # and unicode at the interpreter's level).
        data = PAYLOADS[3][1]
        for label, obj, held in readable_forms(data):
            if isinstance(obj, bytearray) or held != data:
                continue
            self.assertEqual(module.adler32(obj), zlib.adler32(obj), label)
            self.assertEqual(module.crc32(obj), zlib.crc32(obj), label)

    def test_wider_array_items_are_raw_bytes(self):
        a = array.array("I", [1, 2, 0xffffffff])
        self.assertEqual(module.length(a), len(a.tostring()))
        self.assertEqual(module.crc32(a), zlib.crc32(a.tostring()))

    def test_objects_without_a_character_buffer(self):
        # NoCharBuffer has only read and write procs: it is read raw.
        obj = hostile.NoCharBuffer(20)
        self.assertEqual(module.length(obj), 20)
        self.assertEqual(module.adler32(obj), zlib.adler32(obj.contents()))
        # NullEmpty hands out NULL with length 0: a legitimate empty buffer.
        self.assertEqual(module.length(hostile.NullEmpty()), 0)
        self.assertEqual(module.adler32(hostile.NullEmpty()), 1)
        self.assertEqual(module.crc32(hostile.NullEmpty()), 0)


class CountTest(TestCase):

    def test_count(self):
        for _, data in PAYLOADS:
            for byte in (0, 1, ord("e"), 255):
                for label, obj, held in readable_forms(data):
                    self.assertEqual(module.count(obj, byte), held.count(chr(byte)),
                                     "count(%s, %d)" % (label, byte))

    def test_count_accepts_long(self):
        self.assertEqual(module.count("aab", 97L), 2)


class LengthTest(TestCase):

    def test_length(self):
        for _, data in PAYLOADS:
            for label, obj, held in readable_forms(data):
                self.assertEqual(module.length(obj), len(held), label)


class XorIntoTest(TestCase):

    def test_xor_into(self):
        keys = ["k", "\xff\x00", "key", "a much longer key than the data is"]
        for _, data in PAYLOADS[:5]:
            for key in keys:
                for label, dst, read_back in writable_forms(data):
                    self.assertIsNone(module.xor_into(dst, key))
                    self.assertEqual(read_back(dst), xor_expected(data, key),
                                     "xor_into(%s, %r)" % (label, key))

    def test_xor_into_big(self):
        data = PAYLOADS[5][1]
        key = _pseudo_random(1000)
        want = xor_expected(data, key)
        for label, dst, read_back in writable_forms(data):
            module.xor_into(dst, key)
            self.assertEqual(read_back(dst), want, label)

    def test_key_forms(self):
        data = "hello, world"
        for label, key, held in readable_forms("xyz"):
            dst = bytearray(data)
            module.xor_into(dst, key)
            self.assertEqual(str(dst), xor_expected(data, held), label)

    def test_twice_restores(self):
        data = _pseudo_random(4096)
        dst = bytearray(data)
        module.xor_into(dst, "secret")
        self.assertNotEqual(str(dst), data)
        module.xor_into(dst, "secret")
        self.assertEqual(str(dst), data)

    def test_key_is_dst(self):
        dst = bytearray("abcdef")
        module.xor_into(dst, dst)
        self.assertEqual(dst, bytearray(6))


class MismatchTest(TestCase):

    def check(self, a, b, *start):
        """mismatch over every pair of forms of a and b."""
        for a_label, a_obj, a_held in mismatch_forms(a):
            for b_label, b_obj, b_held in mismatch_forms(b):
                self.assertEqual(module.mismatch(a_obj, b_obj, *start),
                                 mismatch_expected(a_held, b_held, *start),
                                 "mismatch(%s of %d, %s of %d%s)"
                                 % (a_label, len(a), b_label, len(b),
                                    "".join(", %r" % s for s in start)))

    def test_forms(self):
        data = PAYLOADS[4][1]
        self.check(data, data)
        self.check(data, _changed_at(data, 0))
        self.check(data, _changed_at(data, 100, 200))
        self.check(data, _changed_at(data, 255), 100)
        text = PAYLOADS[3][1]
        self.check(text, text.replace("lazy", "busy"))
        self.check(text, text[:-1])
        self.check("", text)

    def test_equal(self):
        for _, data in PAYLOADS:
            self.assertEqual(module.mismatch(data, data), -1)
            self.assertEqual(module.mismatch(data, data[:]), -1)
            self.assertEqual(module.mismatch(buffer(data), data), -1)

    def test_lengths(self):
        # Within the shorter only: a prefix matches, whichever side it is.
        self.assertEqual(module.mismatch("abc", "abcd"), -1)
        self.assertEqual(module.mismatch("abcd", "abc"), -1)
        self.assertEqual(module.mismatch("", "abc"), -1)
        self.assertEqual(module.mismatch("abc", ""), -1)
        self.assertEqual(module.mismatch("abx", "abcd"), 2)
        self.assertEqual(module.mismatch("abcd", "xbc"), 0)

    def test_last_byte_of_1_mib(self):
        data = PAYLOADS[5][1]
        other = _changed_at(data, MIB - 1)
        self.assertEqual(module.mismatch(data, other), MIB - 1)
        self.assertEqual(module.mismatch(array.array("B", data), other), MIB - 1)
        self.assertEqual(module.mismatch(_anonymous_mmap(data), buffer(other)), MIB - 1)
        self.assertEqual(module.mismatch(data, other[:-1]), -1)

    def test_start(self):
        a, b = "abcdef", "xbcdeg"
        for start, want in [(0, 0), (1, 5), (5, 5), (6, -1), (7, -1), (1 << 40, -1),
                            (sys.maxsize, -1), (3L, 5), (True, 5), (False, 0)]:
            self.assertEqual(module.mismatch(a, b, start), want, "start %r" % (start,))
        self.assertEqual(module.mismatch("", "", 0), -1)
        self.assertEqual(module.mismatch("a", "b", 1), -1)
        self.assertEqual(raised(module, "mismatch", ("", "", -1)),
                         (ValueError, _NEGATIVE_START))

    def test_wider_array_items_are_raw_bytes(self):
        a = array.array("I", [1, 2, 3])
        b = a.tostring()[:5] + "\xff" + a.tostring()[6:]
        self.assertEqual(module.mismatch(a, b), 5)
        self.assertEqual(module.mismatch(a, array.array("I", [1, 2, 3])), -1)

    def test_unicode(self):
        # "s#" reads it in the default encoding (ASCII), under PyPy too.
        text = u"legacy"
        held = str(text)
        self.assertEqual(module.mismatch(text, held), -1)
        self.assertEqual(module.mismatch(text, held[:2] + "X" + held[3:]), 2)
        self.assertEqual(module.mismatch(text, text), -1)
        self.assertEqual(raised(module, "mismatch", (u"ab\xe9", "abc")),
                         (UnicodeEncodeError,
                          _NON_ASCII.replace("position 0", "position 2")))

    def test_objects_without_a_character_buffer(self):
        obj = hostile.NoCharBuffer(20)
        self.assertEqual(module.mismatch(obj, obj.contents()), -1)
        self.assertEqual(module.mismatch(obj, _changed_at(obj.contents(), 7)), 7)
        self.assertEqual(module.mismatch(hostile.NullEmpty(), "abc"), -1)

    def test_random_against_the_reference(self):
        # Random contents, lengths, changed places, starts and forms, with a
        # fixed seed: the module, the C module and the byte loop agree.
        import random
        rng = random.Random(20240527)
        base = _pseudo_random(3000)
        makers = [str, buffer, lambda d: array.array("B", d),
                  lambda d: (ctypes.c_char * len(d)).from_buffer_copy(d)]
        if PYPY:
            makers.append(bytearray)
        for _ in xrange(400):
            n = rng.choice([rng.randrange(0, 40), rng.randrange(0, 600), rng.randrange(0, 3000)])
            a = base[rng.randrange(0, 3000 - n + 1):][:n]
            b = _changed_at(a, *rng.sample(xrange(n), min(n, rng.randrange(0, 3))))
            b = b[:rng.randrange(0, n + 1)] if rng.random() < 0.3 else b + "tail"[:rng.randrange(0, 5)]
            start = () if rng.random() < 0.3 else (rng.randrange(0, n + 10),)
            a_obj, b_obj = rng.choice(makers)(a), rng.choice(makers)(b)
            want = mismatch_expected(a, b, *start)
            self.assertEqual(module.mismatch(a_obj, b_obj, *start), want,
                             "%d vs %d bytes, start %r" % (len(a), len(b), start))
            self.assertEqual(reference.mismatch(a_obj, b_obj, *start), want)


class SweepTest(TestCase):
    """Every length up to 300 and around the block sizes of vectorised
    implementations (32, 64, 5552: Adler-32's reduction interval), with starts
    that need reducing: the cases a port's fast paths split."""

    LENGTHS = (list(xrange(301)) +
               [511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097,
                5535, 5536, 5537, 5551, 5552, 5553, 11103, 11104, 11105,
                65535, 65536, 65537])
    STARTS = [None, 0, 0xfff1fff1, 0xffffffff, 0xdeadbeef]

    def test_lengths_match_zlib(self):
        random_data = _pseudo_random(max(self.LENGTHS))
        ones = "\xff" * max(self.LENGTHS)
        for data in (random_data, ones):
            for n in self.LENGTHS:
                piece = data[:n]
                for start in self.STARTS:
                    extra = () if start is None else (start,)
                    self.assertEqual(module.adler32(piece, *extra),
                                     adler32_oracle(piece, *extra),
                                     "adler32 of %d bytes, start %r" % (n, start))
                    self.assertEqual(module.crc32(piece, *extra),
                                     zlib.crc32(piece, *extra),
                                     "crc32 of %d bytes, start %r" % (n, start))
                self.assertEqual(module.count(piece, 0xff), piece.count("\xff"))
                if n:
                    for place in sorted(set([0, n // 2, n - 1])):
                        self.assertEqual(module.mismatch(piece, _changed_at(piece, place)),
                                         place, "mismatch at %d of %d" % (place, n))
                    self.assertEqual(module.mismatch(piece, piece[:]), -1)


class ReferenceResultTest(TestCase):
    """A port gives the C module's results for the extreme inputs, 0 bytes
    and 1 MiB, in every form that holds them."""

    def setUp(self):
        if module is reference:
            self.skipTest("the module under test is the reference")

    def test_readers(self):
        for _, data in [PAYLOADS[0], PAYLOADS[5], PAYLOADS[6]]:
            calls = [("adler32", ()), ("adler32", (0xffffffff,)),
                     ("crc32", ()), ("crc32", (0xdeadbeef,)),
                     ("count", (0,)), ("count", (ord("e"),)), ("length", ())]
            for label, obj, _ in readable_forms(data):
                for name, extra in calls:
                    self.assertEqual(getattr(module, name)(obj, *extra),
                                     getattr(reference, name)(obj, *extra),
                                     "%s of %d bytes as %s" % (name, len(data), label))

    def test_mismatch(self):
        for _, data in [PAYLOADS[0], PAYLOADS[5], PAYLOADS[6]]:
            others = [data, _changed_at(data, len(data) - 1) if data else "x", data[:-1]]
            for label, obj, _ in mismatch_forms(data):
                for other in others:
                    for start in [(), (0,), (len(data) // 2,), (len(data) + 1,)]:
                        self.assertEqual(module.mismatch(obj, other, *start),
                                         reference.mismatch(obj, other, *start),
                                         "mismatch of %d bytes as %s, start %r"
                                         % (len(data), label, start))

    def test_docstrings(self):
        for name in ["adler32", "crc32", "count", "xor_into", "length", "mismatch"]:
            self.assertEqual(getattr(module, name).__doc__, getattr(reference, name).__doc__,
                             name)

    def test_xor_into(self):
        for _, data in [PAYLOADS[0], PAYLOADS[5]]:
            for key in ["k", _pseudo_random(7), _pseudo_random(70000)]:
                ported = writable_forms(data)
                original = writable_forms(data)
                for (label, dst, read_back), (_, ref_dst, _) in zip(ported, original):
                    module.xor_into(dst, key)
                    reference.xor_into(ref_dst, key)
                    self.assertEqual(read_back(dst), read_back(ref_dst),
                                     "xor_into(%s of %d bytes, key of %d)"
                                     % (label, len(data), len(key)))


class PanicTest(TestCase):
    """A port written in Rust has a hidden _panic(): the panic must come out as
    a Python SystemError, never unwind into the interpreter."""

    def setUp(self):
        if not hasattr(module, "_panic"):
            self.skipTest("%s has no _panic()" % MODULE_NAME)

    def test_panic_raises_system_error(self):
        for _ in xrange(3):
            got = raised(module, "_panic", ())
            self.assertIsNotNone(got)
            self.assertIs(got[0], SystemError, got)
            self.assertTrue(got[1].startswith("Rust panic: "), got)
        # The module still works.
        self.assertEqual(module.length("after"), 5)
        self.assertEqual(module.adler32("after"), zlib.adler32("after"))

    @unittest.skipUnless(hasattr(sys, "gettotalrefcount"), "needs a debug build")
    def test_panic_leaks_no_references(self):
        raised(module, "_panic", ())
        before = sys.gettotalrefcount()
        for _ in xrange(5):
            raised(module, "_panic", ())
        leaked = sys.gettotalrefcount() - before
        self.assertLess(leaked, 5, "%d references leaked in 5 panics" % leaked)


class ErrorTest(TestCase):

    def test_errors_are_the_recorded_ones(self):
        for name, make_args, exc_type, message in ERROR_CASES:
            args = make_args()
            self.assertEqual(raised(module, name, args), (exc_type, message),
                             describe(name, args))

    def test_errors_are_the_reference_ones(self):
        if module is reference:
            self.skipTest("the module under test is the reference")
        for name, make_args, _, _ in ERROR_CASES:
            want = raised(reference, name, make_args())
            got = raised(module, name, make_args())
            self.assertEqual(got, want, describe(name, make_args()))

    def test_argument_conversions_are_the_reference_ones(self):
        # The integer formats ("I" of adler32 and crc32, "i" of count) and the
        # argument counts, over values PyArg_ParseTuple treats differently.
        if module is reference:
            self.skipTest("the module under test is the reference")
        import decimal
        import fractions

        class Float(float):
            pass

        class Int(int):
            pass

        class Long(long):
            pass

        class HasInt(object):
            def __int__(self):
                return 7

        class HasLongInt(object):
            def __int__(self):
                return 1L << 40

        class HasBadInt(object):
            def __int__(self):
                return "x"

        class RaisingInt(object):
            def __int__(self):
                raise RuntimeError("__int__ refused")

        class OldStyle:
            pass

        class OldStyleInt:
            def __int__(self):
                return 3

        class HasIndex(object):
            def __index__(self):
                return 5

        values = [0, 1, -1, 255, 256, True, 2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1,
                  2 ** 32, 2 ** 63, 2 ** 64, -2 ** 64, 2 ** 100, 97L, 1.0, float("nan"),
                  Float(2.0), Int(5), Long(6), decimal.Decimal(3), decimal.Decimal("3.5"),
                  fractions.Fraction(1, 2), HasInt(), HasLongInt(), HasBadInt(),
                  RaisingInt(), OldStyle(), OldStyleInt(), HasIndex(), None, "a", u"a",
                  [], 1j, bytearray("a")]
        for name in ["adler32", "crc32", "count"]:
            for buf in ["abc", bytearray("abc"), None]:
                for value in values:
                    for args in [(buf, value), (buf, value, value), (value,)]:
                        self.assertEqual(raised(module, name, args) or getattr(module, name)(*args),
                                         raised(reference, name, args) or getattr(reference, name)(*args),
                                         describe(name, args))
        # mismatch's "n" (a Py_ssize_t), third.
        for value in values:
            for args in [("abc", "abd", value), ("abc", "abd", value, value), (value, "abd")]:
                self.assertEqual(raised(module, "mismatch", args) or module.mismatch(*args),
                                 raised(reference, "mismatch", args) or reference.mismatch(*args),
                                 describe("mismatch", args))

    def test_hostile_exporters(self):
        for name, make_args, exc_type in HOSTILE_ERROR_CASES:
            args = make_args()
            got = raised(module, name, args)
            self.assertIsNotNone(got, describe(name, args))
            self.assertIs(got[0], exc_type, "%s: %r" % (describe(name, args), got))
        self.assertEqual(raised(module, "length", (hostile.Raises(),)),
                         (ValueError, "hostile: refused"))

    def test_resizing_exporter(self):
        # Each proc call moves the storage: whatever is read must be one
        # consistent snapshot, and nothing may crash.
        obj = hostile.Resizing(100)
        n = module.length(obj)
        self.assertGreater(n, 100)
        self.assertEqual(module.crc32(obj), zlib.crc32(obj.contents()))
        module.xor_into(obj, obj)
        module.xor_into(obj, "k")
        self.assertGreater(obj.calls, 0)

    @unittest.skipUnless(hasattr(sys, "gettotalrefcount"), "needs a debug build")
    def test_no_reference_leaks(self):
        def exercise():
            for _, obj, _ in readable_forms("leak check"):
                module.adler32(obj, 5)
                module.crc32(obj)
                module.count(obj, 1)
                module.length(obj)
            module.xor_into(bytearray(10), u"key")
            for _, obj, _ in mismatch_forms("leak check"):
                module.mismatch(obj, "leak chock", 2)
                module.mismatch("leak", obj)
            for name, make_args, _, _ in ERROR_CASES:
                raised(module, name, make_args())
            for name, make_args, _ in HOSTILE_ERROR_CASES:
                raised(module, name, make_args())

        exercise()
        exercise()
        before = sys.gettotalrefcount()
        for _ in xrange(20):
            exercise()
        leaked = sys.gettotalrefcount() - before
        self.assertLess(leaked, 20, "%d references leaked in 20 rounds" % leaked)


if __name__ == "__main__":
    sys.stderr.write("testing %s (%s) from %s\n"
                     % (MODULE_NAME, module.__file__, _MODULES_DIR))
    unittest.main()
