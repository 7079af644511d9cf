//! The C extension modules built by this crate's build script, loaded into a
//! `python2.7` (or `python2.7-dbg`, matching the headers legacy-buffer-sys
//! bound) subprocess.

use legacy_buffer_tests::ports;

/// Where the build script put `legacy_checksum` and `hostile`.
const MODULES_DIR: &str = env!("LEGACY_BUFFER_TEST_MODULES");

/// Runs the interpreter matching the Python build the modules were
/// compiled for (a debug build imports only `*_d.so` modules, a release
/// build only `*.so`) with `args` and the modules on its path, and fails
/// the test, showing everything it printed, unless it exits with 0.
fn run_python(args: &[&str]) {
    ports::run_python(
        args,
        &[
            ("LEGACY_BUFFER_TEST_MODULES", MODULES_DIR),
            ("LEGACY_CHECKSUM_MODULE", "legacy_checksum"),
        ],
    );
}

#[test]
fn legacy_checksum_suite_passes() {
    let suite = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/test_legacy_checksum.py"
    );
    run_python(&[suite, "-v"]);
}

/// Each hostile type, seen through code that uses the old buffer protocol:
/// `str(buffer(o))` (the read buffer), `unicode(o, encoding)` (the character
/// buffer), zlib's `s#` arguments (the read buffer), and legacy_checksum
/// (`PyObject_AsCharBuffer`/`AsReadBuffer`/`AsWriteBuffer`).
const HOSTILE_CHECKS: &str = r#"
import os, sys, zlib
sys.path.insert(0, os.environ["LEGACY_BUFFER_TEST_MODULES"])
import hostile, legacy_checksum

def raises(exc_type, func, *args):
    try:
        func(*args)
    except exc_type:
        return
    except Exception as e:
        raise AssertionError("%s%r raised %r, not %s" % (func.__name__, args, e, exc_type.__name__))
    raise AssertionError("%s%r did not raise %s" % (func.__name__, args, exc_type.__name__))

def via_buffer(o):  # the buffer object's str(): the read buffer, one segment
    return str(buffer(o))

def via_unicode(o):  # unicode(o, encoding): PyObject_AsCharBuffer
    return unicode(o, "latin-1")

# TwoSegments: two segments are refused wherever one is needed.
raises(TypeError, via_buffer, hostile.TwoSegments())
raises(TypeError, zlib.crc32, hostile.TwoSegments())
raises(TypeError, via_unicode, hostile.TwoSegments())
raises(TypeError, legacy_checksum.xor_into, hostile.TwoSegments(), "k")

# NegativeLength: -1 without an exception becomes a SystemError or a refusal.
raises(SystemError, via_buffer, hostile.NegativeLength())
raises(SystemError, via_unicode, hostile.NegativeLength())
raises(TypeError, zlib.crc32, hostile.NegativeLength())
raises(SystemError, legacy_checksum.length, hostile.NegativeLength())

# NullPointer: NULL with a length (never dereferenced here).
assert len(buffer(hostile.NullPointer())) == 16
raises(SystemError, legacy_checksum.length, hostile.NullPointer())
raises(SystemError, legacy_checksum.xor_into, hostile.NullPointer(), "k")

# Raises: the procs' own exception comes through unchanged.
for call in [via_buffer, zlib.crc32, via_unicode,
             legacy_checksum.length, lambda o: legacy_checksum.xor_into(o, "k")]:
    try:
        call(hostile.Raises())
    except ValueError as e:
        assert str(e) == "hostile: refused", e
    else:
        raise AssertionError("hostile.Raises was read")

# NoCharBuffer: readable and writable, but not a character buffer.
o = hostile.NoCharBuffer(8)
assert zlib.crc32(o) == zlib.crc32(o.contents())
raises(TypeError, via_unicode, o)
legacy_checksum.xor_into(o, "\x01")
assert o.contents() == "".join(chr(i ^ 1) for i in range(8)), repr(o.contents())

# HugeLength: a length that wrapped negative is refused.
raises(SystemError, via_buffer, hostile.HugeLength())
raises(TypeError, zlib.crc32, hostile.HugeLength())
raises(SystemError, legacy_checksum.length, hostile.HugeLength())

# Resizing: every proc call grows the storage by one byte.
o = hostile.Resizing(4)
assert (o.calls, o.size, o.contents()) == (0, 4, "\x00\x01\x02\x03")
n = legacy_checksum.length(o)  # segcount, then the char buffer
assert (n, o.calls, o.size) == (6, 2, 6), (n, o.calls, o.size)
assert o.contents() == "".join(chr(i) for i in range(6))
assert zlib.crc32(o) == zlib.crc32(o.contents())

# NullEmpty: NULL with length 0 is an empty buffer.
assert via_buffer(hostile.NullEmpty()) == ""
assert via_unicode(hostile.NullEmpty()) == u""
assert legacy_checksum.length(hostile.NullEmpty()) == 0
legacy_checksum.xor_into(hostile.NullEmpty(), "k")

for name in ["TwoSegments", "NegativeLength", "NullPointer", "Raises",
             "NoCharBuffer", "HugeLength", "Resizing", "NullEmpty"]:
    t = getattr(hostile, name)
    assert t.__doc__, name
    assert t(0).size == 0 and t().size == 16, name
raises(ValueError, hostile.Resizing, -1)
print("hostile: all checks passed")
"#;

#[test]
fn hostile_types_misbehave_as_designed() {
    run_python(&["-c", HOSTILE_CHECKS]);
}
