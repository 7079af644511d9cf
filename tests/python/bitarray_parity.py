"""bitarray 1.2.2 (the C original) and its Rust port, op by op.

Both packages are named `bitarray`, so each runs in a worker process of its
own (this script with --worker DIR, the same interpreter): the two workers
generate the same seeded sequence of self-contained operations (each draws
its inputs from the seed first, then builds its bitarrays and runs), and
write one JSON line per operation: its label and what it gave -- results
normalised to plain values (bitarrays as type, endianness and bits), the
exception's class and message, the state of the bitarrays it changed. The
main process reads the two transcripts in lockstep and stops at the first
difference, showing both sides.

    python bitarray_parity.py --original DIR --port DIR [--seed N] [--cases N]
        [--port-differences] [--no-file-ops] [--no-iterdecode]

Each DIR holds a `bitarray` package (`bitarray/__init__.py`, `util.py`,
`_bitarray<suffix>`, `_util<suffix>`). Runs under python2.7, python2.7-dbg
and pypy, and under python3 (3.9, 3.11) with packages built for it (each
worker runs under this script's interpreter). Prints a line per difference
and a summary:

    N ops (M raised, K known port differences), 0 mismatches

--port-differences: PORT is the Rust port; the operations listed in
PORT_DIFFERENCES below are compared as "what the original did, turned into
what the port is meant to do" against the port. Without it (the original
against itself) they are compared as any other operation.

--no-file-ops: leave out tofile/fromfile (for an interpreter where the
original's file functions crash; not needed under pypy 7.3: only the
original's own FileTests.test_tofile crashes there, not these).

--no-iterdecode: leave out iterdecode (the record says "skipped"). For the
C original under pypy: its decode iterator keeps the code dict's symbols as
borrowed references (PyDict_Next) past the call, which cpyext frees, and it
crashes now and then (SIGSEGV). Under CPython the dict keeps them alive for
as long as these operations iterate.

On Python 2 and Python 3 the operations are the same in kind, each drawing
its inputs the one way on Python 2 (where nothing here may change what is
drawn or compared: the summary stays the same for a seed) and with what
Python 3 has on Python 3: int for long; bytes where Python 2 passes a str as
bytes (frombytes, pack, pickle-format initials, files); str where it passes a
str of '0's and '1's; and where the C's Python 3 build treats bytes and str
differently (constructing, extending, unpack's characters, hex2ba), both.
Python 3 alone has a few operations more (file-like objects other than
files, protocols 3 and 4). This file stays ASCII: Python 2 reads it.
"""

from __future__ import print_function

import copy
import json
import os
import pickle
import random
import re
import subprocess
import sys
import tempfile

PY3 = sys.version_info[0] >= 3
if PY3:
    long = int
    unicode = str
    TEXT = (bytes, str)
    NEXT = "__next__"
    EXCEPTIONS_MODULE = "builtins"

    def byte_string(codes):
        """Bytes of these codes (Python 2's str of chr() of each)."""
        return bytes(bytearray(codes))
else:
    TEXT = (str, unicode)
    NEXT = "next"
    EXCEPTIONS_MODULE = "exceptions"

    def byte_string(codes):
        return "".join(chr(c) for c in codes)

# ---------------------------------------------------------------------------
# The port's known, intentional differences from the C original, by the kind
# of operation (the first field of each transcript line): why, and the
# record the port is meant to give, computed from the original's record.
# Only --port-differences applies them; each entry must then really differ
# (the original's record is not already what the port is meant to give), or
# the run fails: the table holds nothing stale.


def nbytes(state):
    """How many bytes a bitarray of this state's bits holds."""
    return (len(state[3]) + 7) // 8


def refused_resize(record):
    """The port's record for an operation that changes how many bytes a
    bitarray exporting its buffer holds: BufferError, and the bitarray
    unchanged. None where the byte count stays (a bit appended to a byte
    with room, say): the exported memory is then not resized, the view
    stays good, and the port does what the original does."""
    before, after = record["before"], record["after"]
    if record["result"][0] == "raise" or nbytes(before) == nbytes(after):
        return None
    return dict(record, result=["raise", EXCEPTIONS_MODULE + ".BufferError",
                                "Existing exports of data: object cannot be re-sized"],
                after=before)


RESULT_WITH_EXCEPTION = re.compile(
    r"^<(built-in method \w+ of \w+ object at 0x\.\.\.|method '\w+' of '[\w.]+' objects)>"
    r" returned a result with an (error|exception) set$")


def left_set(record):
    """The port's record where the original returned a result with an
    exception set (Python 3): that exception, which the original's
    SystemError has as its cause (exc's fourth field), in its place; the
    rest as the original left it. None where no result is such."""
    changed = dict(record)
    for key, result in record.items():
        if (isinstance(result, list) and len(result) == 4 and result[0] == "raise"
                and result[1] == "builtins.SystemError"
                and RESULT_WITH_EXCEPTION.match(result[2])):
            changed[key] = result[3]
    return changed if changed != record else None


LEFT_SET = (
    "bitarray 1.2.2 returns a result with an exception set, which CPython 3"
    " replaces with a SystemError naming the method (\"<method '__getitem__'"
    " of 'bitarray._bitarray' objects> returned a result with an exception"
    " set\"), the exception its cause: a C bug that CPython 3 reports. Its"
    " Python 3 fromfile goes on when f.read raises and returns None; its"
    " getIndex takes -1 for an int past a long long without looking at"
    " PyLong_AsLongLong's OverflowError, and the item or slice got, set or"
    " deleted, or the repetition, runs at -1. The port does what the C does"
    " and raises that exception itself: read's, the OverflowError (Python 3"
    " only: on Python 2, whose CPython reports nothing, the port gives the"
    " result and no entry applies).")

PORT_DIFFERENCES = {
    "files": (LEFT_SET, left_set),
    "getitem": (LEFT_SET, left_set),
    "setitem": (LEFT_SET, left_set),
    "delitem": (LEFT_SET, left_set),
    "arith": (LEFT_SET, left_set),
    "resize-exported": (
        "bitarray 1.2.2's resize() does not look at ob_exports: a bitarray"
        " whose buffer a memoryview holds is reallocated under it (the"
        " memoryview then points to freed memory: unsound). The port refuses"
        " it as bytearray does, where the number of bytes changes (within"
        " the last byte, nothing moves and the view stays good: both then"
        " agree, and such cases are compared as any other).",
        refused_resize),
}

# ---------------------------------------------------------------------------
# The worker: runs the operations on the `bitarray` package found in DIR.

ENDIANS = ("big", "little")


def norm(v, depth=0):
    """A plain, comparable form of a value (JSON-able lists and scalars)."""
    import bitarray as B
    if isinstance(v, B._bitarray):
        return ["ba", type(v).__name__, v.endian(), v.to01()]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, (int, long)):
        return [type(v).__name__, str(v)]
    if isinstance(v, TEXT):
        return [type(v).__name__, repr(v)]
    if isinstance(v, float):
        return ["float", repr(v)]
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [type(v).__name__, [norm(x, depth + 1) for x in v]]
    if isinstance(v, dict):
        items = [[norm(k), norm(x)] for k, x in v.items()]
        # Python 3 orders no mixed types (None, lists): by their JSON there.
        return ["dict", sorted(items, key=json.dumps) if PY3 else sorted(items)]
    if hasattr(v, "__iter__") and hasattr(v, NEXT) and depth == 0:
        # itersearch/iterdecode: the iterator's type, then what it yields.
        items = []
        try:
            for x in v:
                items.append(norm(x, depth + 1))
                if len(items) > 1000:
                    break
        except Exception as e:
            items.append(exc(e))
        return ["iter", type(v).__name__, items]
    if isinstance(v, type):
        return ["type", v.__name__]
    return ["other", type(v).__name__]


def exc(e):
    cls = type(e)
    if not PY3:
        # Messages may quote any byte ("found '\xff'").
        return ["raise", "%s.%s" % (cls.__module__, cls.__name__), str(e).decode("latin-1")]
    # A SystemError CPython raises for a function that returned a result
    # with an exception set names the function at its address (which
    # differs from run to run), and has that exception as its cause: kept
    # as a fourth field.
    record = ["raise", "%s.%s" % (cls.__module__, cls.__name__),
              re.sub(r" at 0x[0-9a-fA-F]+", " at 0x...", str(e))]
    cause = e.__cause__
    if cause is not None and cls is SystemError:
        record.append(exc(cause))
    return record


def out(f):
    """What a call gives: ["ok", normalised value] or ["raise", class, message]."""
    try:
        return ["ok", norm(f())]
    except Exception as e:  # every exception is compared
        return exc(e)


def st(a):
    """A bitarray's state: type, endianness, bits."""
    return norm(a)


def mut(a, f):
    """Runs f, which changes bitarray a: its result and a's state after.
    After an error, only a's length and its first bits (as many as it had)
    are compared: the original may have grown it first and left the new bits
    uninitialised (extend from '0120': resized, then stopped at '2')."""
    n = len(a)
    result = out(f)
    if result[0] == "raise":
        after = ["ba after an error", type(a).__name__, a.endian(), len(a), a.to01()[:n]]
    else:
        after = st(a)
    return {"result": result, "after": after}


def masked(data, nbits, endian):
    """The bytes of an exported buffer with the unused bits of the last byte
    cleared: the C original leaves whatever was there (uninitialised memory
    after a resize), so only the bitarray's own bits are compared."""
    data = bytearray(data)
    r = nbits % 8
    if r and data:
        keep = ((0xff << (8 - r)) & 0xff) if endian == "big" else ((1 << r) - 1)
        data[-1] &= keep
    return bytes(data) if PY3 else str(data)


# Ints past a C long long, as indexes, slice bounds, repetitions and bits
# (the C takes -1 for them, PyLong_AsLongLong's and PyLong_AsLong's error
# value, without looking at the error). Python 3 alone: on Python 2 nothing
# may change the draws. (Python 2's longs go the same ways in the C.)
HUGE = [2 ** 64, -2 ** 64] if PY3 else []


class Gen(object):
    """The seeded draws every operation takes its inputs from."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def n(self):
        k = self.r.random()
        if k < 0.1:
            return self.r.choice([0, 1, 7, 8, 9])
        if k < 0.4:
            return 8 * self.r.randint(1, 25) + self.r.choice([-1, 0, 1])
        return self.r.randint(0, 200)

    def bits(self, n=None):
        if n is None:
            n = self.n()
        p = self.r.choice([0.0, 0.1, 0.5, 0.9, 1.0, self.r.random()])
        return "".join("1" if self.r.random() < p else "0" for _ in range(n))

    def endian(self):
        return self.r.choice(ENDIANS)

    def index(self, n):
        """An index into n items, now and then out of range or negative."""
        k = self.r.random()
        if k < 0.1:
            return self.r.choice([n, -n - 1, n + 5, -n - 5, 2 ** 31, -2 ** 63] + HUGE)
        if n == 0:
            return self.r.choice([0, -1])
        i = self.r.randrange(n)
        return i - n if self.r.random() < 0.3 else i

    def huge(self):
        """Whether to draw one of HUGE, now and then (never on Python 2)."""
        return bool(HUGE) and self.r.random() < 0.03

    def bound(self, n):
        if self.huge():
            return self.r.choice(HUGE)
        return self.r.choice([None, self.r.randint(-n - 10, n + 10),
                              self.r.randint(0, max(n, 1)), -self.r.randint(1, max(n, 1))])

    def sl(self, n):
        step = self.r.choice([None, None, 1, 1, 2, 3, -1, -2, -3, 7, 0, -9, 64])
        return slice(self.bound(n), self.bound(n), step)

    def bit(self):
        if self.huge():
            return self.r.choice(HUGE)
        return self.r.choice([0, 1, True, False, 0, 1, 2, -1, None, "1", 1.0, long(1)])


def cases(g, ns, file_ops, iterdecode):
    """(kind, label, thunk) of one operation, drawn from g. ns: the package's
    names. thunk() returns the record: a dict of normalised values."""
    bitarray, frozen, util = ns["bitarray"], ns["frozenbitarray"], ns["util"]
    r = g.r
    ops = []

    def op(weight):
        def register(f):
            ops.append((weight, f))
            return f
        return register

    @op(6)
    def construct():
        e = g.endian()
        s = g.bits()
        kind = r.randrange(22)
        cls = r.choice([bitarray, bitarray, frozen])
        if kind == 0:
            init, label = s, "str"
        elif kind == 1:
            # Python 3's C takes bytes as a str of '0's and '1's too (once
            # it has looked for the pickle format's first byte).
            init, label = (s.encode(), "bytes") if PY3 else (unicode(s), "unicode")
        elif kind == 2:
            init, label = [int(c) for c in s], "list of ints"
        elif kind == 3:
            init, label = tuple(c == "1" for c in s), "tuple of bools"
        elif kind == 4:
            init, label = (int(c) * r.choice([1, 5, -3]) for c in s), "generator"
        elif kind == 5:
            k = r.randrange(9)
            init = byte_string([k] + [r.randrange(256) for _ in range(r.randrange(4))])
            label = "pickle-format bytes %r" % init
        elif kind == 6:
            init = r.choice([0, 1, 8, 100, 3, -1, -(2 ** 70), long(5)])
            label = "int %r" % init
            if init >= 0 and init <= 1000:
                def thunk():
                    a = cls(init, e)
                    return {"len": len(a), "endian": a.endian(), "type": type(a).__name__}
                return "construct", "%s(%s, %r)" % (cls.__name__, label, e), thunk
        elif kind == 7:
            src = bitarray(s, g.endian())
            init, label = src, "bitarray %r" % src
        elif kind == 8:
            init, label = None, "None"
        elif kind == 9:
            init = r.choice([1.5, 2j, object(), 0.0])
            label = type(init).__name__
        elif kind == 10:
            t = list(s)
            if t:
                t[r.randrange(len(t))] = r.choice(["2", "x", " ", "\n", "_", "\xff"])
            init = "".join(t)
            if PY3 and r.random() < 0.5:
                # The same as bytes ('\xff' one byte, not UTF-8's two).
                init = init.encode("latin-1")
            label = "bad str %r" % init
        elif kind == 11:
            init = {"a": 1, "b": 0} if r.random() < 0.5 else set([0])
            label = type(init).__name__
        elif kind == 12:
            e = r.choice(["middle", "", "BIG", 1, None, u"little"] + ([b"little"] if PY3 else []))
            init, label = s, "str, endian %r" % (e,)
        elif kind == 13:
            init, label = iter([r.choice([0, 1, [], [0], "", "a"]) for _ in range(5)]), "iterator of objects"
        elif kind == 14:
            src = frozen(s, g.endian())
            init, label = src, "frozenbitarray %r" % src
        elif kind == 15:
            init, label = (memoryview(s.encode()), "memoryview") if PY3 else (buffer(s), "buffer")
        elif kind == 16:
            init, label = bytearray(s.encode() if PY3 else s), "bytearray"
        elif kind == 17:
            init, label = [1, 0, None, "x", 2.5], "list of mixed objects"
        else:
            init, label = s, "str"
        def made(f):
            def thunk():
                new = out(f)
                if kind in (7, 14) and new[0] == "ok" and new[1][2] != init.endian():
                    # The source's bytes, read in the other bit order: the
                    # last byte's bits are the source's unused ones, which
                    # the original leaves uninitialised. Full bytes only.
                    bits = new[1][3]
                    new = ["ok", new[1][:3] + [len(bits), bits[:len(bits) // 8 * 8]]]
                return {"new": new}
            return thunk
        if kind == 17 or r.random() < 0.1:
            return ("construct", "%s(initial=%s, endian=%r)" % (cls.__name__, label, e),
                    made(lambda: cls(initial=init, endian=e)))
        if r.random() < 0.1 and kind != 12:
            return ("construct", "%s(%s)" % (cls.__name__, label), made(lambda: cls(init)))
        return ("construct", "%s(%s, %r)" % (cls.__name__, label, e), made(lambda: cls(init, e)))

    @op(6)
    def getitem():
        s, e = g.bits(), g.endian()
        n = len(s)
        k = r.randrange(5)
        if k == 0:
            key = g.index(n)
        elif k == 1:
            key = r.choice(["a", 1.0, None, [1]])
        else:
            key = g.sl(n)
        a = bitarray(s, e)
        return "getitem", "%r[%r]" % (a, key), lambda: {"item": out(lambda: a[key])}

    @op(8)
    def setitem():
        s, e = g.bits(), g.endian()
        n = len(s)
        k = r.randrange(6)
        frz = r.random() < 0.05
        if k <= 1:
            key = g.index(n)
            value = g.bit()
        else:
            key = g.sl(n)
            m = len(range(*key.indices(n))) if key.step != 0 else 0
            v = r.randrange(4)
            if v == 0:
                value = bitarray(g.bits(m if r.random() < 0.7 else r.randint(0, 20)), g.endian())
            elif v == 1:
                value = r.choice([0, 1, True, False, 2] + HUGE)
            elif v == 2:
                value = r.choice(["01", [0, 1], None, frozen("1" * m)])
            else:
                value = bitarray(g.bits(r.randint(0, 30)))
        a = (frozen if frz else bitarray)(s, e)

        def thunk():
            def f():
                a[key] = value
            return mut(a, f)
        return "setitem", "%r[%r] = %r" % (a, key, value), thunk

    @op(5)
    def delitem():
        s, e = g.bits(), g.endian()
        n = len(s)
        key = g.index(n) if r.random() < 0.4 else g.sl(n)
        if r.random() < 0.05:
            key = "x"
        a = bitarray(s, e)

        def thunk():
            def f():
                del a[key]
            return mut(a, f)
        return "delitem", "del %r[%r]" % (a, key), thunk

    @op(8)
    def bitwise():
        s = g.bits()
        t = g.bits(len(s) if r.random() < 0.8 else None)
        ea, eb = g.endian(), g.endian() if r.random() < 0.2 else None
        eb = eb or ea
        opname = r.choice(["&", "|", "^", "&=", "|=", "^=", "~"])
        ta, tb = r.choice([bitarray, bitarray, bitarray, frozen]), r.choice([bitarray, frozen])
        other = r.random() < 0.05
        a, b = ta(s, ea), tb(t, eb)
        if other:
            b = r.choice([1, "01", None])
        label = "%r %s %r" % (a, opname, b)

        def thunk():
            x = a

            def f():
                if opname == "~":
                    return ~x
                ns2 = {"x": x, "y": b}
                exec("x %s y" % opname, ns2)
                return ns2["x"]
            return {"result": out(f), "a": st(a), "b": norm(b)}
        return "bitwise", label, thunk

    @op(6)
    def arith():
        s, e = g.bits(), g.endian()
        k = r.randrange(7)
        ta = r.choice([bitarray, bitarray, frozen])
        a = ta(s, e)
        if k in (0, 1):
            b = r.choice([bitarray(g.bits(), g.endian()), frozen(g.bits()), "0110", [1, 0], 3, None]
                         + ([b"0110"] if PY3 else []))
        else:
            b = r.choice([0, 1, 2, 3, -1, long(5), 2.0, "2", -2 ** 62, 40] + HUGE)
        label = "%r %s %r" % (a, ["+", "+=", "*", "*=", "n*", "*", "*="][k], b)

        def thunk():
            x = [a]

            def f():
                if k == 0:
                    return x[0] + b
                if k == 1:
                    x[0] += b
                    return x[0]
                if k in (2, 5):
                    return x[0] * b
                if k == 4:
                    return b * x[0]
                x[0] *= b
                return x[0]
            return {"result": out(f), "a": st(a)}
        return "arith", label, thunk

    @op(5)
    def extend():
        s, e = g.bits(), g.endian()
        t = g.bits(r.randint(0, 40))
        k = r.randrange(10)
        values = [t, t.encode() if PY3 else unicode(t), [int(c) for c in t],
                  tuple(c == "1" for c in t), bitarray(t, g.endian()), frozen(t), None, 3,
                  t + "2", [1, "x", 0]]
        if PY3 and k == 8 and r.random() < 0.5:
            values[k] = values[k].encode()
        v = values[k]
        label = "%r.extend(%r)" % (bitarray(s, e), v)
        if r.random() < 0.2:
            v = iter(v) if k < 6 else (int(c) for c in t)
            label += " as iterator"
        a = bitarray(s, e)

        def thunk():
            return mut(a, lambda: a.extend(v))
        return "extend", label, thunk

    @op(6)
    def listops():
        s, e = g.bits(), g.endian()
        n = len(s)
        k = r.randrange(6)
        frz = r.random() < 0.05
        a = (frozen if frz else bitarray)(s, e)
        if k == 0:
            v = g.bit()
            label, f = "%r.append(%r)" % (a, v), lambda: a.append(v)
        elif k == 1:
            i, v = g.index(n + 1), g.bit()
            label, f = "%r.insert(%r, %r)" % (a, i, v), lambda: a.insert(i, v)
        elif k == 2:
            label, f = "%r.pop()" % a, lambda: a.pop()
        elif k == 3:
            i = g.index(n)
            label, f = "%r.pop(%r)" % (a, i), lambda: a.pop(i)
        else:
            v = g.bit()
            label, f = "%r.remove(%r)" % (a, v), lambda: a.remove(v)
        return "listops", label, lambda: mut(a, f)

    @op(8)
    def searching():
        s, e = g.bits(), g.endian()
        n = len(s)
        a = (frozen if r.random() < 0.1 else bitarray)(s, e)
        k = r.randrange(9)
        sub = bitarray(g.bits(r.choice([0, 1, 2, 3, 5, 9])), g.endian())
        if k == 0:
            args = r.choice([(), (g.bit(),), (1, g.bound(n)), (0, g.bound(n), g.bound(n))])
            args = tuple(x for x in args if x is not None) if r.random() < 0.8 else args
            label, f = "%r.count%r" % (a, args), lambda: a.count(*args)
        elif k == 1:
            args = r.choice([(g.bit(),), (1, g.index(n)), (0, g.index(n), g.index(n)), ()])
            label, f = "%r.index%r" % (a, args), lambda: a.index(*args)
        elif k == 2:
            x = r.choice([sub, 1, "01"])
            limit = r.choice([None, 0, 1, 3, -1])
            args = (x,) if limit is None else (x, limit)
            label, f = "%r.search%r" % (a, args), lambda: a.search(*args)
        elif k == 3:
            x = r.choice([sub, sub, 0])
            label, f = "%r.itersearch(%r)" % (a, x), lambda: a.itersearch(x)
        elif k == 4:
            x = r.choice([sub, 0, 1, True, 2, "1"] + HUGE)
            label, f = "%r in %r" % (x, a), lambda: x in a
        elif k == 5:
            label, f = "list(%r)" % a, lambda: list(a)
        elif k == 6:
            label, f = "len(%r)" % a, lambda: len(a)
        elif k == 7:
            label, f = "%r.tolist()" % a, lambda: a.tolist()
        else:
            label, f = "%r.to01()" % a, lambda: a.to01()
        return "search", label, lambda: mut(a, f)

    @op(8)
    def methods():
        s, e = g.bits(), g.endian()
        frz = r.random() < 0.08
        a = (frozen if frz else bitarray)(s, e)
        name = r.choice(["all", "any", "setall", "invert", "reverse", "sort", "fill",
                         "bytereverse", "length", "endian", "copy", "__copy__", "__deepcopy__",
                         "tobytes", "buffer_info", "__len__", "tostring"])
        args = ()
        if name == "setall":
            args = (g.bit(),)
        elif name == "sort":
            args = r.choice([(), (0,), (1,), (True,), ("x",)])
        elif name == "__deepcopy__":
            args = ({},)
        label = "%r.%s%r" % (a, name, args)

        def thunk():
            def f():
                v = getattr(a, name)(*args)
                if name == "buffer_info":
                    return v[1:]  # not the address
                return v
            return mut(a, f)
        return "methods", label, thunk

    @op(5)
    def coding():
        # A prefix code: util.huffman_code of a random frequency map, or a
        # random complete/incomplete code, or a broken one.
        syms = list("abcdefgh")[:r.randint(1, 8)]
        freq = dict((c, r.randint(1, 50)) for c in syms)
        ce = g.endian()
        k = r.randrange(10)
        text = "".join(r.choice(syms) for _ in range(r.randint(0, 30)))

        def code():
            if k < 6:
                return util.huffman_code(freq, ce)
            if k == 6:
                return {}
            if k == 7:
                return {"a": bitarray("0", ce), "b": bitarray("01", ce)}  # not prefix-free
            if k == 8:
                return {"a": "01", "b": bitarray("1", ce)}
            return {"a": bitarray(endian=ce), "b": bitarray("1", ce)}
        which = r.randrange(5)
        junk = g.bits(r.randint(0, 12))
        label = "code %d of %r (%s), text %r, which %d, junk %r" % (k, freq, ce, text, which, junk)

        def thunk():
            try:
                c = code()
            except Exception as e:
                return {"code": exc(e)}
            a = bitarray(endian=g_endian_for_coding)
            enc = out(lambda: a.encode(c, text + ("z" if which == 4 else "")))
            rec = {"code": norm(c), "encode": enc, "encoded": st(a)}
            b = bitarray(a.to01() + (junk if which == 3 else ""), a.endian())
            if which in (0, 3, 4):
                rec["decode"] = out(lambda: b.decode(c))
            elif which == 1:
                rec["iterdecode"] = out(lambda: b.iterdecode(c)) if iterdecode else "skipped"
            else:
                rec["decode_bad"] = out(lambda: b.decode(r_bad))
            return rec
        g_endian_for_coding = g.endian()
        r_bad = r.choice([None, {"a": 1}, {}, [1]])
        return "coding", label, thunk

    @op(5)
    def conversions():
        s, e = g.bits(), g.endian()
        a = bitarray(s, e)
        k = r.randrange(8)
        data = byte_string([r.randrange(256) for _ in range(r.randint(0, 30))])
        if k == 0:
            x = r.choice([data, bytearray(data), u"ab", 5, None])
            label, f = "%r.frombytes(%r)" % (a, x), lambda: a.frombytes(x)
        elif k == 1:
            # u"\x01" is Python 3's str: refused as Python 2's unicode is.
            x = r.choice([data, byte_string([0, 1, 1]), 3, u"\x01"])
            label, f = "%r.pack(%r)" % (a, x), lambda: a.pack(x)
        elif k == 2:
            if PY3:
                # Python 3's "c" takes bytes (or a bytearray) of length 1,
                # not str.
                kw = r.choice([{}, {"zero": b"a"}, {"one": b"\xff"}, {"zero": b"ab"}, {"zero": 0},
                               {"zero": b"0", "one": b"1"}, {"zero": "a"}, {"one": "\xff"},
                               {"zero": bytearray(b"a")}, {"zero": "0", "one": "1"}])
            else:
                kw = r.choice([{}, {"zero": "a"}, {"one": "\xff"}, {"zero": "ab"}, {"zero": 0},
                               {"zero": "0", "one": "1"}])
            label, f = "%r.unpack(**%r)" % (a, kw), lambda: a.unpack(**kw)
        elif k == 3:
            # The package's Python method: string.encode(), on Python 3 a str.
            text = data.decode("latin-1") if PY3 else data
            label, f = "%r.fromstring(%r)" % (a, text), lambda: a.fromstring(text)
        elif k == 4:
            label, f = "%r.tobytes()" % a, lambda: a.tobytes()
        elif k == 5:
            label, f = "repr(%r)" % a, lambda: repr(a)
        elif k == 6:
            label, f = "str(%r)" % a, lambda: str(a)
        else:
            label, f = "%r.__reduce__()" % a, lambda: a.__reduce__()
        return "conversions", label, lambda: mut(a, f)

    @op(4)
    def pickling():
        s, e = g.bits(), g.endian()
        cls = r.choice([bitarray, frozen])
        proto = r.choice([0, 1, 2, 3, 4] if PY3 else [0, 1, 2])
        how = r.choice(["pickle", "copy", "deepcopy"])
        a = cls(s, e)
        hashed = cls is frozen and r.random() < 0.5
        label = "%s %r (protocol %d, hashed first: %s)" % (how, a, proto, hashed)

        def thunk():
            if hashed:
                hash(a)

            def f():
                if how == "pickle":
                    b = pickle.loads(pickle.dumps(a, proto))
                elif how == "copy":
                    b = copy.copy(a)
                else:
                    b = copy.deepcopy([a, a])[0]
                return [b, b == a, b is a, sorted(getattr(b, "__dict__", {}).keys())]
            return {"result": out(f), "reduce": out(lambda: a.__reduce__()[:2])}
        return "pickling", label, thunk

    @op(5)
    def compare():
        s = g.bits()
        t = g.bits(len(s)) if r.random() < 0.5 else (s if r.random() < 0.3 else g.bits())
        a, b = bitarray(s, g.endian()), r.choice([bitarray, frozen])(t, g.endian())
        if r.random() < 0.05:
            b = r.choice([s, 0, None, [1]])
        opname = r.choice(["==", "!=", "<", "<=", ">", ">="])
        return ("compare", "%r %s %r" % (a, opname, b),
                lambda: {"result": out(lambda: eval("a %s b" % opname, {"a": a, "b": b}))})

    @op(4)
    def functions():
        s, e = g.bits(), g.endian()
        n = len(s)
        a = bitarray(s, e)
        t = g.bits(n if r.random() < 0.8 else None)
        b = r.choice([bitarray, frozen])(t, g.endian() if r.random() < 0.2 else e)
        name = r.choice(["bitdiff", "bits2bytes", "_sysinfo", "zeros", "strip", "count_n",
                         "rindex", "count_and", "count_or", "count_xor", "subset",
                         "ba2hex", "hex2ba", "ba2int", "int2ba", "huffman_code"])
        if name in ("bitdiff", "count_and", "count_or", "count_xor", "subset"):
            args = r.choice([(a, b), (a, b), (a, s), (a,)])
        elif name == "bits2bytes":
            args = (r.choice([0, 1, 7, 8, 9, n, -1, 2 ** 64, 1.5, "8", long(10)]),)
        elif name == "_sysinfo":
            args = ()
        elif name == "zeros":
            args = (r.choice([0, 1, n, -1, 1.0]), e) if r.random() < 0.8 else (n,)
        elif name == "strip":
            args = (a, r.choice(["left", "right", "both", "middle", 1])) if r.random() < 0.8 else (a,)
        elif name == "count_n":
            args = (a, r.choice([0, 1, a.count() if n else 0, a.count() + 1, n + 1, -1, r.randint(0, n)]))
        elif name == "rindex":
            args = r.choice([(a,), (a, 0), (a, 1), (a, True), (s,)])
        elif name == "ba2hex":
            args = (bitarray(s[:len(s) // 4 * 4] if r.random() < 0.8 else s,
                             "big" if r.random() < 0.8 else "little"),)
        elif name == "hex2ba":
            h = "".join(r.choice("0123456789abcdefABCDEF") for _ in range(r.randint(0, 20)))
            args = (r.choice([h, h, h.encode() if PY3 else unicode(h), h + "g", 12]),)
        elif name == "ba2int":
            args = (a,)
        elif name == "int2ba":
            i = r.choice([0, 1, 255, 256, r.getrandbits(r.randint(1, 130)), -1, 1.0])
            args = (i, r.choice([None, 1, 8, 9, 64, 200, 0, -1, "8"]), r.choice(["big", "little", "x"]))
        else:
            syms = r.choice([{"a": 3, "b": 1}, {}, {None: 1}, [1],
                             dict((chr(97 + i), r.randint(1, 99)) for i in range(r.randint(1, 12)))])
            args = (syms, e)
        module = ns["module"] if name in ("bitdiff", "bits2bytes", "_sysinfo") else util
        return ("functions", "%s%r" % (name, args),
                lambda: {"result": out(lambda: getattr(module, name)(*args)),
                         "a": st(a), "b": st(b)})

    @op(3)
    def frozen_ops():
        s, e = g.bits(), g.endian()
        a = frozen(s, e)
        k = r.randrange(5)
        if k == 0:
            label, f = "hash(%r) == hash(equal copy)" % a, lambda: hash(a) == hash(frozen(s, e))
        elif k == 1:
            label, f = "{%r: 1}[bitarray]" % a, lambda: {a: 1}.get(frozen(bitarray(s, e)))
        elif k == 2:
            label, f = "type(%r & %r)" % (a, a), lambda: [type(a & a).__name__, type(~a).__name__]
        elif k == 3:
            label, f = "bitarray(%r)" % a, lambda: bitarray(a)
        else:
            label, f = "%r[::2]" % a, lambda: a[::2]
        return "frozen", label, lambda: mut(a, f)

    @op(4)
    def exporting():
        s, e = g.bits(), g.endian()
        n = len(s)
        a = (frozen if r.random() < 0.1 else bitarray)(s, e)
        k = r.randrange(5)
        pos = r.randrange(max((n + 7) // 8, 1))
        # A byte as a memoryview item takes it: Python 2's str of one, 3's int.
        byte = r.randrange(256) if PY3 else chr(r.randrange(256))
        label = "%r: export %d (byte %d = %r)" % (a, k, pos, byte)

        def thunk():
            if k == 0:
                if PY3:
                    # No buffer() on Python 3: bytes() copies the export.
                    return {"buffer": out(lambda: masked(bytes(a), len(a), a.endian()))}
                return {"buffer": out(lambda: masked(str(buffer(a)), len(a), a.endian()))}
            if k == 1:
                return {"memoryview": out(lambda: masked(memoryview(a).tobytes(), len(a),
                                                         a.endian()))}
            if k == 2:
                def f():
                    m = memoryview(a)
                    return [len(m), m.readonly, m.format, m.itemsize, m.ndim, m.shape]
                return {"view": out(f)}
            if k == 3:
                def f():
                    m = memoryview(a)
                    m[pos] = byte
                    del m
                return {"write": out(f), "after": st(a)}
            # Changes that keep the length: allowed while a view exists.
            def f():
                m = memoryview(a)
                a.setall(1)
                a.invert()
                if len(a):
                    a[0] = 1
                try:
                    return masked(m.tobytes(), len(a), a.endian())
                finally:
                    del m
            return {"in place": out(f), "after": st(a)}
        return "export", label, thunk

    @op(2)
    def resize_exported():
        # Length-changing operations while a memoryview holds the buffer
        # (PORT_DIFFERENCES). The view is dropped without being read: after
        # the original reallocates, its memory may be freed.
        s, e = g.bits(r.randint(1, 200)), g.endian()
        k = r.randrange(9)
        t = g.bits(r.randint(1, 40))
        a = bitarray(s, e)
        f, label = [
            (lambda: a.append(1), "append(1)"),
            (lambda: a.extend(t), "extend(%r)" % t),
            (lambda: a.pop(), "pop()"),
            (lambda: a.insert(0, 1), "insert(0, 1)"),
            (lambda: a.remove(a[0]), "remove(a[0])"),
            (lambda: a.__delitem__(slice(0, 1)), "del a[:1]"),
            (lambda: a.__iadd__(bitarray(t)), "+= %r" % t),
            (lambda: a.__imul__(2), "*= 2"),
            (lambda: a.frombytes(byte_string([1, 2])), "frombytes('\\x01\\x02')"),
        ][k]
        label = "%r.%s with a memoryview" % (a, label)

        def thunk():
            before = st(a)
            m = memoryview(a)
            result = out(f)
            del m
            return {"before": before, "result": result, "after": st(a)}
        return "resize-exported", label, thunk

    if file_ops:
        @op(3)
        def files():
            s, e = g.bits(), g.endian()
            data = byte_string([r.randrange(256) for _ in range(r.randint(0, 40))])
            # Python 3's C reads and writes through any object's read and
            # write (ops 4 to 7; Python 2's, a file's FILE * only).
            k = r.randrange(8 if PY3 else 4)
            count = r.choice([None, None, 0, 1, len(data), len(data) + 1, -1])
            a = bitarray(s, e)
            label = "%r file op %d, %r, n=%r" % (a, k, data, count)
            if k == 7:
                sink = r.randrange(3)
                label += ", sink %d" % sink

            def thunk():
                fd, path = tempfile.mkstemp(prefix="bitarray-parity-")
                os.close(fd)
                try:
                    if k == 0:
                        with open(path, "wb") as fh:
                            res = out(lambda: a.tofile(fh))
                        with open(path, "rb") as fh:
                            return {"tofile": res, "written": repr(fh.read())}
                    if k >= 4:
                        return py3_file_op(path)
                    with open(path, "wb") as fh:
                        fh.write(data)
                    if k == 3:
                        res = out(lambda: a.tofile(open(path, "rb")))
                        return {"tofile to read-only": res[:2]}
                    with open(path, "rb") as fh:
                        args = (fh,) if count is None else (fh, count)
                        if k == 2:
                            args = ("not a file",)
                        res = out(lambda: a.fromfile(*args))
                        return {"fromfile": res, "after": st(a), "left": repr(fh.read())}
                finally:
                    os.remove(path)

            def py3_file_op(path):
                import io
                args = () if count is None else (count,)
                if k == 4:
                    # A file open for writing: its read raises.
                    with open(path, "wb") as fh:
                        res = out(lambda: a.fromfile(fh, *args))
                    return {"fromfile": res, "after": st(a)}
                if k in (5, 6):
                    # read gives bytes (5) or str (6, refused).
                    fh = io.BytesIO(data) if k == 5 else io.StringIO(data.decode("latin-1"))
                    res = out(lambda: a.fromfile(fh, *args))
                    return {"fromfile": res, "after": st(a), "left": repr(fh.read())}
                if sink == 2:
                    return {"tofile": out(lambda: a.tofile("not a file")), "after": st(a)}
                fh = io.BytesIO() if sink == 0 else io.StringIO()
                res = out(lambda: a.tofile(fh))
                return {"tofile": res, "written": repr(fh.getvalue()), "after": st(a)}
            return "files", label, thunk

    total = sum(w for w, _ in ops)
    while True:
        x = r.randrange(total)
        for w, f in ops:
            if x < w:
                yield f()
                break
            x -= w


def module_cases(ns):
    """The modules' names and docstrings, and the types' methods."""
    B, U = ns["module"], ns["_util"]
    rows = []
    for label, obj in (("_bitarray module", B), ("_util module", U),
                       ("_bitarray type", B._bitarray)):
        names = sorted(n for n in dir(obj) if n not in ("__file__",))
        rows.append(("module", label + " names", {"names": names}))
        for n in names:
            v = getattr(obj, n)
            if callable(v) and not isinstance(v, type):
                rows.append(("module", "%s.%s.__doc__" % (label, n),
                             {"doc": getattr(v, "__doc__", None)}))
    rows.append(("module", "_bitarray type", {
        "name": B._bitarray.__name__, "module": B._bitarray.__module__,
        "doc": B._bitarray.__doc__,
        "bases": [c.__name__ for c in B._bitarray.__mro__]}))
    return rows


def worker(directory, seed, count, file_ops, iterdecode):
    sys.path.insert(0, directory)
    import bitarray
    import bitarray.util
    # The package's `_bitarray` is the type, which hides the module.
    modules = [sys.modules["bitarray" + m] for m in ("", "._bitarray", "._util", ".util")]
    here = os.path.realpath(os.path.join(directory, "bitarray"))
    for m in modules:
        assert os.path.realpath(os.path.dirname(m.__file__)) == here, (m.__file__, here)
    ns = {"bitarray": bitarray.bitarray, "frozenbitarray": bitarray.frozenbitarray,
          "util": bitarray.util, "module": modules[1], "_util": modules[2]}
    write = sys.stdout.write
    write(json.dumps(["header", os.path.realpath(modules[1].__file__)]) + "\t"
          + json.dumps(bitarray.__version__) + "\n")
    for kind, label, record in module_cases(ns):
        write(json.dumps([kind, label]) + "\t" + json.dumps(record) + "\n")
    sys.stdout.flush()
    g = Gen(seed)
    gen = cases(g, ns, file_ops, iterdecode)
    for _ in range(count):
        kind, label, thunk = next(gen)
        # The label goes out before the operation runs: if it crashes the
        # process, the main process shows which one did.
        write(json.dumps([kind, label]) + "\t")
        sys.stdout.flush()
        write(json.dumps(thunk()) + "\n")
        sys.stdout.flush()
    write(json.dumps(["end", ""]) + "\t{}\n")


# ---------------------------------------------------------------------------
# The main process: two workers, their transcripts compared line by line.


def raised(record):
    return any(isinstance(v, list) and v and v[0] == "raise" for v in record.values())


def show(x, limit=2000):
    text = json.dumps(x, sort_keys=True)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--original", help="directory holding the C original's bitarray package")
    parser.add_argument("--port", help="directory holding the port's bitarray package")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=20260522)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--port-differences", action="store_true",
                        help="--port is the Rust port: apply PORT_DIFFERENCES")
    parser.add_argument("--no-file-ops", action="store_true",
                        help="leave out tofile/fromfile")
    parser.add_argument("--no-iterdecode", action="store_true", help="leave out iterdecode")
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker, opts.seed, opts.cases, not opts.no_file_ops, not opts.no_iterdecode)
        return
    if not (opts.original and opts.port):
        parser.error("--original and --port are required")

    def spawn(directory):
        args = [sys.executable, os.path.abspath(__file__), "--worker",
                os.path.abspath(directory), "--seed", str(opts.seed), "--cases", str(opts.cases)]
        for flag in ("no_file_ops", "no_iterdecode"):
            if getattr(opts, flag):
                args.append("--" + flag.replace("_", "-"))
        return subprocess.Popen(args, stdout=subprocess.PIPE)

    original, port = spawn(opts.original), spawn(opts.port)
    ops = raising = known = 0
    stale = []
    mismatch = last = None
    while True:
        a, b = original.stdout.readline(), port.stdout.readline()
        if PY3:
            # The workers write JSON: ASCII.
            a, b = a.decode("ascii"), b.decode("ascii")
        if not a.endswith("\n") or not b.endswith("\n"):
            codes = ["running" if p.poll() is None else p.wait() for p in (original, port)]
            mismatch = ("a worker ended early, after %r (exit status: original %s, port %s)"
                        % (last, codes[0], codes[1]), a or "<EOF>", b or "<EOF>")
            break
        (ka, la), ra = [json.loads(x) for x in a.split("\t")]
        (kb, lb), rb = [json.loads(x) for x in b.split("\t")]
        last = la
        if ka == "header":
            print("original: %s (%s)" % (ra, la))
            print("port:     %s (%s)" % (rb, lb))
            continue
        if ka == "end" and kb == "end":
            break
        if (ka, la) != (kb, lb):
            mismatch = ("the two transcripts are out of step", [ka, la], [kb, lb])
            break
        ops += 1
        raising += raised(ra)
        expected = ra
        if opts.port_differences and ka in PORT_DIFFERENCES:
            port_record = PORT_DIFFERENCES[ka][1](ra)
            if port_record is not None:
                expected = port_record
                known += 1
                if expected == ra:
                    stale.append(la)
        if expected != rb:
            if expected is ra:
                mismatch = ("%s: %s" % (ka, la), ra, rb)
            else:
                mismatch = ("%s: %s (a known difference: the original's record, then the"
                            " port's expected record, then the port's)" % (ka, la),
                            [ra, expected], rb)
            break
    for p in (original, port):
        # Both said "end": they exit on their own. Else stop them.
        if mismatch is not None and p.poll() is None:
            p.kill()
        p.wait()
    for p, name in ((original, "original"), (port, "port")):
        if mismatch is None and p.returncode != 0:
            mismatch = ("the %s's worker exited with %s" % (name, p.returncode), "", "")
    if stale:
        mismatch = mismatch or ("PORT_DIFFERENCES entries that do not differ", stale[:5], "")
    if mismatch is not None:
        label, x, y = mismatch
        print("MISMATCH after %d ops: %s" % (ops, label))
        print("  original: %s" % show(x))
        print("  port:     %s" % show(y))
    if opts.port_differences:
        kinds = {}
        for kind, (why, _) in sorted(PORT_DIFFERENCES.items()):
            kinds.setdefault(why, []).append(kind)
        for why, names in sorted(kinds.items(), key=lambda item: item[1]):
            print("known port difference %s: %s" % (", ".join(names), why))
    print("%d ops (%d raised, %d known port differences), %d mismatches"
          % (ops, raising, known, 0 if mismatch is None else 1))
    sys.exit(0 if mismatch is None else 1)


if __name__ == "__main__":
    main()
