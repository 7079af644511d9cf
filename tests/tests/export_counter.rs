//! Issue 9, hole 1: leaked pins must not wrap `bytearray`'s export counter.
//!
//! A pinned borrow counts one export on the bytearray (`int ob_exports`, which
//! nothing in CPython checks for overflow), and `mem::forget` of the buffer
//! is safe, so safe code can leak counts. Wrapped to negative, the counter
//! no longer stops a resize (`_canresize` tests `> 0`), and the cells of a
//! live borrow would dangle. A borrow therefore refuses to pin a bytearray
//! that already counts `INT_MAX / 2` exports.
//!
//! Two billion leaked borrows would take half a minute; the `hostile` test
//! module's `set_exports` puts the counter next to the limit instead, and
//! `exports` reads it (the oracle: C, not this crate).

use legacy_buffer::{with_gil, BufferKind, Object, Python};
use legacy_buffer_tests::modules::{eval, eval_repr, import_hostile};
use legacy_buffer_tests::oracle::assert_clear;

/// The limit: `INT_MAX / 2`.
const LIMIT: i64 = (i32::MAX / 2) as i64;

fn exports(py: Python<'_>, name: &str) -> i64 {
    eval_repr(py, &format!("hostile.exports({name})"))
        .parse()
        .unwrap()
}

fn set_exports(py: Python<'_>, name: &str, n: i64) {
    py.run(&format!("hostile.set_exports({name}, {n})"))
        .unwrap();
    assert_eq!(exports(py, name), n);
}

fn refused_message(type_name: &str, count: i64) -> String {
    format!(
        "{type_name} object has {count} exports already: legacy-buffer does not pin it \
         again, so that its export counter cannot overflow (were borrows leaked?)"
    )
}

/// Every borrow of `ba` (char, read, write) is refused with the
/// `BufferError`, counts nothing, and leaves no exception set.
fn assert_refused(py: Python<'_>, ba: &Object<'_>, name: &str, type_name: &str) {
    let count = exports(py, name);
    for (function, result) in [
        ("char_buffer", ba.char_buffer()),
        ("read_buffer", ba.read_buffer()),
        ("write_buffer", ba.write_buffer()),
    ] {
        let e = result.expect_err(function);
        assert_eq!(e.type_name(), "BufferError", "{function}");
        assert_eq!(e.message(), refused_message(type_name, count), "{function}");
        assert_clear(py, function);
        assert_eq!(exports(py, name), count, "{function} counted an export");
    }
}

fn leaked_pins_cannot_wrap(py: Python<'_>, name: &str, type_name: &str) {
    let ba = eval(py, name);
    assert_eq!(exports(py, name), 0);

    // A live writable borrow, and one genuinely leaked pin.
    let live = ba.write_buffer().unwrap();
    assert_eq!(live.kind(), BufferKind::Pinned);
    std::mem::forget(ba.read_buffer().unwrap());
    assert_eq!(exports(py, name), 2, "one live, one leaked");

    // As if 2^30 - 3 more had been leaked: the last pin that fits is given...
    set_exports(py, name, LIMIT - 1);
    let last = ba.read_buffer().unwrap();
    assert_eq!(exports(py, name), LIMIT);
    // ...and the next is refused, by every function.
    assert_refused(py, &ba, name, type_name);
    // Giving one back makes room for one.
    drop(last);
    assert_eq!(exports(py, name), LIMIT - 1);
    let again = ba.char_buffer().unwrap();
    assert_eq!(exports(py, name), LIMIT);
    drop(again);

    // The attack of the issue: the counter at INT_MAX, where one more pin
    // wrapped it to INT_MIN and resizing was allowed under `live`.
    set_exports(py, name, i32::MAX.into());
    assert_refused(py, &ba, name, type_name);
    assert_eq!(exports(py, name), i64::from(i32::MAX), "not wrapped");
    let e = py
        .run(&format!("del {name}[:]\n{name}.extend('x' * 4096)"))
        .expect_err("a pinned bytearray was resized");
    assert_eq!(e.type_name(), "BufferError");
    assert_clear(py, "the refused resize");

    // The live borrow's cells still see the bytearray's memory.
    let cells = live.as_write_cells().unwrap();
    assert_eq!(cells.iter().map(|c| c.get()).collect::<Vec<_>>(), b"abcd");
    cells[0].set(b'Z');
    assert_eq!(eval_repr(py, &format!("str({name})")), "'Zbcd'");

    // Put the counter back to the one live export, which then goes: a
    // bytearray deallocated with exports counted complains.
    set_exports(py, name, 1);
    drop(live);
    assert_eq!(exports(py, name), 0);
    py.run(&format!("{name}.extend('ef')")).unwrap();
    assert_eq!(eval_repr(py, &format!("str({name})")), "'Zbcdef'");
}

#[test]
fn leaked_pins_cannot_wrap_the_export_counter_of_a_bytearray() {
    with_gil(|py| {
        import_hostile(py);
        py.run("ec_ba = bytearray('abcd')").unwrap();
        leaked_pins_cannot_wrap(py, "ec_ba", "bytearray");
    })
}

#[test]
fn leaked_pins_cannot_wrap_the_export_counter_of_a_bytearray_subclass() {
    with_gil(|py| {
        import_hostile(py);
        py.run("class EcBytes(bytearray):\n    pass\nec_sub = EcBytes('abcd')")
            .unwrap();
        leaked_pins_cannot_wrap(py, "ec_sub", "EcBytes");
    })
}
