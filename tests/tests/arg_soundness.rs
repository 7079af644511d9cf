//! The argument parser's values at run time: what a [`View`] pins and
//! shows, what keyword values survive, what the export limits refuse, and
//! how a format or a Rust type that does not fit is reported. (What the
//! parser accepts and raises, compared with the C parser, is
//! `arg_parity.rs`; what cannot compile is legacy-buffer's `tests/ui`.)

use legacy_buffer::extension::{Args, View};
use legacy_buffer::{py_format, with_gil, Borrowed, Buffer, BufferKind, Error, Object, Python};
use legacy_buffer_tests::modules::{eval, eval_repr, import_hostile};
use legacy_buffer_tests::oracle::assert_clear;
use std::ffi::CStr;

/// `(name,)` bound in `__main__` as `name`, evaluated from `expr`.
fn bind<'py>(py: Python<'py>, name: &str, expr: &str) -> Object<'py> {
    py.run(&format!("{name} = {expr}")).unwrap();
    eval(py, name)
}

#[track_caller]
fn assert_error(e: &Error, type_name: &str, message: &str) {
    assert_eq!((e.type_name(), e.message()), (type_name, message));
}

const RESIZE_REFUSED: &str = "Existing exports of data: object cannot be re-sized";

/// A view of a bytearray (directly, or through a memoryview, which
/// exports it again) counts an export on it until dropped: resizing is
/// refused meanwhile, and the memory stays where the view sees it.
#[test]
fn a_bytearray_cannot_be_resized_under_a_view() {
    with_gil(|py| {
        import_hostile(py);
        py.run("av_ba = bytearray('abc')").unwrap();
        let exports = || -> i64 { eval_repr(py, "hostile.exports(av_ba)").parse().unwrap() };
        for (format, expr) in [
            ("w*", "(av_ba,)"),
            ("s*", "(av_ba,)"),
            ("z*", "(av_ba,)"),
            ("w*", "(memoryview(av_ba),)"),
            ("s*", "(memoryview(av_ba),)"),
        ] {
            let tuple = bind(py, "av_args", expr);
            let args = Args::from_tuple(&tuple).unwrap();
            // A memoryview holds an export of its own.
            let base = exports();
            let (view,): (Option<View<'_>>,) = args.parse_checked_at_run_time(format).unwrap();
            let view = view.expect("not None");
            assert_eq!(view.kind(), BufferKind::Pinned, "{format} {expr}");
            assert_eq!(exports(), base + 1, "{format} {expr}");
            for resize in ["extend('more')", "pop()", "__delitem__(slice(0, 1))"] {
                let e = py.run(&format!("av_ba.{resize}")).unwrap_err();
                assert_error(&e, "BufferError", RESIZE_REFUSED);
            }
            // Still the three bytes, where they were.
            let cells = view.as_cells().unwrap();
            assert_eq!(cells.iter().map(|c| c.get()).collect::<Vec<_>>(), b"abc");
            drop(view);
            assert_eq!(exports(), base, "{format} {expr}");
            if base == 0 {
                py.run("av_ba.extend('!')\nav_ba.pop()").unwrap();
            }
            assert_eq!(eval_repr(py, "str(av_ba)"), "'abc'");
            assert_clear(py, format);
        }
    })
}

#[test]
fn a_views_bytes_are_what_python_sees() {
    with_gil(|py| {
        // Pinned, writable: cells and the no-Python scope both write in
        // place, and Python's writes are seen.
        let tuple = bind(py, "vb_args", "(bytearray('abcd'),)");
        let args = Args::from_tuple(&tuple).unwrap();
        let (view,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
        assert!(view.is_writable() && !view.readonly());
        assert_eq!(view.as_bytes(), None, "pinned memory is not &[u8]");
        view.as_write_cells().unwrap()[0].set(b'X');
        assert_eq!(eval_repr(py, "vb_args[0]"), "bytearray(b'Xbcd')");
        py.run("vb_args[0][1] = ord('Y')").unwrap();
        assert_eq!(view.as_cells().unwrap()[1].get(), b'Y');
        view.with_bytes_mut(|bytes| bytes.make_ascii_lowercase())
            .unwrap();
        assert_eq!(eval_repr(py, "vb_args[0]"), "bytearray(b'xycd')");
        assert_eq!(view.to_vec().unwrap(), b"xycd");
        drop(view);

        // Read-only units give no write access, whatever the exporter.
        let (view,): (View<'_>,) = args.parse(py_format!("s*")).unwrap();
        assert!(!view.is_writable() && !view.readonly());
        assert!(view.as_write_cells().is_none());
        assert_error(
            &view.with_bytes_mut(|_| ()).unwrap_err(),
            "TypeError",
            "buffer was not borrowed for writing",
        );
        drop(view);

        // str, and unicode (its default encoding): immutable, &[u8] for as
        // long as the argument lives.
        let tuple = eval(py, "('str', u'uni')");
        let args = Args::from_tuple(&tuple).unwrap();
        let (s, u): (View<'_>, View<'_>) = args.parse(py_format!("s*s*")).unwrap();
        let (s, u) = (s.as_bytes().unwrap(), u.as_bytes().unwrap());
        assert_eq!((s, u), (&b"str"[..], &b"uni"[..]));

        // An old-protocol exporter (array): nothing pins it, so no cells;
        // the scope asks it again, and sees Python's changes.
        let tuple = bind(py, "vb_array", "(__import__('array').array('b', [1, 2]),)");
        let args = Args::from_tuple(&tuple).unwrap();
        let (view,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
        assert_eq!(view.kind(), BufferKind::Unpinned);
        assert!(view.as_cells().is_none() && view.as_bytes().is_none());
        py.run("vb_array[0].extend([3] * 1000)").unwrap();
        assert_eq!(view.with_bytes(|b| b.len()).unwrap(), 1002);
        view.with_bytes_mut(|b| b[1001] = 9).unwrap();
        assert_eq!(eval_repr(py, "vb_array[0][-1]"), "9");
        assert_clear(py, "the views");
    })
}

/// A view counts an export on a bytearray: it refuses to count past the
/// limit borrows keep below, and a leaked view stays counted.
#[test]
fn views_of_a_bytearray_whose_exports_are_at_the_limit_are_refused() {
    const LIMIT: i64 = (i32::MAX / 2) as i64;
    with_gil(|py| {
        import_hostile(py);
        let tuple = bind(py, "vl_args", "(bytearray('abc'),)");
        let exports = || -> i64 {
            eval_repr(py, "hostile.exports(vl_args[0])")
                .parse()
                .unwrap()
        };
        let args = Args::from_tuple(&tuple).unwrap();

        std::mem::forget(args.parse::<(View<'_>,), _>(py_format!("s*")).unwrap());
        assert_eq!(exports(), 1, "a leaked view stays counted");

        py.run(&format!("hostile.set_exports(vl_args[0], {})", LIMIT - 1))
            .unwrap();
        let (last,): (View<'_>,) = args.parse(py_format!("w*")).unwrap();
        assert_eq!(exports(), LIMIT);
        for format in ["s*", "w*", "z*"] {
            let e = args
                .parse_checked_at_run_time::<(Option<View<'_>>,)>(format)
                .unwrap_err();
            assert_error(
                &e,
                "BufferError",
                &format!(
                    "bytearray object has {LIMIT} exports already: legacy-buffer does not pin it \
                     again, so that its export counter cannot overflow (were borrows leaked?)"
                ),
            );
            assert_clear(py, format);
            assert_eq!(exports(), LIMIT, "{format} counted an export");
        }
        drop(last);
        assert_eq!(exports(), LIMIT - 1);
        // Back to no exports, so that the bytearray can be freed.
        py.run("hostile.set_exports(vl_args[0], 0)").unwrap();
    })
}

/// A view of a memoryview is an export of the bytearray it views
/// (memoryview's `bf_getbuffer` asks its base again), so it is checked
/// against the bytearray's own counter, whatever route took it there: at
/// the limit, a view through a memoryview (or a memoryview of one) is
/// refused as a direct one is, and leaked views through it cannot take the
/// counter past the limit. (Issue 17: only a crate-wide count, which two
/// ported modules in one process keep twice, stood in the way.)
#[test]
fn views_through_a_memoryview_are_counted_against_the_bytearray() {
    const LIMIT: i64 = (i32::MAX / 2) as i64;
    with_gil(|py| {
        import_hostile(py);
        py.run("mv_ba = bytearray('abc')\nmv_args = (memoryview(mv_ba), memoryview(memoryview(mv_ba)))")
            .unwrap();
        let tuple = eval(py, "mv_args");
        let exports = || -> i64 { eval_repr(py, "hostile.exports(mv_ba)").parse().unwrap() };
        // The memoryviews hold exports of their own.
        let base = exports();
        assert!(base >= 2, "{base}");
        let args = Args::from_tuple(&tuple).unwrap();
        let (a, b): (View<'_>, View<'_>) = args.parse(py_format!("s*w*")).unwrap();
        assert_eq!(
            exports(),
            base + 2,
            "a view of a memoryview counts on the bytearray"
        );
        drop((a, b));
        std::mem::forget(
            args.parse::<(View<'_>, View<'_>), _>(py_format!("s*s*"))
                .unwrap(),
        );
        assert_eq!(exports(), base + 2, "leaked views stay counted");

        py.run(&format!("hostile.set_exports(mv_ba, {})", LIMIT - 1))
            .unwrap();
        let (last, _): (View<'_>, Option<Borrowed<'_, '_>>) =
            args.parse(py_format!("w*|O")).unwrap();
        assert_eq!(exports(), LIMIT);
        let refused = format!(
            "bytearray object has {LIMIT} exports already: legacy-buffer does not pin it \
             again, so that its export counter cannot overflow (were borrows leaked?)"
        );
        // Through the first memoryview, and through the memoryview of one.
        for format in ["s*|O", "w*|O", "z*|O"] {
            let e = args
                .parse_checked_at_run_time::<(Option<View<'_>>, Option<Borrowed<'_, '_>>)>(format)
                .err()
                .unwrap();
            assert_error(&e, "BufferError", &refused);
            assert_clear(py, format);
            assert_eq!(exports(), LIMIT, "{format} counted an export");
        }
        for format in ["Os*", "Ow*"] {
            let e = args
                .parse_checked_at_run_time::<(Borrowed<'_, '_>, View<'_>)>(format)
                .err()
                .unwrap();
            assert_error(&e, "BufferError", &refused);
            assert_clear(py, format);
            assert_eq!(exports(), LIMIT, "{format} counted an export");
        }
        drop(last);
        assert_eq!(exports(), LIMIT - 1);
        // Back to the memoryviews' own exports, so that all can be freed.
        py.run(&format!("hostile.set_exports(mv_ba, {base})"))
            .unwrap();
    })
}

/// Python code run during a parse (here `__int__`) can reach the keyword
/// dict through the garbage collector and empty it: the values taken from
/// it before stay alive, since the keyword parser holds them.
#[test]
fn keyword_values_outlive_the_keyword_dict_being_emptied() {
    const SETUP: &str = r#"
import array, gc, weakref

class EmptiesTheKeywordDict(object):
    def __int__(self):
        for holder in gc.get_referrers(self):
            if isinstance(holder, dict) and 'data' in holder:
                holder.clear()
                emptied.append(True)
        return 5

emptied = []
kd_data = array.array('b', [1, 2, 3])
kd_watch = weakref.ref(kd_data)
kd_kwargs = {'data': kd_data, 'n': EmptiesTheKeywordDict()}
del kd_data
"#;
    with_gil(|py| {
        py.run(SETUP).unwrap();
        let (tuple, kwargs) = (eval(py, "()"), eval(py, "kd_kwargs"));
        py.run("del kd_kwargs").unwrap();
        let args = Args::from_tuple_and_dict(&tuple, Some(&kwargs)).unwrap();
        let parser = args.parser(py_format!("s#i:f")).keywords(&["data", "n"]);
        let (data, n): (Buffer<'_>, i32) = parser.parse().unwrap();
        assert_eq!(n, 5);
        assert_eq!(eval_repr(py, "emptied"), "[True]");
        assert_eq!(kwargs.repr().unwrap(), "{}", "the dict was emptied");
        // The array lives on, held by the parser alone, and reads right.
        assert_eq!(eval_repr(py, "kd_watch() is not None"), "True");
        assert_eq!(data.to_vec().unwrap(), [1, 2, 3]);
        drop(data);
        drop(parser);
        assert_eq!(eval_repr(py, "kd_watch() is None"), "True", "released");
        assert_clear(py, "the keyword parse");
    })
}

/// With a format made at run time, a format or a type that does not fit is
/// a `SystemError` naming it, before any argument is looked at (with
/// `py_format!`, each is a compile error: tests/ui/args_format_*.rs).
#[test]
fn run_time_formats_and_types_that_do_not_fit_are_system_errors() {
    with_gil(|py| {
        let tuple = eval(py, "('abc', 1)");
        let args = Args::from_tuple(&tuple).unwrap();
        let system_error = |e: Error, what: &str| {
            assert_eq!(e.type_name(), "SystemError", "{what}: {e}");
            assert!(e.message().contains(what), "{e} does not say {what:?}");
        };
        system_error(
            args.parse_checked_at_run_time::<(u32, i32)>("s#i")
                .unwrap_err(),
            "unit 's#' (argument 1) cannot be converted into u32",
        );
        system_error(
            args.parse_checked_at_run_time::<(Buffer<'_>, i32)>("s#|i").unwrap_err(),
            "unit 'i' (argument 2) follows '|' and may be missing: its type must be an Option, not i32",
        );
        system_error(
            args.parse_checked_at_run_time::<(Buffer<'_>,)>("s#i")
                .unwrap_err(),
            "2 units, parsed into a tuple of 1",
        );
        system_error(
            args.parse_checked_at_run_time::<(&CStr, i32)>("es#")
                .unwrap_err(),
            "'e' is not a supported unit",
        );
        system_error(
            args.parse_checked_at_run_time::<(Borrowed<'_, '_>, i32)>("O?i")
                .err()
                .unwrap(),
            "O? is not supported",
        );
        // O& takes a Converted<T>, nothing else.
        system_error(
            args.parse_checked_at_run_time::<(Borrowed<'_, '_>, i32)>("O&i")
                .err()
                .unwrap(),
            "unit 'O&' (argument 1) cannot be converted into",
        );
        system_error(
            args.parse_checked_at_run_time::<(Option<u8>, i32)>("si")
                .unwrap_err(),
            "unit 's' (argument 1) cannot be converted into core::option::Option<u8>",
        );
        system_error(
            args.parse_checked_at_run_time::<(&CStr, i32)>("zi")
                .unwrap_err(),
            "unit 'z' (argument 1) cannot be converted into &core::ffi::c_str::CStr",
        );
        system_error(
            args.parse_checked_at_run_time::<(Borrowed<'_, '_>, i32)>("O!i")
                .err()
                .unwrap(),
            "1 O! units, but 0 types given",
        );
        let not_a_type = eval(py, "3");
        let e = args
            .parser_checked_at_run_time("O!i")
            .types(&[&not_a_type])
            .parse::<(Borrowed<'_, '_>, i32)>()
            .err()
            .unwrap();
        system_error(e, "type 1 for O! is a int, not a type");
        let parser = args.parser_checked_at_run_time("si").keywords(&["a"]);
        system_error(
            parser.parse::<(&CStr, i32)>().unwrap_err(),
            "1 keyword names for 2 units",
        );
        // Checked before the arguments: the wrong count is not reported.
        system_error(
            args.parse_checked_at_run_time::<(u8,)>(":f").unwrap_err(),
            "0 units, parsed into a tuple of 1",
        );
        system_error(
            args.parse_checked_at_run_time::<(i32, Option<i32>, Option<i32>)>("i|i|i")
                .unwrap_err(),
            "'|' appears twice",
        );
        system_error(
            args.parse_checked_at_run_time::<(i32,)>("i:f\0")
                .unwrap_err(),
            "a NUL byte",
        );
        // With py_format!, what is only given at run time (O! types,
        // keyword names) is checked at run time.
        system_error(
            args.parse::<(Borrowed<'_, '_>, i32), _>(py_format!("O!i"))
                .err()
                .unwrap(),
            "1 O! units, but 0 types given",
        );
        let parser = args.parser(py_format!("si")).keywords(&["a"]);
        system_error(
            parser.parse::<(&CStr, i32)>().unwrap_err(),
            "1 keyword names for 2 units",
        );
        assert_clear(py, "the programming errors");
    })
}

#[test]
fn z_units_tell_none_from_missing_and_s_gives_c_strings() {
    with_gil(|py| {
        let tuple = eval(py, "('text', None)");
        let args = Args::from_tuple(&tuple).unwrap();
        let (s, z, missing): (&[u8], Option<Option<&CStr>>, Option<Option<&CStr>>) =
            args.parse(py_format!("s|zz")).unwrap();
        assert_eq!((s, z, missing), (&b"text"[..], Some(None), None));
        let (s, z): (&CStr, Option<&[u8]>) = args.parse(py_format!("sz")).unwrap();
        assert_eq!((s.to_bytes(), z), (&b"text"[..], None));
        // z#, z*: None too.
        let (b, v): (Option<Buffer<'_>>, Option<View<'_>>) =
            args.parse(py_format!("z#z*")).parsed();
        assert!(b.is_some() && v.is_none());
    })
}

/// `unwrap` for a parse whose values have no `Debug`.
trait Parsed<T> {
    fn parsed(self) -> T;
}

impl<T> Parsed<T> for legacy_buffer::Result<T> {
    fn parsed(self) -> T {
        match self {
            Ok(values) => values,
            Err(e) => panic!("parse failed: {e}"),
        }
    }
}

#[test]
fn object_units_give_the_argument_itself() {
    with_gil(|py| {
        let tuple = eval(py, "([1], 'str', u'uni')");
        let args = Args::from_tuple(&tuple).unwrap();
        let (list, s, u): (Object<'_>, Borrowed<'_, '_>, Borrowed<'_, '_>) =
            args.parse(py_format!("OSU")).parsed();
        assert_eq!(list.as_ptr(), args.get(0).unwrap().as_ptr());
        assert_eq!(
            (s.repr().unwrap(), u.repr().unwrap()),
            ("'str'".into(), "u'uni'".into())
        );
        // An owned Object is a new reference: it outlives the parse.
        let refcount = list.refcount();
        drop(list);
        assert_eq!(args.get(0).unwrap().refcount(), refcount - 1);
    })
}

/// A format made at run time is read and checked on every call: each
/// parse's message names its own format, and one that does not fit is
/// refused every time, between parses of formats made by `py_format!`.
#[test]
fn run_time_formats_are_read_on_every_call() {
    with_gil(|py| {
        let tuple = eval(py, "(7, 'x')");
        let args = Args::from_tuple(&tuple).unwrap();
        for i in 0..300 {
            let format = format!("s:f{i}");
            let e = args
                .parse_checked_at_run_time::<(&CStr,)>(&format)
                .unwrap_err();
            assert_error(
                &e,
                "TypeError",
                &format!("f{i}() takes exactly 1 argument (2 given)"),
            );
            let e = args
                .parse_checked_at_run_time::<(u32, &CStr)>("is:f")
                .unwrap_err();
            assert_eq!(e.type_name(), "SystemError", "{e}");
            let (n, s): (i32, &CStr) = args.parse_checked_at_run_time("is:f").unwrap();
            assert_eq!((n, s.to_bytes()), (7, &b"x"[..]));
            let (n, s): (i32, &CStr) = args.parse(py_format!("is:f")).unwrap();
            assert_eq!((n, s.to_bytes()), (7, &b"x"[..]));
            let e = args
                .parse::<(&CStr, &CStr), _>(py_format!("ss:g"))
                .unwrap_err();
            assert_error(&e, "TypeError", "g() argument 1 must be string, not int");
        }
        assert_clear(py, "the parses");
    })
}
