"""Instructions per operation of bitarray 1.2.2's C extensions and of their
Rust port, counted by valgrind's callgrind (report.py runs it).

    python2.7 instr_bitarray.py DIR OPERATION N
    python3 instr_bitarray.py DIR OPERATION N

runs OPERATION N times on a 100-bit bitarray of the `bitarray` package in
DIR. Two runs, N and 3N, under callgrind: the difference over 2N is what
one operation costs, the interpreter's start and the imports cancelling
out. Each figure counts the whole Python statement (the call through the
interpreter included), as the timeit rows do.
"""
import sys

if sys.version_info[0] >= 3:
    xrange = range

sys.path.insert(0, sys.argv[1])
from bitarray import bitarray  # noqa: E402

a = bitarray('01' * 50)
b = bitarray('10' * 50)
pickled = a.__reduce__()[1][0]
OPS = {
    'a[i]': lambda: a[37],
    'a[i] = 1': lambda: a.__setitem__(37, 1),
    'a & b': lambda: a & b,
    'a == b': lambda: a == b,
    'bitarray(bytes)': lambda: bitarray(pickled),
    'a[::3]': lambda: a[::3],
    'a.tobytes()': lambda: a.tobytes(),
}


def main():
    op, n = sys.argv[2], int(sys.argv[3])
    if op == 'for x in a':
        # Per bit: n bits iterated.
        for _ in xrange(n // 100):
            for x in a:
                pass
        return
    f = OPS[op]
    for _ in xrange(n):
        f()


if __name__ == '__main__':
    main()
