//! Stress: 8 OS threads borrow and check buffers while Python threads mutate,
//! allocate and collect, for a bounded time.
//!
//! Each Rust thread repeatedly takes the GIL (alternately with one
//! [`with_gil`] and with nested ones), makes objects of several kinds with contents
//! of its own, borrows them and checks every byte; checks a bytearray only
//! it writes, across GIL releases; and checks two objects the Python threads
//! keep rewriting, whose contents obey an invariant (all bytes equal, one of
//! two lengths) — including while it runs Python code with a bytearray
//! pinned, so that Python threads try to resize it under the borrow. It
//! releases the GIL between iterations, so the Python threads run.
//!
//! The Python threads (`threading`, started inside the embedded interpreter)
//! mutate objects of their own (resizing bytearrays and arrays, building
//! dicts and lists, reference cycles, `gc.collect()`) and rewrite the shared
//! objects; they are stopped with an `Event` and joined at the end.
//!
//! Runs for `LEGACY_BUFFER_STRESS_SECONDS` seconds (default 5; the long run
//! is `LEGACY_BUFFER_STRESS_SECONDS=20 cargo test -p legacy-buffer-tests
//! --test threads -- --nocapture`), and then until every thread has made
//! [`MIN_ITERATIONS`]: how many a thread gets through in a given time
//! depends on the machine and the scheduler (under valgrind, one thread
//! runs at a time), so progress is not measured against the clock. A
//! deadlock, or a thread starved of the GIL, fails the test after a timeout
//! instead of hanging it.

use legacy_buffer::{ffi, with_gil, BufferKind, Object, Python};
use legacy_buffer_tests::oracle::assert_clear;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const RUST_THREADS: usize = 8;
const PYTHON_THREADS: usize = 3;
/// Iterations every thread, Rust and Python, makes before it may stop.
const MIN_ITERATIONS: u64 = 10;

fn stress_time() -> Duration {
    match std::env::var("LEGACY_BUFFER_STRESS_SECONDS") {
        Ok(s) => Duration::from_secs_f64(
            s.parse()
                .unwrap_or_else(|_| panic!("LEGACY_BUFFER_STRESS_SECONDS={s:?}: not seconds")),
        ),
        Err(_) => Duration::from_secs(5),
    }
}

/// Set up in `__main__`; every name starts with `_thr_`.
const SETUP: &str = r#"
import array, ctypes, gc, mmap, threading

_thr_stop = threading.Event()
_thr_progress = [0] * PYTHON_THREADS
_thr_refused = [0] * PYTHON_THREADS
_thr_errors = []
_thr_own = [bytearray(256) for _ in range(RUST_THREADS)]
_thr_shared_ba = bytearray('\x00' * 64)
_thr_shared_arr = array.array('B', '\x00' * 64)

def _thr_make_array(s):
    return array.array('B', s)

def _thr_make_mmap(s):
    m = mmap.mmap(-1, len(s) + 1)
    m.write(s)
    return m

def _thr_make_ctypes(s):
    return ctypes.create_string_buffer(s, len(s))

def _thr_python(k):
    try:
        mine_ba = bytearray('python')
        mine_arr = array.array('i', range(100))
        mine_m = mmap.mmap(-1, 4096)
        junk = []
        i = 0
        # Until told to stop, and at least MIN_ITERATIONS times.
        while not (_thr_stop.is_set() and i >= MIN_ITERATIONS):
            # Objects of its own: resized, moved, rewritten.
            mine_ba.extend('abc' * (i % 50))
            del mine_ba[:len(mine_ba) // 2]
            mine_arr.extend(range(i % 100))
            del mine_arr[:len(mine_arr) // 2]
            mine_m[i % 4096] = chr(i % 256)
            junk.append({'i': i, 's': str(i) * 10, 'l': [i] * (i % 20)})
            if len(junk) > 500:
                del junk[:]
            cycle = [i]
            cycle.append(cycle)
            if i % 200 == 0:
                gc.collect()
            # The shared objects: every byte the same value, length 64 or
            # 128. A resize of the bytearray is refused while a Rust thread
            # has it pinned; then only its bytes are rewritten.
            v = chr((i * 7 + k) % 256)
            n = 64 if (i // 3) % 2 == 0 else 128
            try:
                _thr_shared_ba[:] = v * n
            except BufferError:
                _thr_refused[k] += 1
                # Rewrite the bytes in place instead. Another thread may
                # resize it between len() and the assignment, making this a
                # resize too: refused again if pinned, and fine if not (the
                # length is still 64 or 128).
                try:
                    _thr_shared_ba[:] = v * len(_thr_shared_ba)
                except BufferError:
                    pass
            _thr_shared_arr[:] = array.array('B', v * n)
            i += 1
            _thr_progress[k] = i
    except BaseException as e:
        _thr_errors.append('python thread %d: %r' % (k, e))

_thr_threads = [threading.Thread(target=_thr_python, args=(k,)) for k in range(PYTHON_THREADS)]
for t in _thr_threads:
    t.daemon = True
    t.start()
"#;

/// A pseudo-random byte string for thread `t`, iteration `i`.
fn content(t: usize, i: u64) -> Vec<u8> {
    let mut x = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (t as u64 + 1)) | 1;
    let len = 1 + (x % 300) as usize;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// What the owner thread wrote into its own bytearray in iteration `i`.
fn own_pattern(t: usize, i: u64) -> Vec<u8> {
    (0..256u64)
        .map(|j| (i.wrapping_mul(31) + j * 7 + t as u64) as u8)
        .collect()
}

fn main_attr<'py>(py: Python<'py>, name: &str) -> Object<'py> {
    py.import("__main__").unwrap().getattr(name).unwrap()
}

/// `func(arg)`.
fn call1<'py>(func: &Object<'py>, arg: &Object<'py>) -> Object<'py> {
    let py = func.py();
    // The 1-tuple owns a new reference to `arg` (PyTuple_SetItem steals it).
    // SAFETY: GIL held ('py); a valid callable; the tuple is released after
    // the call; the result is a new reference or NULL with an exception set.
    let result = unsafe {
        let args = ffi::PyTuple_New(1);
        assert!(!args.is_null());
        ffi::PyTuple_SetItem(args, 0, arg.clone_ref().into_ptr());
        let r = ffi::PyObject_CallObject(func.as_ptr(), args);
        ffi::Py_DECREF(args);
        Object::from_owned_ptr_or_err(py, r, "call")
    };
    result.unwrap_or_else(|e| panic!("calling {func:?}: {e}"))
}

/// Every byte equal, and one of the two lengths the Python threads use.
fn assert_uniform(bytes: &[u8], what: &str) {
    assert!(
        bytes.len() == 64 || bytes.len() == 128,
        "{what}: length {}",
        bytes.len()
    );
    assert!(
        bytes.iter().all(|&b| b == bytes[0]),
        "{what}: mixed bytes {bytes:?}"
    );
}

/// One iteration of Rust thread `t`, with the GIL held.
fn iteration(py: Python<'_>, t: usize, i: u64) {
    let bytes = content(t, i);
    let what = |kind: &str| format!("thread {t} iteration {i}: {kind}");

    // Fresh objects of each kind with this iteration's contents.
    let s = Object::str(py, &bytes).unwrap();
    let buf = s.read_buffer().unwrap();
    assert_eq!(buf.kind(), BufferKind::Immutable);
    assert_eq!(buf.as_bytes().unwrap(), &bytes[..], "{}", what("str"));
    assert_eq!(
        s.char_buffer().unwrap().as_bytes().unwrap(),
        &bytes[..],
        "{}",
        what("str char")
    );

    let text: String = bytes.iter().map(|&b| char::from(b'a' + b % 26)).collect();
    let u = Object::unicode(py, &text).unwrap();
    assert_eq!(
        u.char_buffer().unwrap().as_bytes().unwrap(),
        text.as_bytes(),
        "{}",
        what("unicode char")
    );
    let raw = u.read_buffer().unwrap();
    // Py_UNICODE code units, in native byte order.
    let units: Vec<u32> = raw
        .as_bytes()
        .unwrap()
        .chunks_exact(ffi::PY_UNICODE_SIZE)
        .map(|unit| match *unit {
            [a, b] => u16::from_ne_bytes([a, b]).into(),
            [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]),
            _ => unreachable!("PY_UNICODE_SIZE is 2 or 4"),
        })
        .collect();
    assert!(
        units.iter().copied().eq(text.bytes().map(u32::from)),
        "{}",
        what("unicode read")
    );

    let ba = Object::bytearray(py, &bytes).unwrap();
    let pinned = ba.write_buffer().unwrap();
    let cells = pinned.as_write_cells().unwrap();
    assert!(
        cells.iter().map(|c| c.get()).eq(bytes.iter().copied()),
        "{}",
        what("bytearray")
    );
    cells[0].set(!bytes[0]);
    drop(pinned);
    assert_eq!(ba.read_buffer().unwrap().to_vec().unwrap()[0], !bytes[0]);

    for (maker, kind) in [
        ("_thr_make_array", "array"),
        ("_thr_make_mmap", "mmap"),
        ("_thr_make_ctypes", "ctypes"),
    ] {
        let obj = call1(&main_attr(py, maker), &s);
        let buf = obj.read_buffer().unwrap();
        assert_eq!(buf.kind(), BufferKind::Unpinned);
        let copy = buf.to_vec().unwrap();
        assert_eq!(&copy[..bytes.len()], &bytes[..], "{}", what(kind));
        // The mmap has one more byte: zero.
        assert!(
            copy[bytes.len()..].iter().all(|&b| b == 0),
            "{}",
            what(kind)
        );
        let wbuf = obj.write_buffer().unwrap();
        wbuf.write_at(bytes.len() - 1, &[0x5A]).unwrap();
        let mut last = [0u8];
        buf.read_at(bytes.len() - 1, &mut last).unwrap();
        assert_eq!(last[0], 0x5A, "{}", what(kind));
    }

    // The bytearray only this thread writes: what it wrote last time, after
    // the GIL was released and Python threads ran.
    let own = py.eval(&format!("_thr_own[{t}]")).unwrap();
    let own_buf = own.write_buffer().unwrap();
    let cells = own_buf.as_write_cells().unwrap();
    let previous = if i == 0 {
        vec![0; 256]
    } else {
        own_pattern(t, i - 1)
    };
    assert!(
        cells.iter().map(|c| c.get()).eq(previous),
        "{}",
        what("own bytearray")
    );
    for (cell, b) in cells.iter().zip(own_pattern(t, i)) {
        cell.set(b);
    }
    drop(own_buf);

    // The shared objects, which the Python threads rewrite.
    let shared_arr = main_attr(py, "_thr_shared_arr");
    let arr_buf = shared_arr.read_buffer().unwrap();
    assert_uniform(&arr_buf.to_vec().unwrap(), &what("shared array"));
    let shared_ba = main_attr(py, "_thr_shared_ba");
    let ba_buf = shared_ba.read_buffer().unwrap();
    assert_eq!(ba_buf.kind(), BufferKind::Pinned);
    let cells = ba_buf.as_cells().unwrap();
    let snapshot: Vec<u8> = cells.iter().map(|c| c.get()).collect();
    assert_uniform(&snapshot, &what("shared bytearray"));
    if i % 4 == 0 {
        // Run Python code long enough for the interpreter to switch threads
        // (sys.getcheckinterval() ticks), with the bytearray pinned: Python
        // threads may rewrite its bytes but not resize it.
        py.run("for _thr_i in xrange(400): pass").unwrap();
        let now: Vec<u8> = cells.iter().map(|c| c.get()).collect();
        assert_uniform(&now, &what("shared bytearray after Python ran"));
        assert_eq!(now.len(), snapshot.len());
        let len: usize = py
            .eval("len(_thr_shared_ba)")
            .unwrap()
            .repr()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, snapshot.len(), "{}", what("pinned bytearray resized"));
        // The array was not pinned: asked again, it is whatever it is now.
        assert_uniform(
            &arr_buf.to_vec().unwrap(),
            &what("shared array after Python ran"),
        );
    }
    assert_clear(py, &what("the iteration"));
}

struct Shared {
    stop: AtomicBool,
    iterations: [AtomicU64; RUST_THREADS],
}

fn rust_thread(t: usize, shared: &Shared) {
    let mut i = 0u64;
    while !(shared.stop.load(Ordering::Relaxed) && i >= MIN_ITERATIONS) {
        if t % 2 == 0 {
            with_gil(|py| iteration(py, t, i));
        } else {
            // Nested: the GIL goes with the outermost.
            with_gil(|_outer| with_gil(|inner| iteration(inner, t, i)));
        }
        i += 1;
        shared.iterations[t].store(i, Ordering::Relaxed);
        if i % 8 == 0 {
            std::thread::sleep(Duration::from_micros(200));
        } else {
            std::thread::yield_now();
        }
    }
}

fn python_counts(py: Python<'_>, name: &str) -> Vec<u64> {
    let text = py.eval(&format!("' '.join(map(str, {name}))")).unwrap();
    let buf = text.read_buffer().unwrap();
    std::str::from_utf8(buf.as_bytes().unwrap())
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

#[test]
fn rust_and_python_threads_borrow_mutate_and_collect_together() {
    let duration = stress_time();
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        iterations: Default::default(),
    });
    let (done_tx, done_rx) = mpsc::channel();
    let watched = Arc::clone(&shared);
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| run(duration, &watched));
        let _ = done_tx.send(result.map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        }));
    });
    let limit = duration + Duration::from_secs(120);
    match done_rx.recv_timeout(limit) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("the stress run failed: {message}"),
        Err(_) => {
            let counts: Vec<u64> = shared
                .iterations
                .iter()
                .map(|n| n.load(Ordering::Relaxed))
                .collect();
            panic!("no end after {limit:?}: deadlock, or a thread starved? Rust thread iterations: {counts:?}");
        }
    }
}

fn run(duration: Duration, shared: &Arc<Shared>) {
    with_gil(|py| {
        py.run(
            &SETUP
                .replace("PYTHON_THREADS", &PYTHON_THREADS.to_string())
                .replace("RUST_THREADS", &RUST_THREADS.to_string())
                .replace("MIN_ITERATIONS", &MIN_ITERATIONS.to_string()),
        )
        .unwrap_or_else(|e| panic!("setup: {e}"));
    });

    let started = Instant::now();
    let workers: Vec<_> = (0..RUST_THREADS)
        .map(|t| {
            let shared = Arc::clone(shared);
            std::thread::Builder::new()
                .name(format!("rust-{t}"))
                .spawn(move || rust_thread(t, &shared))
                .unwrap()
        })
        .collect();
    std::thread::sleep(duration);
    shared.stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for (t, w) in workers.into_iter().enumerate() {
        if let Err(p) = w.join() {
            let message = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("rust thread {t}: {message}"));
        }
    }
    let elapsed = started.elapsed();

    with_gil(|py| {
        // Stop the Python threads; join() releases the GIL while it waits.
        py.run("_thr_stop.set()\nfor _thr_t in _thr_threads:\n    _thr_t.join(60)\n")
            .unwrap();
        let alive = py
            .eval("[t.name for t in _thr_threads if t.is_alive()]")
            .unwrap()
            .repr()
            .unwrap();
        assert_eq!(alive, "[]", "Python threads still running (starved?)");
        let errors = py.eval("_thr_errors").unwrap().repr().unwrap();
        let progress = python_counts(py, "_thr_progress");
        let refused = python_counts(py, "_thr_refused");
        let rust: Vec<u64> = shared
            .iterations
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect();
        println!(
            "{RUST_THREADS} Rust threads x {elapsed:.1?}: iterations {rust:?} (total {})",
            rust.iter().sum::<u64>()
        );
        println!(
            "{PYTHON_THREADS} Python threads: iterations {progress:?}, resizes refused under a pin {refused:?}"
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(errors, "[]", "errors in the Python threads");
        // Everyone got to run, more than a little: each thread stops only
        // after MIN_ITERATIONS, so a starved one shows as a timeout above
        // (Rust) or as still alive after join (Python).
        // Python threads did run while a Rust thread had the bytearray
        // pinned, and were refused the resize.
        assert!(
            refused.iter().sum::<u64>() > 0,
            "no resize was ever refused"
        );
        py.run(
            "del _thr_stop, _thr_progress, _thr_refused, _thr_errors, _thr_own, \
             _thr_shared_ba, _thr_shared_arr, _thr_threads",
        )
        .unwrap();
    });
}
