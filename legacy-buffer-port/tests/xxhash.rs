//! xxhash 1.4.4's `_xxhash`: functions with keywords, and two types with
//! `tp_new`, `tp_init`, methods and getters. Its source comes from the
//! sdist that `ci/third-party` downloads into `target/third-party/`
//! (`ci/install-deps` runs it); without it, the test fails saying so.

mod common;

use common::*;
use std::process::Command;

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
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-w"])
        .args(python_cflags())
        .arg("-I")
        .arg(&deps)
        .arg(&source)
        .arg(deps.join("xxhash.c"))
        .arg("-o")
        .arg(&c_so)
        .status()
        .expect("run cc");
    assert!(status.success(), "compiling _xxhash");
    std::fs::copy(&built, &rs_so).unwrap();
    let script = workspace().join("legacy-buffer-port/tests/python/skeleton_parity.py");
    let output = Command::new(python())
        .arg(&script)
        .args([
            "_xxhash",
            c_so.to_str().unwrap(),
            rs_so.to_str().unwrap(),
            "7000",
            "input,seed",
        ])
        .output()
        .expect("run python2.7");
    let (stdout, stderr) = texts(&output);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains(" cases, 0 differences"), "{stdout}");
    // Every getter was read, and each type's constructor reached __init__.
    assert!(stdout.contains("reached the body: "), "{stdout}");
}
