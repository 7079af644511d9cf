//! Issue 9, hole 3: a call that succeeds with a Python exception still set
//! (an exporter's proc, or any C function, with that bug) must not pass the
//! exception on. Every call of the safe API that can run foreign C code
//! turns it into a `SystemError` naming what misbehaved, whose `source()` is
//! the stray exception, and leaves no exception set. And issue 9's unclean
//! case: `to_vec` of a buffer too large to copy is a `MemoryError`, not an
//! abort.
//!
//! The misbehaving code is the `hostile` test module's: `Stray`, whose procs
//! succeed with `KeyError('stray')` set (while `set_strays(True)`, the
//! default), `leave_exception()`, a function that returns `None` with
//! `KeyError('left set')` set, and `Enormous`, whose procs report
//! `PY_SSIZE_T_MAX` bytes.

use legacy_buffer::{
    ffi, py_module, with_gil, Borrowed, BufferKind, Error, Object, Python, Result,
};
use legacy_buffer_tests::modules::{eval, eval_repr, import_hostile};
use legacy_buffer_tests::oracle::{assert_clear, raw_borrow, take_error, Function};
use std::error::Error as _;

fn stray_message(function: Function, type_name: &str) -> String {
    format!(
        "{}: the buffer exporter of '{type_name}' succeeded but left an exception set \
         (KeyError: 'stray')",
        function.c_name()
    )
}

#[track_caller]
fn assert_stray(py: Python<'_>, e: &Error, message: &str) {
    assert_eq!((e.type_name(), e.message()), ("SystemError", message));
    let cause = e.source().expect("the stray exception is the source");
    assert_eq!(cause.to_string(), "KeyError: 'stray'");
    assert_clear(py, message);
}

/// The C function really does pass the exception on (so the test is about
/// something), and the safe API does not.
#[test]
fn a_borrow_whose_proc_leaves_an_exception_set_is_a_system_error() {
    with_gil(|py| {
        import_hostile(py);
        let mut checked = 0;
        for (expr, type_name) in [
            ("hostile.Stray(5)", "hostile.Stray"),
            // The buffer object calls its base's procs.
            ("buffer(hostile.Stray(5))", "buffer"),
        ] {
            for function in Function::ALL {
                let what = format!("{expr} {}", function.c_name());
                let oracle = eval(py, expr);
                let raw = raw_borrow(py, &oracle, function);
                // SAFETY: GIL held.
                let left_set = !unsafe { ffi::PyErr_Occurred() }.is_null();
                let left = take_error(py);
                let obj = eval(py, expr);
                let safe = function.safe(&obj);
                assert_clear(py, &what);
                match raw {
                    Ok(_) => {
                        assert!(left_set, "{what}: C succeeded without the stray");
                        assert_eq!(left.to_string(), "KeyError: 'stray'", "{what}");
                        let e = safe.expect_err(&what);
                        assert_stray(py, &e, &stray_message(function, type_name));
                        // Raised again, it is the SystemError; the stray is gone.
                        e.restore(py);
                        let raised = take_error(py);
                        assert_eq!(raised.type_name, "SystemError");
                        assert_eq!(raised.message, stray_message(function, type_name));
                        assert_clear(py, &what);
                        checked += 1;
                    }
                    // buffer objects are read-only: refused before any proc.
                    Err(c) => {
                        let e = safe.expect_err(&what);
                        assert_eq!((e.type_name(), e.message()), (&*c.type_name, &*c.message));
                    }
                }
            }
        }
        assert_eq!(checked, 5, "3 on Stray, char and read on buffer(Stray)");

        // The no-Python scope asks the same procs: the same SystemError,
        // and the closure never runs.
        let obj = eval(py, "hostile.Stray(5)");
        let ran = std::sync::atomic::AtomicBool::new(false);
        for (function, result) in [
            (
                Function::Char,
                obj.with_char_bytes(|_| ran.store(true, std::sync::atomic::Ordering::SeqCst)),
            ),
            (
                Function::Read,
                obj.with_read_bytes(|_| ran.store(true, std::sync::atomic::Ordering::SeqCst)),
            ),
            (
                Function::Write,
                obj.with_write_bytes(|_| ran.store(true, std::sync::atomic::Ordering::SeqCst)),
            ),
        ] {
            assert_stray(
                py,
                &result.unwrap_err(),
                &stray_message(function, "hostile.Stray"),
            );
        }
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    })
}

/// An Unpinned buffer asks again on every copy: a stray exception then is
/// the same `SystemError`.
#[test]
fn asking_again_with_an_exception_left_set_is_a_system_error() {
    with_gil(|py| {
        import_hostile(py);
        py.run("hostile.set_strays(False)").unwrap();
        let obj = eval(py, "hostile.Stray(5)");
        let buf = obj.write_buffer().unwrap();
        assert_eq!(buf.kind(), BufferKind::Unpinned);
        assert_eq!(buf.to_vec().unwrap(), [0, 1, 2, 3, 4]);
        py.run("hostile.set_strays(True)").unwrap();
        let message = stray_message(Function::Write, "hostile.Stray");
        assert_stray(py, &buf.to_vec().unwrap_err(), &message);
        assert_stray(py, &buf.read_at(0, &mut [0; 2]).unwrap_err(), &message);
        assert_stray(py, &buf.write_at(0, b"xy").unwrap_err(), &message);
        py.run("hostile.set_strays(False)").unwrap();
        // Nothing was written by the refused write_at.
        assert_eq!(buf.to_vec().unwrap(), [0, 1, 2, 3, 4]);
        py.run("hostile.set_strays(True)").unwrap();
    })
}

/// lt_stray.length(obj): the read buffer's length (`METH_O`), through the
/// trampoline `py_module!` runs every function in.
fn length(_py: Python<'_>, arg: Borrowed<'_, '_>) -> Result<usize> {
    Ok(arg.read_buffer()?.len())
}

/// lt_stray.sloppy(): a body that (through `unsafe`, the only way safe code
/// could not) sets an exception and returns a result anyway.
fn sloppy(py: Python<'_>) -> Result<Object<'_>> {
    // Setting an exception and succeeding is the bug the trampoline must
    // catch: no safe API leaves one set, so this one line stays `unsafe`.
    // SAFETY: GIL held (`py`); the exception type is a valid class and the
    // message a NUL-terminated static string.
    unsafe { ffi::PyErr_SetString(ffi::PyExc_KeyError, c"sloppy".as_ptr()) };
    Ok(Object::none(py))
}

py_module! {
    module lt_stray {
        functions: {
            length(arg) => length;
            sloppy() => sloppy;
        }
    }
}

fn import_lt_stray(py: Python<'_>) {
    // Initialising twice only rebinds the module.
    lt_stray::init();
    py.run("import lt_stray").unwrap();
}

/// The scenario: an extension function borrows from `Stray`. Before
/// the fix it returned a result with `KeyError('stray')` set, and an
/// unrelated `for` loop later raised it (python2.7-dbg: "XXX undetected
/// error"). Now the call raises the `SystemError`, and the loop runs.
#[test]
fn an_extension_function_does_not_pass_a_stray_exception_on() {
    with_gil(|py| {
        import_hostile(py);
        import_lt_stray(py);
        py.run(
            "try:\n    lt_stray.length(hostile.Stray(3))\n    st_outcome = 'returned'\n\
             except SystemError as e:\n    st_outcome = str(e)\n\
             st_keys = [k for k in {'a': 1, 'b': 2}]\n\
             for st_i in range(3):\n    pass\n",
        )
        .unwrap();
        assert_eq!(
            eval_repr(py, "st_outcome"),
            format!("{:?}", stray_message(Function::Read, "hostile.Stray"))
        );
        assert_eq!(eval_repr(py, "sorted(st_keys)"), "['a', 'b']");
        assert_eq!(eval_repr(py, "lt_stray.length('four')"), "4");
    })
}

/// The trampoline itself refuses a body's result that comes with an
/// exception set.
#[test]
fn the_trampoline_refuses_a_result_with_an_exception_set() {
    with_gil(|py| {
        import_lt_stray(py);
        let e = py.run("lt_stray.sloppy()").unwrap_err();
        assert_eq!(e.type_name(), "SystemError");
        assert_eq!(
            e.message(),
            "an extension function returned a result with an exception set (KeyError: 'sloppy')"
        );
        assert_clear(py, "sloppy()");
        py.run("for st_j in range(3):\n    pass\n").unwrap();
    })
}

/// Evaluating Python code that calls such a function: the interpreter
/// passes the exception on with the result (release and debug builds
/// alike), and `eval` makes it a `SystemError`.
#[test]
fn eval_does_not_pass_a_stray_exception_on() {
    with_gil(|py| {
        import_hostile(py);
        let e = py.eval("hostile.leave_exception()").unwrap_err();
        assert_clear(py, "leave_exception()");
        assert_eq!(
            e.to_string(),
            "SystemError: PyRun_String returned a result with an exception set \
             (KeyError: 'left set')"
        );
        assert_eq!(e.source().unwrap().to_string(), "KeyError: 'left set'");
        assert_eq!(eval_repr(py, "[k for k in {'x': 0}]"), "['x']");
    })
}

/// Issue 9's unclean case: a copy of a buffer reporting `PY_SSIZE_T_MAX`
/// bytes is a `MemoryError`, as Python would raise; the process does not
/// abort.
#[test]
fn copying_an_enormous_buffer_is_a_memory_error() {
    with_gil(|py| {
        import_hostile(py);
        let obj = eval(py, "hostile.Enormous(8)");
        for function in Function::ALL {
            let buf = function.safe(&obj).unwrap();
            assert_eq!(buf.kind(), BufferKind::Unpinned);
            assert_eq!(buf.len(), isize::MAX as usize);
            let e = buf.to_vec().unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "MemoryError: cannot allocate {} bytes for a copy of the buffer",
                    isize::MAX
                )
            );
            assert_clear(py, "to_vec");
            // What is really there can still be read.
            let mut head = [0u8; 8];
            buf.read_at(0, &mut head).unwrap();
            assert_eq!(head, [0, 1, 2, 3, 4, 5, 6, 7]);
        }
        // Raised in Python, it is a MemoryError.
        let e = obj.read_buffer().unwrap().to_vec().unwrap_err();
        e.restore(py);
        let raised = take_error(py);
        assert_eq!(raised.type_name, "MemoryError");
    })
}
