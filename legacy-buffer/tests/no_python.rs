//! Runtime proofs of the no-Python scope (`no_python`, `Object::with_*_bytes`,
//! `Buffer::with_bytes*`): what safe code inside the closure can still try,
//! and that none of it runs Python while the slices live. The compile-fail
//! tests `tests/ui/np_*.rs` prove the rest (no captures, no escapes).

use legacy_buffer::{
    ffi, no_python, py_module, with_gil, Borrowed, BufferKind, Bytes, BytesMut, Python, Result,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The scope state is process-wide (it belongs to the GIL holder): the
/// tests that look at it run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn repr(py: Python<'_>, expr: &str) -> String {
    py.eval(expr).unwrap().repr().unwrap()
}

fn no_exception_set(_py: Python<'_>) -> bool {
    // SAFETY: GIL held (`_py`).
    unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// Set at the end of each scope's closure in the tests below, cleared
/// before; `np_probe.closure_done()` reports it to Python code.
static CLOSURE_DONE: AtomicBool = AtomicBool::new(false);
/// Bytes summed by `np_probe.sum_bytes(obj)` (a scope of its own).
static SUMMED: AtomicUsize = AtomicUsize::new(0);

/// np_probe.closure_done() -> bool (METH_NOARGS).
fn closure_done(_py: Python<'_>) -> Result<bool> {
    Ok(CLOSURE_DONE.load(Ordering::SeqCst))
}

/// np_probe.sum_bytes(obj) -> int (METH_O): a scope opened by Python code.
fn sum_bytes(_py: Python<'_>, arg: Borrowed<'_, '_>) -> Result<usize> {
    let sum = arg.with_read_bytes(|b| b.iter().map(|&x| usize::from(x)).sum::<usize>())?;
    SUMMED.fetch_add(sum, Ordering::SeqCst);
    Ok(sum)
}

py_module! {
    module np_probe {
        functions: {
            closure_done() => closure_done;
            sum_bytes(arg) => sum_bytes;
        }
    }
}

fn import_probe(py: Python<'_>) {
    np_probe::init();
    py.run("import np_probe").unwrap();
}

/// Every kind of buffer is lent as a plain slice, in place. Python 2: an
/// `Unpinned` one (array, mmap) is asked again as the scope starts, and
/// lends what its exporter has then (or fails, closed). Python 3: the same
/// objects are `Pinned` by the export the buffer holds: they refuse to
/// resize or close while it lives, and lend what they had.
#[test]
fn every_kind_is_lent_zero_copy_and_asked_again_when_unpinned() {
    let _serial = serial();
    with_gil(|py| {
        py.run("import array, mmap\nnp_a = array.array('B', [1, 2, 3])")
            .unwrap();
        let a = py.eval("np_a").unwrap();
        let buf = a.read_buffer().unwrap();
        if ffi::PY3 {
            assert_eq!(buf.kind(), BufferKind::Pinned);
            // The array cannot move or shrink its memory under the borrow.
            for resize in ["np_a.extend(range(200))", "del np_a[:]"] {
                let e = py.run(resize).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    "BufferError: cannot resize an array that is exporting buffers",
                    "{resize}"
                );
                assert!(no_exception_set(py));
            }
            assert_eq!(buf.with_bytes(|b| b.to_vec()).unwrap(), [1, 2, 3]);
            drop(buf);
            // Released: it grows again, and a new scope lends what it has.
            py.run("np_a.extend(range(200))").unwrap();
            let (len, head) = a.with_read_bytes(|b| (b.len(), b[..4].to_vec())).unwrap();
            assert_eq!((len, head), (203, vec![1, 2, 3, 0]));
        } else {
            assert_eq!(buf.kind(), BufferKind::Unpinned);
            // Python moves the array's memory after the borrow: the scope
            // asks again and lends what is there now.
            py.run("np_a.extend(range(200))").unwrap();
            let (len, head) = buf.with_bytes(|b| (b.len(), b[..4].to_vec())).unwrap();
            assert_eq!((len, head), (203, vec![1, 2, 3, 0]));
            // Shrunk to nothing: an empty slice, not the stale 3 or 203 bytes.
            py.run("del np_a[:]").unwrap();
            assert_eq!(buf.with_bytes(|b| b.len()).unwrap(), 0);
        }

        // A pinned bytearray as a plain &[u8] (vectorisable), and &mut [u8].
        let ba = py.eval("bytearray(b'abc')").unwrap();
        let pinned = ba.write_buffer().unwrap();
        assert_eq!(pinned.kind(), BufferKind::Pinned);
        pinned.with_bytes_mut(|b| b.reverse()).unwrap();
        assert_eq!(pinned.with_bytes(|b| b.to_vec()).unwrap(), b"cba");
        drop(pinned);
        assert_eq!(ba.repr().unwrap(), "bytearray(b'cba')");

        // A read-only borrow cannot be lent as &mut.
        let m = py.eval("mmap.mmap(-1, 8)").unwrap();
        let read_only = m.read_buffer().unwrap();
        let e = read_only.with_bytes_mut(|b| b.fill(1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "TypeError: buffer was not borrowed for writing"
        );
        py.run("np_m = mmap.mmap(-1, 8)").unwrap();
        let m = py.eval("np_m").unwrap();
        let buf = m.write_buffer().unwrap();
        if ffi::PY3 {
            // The export keeps the mmap open: closing it is refused while
            // the buffer lives, and the scope lends the mapped memory.
            let e = py.run("np_m.close()").unwrap_err();
            assert_eq!(
                e.to_string(),
                "BufferError: cannot close exported pointers exist"
            );
            assert!(no_exception_set(py));
            let len = buf
                .with_bytes_mut(|b| {
                    b.fill(7);
                    b.len()
                })
                .unwrap();
            assert_eq!(len, 8);
            drop(buf);
            let written = py.eval("np_m[:]").unwrap();
            assert_eq!(
                written.read_buffer().unwrap().as_bytes(),
                Some(&[7u8; 8][..])
            );
            // Closed once released, it lends nothing.
            py.run("np_m.close()").unwrap();
            let e = m.with_read_bytes(|b| b.len()).unwrap_err();
            assert_eq!(e.to_string(), "ValueError: mmap closed or invalid");
        } else {
            // Nor a closed mmap at all: asked again, it refuses.
            py.run("np_m.close()").unwrap();
            let e = buf.with_bytes(|b| b.len()).unwrap_err();
            assert_eq!(e.type_name(), "TypeError");
        }
        assert!(no_exception_set(py));
    })
}

#[test]
fn with_gil_inside_the_scope_panics_and_leaves_no_scope_behind() {
    let _serial = serial();
    with_gil(|py| {
        let s = py.eval("b'xyz'").unwrap();
        let caught = std::panic::catch_unwind(|| {
            s.with_read_bytes(|bytes| {
                // A fresh with_gil would let Python run under the slice.
                with_gil(|inner| inner.eval("1").map(drop)).map(|()| bytes.len())
            })
        });
        let payload = caught.expect_err("with_gil ran inside a no-Python scope");
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap();
        assert!(
            message.starts_with("legacy-buffer: with_gil called inside a no-Python scope"),
            "{message}"
        );
        // The panic took the scope with it: Python runs again here, and a
        // nested with_gil works.
        assert_eq!(repr(py, "6 * 7"), "42");
        assert_eq!(with_gil(|inner| repr(inner, "'again'")), "'again'");
        // From another thread, with_gil inside a scope would block on the
        // GIL (held here), not panic: it is this thread's scope.
    })
}

/// A panic in the closure unwinds out of the scope and leaves nothing
/// behind: no scope, and (Python 3) no export of the bytearray lent.
#[test]
fn a_panic_inside_the_scope_unwinds_cleanly() {
    let _serial = serial();
    with_gil(|py| {
        py.run("np_panic = bytearray(b'panic')").unwrap();
        let ba = py.eval("np_panic").unwrap();
        let caught = std::panic::catch_unwind(|| {
            ba.with_write_bytes(|bytes| {
                bytes[0] = b'P';
                panic!("inside the scope")
            })
        });
        assert!(caught.is_err());
        // The write before the panic landed; the scope is gone.
        assert_eq!(ba.repr().unwrap(), "bytearray(b'Panic')");
        // Nothing holds its memory any more: it resizes.
        py.run("np_panic.extend(b'!')").unwrap();
        assert_eq!(ba.repr().unwrap(), "bytearray(b'Panic!')");
        let err = py.eval("1 / 0").unwrap_err();
        drop(err); // released at once again: no scope is active
        assert!(no_exception_set(py));
        assert_eq!(repr(py, "len('after')"), "5");
    })
}

/// An `Error` dropped inside the scope owns exception objects: releasing
/// them runs `__del__`, Python code. It is queued, and runs when the scope
/// ends: `__del__` asks the probe whether the closure had finished.
#[test]
fn an_error_dropped_inside_the_scope_is_released_when_it_ends() {
    let _serial = serial();
    with_gil(|py| {
        import_probe(py);
        py.run(
            "np_seen = []\n\
             class NpRecorded(Exception):\n    \
                 def __del__(self):\n        \
                     np_seen.append(np_probe.closure_done())\n",
        )
        .unwrap();
        let err = py.run("raise NpRecorded('inside')").unwrap_err();
        let s = py.eval("b'some bytes'").unwrap();
        CLOSURE_DONE.store(false, Ordering::SeqCst);
        let len = s
            .with_read_bytes(move |bytes| {
                drop(err); // would run __del__ right here
                let len = bytes.len();
                CLOSURE_DONE.store(true, Ordering::SeqCst);
                len
            })
            .unwrap();
        assert_eq!(len, 10);
        // __del__ ran once, after the closure, before the scope returned.
        assert_eq!(repr(py, "np_seen"), "[True]");
        assert!(no_exception_set(py));
    })
}

/// Scopes do not nest through safe code (the only way back to Python
/// objects inside one is with_gil, which panics), but a scope ends before
/// what it queued is released, so Python code run then (a `__del__` calling
/// an extension function) may open scopes of its own; and scopes follow
/// one another on any thread.
#[test]
fn scopes_follow_one_another_and_open_inside_released_references() {
    let _serial = serial();
    with_gil(|py| {
        import_probe(py);
        py.run(
            "class NpSummer(Exception):\n    \
                 def __del__(self):\n        \
                     np_probe.sum_bytes(b'\\x01\\x02\\x03')\n",
        )
        .unwrap();
        let err = py.run("raise NpSummer()").unwrap_err();
        SUMMED.store(0, Ordering::SeqCst);
        let a = py.eval("__import__('array').array('B', [7, 8])").unwrap();
        let got = a
            .with_read_bytes(move |bytes| {
                drop(err);
                bytes.to_vec()
            })
            .unwrap();
        assert_eq!(got, [7, 8]);
        // The released error's __del__ opened a scope of its own.
        assert_eq!(SUMMED.load(Ordering::SeqCst), 6);
        for i in 0..100u8 {
            let x = a.with_write_bytes(|b| {
                b[0] = i;
                b[0]
            });
            assert_eq!(x.unwrap(), i);
        }
        assert_eq!(repr(py, "np_probe.sum_bytes(b'\\x05')"), "5");
    })
}

#[test]
fn several_buffers_at_once_and_the_overlap_check() {
    let _serial = serial();
    with_gil(|py| {
        py.run(
            "import array\n\
             np_arr = array.array('B', range(8))\n\
             np_other = array.array('B', [0xff] * 8)\n\
             np_ba = bytearray(b'abcdefgh')\n",
        )
        .unwrap();
        let arr = py.eval("np_arr").unwrap();
        let other = py.eval("np_other").unwrap();
        let ba = py.eval("np_ba").unwrap();

        // xor_into(dst, key) over two distinct objects.
        let (dst, key) = (arr.write_buffer().unwrap(), other.read_buffer().unwrap());
        no_python((BytesMut(&dst), Bytes(&key)), |(d, k)| {
            d.iter_mut().zip(k.iter()).for_each(|(d, k)| *d ^= k)
        })
        .unwrap();
        assert_eq!(
            repr(py, "np_arr.tolist()"),
            "[255, 254, 253, 252, 251, 250, 249, 248]"
        );

        let refused = |e: legacy_buffer::Error| {
            assert_eq!(e.type_name(), "BufferError", "{e}");
            assert!(e.message().contains("share memory"), "{e}");
            assert!(no_exception_set(py));
        };
        // Two write borrows of one bytearray: refused, never aliased.
        let (w1, w2) = (ba.write_buffer().unwrap(), ba.write_buffer().unwrap());
        refused(no_python((BytesMut(&w1), BytesMut(&w2)), |_| ()).unwrap_err());
        // One written, one read, same memory: refused too.
        let r = ba.read_buffer().unwrap();
        refused(no_python((Bytes(&r), BytesMut(&w1)), |_| ()).unwrap_err());
        // Both read: shared slices may alias.
        let (r2, r3) = (ba.read_buffer().unwrap(), ba.char_buffer().unwrap());
        assert!(no_python((Bytes(&r2), Bytes(&r3)), |(a, b)| a == b).unwrap());
        drop((w1, w2, r, r2, r3));

        // Python 2: an exporter that is asked for its memory again (an
        // Unpinned one) is asked once per scope: asked in two ways, it is
        // refused before the second, which could move what the first gave
        // (issue 17). Python 3 asks nobody again (every buffer holds an
        // export): only the overlap check applies.
        let asked_twice = |e: legacy_buffer::Error| {
            assert_eq!(e.type_name(), "BufferError", "{e}");
            assert!(e.message().contains("ask one exporter"), "{e}");
            assert!(no_exception_set(py));
        };
        // Views of parts of the array: Python 2's buffer objects, Python
        // 3's memoryviews (Python 3 has no buffer object).
        py.run(if ffi::PY3 {
            "np_view = memoryview(np_arr)[6:8]\nnp_head = memoryview(np_arr)[0:4]"
        } else {
            "np_view = buffer(np_arr, 6, 2)\nnp_head = buffer(np_arr, 0, 4)"
        })
        .unwrap();
        // A write borrow of an array and a view of part of it.
        let view = py.eval("np_view").unwrap();
        let (vbuf, abuf) = (view.read_buffer().unwrap(), arr.write_buffer().unwrap());
        let e = no_python((Bytes(&vbuf), BytesMut(&abuf)), |_| ()).unwrap_err();
        if ffi::PY3 {
            // Both held by exports, in place: the same memory.
            assert_eq!(
                (vbuf.kind(), abuf.kind()),
                (BufferKind::Pinned, BufferKind::Pinned)
            );
            refused(e);
            let same = no_python((Bytes(&vbuf), Bytes(&abuf)), |(v, a)| {
                v.as_ptr() == a[6..].as_ptr()
            });
            assert!(same.unwrap());
        } else {
            asked_twice(e);
        }
        // Two views of disjoint parts of one array.
        let head = py.eval("np_head").unwrap();
        let hbuf = head.read_buffer().unwrap();
        if ffi::PY3 {
            // Each holds its own export: lent together, each its own part,
            // one of them even written (they do not overlap).
            let hw = head.write_buffer().unwrap();
            let (h, v) = no_python((BytesMut(&hw), Bytes(&vbuf)), |(h, v)| {
                (h.to_vec(), v.to_vec())
            })
            .unwrap();
            assert_eq!((h, v), (vec![255, 254, 253, 252], vec![249, 248]));
        } else {
            // Each asks the array, so they are refused together.
            asked_twice(no_python((Bytes(&hbuf), Bytes(&vbuf)), |_| ()).unwrap_err());
        }
        // One of them twice (asked once), with a third, writable object:
        // fine, and four at once.
        let obuf = other.write_buffer().unwrap();
        let src = py.eval("b'\\x10' * 8").unwrap();
        let sbuf = src.read_buffer().unwrap();
        let (h, again) = no_python(
            (Bytes(&hbuf), Bytes(&hbuf), BytesMut(&obuf), Bytes(&sbuf)),
            |(h, again, o, s)| {
                o.copy_from_slice(s);
                (h.to_vec(), again.as_ptr() == h.as_ptr())
            },
        )
        .unwrap();
        assert_eq!((h, again), (vec![255, 254, 253, 252], true));
        assert_eq!(
            repr(py, "np_other.tolist()"),
            "[16, 16, 16, 16, 16, 16, 16, 16]"
        );
        // `key` is a read borrow of `other`, which `obuf` writes: refused
        // (Python 2: one exporter asked twice; Python 3: the same memory).
        let e = no_python((BytesMut(&obuf), Bytes(&key)), |_| ()).unwrap_err();
        if ffi::PY3 {
            refused(e);
        } else {
            asked_twice(e);
        }
        // Empty slices overlap nothing.
        let empty = py.eval("bytearray()").unwrap();
        let (e1, e2) = (empty.write_buffer().unwrap(), empty.write_buffer().unwrap());
        assert_eq!(
            no_python((BytesMut(&e1), BytesMut(&e2)), |(a, b)| a.len() + b.len()).unwrap(),
            0
        );
        // A BytesMut of a read borrow is a TypeError.
        let e = no_python(BytesMut(&hbuf), |_| ()).unwrap_err();
        assert_eq!(e.type_name(), "TypeError");
        assert!(no_exception_set(py));
    })
}

/// The closure is `Send`, not "single-threaded": it may split the lent
/// memory across threads of its own (they cannot run Python either: this
/// thread keeps the GIL until they are joined).
#[test]
fn the_closure_may_use_threads_of_its_own() {
    let _serial = serial();
    with_gil(|py| {
        let ba = py.eval("bytearray(1 << 20)").unwrap();
        ba.with_write_bytes(|bytes| {
            std::thread::scope(|s| {
                for (i, chunk) in bytes.chunks_mut(1 << 18).enumerate() {
                    s.spawn(move || chunk.fill(i as u8 + 1));
                }
            })
        })
        .unwrap();
        let sums = ba
            .with_read_bytes(|b| {
                b.chunks(1 << 18)
                    .map(|c| c.iter().map(|&x| usize::from(x)).sum::<usize>())
                    .collect::<Vec<_>>()
            })
            .unwrap();
        assert_eq!(sums, [1 << 18, 2 << 18, 3 << 18, 4 << 18]);
    })
}
