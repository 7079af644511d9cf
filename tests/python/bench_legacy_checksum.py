"""Per-call time of the C module legacy_checksum against a port of it.

Times length(), adler32() and mismatch() with timeit, in one interpreter,
over 100 bytes and over 1 MiB, each as a str (Python 3: bytes) and as a
bytearray, and prints a Markdown table. With --pyo3, also the same
length() and adler32() written with PyO3 (Python 3 only: its `&[u8]`
argument for bytes, its `PyBuffer<u8>` for both). mismatch() compares each input with a partner of its
length and type that differs only in its last byte, so the whole length is
compared; CPython's "s#" refuses a bytearray, so there a bytearray and its
partner are passed as buffer objects over them, as Python 2 code passes one
to an "s#" function (those rows say so; PyPy's "s#" takes a bytearray, and
fails on a buffer object over one; Python 3 has no buffer objects, and its
"s#" refuses a bytearray: no such rows there). Run it with Python 2.7 or 3 (CPython, or PyPy with both modules built for
it) and modules built in release mode (the C
module is built with -O2 by the tests crate's build script; the Rust port by
`cargo build -p legacy-checksum --release --features extension-module`, as
tests/tests/rust_port.rs and ci/main build it):

    LEGACY_BUFFER_TEST_MODULES=<dir of legacy_checksum.so> \\
        python2.7 bench_legacy_checksum.py --port-dir <dir of legacy_checksum_rs.so>

--port names the port's module (legacy_checksum_rs by default; the
environment's LEGACY_CHECKSUM_MODULE otherwise), --port-dir adds a directory
to sys.path (PYTHONPATH works too), --quick times little (a smoke test of
the script, not a measurement), --pyo3 names the PyO3 module
(legacy-buffer-bench/pyo3-checksum, as ci/bench-py3 builds it).
"""

import argparse
import gc
import importlib
import os
import platform
import sys
import timeit
import types

PYPY = platform.python_implementation() == "PyPy"
PY3 = sys.version_info[0] >= 3
if PY3:
    xrange = range
REFERENCE_NAME = "legacy_checksum"
DEFAULT_PORT = "legacy_checksum_rs"
MIB = 1 << 20

def _last_byte_changed(obj):
    """A copy of obj, of its type, whose last byte differs."""
    changed = bytearray(obj)
    changed[-1] ^= 1
    return type(obj)(changed)


def _mismatch_arguments(label, obj):
    """mismatch()'s arguments for an input: (label, object, extra arguments).
    A bytearray goes as a buffer object over it under CPython (whose "s#"
    takes no bytearray)."""
    other = _last_byte_changed(obj)
    if isinstance(obj, bytearray) and PY3:
        return None
    if isinstance(obj, bytearray) and not PYPY:
        return label + ", as `buffer()`", buffer(obj), (buffer(other),)
    return label, obj, (other,)


# (function, its extra arguments) timed over each input: a tuple, or a
# function of the input's label and object giving (label, object to pass,
# extra arguments).
FUNCTIONS = [("length", ()), ("adler32", ()), ("mismatch", _mismatch_arguments)]


def _data(size):
    """size bytes of a fixed, non-repeating-looking pattern."""
    return bytes(bytearray((i * 131 + (i >> 8)) & 0xff for i in xrange(min(size, 4096)))) * (
        size // 4096 + 1
    )


def inputs():
    """(label, object) pairs: 100 bytes and 1 MiB, as str and bytearray."""
    small = _data(100)[:100]
    big = _data(MIB)[:MIB]
    name = type(small).__name__
    return [
        ("100 B " + name, small),
        ("100 B bytearray", bytearray(small)),
        ("1 MiB " + name, big),
        ("1 MiB bytearray", bytearray(big)),
    ]


def _timer(function, obj, extra):
    """A timeit.Timer whose statement is the call itself, f(x), as Python
    code makes it: the objects come from a module the setup imports."""
    namespace = types.ModuleType("_bench_legacy_checksum_%d" % id(function))
    namespace.f = function
    namespace.x = obj
    namespace.a = extra
    sys.modules[namespace.__name__] = namespace
    setup = "from %s import f, x, a" % namespace.__name__
    stmt = "f(x, *a)" if extra else "f(x)"
    return namespace.__name__, timeit.Timer(stmt, setup)


def per_call(functions, obj, extra, min_time, repeat):
    """Best per-call time, in seconds, of each of functions over obj. The
    repeats of the functions alternate, so that a change in the machine's
    load during the run affects them alike."""
    timers = [_timer(function, obj, extra) for function in functions]
    try:
        numbers = []
        for _, timer in timers:
            number = 1
            while timer.timeit(number) < min_time:
                number *= 2
            numbers.append(number)
        best = [float("inf")] * len(timers)
        gc.disable()
        try:
            for _ in xrange(repeat):
                for i, (_, timer) in enumerate(timers):
                    best[i] = min(best[i], timer.timeit(numbers[i]) / numbers[i])
        finally:
            gc.enable()
        return best
    finally:
        for name, _ in timers:
            del sys.modules[name]


def interpreter():
    """Which Python runs the benchmark: CPython's release or debug build,
    or PyPy (whose C extensions run through cpyext)."""
    if PYPY:
        return "PyPy %d.%d.%d (Python %s, C extensions through cpyext)" % (
            sys.pypy_version_info[:3] + (platform.python_version(),))
    return "Python %s%s" % (platform.python_version(),
                            " (debug build)" if hasattr(sys, "gettotalrefcount") else "")


def fmt(seconds):
    ns = seconds * 1e9
    if ns >= 1000:
        return "{:,.0f}".format(ns)
    if ns >= 100:
        return "{:.0f}".format(ns)
    return "{:.1f}".format(ns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default=os.environ.get("LEGACY_BUFFER_TEST_MODULES"),
                        help="directory of the C module (default: $LEGACY_BUFFER_TEST_MODULES)")
    parser.add_argument("--port-dir", action="append", default=[],
                        help="directory holding the port (repeatable)")
    parser.add_argument("--port", default=os.environ.get("LEGACY_CHECKSUM_MODULE") or DEFAULT_PORT,
                        help="module name of the port (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=7,
                        help="timeit repeats; the best is shown (default: %(default)s)")
    parser.add_argument("--min-time", type=float, default=0.1,
                        help="seconds each repeat runs at least (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="time very little: check that the script works")
    parser.add_argument("--pyo3", help="module name of the PyO3 version (Python 3)")
    options = parser.parse_args()
    if options.quick:
        options.repeat, options.min_time = 1, 0.001
    if not options.modules:
        parser.error("set LEGACY_BUFFER_TEST_MODULES or pass --modules")
    for directory in reversed(options.port_dir):
        sys.path.insert(0, directory)
    sys.path.insert(0, options.modules)

    c_module = importlib.import_module(REFERENCE_NAME)
    port = importlib.import_module(options.port)
    if port is c_module:
        parser.error("the port is the C module itself")
    pyo3 = importlib.import_module(options.pyo3) if options.pyo3 else None

    # What the timeit loop and a call of a C function cost by themselves.
    baseline = per_call([len], "x", (), options.min_time, options.repeat)[0]
    rows = []
    for name, arguments in FUNCTIONS:
        for label, obj in inputs():
            if callable(arguments):
                made = arguments(label, obj)
                if made is None:
                    continue
                label, obj, extra = made
            else:
                extra = arguments
            functions = [getattr(c_module, name), getattr(port, name)]
            # PyO3's: `&[u8]` (bytes only) and `PyBuffer<u8>`, where written.
            if pyo3 is not None and hasattr(pyo3, name):
                functions.append(getattr(pyo3, name) if isinstance(obj, bytes) else None)
                functions.append(getattr(pyo3, name + "_buffer"))
            timed = [f for f in functions if f is not None]
            results = set(f(obj, *extra) for f in timed)
            if len(results) != 1:
                sys.exit("%s(%s) differs between the modules: %r" % (name, label, results))
            times = iter(per_call(timed, obj, extra, options.min_time, options.repeat))
            rows.append((name, label, [next(times) if f is not None else None
                                       for f in functions]))

    print("Per-call time (ns, best of %d alternating timeit repeats), %s, %s"
          % (options.repeat, interpreter(), platform.machine()))
    print("")
    print("C: `%s`  " % os.path.realpath(c_module.__file__))
    print("port: `%s`" % os.path.realpath(port.__file__))
    print("")
    print("For scale, `len(x)` (a builtin, same timeit loop%s): %s ns per call."
          % (", which PyPy's JIT compiles" if PYPY else "", fmt(baseline)))
    print("")
    if pyo3 is not None:
        print("PyO3: `%s`" % os.path.realpath(pyo3.__file__))
        print("")
        print("| function | input | C (ns) | %s (ns) | port / C | PyO3 `&[u8]` (ns) "
              "| PyO3 `PyBuffer<u8>` (ns) | port / best PyO3 |" % options.port)
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    else:
        print("| function | input | C (ns) | %s (ns) | port / C |" % options.port)
        print("| --- | --- | ---: | ---: | ---: |")
    for name, label, times in rows:
        c_time, port_time = times[:2]
        line = "| `%s()` | %s | %s | %s | %.2f |" % (
            name, label, fmt(c_time), fmt(port_time), port_time / c_time)
        if pyo3 is not None:
            others = times[2:]
            if others:
                best = min(t for t in others if t is not None)
                line += " %s | %s | %.2f |" % (
                    fmt(others[0]) if others[0] is not None else "-",
                    fmt(others[1]), port_time / best)
            else:
                line += " - | - | - |"
        print(line)


if __name__ == "__main__":
    main()
