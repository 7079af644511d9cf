//! Runtime proofs of the soundness model (crate docs, H1-H7) against the
//! real interpreter: whatever Python code does while a borrow lives, the
//! borrow reads the right bytes or reports an error.

use legacy_buffer::extension::trampoline;
use legacy_buffer::{ffi, with_gil, BufferKind, Object, Python};
use std::sync::mpsc;
use std::time::Duration;

/// Evaluate `expr` in a fresh namespace name, so tests on parallel threads
/// don't see each other's objects.
fn fresh<'py>(py: Python<'py>, name: &str, statements: &str) -> Object<'py> {
    py.run(statements).unwrap();
    py.eval(name).unwrap()
}

fn no_exception_set() -> bool {
    // SAFETY: called with the GIL held by the test.
    unsafe { ffi::PyErr_Occurred().is_null() }
}

/// Runs `f` on a new thread and fails (instead of hanging) if it does not
/// finish in time: for GIL hand-over tests, where the bug is a deadlock.
fn within_seconds(seconds: u64, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(seconds))
        .expect("the other thread did not finish: GIL not released?");
}

#[test]
fn h4_pinned_bytearray_refuses_resize_and_keeps_its_bytes() {
    with_gil(|py| {
        let ba = fresh(py, "h4_ba", "h4_ba = bytearray(b'abc')");
        let buf = ba.read_buffer().unwrap();
        assert_eq!(buf.kind(), BufferKind::Pinned);
        let err = py.run("h4_ba.extend(b'more')").unwrap_err();
        assert_eq!(err.type_name(), "BufferError");
        assert_eq!(
            err.message(),
            "Existing exports of data: object cannot be re-sized"
        );
        assert!(no_exception_set());
        let cells = buf.as_cells().unwrap();
        let seen: Vec<u8> = cells.iter().map(|c| c.get()).collect();
        assert_eq!(seen, b"abc");
        drop(buf);
        // Released: resizing works again.
        py.run("h4_ba.extend(b'more')").unwrap();
        assert_eq!(ba.read_buffer().unwrap().to_vec().unwrap(), b"abcmore");
    })
}

#[test]
fn h5_python_writes_into_pinned_memory_are_seen_through_cells() {
    with_gil(|py| {
        let ba = fresh(py, "h5_ba", "h5_ba = bytearray(b'abc')");
        let buf = ba.read_buffer().unwrap();
        let cells = buf.as_cells().unwrap();
        assert_eq!(cells[0].get(), b'a');
        // In-place writes are allowed while pinned; a &[u8] here would be UB.
        py.run("h5_ba[0] = ord('Z')").unwrap();
        assert_eq!(cells[0].get(), b'Z');
        // And writes from Rust through another borrow of the same memory.
        let wbuf = ba.write_buffer().unwrap();
        wbuf.as_write_cells().unwrap()[2].set(b'!');
        assert_eq!(cells[2].get(), b'!');
        drop(wbuf);
        drop(buf);
        assert_eq!(
            py.eval("bytes(h5_ba)")
                .unwrap()
                .read_buffer()
                .unwrap()
                .as_bytes(),
            Some(&b"Zb!"[..])
        );
    })
}

#[test]
fn h5_del_running_during_a_pinned_borrow_cannot_resize() {
    with_gil(|py| {
        let ba = fresh(py, "h5d_ba", "h5d_ba = bytearray(b'xyz')");
        let buf = ba.read_buffer().unwrap();
        py.run(
            "class H5Del(object):\n    def __del__(self):\n        try:\n            h5d_ba.extend(b'boom')\n        except BufferError:\n            h5d_ba[0] = ord('D')\n",
        )
        .unwrap();
        let victim = py.eval("H5Del()").unwrap();
        drop(victim); // runs __del__: the resize is refused, the write lands
        let seen: Vec<u8> = buf.as_cells().unwrap().iter().map(|c| c.get()).collect();
        assert_eq!(seen, b"Dyz");
        assert!(no_exception_set());
    })
}

/// Python 2: an array's memory is pinned by nothing, so a borrow of it asks
/// the array again for each use, and sees it moved or shrunk. Python 3: the
/// borrow holds an export, so the same array refuses to move or shrink its
/// memory while the buffer lives, and the buffer reads it in place.
#[test]
fn h4_unpinned_array_is_asked_again_after_python_moves_it() {
    with_gil(|py| {
        let a = fresh(
            py,
            "h4_a",
            "import array\nh4_a = array.array('b', [1, 2, 3])",
        );
        let buf = a.read_buffer().unwrap();
        assert_eq!(buf.len(), 3);
        assert!(buf.as_bytes().is_none());
        if ffi::PY3 {
            assert_eq!(buf.kind(), BufferKind::Pinned);
            // Neither growing (which would reallocate) nor shrinking is
            // allowed while the export is held.
            for resize in ["h4_a.extend(list(range(100)) * 100)", "del h4_a[:]"] {
                let err = py.run(resize).unwrap_err();
                assert_eq!(
                    (err.type_name(), err.message()),
                    (
                        "BufferError",
                        "cannot resize an array that is exporting buffers"
                    ),
                    "{resize}"
                );
                assert!(no_exception_set());
            }
            let seen: Vec<u8> = buf.as_cells().unwrap().iter().map(|c| c.get()).collect();
            assert_eq!(seen, [1, 2, 3]);
            assert_eq!(buf.to_vec().unwrap(), [1, 2, 3]);
            drop(buf);
            // Released: the array grows again.
            py.run("h4_a.extend(list(range(100)) * 100)").unwrap();
            let now = a.read_buffer().unwrap().to_vec().unwrap();
            assert_eq!(now.len(), 3 + 10_000);
            assert_eq!(&now[..4], &[1, 2, 3, 0]);
        } else {
            assert_eq!(buf.kind(), BufferKind::Unpinned);
            assert!(buf.as_cells().is_none());
            // Growing reallocates: the pointer taken at borrow time dangles now.
            py.run("h4_a.extend(list(range(100)) * 100)").unwrap();
            let now = buf.to_vec().unwrap();
            assert_eq!(now.len(), 3 + 10_000);
            assert_eq!(&now[..4], &[1, 2, 3, 0]);
            // Shrinking: a read past the new end is an error, not a stale read.
            py.run("del h4_a[:]").unwrap();
            let mut three = [0u8; 3];
            let err = buf.read_at(0, &mut three).unwrap_err();
            assert_eq!(err.type_name(), "IndexError");
            assert!(no_exception_set());
        }
    })
}

/// Python 2: an mmap closed under a borrow unmaps the memory, and the
/// borrow, asking again, reports an error. Python 3: the borrow's export
/// keeps the mmap from closing while it lives; closed after, the mmap
/// cannot be borrowed at all.
#[test]
fn h4_closed_mmap_is_an_error_not_a_dangling_read() {
    with_gil(|py| {
        let m = fresh(
            py,
            "h4_m",
            "import mmap\nh4_m = mmap.mmap(-1, 4096)\nh4_m[0:1] = b'q'",
        );
        let buf = m.write_buffer().unwrap();
        let expected_kind = if ffi::PY3 {
            BufferKind::Pinned
        } else {
            BufferKind::Unpinned
        };
        assert_eq!(buf.kind(), expected_kind);
        buf.write_at(1, b"rs").unwrap();
        assert_eq!(&buf.to_vec().unwrap()[..3], b"qrs");
        if ffi::PY3 {
            let err = py.run("h4_m.close()").unwrap_err();
            assert_eq!(
                (err.type_name(), err.message()),
                ("BufferError", "cannot close exported pointers exist")
            );
            assert!(no_exception_set());
            // Still mapped: the buffer reads and writes it, and Python sees
            // the writes.
            buf.write_at(3, b"!").unwrap();
            assert_eq!(&buf.to_vec().unwrap()[..4], b"qrs!");
            let head = py.eval("h4_m[:4]").unwrap();
            assert_eq!(head.read_buffer().unwrap().as_bytes(), Some(&b"qrs!"[..]));
            assert!(m.check_read_buffer());
            drop(buf);
            py.run("h4_m.close()").unwrap(); // released: unmaps the memory
                                             // A closed mmap exports nothing: the borrows fail as the C
                                             // functions do.
            let err = m.read_buffer().unwrap_err();
            assert_eq!(
                (err.type_name(), err.message()),
                ("ValueError", "mmap closed or invalid")
            );
            let err = m.write_buffer().unwrap_err();
            assert_eq!(
                (err.type_name(), err.message()),
                ("TypeError", "expected a writable bytes-like object")
            );
            assert!(no_exception_set());
        } else {
            py.run("h4_m.close()").unwrap(); // unmaps the memory
            let err = buf.to_vec().unwrap_err();
            // What the C API says for a closed mmap: its segment count proc
            // fails, and PyObject_AsWriteBuffer reports that as a TypeError.
            assert_eq!(
                (err.type_name(), err.message()),
                ("TypeError", "expected a single-segment buffer object")
            );
            assert!(buf.write_at(0, b"x").is_err());
            assert!(no_exception_set());
        }
        // The C function returns 0 here with a ValueError left set (Python
        // 2; Python 3's clears it); ours leaves none.
        assert!(!m.check_read_buffer());
        assert!(no_exception_set());
    })
}

/// ctypes' `resize()` reallocates an object's memory whatever exports it
/// has counted (CPython checks none), so neither a borrow nor an `s*`
/// view of it may be `Pinned` on any line, Python 3's held export
/// included: it is `Unpinned`, asked again at each use, and a resize
/// between the borrow and a read is seen, never the freed block.
#[test]
fn h4_ctypes_memory_is_asked_again_after_a_resize() {
    use legacy_buffer::extension::Args;
    use legacy_buffer::{py_format, Buffer};
    with_gil(|py| {
        let c = fresh(
            py,
            "h4_ct",
            "import ctypes\nh4_ct = ctypes.create_string_buffer(b'x' * 64)",
        );
        let buf = c.read_buffer().unwrap();
        let tuple = py.eval("(h4_ct,)").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let (view,): (Buffer<'_>,) = args.parse(py_format!("s*")).unwrap();
        for b in [&buf, &view] {
            assert_eq!(b.kind(), BufferKind::Unpinned);
            assert!(b.as_cells().is_none());
        }
        py.run("ctypes.resize(h4_ct, 1 << 16)\nh4_ct[0:1] = b'y'")
            .unwrap();
        for b in [&buf, &view] {
            let bytes = b.to_vec().unwrap();
            // The resized memory (create_string_buffer's 65 bytes, then
            // 64 KiB), as the object gives it now.
            assert_eq!((bytes.len(), bytes[0], bytes[1]), (1 << 16, b'y', b'x'));
            let seen = b.with_bytes(|bytes| (bytes.len(), bytes[0])).unwrap();
            assert_eq!(seen, (1 << 16, b'y'));
        }
        drop((buf, view));
        py.run("del h4_ct").unwrap();
        assert!(no_exception_set());
    })
}

/// A released memoryview (Python 3's `release()`) no longer views its base,
/// which may be freed with it: nothing may look at the base through it (its
/// `view.obj` is left stale), and every borrow fails as Python's own
/// functions do: `ValueError` (the write function's own `TypeError`).
#[test]
fn a_released_memoryview_is_not_looked_through() {
    use legacy_buffer::extension::Args;
    use legacy_buffer::{py_format, Buffer};
    if !legacy_buffer::ffi::PY3 {
        return; // Python 2's memoryview has no release()
    }
    with_gil(|py| {
        let m = fresh(
            py,
            "rel_m",
            "rel_m = memoryview(bytearray(b'x' * 100000))
rel_m.release()
import gc
gc.collect()
rel_junk = [bytearray(b'y' * 100000) for _ in range(4)]",
        );
        for e in [
            m.read_buffer().map(drop).unwrap_err(),
            m.with_read_bytes(|b| b.len()).map(drop).unwrap_err(),
        ] {
            assert_eq!(e.type_name(), "ValueError", "{e}");
        }
        // The write function replaces every refusal with its own words.
        let e = m.write_buffer().map(drop).unwrap_err();
        assert_eq!(
            e.to_string(),
            "TypeError: expected a writable bytes-like object"
        );
        let tuple = py.eval("(rel_m,)").unwrap();
        let args = Args::from_tuple(&tuple).unwrap();
        let e = args
            .parse::<(Buffer<'_>,), _>(py_format!("s*"))
            .map(drop)
            .unwrap_err();
        assert_eq!(e.type_name(), "ValueError", "{e}");
        py.run("del rel_m, rel_junk").unwrap();
        assert!(no_exception_set());
    })
}

#[test]
fn immutable_bytes_stay_valid_while_python_runs() {
    with_gil(|py| {
        let s = fresh(py, "imm_s", "imm_s = b'immutable' * 1000");
        let bytes = s.read_buffer().unwrap().as_bytes().unwrap();
        // Python drops its own name and churns memory; our reference keeps
        // the str (Python 3: bytes), whose memory never changes.
        py.run("del imm_s\nimport gc\njunk = [str(i) * 10 for i in range(10000)]\ngc.collect()\ndel junk").unwrap();
        assert_eq!(bytes.len(), 9000);
        assert!(bytes.chunks(9).all(|c| c == b"immutable"));
    })
}

/// Python 2: a `unicode`'s character buffer is its default encoding
/// (ASCII), its read buffer the raw `Py_UNICODE` storage. Python 3's `str`
/// has no buffer at all: every borrow fails as the C functions do, and
/// leaves no exception set.
#[test]
fn unicode_char_buffer_is_encoded_and_read_buffer_raw() {
    with_gil(|py| {
        let ascii = Object::unicode(py, "spam").unwrap();
        let accented = Object::unicode(py, "caf\u{e9}").unwrap();
        if ffi::PY3 {
            for text in [&ascii, &accented] {
                for err in [
                    text.char_buffer().unwrap_err(),
                    text.read_buffer().unwrap_err(),
                ] {
                    assert_eq!(
                        err.to_string(),
                        "TypeError: a bytes-like object is required, not 'str'"
                    );
                    assert!(no_exception_set());
                }
                let err = text.write_buffer().unwrap_err();
                assert_eq!(
                    err.to_string(),
                    "TypeError: expected a writable bytes-like object"
                );
                assert!(no_exception_set());
            }
        } else {
            let chars = ascii.char_buffer().unwrap();
            assert_eq!(chars.kind(), BufferKind::Immutable);
            assert_eq!(chars.as_bytes(), Some(&b"spam"[..]));
            let raw = ascii.read_buffer().unwrap();
            assert_eq!(raw.len(), 4 * ffi::PY_UNICODE_SIZE);
            let err = accented.char_buffer().unwrap_err();
            assert_eq!(err.type_name(), "UnicodeEncodeError");
            assert!(err
                .message()
                .starts_with("'ascii' codec can't encode character u'\\xe9'"));
            assert!(no_exception_set());
        }
    })
}

#[test]
fn errors_are_cleared_and_restore_raises_them_again() {
    with_gil(|py| {
        let n = Object::int(py, 5).unwrap();
        let err = n.read_buffer().unwrap_err();
        let expected = if ffi::PY3 {
            "TypeError: a bytes-like object is required, not 'int'"
        } else {
            "TypeError: expected a readable buffer object"
        };
        assert_eq!(err.to_string(), expected);
        assert!(no_exception_set());
        err.restore(py);
        assert!(!no_exception_set());
        // What is raised is what was fetched.
        // SAFETY: GIL held; the exception is set.
        let matches = unsafe { ffi::PyErr_ExceptionMatches(ffi::PyExc_TypeError) };
        assert_eq!(matches, 1);
        // SAFETY: GIL held.
        unsafe { ffi::PyErr_Clear() };
    })
}

#[test]
fn errors_can_be_sent_and_dropped_on_another_thread() {
    let err = with_gil(|py| py.eval("1 / 0").unwrap_err());
    assert_eq!(err.type_name(), "ZeroDivisionError");
    // Queues the saved exception objects there, without waiting for the GIL.
    within_seconds(10, move || drop(err));
}

#[test]
fn nested_with_gil_keeps_the_gil_until_the_outermost_returns() {
    with_gil(|outer| {
        let six = outer.eval("6").unwrap();
        let product = with_gil(|inner| inner.eval("6 * 7").unwrap().repr().unwrap());
        // The inner call's return gave nothing back: the outer token still
        // runs Python, and its objects are alive.
        assert_eq!(product, "42");
        assert_eq!(six.repr().unwrap(), "6");
        assert_eq!(outer.eval("7").unwrap().repr().unwrap(), "7");
    });
    // And it was released with the outermost: another thread gets it.
    within_seconds(10, || with_gil(|py| drop(py.eval("None").unwrap())));
}

#[test]
fn h7_panic_inside_with_gil_releases_the_gil() {
    let caught = std::panic::catch_unwind(|| with_gil(|_py| panic!("inside with_gil")));
    assert!(caught.is_err());
    within_seconds(10, || with_gil(|py| drop(py.eval("None").unwrap())));
}

#[test]
fn h7_panic_in_an_extension_function_becomes_system_error() {
    with_gil(|_py| {
        fn boom(_py: Python<'_>) -> legacy_buffer::Result<Object<'_>> {
            panic!("boom")
        }
        // SAFETY: we hold the GIL, as Python would when calling a function.
        let result = unsafe { trampoline(boom) };
        assert!(result.is_null());
        // SAFETY: GIL held.
        unsafe {
            assert_eq!(ffi::PyErr_ExceptionMatches(ffi::PyExc_SystemError), 1);
            ffi::PyErr_Clear();
        }
    })
}

#[test]
fn a_thread_python_never_saw_can_borrow() {
    within_seconds(20, || {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    with_gil(|py| {
                        let s = Object::str(py, format!("thread {i}").as_bytes()).unwrap();
                        let buf = s.read_buffer().unwrap();
                        assert_eq!(buf.as_bytes().unwrap(), format!("thread {i}").as_bytes());
                    })
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}
