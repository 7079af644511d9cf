//! The Rust port of legacy_checksum (the `legacy-checksum` crate), built as
//! an importable extension module and run through the same Python suite as
//! the C module, which it is compared with at run time.
//!
//! The module is built by a separate cargo invocation: it needs the
//! `extension-module` feature (libpython not linked), which must not unify
//! into this build, and so its own target directory:
//! `target/extension-module` (`-dbg` for the debug build of Python, whose
//! headers `LEGACY_BUFFER_SYS_PKG_CONFIG_NAME` selects in both builds).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the tests crate's build script put the C modules `legacy_checksum`
/// and `hostile`.
const MODULES_DIR: &str = env!("LEGACY_BUFFER_TEST_MODULES");

/// The name the port is imported under.
const PORT: &str = "legacy_checksum_rs";

/// The interpreter matching the headers legacy-buffer-sys bound.
fn python() -> &'static str {
    if legacy_buffer_sys::PY_DEBUG {
        "/usr/bin/python2.7-dbg"
    } else {
        "/usr/bin/python2.7"
    }
}

fn workspace_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
}

/// The directory holding the port as an importable module, built once per
/// test run.
fn port_dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(build_port) {
        Ok(dir) => dir,
        Err(message) => panic!("{message}"),
    }
}

/// `cargo build -p legacy-checksum --release --features extension-module`
/// (no LTO needed: the per-call functions are inlined), then copied to
/// `<tmp>/legacy_checksum_rs[_d].so`.
fn build_port() -> Result<PathBuf, String> {
    let suffix = if legacy_buffer_sys::PY_DEBUG {
        "-dbg"
    } else {
        ""
    };
    let target_dir = workspace_dir()
        .join("target")
        .join(format!("extension-module{suffix}"));
    let cargo = env!("CARGO");
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_dir())
        .args(["build", "-p", "legacy-checksum", "--release"])
        .args(["--features", "extension-module", "--target-dir"])
        .arg(&target_dir)
        // Ours, not the child's: --target-dir decides, and the library must
        // be where the path below expects it.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    let output = command
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the extension module failed ({}): {command:?}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let library = target_dir.join("release").join("liblegacy_checksum.so");
    if !library.is_file() {
        return Err(format!("the build did not produce {}", library.display()));
    }

    // Debian's python2.7-dbg imports only `<name>_d.so` extension modules.
    let file_name = if legacy_buffer_sys::PY_DEBUG {
        format!("{PORT}_d.so")
    } else {
        format!("{PORT}.so")
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("legacy-checksum-rs");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let module = dir.join(file_name);
    // Copied, not linked: a later build must not change the file under a
    // running interpreter.
    std::fs::copy(&library, &module).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            library.display(),
            module.display()
        )
    })?;
    Ok(dir)
}

/// Runs the interpreter with the port's directory on its path (besides
/// `LEGACY_BUFFER_TEST_MODULES`, which the suite adds itself), and returns
/// its stdout, or fails the test showing everything it printed.
fn run_python(args: &[&str]) -> String {
    let port_dir = port_dir();
    let output = Command::new(python())
        .args(args)
        .env("LEGACY_BUFFER_TEST_MODULES", MODULES_DIR)
        .env("LEGACY_CHECKSUM_MODULE", PORT)
        .env("PYTHONPATH", port_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // The suite panics on purpose (`_panic()`): one line each, not a
        // backtrace burying the output shown on failure.
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
    assert!(
        output.status.success(),
        "{} {args:?} failed ({}), with PYTHONPATH={}\n--- stdout\n{}\n--- stderr\n{}",
        python(),
        output.status,
        port_dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
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
        table.contains("| `length()` |") && table.contains("| `adler32()` |"),
        "{table}"
    );
}
