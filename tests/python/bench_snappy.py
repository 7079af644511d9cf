"""Per-call time of python-snappy's _snappy (the C++ original) against its
Rust port, in one interpreter, and a Markdown table of them.

compress() and uncompress() over 100 B, 4 KiB, 64 KiB and 1 MiB of text-like
data (a str on Python 2, bytes on Python 3; and 1 MiB as a bytearray),
isValidCompressed() over 4 KiB and 64 KiB, _crc32c() over 64 KiB.
The repeats of the two modules alternate, so that a change in the machine's
load affects both alike; the figure is the best of them. Runs under Python
2.7 and Python 3 alike (ASCII, no coding line):

    python2.7 bench_snappy.py ORIGINAL.so PORT.so [--quick]
    python3.11 bench_snappy.py ORIGINAL.so PORT.so [--quick]

On Python 3.10 and later the original's isValidCompressed() raises
SystemError (it does not define PY_SSIZE_T_CLEAN, which its "y#" needs
there): its rows show the port's time alone.

--quick times little (a smoke test of the script, not a measurement).
"""

import argparse
import platform
import sys
import timeit

# The loader of the parity script beside this one (the script's directory
# is sys.path[0]): both modules are named _snappy.
from snappy_parity import load

KIB = 1 << 10
MIB = 1 << 20

PY3 = sys.version_info[0] >= 3

# What the timed byte strings are called in the table: each line's type.
BYTES = "bytes" if PY3 else "str"


def answers(function, arg):
    """Whether function(arg) returns: False only for the original's
    isValidCompressed() on Python 3.10+ (the SystemError above)."""
    try:
        function(arg)
    except SystemError as e:
        if "PY_SSIZE_T_CLEAN" in str(e) and sys.version_info[:2] >= (3, 10):
            return False
        raise
    return True


def text(size):
    """size bytes of text that compresses as prose does (about 2:1)."""
    words = ("the quick brown fox jumps over a lazy dog while snappy "
             "compresses buffers quickly and python keeps the gil ").split()
    out, i = [], 0
    length = 0
    while length < size:
        word = words[(i * 7 + (i >> 3)) % len(words)] + ("%d " % (i % 97))
        out.append(word)
        length += len(word)
        i += 1
    # bytes: str on Python 2, where encoding ASCII gives the same str.
    return "".join(out)[:size].encode("ascii")


def best_per_call(calls, min_time, repeat):
    """Best per-call seconds of each zero-argument callable, alternating."""
    numbers = []
    for call in calls:
        number = 1
        while timeit.timeit(call, number=number) < min_time:
            number *= 2
        numbers.append(number)
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            best[i] = min(best[i], timeit.timeit(call, number=numbers[i]) / numbers[i])
    return best


def cases(original):
    """(function, label, argument) of every timed call."""
    out = []
    for size, label in ((100, "100 B"), (4 * KIB, "4 KiB"), (64 * KIB, "64 KiB"), (MIB, "1 MiB")):
        data = text(size)
        out.append(("compress", "%s %s" % (label, BYTES), data))
        out.append(("uncompress", "%s %s" % (label, BYTES), original.compress(data)))
    data = text(MIB)
    out.append(("compress", "1 MiB bytearray", bytearray(data)))
    out.append(("uncompress", "1 MiB bytearray", bytearray(original.compress(data))))
    out.append(("isValidCompressed", "4 KiB " + BYTES, original.compress(text(4 * KIB))))
    data = text(64 * KIB)
    out.append(("isValidCompressed", "64 KiB " + BYTES, original.compress(data)))
    out.append(("_crc32c", "64 KiB " + BYTES, data))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("original")
    parser.add_argument("port")
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    original, port = load(opts.original), load(opts.port)
    min_time, repeat = (0.002, 2) if opts.quick else (0.2, 7)

    print("Per-call time (ns, best of %d alternating timeit repeats), %s %s, %s"
          % (repeat, platform.python_implementation(), platform.python_version(),
             platform.machine()))
    print("")
    print("| function | input | C++ original (ns) | Rust port (ns) | port / original |")
    print("| --- | --- | ---: | ---: | ---: |")
    fmt = lambda t: "{:,.0f}".format(t * 1e9) if t * 1e9 >= 100 else "%.1f" % (t * 1e9)
    for name, label, arg in cases(original):
        a, b = getattr(original, name), getattr(port, name)
        if not answers(a, arg):
            # The original cannot be timed: the port's time, and its answer
            # checked against the original's decompressor.
            original.uncompress(arg)  # raises if it does not decompress
            assert b(arg) is True, (name, label)
            t_b, = best_per_call([lambda: b(arg)], min_time, repeat)
            print("| `%s()` | %s | SystemError | %s | - |" % (name, label, fmt(t_b)))
            continue
        # Same results before anything is timed (compressed streams: the
        # same data back; libsnappy and snap may pick different matches).
        if name == "compress":
            assert original.uncompress(a(arg)) == original.uncompress(b(arg)), (name, label)
        else:
            assert a(arg) == b(arg), (name, label)
        t_a, t_b = best_per_call([lambda: a(arg), lambda: b(arg)], min_time, repeat)
        print("| `%s()` | %s | %s | %s | %.2f |" % (name, label, fmt(t_a), fmt(t_b), t_b / t_a))


if __name__ == "__main__":
    main()
