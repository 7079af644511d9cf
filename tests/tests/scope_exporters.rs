//! Issue 17, hole 1: an exporter asked twice in one no-Python scope.
//!
//! `hostile.Gathering` moves its storage to a fresh block whenever a read,
//! write or char proc is called, freeing the old one: legal C, since the
//! old protocol promises nothing past the call. Lent twice to one scope,
//! asking it the second time would free the memory lent the first time
//! before the closure runs (valgrind: "Invalid read" in the closure). A
//! scope therefore asks each exporter once: the same object asked the same
//! way gives one region to both slices; asked another way (read and
//! written), or through a `buffer` object over it, it is refused with
//! `BufferError`, before it is asked again. `ci/memcheck` runs these under
//! valgrind, on both builds.

use legacy_buffer::extension::{Args, View};
use legacy_buffer::{no_python, py_format, with_gil, Bytes, BytesMut, Error, Object, Python};
use legacy_buffer_tests::modules::{eval, eval_repr, import_hostile};
use legacy_buffer_tests::oracle::assert_clear;

/// Buffer proc calls the object has counted (segcount included).
fn calls(obj: &Object<'_>) -> i64 {
    obj.getattr("calls")
        .unwrap()
        .repr()
        .unwrap()
        .parse()
        .unwrap()
}

/// `i % 256` for `len` bytes: what every hostile object holds.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

/// The proc calls one ask costs: segcount, then the read/write/char proc.
const ONE_ASK: i64 = 2;

#[track_caller]
fn assert_asked_twice(py: Python<'_>, e: &Error, first: &str, second: &str, what: &str) {
    assert_eq!(e.type_name(), "BufferError", "{what}");
    assert_eq!(
        e.message(),
        format!(
            "buffers 0 and 1 lent to a no-Python scope ask one exporter ('{first}' and \
             '{second}') for its memory in different ways: asking it again could move what it \
             gave first, so a scope asks each exporter once"
        ),
        "{what}"
    );
    assert_clear(py, what);
}

/// The same `Buffer` twice, two buffers of one object, and one object among
/// others: one ask per exporter, one region for its slices, the right bytes.
#[test]
fn an_exporter_lent_twice_the_same_way_is_asked_once() {
    with_gil(|py| {
        import_hostile(py);
        py.run("st_g = hostile.Gathering(64)\nst_other = hostile.Gathering(8)")
            .unwrap();
        let g = eval(py, "st_g");
        let other = eval(py, "st_other");
        let (b1, b2) = (g.read_buffer().unwrap(), g.read_buffer().unwrap());

        for (what, twice) in [("one Buffer twice", true), ("two Buffers", false)] {
            let before = calls(&g);
            let second = if twice { &b1 } else { &b2 };
            let (same, sums) = no_python((Bytes(&b1), Bytes(second)), |(a, b)| {
                (a.as_ptr() == b.as_ptr(), (a.to_vec(), b.to_vec()))
            })
            .unwrap();
            assert_eq!(calls(&g) - before, ONE_ASK, "{what}: asked once");
            assert!(same, "{what}: one region");
            assert_eq!(sums, (pattern(64), pattern(64)), "{what}");
        }

        // Among others, in any position; a mutable slice of another object.
        let w = other.write_buffer().unwrap();
        let before = (calls(&g), calls(&other));
        let (first, last, written) = no_python(
            (Bytes(&b1), BytesMut(&w), Bytes(&b2), Bytes(&b1)),
            |(a, w, b, c)| {
                w.fill(7);
                (
                    a.to_vec(),
                    c.as_ptr() == a.as_ptr() && b.as_ptr() == a.as_ptr(),
                    w.len(),
                )
            },
        )
        .unwrap();
        assert_eq!(calls(&g) - before.0, ONE_ASK, "three lent, asked once");
        assert_eq!(calls(&other) - before.1, ONE_ASK);
        assert_eq!((first, last, written), (pattern(64), true, 8));
        assert_eq!(
            eval_repr(py, "st_other.contents()"),
            r"'\x07\x07\x07\x07\x07\x07\x07\x07'"
        );
        assert_clear(py, "four lent");
    })
}

/// Read and written (one `BytesMut` among the buffers of one object), or
/// char and read, or through a `buffer` object over it: refused before the
/// second ask, whichever comes first.
#[test]
fn an_exporter_lent_twice_in_different_ways_is_refused() {
    with_gil(|py| {
        import_hostile(py);
        py.run("se_g = hostile.Gathering(32)\nse_view = buffer(se_g)")
            .unwrap();
        let g = eval(py, "se_g");
        let over = eval(py, "se_view");
        let (r, w, c) = (
            g.read_buffer().unwrap(),
            g.write_buffer().unwrap(),
            g.char_buffer().unwrap(),
        );
        let through = over.read_buffer().unwrap();
        let gathering = "hostile.Gathering";

        let before = calls(&g);
        let e = no_python((BytesMut(&w), Bytes(&r)), |_| unreachable!()).unwrap_err();
        assert_asked_twice(py, &e, gathering, gathering, "written, then read");
        let e = no_python((Bytes(&r), BytesMut(&w)), |_| unreachable!()).unwrap_err();
        assert_asked_twice(py, &e, gathering, gathering, "read, then written");
        let e = no_python((Bytes(&c), Bytes(&r)), |_| unreachable!()).unwrap_err();
        assert_asked_twice(py, &e, gathering, gathering, "char, then read");
        assert_eq!(calls(&g) - before, 3 * ONE_ASK, "never asked a second time");

        let e = no_python((Bytes(&r), Bytes(&through)), |_| unreachable!()).unwrap_err();
        assert_asked_twice(
            py,
            &e,
            gathering,
            "buffer",
            "the object, then a buffer over it",
        );
        let e = no_python((Bytes(&through), Bytes(&r)), |_| unreachable!()).unwrap_err();
        assert_asked_twice(
            py,
            &e,
            "buffer",
            gathering,
            "a buffer over it, then the object",
        );

        // Two writable borrows of one object: one region, which a mutable
        // slice may not share.
        let w2 = g.write_buffer().unwrap();
        let e = no_python((BytesMut(&w), BytesMut(&w2)), |_| unreachable!()).unwrap_err();
        assert_eq!(e.type_name(), "BufferError");
        assert!(e
            .message()
            .starts_with("buffers 0 and 1 lent to a no-Python scope share memory"));
        assert_clear(py, "written twice");

        // One at a time, every way is fine.
        for buf in [&r, &w, &c, &through] {
            assert_eq!(no_python(Bytes(buf), <[u8]>::to_vec).unwrap(), pattern(32));
        }
    })
}

/// Two `s*` views of one argument (an old-protocol exporter, so the views
/// ask it again when lent), and `Object::new_str` from two buffers of one
/// object: asked once.
#[test]
fn views_and_new_strs_ask_an_exporter_once() {
    with_gil(|py| {
        import_hostile(py);
        py.run("sv_g = hostile.Gathering(40)\nsv_args = (sv_g, sv_g)")
            .unwrap();
        let g = eval(py, "sv_g");
        let tuple = eval(py, "sv_args");
        let args = Args::from_tuple(&tuple).unwrap();
        let (v1, v2): (View<'_>, View<'_>) = args.parse(py_format!("s*s*")).unwrap();

        let before = calls(&g);
        let same = no_python((Bytes(&v1), Bytes(&v2)), |(a, b)| {
            a.as_ptr() == b.as_ptr() && a == pattern(40).as_slice()
        })
        .unwrap();
        assert!(same);
        assert_eq!(calls(&g) - before, ONE_ASK, "two views, asked once");

        let buf = g.read_buffer().unwrap();
        let before = calls(&g);
        let joined = Object::new_str(py, 80)
            .from((Bytes(&buf), Bytes(&v1)))
            .fill(|(a, b), out| {
                out[..40].copy_from_slice(a);
                out[40..].copy_from_slice(b);
                Ok(80)
            })
            .unwrap();
        assert_eq!(calls(&g) - before, ONE_ASK, "new_str, asked once");
        let expected = Object::str(py, &[pattern(40), pattern(40)].concat()).unwrap();
        assert_eq!(joined.repr().unwrap(), expected.repr().unwrap());
        assert_clear(py, "new_str");
    })
}
