//! Exporters whose old buffer procs misbehave (the `hostile` C module built by
//! this crate's build script), through the safe API.
//!
//! For every hostile type and each of the old protocol's functions, the safe
//! call gives either a clean [`Error`] whose type and message are asserted
//! exactly, or the right bytes; never a panic, an abort or a read out of
//! bounds. After every call no Python exception is left set. Each outcome is
//! also checked against the C function itself (`PyObject_AsReadBuffer`, ...)
//! on a fresh object of the same type: the safe API may turn a C "success"
//! into an error (a NULL pointer with a length), never the other way round.
//!
//! The types (see `c/hostile.c`): every one owns `size` bytes of values
//! `i % 256` and counts calls of its buffer procs in `calls`.

use legacy_buffer::{ffi, with_gil, Buffer, BufferKind, Error, Object, Python};
use legacy_buffer_tests::modules::{eval, import_hostile};
use legacy_buffer_tests::oracle::{
    assert_clear, raw_borrow, take_error, CError, Function, RawBorrow,
};
use std::ptr;

const ALL_TYPES: [&str; 9] = [
    "TwoSegments",
    "NegativeLength",
    "NullPointer",
    "Raises",
    "NoCharBuffer",
    "HugeLength",
    "Resizing",
    "Gathering",
    "NullEmpty",
];

/// What the C function gave, copied at once.
type Raw = Result<RawBorrow, CError>;

/// `obj.name()`, through the C API.
fn call_method<'py>(obj: &Object<'py>, name: &str) -> Object<'py> {
    let py = obj.py();
    let method = obj
        .getattr(name)
        .unwrap_or_else(|e| panic!("getattr {name}: {e}"));
    // SAFETY: valid callable, GIL held; NULL arguments mean no arguments;
    // the result is a new reference or NULL with an exception set.
    let result = unsafe {
        Object::from_owned_ptr_or_err(
            py,
            ffi::PyObject_CallObject(method.as_ptr(), ptr::null_mut()),
            name,
        )
    };
    let result = result.unwrap_or_else(|e| panic!("{name}() failed: {e}"));
    assert_clear(py, name);
    result
}

/// The object's storage right now, from its `contents()` method (no proc
/// call).
fn contents(obj: &Object<'_>) -> Vec<u8> {
    let s = call_method(obj, "contents");
    let buf = s.read_buffer().expect("contents() is a str");
    buf.as_bytes().expect("a str is Immutable").to_vec()
}

/// The `calls` counter of a hostile object.
fn calls(obj: &Object<'_>) -> i64 {
    let n = obj.getattr("calls").expect("calls");
    n.repr().expect("repr").parse().expect("an int")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 256) as u8).collect()
}

#[track_caller]
fn assert_error(e: &Error, type_name: &str, message: &str, what: &str) {
    assert_eq!(
        (e.type_name(), e.message()),
        (type_name, message),
        "{what}: wrong error"
    );
    assert_eq!(e.to_string(), format!("{type_name}: {message}"), "{what}");
}

/// What one type gives for one function.
#[derive(Clone, Debug)]
enum Expect {
    /// An `Unpinned` buffer whose bytes are the object's storage.
    Storage,
    /// An `Unpinned`, empty buffer.
    Empty,
    /// An error, exactly.
    Error(&'static str, String),
}

/// The safe API's documented answer for each type and function, from
/// CPython 2.7's `abstract.c` (the C function's checks) and legacy-buffer's
/// own checks of what the C function returned.
fn expected(type_name: &str, function: Function) -> Expect {
    let e = |t: &'static str, m: &str| Expect::Error(t, m.to_owned());
    match type_name {
        // bf_getsegcount returns 2: refused before any pointer is taken.
        "TwoSegments" => e("TypeError", "expected a single-segment buffer object"),
        // -1 without an exception set: the C function returns -1 and leaves
        // nothing set; legacy-buffer reports that as a SystemError.
        "NegativeLength" | "HugeLength" => e(
            "SystemError",
            &format!("{} failed without setting an exception", function.c_name()),
        ),
        // The C function "succeeds" with NULL and 16: never a slice.
        "NullPointer" => e(
            "SystemError",
            "buffer exporter of 'hostile.NullPointer' returned a NULL pointer with length 16",
        ),
        "Raises" => e("ValueError", "hostile: refused"),
        "NoCharBuffer" if function == Function::Char => e(
            "TypeError",
            "expected a string or other character buffer object",
        ),
        "NoCharBuffer" | "Resizing" | "Gathering" => Expect::Storage,
        // NULL and 0: a legitimate empty buffer.
        "NullEmpty" => Expect::Empty,
        other => panic!("unknown hostile type {other}"),
    }
}

/// Check one object (fresh from `expr`) of hostile type `type_name` against
/// `expected`, for one function, through everything the safe API offers.
/// Returns the number of assertions-bearing steps taken.
fn check_one(py: Python<'_>, type_name: &str, expr: &str, function: Function) -> usize {
    let what = format!("{expr} {}", function.c_name());
    let mut steps = 0;

    // The C function on a fresh object, for comparison, counting the proc
    // calls it makes.
    let oracle_obj = eval(py, expr);
    let c_calls_before = calls(&oracle_obj);
    let raw = raw_borrow(py, &oracle_obj, function);
    assert_clear(py, &format!("{what} (raw C call)"));
    let c_calls = calls(&oracle_obj) - c_calls_before;
    drop(oracle_obj);

    let obj = eval(py, expr);
    let calls_before = calls(&obj);
    let result = function.safe(&obj);
    assert_clear(py, &what);
    println!("{what:<50} {result:?}");
    // A borrow calls the exporter's procs exactly as often as the C
    // function does (it matters for exporters with side effects).
    assert_eq!(calls(&obj) - calls_before, c_calls, "{what}: proc calls");
    steps += 1;

    match (expected(type_name, function), result) {
        (Expect::Error(t, m), Err(e)) => {
            assert_error(&e, t, &m, &what);
            // What the C function said; or it failed without saying why; or
            // it "succeeded" with memory that cannot be read.
            match &raw {
                Err(c) if c.type_name == "<none>" => assert_eq!(
                    (t, m.as_str()),
                    (
                        "SystemError",
                        format!("{} failed without setting an exception", function.c_name())
                            .as_str()
                    ),
                    "{what}: C failed without an exception ({c})"
                ),
                Err(c) => assert_eq!(
                    (c.type_name.as_str(), c.message.as_str()),
                    (t, m.as_str()),
                    "{what}: C"
                ),
                Ok(RawBorrow {
                    bytes: None,
                    ptr,
                    len,
                }) => assert!(
                    t == "SystemError" && (ptr.is_null() || *len < 0),
                    "{what}: C gave an unreadable {ptr:p}/{len}, safe gave {e}"
                ),
                Ok(RawBorrow {
                    bytes: Some(bytes), ..
                }) => {
                    panic!("{what}: C gave {bytes:?}, safe gave {e}")
                }
            }
            // restore() raises exactly that exception again.
            e.restore(py);
            let again = take_error(py);
            assert_eq!(
                (again.type_name.as_str(), again.message.as_str()),
                (t, m.as_str())
            );
            assert_clear(py, &format!("{what} restore"));
            steps += 2;
        }
        (Expect::Error(t, m), Ok(buf)) => {
            panic!("{what}: expected {t}: {m}, got {buf:?}")
        }
        (Expect::Storage | Expect::Empty, Err(e)) => {
            panic!("{what}: expected a buffer, got {e}")
        }
        (Expect::Storage, Ok(buf)) => {
            steps += check_storage(py, &obj, &buf, type_name, function, &raw, &what);
        }
        (Expect::Empty, Ok(buf)) => {
            steps += check_empty(py, &obj, &buf, function, &raw, &what);
        }
    }
    steps
}

/// A successful borrow of an empty buffer (NULL and 0 from the exporter,
/// whatever its storage holds).
fn check_empty(
    py: Python<'_>,
    obj: &Object<'_>,
    buf: &Buffer<'_>,
    function: Function,
    raw: &Raw,
    what: &str,
) -> usize {
    assert!(
        matches!(raw, Ok(RawBorrow { bytes: Some(c), ptr, len: 0 }) if c.is_empty() && ptr.is_null()),
        "{what}: C gave {raw:?}"
    );
    assert_eq!(buf.kind(), BufferKind::Unpinned, "{what}");
    assert_eq!((buf.len(), buf.is_empty()), (0, true), "{what}");
    assert!(buf.as_bytes().is_none() && buf.as_cells().is_none());
    assert_eq!(buf.is_writable(), function == Function::Write, "{what}");
    assert_eq!(buf.to_vec().unwrap(), b"", "{what}: to_vec");
    assert_clear(py, what);
    buf.read_at(0, &mut []).unwrap();
    let mut one = [0u8];
    let e = buf.read_at(0, &mut one).unwrap_err();
    assert_error(
        &e,
        "IndexError",
        "range 0..0+1 out of bounds for a buffer of 0 bytes",
        what,
    );
    assert_clear(py, what);
    let before = contents(obj);
    if function == Function::Write {
        buf.write_at(0, b"").unwrap();
        let e = buf.write_at(0, b"x").unwrap_err();
        assert_error(
            &e,
            "IndexError",
            "range 0..0+1 out of bounds for a buffer of 0 bytes",
            what,
        );
    } else {
        let e = buf.write_at(0, b"").unwrap_err();
        assert_error(&e, "TypeError", "buffer was not borrowed for writing", what);
    }
    assert_clear(py, what);
    // Nothing was written to the storage behind the NULL.
    assert_eq!(contents(obj), before, "{what}");
    assert_eq!(before, pattern(before.len()), "{what}");
    4
}

/// A successful borrow of a hostile object's storage, checked through every
/// accessor.
fn check_storage(
    py: Python<'_>,
    obj: &Object<'_>,
    buf: &Buffer<'_>,
    type_name: &str,
    function: Function,
    raw: &Raw,
    what: &str,
) -> usize {
    let mut steps = 0;
    assert_eq!(buf.kind(), BufferKind::Unpinned, "{what}: not a known type");
    assert!(buf.as_bytes().is_none() && buf.as_cells().is_none());
    assert!(buf.as_write_cells().is_none());
    assert_eq!(buf.is_writable(), function == Function::Write, "{what}");
    // The length is the storage's at the time of the borrow (Resizing grew
    // during the borrow; contents() calls no proc).
    let now = contents(obj);
    assert_eq!(buf.len(), now.len(), "{what}: len() at borrow time");
    assert_eq!(buf.is_empty(), now.is_empty());

    // The C function, on a fresh object, gave the same kind of answer.
    let RawBorrow {
        bytes: c_bytes,
        len: c_len,
        ..
    } = raw
        .clone()
        .unwrap_or_else(|e| panic!("{what}: C failed: {e:?}"));
    let c_bytes = c_bytes.unwrap_or_else(|| panic!("{what}: C gave unreadable memory"));
    assert_eq!(c_bytes.len() as isize, c_len);
    assert_eq!(c_bytes, pattern(c_bytes.len()), "{what}: C's bytes");

    // to_vec(): what the object holds *now* (asked again).
    let copy = buf
        .to_vec()
        .unwrap_or_else(|e| panic!("{what}: to_vec: {e}"));
    assert_clear(py, &format!("{what} to_vec"));
    let now = contents(obj);
    assert_eq!(copy, now, "{what}: to_vec() is not the current contents()");
    assert_eq!(copy, pattern(copy.len()), "{what}: the storage pattern");
    if type_name == "Resizing" {
        // Borrowing and asking again each grew the storage.
        assert!(copy.len() > buf.len(), "{what}: Resizing did not grow");
    } else {
        assert_eq!(copy.len(), buf.len(), "{what}");
        assert_eq!(copy.len(), c_bytes.len(), "{what}: same as C");
    }
    steps += 1;

    // read_at(): the first and last byte, and a range just past the end.
    if !copy.is_empty() {
        let mut one = [0xEEu8];
        buf.read_at(0, &mut one).unwrap();
        assert_clear(py, &format!("{what} read_at"));
        assert_eq!(one[0], contents(obj)[0], "{what}: first byte");
        let mut last = [0xEEu8];
        let at = buf.len() - 1;
        buf.read_at(at, &mut last).unwrap();
        assert_eq!(last[0], contents(obj)[at], "{what}: byte {at}");
        steps += 2;
    }
    let mut two = [0u8; 2];
    let past = contents(obj).len() + 5;
    let e = buf.read_at(past, &mut two).unwrap_err();
    assert_clear(py, &format!("{what} read_at past the end"));
    let len_then = contents(obj).len();
    assert_error(
        &e,
        "IndexError",
        &format!("range {past}..{past}+2 out of bounds for a buffer of {len_then} bytes"),
        what,
    );
    let e = buf.read_at(usize::MAX, &mut two).unwrap_err();
    assert_eq!(e.type_name(), "IndexError", "{what}: overflowing offset");
    assert_clear(py, &format!("{what} read_at(usize::MAX)"));
    buf.read_at(0, &mut []).unwrap();
    steps += 3;

    // write_at(): only through a write buffer; seen by the object.
    if function == Function::Write {
        if !copy.is_empty() {
            buf.write_at(0, &[0xA5]).unwrap();
            assert_clear(py, &format!("{what} write_at"));
            let seen = contents(obj);
            assert_eq!(seen[0], 0xA5, "{what}: the write is seen by contents()");
            assert_eq!(&seen[1..], &pattern(seen.len())[1..], "{what}: only byte 0");
            steps += 1;
        }
        let e = buf.write_at(usize::MAX - 1, b"xyz").unwrap_err();
        assert_eq!(e.type_name(), "IndexError", "{what}: overflowing write");
        assert_clear(py, &format!("{what} write_at past the end"));
        buf.write_at(0, b"").unwrap();
        steps += 1;
    } else {
        let e = buf.write_at(0, b"x").unwrap_err();
        assert_error(&e, "TypeError", "buffer was not borrowed for writing", what);
        assert_clear(py, &format!("{what} write_at on a read buffer"));
        steps += 1;
    }
    steps
}

/// `check_read_buffer` against `PyObject_CheckReadBuffer`, and the answer
/// abstract.c gives: one readable segment.
fn check_check_read_buffer(py: Python<'_>, type_name: &str, expr: &str) {
    let obj = eval(py, expr);
    // SAFETY: valid object, GIL held.
    let c = unsafe { ffi::PyObject_CheckReadBuffer(obj.as_ptr()) } != 0;
    assert_clear(py, &format!("{expr} PyObject_CheckReadBuffer"));
    let safe = obj.check_read_buffer();
    assert_clear(py, &format!("{expr} check_read_buffer"));
    assert_eq!(safe, c, "{expr}: check_read_buffer vs C");
    assert_eq!(
        safe,
        type_name != "TwoSegments",
        "{expr}: check_read_buffer"
    );
}

/// Every function on `T(size)` for several sizes (the default is 16). The
/// hostile types are not subclassable (no `Py_TPFLAGS_BASETYPE`).
fn check_type(type_name: &str) {
    with_gil(|py| {
        import_hostile(py);
        let mut steps = 0;
        for size in ["0", "1", "", "255", "4097"] {
            let expr = format!("hostile.{type_name}({size})");
            for function in Function::ALL {
                steps += check_one(py, type_name, &expr, function);
            }
            check_check_read_buffer(py, type_name, &expr);
        }
        // Each call is at least one checked step, errors three.
        assert!(steps >= 15, "only {steps} steps");
    })
}

#[test]
fn two_segments_are_refused() {
    check_type("TwoSegments");
}

#[test]
fn negative_length_without_an_exception_is_a_system_error() {
    check_type("NegativeLength");
}

#[test]
fn null_pointer_with_a_length_is_a_system_error_never_a_slice() {
    check_type("NullPointer");
}

#[test]
fn raised_exceptions_come_through_unchanged() {
    check_type("Raises");
}

#[test]
fn no_char_buffer_refuses_char_but_reads_and_writes() {
    check_type("NoCharBuffer");
}

#[test]
fn huge_length_is_refused() {
    check_type("HugeLength");
}

#[test]
fn resizing_storage_is_asked_again_and_copied_as_it_is_now() {
    check_type("Resizing");
}

#[test]
fn null_empty_is_an_empty_buffer() {
    check_type("NullEmpty");
}

/// The Unpinned contract in detail on `Resizing`, where every proc call
/// reallocates the storage: each access sees the *current* storage.
#[test]
fn resizing_every_access_sees_the_current_storage() {
    with_gil(|py| {
        import_hostile(py);
        let obj = eval(py, "hostile.Resizing(4)");
        assert_eq!(contents(&obj), [0, 1, 2, 3]);
        let buf = obj.read_buffer().unwrap();
        // PyObject_AsReadBuffer calls the segment count and the read proc:
        // two reallocations.
        assert_eq!(buf.len(), 6);
        assert_eq!(contents(&obj).len(), 6);
        for round in 0..50 {
            let copy = buf.to_vec().unwrap();
            assert_clear(py, "to_vec");
            let now = contents(&obj);
            assert_eq!(copy, now, "round {round}");
            assert_eq!(copy, pattern(copy.len()), "round {round}");
            assert!(copy.len() > 6 + 2 * round, "round {round}: grew");
            // The byte at the end of what the borrow first saw, and the last
            // byte of the storage as it is after this read.
            let mut b = [0u8; 1];
            buf.read_at(5, &mut b).unwrap();
            assert_eq!(b[0], 5);
            let end = contents(&obj).len();
            buf.read_at(end, &mut b).unwrap(); // it grew by then
            assert_eq!(b[0], (end % 256) as u8);
        }

        let obj = eval(py, "hostile.Resizing(300)");
        let wbuf = obj.write_buffer().unwrap();
        assert_eq!(wbuf.len(), 302);
        wbuf.write_at(300, &[0xFF, 0xFE, 0xFD, 0xFC]).unwrap();
        let seen = contents(&obj);
        assert_eq!(seen.len(), 304, "write_at asked again: two more bytes");
        assert_eq!(&seen[300..], &[0xFF, 0xFE, 0xFD, 0xFC]);
        assert_eq!(&seen[..300], &pattern(300)[..]);
        // Past the end of the storage as it is when asked (the write_at call
        // itself grows it by two).
        let end = seen.len() + 2;
        let e = wbuf.write_at(end + 1, b"z").unwrap_err();
        assert_error(
            &e,
            "IndexError",
            &format!(
                "range {}..{}+1 out of bounds for a buffer of {end} bytes",
                end + 1,
                end + 1
            ),
            "Resizing write past the end",
        );
        assert_clear(py, "write_at past the end");
    })
}

/// The `buffer` built-in over each hostile type: the buffer object calls the
/// hostile procs itself (and checks some of what they give), so it shows
/// whether a misbehaviour can reach the safe API through a well-known type.
/// The C function is the oracle; the safe API may only refuse more.
#[test]
fn buffer_objects_over_hostile_types() {
    with_gil(|py| {
        import_hostile(py);
        let mut compared = 0;
        for type_name in ALL_TYPES {
            for size in ["0", "", "300"] {
                let expr = format!("buffer(hostile.{type_name}({size}))");
                for function in Function::ALL {
                    let what = format!("{expr} {}", function.c_name());
                    let raw_obj = eval(py, &expr);
                    let raw = raw_borrow(py, &raw_obj, function);
                    assert_clear(py, &what);
                    let obj = eval(py, &expr);
                    let safe = function.safe(&obj);
                    assert_clear(py, &what);
                    println!("{what:<60} C {raw:?}\n{:<60} safe {safe:?}", "");
                    match (&raw, safe) {
                        (Err(c), Err(e)) => {
                            assert_error(&e, &c.type_name, &c.message, &what);
                        }
                        (Ok(RawBorrow { bytes: Some(c), .. }), Ok(buf)) => {
                            // Not a known kind of base: Unpinned.
                            assert_eq!(buf.kind(), BufferKind::Unpinned, "{what}");
                            assert_eq!(buf.len(), c.len(), "{what}");
                            let copy = buf.to_vec().unwrap();
                            assert_clear(py, &what);
                            assert_eq!(copy, pattern(copy.len()), "{what}");
                            if type_name != "Resizing" {
                                assert_eq!(&copy, c, "{what}");
                            }
                        }
                        (
                            Ok(RawBorrow {
                                bytes: None,
                                ptr,
                                len: n,
                            }),
                            Err(e),
                        ) => {
                            assert_error(
                                &e,
                                "SystemError",
                                &format!(
                                    "buffer exporter of 'buffer' returned a NULL pointer with length {n}"
                                ),
                                &what,
                            );
                            assert!(ptr.is_null(), "{what}");
                        }
                        (raw, safe) => panic!("{what}: C gave {raw:?}, safe gave {safe:?}"),
                    }
                    compared += 1;
                }
                check_parity_check_read_buffer(py, &expr);
            }
        }
        assert_eq!(compared, ALL_TYPES.len() * 3 * 3);
    })
}

fn check_parity_check_read_buffer(py: Python<'_>, expr: &str) {
    let obj = eval(py, expr);
    // SAFETY: valid object, GIL held.
    let c = unsafe { ffi::PyObject_CheckReadBuffer(obj.as_ptr()) } != 0;
    // PyObject_CheckReadBuffer may leave an exception set (the buffer object's
    // segment count raises); the safe call must not.
    // SAFETY: GIL held.
    unsafe { ffi::PyErr_Clear() };
    let safe = obj.check_read_buffer();
    assert_clear(py, &format!("{expr} check_read_buffer"));
    assert_eq!(safe, c, "{expr}: check_read_buffer vs C");
}

/// The no-Python scope over every hostile type: the same proc calls as the C
/// function, the same error where the safe borrow gives one, and otherwise
/// the very bytes the C function gives on a fresh object (for `Resizing`,
/// grown by the same calls); an empty buffer on a dangling pointer, never
/// NULL. (parity.rs checks the lent address against the C function's.)
#[test]
fn the_no_python_scope_over_hostile_exporters() {
    with_gil(|py| {
        import_hostile(py);
        let mut checked = 0;
        for type_name in ALL_TYPES {
            for size in ["0", "", "300"] {
                let expr = format!("hostile.{type_name}({size})");
                for function in Function::ALL {
                    let what = format!("{expr} {} (scope)", function.c_name());
                    let oracle = eval(py, &expr);
                    let before = calls(&oracle);
                    let raw = raw_borrow(py, &oracle, function);
                    assert_clear(py, &what);
                    let c_calls = calls(&oracle) - before;

                    let obj = eval(py, &expr);
                    let before = calls(&obj);
                    let lent = |b: &[u8]| (b.to_vec(), b.as_ptr() as usize);
                    let scoped = match function {
                        Function::Char => obj.with_char_bytes(lent),
                        Function::Read => obj.with_read_bytes(lent),
                        Function::Write => obj.with_write_bytes(|b| lent(b)),
                    };
                    assert_clear(py, &what);
                    assert_eq!(calls(&obj) - before, c_calls, "{what}: proc calls");
                    match (expected(type_name, function), scoped) {
                        (Expect::Error(t, m), Err(e)) => assert_error(&e, t, &m, &what),
                        (Expect::Storage | Expect::Empty, Ok((bytes, addr))) => {
                            let c = raw.as_ref().unwrap_or_else(|e| panic!("{what}: C {e}"));
                            assert_eq!(Some(&bytes), c.bytes.as_ref(), "{what}");
                            assert_eq!(bytes, pattern(bytes.len()), "{what}");
                            assert_ne!(addr, 0, "{what}: a slice on NULL");
                        }
                        (expect, scoped) => panic!("{what}: expected {expect:?}, got {scoped:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, ALL_TYPES.len() * 3 * 3);
    })
}
