//! Process-level lifetimes: what happens to an [`Error`] (which keeps the
//! exception objects) when it outlives the interpreter or travels to another
//! thread, and to threads Python never saw.
//!
//! Each test runs in a child process of its own: the test binary re-runs
//! itself filtered to that one test, with `LEGACY_BUFFER_LIFETIME_SCENARIO`
//! naming it. In the child the test body runs the scenario (on a fresh
//! interpreter, which it may finalise) and prints a line saying it finished;
//! in the parent the test checks that the child exited cleanly, within a
//! time limit, and printed that line. A crash (a signal), an abort, a
//! panic, or a hang in the child fails the test in the parent.

use legacy_buffer::{ffi, with_gil, Error, Object, Python};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SCENARIO_VAR: &str = "LEGACY_BUFFER_LIFETIME_SCENARIO";
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// In the child for `name`, run `body`; in the parent, run the child and
/// check how it ended.
fn scenario(name: &str, body: fn()) {
    match std::env::var(SCENARIO_VAR) {
        Ok(chosen) if chosen == name => {
            body();
            // On a line of its own, after libtest's "test <name> ... ".
            println!("\nlifetime scenario {name}: finished");
        }
        Ok(chosen) => panic!("the child for {chosen} ran the test {name}"),
        Err(_) => run_child(name),
    }
}

fn run_child(name: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(SCENARIO_VAR, name)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    // Read both pipes on threads, so a chatty child cannot block on them.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    println!("--- child {name}: {status:?}\n{stdout}\n--- stderr\n{stderr}");
    let status = status.unwrap_or_else(|| {
        panic!("the child for {name} did not finish in {CHILD_TIMEOUT:?}: a deadlock?\n{stdout}\n{stderr}")
    });
    assert!(
        status.success(),
        "the child for {name} failed ({status}; a signal means a crash)\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    let marker = format!("lifetime scenario {name}: finished");
    assert!(
        stdout.lines().any(|l| l == marker),
        "the child for {name} did not run the scenario\n{stdout}"
    );
    assert!(
        stdout.contains("1 passed") && stdout.contains("0 failed"),
        "{stdout}"
    );
}

/// Whether Python has a thread state for this OS thread (it "saw" it).
fn python_knows_this_thread() -> bool {
    // SAFETY: PyGILState_GetThisThreadState reads only the thread-local key
    // (NULL before the interpreter exists); no GIL needed.
    !unsafe { ffi::PyGILState_GetThisThreadState() }.is_null()
}

/// Runs `f` on a new thread, failing instead of hanging if it takes longer
/// than 20 s; a panic there is a panic here.
fn on_new_thread<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(value) => {
            handle.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread ended without sending"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: the thread did not finish in 20 s (deadlock?)")
        }
    }
}

/// The pthread id of this thread, which is what Python 2.7 keys its
/// per-thread state by (`PyThread_get_thread_ident`).
fn thread_ident() -> usize {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as usize }
}

/// The class name of an error's type, without its module.
fn class_name(e: &Error) -> &str {
    e.type_name().rsplit('.').next().unwrap_or_default()
}

/// Errors of each origin: a borrow's `TypeError`, an exception raised by
/// Python code (with a traceback, and an instance of a class defined in
/// Python), and one made by legacy-buffer itself (no Python objects).
fn three_errors(py: Python<'_>) -> [Error; 3] {
    let from_borrow = Object::int(py, 12345).unwrap().read_buffer().unwrap_err();
    assert_eq!(
        from_borrow.to_string(),
        "TypeError: expected a readable buffer object"
    );
    py.run("class LifetimeError(Exception):\n    pass\n")
        .unwrap();
    let raised = py
        .run("def _lt_raise():\n    raise LifetimeError('kept', [1, 2, 3])\n_lt_raise()\n")
        .unwrap_err();
    // The type's module part is checked on its own, below.
    assert_eq!(class_name(&raised), "LifetimeError");
    assert_eq!(raised.message(), "('kept', [1, 2, 3])");
    let s = Object::str(py, b"abc").unwrap();
    let made_here = s
        .read_buffer()
        .unwrap()
        .read_at(2, &mut [0; 4])
        .unwrap_err();
    assert_eq!(
        made_here.to_string(),
        "IndexError: range 2..2+4 out of bounds for a buffer of 3 bytes"
    );
    [from_borrow, raised, made_here]
}

#[test]
fn errors_dropped_after_py_finalize_are_leaked_not_released() {
    scenario(
        "errors_dropped_after_py_finalize_are_leaked_not_released",
        || {
            let [a, b, c] = with_gil(three_errors);
            let [d, e, f] = with_gil(three_errors);
            // Py_Finalize needs the GIL: PyGILState_Ensure takes it (its thread
            // state is destroyed by Py_Finalize: no PyGILState_Release).
            // SAFETY: no with_gil call runs on any thread and no object or
            // buffer of this crate outlives the with_gil calls above.
            unsafe {
                let _ = ffi::PyGILState_Ensure();
                ffi::Py_Finalize();
            }
            // SAFETY: Py_IsInitialized only reads a flag.
            assert_eq!(unsafe { ffi::Py_IsInitialized() }, 0);
            println!("interpreter finalised");
            // What the errors say is kept in Rust strings: still readable.
            assert_eq!(
                a.to_string(),
                "TypeError: expected a readable buffer object"
            );
            assert_eq!(
                (class_name(&b), b.message()),
                ("LifetimeError", "('kept', [1, 2, 3])")
            );
            assert_eq!(c.type_name(), "IndexError");
            // Dropped on this thread (which held the GIL when Python went)...
            drop(a);
            drop(b);
            drop(c);
            println!("dropped three errors on the finalising thread");
            // ...and on a thread Python never saw.
            on_new_thread("dropping after Py_Finalize", move || {
                assert!(!python_knows_this_thread());
                drop(d);
                drop(e);
                drop(f);
            });
            println!("dropped three errors on a new thread");
        },
    );
}

#[test]
fn a_thread_python_never_saw_borrows() {
    scenario("a_thread_python_never_saw_borrows", || {
        // The first use of Python in this process is on a new thread, which
        // stays alive (parked) for now: Python 2.7 never forgets the thread
        // state of the thread that initialised it, and finds it again for any
        // later thread that gets the same pthread id (see below).
        let (park_tx, park_rx) = mpsc::channel::<()>();
        let (ident_tx, ident_rx) = mpsc::channel();
        let first = std::thread::spawn(move || {
            assert!(!python_knows_this_thread());
            with_gil(|py| check_borrows(py, "first thread"));
            // Still known: this thread's state is the interpreter's first.
            assert!(python_knows_this_thread());
            ident_tx.send(thread_ident()).unwrap();
            park_rx.recv().unwrap();
        });
        let first_ident = ident_rx.recv_timeout(Duration::from_secs(20)).unwrap();

        // New threads, each unknown to Python until it takes the GIL, and
        // again after it let go (PyGILState_Release deletes the thread state
        // PyGILState_Ensure made).
        for round in 0..3 {
            on_new_thread("a new thread", move || {
                for i in 0..50 {
                    assert!(!python_knows_this_thread(), "round {round}, {i}");
                    with_gil(|outer| {
                        assert!(python_knows_this_thread());
                        with_gil(|nested| check_borrows(nested, "new thread"));
                        check_borrows(outer, "new thread, outer call");
                    });
                }
                assert!(!python_knows_this_thread());
            });
        }
        // And this (libtest's) thread, which Python has not seen either.
        assert!(!python_knows_this_thread());
        with_gil(|py| check_borrows(py, "test thread"));
        assert!(!python_knows_this_thread());

        // Now the first thread ends. A new thread may get its pthread id,
        // and then Python takes it for the first thread: PyGILState_Ensure
        // gives it the first thread's state. Borrowing must work either way.
        park_tx.send(()).unwrap();
        first.join().unwrap();
        let mut reused = 0;
        for _ in 0..20 {
            let known = on_new_thread("after the first thread ended", move || {
                let known = python_knows_this_thread();
                assert_eq!(known, thread_ident() == first_ident);
                with_gil(|py| check_borrows(py, "a thread after the first ended"));
                assert_eq!(python_knows_this_thread(), known);
                known
            });
            reused += usize::from(known);
        }
        println!(
            "borrowed on 5 threads Python never saw; of 20 threads started after the first \
             ended, {reused} reused its pthread id and with it its thread state"
        );
    });
}

/// Borrows of each kind, checked byte for byte.
fn check_borrows(py: Python<'_>, on: &str) {
    let s = Object::str(py, on.as_bytes()).unwrap();
    assert_eq!(s.read_buffer().unwrap().as_bytes().unwrap(), on.as_bytes());
    let ba = Object::bytearray(py, b"\x00\x01\xfe\xff").unwrap();
    let buf = ba.write_buffer().unwrap();
    let cells = buf.as_write_cells().unwrap();
    assert_eq!(
        cells.iter().map(|c| c.get()).collect::<Vec<_>>(),
        [0, 1, 254, 255]
    );
    cells[0].set(b'!');
    drop(buf);
    assert_eq!(ba.repr().unwrap(), "bytearray(b'!\\x01\\xfe\\xff')");
    let a = py
        .eval("__import__('array').array('h', [1, -1, 256])")
        .unwrap();
    let expected: Vec<u8> = [1i16, -1, 256]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    assert_eq!(a.read_buffer().unwrap().to_vec().unwrap(), expected);
    let u = Object::unicode(py, "thread").unwrap();
    assert_eq!(u.char_buffer().unwrap().as_bytes().unwrap(), b"thread");
    // SAFETY: GIL held (`py`).
    assert!(unsafe { ffi::PyErr_Occurred() }.is_null());
}

/// A reference count of a `__main__` object, from Python.
fn refcount_of(py: Python<'_>, name: &str) -> isize {
    py.eval(name).unwrap().refcount() - 1
}

#[test]
fn errors_dropped_on_another_thread_release_their_objects() {
    scenario(
        "errors_dropped_on_another_thread_release_their_objects",
        || {
            // The exception instance is kept in __main__, so its reference count
            // shows whether a dropped Error released its reference.
            let (err, held) = with_gil(|py| {
                py.run("class LifetimeError(Exception):\n    pass\n_lt_exc = LifetimeError('shared')\n")
                .unwrap();
                let before = refcount_of(py, "_lt_exc");
                let err = py.run("raise _lt_exc").unwrap_err();
                assert_eq!(
                    (class_name(&err), err.message()),
                    ("LifetimeError", "shared")
                );
                let held = refcount_of(py, "_lt_exc");
                // The Error's exception value is the one new reference.
                assert_eq!(held, before + 1, "the error's reference");
                (err, held)
            });

            // 1. Dropped without the GIL on a thread Python never saw: queued,
            // without touching Python there, and released by the next
            // with_gil.
            on_new_thread("drop without the GIL", move || {
                assert!(!python_knows_this_thread());
                drop(err);
                assert!(!python_knows_this_thread(), "the drop made a thread state");
            });
            let after = with_gil(|py| refcount_of(py, "_lt_exc"));
            println!("refcount of the exception: {held} held by the Error, {after} after the drop");
            assert_eq!(
                after,
                held - 1,
                "the next with_gil released the value dropped on another thread"
            );

            // 2. Dropped on another thread while this one holds the GIL: the
            // drop does not wait for the GIL (this thread never gives it up
            // here), and the value is released by this crate's next hold of
            // the GIL.
            let err = with_gil(|py| py.run("raise _lt_exc").unwrap_err());
            let held = with_gil(|py| refcount_of(py, "_lt_exc"));
            with_gil(|py| {
                let (tx, rx) = mpsc::channel();
                let dropper = std::thread::spawn(move || {
                    drop(err);
                    tx.send(()).unwrap();
                });
                rx.recv_timeout(Duration::from_secs(20))
                    .expect("the dropper waited for the GIL this thread holds");
                dropper.join().unwrap();
                assert_eq!(
                    refcount_of(py, "_lt_exc"),
                    held,
                    "released without the GIL?"
                );
                // A nested with_gil holds the GIL: it releases what was queued.
                with_gil(|_| ());
                assert_eq!(refcount_of(py, "_lt_exc"), held - 1);
                println!("dropped while this thread held the GIL: queued, then released");
            });

            // 3. Dropped by a thread-local destructor as a thread exits.
            thread_local! {
                static KEPT: std::cell::RefCell<Option<Error>> = const { std::cell::RefCell::new(None) };
            }
            let err = with_gil(|py| py.run("raise _lt_exc").unwrap_err());
            let held = with_gil(|py| refcount_of(py, "_lt_exc"));
            on_new_thread("drop in a TLS destructor", move || {
                KEPT.with(|k| *k.borrow_mut() = Some(err));
            });
            let after = with_gil(|py| refcount_of(py, "_lt_exc"));
            println!("thread-local destructor: {held} -> {after}");
            assert_eq!(
                after,
                held - 1,
                "the thread-local destructor released the value"
            );
        },
    );
}

/// The deadlock of issue 9: an `Error` dropped on a scoped thread while its
/// owner holds the GIL and joins that thread. Before the release pool the
/// drop blocked on the GIL forever. Its exception instance has a `__del__`
/// that records when it runs: not on the scoped thread, and not before the
/// crate next holds the GIL.
#[test]
fn an_error_dropped_on_a_scoped_thread_under_the_gil_does_not_deadlock() {
    scenario(
        "an_error_dropped_on_a_scoped_thread_under_the_gil_does_not_deadlock",
        || {
            with_gil(|py| {
                py.run(
                    "import thread\n\
                     deleted_on = []\n\
                     class Recorded(Exception):\n    \
                         def __del__(self):\n        \
                             deleted_on.append(thread.get_ident())\n",
                )
                .unwrap();
                let err = py.run("raise Recorded('scoped')").unwrap_err();
                assert_eq!(err.message(), "scoped");
                let dropper_ident = std::thread::scope(|scope| {
                    scope
                        .spawn(move || {
                            drop(err);
                            thread_ident()
                        })
                        .join()
                        .unwrap()
                });
                assert_eq!(
                    py.eval("deleted_on").unwrap().repr().unwrap(),
                    "[]",
                    "__del__ ran before this crate held the GIL again"
                );
                with_gil(|_| ());
                let deleted_on: usize = py
                    .eval("deleted_on[0]")
                    .unwrap()
                    .repr()
                    .unwrap()
                    .trim_end_matches('L')
                    .parse()
                    .unwrap();
                assert_eq!(py.eval("len(deleted_on)").unwrap().repr().unwrap(), "1");
                assert_eq!(deleted_on, thread_ident(), "released on the GIL holder");
                assert_ne!(deleted_on, dropper_ident);
                println!("the scoped thread's drop was queued; __del__ ran on the owner");
            });
        },
    );
}

/// Extension functions called on threads Python created
/// (`threading.Thread`), where `PyGILState_Ensure` finds the GIL already
/// held and Python takes it back when the call returns: a `with_gil` inside
/// nests in the lent GIL, and a thread-local destructor that calls `with_gil`
/// as the thread exits (after Python deleted its thread state) gets a thread
/// state of its own, runs Python and lets go again. (No token can be kept
/// for that destructor: the compile-fail tests `h1_token_*` show it.)
/// What `lt_ext.on_thread()` (below) records, and the thread-local probe it
/// leaves behind on each Python thread.
mod python_threads {
    use super::{python_knows_this_thread, thread_ident};
    use legacy_buffer::{py_module, with_gil, Object, Python, Result};
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Destructors that ran Python at thread exit and got the right answer.
    pub static AT_EXIT: AtomicUsize = AtomicUsize::new(0);
    /// Thread identities of the Python threads, seen from Rust.
    pub static SEEN: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

    struct EvalsAtExit;
    impl Drop for EvalsAtExit {
        fn drop(&mut self) {
            // Python deleted this thread's state before the OS thread
            // ended; with_gil makes one and removes it again.
            assert!(!python_knows_this_thread());
            let answer = with_gil(|py| py.eval("6 * 7").unwrap().repr().unwrap());
            assert!(!python_knows_this_thread());
            if answer == "42" {
                AT_EXIT.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    thread_local! {
        static PROBE: RefCell<Option<EvalsAtExit>> = const { RefCell::new(None) };
    }

    /// `lt_ext.on_thread()`: a nested with_gil inside the GIL Python lent
    /// the call, then the outer token again; leaves the probe behind.
    fn on_thread(py: Python<'_>) -> Result<Object<'_>> {
        let nested = with_gil(|inner| inner.eval("len('nested')")?.repr())?;
        assert_eq!(nested, "6");
        // The outer token still works after the nested call.
        let ident = py.eval("__import__('thread').get_ident()")?.repr()?;
        assert_eq!(ident.parse::<usize>().unwrap(), thread_ident());
        SEEN.lock().unwrap().push(thread_ident());
        PROBE.with(|p| *p.borrow_mut() = Some(EvalsAtExit));
        Ok(Object::none(py))
    }

    py_module! {
        module lt_ext {
            functions: {
                on_thread() => on_thread;
            }
        }
    }
}

/// Extension functions called on threads Python created
/// (`threading.Thread`), where `PyGILState_Ensure` finds the GIL already
/// held and Python takes it back when the call returns: a `with_gil` inside
/// nests in the lent GIL, and a thread-local destructor that calls `with_gil`
/// as the thread exits (after Python deleted its thread state) gets a thread
/// state of its own, runs Python and lets go again. (No token can be kept
/// for that destructor: the compile-fail tests `h1_token_*` show it.)
#[test]
fn with_gil_on_threads_python_created() {
    scenario("with_gil_on_threads_python_created", || {
        use python_threads::{lt_ext, AT_EXIT, SEEN};
        use std::sync::atomic::Ordering;

        const THREADS: usize = 4;
        lt_ext::init();
        with_gil(|py| {
            py.run(&format!(
                "import threading, lt_ext\n\
                 errors = []\n\
                 def run():\n    \
                     try:\n        lt_ext.on_thread()\n    \
                     except BaseException as e:\n        errors.append(repr(e))\n\
                 ts = [threading.Thread(target=run) for _ in range({THREADS})]\n\
                 for t in ts: t.start()\n\
                 for t in ts: t.join()\n"
            ))
            .unwrap();
            assert_eq!(py.eval("errors").unwrap().repr().unwrap(), "[]");
        });
        assert_eq!(SEEN.lock().unwrap().len(), THREADS);
        assert!(!SEEN.lock().unwrap().contains(&thread_ident()));
        // join() returns before the OS threads end and run their
        // thread-local destructors: wait for them, without the GIL.
        let started = Instant::now();
        while AT_EXIT.load(Ordering::SeqCst) < THREADS {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} of {THREADS} thread-local destructors ran Python",
                AT_EXIT.load(Ordering::SeqCst)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // The destructors took and gave back the GIL: it is free.
        on_new_thread("after the Python threads", || {
            with_gil(|py| check_borrows(py, "after the Python threads"))
        });
        println!(
            "{THREADS} Python threads: nested with_gil, and with_gil in a TLS destructor at exit"
        );
    });
}

/// `with_gil` after the interpreter is finalised (as a thread-local
/// destructor at process exit would call it): a panic that says so, never a
/// call into a dead interpreter.
#[test]
fn with_gil_after_py_finalize_panics() {
    scenario("with_gil_after_py_finalize_panics", || {
        with_gil(|py| check_borrows(py, "before finalising"));
        // SAFETY: no with_gil call runs on any thread and nothing of this
        // crate outlives the call above.
        unsafe {
            let _ = ffi::PyGILState_Ensure();
            ffi::Py_Finalize();
        }
        let caught = std::panic::catch_unwind(|| with_gil(|py| py.eval("1").is_ok()));
        let payload = caught.expect_err("with_gil ran after Py_Finalize");
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert_eq!(
            message,
            "legacy-buffer: with_gil called after the Python interpreter was finalised"
        );
        // The same from a thread Python never saw.
        on_new_thread("with_gil after finalising", || {
            assert!(std::panic::catch_unwind(|| with_gil(|_| ())).is_err());
        });
    });
}

/// `Error::type_name` is documented as the type "as Python's traceback prints
/// it: `TypeError` for built-in exceptions, `module.Name` for others".
/// Python 2.7's traceback prints `__module__` + `.` + the class name for
/// every exception class outside the `exceptions` module: `socket.timeout: t`
/// for a C module's exception made with `PyErr_NewException`, and
/// `__main__.LifetimeError: shared` for a class defined in Python. Both are
/// heap types whose `tp_name` is the bare name, which is what `type_name`
/// gives now. (Runs in-process; not a scenario.)
#[test]
fn error_type_name_includes_the_module_of_non_builtin_exceptions() {
    if std::env::var_os(SCENARIO_VAR).is_some() {
        return; // a child process runs only its own scenario
    }
    with_gil(|py| {
        // The interpreter's own display of an uncaught exception
        // (sys.__excepthook__, PyErr_Display in C). The traceback module's
        // format_exception_only prints bare class names instead: the
        // documentation of type_name promises the former.
        py.run(
            "class LifetimeError(Exception):\n    pass\n\
             def _lt_printed(code):\n\
             \x20   import sys, StringIO\n\
             \x20   try:\n\
             \x20       exec code in globals()\n\
             \x20   except Exception:\n\
             \x20       saved, sys.stderr = sys.stderr, StringIO.StringIO()\n\
             \x20       try:\n\
             \x20           sys.__excepthook__(*sys.exc_info())\n\
             \x20           return sys.stderr.getvalue().strip().splitlines()[-1]\n\
             \x20       finally:\n\
             \x20           sys.stderr = saved\n",
        )
        .unwrap();
        let mut wrong = Vec::new();
        for (code, printed) in [
            (
                "import socket\nraise socket.timeout('t')",
                "socket.timeout: t",
            ),
            (
                "raise LifetimeError('shared')",
                "__main__.LifetimeError: shared",
            ),
            // Built-in exceptions print bare.
            ("raise KeyError('k')", "KeyError: 'k'"),
        ] {
            // What the interpreter prints for it.
            let python = py.eval(&format!("_lt_printed({code:?})")).unwrap();
            let python = python.read_buffer().unwrap().to_vec().unwrap();
            assert_eq!(String::from_utf8_lossy(&python), printed);
            let e = py.run(code).unwrap_err();
            if e.to_string() != printed {
                wrong.push(format!(
                    "`{code}`: Error says `{e}`, Python prints `{printed}`"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    })
}

/// Looking up `__module__` runs Python code, which may fail, or rename the
/// class and free its old name: the name in the error is the one read
/// before (a use-after-free once; valgrind saw it). (Runs in-process; not a
/// scenario.)
#[test]
fn error_type_name_when_module_lookup_fails_or_renames_the_class() {
    if std::env::var_os(SCENARIO_VAR).is_some() {
        return; // a child process runs only its own scenario
    }
    with_gil(|py| {
        py.run(
            "class _LtRenaming(type):\n\
             \x20   @property\n\
             \x20   def __module__(cls):\n\
             \x20       cls.__name__ = 'Short'\n\
             \x20       _junk = ['Z' * 2000 for _ in range(50)]\n\
             \x20       return 'mod'\n\
             _LtRenamed = _LtRenaming('E', (Exception,), {})\n\
             _LtRenamed.__name__ = 'LongName' * 250\n",
        )
        .unwrap();
        // No `__module__` to be had: `<unknown>` in its place, as python2.7
        // prints it on stderr. (Not through sys.__excepthook__ into a
        // StringIO as above: PyFile_WriteString writes nothing to a Python
        // file object while the failed lookup's exception is set.)
        let e = py
            .run(
                "class _LtNoModule(type):\n\
                 \x20   @property\n\
                 \x20   def __module__(cls):\n\
                 \x20       raise AttributeError('no module')\n\
                 raise _LtNoModule('Orphan', (Exception,), {})('o')",
            )
            .unwrap_err();
        assert_eq!(e.to_string(), "<unknown>Orphan: o");

        let e = py.run("raise _LtRenamed('boom')").unwrap_err();
        assert_eq!(e.type_name(), format!("mod.{}", "LongName".repeat(250)));
        assert_eq!(e.message(), "boom");
        // The class was renamed by the lookup, as the property says.
        let renamed = py.eval("_LtRenamed.__name__").unwrap();
        assert_eq!(renamed.read_buffer().unwrap().to_vec().unwrap(), b"Short");
    })
}
