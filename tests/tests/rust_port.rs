//! The Rust port of legacy_checksum (the `legacy-checksum` crate), built as
//! an importable extension module and run through the same Python suite as
//! the C module, which it is compared with at run time.
//!
//! The module is built as `legacy_buffer_tests::ports` builds ports.

use legacy_buffer_tests::ports;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the tests crate's build script put the C modules `legacy_checksum`
/// and `hostile`.
const MODULES_DIR: &str = env!("LEGACY_BUFFER_TEST_MODULES");

/// The name the port is imported under.
const PORT: &str = "legacy_checksum_rs";

/// The directory holding the port as an importable module, built once per
/// test run (no LTO needed: the per-call functions are inlined).
fn port_dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("legacy-checksum-rs");
        ports::build("legacy-checksum", "legacy_checksum", PORT, &dir).map(|_| dir)
    });
    match dir {
        Ok(dir) => dir,
        Err(message) => panic!("{message}"),
    }
}

/// Runs the interpreter with the port's directory on its path (besides
/// `LEGACY_BUFFER_TEST_MODULES`, which the suite adds itself), and returns
/// its stdout, or fails the test showing everything it printed.
fn run_python(args: &[&str]) -> String {
    let port_dir = port_dir().to_str().expect("a UTF-8 path");
    let output = ports::run_python(
        args,
        &[
            ("LEGACY_BUFFER_TEST_MODULES", MODULES_DIR),
            ("LEGACY_CHECKSUM_MODULE", PORT),
            ("PYTHONPATH", port_dir),
        ],
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The suite of the line: Python 2's, or Python 3's (its objects and
/// words); both compare every error with the C module's.
const SUITE: &str = if cfg!(Py_3) {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/test_legacy_checksum3.py"
    )
} else {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/test_legacy_checksum.py"
    )
};

#[test]
fn rust_port_passes_the_legacy_checksum_suite() {
    run_python(&[SUITE, "-v"]);
}

/// On Python 3, the C module passes the same suite, built for the same
/// interpreter: the bar the port is held to (Python 2's: c_modules.rs).
#[cfg(Py_3)]
#[test]
fn the_c_module_passes_the_python_3_suite() {
    ports::run_python(
        &[SUITE, "-v"],
        &[("LEGACY_BUFFER_TEST_MODULES", MODULES_DIR)],
    );
}

/// What the port needs from libpython comes from the interpreter that loads
/// it: the module must not pull in a second one.
#[test]
fn rust_port_does_not_link_libpython() {
    let checks = r#"
import os, sys
import legacy_checksum_rs as m
path = os.path.realpath(m.__file__)
with open("/proc/self/maps") as maps:
    loaded = [line.split()[-1] for line in maps if "libpython" in line]
assert not loaded, "libpython loaded with %s: %r" % (path, loaded)
assert m.length(b"four") == 4
print(path)
"#;
    let path = run_python(&["-c", checks]);
    assert!(path.trim().ends_with(".so"), "{path}");
}

/// The benchmark script runs (in its quick mode, which only checks that the
/// two modules agree and prints the table). Python 2's.
#[cfg(not(Py_3))]
#[test]
fn benchmark_script_runs() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/bench_legacy_checksum.py"
    );
    let table = run_python(&[script, "--quick"]);
    assert!(
        table.contains("| `length()` |")
            && table.contains("| `adler32()` |")
            && table.contains("| `mismatch()` |"),
        "{table}"
    );
}
