# -*- coding: ascii -*-
"""What share of a finished hand port's lines the scaffolder writes.

usage: share.py SKELETON_LIB_RS [...] -- PORT_FILE.rs [...]

A hand port's lines are its non-blank lines outside comments, less those
holding only brackets and punctuation. They are grouped into statements
(up to a line ending in ';', ',', '{' or '}', so that a docstring written
over several lines, or a parse rustfmt broke in two, is one statement).
A statement counts as written by the scaffolder, with all its lines, when
it says something the skeleton says too, whatever the names the porter
chose for its Rust functions and variables:

- a parse: the same py_format!("...") literal, or the same keyword list;
- a py_module! or py_class! entry: a function or method of the same
  Python name, form (`crc32(args)`, `update(this, args)`) and docstring, a
  property (name and docstring), a slot, a type (`class X as "dotted"`),
  the module, an exception class (its dotted name), a constant (its name),
  the same `features:` and `doc:`, `new:` (not `new(cls):`), `types:`, and
  the section headers (`functions: {`, ...).

Everything else (the bodies, helper functions, imports, attributes, the
Rust function signatures the porter named) counts as the porter's.

Prints one line: "<written> of <lines> lines (<percent>%); <m> of the <n>
statements that declare or parse" (those with any of the things above,
written by the scaffolder or not), then the statements written, by kind.
Python 3.
"""

import re
import sys

FORMAT = re.compile(r'py_format!\(\s*("(?:[^"\\]|\\.)*")\s*\)')
# A format given as a const (legacy-snappy's BYTES: "y*" on Python 3, else
# "s*"): its Python 2 literal, the last in its definition.
FORMAT_CONST = re.compile(r'py_format!\(\s*(\w+)\s*\)')
CONST_STR = re.compile(r'const\s+(\w+)\s*:\s*&(?:\'static\s+)?str\s*=(.*);')
LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
KEYWORDS = re.compile(r'\.keywords\(\s*&\[([^\]]*)\]\s*\)')
ENTRY = re.compile(r'^(?:r#)?(\w+)\s*\(([^)]*)\)\s*=>')
PROPERTY = re.compile(r'^(\w+)\s*\(\s*get\s*=>')
SLOT = re.compile(r'^(\w+)\s*=>\s*[\w:]+\s*;')
CLASS = re.compile(r'^class\s+\w+\s+as\s+("(?:[^"\\]|\\.)*")')
MODULE = re.compile(r'^module\s+(\w+)\s*\{')
EXCEPTION = re.compile(r'^(?:r#)?\w+\s*\(\s*(?:self::)?\w+\s*\)\s*=\s*("(?:[^"\\]|\\.)*")')
CONSTANT = re.compile(r'^(?:r#)?(\w+)\s*:\s*(int|str)\s*=')
HEADERS = ('functions: {', 'methods: {', 'properties: {', 'slots: {',
           'exceptions: {', 'constants: {', 'py_module! {', 'py_class! {')
FORM_WORDS = set(['', 'this', 'args', 'kwargs', 'arg', '&self', '&mutself',
                  'static', 'staticargs', 'staticarg', 'class'])
TRIVIAL = re.compile(r'^[\s{}()\[\];,]*$')


def code_lines(text):
    """The lines outside comments (line comments and doc comments; block
    comments are not used in these crates), stripped."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith('//'):
            continue
        out.append(stripped)
    return out


def is_entry(line):
    """Whether the line starts a py_module!/py_class! function or method
    entry (a match arm `Some(i) =>` does not: its form is no entry's)."""
    m = ENTRY.match(line)
    return bool(m) and set(re.sub(r'\s+', '', m.group(2)).split(',')) <= FORM_WORDS


def statements(lines):
    """Lines grouped into statements (a py_module!/py_class! entry runs to
    its ';', its docstring on the next line if rustfmt put it there)."""
    group = []
    for line in lines:
        group.append(line)
        entry = is_entry(group[0]) or PROPERTY.match(group[0])
        ends = (';',) if entry else (';', ',', '{', '}')
        if line.endswith(ends) and not line.endswith('\\'):
            yield group
            group = []
    if group:
        yield group


CONSTS = {}


def literal(text):
    """The first string literal of a statement's text, as Rust reads it
    (a backslash at the end of a line skips the next line's indent), or
    None."""
    text = re.sub(r'\\\s+', '', text)
    m = LITERAL.search(text)
    return m.group(0) if m else None


def keys(statement):
    """What the statement says that a skeleton may say too."""
    text = ' '.join(statement)
    found = set()
    for m in FORMAT.finditer(text):
        found.add(('parse', m.group(1)))
    for m in FORMAT_CONST.finditer(text):
        if m.group(1) in CONSTS:
            found.add(('parse', CONSTS[m.group(1)]))
    for m in KEYWORDS.finditer(text):
        found.add(('keywords', re.sub(r'\s+', '', m.group(1)).rstrip(',')))
    first = statement[0]
    for kind, pattern in (('class', CLASS), ('module', MODULE),
                          ('exception', EXCEPTION)):
        m = pattern.match(first)
        if m:
            found.add((kind, m.group(1)))
    m = ENTRY.match(first)
    if m and is_entry(first) and not EXCEPTION.match(first):
        # Its docstring, if any, must be the same too.
        form = re.sub(r'\s+', '', m.group(2))
        found.add(('entry', m.group(1), form, literal(text[m.end():])))
    m = PROPERTY.match(first)
    if m:
        found.add(('property', m.group(1), literal(text[m.end():].split(')', 1)[-1])))
    m = SLOT.match(first)
    if m:
        found.add(('slot', m.group(1)))
    m = CONSTANT.match(first)
    if m:
        found.add(('constant', m.group(1)))
    if first.startswith('features:'):
        words = re.findall(r'\w+', first[len('features:'):])
        found.add(('features', tuple(sorted(words))))
    if first.startswith('doc:'):
        found.add(('doc', literal(text)))
    # The constructor's form: `new:` and `new(cls):` are not the same.
    for word in ('new:', 'new(cls):', 'types:'):
        if first.startswith(word):
            found.add(('declaration', word))
    for header in HEADERS:
        if first.startswith(header):
            found.add(('header', header))
    return found


def main():
    args = sys.argv[1:]
    split = args.index('--')
    skeleton_keys = set()
    for path in args[:split]:
        with open(path) as f:
            for statement in statements(code_lines(f.read())):
                skeleton_keys |= keys(statement)
    total = 0
    written = 0
    declaring = 0
    matched = 0
    kinds = {}
    for path in args[split + 1:]:
        with open(path) as f:
            for m in CONST_STR.finditer(f.read()):
                literals = LITERAL.findall(m.group(2))
                if literals:
                    CONSTS[m.group(1)] = literals[-1]
    for path in args[split + 1:]:
        with open(path) as f:
            for statement in statements(code_lines(f.read())):
                lines = [l for l in statement if not TRIVIAL.match(l)]
                total += len(lines)
                own = keys(statement)
                if own and lines:
                    declaring += 1
                common = own & skeleton_keys
                if common and lines:
                    written += len(lines)
                    kind = sorted(common)[0][0]
                    kinds[kind] = kinds.get(kind, 0) + 1
                    matched += 1
    percent = 100.0 * written / total if total else 0.0
    print('%d of %d lines (%.1f%%); %d of the %d statements that declare or '
          'parse' % (written, total, percent, matched, declaring))
    for kind in sorted(kinds):
        print('  %s: %d statements' % (kind, kinds[kind]))


if __name__ == '__main__':
    main()
