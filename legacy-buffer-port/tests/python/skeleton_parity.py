# -*- coding: ascii -*-
"""Compare a scaffolded skeleton with its C original, under Python 2.7.

usage: skeleton_parity.py MODULE C_SO SKELETON_SO [MIN_CASES [KEYWORDS [UNCALLED]]]

Loads both extension modules by path (imp.load_dynamic, as MODULE), then
compares:

- the module surface: the names, the module's and every function's
  docstring, the exception classes (name, __module__, bases), the int and
  str constants, the type of anything else;
- every type: its name, __module__, docstring and bases, whether Python
  code can subclass it, the names in its __dict__ and each one's kind and
  docstring;
- for every function, every type's constructor, every method of a type's
  instance and every class and static method, calls with every argument count from 0 to its most
  plus one, each argument drawn from None, a str, a float, a list, an int,
  huge ints, a negative int and a bytearray (every combination, or 6561
  of them drawn with a fixed seed where there are more), and keywords:
  unknown ones, and each of KEYWORDS (comma-separated names) with each
  value, alone and after positional arguments: the exception type and
  message must be the same;
- for every getset attribute of a type's instance: reading it (the C's
  value against the skeleton's NotImplementedError, "reached the body"),
  assigning it and deleting it.

A skeleton's constructor (tp_new) parses as the C's does, then gives the
empty value (not NotImplementedError: the type's other bodies need an
object to be reached through); where the C's constructor raises from its
body, the skeleton's returning counts as reaching its body. An instance is
made by calling the type with no arguments, or, where that raises
NotImplementedError (a skeleton's __init__), by Type.__new__(Type).

The skeleton parses exactly as the C function does, then raises
NotImplementedError(<C function name>). So where its parse passes, the C's
must pass too: the C either returns, or raises from its body (an error no
argument parser raises: the patterns in PARSE_ERRORS tell the two apart,
every message getargs.c of Python 2.7 words). Those cases count as equal,
"reached the body"; anything else is a difference.

UNCALLED (comma-separated) names functions compared by their surface but
never called: those whose C original is unsafe to call with arbitrary
values (bitarray's _util._set_babt keeps the object it is given without a
reference of its own: any call but one with an immortal object leaves it
dangling).

Prints "N cases, M differences" and exits 1 if M > 0 or N < MIN_CASES.
"""

import imp
import itertools
import random
import re
import sys

# What PyArg_ParseTuple(AndKeywords) and its conversions raise (2.7's
# getargs.c, and the int conversions it calls).
PARSE_ERRORS = re.compile(
    r"(takes (at most|at least|exactly|no) )"
    r"|(takes exactly one argument)"
    r"|(argument \d+ must be )"
    r"|(^must be )"
    r"|(an integer is required)"
    r"|(a float is required)"
    r"|(integer argument expected)"
    r"|(signed (short |byte )?integer is (greater|less) than (maximum|minimum))"
    r"|(unsigned byte integer is)"
    r"|(too large to convert)"
    r"|(long too big to convert)"
    r"|(cannot fit '\w+' into an index-sized integer)"
    r"|(is an invalid keyword argument)"
    r"|(Argument given by name)"
    r"|(Required argument)"
    r"|(takes no keyword arguments)"
    r"|(expected string without null bytes)"
    r"|(string or read-only|string or buffer|read-write buffer|single-segment)"
)

# The errors getargs.c raises before converting any unit: the argument
# count and keywords.
BEFORE_UNITS = re.compile(
    r"(takes (at most|at least|exactly|no) )"
    r"|(takes exactly one argument)"
    r"|(is an invalid keyword argument)"
    r"|(Argument given by name)"
    r"|(Required argument)"
    r"|(takes no keyword arguments)"
)

# How a skeleton's O& converter names itself in its NotImplementedError.
CONVERTER = ' (an O& converter)'

# Fresh values for each call (a bytearray may be written to).
VALUES = [
    lambda: None,
    lambda: 'abc',
    lambda: 1.5,
    lambda: [1],
    lambda: 7,
    lambda: 2 ** 100,
    lambda: 2 ** 31,
    lambda: -1,
    lambda: bytearray(b'xy'),
]
VALUE_NAMES = ['None', "'abc'", '1.5', '[1]', '7', '2**100', '2**31', '-1',
               "bytearray(b'xy')"]

# Attributes that differ by construction.
SKIPPED = set(['__file__'])


def outcome(function, args, kwargs):
    try:
        result = function(*args, **kwargs)
    except Exception as e:
        return ('raise', type(e).__name__, str(e))
    return ('return', type(result).__name__)


def materialise(kwargs):
    """Keyword values given as an index into VALUES are made fresh."""
    return dict((k, VALUES[v]() if isinstance(v, int) and k not in ('x', 'y')
                 else v) for k, v in kwargs.items())


def load(name, path):
    module = imp.load_dynamic(name, path)
    # Py_InitModule4 reuses sys.modules[name]: make room for the other.
    del sys.modules[name]
    return module


def describe(value):
    if isinstance(value, type) and issubclass(value, BaseException):
        return ('exception', value.__name__, value.__module__,
                tuple(b.__name__ for b in value.__bases__), value.__doc__)
    if isinstance(value, type):
        return ('type', value.__name__, value.__module__, value.__doc__,
                tuple(b.__name__ for b in value.__bases__))
    if isinstance(value, (int, long, str, unicode, float, type(None), dict,
                          list, tuple)):
        return ('constant', type(value).__name__, repr(value))
    if callable(value) and type(value).__name__ == 'builtin_function_or_method':
        return ('function', value.__name__, value.__doc__)
    return ('other', type(value).__name__)


def arity(function):
    """The most arguments the function takes, from its own error, and
    whether it parses them: a METH_O function ("takes exactly one
    argument", in words) or a METH_NOARGS one parses nothing, so whatever
    it raises once called comes from its body."""
    try:
        function(*([None] * 10))
    except TypeError as e:
        message = str(e)
        m = re.search(r'takes (?:at most|exactly) (\d+|one) argument', message)
        if m:
            if m.group(1) == 'one':
                return 1, False
            return int(m.group(1)), True
        if 'takes no arguments' in message:
            return 0, False
    return 3, True


def main():
    name, c_path, rs_path = sys.argv[1:4]
    floor = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    keywords = sys.argv[5].split(',') if len(sys.argv) > 5 and sys.argv[5] else []
    uncalled = sys.argv[6].split(',') if len(sys.argv) > 6 and sys.argv[6] else []
    c = load(name, c_path)
    rs = load(name, rs_path)
    assert c is not rs and c.__file__ != rs.__file__
    cases = [0]
    differences = []
    body = {'returned': 0, 'raised in body': 0, 'converter': 0}

    def same(label, a, b):
        cases[0] += 1
        if a != b:
            differences.append((label, a, b))

    names = sorted(n for n in dir(c) if n not in SKIPPED)
    same('names', names, sorted(n for n in dir(rs) if n not in SKIPPED))
    same('__doc__', c.__doc__, rs.__doc__)
    functions = []
    types = []
    for attr in names:
        if not hasattr(rs, attr):
            continue
        a, b = describe(getattr(c, attr)), describe(getattr(rs, attr))
        same('attribute %s' % attr, a, b)
        if a[0] == 'function' and not attr.startswith('__') and attr not in uncalled:
            functions.append(attr)
        if a[0] == 'type' and b[0] == 'type':
            types.append(attr)

    def matrix(label, c_callable, rs_callable, constructs=None):
        """Every wrong call (and right one) of the callables each factory
        makes afresh. `constructs`: the name of the type a skeleton's
        constructor returns once its arguments are parsed."""
        most, parses = arity(c_callable())
        not_implemented = set()
        calls = []
        for n in range(most + 2):
            if len(VALUES) ** n <= 6561:
                combos = itertools.product(range(len(VALUES)), repeat=n)
            else:
                draw = random.Random(n)
                combos = [tuple(draw.randrange(len(VALUES)) for _ in range(n))
                          for _ in range(6561)]
            for combo in combos:
                calls.append((combo, {}))
        for n in range(most + 1):
            calls.append(((1,) * n, {'x': 1}))
            calls.append(((1,) * n, {'buf': 'abc'}))
            for name in keywords:
                for i in range(len(VALUES)):
                    calls.append(((1,) * n, {name: i}))
        calls.append(((), {'x': 1, 'y': 2}))
        for combo, kwargs in calls:
            call = '%s(%s)' % (label, ', '.join(
                [VALUE_NAMES[i] for i in combo] +
                ['%s=%s' % (k, VALUE_NAMES[v] if k not in ('x', 'y', 'buf') else repr(v))
                 for k, v in sorted(kwargs.items())]))
            a = outcome(c_callable(), [VALUES[i]() for i in combo], materialise(kwargs))
            b = outcome(rs_callable(), [VALUES[i]() for i in combo], materialise(kwargs))
            cases[0] += 1
            reached(call, a, b, not_implemented, constructs, parses)
        # The skeleton names one C function, the same for every call.
        same('%s: NotImplementedError messages' % label,
             len(not_implemented) <= 1 and '' not in not_implemented, True)

    def reached(label, a, b, not_implemented=None, constructs=None, parses=True):
        """a (the C's outcome) and b (the skeleton's) agree, or the
        skeleton reached its body where the C did. A skeleton's constructor
        reaches its body by giving the empty value (every other body of
        the type needs an object to be reached through): where the C
        raises from its body, that counts as reached."""
        if a == b:
            return
        if (constructs and b == ('return', constructs) and a[0] == 'raise'
                and not PARSE_ERRORS.search(a[2])):
            body['raised in body'] += 1
            return
        if b[:2] == ('raise', 'NotImplementedError'):
            if b[2].endswith(CONVERTER) and not (
                    a[0] == 'raise' and BEFORE_UNITS.search(a[2])):
                # An O& unit's converter is a body: whatever the C's
                # converter made of the argument (its own error, or a later
                # unit's after it succeeded), the skeleton reached it; but
                # not past an argument count or keyword error, which the C
                # raises before any converter runs.
                body['converter'] += 1
                return
            if not_implemented is not None:
                not_implemented.add(b[2])
            if a[0] == 'return':
                body['returned'] += 1
                return
            if not parses or not PARSE_ERRORS.search(a[2]):
                body['raised in body'] += 1
                return
        differences.append((label, a, b))

    for attr in functions:
        matrix(attr, lambda: getattr(c, attr), lambda: getattr(rs, attr))

    for attr in types:
        ct, rt = getattr(c, attr), getattr(rs, attr)
        same('%s: subclassable' % attr,
             outcome(lambda: type('Sub', (ct,), {}), [], {})[:2],
             outcome(lambda: type('Sub', (rt,), {}), [], {})[:2])
        keys = sorted(ct.__dict__.keys())
        same('%s.__dict__' % attr, keys, sorted(rt.__dict__.keys()))
        for key in keys:
            if key not in rt.__dict__ or key == '__doc__':
                continue
            cv, rv = ct.__dict__[key], rt.__dict__[key]
            same('%s.%s' % (attr, key),
                 (type(cv).__name__, getattr(cv, '__doc__', None)),
                 (type(rv).__name__, getattr(rv, '__doc__', None)))
        matrix('%s' % attr, lambda: ct, lambda: rt, constructs=rt.__name__)

        def instance(t):
            try:
                return t()
            except NotImplementedError:
                return t.__new__(t)
        for key in keys:
            if key.startswith('__') or key not in rt.__dict__:
                continue
            kind = type(ct.__dict__[key]).__name__
            if kind == 'method_descriptor':
                matrix('%s().%s' % (attr, key),
                       lambda: getattr(instance(ct), key),
                       lambda: getattr(instance(rt), key))
            elif kind in ('classmethod_descriptor', 'classmethod', 'staticmethod'):
                # (PyPy's C class methods are classmethod objects.)
                matrix('%s.%s' % (attr, key),
                       lambda: getattr(ct, key), lambda: getattr(rt, key))
            elif kind == 'getset_descriptor':
                label = '%s().%s' % (attr, key)
                cases[0] += 3
                reached(label, outcome(getattr, [instance(ct), key], {}),
                        outcome(getattr, [instance(rt), key], {}))
                reached(label + ' = 1', outcome(setattr, [instance(ct), key, 1], {}),
                        outcome(setattr, [instance(rt), key, 1], {}))
                reached('del ' + label, outcome(delattr, [instance(ct), key], {}),
                        outcome(delattr, [instance(rt), key], {}))

    for label, a, b in differences[:30]:
        print('DIFFERENT %s\n  C:        %r\n  skeleton: %r' % (label, a, b))
    by_callable = {}
    for label, a, b in differences:
        root = label.split('(')[0]
        by_callable[root] = by_callable.get(root, 0) + 1
    for root in sorted(by_callable):
        print('differences in %s: %d' % (root, by_callable[root]))
    print('reached the body: %d where the C returned, %d where its body raised, '
          '%d in an O& converter' % (body['returned'], body['raised in body'],
                                      body['converter']))
    print('%d cases, %d differences' % (cases[0], len(differences)))
    if differences or cases[0] < floor:
        if cases[0] < floor:
            print('fewer cases than the floor, %d' % floor)
        sys.exit(1)


if __name__ == '__main__':
    main()
