//! The safe API against the C functions it wraps, object by object.
//!
//! For every object in [`ROWS`] and each of the old protocol's four functions,
//! the safe call ([`Object::char_buffer`], [`Object::read_buffer`],
//! [`Object::write_buffer`], [`Object::check_read_buffer`]) must give exactly
//! what the C function (`PyObject_AsCharBuffer`, ...) gives on the same object:
//! the same bytes, or the same exception type and message. The C function is
//! the oracle; the only expectations written down here are the crate's
//! documented table of [`BufferKind`]s (the `legacy_buffer` crate docs) and a
//! few known values as a sanity check.
//!
//! Every disagreement is collected before asserting, so a failure lists them
//! all; the full table of results is printed too (shown on failure, or with
//! `--nocapture`).

#[cfg(not(Py_3))]
use legacy_buffer::ffi::PY_UNICODE_SIZE;
use legacy_buffer::{ffi, with_gil, Buffer, BufferKind, Error, Object, Python};
use legacy_buffer_sys as sys;
use legacy_buffer_tests::oracle::{raw_borrow, take_error, Function};
use std::ffi::c_int;
use std::ptr;

// ---------------------------------------------------------------------------
// The objects
// ---------------------------------------------------------------------------

/// Which line of the crate's documented table an object falls under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(Py_3, allow(dead_code))] // Python 2's kinds
enum Exporter {
    /// `str` and subclasses.
    Str,
    /// `unicode` and subclasses.
    Unicode,
    /// `buffer` over a `str` or `unicode`.
    BufferOverImmutable,
    /// `bytearray` and subclasses.
    ByteArray,
    /// `array.array`, `mmap`, ctypes, `buffer` over those (Python 3:
    /// ctypes, whose `resize()` reallocates under an export).
    Unpinned,
    /// No old-protocol procs at all: `int`, `list`, `memoryview`, `None`, ...
    /// (Python 3: no buffer at all: `str` among them).
    NoBuffer,
    /// Python 3: the exporters whose export keeps their memory in place
    /// (`bytearray`, `array.array`, `mmap`, a `memoryview` of those or of
    /// `bytes`): held by an export while borrowed.
    #[cfg_attr(not(Py_3), allow(dead_code))]
    Exported,
}

/// One object of the table: a Python expression evaluated afresh for each
/// test, in `__main__` after [`SETUP`].
struct Row {
    name: &'static str,
    expr: &'static str,
    exporter: Exporter,
}

const fn row(name: &'static str, expr: &'static str, exporter: Exporter) -> Row {
    Row {
        name,
        expr,
        exporter,
    }
}

/// Imports and helpers the row expressions use, in Python 2 and 3 alike
/// (`b'...'` is Python 2's `str`). Every name it binds in `__main__` starts
/// with `_parity_`; running it again (each test does, on its own thread)
/// only rebinds the same definitions.
const SETUP: &str = r#"
import array, ctypes, mmap, os, tempfile

class _parity_str(bytes): pass
class _parity_bytearray(bytearray): pass
class _parity_old: pass
class _parity_new(object): pass

def _parity_anon_mmap():
    m = mmap.mmap(-1, 6, access=mmap.ACCESS_WRITE)
    m.write(b'mapped')
    return m

def _parity_file_mmap(access):
    fd, path = tempfile.mkstemp(prefix='legacy-buffer-parity-')
    try:
        os.write(fd, b'on disk')
        return mmap.mmap(fd, 0, access=access)
    finally:
        os.close(fd)
        os.unlink(path)

def _parity_closed_mmap():
    m = _parity_anon_mmap()
    m.close()
    return m

def _parity_bytes(x):
    """x's memory through its type's own Python API, not a buffer protocol."""
    if isinstance(x, bytearray):
        return bytes(x)
    if isinstance(x, array.array):
        return x.tobytes() if hasattr(x, 'tobytes') else x.tostring()
    if isinstance(x, mmap.mmap):
        return x[:]
    if isinstance(x, memoryview):
        return x.tobytes()
    if isinstance(x, (ctypes.Array, ctypes._SimpleCData)):
        return ctypes.string_at(ctypes.addressof(x), ctypes.sizeof(x))
    raise TypeError('no bytes view for %r' % (type(x),))
"#;

/// The table on Python 3: the same objects in its spelling, and what it
/// adds (`memoryview` exports).
#[cfg(Py_3)]
const ROWS: &[Row] = &[
    // bytes: Python 2's str
    row("bytes", r"b'hello'", Exporter::Str),
    row("bytes empty", r"b''", Exporter::Str),
    row("bytes with NULs", r"b'ab\x00c'", Exporter::Str),
    row(
        "bytes subclass",
        r"_parity_str(b'sub\x00str')",
        Exporter::Str,
    ),
    // str: no buffer on Python 3
    row("str ASCII", r"'hello'", Exporter::NoBuffer),
    row("str non-ASCII", r"'h\xe9\u20ac'", Exporter::NoBuffer),
    // bytearray
    row("bytearray empty", r"bytearray()", Exporter::Exported),
    row("bytearray", r"bytearray(b'hello')", Exporter::Exported),
    row(
        "bytearray subclass",
        r"_parity_bytearray(b'sub')",
        Exporter::Exported,
    ),
    // array.array
    row(
        "array b",
        r"array.array('b', [-1, 0, 1])",
        Exporter::Exported,
    ),
    row(
        "array B",
        r"array.array('B', [0, 128, 255])",
        Exporter::Exported,
    ),
    row(
        "array h",
        r"array.array('h', [-2, 300])",
        Exporter::Exported,
    ),
    row(
        "array i",
        r"array.array('i', [1, -70000])",
        Exporter::Exported,
    ),
    row(
        "array l",
        r"array.array('l', [2 ** 40, -1])",
        Exporter::Exported,
    ),
    row(
        "array d",
        r"array.array('d', [3.14, 0.0])",
        Exporter::Exported,
    ),
    row(
        "array u",
        r"array.array('u', 'h\xe9\u20ac')",
        Exporter::Exported,
    ),
    row("array empty", r"array.array('b')", Exporter::Exported),
    // mmap
    row("mmap anonymous", r"_parity_anon_mmap()", Exporter::Exported),
    row(
        "mmap read-only",
        r"_parity_file_mmap(mmap.ACCESS_READ)",
        Exporter::Exported,
    ),
    row(
        "mmap copy-on-write",
        r"_parity_file_mmap(mmap.ACCESS_COPY)",
        Exporter::Exported,
    ),
    row("mmap closed", r"_parity_closed_mmap()", Exporter::Exported),
    // memoryview
    row(
        "memoryview over bytes",
        r"memoryview(b'view')",
        Exporter::Exported,
    ),
    row(
        "memoryview over bytearray",
        r"memoryview(bytearray(b'view'))",
        Exporter::Exported,
    ),
    row(
        "memoryview slice",
        r"memoryview(bytearray(b'abcdef'))[1:4]",
        Exporter::Exported,
    ),
    // ctypes: its resize() reallocates under an export
    row(
        "ctypes c_char * 4",
        r"(ctypes.c_char * 4)(*b'wxyz')",
        Exporter::Unpinned,
    ),
    row(
        "ctypes c_int * 3",
        r"(ctypes.c_int * 3)(1, -2, 3)",
        Exporter::Unpinned,
    ),
    row("ctypes c_int", r"ctypes.c_int(42)", Exporter::Unpinned),
    row(
        "ctypes c_double",
        r"ctypes.c_double(2.5)",
        Exporter::Unpinned,
    ),
    // no buffer at all
    row("int", r"7", Exporter::NoBuffer),
    row("big int", r"12345678901234567890", Exporter::NoBuffer),
    row("float", r"1.5", Exporter::NoBuffer),
    row("None", r"None", Exporter::NoBuffer),
    row("list", r"[1, 2]", Exporter::NoBuffer),
    row("tuple", r"(1, 2)", Exporter::NoBuffer),
    row("dict", r"{'a': 1}", Exporter::NoBuffer),
    row("instance", r"_parity_new()", Exporter::NoBuffer),
    row("type", r"int", Exporter::NoBuffer),
    row("file", r"open('/dev/null', 'rb')", Exporter::NoBuffer),
];

/// The table. Python source in raw strings: `\x00` is Python's escape.
#[cfg(not(Py_3))]
const ROWS: &[Row] = &[
    // str
    row("str", r"'hello'", Exporter::Str),
    row("str empty", r"''", Exporter::Str),
    row("str with NULs", r"'ab\x00c'", Exporter::Str),
    row("str subclass", r"_parity_str('sub\x00str')", Exporter::Str),
    // unicode
    row("unicode ASCII", r"u'hello'", Exporter::Unicode),
    row("unicode non-ASCII", r"u'h\xe9\u20ac'", Exporter::Unicode),
    row("unicode empty", r"u''", Exporter::Unicode),
    row("unicode astral", r"u'a\U0001f600'", Exporter::Unicode),
    // buffer
    row(
        "buffer over str",
        r"buffer('hello')",
        Exporter::BufferOverImmutable,
    ),
    row(
        "buffer over str slice",
        r"buffer('abcdef', 2, 3)",
        Exporter::BufferOverImmutable,
    ),
    row(
        "buffer past the end",
        r"buffer('abc', 10)",
        Exporter::BufferOverImmutable,
    ),
    row(
        "buffer over unicode",
        r"buffer(u'uni')",
        Exporter::BufferOverImmutable,
    ),
    row(
        "buffer over non-ASCII unicode",
        r"buffer(u'h\xe9')",
        Exporter::BufferOverImmutable,
    ),
    row(
        "buffer over bytearray",
        r"buffer(bytearray('bytes'))",
        Exporter::Unpinned,
    ),
    row(
        "buffer over array",
        r"buffer(array.array('h', [1, 2, 3]))",
        Exporter::Unpinned,
    ),
    // bytearray
    row("bytearray empty", r"bytearray()", Exporter::ByteArray),
    row("bytearray", r"bytearray('hello')", Exporter::ByteArray),
    row(
        "bytearray subclass",
        r"_parity_bytearray('sub')",
        Exporter::ByteArray,
    ),
    // array.array
    row(
        "array b",
        r"array.array('b', [-1, 0, 1])",
        Exporter::Unpinned,
    ),
    row(
        "array B",
        r"array.array('B', [0, 128, 255])",
        Exporter::Unpinned,
    ),
    row(
        "array h",
        r"array.array('h', [-2, 300])",
        Exporter::Unpinned,
    ),
    row(
        "array i",
        r"array.array('i', [1, -70000])",
        Exporter::Unpinned,
    ),
    row(
        "array l",
        r"array.array('l', [2 ** 40, -1])",
        Exporter::Unpinned,
    ),
    row(
        "array f",
        r"array.array('f', [1.5, -0.25])",
        Exporter::Unpinned,
    ),
    row(
        "array d",
        r"array.array('d', [3.14, 0.0])",
        Exporter::Unpinned,
    ),
    row("array c", r"array.array('c', 'abc')", Exporter::Unpinned),
    row(
        "array u",
        r"array.array('u', u'h\xe9\u20ac')",
        Exporter::Unpinned,
    ),
    row("array empty", r"array.array('b')", Exporter::Unpinned),
    // mmap
    row("mmap anonymous", r"_parity_anon_mmap()", Exporter::Unpinned),
    row(
        "mmap read-only",
        r"_parity_file_mmap(mmap.ACCESS_READ)",
        Exporter::Unpinned,
    ),
    row(
        "mmap copy-on-write",
        r"_parity_file_mmap(mmap.ACCESS_COPY)",
        Exporter::Unpinned,
    ),
    row("mmap closed", r"_parity_closed_mmap()", Exporter::Unpinned),
    // memoryview
    row(
        "memoryview over str",
        r"memoryview('view')",
        Exporter::NoBuffer,
    ),
    row(
        "memoryview over bytearray",
        r"memoryview(bytearray('view'))",
        Exporter::NoBuffer,
    ),
    // ctypes
    row(
        "ctypes c_char * 4",
        r"(ctypes.c_char * 4)(*'wxyz')",
        Exporter::Unpinned,
    ),
    row(
        "ctypes c_int * 3",
        r"(ctypes.c_int * 3)(1, -2, 3)",
        Exporter::Unpinned,
    ),
    row("ctypes c_int", r"ctypes.c_int(42)", Exporter::Unpinned),
    row(
        "ctypes c_double",
        r"ctypes.c_double(2.5)",
        Exporter::Unpinned,
    ),
    // no buffer at all
    row("int", r"7", Exporter::NoBuffer),
    row("long", r"12345678901234567890L", Exporter::NoBuffer),
    row("float", r"1.5", Exporter::NoBuffer),
    row("None", r"None", Exporter::NoBuffer),
    row("list", r"[1, 2]", Exporter::NoBuffer),
    row("tuple", r"(1, 2)", Exporter::NoBuffer),
    row("dict", r"{'a': 1}", Exporter::NoBuffer),
    row("old-style instance", r"_parity_old()", Exporter::NoBuffer),
    row("new-style instance", r"_parity_new()", Exporter::NoBuffer),
    row("type", r"int", Exporter::NoBuffer),
    row("file", r"open('/dev/null')", Exporter::NoBuffer),
];

// ---------------------------------------------------------------------------
// The functions, and what the documentation promises of them
// ---------------------------------------------------------------------------

/// What the crate documentation's table promises for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Documented {
    /// If the call succeeds, the buffer has this kind. (It may fail: a
    /// non-ASCII unicode has no char buffer, a closed mmap no buffer at all;
    /// whether it fails is the C function's to say.)
    KindIfOk(BufferKind),
    /// The call fails with `TypeError`.
    TypeError,
}

fn documented(exporter: Exporter, function: Function) -> Documented {
    use Exporter::*;
    match (exporter, function) {
        (Str | Unicode | BufferOverImmutable, Function::Write) => Documented::TypeError,
        (Str | Unicode | BufferOverImmutable, _) => Documented::KindIfOk(BufferKind::Immutable),
        (ByteArray | Exported, _) => Documented::KindIfOk(BufferKind::Pinned),
        (Unpinned, _) => Documented::KindIfOk(BufferKind::Unpinned),
        (NoBuffer, _) => Documented::TypeError,
    }
}

// ---------------------------------------------------------------------------
// Raw calls: the oracle
// ---------------------------------------------------------------------------

/// What a borrowing call gave: a copy of the bytes, or the exception as
/// `Type: message`.
type Outcome = Result<Vec<u8>, String>;

/// Call the C function for `function` on `obj`, and copy what it gives at
/// once, before any Python code can run. Also returns the address it gave
/// (NULL on failure), to tell whether the safe API is zero-copy.
fn raw_outcome(py: Python<'_>, obj: &Object<'_>, function: Function) -> (Outcome, *const u8) {
    match raw_borrow(py, obj, function) {
        Ok(raw) => (raw.readable().map(<[u8]>::to_vec), raw.ptr),
        Err(e) => (Err(e.to_string()), ptr::null()),
    }
}

/// `PyObject_CheckReadBuffer`'s result, and the exception it left set if any
/// (fetched and cleared here).
fn raw_check_read_buffer(py: Python<'_>, obj: &Object<'_>) -> (c_int, Option<String>) {
    // SAFETY: `obj` is a valid object and the GIL is held (`py`).
    let result = unsafe { sys::PyObject_CheckReadBuffer(obj.as_ptr()) };
    let left_set = exception_pending(py).then(|| take_error(py).to_string());
    (result, left_set)
}

fn exception_pending(_py: Python<'_>) -> bool {
    // SAFETY: the GIL is held (`_py`).
    !unsafe { sys::PyErr_Occurred() }.is_null()
}

// ---------------------------------------------------------------------------
// Safe calls
// ---------------------------------------------------------------------------

fn describe(e: &Error) -> String {
    format!("{}: {}", e.type_name(), e.message())
}

/// The safe call's result in the raw call's terms, checking on the way that
/// the buffer's `len()` is the length of its bytes and that no exception is
/// left set once the buffer is gone.
fn safe_outcome(
    py: Python<'_>,
    row: &Row,
    obj: &Object<'_>,
    function: Function,
    failures: &mut Failures,
) -> Outcome {
    let outcome = match function.safe(obj) {
        Ok(buf) => match buf.to_vec() {
            Ok(bytes) => {
                if buf.len() != bytes.len() {
                    failures.add(
                        row,
                        format!(
                            "{function}: len() is {} but to_vec() gave {} bytes",
                            buf.len(),
                            bytes.len()
                        ),
                    );
                }
                Ok(bytes)
            }
            Err(e) => Err(describe(&e)),
        },
        Err(e) => Err(describe(&e)),
    };
    if exception_pending(py) {
        let left = take_error(py);
        failures.add(row, format!("{function}: safe call left {left} set"));
    }
    outcome
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Disagreements found so far, asserted all at once.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn add(&mut self, row: &Row, what: String) {
        self.0.push(format!("{} `{}`: {what}", row.name, row.expr));
    }

    fn assert_none(self, of_what: &str) {
        assert!(
            self.0.is_empty(),
            "{} failure(s) of {of_what}:\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }
}

/// Bytes as a Python-like literal: `b"ab\x00c"`.
fn lit(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

fn show(outcome: &Outcome) -> String {
    match outcome {
        Ok(bytes) => format!("Ok({})", lit(bytes)),
        Err(e) => format!("Err({e})"),
    }
}

fn setup(py: Python<'_>) {
    py.run(SETUP)
        .unwrap_or_else(|e| panic!("running the setup code failed: {e}"));
}

/// A fresh object for `row`.
fn eval_row<'py>(py: Python<'py>, row: &Row) -> Object<'py> {
    py.eval(row.expr)
        .unwrap_or_else(|e| panic!("{}: evaluating `{}` failed: {e}", row.name, row.expr))
}

/// A fresh object from `expr`, also bound to `name` in `__main__` for
/// Python code to look at.
fn bind<'py>(py: Python<'py>, name: &str, expr: &str) -> Object<'py> {
    py.run(&format!("{name} = {expr}"))
        .and_then(|()| py.eval(name))
        .unwrap_or_else(|e| panic!("binding {name} = {expr} failed: {e}"))
}

/// Evaluate an expression whose value is a `str`, and return its bytes.
fn eval_bytes(py: Python<'_>, expr: &str) -> Vec<u8> {
    let value = py
        .eval(expr)
        .unwrap_or_else(|e| panic!("evaluating `{expr}` failed: {e}"));
    let buf = value
        .read_buffer()
        .unwrap_or_else(|e| panic!("`{expr}` has no read buffer: {e}"));
    buf.as_bytes()
        .unwrap_or_else(|| panic!("`{expr}` is not a str"))
        .to_vec()
}

/// Evaluate an expression whose `str()` is text.
fn eval_text(py: Python<'_>, expr: &str) -> String {
    let text = py
        .eval(&format!("str({expr})"))
        .unwrap_or_else(|e| panic!("evaluating `str({expr})` failed: {e}"));
    let bytes = text.native_str_bytes().expect("str() gives a str");
    String::from_utf8(bytes.to_vec()).expect("UTF-8 text")
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[test]
fn every_safe_call_returns_what_the_c_function_returns() {
    with_gil(|py| {
        setup(py);
        let mut failures = Failures::default();
        let mut checked = 0;
        for row in ROWS {
            let obj = eval_row(py, row);
            for function in Function::ALL {
                if exception_pending(py) {
                    let stray = take_error(py);
                    failures.add(row, format!("{function}: {stray} was set before the call"));
                }
                let (raw, _) = raw_outcome(py, &obj, function);
                let safe = safe_outcome(py, row, &obj, function, &mut failures);
                println!(
                    "{:<30} {function:<24} C {:<50} safe {}",
                    row.name,
                    show(&raw),
                    show(&safe)
                );
                if raw != safe {
                    failures.add(
                        row,
                        format!(
                            "{function}: C gave {}, safe gave {}",
                            show(&raw),
                            show(&safe)
                        ),
                    );
                }
                checked += 1;
            }

            let (raw, left_set) = raw_check_read_buffer(py, &obj);
            let safe = obj.check_read_buffer();
            println!(
                "{:<30} {:<24} C {raw}{} safe {safe}",
                row.name,
                "PyObject_CheckReadBuffer",
                left_set
                    .as_deref()
                    .map(|e| format!(" (left {e} set)"))
                    .unwrap_or_default(),
            );
            if (raw != 0) != safe {
                failures.add(
                    row,
                    format!("PyObject_CheckReadBuffer: C gave {raw}, safe gave {safe}"),
                );
            }
            if exception_pending(py) {
                let left = take_error(py);
                failures.add(row, format!("check_read_buffer left {left} set"));
            }
            checked += 1;
        }
        println!("{} rows x 4 functions: {checked} checks", ROWS.len());
        assert_eq!(checked, ROWS.len() * 4);
        failures.assert_none("parity with the C functions");
    })
}

#[test]
fn buffer_kinds_follow_the_documented_table() {
    with_gil(|py| {
        setup(py);
        let mut failures = Failures::default();
        for row in ROWS {
            let obj = eval_row(py, row);
            for function in Function::ALL {
                match (documented(row.exporter, function), function.safe(&obj)) {
                    (Documented::TypeError, Ok(buf)) => failures.add(
                        row,
                        format!("{function}: documented as TypeError, gave a {buf:?}"),
                    ),
                    (Documented::TypeError, Err(e)) => {
                        if e.type_name() != "TypeError" {
                            failures.add(
                                row,
                                format!("{function}: documented as TypeError, raised {e}"),
                            );
                        }
                    }
                    // Whether the call fails is the C function's to say
                    // (checked by the parity test).
                    (Documented::KindIfOk(_), Err(_)) => {}
                    (Documented::KindIfOk(kind), Ok(buf)) => {
                        if buf.kind() != kind {
                            failures.add(
                                row,
                                format!("{function}: documented as {kind:?}, gave a {buf:?}"),
                            );
                        }
                        check_views(py, row, &obj, function, &buf, &mut failures);
                    }
                }
            }
        }
        failures.assert_none("the documented BufferKind table");
    })
}

/// What each kind of buffer offers, and that the zero-copy views show the
/// buffer's bytes at the very address the C function gives.
fn check_views(
    py: Python<'_>,
    row: &Row,
    obj: &Object<'_>,
    function: Function,
    buf: &Buffer<'_>,
    failures: &mut Failures,
) {
    let mut fail = |what: String| failures.add(row, format!("{function}: {what}"));
    let bytes = match buf.to_vec() {
        Ok(bytes) => bytes,
        Err(e) => return fail(format!("to_vec() of a {buf:?} failed: {e}")),
    };
    if buf.is_writable() != (function == Function::Write) {
        fail(format!("is_writable() is {}", buf.is_writable()));
    }
    let cells: Option<Vec<u8>> = buf.as_cells().map(|c| c.iter().map(|b| b.get()).collect());
    let zero_copy_ptr = buf.as_cells().map(|c| c.as_ptr().cast::<u8>());
    let has_write_cells = buf.as_write_cells().is_some();
    match buf.kind() {
        BufferKind::Immutable => {
            if buf.as_bytes() != Some(&bytes[..]) {
                fail(format!(
                    "as_bytes() {:?} is not to_vec() {}",
                    buf.as_bytes().map(lit),
                    lit(&bytes)
                ));
            }
            if cells.as_ref() != Some(&bytes) {
                fail(format!(
                    "as_cells() {:?} is not to_vec() {}",
                    cells.as_deref().map(lit),
                    lit(&bytes)
                ));
            }
            if has_write_cells {
                fail("an Immutable buffer has write cells".to_owned());
            }
        }
        BufferKind::Pinned => {
            if buf.as_bytes().is_some() {
                fail("a Pinned buffer gives &[u8]".to_owned());
            }
            if cells.as_ref() != Some(&bytes) {
                fail(format!(
                    "as_cells() {:?} is not to_vec() {}",
                    cells.as_deref().map(lit),
                    lit(&bytes)
                ));
            }
            if has_write_cells != (function == Function::Write) {
                fail(format!("as_write_cells() is_some() is {has_write_cells}"));
            }
        }
        BufferKind::Unpinned => {
            if buf.as_bytes().is_some() || cells.is_some() || has_write_cells {
                fail("an Unpinned buffer gives a zero-copy view".to_owned());
            }
        }
    }
    if let Some(safe_ptr) = zero_copy_ptr {
        let (raw, raw_ptr) = raw_outcome(py, obj, function);
        if raw.as_ref() != Ok(&bytes) {
            fail(format!("C now gives {}, safe {}", show(&raw), lit(&bytes)));
        } else if !bytes.is_empty() && raw_ptr != safe_ptr {
            fail(format!(
                "zero-copy view at {safe_ptr:p}, but C gives {raw_ptr:p}"
            ));
        }
    }
}

#[test]
fn writes_through_the_safe_api_are_seen_by_python() {
    with_gil(|py| {
        setup(py);
        let mut failures = Failures::default();
        let mut written = Vec::new();
        for row in ROWS {
            let obj = bind(py, "_parity_write_target", row.expr);
            // Only where the C function says the object is writable.
            let Ok(before) = raw_outcome(py, &obj, Function::Write).0 else {
                continue;
            };
            if before.is_empty() {
                continue;
            }
            // Every byte changes.
            let wanted: Vec<u8> = before.iter().map(|b| !b).collect();
            if let Err(e) = write_all(&obj, &wanted) {
                failures.add(row, format!("writing failed: {e}"));
                continue;
            }
            let python_sees = eval_bytes(py, "_parity_bytes(_parity_write_target)");
            if python_sees != wanted {
                failures.add(
                    row,
                    format!("wrote {}, Python sees {}", lit(&wanted), lit(&python_sees)),
                );
            }
            let (c_sees, _) = raw_outcome(py, &obj, Function::Read);
            if c_sees.as_ref() != Ok(&wanted) {
                failures.add(
                    row,
                    format!(
                        "wrote {}, PyObject_AsReadBuffer gives {}",
                        lit(&wanted),
                        show(&c_sees)
                    ),
                );
            }
            written.push(row.name);
        }
        py.run("del _parity_write_target").expect("unbinding");
        println!("written through: {}", written.join(", "));
        failures.assert_none("writes through the safe API");
        // Sanity: the table has writable rows of every writable family.
        for family in ["bytearray", "array", "mmap", "ctypes"] {
            assert!(
                written.iter().any(|name| name.starts_with(family)),
                "no {family} row was writable: {written:?}"
            );
        }
    })
}

/// Write `bytes` over the whole of `obj`'s write buffer, the way its kind
/// allows: through cells for `Pinned` memory, with `write_at` otherwise.
fn write_all(obj: &Object<'_>, bytes: &[u8]) -> Result<(), String> {
    let buf = obj.write_buffer().map_err(|e| describe(&e))?;
    if buf.kind() != BufferKind::Pinned {
        return buf.write_at(0, bytes).map_err(|e| describe(&e));
    }
    let cells = buf
        .as_write_cells()
        .ok_or_else(|| format!("no write cells in a {buf:?}"))?;
    if cells.len() != bytes.len() {
        return Err(format!(
            "{} write cells for {} bytes",
            cells.len(),
            bytes.len()
        ));
    }
    for (cell, &byte) in cells.iter().zip(bytes) {
        cell.set(byte);
    }
    Ok(())
}

/// Python 2 only: Python 3's `str` has no buffer.
#[cfg(not(Py_3))]
#[test]
fn unicode_read_buffers_are_py_unicode_code_units() {
    with_gil(|py| {
        setup(py);
        // PY_UNICODE_SIZE is what the running interpreter was built with.
        let maxunicode: u32 = eval_text(py, "__import__('sys').maxunicode")
            .parse()
            .expect("an int");
        let unit = if maxunicode > 0xFFFF { 4 } else { 2 };
        assert_eq!(PY_UNICODE_SIZE, unit, "sys.maxunicode is {maxunicode:#x}");

        for row in ROWS.iter().filter(|r| r.exporter == Exporter::Unicode) {
            let obj = eval_row(py, row);
            let n_chars: usize = eval_text(py, &format!("len({})", row.expr))
                .parse()
                .expect("an int");
            let ords: Vec<u32> =
                eval_text(py, &format!("' '.join(str(ord(c)) for c in {})", row.expr))
                    .split_whitespace()
                    .map(|n| n.parse().expect("an int"))
                    .collect();

            let buf = obj
                .read_buffer()
                .unwrap_or_else(|e| panic!("{}: read_buffer failed: {e}", row.name));
            assert_eq!(
                buf.len(),
                n_chars * PY_UNICODE_SIZE,
                "{}: {n_chars} characters",
                row.name
            );
            let bytes = buf.as_bytes().expect("unicode is Immutable");
            let units: Vec<u32> = bytes
                .chunks_exact(PY_UNICODE_SIZE)
                .map(|unit| match *unit {
                    [a, b] => u16::from_ne_bytes([a, b]).into(),
                    [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]),
                    _ => unreachable!("PY_UNICODE_SIZE is 2 or 4"),
                })
                .collect();
            assert_eq!(units, ords, "{}: code units in native order", row.name);
        }
    })
}

#[test]
fn known_values() {
    with_gil(|py| {
        setup(py);
        let s = py.eval(r"b'ab\x00c'").unwrap();
        assert_eq!(s.read_buffer().unwrap().as_bytes(), Some(&b"ab\0c"[..]));
        assert_eq!(s.char_buffer().unwrap().as_bytes(), Some(&b"ab\0c"[..]));
        let e = py.eval("7").unwrap().read_buffer().unwrap_err();
        if ffi::PY3 {
            let view = py.eval("memoryview(b'abcdef')[2:5]").unwrap();
            assert_eq!(view.read_buffer().unwrap().to_vec().unwrap(), b"cde");
            assert_eq!(
                (e.type_name(), e.message()),
                ("TypeError", "a bytes-like object is required, not 'int'")
            );
        } else {
            let slice = py.eval("buffer('abcdef', 2, 3)").unwrap();
            assert_eq!(slice.read_buffer().unwrap().as_bytes(), Some(&b"cde"[..]));
            assert_eq!(
                (e.type_name(), e.message()),
                ("TypeError", "expected a readable buffer object")
            );
        }

        // Writes, as Python's own API for each type shows them.
        let ba = bind(py, "_parity_known", "bytearray(b'abc')");
        let buf = ba.write_buffer().unwrap();
        buf.as_write_cells().unwrap()[0].set(b'X');
        drop(buf);
        assert_eq!(eval_text(py, "repr(_parity_known)"), "bytearray(b'Xbc')");

        let arr = bind(py, "_parity_known", "array.array('h', [1, 2, 3])");
        let buf = arr.write_buffer().unwrap();
        buf.write_at(2, &(-2i16).to_ne_bytes()).unwrap();
        assert_eq!(eval_text(py, "_parity_known.tolist()"), "[1, -2, 3]");

        let int = bind(py, "_parity_known", "ctypes.c_int(0)");
        let buf = int.write_buffer().unwrap();
        buf.write_at(0, &0x0102_0304_i32.to_ne_bytes()).unwrap();
        assert_eq!(eval_text(py, "_parity_known.value"), "16909060");

        let map = bind(py, "_parity_known", "_parity_anon_mmap()");
        let buf = map.write_buffer().unwrap();
        buf.write_at(0, b"M").unwrap();
        assert_eq!(eval_bytes(py, "_parity_known[:]"), b"Mapped");

        py.run("del _parity_known").unwrap();
    })
}

/// The no-Python scope ([`Object::with_char_bytes`], `with_read_bytes`,
/// `with_write_bytes`) against the C functions: for every object and
/// function, the same bytes at the very address the C function gives
/// (zero-copy, for every kind of exporter), or the same exception; no
/// exception left set; and writes through `&mut [u8]` seen by Python.
#[test]
fn the_no_python_scope_lends_every_exporter_zero_copy() {
    with_gil(|py| {
        setup(py);
        let mut failures = Failures::default();
        let mut zero_copy = 0;
        for row in ROWS {
            let obj = eval_row(py, row);
            for function in Function::ALL {
                let (raw, raw_ptr) = raw_outcome(py, &obj, function);
                let lent = |bytes: &[u8]| (bytes.to_vec(), bytes.as_ptr() as usize);
                let scoped = match function {
                    Function::Char => obj.with_char_bytes(lent),
                    Function::Read => obj.with_read_bytes(lent),
                    Function::Write => obj.with_write_bytes(|bytes| lent(bytes)),
                };
                if exception_pending(py) {
                    let left = take_error(py);
                    failures.add(row, format!("{function}: the scope left {left} set"));
                }
                let (outcome, ptr) = match scoped {
                    Ok((bytes, ptr)) => (Ok(bytes), ptr),
                    Err(e) => (Err(describe(&e)), 0),
                };
                println!(
                    "{:<30} {function:<24} C {:<50} scope {}",
                    row.name,
                    show(&raw),
                    show(&outcome)
                );
                if raw != outcome {
                    failures.add(
                        row,
                        format!(
                            "{function}: C gave {}, the scope {}",
                            show(&raw),
                            show(&outcome)
                        ),
                    );
                } else if matches!(&outcome, Ok(b) if !b.is_empty()) {
                    if ptr != raw_ptr as usize {
                        failures.add(
                            row,
                            format!("{function}: lent {ptr:#x}, but C gives {raw_ptr:p}"),
                        );
                    }
                    zero_copy += 1;
                }
            }
        }
        println!("{zero_copy} non-empty zero-copy lends");
        failures.assert_none("the no-Python scope's parity with the C functions");

        // Writes: every writable row, every byte flipped in place.
        let mut failures = Failures::default();
        let mut written = Vec::new();
        for row in ROWS {
            let obj = bind(py, "_parity_scope_target", row.expr);
            let Ok(before) = raw_outcome(py, &obj, Function::Write).0 else {
                continue;
            };
            obj.with_write_bytes(|bytes| bytes.iter_mut().for_each(|b| *b = !*b))
                .unwrap_or_else(|e| panic!("{}: {e}", row.name));
            let wanted: Vec<u8> = before.iter().map(|b| !b).collect();
            let python_sees = eval_bytes(py, "_parity_bytes(_parity_scope_target)");
            if python_sees != wanted {
                failures.add(
                    row,
                    format!("wrote {}, Python sees {}", lit(&wanted), lit(&python_sees)),
                );
            }
            written.push(row.name);
        }
        py.run("del _parity_scope_target").unwrap();
        failures.assert_none("writes through the no-Python scope");
        for family in ["bytearray", "array", "mmap", "ctypes"] {
            assert!(written.iter().any(|name| name.starts_with(family)));
        }
    })
}
