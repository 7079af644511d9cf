//! Property test: random objects through the safe API and through the C
//! functions, byte for byte.
//!
//! Each case builds an object of a random kind (`str` and a subclass;
//! `unicode`, ASCII and not; `bytearray` and a subclass; `array.array` of a
//! random typecode; `buffer` over a `str`, a `unicode`, a `bytearray` or
//! another `buffer`, at a random offset and size; an anonymous `mmap`; a
//! ctypes `c_char` array) from random contents and a random slice
//! `[start:stop:step]`, then, for each of `PyObject_AsCharBuffer`,
//! `PyObject_AsReadBuffer` and `PyObject_AsWriteBuffer`, checks that the
//! safe call gives exactly what the C function gives (the same bytes, or the
//! same exception type and message), with the kind the crate documents;
//! that `read_at` at a random place gives those bytes or the documented
//! `IndexError`; that a random `write_at` lands where the C function then
//! sees it; that `check_read_buffer` agrees with `PyObject_CheckReadBuffer`;
//! and that no exception is left set.
//!
//! 256 cases by default (a few seconds). A long run:
//!
//! ```text
//! PROPTEST_CASES=50000 cargo test -p legacy-buffer-tests --test fuzz -- --nocapture
//! ```
//!
//! A failing case is shrunk and printed as its `Spec`; failures are not
//! saved to a file.

use legacy_buffer::{ffi, with_gil, BufferKind, Object, Python};
use legacy_buffer_tests::oracle::{assert_clear, raw_borrow, Function};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::fmt::Write as _;

// ---------------------------------------------------------------------------
// What to build
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Kind {
    Str,
    StrSubclass,
    Unicode(Vec<char>),
    ByteArray,
    ByteArraySubclass,
    Array(char),
    /// `buffer(base, offset, size)`; `size` -1 is "to the end".
    Buffer(BufferBase, usize, isize),
    Mmap,
    /// A `c_char` array of the contents' length plus this many NULs.
    Ctypes(usize),
}

#[derive(Clone, Debug)]
enum BufferBase {
    Str,
    Unicode(Vec<char>),
    ByteArray,
    /// `buffer(buffer(str, offset, size), ...)`.
    Buffer(usize, isize),
}

#[derive(Clone, Debug)]
struct Spec {
    kind: Kind,
    content: Vec<u8>,
    slice: Option<(Option<i8>, Option<i8>, Option<i8>)>,
    /// Where `read_at` and `write_at` go, and what `write_at` writes.
    at: usize,
    read_len: usize,
    write: Vec<u8>,
}

const TYPECODES: [char; 12] = ['c', 'b', 'B', 'u', 'h', 'H', 'i', 'I', 'l', 'L', 'f', 'd'];

fn chars(non_ascii: bool) -> impl Strategy<Value = Vec<char>> {
    let ascii = (0u32..0x80).boxed();
    let c = if non_ascii {
        prop_oneof![
            ascii,
            0x80u32..0x800,
            0x800u32..0xD800,
            0xE000u32..0x1_0000,
            0x1_0000u32..0x11_0000,
        ]
        .boxed()
    } else {
        ascii
    };
    prop::collection::vec(
        c.prop_map(|u| char::from_u32(u).expect("no surrogates")),
        0..24,
    )
}

fn size() -> impl Strategy<Value = isize> {
    prop_oneof![Just(-1isize), 0isize..70]
}

fn kind() -> impl Strategy<Value = Kind> {
    let base = prop_oneof![
        Just(BufferBase::Str),
        prop_oneof![chars(false), chars(true)].prop_map(BufferBase::Unicode),
        Just(BufferBase::ByteArray),
        (0usize..40, size()).prop_map(|(o, s)| BufferBase::Buffer(o, s)),
    ];
    prop_oneof![
        Just(Kind::Str),
        Just(Kind::StrSubclass),
        chars(false).prop_map(Kind::Unicode),
        chars(true).prop_map(Kind::Unicode),
        Just(Kind::ByteArray),
        Just(Kind::ByteArraySubclass),
        prop::sample::select(&TYPECODES[..]).prop_map(Kind::Array),
        (base, 0usize..70, size()).prop_map(|(b, o, s)| Kind::Buffer(b, o, s)),
        Just(Kind::Mmap),
        (0usize..4).prop_map(Kind::Ctypes),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let bound = prop::option::of(-70i8..70);
    let step = prop::option::of(prop_oneof![1i8..4, -3i8..0]);
    (
        kind(),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::weighted(0.5, (bound.clone(), bound, step)),
        0usize..80,
        0usize..12,
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(kind, content, slice, at, read_len, write)| Spec {
            kind,
            content,
            slice,
            at,
            read_len,
            write,
        })
}

// ---------------------------------------------------------------------------
// Building it in Python
// ---------------------------------------------------------------------------

const SETUP: &str = r#"
import array, ctypes, mmap

class _fz_str(str): pass
class _fz_bytearray(bytearray): pass

def _fz_array(typecode, s):
    a = array.array(typecode)
    a.fromstring(s[:len(s) // a.itemsize * a.itemsize])
    return a

def _fz_mmap(s):
    m = mmap.mmap(-1, max(len(s), 1))
    m.write(s)
    return m

def _fz_ctypes(s, extra):
    return ctypes.create_string_buffer(s, len(s) + extra)
"#;

fn str_literal(bytes: &[u8]) -> String {
    let mut s = String::from("'");
    for b in bytes {
        write!(s, "\\x{b:02x}").unwrap();
    }
    s.push('\'');
    s
}

fn unicode_literal(chars: &[char]) -> String {
    let mut s = String::from("u'");
    for &c in chars {
        write!(s, "\\U{:08x}", u32::from(c)).unwrap();
    }
    s.push('\'');
    s
}

fn slice_suffix(slice: &Option<(Option<i8>, Option<i8>, Option<i8>)>) -> String {
    let show = |b: &Option<i8>| b.map(|v| v.to_string()).unwrap_or_default();
    match slice {
        None => String::new(),
        Some((start, stop, step)) => format!("[{}:{}:{}]", show(start), show(stop), show(step)),
    }
}

/// The Python expression for `spec`.
fn expression(spec: &Spec) -> String {
    let sl = slice_suffix(&spec.slice);
    let s = format!("{}{sl}", str_literal(&spec.content));
    match &spec.kind {
        Kind::Str => s,
        Kind::StrSubclass => format!("_fz_str({s})"),
        Kind::Unicode(chars) => format!("{}{sl}", unicode_literal(chars)),
        Kind::ByteArray => format!("bytearray({}){sl}", str_literal(&spec.content)),
        Kind::ByteArraySubclass => format!("_fz_bytearray({s})"),
        Kind::Array(tc) => format!("_fz_array('{tc}', {}){sl}", str_literal(&spec.content)),
        Kind::Buffer(base, offset, size) => {
            let base = match base {
                BufferBase::Str => s,
                BufferBase::Unicode(chars) => format!("{}{sl}", unicode_literal(chars)),
                BufferBase::ByteArray => format!("bytearray({s})"),
                BufferBase::Buffer(o, n) => format!("buffer({s}, {o}, {n})"),
            };
            format!("buffer({base}, {offset}, {size})")
        }
        Kind::Mmap => format!("_fz_mmap({s})"),
        Kind::Ctypes(extra) => format!("_fz_ctypes({s}, {extra})"),
    }
}

/// The crate's documented table: the kind a successful borrow has, or
/// `None` where every borrow is a `TypeError` (writes to immutable objects).
fn documented_kind(spec: &Spec, function: Function) -> Option<BufferKind> {
    let immutable = match &spec.kind {
        Kind::Str | Kind::StrSubclass | Kind::Unicode(_) => true,
        Kind::Buffer(BufferBase::ByteArray, ..) => false,
        Kind::Buffer(..) => true,
        Kind::ByteArray | Kind::ByteArraySubclass => return Some(BufferKind::Pinned),
        Kind::Array(_) | Kind::Mmap | Kind::Ctypes(_) => false,
    };
    match (immutable, function) {
        (true, Function::Write) => None,
        (true, _) => Some(BufferKind::Immutable),
        (false, _) => Some(BufferKind::Unpinned),
    }
}

// ---------------------------------------------------------------------------
// The oracle: the C functions
// ---------------------------------------------------------------------------

/// The bytes, or `Type: message` (or why the C "success" cannot be read).
type Outcome = Result<Vec<u8>, String>;

fn raw_call(py: Python<'_>, obj: &Object<'_>, function: Function) -> Outcome {
    match raw_borrow(py, obj, function) {
        Ok(raw) => raw.readable().map(<[u8]>::to_vec),
        Err(e) => Err(e.to_string()),
    }
}

// ---------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------

/// How often each path was taken, over a run.
#[derive(Default, Debug)]
struct Tally {
    borrowed: [usize; 3],
    refused: [usize; 3],
    read_in_range: usize,
    read_out_of_range: usize,
    written: usize,
    write_refused: usize,
    kinds: [usize; 3],
}

fn check(spec: &Spec, tally: &mut Tally) {
    with_gil(|py| {
        py.run(SETUP).expect("setup");
        let expr = expression(spec);
        let fresh = || {
            let obj = py
                .eval(&expr)
                .unwrap_or_else(|e| panic!("building `{expr}` failed: {e}"));
            assert_clear(py, &expr);
            obj
        };

        for function in Function::ALL {
            let what = format!("{function:?} of `{expr}`");
            let obj = fresh();
            let raw = raw_call(py, &obj, function);
            assert_clear(py, &what);
            let safe = function.safe(&obj);
            assert_clear(py, &what);
            let buf = match (&raw, safe) {
                (Err(c), Err(e)) => {
                    assert_eq!(&e.to_string(), c, "{what}: errors differ");
                    tally.refused[function as usize] += 1;
                    // Writes to immutable objects always fail this way.
                    if documented_kind(spec, function).is_none() {
                        assert!(c.starts_with("TypeError: "), "{what}: {c}");
                    }
                    continue;
                }
                (Ok(c), Ok(buf)) => {
                    let copy = buf.to_vec().unwrap();
                    assert_clear(py, &what);
                    assert_eq!(&copy, c, "{what}: bytes differ");
                    assert_eq!(buf.len(), c.len(), "{what}");
                    tally.borrowed[function as usize] += 1;
                    buf
                }
                (c, s) => panic!("{what}: C gave {c:?}, safe gave {s:?}"),
            };
            let c_bytes = raw.unwrap();

            // The documented kind, and the views it offers.
            assert_eq!(Some(buf.kind()), documented_kind(spec, function), "{what}");
            assert_eq!(buf.is_writable(), function == Function::Write);
            tally.kinds[buf.kind() as usize] += 1;
            match buf.kind() {
                BufferKind::Immutable => {
                    assert_eq!(buf.as_bytes(), Some(&c_bytes[..]), "{what}");
                }
                BufferKind::Pinned => {
                    let cells = buf.as_cells().unwrap();
                    assert!(cells.iter().map(|c| c.get()).eq(c_bytes.iter().copied()));
                    assert_eq!(buf.as_write_cells().is_some(), function == Function::Write);
                }
                BufferKind::Unpinned => {
                    assert!(buf.as_bytes().is_none() && buf.as_cells().is_none());
                }
            }

            // read_at: the bytes there, or exactly the documented error.
            let mut dst = vec![0xEE; spec.read_len];
            match buf.read_at(spec.at, &mut dst) {
                Ok(()) => {
                    assert_eq!(
                        &dst[..],
                        &c_bytes[spec.at..spec.at + spec.read_len],
                        "{what}"
                    );
                    tally.read_in_range += 1;
                }
                Err(e) => {
                    assert!(spec.at + spec.read_len > c_bytes.len(), "{what}: {e}");
                    tally.read_out_of_range += 1;
                    assert_eq!(
                        e.to_string(),
                        format!(
                            "IndexError: range {}..{}+{} out of bounds for a buffer of {} bytes",
                            spec.at,
                            spec.at,
                            spec.read_len,
                            c_bytes.len()
                        ),
                        "{what}"
                    );
                }
            }
            assert_clear(py, &what);

            // write_at: lands where the C function sees it.
            match buf.write_at(spec.at, &spec.write) {
                Ok(()) => {
                    assert_eq!(function, Function::Write, "{what}: wrote to a read buffer");
                    let mut expected = c_bytes.clone();
                    expected[spec.at..spec.at + spec.write.len()].copy_from_slice(&spec.write);
                    drop(buf);
                    assert_eq!(raw_call(py, &obj, Function::Read), Ok(expected), "{what}");
                    tally.written += 1;
                }
                Err(e) if function != Function::Write => {
                    assert_eq!(
                        e.to_string(),
                        "TypeError: buffer was not borrowed for writing"
                    );
                }
                Err(e) => {
                    assert!(spec.at + spec.write.len() > c_bytes.len(), "{what}: {e}");
                    assert_eq!(e.type_name(), "IndexError", "{what}");
                    tally.write_refused += 1;
                }
            }
            assert_clear(py, &what);
        }

        let obj = fresh();
        // SAFETY: valid object, GIL held.
        let c = unsafe { ffi::PyObject_CheckReadBuffer(obj.as_ptr()) } != 0;
        assert_clear(py, &expr);
        assert_eq!(obj.check_read_buffer(), c, "check_read_buffer of `{expr}`");
        assert_clear(py, &expr);
    })
}

fn config() -> Config {
    Config {
        // No proptest-regressions files in the source tree.
        failure_persistence: None,
        // Cases: 256, or PROPTEST_CASES (read by Config::default()).
        ..Config::default()
    }
}

#[test]
fn the_safe_api_gives_what_the_c_functions_give() {
    let config = config();
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let tally = std::cell::RefCell::new(Tally::default());
    let result = runner.run(&spec(), |spec| {
        check(&spec, &mut tally.borrow_mut());
        Ok(())
    });
    let tally = tally.into_inner();
    println!("{cases} cases: {tally:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
    // Every path was taken (with enough cases to expect it).
    if cases >= 200 {
        let Tally {
            borrowed,
            refused,
            read_in_range,
            read_out_of_range,
            written,
            write_refused,
            kinds,
        } = tally;
        // Every object kind here has a read buffer: only char and write
        // borrows are refused.
        let [refused_char, _, refused_write] = refused;
        for n in borrowed.into_iter().chain(kinds) {
            assert!(n > 0, "a path was never taken: {tally:?}");
        }
        for n in [
            refused_char,
            refused_write,
            read_in_range,
            read_out_of_range,
            written,
            write_refused,
        ] {
            assert!(n > 0, "a path was never taken: {tally:?}");
        }
    }
}

/// The generator reaches every kind: a sample of 2000 specs covers all 13.
#[test]
fn the_generator_covers_every_kind() {
    use proptest::strategy::ValueTree;
    let mut runner = TestRunner::deterministic();
    let strategy = spec();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..2000 {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let name = match spec.kind {
            Kind::Str => "str",
            Kind::StrSubclass => "str subclass",
            Kind::Unicode(ref c) if c.iter().all(char::is_ascii) => "unicode ASCII",
            Kind::Unicode(_) => "unicode non-ASCII",
            Kind::ByteArray => "bytearray",
            Kind::ByteArraySubclass => "bytearray subclass",
            Kind::Array(_) => "array",
            Kind::Buffer(BufferBase::Str, ..) => "buffer over str",
            Kind::Buffer(BufferBase::Unicode(_), ..) => "buffer over unicode",
            Kind::Buffer(BufferBase::ByteArray, ..) => "buffer over bytearray",
            Kind::Buffer(BufferBase::Buffer(..), ..) => "buffer over buffer",
            Kind::Mmap => "mmap",
            Kind::Ctypes(_) => "ctypes",
        };
        seen.insert(name);
    }
    assert_eq!(seen.len(), 13, "{seen:?}");
}
