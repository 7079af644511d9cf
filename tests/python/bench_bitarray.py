"""Per-operation time of bitarray 1.2.2 (the C original) against its Rust
port, in one interpreter, and a Markdown table of them.

Each operation at 100 bits and at 8 Mbit: construction from a '0101...' str
and from bytes (the pickle format: a byte of unused bits, then the raw
bytes), frombytes, tobytes, count, search, index, item get and set, slice
get and set with a step, & | ^ ~, << (not in bitarray 1.2.2: reported so),
extend, ==, iteration, a pickle round trip (cPickle on Python 2).
Both packages are named `bitarray`: each is imported from its directory in
turn, the first one's modules taken out of sys.modules before the second is
imported (their extension modules are other files, which dlopen keeps
apart). The repeats of the two alternate, so that a change in the machine's
load affects both alike; the figure is the best of them. Each operation's
results are compared before it is timed.

    python2.7 bench_bitarray.py --original DIR --port DIR [--quick]
    python3 bench_bitarray.py --original DIR --port DIR [--quick]

Each DIR holds a `bitarray` package, built for the interpreter running this.
--quick times little, at 100 bits and 64 Kbit (a smoke test of the script,
not a measurement). The same operations on Python 2 and 3: the str of '0's
and '1's a str on both, the pickle format's bytes Python 2's str and 3's
bytes.
"""

from __future__ import print_function

import argparse
import os
import platform
import random
import sys
import timeit

if sys.version_info[0] >= 3:
    import pickle
    PICKLE = "pickle"

    def byte(code):
        return bytes(bytearray([code]))
else:
    import cPickle as pickle
    PICKLE = "cPickle"
    byte = chr

NAMES = ("bitarray", "bitarray._bitarray", "bitarray._util", "bitarray.util")


def load(directory):
    """The bitarray package in directory, imported afresh."""
    for name in NAMES:
        sys.modules.pop(name, None)
    sys.path.insert(0, os.path.abspath(directory))
    try:
        import bitarray
        import bitarray.util
    finally:
        sys.path.pop(0)
    for name in NAMES:
        sys.modules.pop(name, None)
    return bitarray


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


def rows(m, nbits, seed):
    """(operation, callable) of every timed call on package m, over data
    drawn from seed (the same for both packages)."""
    r = random.Random(seed)
    bitarray = m.bitarray
    s = "".join(r.choice("01") for _ in range(nbits))
    a = bitarray(s)
    b = bitarray("".join(r.choice("01") for _ in range(nbits)))
    raw = a.tobytes()
    pickled = byte(-nbits % 8) + raw
    sparse = bitarray(nbits)
    sparse.setall(0)
    sparse[-1] = 1
    pattern = bitarray("01101001")
    step = a[::3]
    i = nbits // 2

    def setitem():
        a[i] = 1

    def setslice():
        a[::3] = step

    def extend():
        c = bitarray()
        c.extend(b)
        return c

    def iterate():
        for _ in a:
            pass

    def roundtrip():
        # pickle finds the class by its module's name: this package's.
        sys.modules["bitarray"] = m
        return pickle.loads(pickle.dumps(a, 2))

    def frombytes():
        c = bitarray()
        c.frombytes(raw)
        return c

    return [
        ("`bitarray(str)`", lambda: bitarray(s)),
        ("`bitarray(bytes)`", lambda: bitarray(pickled)),
        ("`a.frombytes(bytes)`", frombytes),
        ("`a.tobytes()`", lambda: a.tobytes()),
        ("`a.count()`", lambda: a.count()),
        ("`a.search(8 bits)`", lambda: a.search(pattern)),
        ("`a.index(1)`, the last bit", lambda: sparse.index(1)),
        ("`a[i]`", lambda: a[i]),
        ("`a[i] = 1`", setitem),
        ("`a[::3]`", lambda: a[::3]),
        ("`a[::3] = b`", setslice),
        ("`a & b`", lambda: a & b),
        ("`a \\| b`", lambda: a | b),
        ("`a ^ b`", lambda: a ^ b),
        ("`~a`", lambda: ~a),
        ("`a << 1`", None),
        ("`a.extend(b)`, a empty", extend),
        ("`a == b`, equal", lambda: a == bitarray(a)),
        ("`for x in a`", iterate),
        ("`%s` round trip" % PICKLE, roundtrip),
    ]


def plain(v):
    """A comparable form of a result (the two packages' types differ)."""
    if hasattr(v, "to01"):
        return ("bitarray", v.endian(), v.to01())
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--original", required=True)
    parser.add_argument("--port", required=True)
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    original, port = load(opts.original), load(opts.port)
    same = os.path.realpath(opts.original) == os.path.realpath(opts.port)
    # Other files: other types (the same file is imported once).
    assert same or original.bitarray.__base__ is not port.bitarray.__base__
    min_time, repeat = (0.002, 2) if opts.quick else (0.2, 7)

    print("Per-operation time (ns, best of %d alternating timeit repeats), %s %s, %s"
          % (repeat, platform.python_implementation(), platform.python_version(),
             platform.machine()))
    print("")
    print("| operation | size | C original (ns) | Rust port (ns) | port / original |")
    print("| --- | --- | ---: | ---: | ---: |")
    fmt = lambda t: "{:,.0f}".format(t * 1e9) if t * 1e9 >= 100 else "%.1f" % (t * 1e9)
    large = (64 << 10, "64 Kbit") if opts.quick else (8 << 20, "8 Mbit")
    for nbits, size in ((100, "100 bits"), large):
        for (label, a), (_, b) in zip(rows(original, nbits, nbits), rows(port, nbits, nbits)):
            if a is None:
                # bitarray 1.2.2 has no shift operators (they came in 1.3).
                print("| %s | %s | not in 1.2.2 | not in 1.2.2 | - |" % (label, size))
                continue
            assert plain(a()) == plain(b()), (label, size)
            t_a, t_b = best_per_call([a, b], min_time, repeat)
            print("| %s | %s | %s | %s | %.2f |" % (label, size, fmt(t_a), fmt(t_b), t_b / t_a))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
