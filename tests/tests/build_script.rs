//! legacy-buffer-sys's build script when it cannot build: each failure is
//! one `cargo:warning` line naming the problem, then what to do about it,
//! and an exit without a panic. The print-config mode shows what a build
//! would use and stops.
//!
//! Each test runs `cargo build -p legacy-buffer-sys` with the environment of
//! its case, in a target directory of its own (`target/build-script`), so
//! that neither this build nor the failing ones rebuild the other. The
//! libclang case has another: a change of `LIBCLANG_PATH` rebuilds bindgen.

use std::path::Path;
use std::process::Command;

/// What cargo printed for a build of legacy-buffer-sys that was expected to
/// fail: the summaries of the build script's `cargo:warning` lines, and all
/// of cargo's stderr.
struct Failed {
    warnings: Vec<String>,
    stderr: String,
}

/// Builds legacy-buffer-sys with exactly `vars` of the build script's
/// variables set (those of this test run are removed), and checks that the
/// build failed without a panic.
fn build_sys(vars: &[(&str, &str)]) -> Failed {
    build_sys_in("build-script", vars)
}

/// As [`build_sys`], in `target/<dir>`.
fn build_sys_in(dir: &str, vars: &[(&str, &str)]) -> Failed {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace");
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace)
        .args(["build", "-p", "legacy-buffer-sys", "--target-dir"])
        .arg(workspace.join("target").join(dir))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env("CARGO_TERM_COLOR", "never");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LEGACY_BUFFER_SYS_") {
            command.env_remove(name);
        }
    }
    command.envs(vars.iter().copied());
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "the build succeeded with {vars:?}:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "the build script panicked with {vars:?}:\n{stderr}"
    );
    // cargo shows `cargo:warning=X` as `warning: legacy-buffer-sys@VERSION: X`.
    let warnings = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: legacy-buffer-sys@"))
        .map(|l| l.split_once(": ").map_or(l, |(_, w)| w).to_string())
        .collect();
    Failed { warnings, stderr }
}

/// The failure is a single warning, `legacy-buffer-sys: {summary}`, and the
/// detail below it mentions each of `detail`.
fn assert_one_warning(failed: &Failed, summary: &str, detail: &[&str]) {
    assert_eq!(
        failed.warnings,
        [format!("legacy-buffer-sys: {summary}")],
        "{}",
        failed.stderr
    );
    for d in detail {
        assert!(
            failed.stderr.contains(d),
            "{d:?} is not in the message:\n{}",
            failed.stderr
        );
    }
}

/// PyPy installs a `Python.h` of its own (cpyext, `/usr/lib/pypy/include`,
/// from Debian's pypy-dev, which ci/install-deps installs).
#[test]
fn pypy_headers_are_refused() {
    let include = "/usr/lib/pypy/include";
    assert!(
        Path::new(include).join("Python.h").is_file(),
        "PyPy's headers are missing from {include}: run ci/install-deps (Debian 11's pypy-dev)"
    );
    let failed = build_sys(&[
        ("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR", include),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_DIR", "/usr/lib"),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", "pypy-c"),
    ]);
    let version = failed
        .warnings
        .first()
        .and_then(|w| w.strip_prefix("legacy-buffer-sys: found PyPy "))
        .and_then(|w| w.strip_suffix("'s headers, not CPython 2.7's"))
        .unwrap_or_else(|| panic!("not the PyPy failure:\n{}", failed.stderr));
    assert!(
        version.split('.').all(|n| n.parse::<u32>().is_ok()),
        "{version:?}"
    );
    assert_one_warning(
        &failed,
        &format!("found PyPy {version}'s headers, not CPython 2.7's"),
        &["cpyext", include, "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR"],
    );
}

#[test]
fn explicit_location_needs_all_three_variables() {
    let failed = build_sys(&[(
        "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR",
        "/usr/include/python2.7",
    )]);
    assert_one_warning(
        &failed,
        "incomplete explicit Python 2.7 configuration",
        &[
            "LEGACY_BUFFER_SYS_PYTHON_LIB_DIR",
            "LEGACY_BUFFER_SYS_PYTHON_LIB_NAME",
            "set all three",
        ],
    );
}

/// A pkg-config module asked for by name is the only one tried.
#[test]
fn a_missing_pkg_config_module_is_not_replaced_by_another() {
    let failed = build_sys(&[("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME", "no-such-python-2.7")]);
    assert_one_warning(
        &failed,
        "no Python 2.7 found",
        &[
            "pkg-config no-such-python-2.7",
            "To fix this",
            "libpython2.7-dev",
        ],
    );
    assert!(
        !failed.stderr.contains("python2.7-config:"),
        "fell back to python2.7-config:\n{}",
        failed.stderr
    );
}

#[test]
fn headers_that_do_not_preprocess_are_reported() {
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-python-headers");
    std::fs::create_dir_all(&empty).unwrap();
    let failed = build_sys(&[
        (
            "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR",
            empty.to_str().unwrap(),
        ),
        (
            "LEGACY_BUFFER_SYS_PYTHON_LIB_DIR",
            "/usr/lib/x86_64-linux-gnu",
        ),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", "python2.7"),
    ]);
    assert_one_warning(
        &failed,
        "the C preprocessor could not read Python.h",
        // The compiler's own words are in the detail, not in more warnings.
        &[
            empty.to_str().unwrap(),
            "Python.h: No such file or directory",
            "libpython2.7-dev",
        ],
    );
}

#[test]
fn missing_libclang_says_what_to_install() {
    let failed = build_sys_in(
        "build-script-libclang",
        &[("LIBCLANG_PATH", "/nonexistent-libclang")],
    );
    assert_one_warning(
        &failed,
        "libclang was not found (bindgen needs it)",
        &["apt-get install libclang-dev", "LIBCLANG_PATH"],
    );
}

/// Print-config shows what the default discovery finds, read from the
/// headers, and stops the build.
#[test]
fn print_config_shows_the_configuration_and_stops() {
    let failed = build_sys(&[("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1")]);
    // What the interpreter itself says about its version.
    let output = Command::new("/usr/bin/python2.7")
        .args([
            "-c",
            "import sys; print('%d.%d.%d (hex %#010x)' % (sys.version_info[:3] + (sys.hexversion,)))",
        ])
        .output()
        .expect("running python2.7");
    assert!(output.status.success(), "{output:?}");
    let version = format!(
        "version: {}",
        String::from_utf8_lossy(&output.stdout).trim()
    );
    let size_t = format!("SIZEOF_SIZE_T: {}", std::mem::size_of::<usize>());
    let expected = [
        version.as_str(),
        "Py_DEBUG: false",
        "Py_TRACE_REFS: false",
        size_t.as_str(),
        "link libpython: true",
        "legacy-buffer-sys: stopped: LEGACY_BUFFER_SYS_PRINT_CONFIG is set",
    ];
    for line in expected {
        assert!(
            failed.warnings.iter().any(|w| w == line),
            "{line:?} is not among the warnings {:#?}",
            failed.warnings
        );
    }
    assert!(
        failed
            .warnings
            .iter()
            .any(|w| w.starts_with("source: pkg-config module python-2.7 (")),
        "not found through pkg-config's python-2.7: {:#?}",
        failed.warnings
    );

    let debug = build_sys(&[
        ("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1"),
        ("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME", "python-2.7-dbg"),
    ]);
    for line in ["Py_DEBUG: true", "Py_TRACE_REFS: true"] {
        assert!(
            debug.warnings.iter().any(|w| w == line),
            "{line:?} is not among the warnings {:#?}",
            debug.warnings
        );
    }
}
