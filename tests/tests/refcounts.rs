//! Borrowing and releasing leaks nothing: a million borrow/release cycles
//! per exporter type (and a million failed borrows) leave the object's
//! reference count, the interpreter's total reference count (debug builds:
//! `sys.gettotalrefcount()`), and the process's resident memory as they were.
//!
//! The number of cycles is `LEGACY_BUFFER_REFCOUNT_ITERATIONS` (default
//! 1,000,000); `ci/memcheck` runs a reduced count under valgrind. Each test
//! first runs a warm-up of cycles (filling free lists and caches, such as the
//! default-encoded string a unicode object keeps), then measures.
//!
//! The tests take one lock and hold the GIL for their whole measurement, so
//! no other test's Python objects or Rust allocations are counted.

use legacy_buffer::{ffi, with_gil, BufferKind, Object, Python};
use std::sync::Mutex;
use std::time::Instant;

/// Resident memory may grow by at most this much over the measured cycles:
/// less than one byte per cycle at the default count, while leaking even one
/// small object per cycle grows it by tens of megabytes.
///
/// `LEGACY_BUFFER_RSS_TOLERANCE_KIB` overrides it: under valgrind (see
/// `ci/memcheck`) resident memory is valgrind's, and memcheck keeps freed
/// blocks out of reuse for a while (`--freelist-vol`, 20 MB) so that
/// use-after-free is caught; the failed-borrow cycles then grow it by a few
/// hundred bytes each without leaking anything.
fn rss_tolerance() -> usize {
    match std::env::var("LEGACY_BUFFER_RSS_TOLERANCE_KIB") {
        Ok(k) => {
            1024 * k
                .parse::<usize>()
                .unwrap_or_else(|_| panic!("LEGACY_BUFFER_RSS_TOLERANCE_KIB={k:?}: not a number"))
        }
        Err(_) => 1 << 20,
    }
}

/// Serialises the tests: resident memory is the whole process's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn iterations() -> usize {
    match std::env::var("LEGACY_BUFFER_REFCOUNT_ITERATIONS") {
        Ok(n) => n
            .parse()
            .unwrap_or_else(|_| panic!("LEGACY_BUFFER_REFCOUNT_ITERATIONS={n:?}: not a count")),
        Err(_) => 1_000_000,
    }
}

/// Resident memory in bytes, from `/proc/self/statm` (its second field, in
/// pages).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("unexpected /proc/self/statm: {statm:?}"));
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * usize::try_from(page).expect("a page size")
}

/// `sys.gettotalrefcount()` on debug builds, called through a function
/// object fetched once, so that reading it changes nothing: the call's
/// argument tuple is the shared empty tuple, and its result (an int made
/// after the total was read) is released before the next reading.
struct TotalRefs<'py> {
    gettotalrefcount: Option<Object<'py>>,
}

impl<'py> TotalRefs<'py> {
    fn new(py: Python<'py>) -> TotalRefs<'py> {
        let sys = py.import("sys").expect("import sys");
        let gettotalrefcount = sys.getattr("gettotalrefcount").ok();
        // SAFETY: GIL held; a failed getattr above left an AttributeError set
        // (Object::getattr fetched it already: this only makes sure).
        assert!(unsafe { ffi::PyErr_Occurred() }.is_null());
        // sys.gettotalrefcount exists exactly on Py_REF_DEBUG builds.
        assert_eq!(
            gettotalrefcount.is_some(),
            ffi::PY_REF_DEBUG,
            "sys.gettotalrefcount vs PY_REF_DEBUG"
        );
        TotalRefs { gettotalrefcount }
    }

    fn get(&self) -> Option<isize> {
        let f = self.gettotalrefcount.as_ref()?;
        // SAFETY: GIL held ('py); `f` is a valid callable; NULL arguments
        // mean none. The result is a new reference (released below, after
        // its value is read) or NULL with an exception set.
        unsafe {
            let result = ffi::PyObject_CallObject(f.as_ptr(), std::ptr::null_mut());
            assert!(!result.is_null(), "sys.gettotalrefcount() failed");
            let total = ffi::PyInt_AsSsize_t(result);
            ffi::Py_DECREF(result);
            assert!(ffi::PyErr_Occurred().is_null());
            Some(total)
        }
    }
}

/// What one measurement saw: before and after the measured cycles.
struct Measured {
    refcount: (isize, isize),
    total_refs: (Option<isize>, Option<isize>),
    resident: (usize, usize),
}

/// Run `cycle` `n` times after a warm-up, measuring `obj`'s reference count,
/// the total reference count and resident memory around the `n` cycles.
fn measure<'py>(
    py: Python<'py>,
    label: &str,
    n: usize,
    obj: &Object<'py>,
    mut cycle: impl FnMut(),
) -> Measured {
    for _ in 0..(n / 100).clamp(100, 10_000) {
        cycle();
    }

    let total = TotalRefs::new(py);
    // Reading the total is neutral: two readings in a row agree.
    let (t0, t0_again) = (total.get(), total.get());
    assert_eq!(t0, t0_again, "{label}: reading the total reference count");
    let refcount0 = obj.refcount();
    let rss0 = resident_bytes();
    let started = Instant::now();

    for _ in 0..n {
        cycle();
    }

    let elapsed = started.elapsed();
    let rss1 = resident_bytes();
    let refcount1 = obj.refcount();
    let t1 = total.get();
    println!(
        "{label}: {n} cycles in {elapsed:.2?} ({:.0} ns each); refcount {refcount0} -> {refcount1}; \
         total refs {t0:?} -> {t1:?}; resident {} KiB -> {} KiB",
        elapsed.as_nanos() as f64 / n.max(1) as f64,
        rss0 / 1024,
        rss1 / 1024
    );
    // SAFETY: GIL held.
    assert!(unsafe { ffi::PyErr_Occurred() }.is_null(), "{label}");
    Measured {
        refcount: (refcount0, refcount1),
        total_refs: (t0, t1),
        resident: (rss0, rss1),
    }
}

/// Run `cycle` `iterations()` times after a warm-up, and check that nothing
/// leaked.
fn assert_no_leak<'py>(py: Python<'py>, label: &str, obj: &Object<'py>, cycle: impl FnMut()) {
    let n = iterations();
    let m = measure(py, label, n, obj, cycle);
    assert_eq!(
        m.refcount.1, m.refcount.0,
        "{label}: the object's reference count"
    );
    assert_eq!(
        m.total_refs.1, m.total_refs.0,
        "{label}: sys.gettotalrefcount()"
    );
    let tolerance = rss_tolerance();
    assert!(
        m.resident.1 <= m.resident.0 + tolerance,
        "{label}: resident memory grew by {} KiB over {n} cycles (tolerance {} KiB)",
        (m.resident.1 - m.resident.0) / 1024,
        tolerance / 1024
    );
}

/// A fresh object from a Python expression (in `__main__`, after `setup`).
fn make<'py>(py: Python<'py>, setup: &str, expr: &str) -> Object<'py> {
    py.run(setup)
        .unwrap_or_else(|e| panic!("setup for {expr} failed: {e}"));
    py.eval(expr)
        .unwrap_or_else(|e| panic!("evaluating {expr} failed: {e}"))
}

/// Immutable borrows: each cycle borrows, reads the first and last byte
/// through `as_bytes`, and releases.
fn immutable(label: &str, setup: &str, expr: &str, functions: &[&str]) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    with_gil(|py| {
        let obj = make(py, setup, expr);
        for &function in functions {
            let want = borrow(&obj, function)
                .unwrap()
                .as_bytes()
                .expect("Immutable")
                .to_vec();
            assert!(want.len() > 1, "{label}: pick a longer object");
            let (first, last) = (want[0], want[want.len() - 1]);
            assert_no_leak(py, &format!("{label} {function}"), &obj, || {
                let buf = borrow(&obj, function).unwrap();
                let bytes = buf.as_bytes().unwrap();
                assert!(
                    bytes.len() == want.len()
                        && bytes[0] == first
                        && bytes[bytes.len() - 1] == last
                );
            });
        }
    })
}

fn borrow<'a>(
    obj: &'a Object<'_>,
    function: &str,
) -> legacy_buffer::Result<legacy_buffer::Buffer<'a>> {
    match function {
        "char" => obj.char_buffer(),
        "read" => obj.read_buffer(),
        "write" => obj.write_buffer(),
        other => panic!("no function {other}"),
    }
}

/// Unpinned borrows: each cycle borrows, reads the first byte (asking the
/// object again), and releases; the write cycles write it back.
fn unpinned(label: &str, setup: &str, expr: &str, functions: &[&str]) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    with_gil(|py| {
        let obj = make(py, setup, expr);
        let before = obj.read_buffer().unwrap().to_vec().unwrap();
        assert!(!before.is_empty());
        for &function in functions {
            assert_eq!(borrow(&obj, function).unwrap().kind(), BufferKind::Unpinned);
            assert_no_leak(py, &format!("{label} {function}"), &obj, || {
                let buf = borrow(&obj, function).unwrap();
                let mut first = [0u8];
                buf.read_at(0, &mut first).unwrap();
                assert!(buf.len() == before.len() && first[0] == before[0]);
                if function == "write" {
                    buf.write_at(0, &first).unwrap();
                }
            });
        }
        assert_eq!(obj.read_buffer().unwrap().to_vec().unwrap(), before);
    })
}

#[test]
fn str_borrows_leak_nothing() {
    immutable("str", "", "'refcounts, str ' * 10", &["char", "read"]);
}

#[test]
fn unicode_borrows_leak_nothing() {
    // The char buffer is the default-encoded str the unicode object caches:
    // made once (in the warm-up), then reused.
    immutable(
        "unicode",
        "",
        "u'refcounts, unicode ' * 10",
        &["char", "read"],
    );
}

#[test]
fn buffer_object_borrows_leak_nothing() {
    immutable(
        "buffer over str",
        "",
        "buffer('refcounts, buffer' * 10, 3, 50)",
        &["char", "read"],
    );
    unpinned(
        "buffer over bytearray",
        "",
        "buffer(bytearray('refcounts, buffer over bytearray'))",
        // buffer() objects are read-only.
        &["char", "read"],
    );
}

#[test]
fn pinned_bytearray_borrows_leak_nothing_and_unpin() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    with_gil(|py| {
        let obj = make(py, "", "bytearray('refcounts, bytearray')");
        for function in ["char", "read", "write"] {
            assert_no_leak(py, &format!("bytearray {function}"), &obj, || {
                let buf = borrow(&obj, function).unwrap();
                let cells = buf.as_cells().unwrap();
                assert!(cells.len() == 20 && cells[0].get() == b'r');
                if let Some(cells) = buf.as_write_cells() {
                    cells[19].set(b'y');
                }
            });
        }
        // Every pin was given back: the bytearray resizes again.
        let ba = obj.clone_ref();
        let extend = ba.getattr("extend").unwrap();
        let arg = Object::str(py, b"!").unwrap();
        // SAFETY: GIL held; a valid callable and a 1-tuple made here (the
        // tuple steals the new reference `into_ptr` gives); the result is a
        // new reference or NULL with an exception set.
        let result = unsafe {
            let args = ffi::PyTuple_New(1);
            assert!(!args.is_null());
            ffi::PyTuple_SetItem(args, 0, arg.into_ptr());
            let r = ffi::PyObject_CallObject(extend.as_ptr(), args);
            ffi::Py_DECREF(args);
            Object::from_owned_ptr_or_err(py, r, "bytearray.extend")
        };
        result.expect("the bytearray is no longer pinned");
        assert_eq!(obj.repr().unwrap(), "bytearray(b'refcounts, bytearray!')");
    })
}

#[test]
fn array_borrows_leak_nothing() {
    // array.array has no character buffer.
    unpinned(
        "array",
        "import array",
        "array.array('i', range(1, 100))",
        &["read", "write"],
    );
}

#[test]
fn mmap_borrows_leak_nothing() {
    unpinned(
        "mmap",
        "import mmap",
        "(lambda m: (m.write('refcounts, mmap'), m)[1])(mmap.mmap(-1, 4096))",
        &["char", "read", "write"],
    );
}

#[test]
fn ctypes_borrows_leak_nothing() {
    unpinned(
        "ctypes",
        "import ctypes",
        "ctypes.create_string_buffer('refcounts, ctypes', 32)",
        // ctypes objects have no character buffer.
        &["read", "write"],
    );
}

/// Failed borrows: each makes an `Error` holding the exception objects
/// Python raised, which are released when it drops.
#[test]
fn failed_borrows_leak_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    with_gil(|py| {
        // Not a cached small int: its refcount is its own.
        let int = make(py, "", "int('123456789')");
        for function in ["char", "read", "write"] {
            assert_no_leak(py, &format!("int {function}"), &int, || {
                let e = borrow(&int, function).unwrap_err();
                assert_eq!(e.type_name(), "TypeError");
            });
        }
        // An exception with more in it: UnicodeEncodeError keeps the object,
        // the encoding and the reason.
        let text = make(py, "", "u'caf\\xe9 ' * 10");
        assert_no_leak(py, "non-ASCII unicode char", &text, || {
            let e = text.char_buffer().unwrap_err();
            assert_eq!(e.type_name(), "UnicodeEncodeError");
        });
    })
}

/// The measurement itself: a cycle that does leak (a reference to the object
/// and a KiB of memory each time) is seen on all three counts. (Resident
/// memory against the default tolerance: 10,000 KiB are leaked.)
#[test]
fn the_measurement_sees_a_leak() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    with_gil(|py| {
        let obj = make(py, "", "bytearray('leaked')");
        let n = 10_000;
        let m = measure(py, "a leaky cycle", n, &obj, || {
            let buf = obj.read_buffer().unwrap();
            assert_eq!(buf.len(), 6);
            std::mem::forget(obj.clone_ref());
            Box::leak(vec![1u8; 1024].into_boxed_slice());
        });
        let leaked = n as isize;
        assert_eq!(m.refcount.1 - m.refcount.0, leaked);
        if ffi::PY_REF_DEBUG {
            let (t0, t1) = (m.total_refs.0.unwrap(), m.total_refs.1.unwrap());
            assert_eq!(t1 - t0, leaked);
        } else {
            assert_eq!(m.total_refs, (None, None));
        }
        assert!(
            m.resident.1 > m.resident.0 + (1 << 20),
            "{n} KiB leaked, resident memory {} -> {} KiB",
            m.resident.0 / 1024,
            m.resident.1 / 1024
        );
    })
}
