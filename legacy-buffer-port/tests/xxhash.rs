//! xxhash 1.4.4's `_xxhash`: functions with keywords, and two types with
//! `tp_new`, `tp_init`, methods and getters. Its source comes from the
//! sdist that `ci/third-party` downloads into `target/third-party/`
//! (`ci/install-deps` runs it); without it, the test fails saying so.

mod common;

use common::*;

#[test]
fn xxhash_skeleton_with_types_matches_the_c_original() {
    let sdist = workspace().join("target/third-party/xxhash-1.4.4");
    let source = sdist.join("src/_xxhash.c");
    assert!(
        source.exists(),
        "{} is missing: run ci/install-deps (or ci/third-party)",
        source.display()
    );
    let deps = sdist.join("deps/xxhash");
    let out = scratch("xxhash");
    let output = scaffold(&[
        source.to_str().unwrap(),
        "-I",
        deps.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // The only gaps: the Python 3 branches of four functions.
    assert!(stdout.contains("4 gap(s)"), "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("has #if branches").count(), 4, "{stderr}");
    let lib_rs = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(!lib_rs.contains("unsafe {"), "{lib_rs}");
    for code in [
        "pub struct Xxh32 {}",
        "class Xxh32 as \"xxhash.xxh32\" {",
        "features: [inherited_getattr],",
        "new: PYXXH32_new,",
        // tp_new reads no arguments: the empty value, no NotImplementedError.
        "fn PYXXH32_new(_py: Python<'_>, _args: Args<'_, '_>) -> Result<Xxh32> {",
        "update(this, args) => PYXXH32_update, \"update (input)",
        "digest(this) => PYXXH32_digest, ",
        "digest_size(get => PYXXH32_get_digest_size), \"Digest size.\";",
        // Two attributes, one getter: one Rust function.
        "digestsize(get => PYXXH32_get_digest_size), \"Digest size.\";",
        "__init__ => PYXXH32_init;",
        ".parser(py_format!(\"|s*K:__init__\")).keywords(&[\"input\", \"seed\"]);",
        "(Option<Buffer>, Option<u64>) = parser.parse()?;",
        "xxh32_digest(args, kwargs) => xxh32_digest, \"xxh32_digest\";",
        "types: { Xxh32, Xxh64 }",
        "XXHASH_VERSION: str = \"0.7.3\";",
    ] {
        assert!(holds(&lib_rs, code), "no {code:?} in:\n{lib_rs}");
    }
    assert_eq!(
        lib_rs.matches("fn PYXXH32_get_digest_size(").count(),
        1,
        "{lib_rs}"
    );
    let built = build_extension(&out, "_xxhash");

    // Against the C original, built as its setup.py builds it (with the
    // bundled xxhash.c).
    let c_so = scratch("xxhash-c").join("_xxhash.so");
    let rs_so = scratch("xxhash-skeleton").join("_xxhash.so");
    let mut flags = python_cflags();
    flags.push(format!("-I{}", deps.display()));
    compile_c_with(&[&source, &deps.join("xxhash.c")], &flags, &c_so);
    std::fs::copy(&built, &rs_so).unwrap();
    let report = run_parity(&python(), "_xxhash", &c_so, &rs_so, &["7000", "input,seed"]);
    // The bodies were reached where the C returned: each getter read (ten),
    // each right call of a constructor, function and method.
    let returned: usize = report
        .split("reached the body: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(returned >= 10, "{report}");
}
