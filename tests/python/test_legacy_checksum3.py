"""Tests of legacy_checksum (the C reference module) or of a port of it, on
Python 3 (CPython 3.9 and later), the modules built for it:

    LEGACY_BUFFER_TEST_MODULES=<dir> python3.11 test_legacy_checksum3.py -v

The Python 2 suite (test_legacy_checksum.py) states Python 2's objects and
words; this one Python 3's: there the C module's four functions take a
new-protocol export (bytes, bytearray, array, memoryview, mmap, ctypes;
not str), and its "s#" takes a str as UTF-8 or a read-only bytes-like
object. LEGACY_CHECKSUM_MODULE names the module under test,
`legacy_checksum` by default; every bad input must raise, in the module
under test, what it raises in the C module, type and message.
"""

import array
import ctypes
import gc
import hashlib
import importlib
import mmap
import os
import sys
import unittest
import zlib

_MODULES_DIR = os.environ.get("LEGACY_BUFFER_TEST_MODULES")
if not _MODULES_DIR:
    sys.exit("test_legacy_checksum3: set LEGACY_BUFFER_TEST_MODULES to the "
             "directory holding the built extension modules")
sys.path.insert(0, _MODULES_DIR)

REFERENCE_NAME = "legacy_checksum"
MODULE_NAME = os.environ.get("LEGACY_CHECKSUM_MODULE") or REFERENCE_NAME

module = importlib.import_module(MODULE_NAME)
reference = importlib.import_module(REFERENCE_NAME)


def _pseudo_random(size):
    """size deterministic bytes that do not repeat with a short period."""
    blocks = [hashlib.sha256(str(i).encode()).digest() for i in range((size + 31) // 32)]
    return b"".join(blocks)[:size]


MIB = 1 << 20
PAYLOADS = [
    ("empty", b""),
    ("nul", b"\x00"),
    ("one", b"\xff"),
    ("text", b"The quick brown fox jumps over the lazy dog"),
    ("all bytes", bytes(range(256))),
    ("1 MiB binary", _pseudo_random(MIB)),
]


def signed(value):
    """Python 2's zlib checksums, which the C module keeps: signed 32-bit."""
    value &= 0xffffffff
    return value - (1 << 32) if value >= 1 << 31 else value


def _anonymous_mmap(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    m.seek(0)
    return m


def readable_forms(data):
    """(label, object) for objects whose buffer holds the bytes of data (no
    mmap of nothing: an anonymous mmap cannot be empty)."""
    forms = [
        ("bytes", data),
        ("bytearray", bytearray(data)),
        ("array('B')", array.array("B", data)),
        ("memoryview", memoryview(data)),
        ("memoryview slice", memoryview(b"<<" + data + b">>")[2:len(data) + 2]),
        ("ctypes c_char array", (ctypes.c_char * len(data)).from_buffer_copy(data)),
    ]
    if data:
        forms.append(("mmap", _anonymous_mmap(data)))
    return forms


def writable_forms(data):
    """(label, object, read back) for writable buffers initially holding data."""
    forms = [
        ("bytearray", bytearray(data), bytes),
        ("array('B')", array.array("B", data), lambda a: a.tobytes()),
        ("memoryview of a bytearray", memoryview(bytearray(data)), bytes),
        ("ctypes c_char array", (ctypes.c_char * len(data)).from_buffer_copy(data),
         lambda c: ctypes.string_at(ctypes.addressof(c), ctypes.sizeof(c))),
    ]
    if data:
        forms.append(("mmap", _anonymous_mmap(data), lambda m: m[:]))
    return forms


def sharp_s_forms(data):
    """(label, object, bytes read) that "s#" takes: bytes, a str (as UTF-8),
    and read-only exporters without a release proc (ctypes)."""
    forms = [
        ("bytes", data, data),
        ("ctypes c_char array", (ctypes.c_char * len(data)).from_buffer_copy(data), data),
    ]
    text = data.decode("latin-1")
    forms.append(("str", text, text.encode("utf-8")))
    return forms


def mismatch_expected(a, b, start=0):
    for i in range(start, min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return -1


def _read_only_mmap():
    return mmap.mmap(-1, 4, access=mmap.ACCESS_READ)


# Bad input: (function, arguments factory). What the C module raises is the
# specification; the arguments are made afresh for every call.
BAD_INPUTS = [
    (name, make)
    for name in ("adler32", "crc32", "length")
    for make in (lambda: (1,), lambda: (None,), lambda: ([1, 2],), lambda: ("abc",),
                 lambda: (memoryview(b"abcdef")[::2],), lambda: (),
                 lambda: (b"a", 1, 2))
] + [
    ("adler32", lambda: (b"abc", "x")),
    ("adler32", lambda: (b"abc", 1.5)),
    ("crc32", lambda: (b"abc", None)),
    ("crc32", lambda: (b"abc", -1.0)),
    ("count", lambda: (b"abc", 256)),
    ("count", lambda: (b"abc", -1)),
    ("count", lambda: (None, 300)),
    ("count", lambda: (b"abc", "a")),
    ("count", lambda: (b"abc", 1.5)),
    ("count", lambda: (b"abc", 1 << 40)),
    ("count", lambda: ("abc", 1)),
    ("count", lambda: (b"abc",)),
    ("xor_into", lambda: (bytearray(3), b"")),
    ("xor_into", lambda: (1, b"")),
    ("xor_into", lambda: (_read_only_mmap(), b"k")),
    ("xor_into", lambda: (b"abc", b"k")),
    ("xor_into", lambda: ("abc", b"k")),
    ("xor_into", lambda: (memoryview(b"abc"), b"k")),
    ("xor_into", lambda: (1, b"k")),
    ("xor_into", lambda: (None, b"k")),
    ("xor_into", lambda: (bytearray(3), "k")),
    ("xor_into", lambda: (bytearray(3), None)),
    ("xor_into", lambda: (bytearray(3), b"k", 1)),
    ("mismatch", lambda: (b"abc", b"abd", -1)),
    ("mismatch", lambda: (b"abc", b"abd", -(1 << 40))),
    ("mismatch", lambda: (b"abc", b"abd", 1.5)),
    ("mismatch", lambda: (b"abc", b"abd", "1")),
    ("mismatch", lambda: (b"abc", b"abd", None)),
    ("mismatch", lambda: (b"abc", b"abd", 1 << 70)),
    ("mismatch", lambda: ("\ud800", b"a")),
    ("mismatch", lambda: (b"a", "\udfff")),
    ("mismatch", lambda: ()),
    ("mismatch", lambda: (b"abc",)),
    ("mismatch", lambda: (b"a", b"b", 0, 1)),
] + [
    ("mismatch", make)
    for bad in (lambda: 1, lambda: None, lambda: [1], lambda: bytearray(b"abc"),
                lambda: memoryview(b"abc"), lambda: array.array("B", b"abc"),
                lambda: _anonymous_mmap(b"abc"), lambda: memoryview(b"abcdef")[::2])
    for make in (lambda bad=bad: (bad(), b"abc"), lambda bad=bad: (b"abc", bad()))
]


def raised(mod, name, args):
    """(exception type, message) that mod.name(*args) raised, or None."""
    try:
        getattr(mod, name)(*args)
    except Exception as e:
        return type(e), str(e)
    return None


class TestCase(unittest.TestCase):
    longMessage = True


class ChecksumTest(TestCase):

    def check_against_zlib(self, data, *start):
        for label, obj in readable_forms(data):
            self.assertEqual(module.adler32(obj, *start), signed(zlib.adler32(data, *start)),
                             "adler32 of %s, start %r" % (label, start))
            self.assertEqual(module.crc32(obj, *start), signed(zlib.crc32(data, *start)),
                             "crc32 of %s, start %r" % (label, start))

    def test_payloads_match_zlib(self):
        for _, data in PAYLOADS:
            self.check_against_zlib(data)

    def test_start_matches_zlib(self):
        for start in (0, 1, 65521, 0xfff1fff1, 0x7fffffff, 0x80000000, 0xffffffff):
            for _, data in PAYLOADS[:5]:
                self.check_against_zlib(data, start)
        # "I" masks: what does not fit in 32 bits, and negatives, wrap.
        for start in ((1 << 32) + 7, (1 << 64) + 3, -1, -(1 << 31)):
            self.assertEqual(module.adler32(b"abc", start),
                             signed(zlib.adler32(b"abc", start & 0xffffffff)))

    def test_results_are_signed_ints(self):
        self.assertEqual(module.crc32(b"", 0xffffffff), -1)
        self.assertIs(type(module.crc32(b"abc")), int)
        self.assertIs(type(module.adler32(b"abc")), int)

    def test_wider_array_items_are_raw_bytes(self):
        a = array.array("I", [1, 2, 0xffffffff])
        self.assertEqual(module.length(a), len(a.tobytes()))
        self.assertEqual(module.crc32(a), signed(zlib.crc32(a.tobytes())))


class CountAndLengthTest(TestCase):

    def test_count(self):
        for _, data in PAYLOADS:
            for byte in (0, 1, ord("e"), 255):
                for label, obj in readable_forms(data):
                    self.assertEqual(module.count(obj, byte), data.count(bytes([byte])),
                                     "count(%s, %d)" % (label, byte))

    def test_length(self):
        for _, data in PAYLOADS:
            for label, obj in readable_forms(data):
                self.assertEqual(module.length(obj), len(data), label)


class XorIntoTest(TestCase):

    def test_xor_into_every_writable_form(self):
        data, key = PAYLOADS[4][1], b"\x5a\xa5\x0f"
        expected = bytes(b ^ key[i % len(key)] for i, b in enumerate(data))
        for label, dst, read_back in writable_forms(data):
            for key_label, key_obj in readable_forms(key):
                dst_copy = type(dst)(dst) if isinstance(dst, bytearray) else dst
                self.assertIsNone(module.xor_into(dst_copy, key_obj))
                self.assertEqual(read_back(dst_copy), expected, "%s ^ %s" % (label, key_label))
                module.xor_into(dst_copy, key_obj)  # and back
                self.assertEqual(read_back(dst_copy), data, "%s ^ %s twice" % (label, key_label))

    def test_key_and_destination_the_same_object(self):
        buf = bytearray(b"\x01\x02\x03")
        module.xor_into(buf, buf)
        self.assertEqual(buf, bytearray(3))


class MismatchTest(TestCase):

    def test_mismatch(self):
        a = PAYLOADS[3][1]
        for i in (0, 1, 10, len(a) - 1):
            b = bytearray(a)
            b[i] ^= 0x20
            b = bytes(b)
            for label, obj, held in sharp_s_forms(a):
                for start in (0, i, i + 1):
                    self.assertEqual(module.mismatch(obj, b, start),
                                     mismatch_expected(held, b, start),
                                     "%s, byte %d, start %d" % (label, i, start))

    def test_str_is_read_as_utf8(self):
        self.assertEqual(module.mismatch("\xe9", b"\xc3\xa9"), -1)
        self.assertEqual(module.mismatch("\xe9", b"\xc3\xaa"), 1)

    def test_shorter_and_empty(self):
        self.assertEqual(module.mismatch(b"ab", b"abc"), -1)
        self.assertEqual(module.mismatch(b"", b""), -1)
        self.assertEqual(module.mismatch(b"abc", b"abd", 5), -1)


class ErrorTest(TestCase):

    def test_bad_input_raises_what_the_c_module_raises(self):
        for name, make in BAD_INPUTS:
            expected = raised(reference, name, make())
            self.assertIsNotNone(expected, "the C module took %s%r" % (name, make()))
            self.assertEqual(raised(module, name, make()), expected, "%s%r" % (name, make()))

    def test_keyword_arguments_refused_alike(self):
        for name, args in (("adler32", (b"abc",)), ("length", (b"abc",)),
                           ("mismatch", (b"a", b"b"))):
            def call(mod):
                try:
                    getattr(mod, name)(*args, start=1)
                except TypeError as e:
                    return str(e)
                return None
            self.assertIsNotNone(call(reference), name)
            self.assertEqual(call(module), call(reference), name)
        # An empty ** is no keyword argument at all.
        self.assertEqual(module.length(b"abc", **{}), 3)

    def test_released_memoryview(self):
        def released():
            m = memoryview(bytearray(b"x" * 1000))
            m.release()
            return m
        for name, args in (("length", lambda: (released(),)),
                           ("adler32", lambda: (released(),)),
                           ("xor_into", lambda: (released(), b"k")),
                           ("mismatch", lambda: (released(), b"k")),
                           ("mismatch", lambda: (b"k", released()))):
            expected = raised(reference, name, args())
            self.assertIsNotNone(expected, name)
            self.assertEqual(raised(module, name, args()), expected, name)

    def test_arguments_outlive_a_partial_changed_during_the_call(self):
        # functools.partial passes its stored arguments to a fast-call
        # function without references of its own; __setstate__, called from
        # an argument's __index__ while mismatch() runs, drops them. The
        # function must hold its arguments, as a tuple would.
        import functools
        size = 64 * 1024

        class Evil(object):
            def __index__(self):
                partial.__setstate__((module.mismatch, (), {}, None))
                gc.collect()
                self.junk = [bytes([i]) * size for i in range(1, 9)]
                return 0

        partial = functools.partial(module.mismatch, bytes(size), bytes(size))
        self.assertEqual(partial(Evil()), -1)

    def test_no_exception_left_behind(self):
        for name, make in BAD_INPUTS:
            raised(module, name, make())
            self.assertEqual(module.length(b"ok"), 2)


if __name__ == "__main__":
    unittest.main()
