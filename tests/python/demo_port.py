"""Show the C module legacy_checksum and its Rust port legacy_checksum_rs
side by side on a few objects: same results, or the same exception.

    LEGACY_BUFFER_TEST_MODULES=<dir of legacy_checksum.so> \\
        python2.7 demo_port.py <dir of legacy_checksum_rs.so>
"""

import array
import ctypes
import mmap
import os
import sys

sys.path[:0] = [sys.argv[1], os.environ["LEGACY_BUFFER_TEST_MODULES"]]
import legacy_checksum as c_module  # noqa: E402
import legacy_checksum_rs as rust_module  # noqa: E402

m = mmap.mmap(-1, 4096)
m[:5] = "mmap!"
OBJECTS = [
    ("'hello, world'", "hello, world"),
    ("u'unicode'", u"unicode"),
    ("bytearray(range(256))", bytearray(range(256))),
    ("array('i', [1, 2, 3])", array.array("i", [1, 2, 3])),
    ("mmap (4 KiB)", m),
    ("buffer('abcdef', 2)", buffer("abcdef", 2)),
    ("ctypes c_char * 8", ctypes.create_string_buffer("ctypes", 8)),
    ("memoryview('abc')", memoryview("abc")),
    ("42", 42),
]


def call(module, name, obj):
    try:
        return repr(getattr(module, name)(obj))
    except Exception as e:  # the exception is the result being compared
        return "%s: %s" % (type(e).__name__, e)


def main():
    mismatches = 0
    print("%-24s %-8s %-44s %s" % ("object", "function", "C legacy_checksum", "Rust port"))
    for label, obj in OBJECTS:
        for name in ("length", "adler32", "crc32"):
            c, r = call(c_module, name, obj), call(rust_module, name, obj)
            same = "" if c == r else "   <-- differs"
            mismatches += c != r
            print("%-24s %-8s %-44s %s%s" % (label, name, c[:44], r[:44] if c != r else "same", same))
    print("\n%d mismatches" % mismatches)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
