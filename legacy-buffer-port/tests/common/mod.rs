//! What the tests share: the scaffolder, cargo, python2.7 and cc, run as
//! real processes.

#![allow(dead_code)] // each test file uses its part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace this crate is in.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in the workspace")
        .to_path_buf()
}

/// Where the tests write: `target/scaffold/` of the workspace (the
/// generated crates build in `target/scaffold/target`, a target directory
/// of their own, sharing no lock with the workspace's).
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace().join("target").join("scaffold").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether the tests run against Python 2.7's debug build, as ci/test runs
/// the workspace's tests a second time
/// (`LEGACY_BUFFER_SYS_PKG_CONFIG_NAME=python-2.7-dbg`, which the
/// generated crate's build inherits): the original, the skeleton and the
/// interpreter are then the debug build's (another object layout).
pub fn debug_build() -> bool {
    std::env::var("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME").is_ok_and(|name| name == "python-2.7-dbg")
}

/// The generated crates' target directory (one per build of Python: the
/// libraries differ).
pub fn scaffold_target() -> PathBuf {
    let name = if debug_build() {
        "target-dbg"
    } else {
        "target"
    };
    workspace().join("target").join("scaffold").join(name)
}

/// Run the scaffolder with `args` (after `scaffold`).
pub fn scaffold(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_legacy-buffer-port"))
        .arg("scaffold")
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run legacy-buffer-port")
}

/// The text of a process's stdout and stderr.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `cargo build --release --features extension-module` of the crate in
/// `dir`; panics on failure or on any warning. Returns the built library.
pub fn build_extension(dir: &Path, lib_name: &str) -> PathBuf {
    build_extension_in(dir, lib_name, &scaffold_target(), |command| command)
}

/// [`build_extension`] into `target`, the command set up by `configure`
/// (the variables naming another Python, say).
pub fn build_extension_in(
    dir: &Path,
    lib_name: &str,
    target: &Path,
    configure: impl FnOnce(&mut Command) -> &mut Command,
) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    let output = configure(&mut command)
        .args([
            "build",
            "--release",
            "--features",
            "extension-module",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("run cargo");
    let (_, stderr) = texts(&output);
    assert!(
        output.status.success(),
        "cargo build of {}:\n{stderr}",
        dir.display()
    );
    // Cargo replays a cached crate's warnings: none may be printed.
    assert!(
        !stderr.contains("warning"),
        "the generated crate builds with warnings:\n{stderr}"
    );
    target.join("release").join(format!("lib{lib_name}.so"))
}

/// Run `tests/python/skeleton_parity.py` under `interpreter` on module
/// `module`'s C original and skeleton, with the script's further arguments
/// (`MIN_CASES`, `KEYWORDS`, `UNCALLED`); its report, printed, which must
/// say 0 differences.
pub fn run_parity(
    interpreter: &str,
    module: &str,
    c_so: &Path,
    skeleton_so: &Path,
    rest: &[&str],
) -> String {
    let script = workspace().join("legacy-buffer-port/tests/python/skeleton_parity.py");
    let output = Command::new(interpreter)
        .arg(&script)
        .arg(module)
        .arg(c_so)
        .arg(skeleton_so)
        .args(rest)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {interpreter}: {e}"));
    let (stdout, stderr) = texts(&output);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains(" cases, 0 differences"), "{stdout}");
    stdout
}

/// Python 2.7: `LEGACY_BUFFER_PORT_PYTHON`, else Debian's `/usr/bin/python2.7`
/// (`python2.7-dbg` for the debug build: the interpreters whose headers
/// pkg-config names), else `python2.7`.
pub fn python() -> String {
    if let Ok(python) = std::env::var("LEGACY_BUFFER_PORT_PYTHON") {
        return python;
    }
    if debug_build() {
        return "/usr/bin/python2.7-dbg".into();
    }
    if Path::new("/usr/bin/python2.7").exists() {
        return "/usr/bin/python2.7".into();
    }
    "python2.7".into()
}

/// Python 2.7's `-I` flags, as the scaffolder finds them (the debug
/// build's, for [`debug_build`]).
pub fn python_cflags() -> Vec<String> {
    let package = if debug_build() {
        "python-2.7-dbg"
    } else {
        "python-2.7"
    };
    let output = Command::new("pkg-config")
        .args(["--cflags", package])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .or_else(|| {
            Command::new("python2.7-config")
                .arg("--includes")
                .output()
                .ok()
        })
        .expect("pkg-config python-2.7 or python2.7-config");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Compile the C extension `source` into `out` (`cc -shared -fPIC -O2`)
/// against the Python 2.7 the tests run.
pub fn compile_c(source: &Path, out: &Path) {
    compile_c_with(&[source], &python_cflags(), out);
}

/// Compile the C extension made of `sources` into `out`, with `flags`
/// (the include dirs of the Python it is for, and its own).
pub fn compile_c_with(sources: &[&Path], flags: &[String], out: &Path) {
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-w"])
        .args(flags)
        .args(sources)
        .arg("-o")
        .arg(out)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc {sources:?}");
}

/// `text` without whitespace: for finding generated code whatever rustfmt
/// made of its layout.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Whether the generated `lib_rs` holds `code`, whitespace aside.
pub fn holds(lib_rs: &str, code: &str) -> bool {
    squash(lib_rs).contains(&squash(code))
}
