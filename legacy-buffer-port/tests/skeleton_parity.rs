//! The judge of this increment: skeletons scaffolded from C extension
//! modules, built as extension modules, against their C originals, under
//! Python 2.7 (`tests/python/skeleton_parity.py`): the same module surface,
//! and for every function the same exception type and message for every
//! wrong call, and the body reached for every right one.

mod common;

use common::*;

/// Scaffold `source` (relative to the workspace) into
/// `target/scaffold/<module>`, build it, build the C original, and run the
/// parity script over both; returns the generated `lib.rs`.
fn parity(source: &str, module: &str, floor: usize, keywords: &str) -> String {
    let ws = workspace();
    let out = scratch(module);
    let output = scaffold(&[source, "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "scaffold:\n{stdout}\n{stderr}");
    assert!(stdout.contains("0 gap(s)"), "{stdout}\n{stderr}");
    let lib_rs = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(holds(&lib_rs, "#![deny(unsafe_code)]"));
    assert!(!lib_rs.contains("unsafe {"), "{lib_rs}");

    let built = build_extension(&out, module);
    let c_so = scratch(&format!("{module}-c")).join(format!("{module}.so"));
    let rs_so = scratch(&format!("{module}-skeleton")).join(format!("{module}.so"));
    compile_c(&ws.join(source), &c_so);
    std::fs::copy(&built, &rs_so).unwrap();

    let report = run_parity(
        &python(),
        module,
        &c_so,
        &rs_so,
        &[&floor.to_string(), keywords],
    );
    let summary = report
        .lines()
        .find(|l| l.ends_with(" differences"))
        .unwrap_or_else(|| panic!("no summary line:\n{report}"));
    let numbers: Vec<usize> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2, "{summary}");
    assert!(numbers[0] >= floor, "too few cases: {summary}");
    lib_rs
}

#[test]
fn legacy_checksum_skeleton_matches_the_c_original() {
    let lib_rs = parity("tests/c/legacy_checksum.c", "legacy_checksum", 10_000, "");
    assert!(holds(
        &lib_rs,
        "let (_a, _b, _start): (Buffer, Buffer, Option<isize>) = \
         args.parse(py_format!(\"s#s#|n:mismatch\"))?;"
    ));
    assert!(holds(
        &lib_rs,
        "let (_obj, _start): (Borrowed, Option<c_uint>) = args.parse(py_format!(\"O|I:adler32\"))?;"
    ));
}

/// What legacy_checksum.c lacks: keywords (two lists named alike), METH_O, METH_NOARGS, no
/// docstring, Py_InitModule4, an exception class, constants, more units.
#[test]
fn kwmod_skeleton_matches_the_c_original() {
    let lib_rs = parity(
        "legacy-buffer-port/tests/c/kwmod.c",
        "kwmod",
        30_000,
        "data,level,name,start,stop",
    );
    for code in [
        ".parser(py_format!(\"s#|iz:pack\")).keywords(&[\"data\", \"level\", \"name\"]);",
        // Its own `kwlist`, not pack's of the same name.
        ".parser(py_format!(\"|nL:span\")).keywords(&[\"start\", \"stop\"]);",
        "(Buffer, Option<c_int>, Option<Option<&CStr>>) = parser.parse()?;",
        "pack(args, kwargs) => kw_pack,",
        "first(arg) => kw_first, \"first(x) -> repr(x)\";",
        "version() => kw_version;",
        "KwError(ValueError) = \"kwmod.KwError\";",
        "MAX_LEVEL: int = 9;",
        "FLAVOUR: str = \"plain\";",
        "REGISTRY: object = make_REGISTRY;",
        "RATIO: object = make_RATIO;",
        "py.eval(\"0.25\")",
        "DEFAULT: object = make_DEFAULT;",
        // A long on Python 2.
        "py.eval(if legacy_buffer::ffi::PY3 { \"1000\" } else { \"1000L\" })",
        // O&: a Rust converter for the C's, which its body is to port.
        "let (_count, _text): (Converted<ToCount>, Option<&CStr>) = args.parse(py_format!(\"O&|s:repeat\"))?;",
        "impl<'a, 'py> Converter<'a, 'py> for ToCount {",
        // O!: built-in types, looked up.
        ".getattr(\"list\")?; // PyList_Type",
        ".parser(py_format!(\"O!|O!:total\")).types(&[&type1, &type2]).parse()?;",
        "ExceptionType::NotImplementedError, \"to_count (an O& converter)\"",
    ] {
        assert!(holds(&lib_rs, code), "no {code:?} in:\n{lib_rs}");
    }
}

/// What xxhash's and bitarray's types lack: tp_new and tp_methods set at
/// run time, tp_init with keywords, a class method, a static method, a
/// getter with a setter.
#[test]
fn typemod_skeleton_matches_the_c_original() {
    let lib_rs = parity(
        "legacy-buffer-port/tests/c/typemod.c",
        "typemod",
        600,
        "start",
    );
    for code in [
        "new: new_counter,",
        "from_string(class, args) => Counter_from_string, ",
        "is_counter(static arg) => Counter_is_counter, ",
        "value(get => Counter_get_value, set => Counter_set_value), \"the count\";",
        "__init__ => Counter_init;",
        ".parser(py_format!(\"|l:Counter\")).keywords(&[\"start\"]);",
        "let (_text,): (&CStr,) = args.parse(py_format!(\"s:from_string\"))?;",
    ] {
        assert!(holds(&lib_rs, code), "no {code:?} in:\n{lib_rs}");
    }
}
