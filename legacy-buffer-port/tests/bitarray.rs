//! bitarray 1.2.2's `_bitarray` (a type with buffer procedures, rich
//! comparison, an iterator, and methods named `__len__`, `__getitem__`, ...
//! that its Python subclass turns into slots; three iterator types) and
//! `_util` (functions, four of which parse in a shared helper). Their
//! sources come from the sdist that `ci/third-party` downloads into
//! `target/third-party/` (`ci/install-deps` runs it); without it, the test
//! fails saying so.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn source(name: &str) -> PathBuf {
    let path = workspace()
        .join("target/third-party/bitarray-1.2.2/bitarray")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run ci/install-deps (or ci/third-party)",
        path.display()
    );
    path
}

/// Scaffold `c_file` as `module`, build the skeleton and the C original,
/// and run the parity script; returns the scaffolder's stdout and stderr
/// and the generated lib.rs.
fn scaffold_and_compare(
    c_file: &Path,
    module: &str,
    floor: &str,
    keywords: &str,
    uncalled: &str,
) -> (String, String, String) {
    let out = scratch(&format!("bitarray{module}"));
    let output = scaffold(&[c_file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let lib_rs = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(!lib_rs.contains("unsafe {"), "{lib_rs}");
    let built = build_extension(&out, module);
    let c_so = scratch(&format!("bitarray{module}-c")).join(format!("{module}.so"));
    let rs_so = scratch(&format!("bitarray{module}-skeleton")).join(format!("{module}.so"));
    compile_c(c_file, &c_so);
    std::fs::copy(&built, &rs_so).unwrap();
    run_parity(
        &python(),
        module,
        &c_so,
        &rs_so,
        &[floor, keywords, uncalled],
    );
    (stdout, stderr, lib_rs)
}

#[test]
fn bitarray_type_skeleton_matches_the_c_original() {
    let (stdout, stderr, lib_rs) = scaffold_and_compare(
        &source("_bitarray.c"),
        "_bitarray",
        "20000",
        "initial,endian,reverse,zero,one",
        "",
    );
    // The gaps: four functions' Python 3 branches, and the three iterator
    // types' collector support (their values will hold the bitarray).
    assert!(stdout.contains("7 gap(s)"), "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("has #if branches").count(), 4, "{stderr}");
    assert_eq!(stderr.matches("Py_TPFLAGS_HAVE_GC").count(), 3, "{stderr}");
    for code in [
        "class Bitarray as \"bitarray._bitarray\" {",
        // Buffer procedures: exports; PyObject_GenericGetAttr named: no
        // inherited_getattr; PyObject_HashNotImplemented: unhashable.
        "features: [subclassable, weakrefs, exports, unhashable],",
        ".parser(py_format!(\"|Os:bitarray\")).keywords(&[\"initial\", \"endian\"]);",
        "__len__(this) => bitarray_length, ",
        "__getitem__(this, arg) => bitarray_getitem;",
        "__setitem__(this, args) => bitarray_setitem;",
        // One C function in two shapes: two Rust functions.
        "copy(this) => bitarray_copy, ",
        "__deepcopy__(this, arg) => bitarray_copy_2, ",
        "__richcmp__ => richcompare;",
        "__iter__ => bitarray_iter;",
        // An iterator type that is its own iterator.
        "__iter__ => BitarrayIter_Type_self_iter;",
        "types: { Bitarray }",
    ] {
        assert!(holds(&lib_rs, code), "no {code:?} in:\n{lib_rs}");
    }
}

#[test]
fn bitarray_util_skeleton_matches_the_c_original() {
    let (stdout, stderr, lib_rs) =
        scaffold_and_compare(&source("_util.c"), "_util", "4000", "", "_set_babt");
    assert!(stdout.contains("0 gap(s)"), "{stdout}\n{stderr}");
    // Parsed in a shared helper, with each caller's literal format (one
    // written by a macro).
    for code in [
        "// Parsed in the helper two_bitarray_func",
        "args.parse(py_format!(\"OO:count_and\"))?;",
        "args.parse(py_format!(\"OO:subset\"))?;",
        "_set_babt(arg) => set_babt, \"\";",
    ] {
        assert!(holds(&lib_rs, code), "no {code:?} in:\n{lib_rs}");
    }
}
