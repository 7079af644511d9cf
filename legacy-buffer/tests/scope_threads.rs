//! Issue 17's unclean cases around a no-Python scope and other threads, in
//! a test binary of their own: the wait limit they set is process-wide.
//!
//! A scope keeps the GIL until its closure returns. A thread that calls
//! `with_gil` meanwhile waits for it; if the closure joins that thread, the
//! two would wait for each other for ever. The waiting thread panics
//! instead, once one scope has kept the GIL from it past the limit
//! (`set_scope_wait_limit`), and the panic reaches the closure through the
//! join. A thread the closure does not wait for simply waits for the scope
//! to end, then runs.

use legacy_buffer::{no_python, set_scope_wait_limit, with_gil, Bytes, Object};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The deadlock of the issue: a scoped thread started and joined inside
/// `with_write_bytes` calls `with_gil`. Before the fix it hung for ever;
/// now the thread panics, naming the scope, and the closure sees it.
#[test]
fn a_thread_joined_inside_a_scope_cannot_take_the_gil_and_says_why() {
    let _serial = serial();
    set_scope_wait_limit(Some(Duration::from_millis(300)));
    with_gil(|py| {
        let ba = py.eval("bytearray(b'abcd')").unwrap();
        let (message, waited) = ba
            .with_write_bytes(|bytes| {
                bytes[0] = b'X';
                let began = Instant::now();
                let joined =
                    std::thread::scope(|s| s.spawn(|| with_gil(|py| py.eval("1").is_ok())).join());
                let payload = joined.expect_err("the thread took the GIL inside the scope");
                (panic_message(&*payload), began.elapsed())
            })
            .unwrap();
        assert!(
            message.starts_with("legacy-buffer: with_gil waited ")
                && message.contains(
                    "for a no-Python scope (no_python, with_read_bytes, ...) on another thread \
                     to end"
                ),
            "{message}"
        );
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        // The scope ended normally: Python runs again, and saw the write.
        assert_eq!(ba.repr().unwrap(), "bytearray(b'Xbcd')");
    });
    set_scope_wait_limit(Some(Duration::from_secs(10)));
}

/// A thread the scope does not wait for takes the GIL once the scope has
/// ended, however long that takes below the limit, and never panics.
#[test]
fn a_thread_started_inside_a_scope_runs_after_it() {
    let _serial = serial();
    set_scope_wait_limit(Some(Duration::from_secs(60)));
    static SCOPE_OVER: AtomicBool = AtomicBool::new(false);
    let (done, finished) = mpsc::channel();
    with_gil(|py| {
        let s = Object::str(py, b"scope").unwrap();
        let buf = s.read_buffer().unwrap();
        no_python(Bytes(&buf), |bytes| {
            let done = done.clone();
            std::thread::spawn(move || {
                let saw_scope_over = with_gil(|py| {
                    let over = SCOPE_OVER.load(Ordering::SeqCst);
                    py.eval("2 + 2").unwrap().repr().unwrap() == "4" && over
                });
                done.send(saw_scope_over).unwrap();
            });
            // Long enough for the thread to be waiting.
            std::thread::sleep(Duration::from_millis(200));
            assert_eq!(bytes, b"scope");
            SCOPE_OVER.store(true, Ordering::SeqCst);
        })
        .unwrap();
    });
    let ran_after = finished.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(
        ran_after,
        "the thread ran Python while the scope was active"
    );
    set_scope_wait_limit(Some(Duration::from_secs(10)));
}

/// `None`: wait for ever (here, for a scope that outlasts the short limit
/// set before, which would otherwise have made the thread panic).
#[test]
fn no_limit_waits_as_long_as_the_scope_lasts() {
    let _serial = serial();
    set_scope_wait_limit(Some(Duration::from_millis(50)));
    set_scope_wait_limit(None);
    let waiter = with_gil(|py| {
        let s = Object::str(py, b"long").unwrap();
        let buf = s.read_buffer().unwrap();
        no_python(Bytes(&buf), |_| {
            let waiter = std::thread::spawn(|| with_gil(|py| py.eval("3").is_ok()));
            std::thread::sleep(Duration::from_millis(300));
            waiter
        })
        .unwrap()
    });
    // Joined once the GIL is free again.
    assert!(waiter.join().expect("the waiting thread panicked"));
    set_scope_wait_limit(Some(Duration::from_secs(10)));
}
