//! python-snappy 0.5.4's `_snappy` (C++, `#if PY_MAJOR_VERSION`): what the
//! scaffolder extracts, and reports. Its source comes from the sdist that
//! `ci/third-party` downloads into `target/third-party/` (`ci/install-deps`
//! runs it); without it, the test fails saying so.

mod common;

use common::*;
use std::process::Command;

#[test]
fn snappy_module_is_extracted() {
    let source = workspace().join("target/third-party/python-snappy-0.5.4/snappy/snappymodule.cc");
    assert!(
        source.exists(),
        "{} is missing: run ci/install-deps (or ci/third-party)",
        source.display()
    );
    let out = scratch("snappy");
    let output = scaffold(&[source.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let lib_rs = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    for line in [
        "module _snappy {",
        "compress(args) => snappy__compress, \"Compress a string using the snappy library.\";",
        "decompress(args) => snappy__uncompress, ",
        "isValidCompressed(args) => snappy__is_valid_compressed_buffer, ",
        "_crc32c(args) => snappy__crc32c, ",
        "CompressError(Exception) = \"snappy.CompressError\";",
        "CompressedLengthError(Exception) = \"snappy.CompressedLengthError\";",
        "__version__: str = \"0.4.1\";",
        "let (_input,): (Buffer,) = args.parse(py_format!(\"s*\"))?;",
        "let (_compressed,): (Buffer,) = args.parse(py_format!(\"s#\"))?;",
    ] {
        assert!(holds(&lib_rs, line), "no {line:?} in:\n{lib_rs}");
    }
    // The Python 3 branches are reported, one per function.
    assert_eq!(stderr.matches("has #if branches").count(), 4, "{stderr}");
    let built = build_extension(&out, "_snappy");

    // Against the C++ original, built as its setup.py builds it (linked
    // with libsnappy): the same surface, the same errors for wrong calls.
    let c_so = scratch("snappy-c").join("_snappy.so");
    let rs_so = scratch("snappy-skeleton").join("_snappy.so");
    let dir = source.parent().unwrap();
    let status = Command::new("c++")
        .args(["-shared", "-fPIC", "-O2", "-w"])
        .args(python_cflags())
        .arg("-I")
        .arg(dir)
        .arg(&source)
        .args(["-x", "c"])
        .arg(dir.join("crc32c.c"))
        .args(["-x", "none", "-lsnappy", "-o"])
        .arg(&c_so)
        .status()
        .expect("run c++");
    assert!(
        status.success(),
        "compiling _snappy (libsnappy-dev installed?)"
    );
    std::fs::copy(&built, &rs_so).unwrap();
    run_parity(&python(), "_snappy", &c_so, &rs_so, &["400"]);
}
