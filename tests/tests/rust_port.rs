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

#[test]
fn rust_port_passes_the_legacy_checksum_suite() {
    let suite = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/test_legacy_checksum.py"
    );
    run_python(&[suite, "-v"]);
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
assert m.length("four") == 4
print(path)
"#;
    let path = run_python(&["-c", checks]);
    assert!(path.trim().ends_with(".so"), "{path}");
}

/// The benchmark script runs (in its quick mode, which only checks that the
/// two modules agree and prints the table).
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
