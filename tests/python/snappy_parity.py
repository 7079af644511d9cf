"""python-snappy's _snappy (the C++ original) and its Rust port, side by side.

Loads both extension modules into one interpreter and calls every function of
each on the same corpus: valid and invalid data, every kind of object the
formats meet ("s*" and "s#" on Python 2: str, unicode, bytearray, buffer,
memoryview, array, mmap, objects with no buffer; "y*" and "y#" on Python 3:
bytes, str, bytearray, memoryviews (of bytes, whole, a slice, strided or
released; of a bytearray; of an array), array, mmap, objects with no
buffer), wrong argument counts, keywords. The
results must be equal (type and value), and so must the exceptions (class
name, module and message), with one allowance: compress() may pick other
matches than libsnappy (the Snappy format fixes how a stream decompresses,
not which matches a compressor finds; libsnappy's own choices change between
its versions), so two compressed streams are equal when both decompress,
through the original, to the same data; how many are also byte-identical
is counted.

One difference is deliberate, and counted apart: from Python 3.10 the
original's isValidCompressed() raises "SystemError: PY_SSIZE_T_CLEAN macro
must be defined for '#' formats" for every argument its "y#" accepts (the
module does not define that macro), where the port answers. Such a case is
deliberate only if the original's exception is exactly that one, on 3.10 or
later, and the port's answer is a bool saying whether the original's
uncompress() takes the same argument; anything else is a difference.

Prints one line per case (ok, DIFF, or DELIBERATE), then the counts:
"N cases, D differences, M deliberate (...)"; exits 1 on any difference.
Runs under Python 2.7 and Python 3 alike (ASCII, no coding line):

    python2.7 snappy_parity.py ORIGINAL.so PORT.so
    python3.11 snappy_parity.py ORIGINAL.so PORT.so
"""

import array
import mmap
import random
import sys

PY3 = sys.version_info[0] >= 3

# What the original's isValidCompressed() raises from Python 3.10 on, for
# every argument "y#" takes: the deliberate difference (see above).
SSIZE_T_CLEAN = ("raise", "builtins.SystemError",
                 "PY_SSIZE_T_CLEAN macro must be defined for '#' formats")
SSIZE_T_CLEAN_FROM = (3, 10)


def load(path):
    """The _snappy module in path. Both are named _snappy: each is loaded by
    path (dlopen keeps their symbols apart), with the other's module object
    out of sys.modules, where Py_InitModule would otherwise reuse it. Python
    2's imp; Python 3's extension loader (imp is deprecated there, and gone
    in 3.12), whose cache of single-phase modules is keyed by path too."""
    sys.modules.pop("_snappy", None)
    if PY3:
        import importlib.machinery
        import importlib.util
        loader = importlib.machinery.ExtensionFileLoader("_snappy", path)
        spec = importlib.util.spec_from_file_location("_snappy", path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    else:
        import imp
        module = imp.load_dynamic("_snappy", path)
    sys.modules.pop("_snappy", None)
    return module


def outcome(function, args, kwargs):
    """What a call gives: ("ok", type name, value) or ("raise", class, msg)."""
    try:
        value = function(*args, **kwargs)
    except Exception as e:  # every exception is compared
        cls = type(e)
        return ("raise", "%s.%s" % (cls.__module__, cls.__name__), str(e))
    return ("ok", type(value).__name__, value)


def prose(size):
    """size bytes of words and numbers, where libsnappy 1.1.9 and snap
    choose different matches now and then."""
    words = ("the quick brown fox jumps over a lazy dog while snappy "
             "compresses buffers quickly and python keeps the gil ").split()
    out, i, length = [], 0, 0
    while length < size:
        word = words[(i * 7 + (i >> 3)) % len(words)] + ("%d " % (i % 97))
        out.append(word)
        length += len(word)
        i += 1
    # bytes: str on Python 2, where encoding ASCII gives the same str.
    return "".join(out)[:size].encode("ascii")


def corpus():
    """(label, function name, args, kwargs) of every case."""
    # Byte strings are b"" literals and bytes(bytearray) (str on Python 2,
    # the same values as ever there: the same cases on both lines).
    rng = random.Random(20261129)
    text = b"snappy +" * 1000 + b" " + b"by " * 1000 + b" google"
    noise = bytes(bytearray(rng.randrange(256) for _ in range(10000)))
    big = (b"a" * 100000) + noise
    inputs = [
        ("empty", b""),
        ("one byte", b"a"),
        ("hello", b"hello world!"),
        ("repetitive text", text),
        ("random bytes", noise),
        ("prose-like text", prose(50000)),
        ("100 B of prose", prose(100)),
        ("1000 B of prose", prose(1000)),
        ("100 KB of a then noise", big),
        # unicode on Python 2 ("s*" encodes it); str on Python 3, which
        # "y*" refuses.
        ("ascii unicode", u"hello unicode world!"),
        ("non-ascii unicode", u"h\xe9llo"),
        ("bytearray", bytearray(b"bytes in a bytearray" * 3)),
    ]
    if not PY3:
        # Python 2's buffer object (a name Python 3 does not have).
        inputs.append(("buffer", buffer(b"a buffer over a str", 2, 10)))  # noqa: F821
    inputs += [
        ("memoryview", memoryview(b"a memoryview")),
        ("array", array.array("B", range(200))),
        ("array of ints", array.array("i", range(50))),
        ("int", 7),
        ("None", None),
        ("list", [1, 2]),
    ]
    if PY3:
        # What Python 3 code passes besides: a slice of a memoryview
        # (contiguous), a strided one (not contiguous: "y*" refuses it), a
        # released one, memoryviews of a bytearray and of an array (which
        # "y*" takes and "y#" refuses: they release their exports), a long
        # str, and an empty bytearray and memoryview.
        released = memoryview(b"released")
        released.release()
        inputs += [
            ("memoryview slice", memoryview(b"a slice of a memoryview")[2:15]),
            ("memoryview strided", memoryview(b"a strided memoryview")[::2]),
            ("released memoryview", released),
            ("memoryview of a bytearray", memoryview(bytearray(b"shared" * 20))),
            ("memoryview of an array", memoryview(array.array("H", range(100)))),
            ("long str", "text, not bytes " * 100),
            ("empty bytearray", bytearray()),
            ("empty memoryview", memoryview(b"")),
        ]
    m = mmap.mmap(-1, 4096)
    m.write(b"an anonymous mmap" * 10)
    inputs.append(("mmap", m))

    cases = []
    for name in ("compress", "_crc32c", "isValidCompressed", "uncompress", "decompress"):
        for label, data in inputs:
            cases.append(("%s(%s)" % (name, label), name, (data,), {}))
    # Data that is not (all) valid Snappy, for the decompressing side
    # (compressed_cases adds what the original compressed).
    streams = [
        ("garbage", b"hoa"),
        ("header only", b"\x05"),
        ("truncated varint", b"\xff\xff\xff\xff\xff\xff"),
        ("huge length, no data", b"\xff\xff\xff\xff\x0f"),
        ("length past the data", b"\x0a\x04abc"),
        ("literal longer than the data", b"\x05\x10ab"),
        ("copy before any output", b"\x04\x01\x00"),
        ("bad copy offset", b"\x06\x08ab\x05\x09"),
        ("trailing bytes", b"\x01\x00a\x00"),
    ]
    for label, data in streams:
        for name in ("uncompress", "decompress", "isValidCompressed"):
            cases.append(("%s(%s)" % (name, label), name, (data,), {}))
    # Arity and keywords.
    for name in ("compress", "uncompress", "decompress", "isValidCompressed", "_crc32c"):
        cases.append(("%s()" % name, name, (), {}))
        cases.append(("%s(two args)" % name, name, (b"a", b"b"), {}))
        cases.append(("%s(keyword)" % name, name, (), {"data": b"a"}))
    return inputs, cases


def compressed_cases(original, inputs):
    """Decompressing what the original compressed, for every input it takes."""
    cases = []
    for label, data in inputs:
        try:
            packed = original.compress(data)
        except Exception:
            continue
        for name in ("uncompress", "decompress", "isValidCompressed"):
            cases.append(("%s(compressed %s)" % (name, label), name, (packed,), {}))
            cases.append(("%s(compressed %s, as bytearray)" % (name, label), name,
                          (bytearray(packed),), {}))
            if len(packed) > 1:
                cases.append(("%s(compressed %s, truncated)" % (name, label), name,
                              (packed[:-1],), {}))
    # Damaged streams: bytes changed at random places, and cut at random
    # lengths, of what the original compressed from a few inputs (fixed
    # seed). Most no longer decompress; some still do, to other data.
    rng = random.Random(20261130)
    for label, data in inputs:
        if label not in ("hello", "repetitive text", "1000 B of prose", "random bytes"):
            continue
        packed = original.compress(data)
        for n in range(40):
            damaged = bytearray(packed)
            for _ in range(1 + n % 3):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
            damaged = bytes(damaged)
            cut = packed[:rng.randrange(len(packed))]
            for name in ("uncompress", "isValidCompressed"):
                cases.append(("%s(compressed %s, damaged %d)" % (name, label, n), name,
                              (damaged,), {}))
                cases.append(("%s(compressed %s, cut %d)" % (name, label, n), name,
                              (cut,), {}))
    return cases


def main():
    original, port = load(sys.argv[1]), load(sys.argv[2])
    assert original is not port
    inputs, cases = corpus()
    cases += compressed_cases(original, inputs)
    differences, deliberate = 0, 0
    compressed, identical = 0, 0
    for label, name, args, kwargs in cases:
        a = outcome(getattr(original, name), args, kwargs)
        b = outcome(getattr(port, name), args, kwargs)
        same = a == b
        if name == "compress" and a[0] == b[0] == "ok":
            compressed += 1
            identical += same
            same = original.uncompress(a[2]) == original.uncompress(b[2])
            if not same:
                differences += 1
            print("%-4s %-50s %s" % ("ok" if same else "DIFF", label,
                                     "byte-identical" if a == b else
                                     "same data back, %d and %d bytes" % (len(a[2]), len(b[2]))))
            continue
        status = "ok" if same else "DIFF"
        if (not same and name == "isValidCompressed" and a == SSIZE_T_CLEAN
                and sys.version_info[:2] >= SSIZE_T_CLEAN_FROM):
            # The original cannot answer; the port's answer must be the one
            # the original's decompressor gives for the same argument.
            expected = outcome(original.uncompress, args, kwargs)[0] == "ok"
            if b == ("ok", "bool", expected):
                status = "DELIBERATE"
        if status == "DIFF":
            differences += 1
        elif status == "DELIBERATE":
            deliberate += 1
        shown = a if same else (a, b)
        text = repr(shown)
        if len(text) > 160:
            text = text[:157] + "..."
        print("%-4s %-50s %s" % (status, label, text))
    # The module itself: its names, the exception classes and the version.
    for attribute in sorted(set(dir(original)) | set(dir(port))):
        # Where each was loaded from (Python 3 adds its loader and spec).
        if attribute in ("__file__", "__loader__", "__spec__"):
            continue
        a, b = getattr(original, attribute, "<missing>"), getattr(port, attribute, "<missing>")
        if isinstance(a, type) and isinstance(b, type):
            a = (a.__module__, a.__name__, [c.__name__ for c in a.__mro__])
            b = (b.__module__, b.__name__, [c.__name__ for c in b.__mro__])
        elif callable(a) and callable(b):
            a, b = a.__doc__, b.__doc__
        same = a == b
        if not same:
            differences += 1
        print("%-4s %-50s %r" % ("ok" if same else "DIFF", "attribute " + attribute,
                                 a if same else (a, b)))
        cases.append(attribute)
    print("%d cases, %d differences, %d deliberate (the original's PY_SSIZE_T_CLEAN "
          "SystemError, 3.10+) (compress: %d of %d byte-identical)"
          % (len(cases), differences, deliberate, identical, compressed))
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
