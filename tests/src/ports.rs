//! The Rust ports of C extension modules (`legacy-checksum`,
//! `legacy-snappy`), built as importable extension modules, and the
//! interpreter that imports them.
//!
//! A port is built by a separate cargo invocation: it needs the
//! `extension-module` feature (libpython not linked), which must not unify
//! into the test build, and so a target directory of its own:
//! `target/extension-module`, `-py311` (and so on) for a Python 3, `-dbg`
//! for a debug build of Python (whose headers
//! `LEGACY_BUFFER_SYS_PKG_CONFIG_NAME`, inherited, selects in both builds).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The interpreter matching the headers legacy-buffer-sys bound: Debian's
/// `python2.7` (`-dbg`), or `python3.X` (`python3.Xd`) for Python 3.
pub fn python() -> &'static str {
    static PYTHON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PYTHON.get_or_init(|| {
        let debug = legacy_buffer_sys::PY_DEBUG;
        if legacy_buffer_sys::PY3 {
            let minor = (legacy_buffer_sys::PY_VERSION_HEX >> 16) & 0xff;
            format!("/usr/bin/python3.{minor}{}", if debug { "d" } else { "" })
        } else if debug {
            "/usr/bin/python2.7-dbg".to_owned()
        } else {
            "/usr/bin/python2.7".to_owned()
        }
    })
}

/// The file name of extension module `name` for that interpreter: Debian's
/// python2.7-dbg imports only `<name>_d.so`; Python 3 takes `<name>.so`.
pub fn module_file(name: &str) -> String {
    if legacy_buffer_sys::PY_DEBUG && !legacy_buffer_sys::PY3 {
        format!("{name}_d.so")
    } else {
        format!("{name}.so")
    }
}

fn workspace_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
}

/// `cargo build -p <package> --release --features extension-module`, and
/// the library it made (`lib<crate>.so`), copied to `dest` (a directory,
/// made if missing) as `<module>.so` / `<module>_d.so`. Copied, not linked:
/// a later build must not change the file under a running interpreter.
pub fn build(package: &str, library: &str, module: &str, dest: &Path) -> Result<PathBuf, String> {
    // One per line and build: the libraries differ.
    let line = if legacy_buffer_sys::PY3 {
        format!("-py3{}", (legacy_buffer_sys::PY_VERSION_HEX >> 16) & 0xff)
    } else {
        String::new()
    };
    let suffix = if legacy_buffer_sys::PY_DEBUG {
        format!("{line}-dbg")
    } else {
        line
    };
    let target_dir = workspace_dir()
        .join("target")
        .join(format!("extension-module{suffix}"));
    let cargo = env!("CARGO");
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_dir())
        .args(["build", "-p", package, "--release"])
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
            "building {package} as an extension module failed ({}): {command:?}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let built = target_dir.join("release").join(format!("lib{library}.so"));
    if !built.is_file() {
        return Err(format!("the build did not produce {}", built.display()));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let installed = dest.join(module_file(module));
    std::fs::copy(&built, &installed).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            built.display(),
            installed.display()
        )
    })?;
    Ok(installed)
}

/// Runs `python() args` with `env`, and returns its output, or fails the
/// test showing everything it printed.
pub fn run_python(args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = python_output(args, env);
    assert!(
        output.status.success(),
        "{} {args:?} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        python(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    output
}

/// Runs `python() args` with `env` (as [`run_python`] does), and returns
/// its output whatever its exit status: for a run that may fail and is
/// judged by what it printed (an original's suite that fails on a line
/// where the original cannot pass all of it).
pub fn python_output(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(python());
    command
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Ports panic on purpose in some suites: one line each.
        .env("RUST_BACKTRACE", "0");
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()))
}
