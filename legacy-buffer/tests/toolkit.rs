//! The porting toolkit against the real interpreter: a module made by
//! `py_module!` (every calling convention, exception classes, constants,
//! docstrings), results as Python sees them, `str` built in place, and
//! `allow_threads`.

use legacy_buffer::extension::{Args, Converted, Converter, Long, Str};
use legacy_buffer::{ffi, Bytes};
use legacy_buffer::{
    py_format, py_module, with_gil, Borrowed, Error, ExceptionType, Object, Python, Result,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tests that look at process-wide state (the module, `allow_threads`)
/// run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn import(py: Python<'_>) {
    toolkit_demo::init();
    py.run("import toolkit_demo as td").unwrap();
}

fn repr(py: Python<'_>, expr: &str) -> String {
    py.eval(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .repr()
        .unwrap()
}

/// The repr, on the running line, of a byte string that Python 2 writes
/// as `quoted` (its `str`, what a new str built in place and `Vec<u8>`
/// results are there): Python 3's `bytes` write it with a `b` before.
fn bytes_repr(quoted: &str) -> String {
    if ffi::PY3 {
        format!("b{quoted}")
    } else {
        quoted.to_owned()
    }
}

fn no_exception_set(_py: Python<'_>) -> bool {
    // SAFETY: GIL held (`_py`).
    unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// results(which) -> a Rust value of each kind.
fn results<'py>(py: Python<'py>, which: Borrowed<'_, 'py>) -> Result<Object<'py>> {
    use legacy_buffer::extension::IntoPyObject;
    let which = which.repr()?;
    match which.trim_matches('\'') {
        "i64 max" => i64::MAX.into_object(py),
        "i64 min" => i64::MIN.into_object(py),
        "u64 max" => u64::MAX.into_object(py),
        "u64 long max" => (i64::MAX as u64).into_object(py),
        "u64 long max + 1" => (i64::MAX as u64 + 1).into_object(py),
        "u8" => 255u8.into_object(py),
        "bool" => (true, false).into_object(py),
        "f64" => 0.5f64.into_object(py),
        "f32" => 0.25f32.into_object(py),
        "unit" => ().into_object(py),
        "bytes" => (&b"a\x00b"[..]).into_object(py),
        "vec" => vec![0xffu8, 1].into_object(py),
        "str" => "h\u{e9}".into_object(py),
        "string" => String::from("\u{20ac}").into_object(py),
        "Str" => Str("h\u{e9}").into_object(py),
        "long" => Long(1u32).into_object(py),
        "long neg" => Long(-2i64).into_object(py),
        "some" => Some(7u8).into_object(py),
        "none" => None::<u8>.into_object(py),
        "tuple" => (1u8, (b"x", "y"), None::<u8>, 2.5f64).into_object(py),
        other => Err(Error::new(
            ExceptionType::ValueError,
            format!("unknown {other}"),
        )),
    }
}

/// echo(*args, **kwargs) -> (number of positional arguments, repr of the
/// keyword dict or 'None').
fn echo(_py: Python<'_>, args: Args<'_, '_>) -> Result<(usize, Vec<u8>)> {
    let keywords = match args.kwargs() {
        Some(kwargs) => kwargs.repr()?.into_bytes(),
        None => b"None".to_vec(),
    };
    Ok((args.len(), keywords))
}

/// nothing() -> None.
fn nothing(_py: Python<'_>) -> Result<()> {
    Ok(())
}

/// fail(kind) -> raises.
fn fail<'py>(_py: Python<'py>, kind: Borrowed<'_, 'py>) -> Result<()> {
    match kind.repr()?.trim_matches('\'') {
        "own" => Err(OwnError.err("own message")),
        "derived" => Err(DerivedIo.err("io message")),
        "grandchild" => Err(IoGrandchild.err("deep")),
        "uninitialised" => Err(NeverAdded.err("never added")),
        "builtin" => Err(Error::new(ExceptionType::KeyError, "k")),
        "no value" => Err(Error::without_value(ExceptionType::ValueError)),
        "panic" => panic!("a panic in a module function"),
        _ => Ok(()),
    }
}

/// The module attribute `TABLE`, made at import.
fn make_table(py: Python<'_>) -> Result<Object<'_>> {
    py.eval("{'a': 1}")
}

/// A module attribute whose making fails.
fn make_nothing(_py: Python<'_>) -> Result<Object<'_>> {
    Err(Error::new(ExceptionType::ValueError, "no table today"))
}

/// How many times `Small::convert` ran.
static CONVERSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// An `O&` converter: an int below 10, or the converter's own ValueError
/// (a TypeError from the int conversion passes through as it is).
struct Small(i64);

impl<'a, 'py> Converter<'a, 'py> for Small {
    fn convert(arg: Borrowed<'a, 'py>) -> Result<Small> {
        CONVERSIONS.fetch_add(1, Ordering::SeqCst);
        let n = arg.to_long_long()?;
        if n >= 10 {
            return Err(Error::new(
                ExceptionType::ValueError,
                format!("{n} is not small"),
            ));
        }
        Ok(Small(n))
    }
}

/// converted(a, b=None): `O&|O&`, with keywords.
fn converted(_py: Python<'_>, args: Args<'_, '_>) -> Result<(i64, Option<i64>)> {
    let parser = args
        .parser(py_format!("O&|O&:converted"))
        .keywords(&["a", "b"]);
    let (Converted(a), b): (Converted<Small>, Option<Converted<Small>>) = parser.parse()?;
    Ok((a.0, b.map(|Converted(b)| b.0)))
}

/// Never added to a module: raising it says so. (Named as Python names it.)
#[allow(non_upper_case_globals)]
static NeverAdded: legacy_buffer::extension::ModuleException =
    legacy_buffer::extension::ModuleException::new(c"toolkit.NeverAdded", ExceptionType::Exception);

py_module! {
    module toolkit_demo {
        doc: "The toolkit's test module.",
        functions: {
            results(arg) => results, "results(which) -> a Rust value of each kind";
            echo(args, kwargs) => echo, "echo(*args, **kwargs)";
            echo_positional(args) => echo, "echo_positional(*args)";
            nothing() => nothing, "nothing() -> None";
            fail(arg) => fail, "fail(kind): raises";
            // No docstring, in each calling convention: `__doc__` is None.
            undocumented() => nothing;
            undocumented_o(arg) => fail;
            undocumented_varargs(args) => echo;
            undocumented_keywords(args, kwargs) => echo;
            // A Rust keyword, as a raw identifier: Python's name is `type`.
            r#type(arg) => fail, "type(kind)";
            converted(args, kwargs) => converted, "converted(a, b=None)";
        }
        exceptions: {
            // Declared before its base: the base is made first all the same.
            OwnChild(self::OwnError) = "toolkit_demo.OwnChild";
            OwnError(Exception) = "toolkit_demo.OwnError";
            DerivedIo(IOError) = "toolkit_demo.errors.DerivedIo";
            IoGrandchild(self::IoChild) = "toolkit_demo.IoGrandchild";
            IoChild(self::DerivedIo) = "toolkit_demo.IoChild";
        }
        constants: {
            ANSWER: int = 42;
            BIG: int = i64::MIN;
            NAME: str = "toolkit \u{e9}";
            TABLE: object = make_table;
        }
    }
}

#[test]
fn the_module_has_its_functions_docstrings_and_constants() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        assert_eq!(repr(py, "td.__doc__"), "\"The toolkit's test module.\"");
        assert_eq!(repr(py, "td.nothing.__doc__"), "'nothing() -> None'");
        assert_eq!(repr(py, "td.echo.__doc__"), "'echo(*args, **kwargs)'");
        // Without a docstring, `ml_doc` is NULL: None, as a C module gives,
        // not ''; and the function works as with one.
        for f in [
            "undocumented",
            "undocumented_o",
            "undocumented_varargs",
            "undocumented_keywords",
        ] {
            assert_eq!(repr(py, &format!("td.{f}.__doc__")), "None", "{f}");
            assert_eq!(repr(py, &format!("td.{f}.__name__")), format!("'{f}'"));
        }
        assert_eq!(repr(py, "td.undocumented()"), "None");
        assert_eq!(repr(py, "td.undocumented_o('other')"), "None");
        // echo's Vec<u8>: Python 2's str, Python 3's bytes.
        assert_eq!(
            repr(py, "td.undocumented_keywords(1, k=2)"),
            format!("(1, {})", bytes_repr("\"{'k': 2}\""))
        );
        assert_eq!(repr(py, "td.results.__name__"), "'results'");
        assert_eq!(repr(py, "td.ANSWER"), "42");
        assert_eq!(repr(py, "td.BIG"), "-9223372036854775808");
        // A str constant is the native str: Python 2's (the UTF-8 bytes),
        // Python 3's (the text).
        let name = if ffi::PY3 {
            "'toolkit \u{e9}'"
        } else {
            "'toolkit \\xc3\\xa9'"
        };
        assert_eq!(repr(py, "td.NAME"), name);
        assert_eq!(repr(py, "type(td.NAME).__name__"), "'str'");
        assert_eq!(repr(py, "td.nothing()"), "None");
        // Python enforces the calling conventions the table declares, in
        // its own words: Python 3 names the function with its module,
        // except for keywords passed to a METH_VARARGS one (as
        // `_thread.start_new_thread(k=1)` says too).
        let qualified = if ffi::PY3 { "toolkit_demo." } else { "" };
        let e = py.run("td.nothing(1)").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("TypeError: {qualified}nothing() takes no arguments (1 given)")
        );
        let e = py.run("td.results()").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("TypeError: {qualified}results() takes exactly one argument (0 given)")
        );
        let e = py.run("td.echo_positional(k=1)").unwrap_err();
        assert_eq!(
            e.to_string(),
            "TypeError: echo_positional() takes no keyword arguments"
        );
        // The keyword dict as each line orders it: Python 2 by hash, Python
        // 3 as passed.
        let keywords = if ffi::PY3 {
            "\"{'b': 3, 'a': 4}\""
        } else {
            "\"{'a': 4, 'b': 3}\""
        };
        assert_eq!(
            repr(py, "td.echo(1, 2, b=3, a=4)"),
            format!("(2, {})", bytes_repr(keywords))
        );
        assert_eq!(
            repr(py, "td.echo()"),
            format!("(0, {})", bytes_repr("'None'"))
        );
        assert_eq!(
            repr(py, "td.echo_positional(1)"),
            format!("(1, {})", bytes_repr("'None'"))
        );
        // A second init (reload) rebinds the same classes.
        let before = repr(py, "id(td.OwnError)");
        toolkit_demo::init();
        py.run("import toolkit_demo as td").unwrap();
        assert_eq!(repr(py, "id(td.OwnError)"), before);
        assert!(no_exception_set(py));
    })
}

#[test]
fn results_are_what_py_buildvalue_makes() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        // What Python 2 makes of each, and what Python 3 does (one integer
        // type, bytes for byte strings, text for Rust strings and Str).
        let py2 = [
            ("i64 max", "9223372036854775807", "int"),
            ("i64 min", "-9223372036854775808", "int"),
            ("u64 long max", "9223372036854775807", "int"),
            ("u64 long max + 1", "9223372036854775808L", "long"),
            ("u64 max", "18446744073709551615L", "long"),
            ("u8", "255", "int"),
            ("bool", "(True, False)", "tuple"),
            ("f64", "0.5", "float"),
            ("f32", "0.25", "float"),
            ("unit", "None", "NoneType"),
            ("bytes", "'a\\x00b'", "str"),
            ("vec", "'\\xff\\x01'", "str"),
            ("str", "u'h\\xe9'", "unicode"),
            ("string", "u'\\u20ac'", "unicode"),
            ("Str", "'h\\xc3\\xa9'", "str"),
            ("long", "1L", "long"),
            ("long neg", "-2L", "long"),
            ("some", "7", "int"),
            ("none", "None", "NoneType"),
            ("tuple", "(1, ('x', u'y'), None, 2.5)", "tuple"),
        ];
        let py3 = [
            ("i64 max", "9223372036854775807", "int"),
            ("i64 min", "-9223372036854775808", "int"),
            ("u64 long max", "9223372036854775807", "int"),
            ("u64 long max + 1", "9223372036854775808", "int"),
            ("u64 max", "18446744073709551615", "int"),
            ("u8", "255", "int"),
            ("bool", "(True, False)", "tuple"),
            ("f64", "0.5", "float"),
            ("f32", "0.25", "float"),
            ("unit", "None", "NoneType"),
            ("bytes", "b'a\\x00b'", "bytes"),
            ("vec", "b'\\xff\\x01'", "bytes"),
            ("str", "'h\u{e9}'", "str"),
            ("string", "'\u{20ac}'", "str"),
            ("Str", "'h\u{e9}'", "str"),
            ("long", "1", "int"),
            ("long neg", "-2", "int"),
            ("some", "7", "int"),
            ("none", "None", "NoneType"),
            ("tuple", "(1, (b'x', 'y'), None, 2.5)", "tuple"),
        ];
        let cases = if ffi::PY3 { py3 } else { py2 };
        for (which, want, ty) in cases {
            let got = repr(py, &format!("td.results({which:?})"));
            assert_eq!(got, want, "{which}");
            let got_ty = repr(py, &format!("type(td.results({which:?})).__name__"));
            assert_eq!(got_ty, format!("'{ty}'"), "{which}");
        }
    })
}

#[test]
fn errors_raise_the_module_classes_and_panics_become_system_error() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        let e = py.run("td.fail('own')").unwrap_err();
        assert_eq!(e.to_string(), "toolkit_demo.OwnError: own message");
        assert_eq!(repr(py, "issubclass(td.OwnError, Exception)"), "True");
        let e = py.run("td.fail('derived')").unwrap_err();
        assert_eq!(e.to_string(), "toolkit_demo.errors.DerivedIo: io message");
        assert_eq!(repr(py, "issubclass(td.DerivedIo, IOError)"), "True");
        assert_eq!(repr(py, "td.DerivedIo.__module__"), "'toolkit_demo.errors'");
        // A function named by a raw identifier.
        assert_eq!(
            repr(py, "(td.type.__name__, td.type.__doc__)"),
            "('type', 'type(kind)')"
        );
        assert_eq!(repr(py, "td.type('none')"), "None");
        // Classes derived from the module's own.
        assert_eq!(repr(py, "td.OwnChild.__bases__ == (td.OwnError,)"), "True");
        assert_eq!(repr(py, "td.IoChild.__bases__ == (td.DerivedIo,)"), "True");
        assert_eq!(
            repr(
                py,
                "td.IoGrandchild.__mro__[1:3] == (td.IoChild, td.DerivedIo)"
            ),
            "True"
        );
        py.run("try:\n    td.fail('grandchild')\nexcept td.DerivedIo as e:\n    tk_deep = (type(e).__name__, str(e))\n")
            .unwrap();
        assert_eq!(repr(py, "tk_deep"), "('IoGrandchild', 'deep')");
        // Caught by class in Python.
        py.run("try:\n    td.fail('own')\nexcept td.OwnError as e:\n    tk_caught = str(e)\n")
            .unwrap();
        assert_eq!(repr(py, "tk_caught"), "'own message'");
        let e = py.run("td.fail('uninitialised')").unwrap_err();
        assert_eq!(
            e.to_string(),
            "SystemError: toolkit.NeverAdded raised before its module was initialised: never added"
        );
        let e = py.run("td.fail('builtin')").unwrap_err();
        assert_eq!(e.to_string(), "KeyError: 'k'");
        let e = py.run("td.fail('panic')").unwrap_err();
        assert_eq!(
            e.to_string(),
            "SystemError: Rust panic: a panic in a module function"
        );
        assert!(no_exception_set(py));
    })
}

#[test]
fn a_str_is_built_in_place() {
    let _serial = serial();
    with_gil(|py| {
        let s = Object::new_str(py, 10)
            .fill(|(), out| {
                out[..3].copy_from_slice(b"abc");
                Ok(3)
            })
            .unwrap();
        assert_eq!(s.repr().unwrap(), bytes_repr("'abc'"));
        // The bytes were written into the object itself: its buffer is
        // where they are, and its length the shrunk one.
        assert_eq!(s.read_buffer().unwrap().as_bytes().unwrap(), b"abc");
        let full = Object::new_str(py, 4)
            .fill(|(), out| {
                out.copy_from_slice(b"full");
                Ok(4)
            })
            .unwrap();
        assert_eq!(full.repr().unwrap(), bytes_repr("'full'"));
        let empty = Object::new_str(py, 0)
            .fill(|(), out| Ok(out.len()))
            .unwrap();
        assert_eq!(empty.repr().unwrap(), bytes_repr("''"));
        let shrunk_to_nothing = Object::new_str(py, 100).fill(|(), _| Ok(0)).unwrap();
        assert_eq!(shrunk_to_nothing.repr().unwrap(), bytes_repr("''"));
        // What fill says goes.
        let e = Object::new_str(py, 2).fill(|(), _| Ok(3)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SystemError: 3 bytes written into a new str of 2"
        );
        // The bytes start zeroed: never uninitialised memory in a slice.
        let seen = Object::new_str(py, 64)
            .fill(|(), out| Ok(out.iter().filter(|&&b| b == 0).count()))
            .unwrap();
        assert_eq!(
            seen.repr().unwrap(),
            bytes_repr(&format!("'{}'", "\\x00".repeat(64)))
        );
        // Inputs of any exporter lent with it, in the same scope.
        let a = py
            .eval("__import__('array').array('B', [1, 2, 3])")
            .unwrap();
        let ba = py.eval("bytearray(b'xy')").unwrap();
        let (abuf, babuf) = (a.read_buffer().unwrap(), ba.read_buffer().unwrap());
        let joined = Object::new_str(py, 8)
            .from((Bytes(&abuf), Bytes(&babuf)))
            .fill(|(x, y), out| {
                out[..x.len()].copy_from_slice(x);
                out[x.len()..x.len() + y.len()].copy_from_slice(y);
                Ok(x.len() + y.len())
            })
            .unwrap();
        assert_eq!(joined.repr().unwrap(), bytes_repr("'\\x01\\x02\\x03xy'"));
        // With the GIL released (kept, on builds with Py_TRACE_REFS), from
        // an immutable byte string: Python 2's str, Python 3's bytes (its
        // str, text, has no buffer to lend).
        if ffi::PY3 {
            let e = py.eval("'released'").unwrap().read_buffer().unwrap_err();
            assert_eq!(
                e.to_string(),
                "TypeError: a bytes-like object is required, not 'str'"
            );
        }
        let text = py.eval("b'released' * 1000").unwrap();
        let tbuf = text.read_buffer().unwrap();
        let copied = Object::new_str(py, tbuf.len())
            .from(Bytes(&tbuf))
            .release_gil_from(0)
            .fill(|input, out| {
                out.copy_from_slice(input);
                Ok(input.len())
            })
            .unwrap();
        assert_eq!(repr(py, "b'released' * 1000"), copied.repr().unwrap());
        let e = Object::new_str(py, 2)
            .fill(|(), _| Err(Error::new(ExceptionType::ValueError, "no")))
            .unwrap_err();
        assert_eq!(e.to_string(), "ValueError: no");
        // Too large to allocate: Python's error, nothing left set.
        let e = Object::new_str(py, usize::MAX / 2)
            .fill(|(), _| Ok(0))
            .unwrap_err();
        assert!(
            matches!(e.type_name(), "OverflowError" | "MemoryError"),
            "{e}"
        );
        // No Python while the new str is a &mut [u8].
        let caught = std::panic::catch_unwind(|| {
            with_gil(|py| {
                Object::new_str(py, 1)
                    .fill(|(), _| Ok(with_gil(|_| 0)))
                    .map(drop)
            })
        });
        assert!(caught.is_err());
        assert!(no_exception_set(py));
    })
}

#[test]
fn a_str_is_written_through_a_str_buf() {
    let _serial = serial();
    with_gil(|py| {
        // push, spare + advance, and what was lent but not counted.
        let s = Object::new_str(py, 16)
            .fill_buf(|(), out| {
                assert_eq!((out.len(), out.capacity(), out.remaining()), (0, 16, 16));
                out.push(b"ab")?;
                let room = out.spare(6)?;
                assert_eq!(room, &[0; 6][..], "spare room starts zeroed");
                room[..4].copy_from_slice(b"cdef");
                out.advance(3)?;
                // Lent again: what was written there is kept, not zeroed.
                assert_eq!(&out.spare(3)?[..], b"f\0\0");
                out.advance(1)?;
                out.filled_mut()[0] = b'A';
                assert_eq!(out.filled(), b"Abcdef");
                // Past what spare lent, past the capacity: errors, nothing written.
                let e = out.advance(3).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    "SystemError: StrBuf::advance(3) past the 2 bytes lent by spare"
                );
                let e = out.spare(11).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    "SystemError: 11 more bytes into a new str of 16 holding 6"
                );
                assert!(out.push(&[b'x'; 11]).is_err());
                assert_eq!(out.len(), 6);
                Ok(())
            })
            .unwrap();
        assert_eq!(s.repr().unwrap(), bytes_repr("'Abcdef'"));
        assert_eq!(s.read_buffer().unwrap().len(), 6);
        // Filled to the capacity; nothing at all; an error from fill.
        let full = Object::new_str(py, 3)
            .fill_buf(|(), out| out.push(b"xyz"))
            .unwrap();
        assert_eq!(full.repr().unwrap(), bytes_repr("'xyz'"));
        let empty = Object::new_str(py, 1000).fill_buf(|(), _| Ok(())).unwrap();
        assert_eq!(empty.repr().unwrap(), bytes_repr("''"));
        let e = Object::new_str(py, 8)
            .fill_buf(|(), _| Err(Error::new(ExceptionType::ValueError, "no")))
            .unwrap_err();
        assert_eq!(e.to_string(), "ValueError: no");
        // With inputs of any exporter, and with the GIL released.
        let a = py.eval("__import__('array').array('B', [1, 2])").unwrap();
        let abuf = a.read_buffer().unwrap();
        let from = Object::new_str(py, 4)
            .from(Bytes(&abuf))
            .fill_buf(|x, out| {
                out.push(x)?;
                out.push(x)
            })
            .unwrap();
        assert_eq!(from.repr().unwrap(), bytes_repr("'\\x01\\x02\\x01\\x02'"));
        let text = py.eval("b'released' * 1000").unwrap();
        let tbuf = text.read_buffer().unwrap();
        let copied = Object::new_str(py, 2 * tbuf.len())
            .from(Bytes(&tbuf))
            .release_gil_from(0)
            .fill_buf(|input, out| {
                for chunk in input.chunks(999) {
                    out.spare(chunk.len())?.copy_from_slice(chunk);
                    out.advance(chunk.len())?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(repr(py, "b'released' * 1000"), copied.repr().unwrap());
        // No Python while the new str is lent.
        let caught = std::panic::catch_unwind(|| {
            with_gil(|py| {
                Object::new_str(py, 1)
                    .fill_buf(|(), _| {
                        with_gil(|_| ());
                        Ok(())
                    })
                    .map(drop)
            })
        });
        assert!(caught.is_err());
        assert!(no_exception_set(py));
    })
}

/// An `Error` dropped while a new `str` is being filled is released when
/// the scope ends, which may run a `__del__`: by then the `str` is finished.
/// On builds with `Py_TRACE_REFS` (python2.7-dbg), where `sys.getobjects`
/// lists every object, that `__del__` finds it at its final length, never
/// at its capacity with bytes not written.
#[test]
fn a_new_str_is_finished_before_python_code_can_find_it() {
    let _serial = serial();
    with_gil(|py| {
        // The mark is made when __del__ runs, a byte string on each line
        // (Python 2's str, Python 3's bytes), of the new str's type.
        py.run(
            "import sys\n\
             fs_seen = []\n\
             class FsDel(Exception):\n    \
                 def __del__(self):\n        \
                     mark = bytes(bytearray([102, 115, 1, 2, 3]))\n        \
                     objects = getattr(sys, 'getobjects', lambda n, t: [])(0, type(mark))\n        \
                     fs_seen.append(sorted(len(o) for o in objects\n                               \
                                           if o.startswith(mark) and o is not mark\n                               \
                                           and o is not globals().get('fs_input')))\n",
        )
        .unwrap();
        type Build = fn(Python<'_>, Error) -> Result<Object<'_>>;
        let builds: [(&str, Build); 5] = [
            ("fill", |py, e| {
                Object::new_str(py, 4096).fill(move |(), out| {
                    drop(e);
                    out[..5].copy_from_slice(b"fs\x01\x02\x03");
                    Ok(5)
                })
            }),
            ("fill_buf", |py, e| {
                Object::new_str(py, 4096).fill_buf(move |(), out| {
                    drop(e);
                    out.push(b"fs\x01\x02\x03")
                })
            }),
            ("fill from an array", |py, e| {
                let a = py.eval("__import__('array').array('B', [102, 115, 1, 2, 3])")?;
                let abuf = a.read_buffer()?;
                Object::new_str(py, 4096)
                    .from(Bytes(&abuf))
                    .fill(move |x, out| {
                        drop(e);
                        out[..x.len()].copy_from_slice(x);
                        Ok(x.len())
                    })
            }),
            ("fill_buf from an array", |py, e| {
                let a = py.eval("__import__('array').array('B', [102, 115, 1, 2, 3])")?;
                let abuf = a.read_buffer()?;
                Object::new_str(py, 4096)
                    .from(Bytes(&abuf))
                    .fill_buf(move |x, out| {
                        drop(e);
                        out.push(x)
                    })
            }),
            // Immutable input (Python 2's str, Python 3's bytes), GIL kept:
            // lent without a scope of its own.
            ("fill_buf from a str", |py, e| {
                // The input carries the mark too: __del__ leaves it out.
                py.run("fs_input = bytes(bytearray([102, 115, 1, 2, 3]))")?;
                let t = py.eval("fs_input")?;
                let tbuf = t.read_buffer()?;
                Object::new_str(py, 4096)
                    .from(Bytes(&tbuf))
                    .fill_buf(move |x, out| {
                        drop(e);
                        out.push(x)
                    })
            }),
        ];
        for (name, build) in builds {
            py.run("del fs_seen[:]").unwrap();
            let e = py.run("raise FsDel()").unwrap_err();
            let s = build(py, e).unwrap();
            assert_eq!(s.repr().unwrap(), bytes_repr(r"'fs\x01\x02\x03'"), "{name}");
            // The __del__ ran (once), and saw the str finished, if at all.
            let seen = repr(py, "fs_seen");
            let expected = if ffi::PY_TRACE_REFS { "[[5]]" } else { "[[]]" };
            assert_eq!(seen, expected, "{name}");
        }
        assert!(no_exception_set(py));
    })
}

#[test]
fn allow_threads_lets_python_threads_run_and_takes_the_gil_back() {
    let _serial = serial();
    with_gil(|py| {
        py.run(
            "import threading, time\n\
             at_ticks = [0]\n\
             at_stop = []\n\
             def at_tick():\n    \
                 while not at_stop:\n        \
                     at_ticks[0] += 1\n        \
                     time.sleep(0.001)\n\
             at_thread = threading.Thread(target=at_tick)\n\
             at_thread.start()\n",
        )
        .unwrap();
        let text = py.eval("b'y' * 1000").unwrap();
        let buf = text.read_buffer().unwrap();
        let bytes = buf.as_bytes().unwrap();
        let before: u64 = repr(py, "at_ticks[0]").parse().unwrap();
        // Without the GIL, the Python thread ticks on while this one works.
        let (count, ticked) = py.allow_threads(|| {
            let started = Instant::now();
            let mut seen_progress = false;
            while started.elapsed() < Duration::from_secs(10) && !seen_progress {
                std::thread::sleep(Duration::from_millis(20));
                // Take the GIL back for a moment to look.
                let now: u64 = with_gil(|py| repr(py, "at_ticks[0]").parse().unwrap());
                seen_progress = now > before + 3;
            }
            (bytes.iter().filter(|&&b| b == b'y').count(), seen_progress)
        });
        assert_eq!(count, 1000);
        assert!(
            ticked,
            "the Python thread did not run while the GIL was released"
        );
        // An Error dropped without the GIL is queued, not released there.
        let err = py.eval("1 / 0").unwrap_err();
        py.allow_threads(move || drop(err));
        // A panic inside takes the GIL back on the way out.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            py.allow_threads(|| panic!("inside allow_threads"))
        }));
        assert!(caught.is_err());
        assert_eq!(repr(py, "6 * 7"), "42");
        py.run("at_stop.append(1)\nat_thread.join()").unwrap();
        assert!(no_exception_set(py));
    });
    // The GIL was given back: another thread gets it.
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    std::thread::spawn(move || with_gil(|py| flag.store(repr(py, "1") == "1", Ordering::SeqCst)))
        .join()
        .unwrap();
    assert!(done.load(Ordering::SeqCst));
}

/// `caught` is the panic `with_gil` raises inside a no-Python scope, and no
/// exception is left set.
#[track_caller]
fn assert_with_gil_refused(py: Python<'_>, caught: std::thread::Result<()>, what: &str) {
    let payload = caught.expect_err(what);
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        message.starts_with("legacy-buffer: with_gil called inside a no-Python scope"),
        "{message}"
    );
    assert!(no_exception_set(py));
}

/// Issue 17: `init()` is a Rust function. Called inside a no-Python scope it
/// panics as `with_gil` does there, and the panic can be caught; before, it
/// was `extern "C"`, and the panic aborted the process.
#[test]
fn init_inside_a_scope_panics_like_with_gil() {
    let _serial = serial();
    with_gil(|py| {
        let s = Object::str(py, b"x").unwrap();
        let caught = s
            .with_read_bytes(|_| std::panic::catch_unwind(toolkit_demo::init))
            .unwrap();
        assert_with_gil_refused(py, caught, "init ran Python inside a scope");
        // Outside, it works.
        import(py);
        assert_eq!(repr(py, "td.__name__"), "'toolkit_demo'");
    })
}

/// Issue 17: a fill run with the GIL released (immutable inputs past
/// `release_gil_from`, or none) cannot take the GIL back, on the release
/// build (where the GIL is released around it) as on the debug build (where
/// it runs in a scope, since `sys.getobjects` could find the new `str`):
/// `with_gil` panics in both, and the panic leaves no exception, scope or
/// GIL state behind.
#[test]
fn a_gil_released_fill_cannot_take_the_gil_back_on_any_build() {
    let _serial = serial();
    with_gil(|py| {
        let text = py.eval("b'immutable' * 100").unwrap();
        let tbuf = text.read_buffer().unwrap();
        for (buf, from_str) in [(false, false), (true, false), (false, true), (true, true)] {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let new = Object::new_str(py, 4).release_gil_from(0);
                match (buf, from_str) {
                    (true, false) => new
                        .fill_buf(|(), out| {
                            with_gil(|_| ());
                            out.push(b"no")
                        })
                        .map(drop),
                    (false, false) => new
                        .fill(|(), _| {
                            with_gil(|_| ());
                            Ok(0)
                        })
                        .map(drop),
                    (true, true) => new
                        .from(Bytes(&tbuf))
                        .release_gil_from(0)
                        .fill_buf(|_, out| {
                            with_gil(|_| ());
                            out.push(b"no")
                        })
                        .map(drop),
                    (false, true) => new
                        .from(Bytes(&tbuf))
                        .release_gil_from(0)
                        .fill(|_, _| {
                            with_gil(|_| ());
                            Ok(0)
                        })
                        .map(drop),
                }
            }));
            assert_with_gil_refused(py, caught.map(|_| ()), "with_gil ran inside the fill");
            // Python runs again, and so does the builder.
            assert_eq!(repr(py, "1 + 1"), "2");
            let ok = Object::new_str(py, 2)
                .release_gil_from(0)
                .fill(|(), out| {
                    out.copy_from_slice(b"ok");
                    Ok(2)
                })
                .unwrap();
            assert_eq!(ok.repr().unwrap(), bytes_repr("'ok'"));
        }
        // And after the fill, with_gil works on this thread again.
        assert!(with_gil(|py| py.eval("0").is_ok()));
    })
}

/// Whether another thread could take the GIL while a fill ran: it tries
/// (`with_gil`) as the fill starts, and the fill waits up to `wait` for it.
fn gil_released_during<'py>(
    py: Python<'py>,
    wait: Duration,
    build: impl FnOnce(Box<dyn Fn() -> bool + Send>) -> Result<Object<'py>>,
) -> bool {
    let got = std::sync::Arc::new(AtomicBool::new(false));
    let flag = got.clone();
    let other = std::thread::spawn(move || with_gil(|_| flag.store(true, Ordering::SeqCst)));
    let seen = got.clone();
    let waiter = Box::new(move || {
        let started = Instant::now();
        while !seen.load(Ordering::SeqCst) && started.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(1));
        }
        seen.load(Ordering::SeqCst)
    });
    let s = build(waiter).unwrap();
    let released = s.repr().unwrap() == bytes_repr("'released'");
    // Let the other thread have the GIL, if it has not yet.
    py.allow_threads(|| other.join().unwrap());
    assert!(got.load(Ordering::SeqCst));
    released
}

/// The builder picks how a fill runs from its inputs: with the GIL released
/// only for immutable inputs (or none) past `release_gil_from`, and never
/// on `Py_TRACE_REFS` builds; inputs Python may change keep the GIL.
#[test]
fn the_inputs_decide_whether_the_gil_is_released() {
    let _serial = serial();
    with_gil(|py| {
        let text = py.eval("b't' * 1000").unwrap();
        let tbuf = text.read_buffer().unwrap();
        let ba = py.eval("bytearray(1000)").unwrap();
        let babuf = ba.read_buffer().unwrap();
        let report = |released: bool, out: &mut [u8]| -> Result<usize> {
            let word: &[u8] = if released { b"released" } else { b"kept" };
            out[..word.len()].copy_from_slice(word);
            Ok(word.len())
        };
        let long = Duration::from_secs(10);
        let short = Duration::from_millis(300);
        let released = !ffi::PY_TRACE_REFS;
        // Where the fill keeps the GIL (Py_TRACE_REFS builds), the other
        // thread waits for the scope, and must not wait past its limit (10
        // seconds): the fill waits the short time there.
        let long = if released { long } else { short };
        // Immutable input at the threshold: released.
        let got = gil_released_during(py, long, |waiter| {
            Object::new_str(py, 8)
                .from(Bytes(&tbuf))
                .release_gil_from(1000)
                .fill(move |_, out| report(waiter(), out))
        });
        assert_eq!(got, released, "a str of 1000 bytes, threshold 1000");
        // No inputs, threshold 0: released.
        let got = gil_released_during(py, long, |waiter| {
            Object::new_str(py, 8)
                .release_gil_from(0)
                .fill_buf(move |(), out| {
                    let n = report(waiter(), out.spare(8)?)?;
                    out.advance(n)
                })
        });
        assert_eq!(got, released, "no inputs, threshold 0");
        // Below the threshold, without one, or memory Python may change:
        // kept.
        let got = gil_released_during(py, short, |waiter| {
            Object::new_str(py, 8)
                .from(Bytes(&tbuf))
                .release_gil_from(1001)
                .fill(move |_, out| report(waiter(), out))
        });
        assert!(!got, "a str of 1000 bytes, threshold 1001");
        let got = gil_released_during(py, short, |waiter| {
            Object::new_str(py, 8)
                .from(Bytes(&tbuf))
                .fill(move |_, out| report(waiter(), out))
        });
        assert!(!got, "no threshold");
        let got = gil_released_during(py, short, |waiter| {
            Object::new_str(py, 8)
                .from((Bytes(&tbuf), Bytes(&babuf)))
                .release_gil_from(0)
                .fill(move |_, out| report(waiter(), out))
        });
        assert!(!got, "a str and a bytearray");
        assert!(no_exception_set(py));
    })
}

py_module! {
    module toolkit_cycle {
        functions: {}
        exceptions: {
            // Statics may name each other: a cycle is refused at import.
            Ping(self::Pong) = "toolkit_cycle.Ping";
            Pong(self::Ping) = "toolkit_cycle.Pong";
        }
    }
}

py_module! {
    module toolkit_failing {
        functions: {}
        constants: {
            TABLE: object = make_nothing;
        }
    }
}

#[test]
fn a_module_attribute_whose_making_fails_fails_the_import() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        assert_eq!(repr(py, "td.TABLE"), "{'a': 1}");
        toolkit_failing::init();
        // SAFETY: GIL held (`py`); reads, then clears, the error indicator.
        let (set, value_error) = unsafe {
            let set = !ffi::PyErr_Occurred().is_null();
            let value_error = ffi::PyErr_ExceptionMatches(ffi::PyExc_ValueError) != 0;
            ffi::PyErr_Clear();
            (set, value_error)
        };
        assert!(set && value_error, "the maker's ValueError was not raised");
        assert!(no_exception_set(py));
    })
}

#[test]
fn exception_bases_in_a_cycle_fail_the_import_with_system_error() {
    let _serial = serial();
    with_gil(|py| {
        toolkit_cycle::init();
        // SAFETY: GIL held (`py`); reads, then clears, the error indicator.
        let (set, system) = unsafe {
            let set = !ffi::PyErr_Occurred().is_null();
            let system = ffi::PyErr_ExceptionMatches(ffi::PyExc_SystemError) != 0;
            ffi::PyErr_Clear();
            (set, system)
        };
        assert!(set && system, "the cycle raised no SystemError");
        assert!(no_exception_set(py));
    })
}

#[test]
fn o_ampersand_runs_the_converter_in_order_and_passes_its_error_on() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        let count = || CONVERSIONS.load(Ordering::SeqCst);
        assert_eq!(repr(py, "td.converted(3)"), "(3, None)");
        assert_eq!(repr(py, "td.converted(3, b=4)"), "(3, 4)");
        assert_eq!(repr(py, "td.converted(b=5, a=1)"), "(1, 5)");
        // The converter's own error, as it is.
        let before = count();
        let e = py.eval("td.converted(3, 12)").map(drop).unwrap_err();
        assert_eq!(
            (e.type_name(), e.message()),
            ("ValueError", "12 is not small")
        );
        assert_eq!(count(), before + 2, "both converters ran, in order");
        // An error from inside it (the int conversion) passes through too.
        let e = py.eval("td.converted('x')").map(drop).unwrap_err();
        assert_eq!(e.type_name(), "TypeError");
        // The first converter's error stops the parse: the second never runs.
        let before = count();
        let e = py.eval("td.converted(99, 1)").map(drop).unwrap_err();
        assert_eq!(e.message(), "99 is not small");
        assert_eq!(count(), before + 1);
        // The argument count is checked before any converter runs.
        let before = count();
        let e = py.eval("td.converted(1, 2, 3)").map(drop).unwrap_err();
        assert_eq!(
            (e.type_name(), e.message()),
            (
                "TypeError",
                "converted() takes at most 2 arguments (3 given)"
            )
        );
        assert_eq!(count(), before);
        assert!(no_exception_set(py));
    })
}

#[test]
fn an_error_without_a_value_has_empty_args() {
    let _serial = serial();
    with_gil(|py| {
        import(py);
        py.run(
            "try:\n    td.fail('no value')\nexcept ValueError as e:\n    tk_none = (e.args, str(e))\n",
        )
        .unwrap();
        assert_eq!(repr(py, "tk_none"), "((), '')");
        assert!(no_exception_set(py));
    })
}
