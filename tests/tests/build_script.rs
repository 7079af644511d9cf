//! legacy-buffer-sys's build script when it cannot build: each failure is
//! one `cargo:warning` line naming the problem, then what to do about it,
//! and an exit without a panic. The print-config mode shows what a build
//! would use and stops.
//!
//! Each test runs `cargo build -p legacy-buffer-sys` with the environment of
//! its case, in a target directory of its own (`target/build-script`), so
//! that neither this build nor the failing ones rebuild the other. The
//! libclang case has another: a change of `LIBCLANG_PATH` rebuilds bindgen.

use legacy_buffer_tests::cargo;
use std::path::{Path, PathBuf};
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
    let mut command = cargo::command(dir, &["build", "-p", "legacy-buffer-sys"]);
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
    let warnings = cargo::build_script_warnings(&stderr, "legacy-buffer-sys");
    Failed { warnings, stderr }
}

/// The candidates the failure lists under "Looked for Python headers
/// and library:".
fn looked_for(failed: &Failed) -> Vec<&str> {
    failed
        .stderr
        .lines()
        .skip_while(|l| !l.contains("Looked for Python headers and library:"))
        .skip(1)
        .map_while(|l| l.trim_start().strip_prefix("- "))
        .collect()
}

/// A directory holding only `cc` (to link the build script), and the
/// directory of the cargo running the tests (cargo, rustc): a `PATH` with no
/// Python on it.
fn path_without_python() -> String {
    let bin = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bin-without-python");
    std::fs::create_dir_all(&bin).unwrap();
    let cc = Command::new("sh")
        .args(["-c", "command -v cc"])
        .output()
        .expect("running sh");
    let cc = String::from_utf8(cc.stdout).unwrap();
    let link = bin.join("cc");
    if !link.exists() {
        std::os::unix::fs::symlink(cc.trim(), &link).unwrap();
    }
    let cargo_dir = Path::new(env!("CARGO")).parent().unwrap();
    let path = std::env::join_paths([bin.as_path(), cargo_dir]).unwrap();
    path.into_string().unwrap()
}

/// A directory holding a `python2.7-config` that fails as a pyenv shim does
/// when the selected version has none.
fn failing_shim_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("failing-shim");
    std::fs::create_dir_all(&dir).unwrap();
    let shim = dir.join("python2.7-config");
    std::fs::write(
        &shim,
        "#!/bin/sh\necho 'pyenv: python2.7-config: command not found' >&2\nexit 127\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&shim).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&shim, permissions).unwrap();
    dir
}

/// An empty directory for `PKG_CONFIG_LIBDIR`: pkg-config then knows no
/// module at all, as on a machine without Python's `.pc` files.
fn no_pkg_config_modules() -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-pkg-config-modules");
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_str().unwrap().to_string()
}

/// The name Debian gives the config tool for this target.
fn prefixed_config_tool() -> String {
    format!("{}-linux-gnu-python2.7-config", std::env::consts::ARCH)
}

/// Each of `lines` is one of the build script's warnings (print-config's
/// lines are warnings).
fn assert_warns(failed: &Failed, lines: &[&str]) {
    for line in lines {
        assert!(
            failed.warnings.iter().any(|w| w == line),
            "{line:?} is not among the warnings {:#?}",
            failed.warnings
        );
    }
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

/// PyPy's headers (cpyext, `/usr/lib/pypy/include`, from Debian 11's
/// pypy-dev, which ci/install-deps installs), as the explicit variables
/// name them (Debian has no pkg-config module for PyPy).
const PYPY_INCLUDE: &str = "/usr/lib/pypy/include";

fn pypy_vars() -> [(&'static str, &'static str); 3] {
    assert!(
        Path::new(PYPY_INCLUDE).join("Python.h").is_file(),
        "PyPy's headers are missing from {PYPY_INCLUDE}: run ci/install-deps (Debian 11's pypy-dev)"
    );
    [
        ("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR", PYPY_INCLUDE),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_DIR", "/usr/lib/pypy/bin"),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", "pypy-c"),
    ]
}

/// PyPy's version at the start of `text` (a failure's summary, a
/// print-config line): three numbers.
fn pypy_version(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let version = &text[..end];
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|n| n.parse::<u32>().is_ok()),
        "{text:?}"
    );
    version
}

/// Embedding needs libpython; PyPy is not embedded through Py_Initialize,
/// so its headers are refused unless libpypy-c is not to be linked.
#[test]
fn pypy_headers_are_refused_for_embedding() {
    let failed = build_sys(&pypy_vars());
    let version = failed
        .warnings
        .first()
        .and_then(|w| w.strip_prefix("legacy-buffer-sys: PyPy "))
        .map(pypy_version)
        .unwrap_or_else(|| panic!("not the PyPy failure:\n{}", failed.stderr));
    assert_one_warning(
        &failed,
        &format!("PyPy {version}'s headers are for extension modules only"),
        &[
            "cpyext",
            PYPY_INCLUDE,
            "not embedded through Py_Initialize",
            "extension-module feature",
            "LEGACY_BUFFER_SYS_NO_LINK=1",
            // The way to embed: CPython.
            "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR",
            "apt-get install libpython2.7-dev",
        ],
    );

    // Nor do the committed bindings (CPython's names and layouts) serve it.
    let mut vars = pypy_vars().to_vec();
    vars.extend([
        ("LEGACY_BUFFER_SYS_NO_LINK", "1"),
        ("LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS", "1"),
    ]);
    let failed = build_sys(&vars);
    assert_one_warning(
        &failed,
        "the pre-generated bindings do not fit this build",
        &["the headers are PyPy's (cpyext)", "bindgen"],
    );
}

/// For an extension module (`LEGACY_BUFFER_SYS_NO_LINK`, as the
/// extension-module feature), PyPy's headers are bound: print-config says
/// so, and the build succeeds with the C API under its own names, linked to
/// PyPy's (`PyPyObject_AsReadBuffer`), and tells dependants it is PyPy.
#[test]
fn pypy_headers_are_accepted_for_extension_modules() {
    let mut vars = pypy_vars().to_vec();
    vars.push(("LEGACY_BUFFER_SYS_NO_LINK", "1"));

    let mut print = vars.clone();
    print.push(("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1"));
    let printed = build_sys(&print);
    let implementation = printed
        .warnings
        .iter()
        .find_map(|w| w.strip_prefix("implementation: PyPy "))
        .unwrap_or_else(|| panic!("no PyPy implementation line:\n{}", printed.stderr));
    let version = pypy_version(implementation);
    assert_eq!(implementation, format!("{version} (cpyext)"));
    for line in ["version: 2.7.18 (hex 0x020712f0)", "link libpython: false"] {
        assert!(
            printed.warnings.iter().any(|w| w == line),
            "{line:?} is not among the warnings {:#?}",
            printed.warnings
        );
    }

    let mut command = cargo::command(
        "build-script",
        &["build", "-p", "legacy-buffer-sys", "--message-format=json"],
    );
    command.envs(vars);
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}\n{stderr}", output.status);
    assert!(
        cargo::build_script_warnings(&stderr, "legacy-buffer-sys").is_empty(),
        "{stderr}"
    );
    // The build script's output directory, from cargo's JSON messages.
    let out_dir = stdout
        .lines()
        .filter(|l| l.contains("\"reason\":\"build-script-executed\""))
        .filter(|l| l.contains("legacy-buffer-sys"))
        .find_map(|l| {
            let rest = &l[l.find("\"out_dir\":\"")? + "\"out_dir\":\"".len()..];
            Some(PathBuf::from(&rest[..rest.find('"')?]))
        })
        .unwrap_or_else(|| panic!("no build script output in:\n{stdout}"));
    let bindings = std::fs::read_to_string(out_dir.join("bindings.rs")).unwrap();
    for (c_name, pypy_name) in [
        ("PyObject_AsCharBuffer", "PyPyObject_AsCharBuffer"),
        ("PyObject_AsReadBuffer", "PyPyObject_AsReadBuffer"),
        ("PyObject_AsWriteBuffer", "PyPyObject_AsWriteBuffer"),
        ("PyArg_ParseTuple", "_PyPyArg_ParseTuple_SizeT"),
    ] {
        let bound = format!("#[link_name = \"\\u{{1}}{pypy_name}\"]\n    pub fn {c_name}(");
        assert!(
            bindings.contains(&bound),
            "{c_name} is not bound to {pypy_name} in {}",
            out_dir.display()
        );
    }
    assert!(
        bindings.contains(
            "#[link_name = \"\\u{1}PyPyExc_TypeError\"]\n    pub static mut PyExc_TypeError"
        ),
        "PyExc_TypeError is not bound to PyPyExc_TypeError"
    );
    let output_file = out_dir.parent().unwrap().join("output");
    let printed = std::fs::read_to_string(&output_file).unwrap();
    for line in [
        format!("cargo:pypy_version={version}"),
        "cargo:links_libpython=0".to_string(),
        "cargo:rustc-cfg=PyPy".to_string(),
    ] {
        assert!(
            printed.lines().any(|l| l == line),
            "{line:?} is not in {}",
            output_file.display()
        );
    }
}

#[test]
fn explicit_location_needs_all_three_variables() {
    let failed = build_sys(&[(
        "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR",
        "/usr/include/python2.7",
    )]);
    assert_one_warning(
        &failed,
        "incomplete explicit Python configuration",
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
        "no Python found",
        &["To fix this", "apt-get install libpython2.7-dev"],
    );
    let tried = looked_for(&failed);
    assert_eq!(tried.len(), 1, "{}", failed.stderr);
    assert!(
        tried[0].starts_with("pkg-config no-such-python-2.7: "),
        "{}",
        failed.stderr
    );
}

/// With nothing to find, the message says how to install Python 2.7 and
/// every other way to point the build at one, without this repository's
/// scripts (a user of the crate from crates.io has none).
#[test]
fn nothing_found_says_how_to_get_python_without_the_repository() {
    let libdir = no_pkg_config_modules();
    let path = path_without_python();
    let failed = build_sys(&[
        ("PKG_CONFIG_LIBDIR", &libdir),
        ("PKG_CONFIG_PATH", ""),
        ("PATH", &path),
    ]);
    assert_one_warning(
        &failed,
        "no Python found",
        &[
            // Debian 11 and Ubuntu.
            "apt-get install libpython2.7-dev pkg-config",
            // Debian 12: Debian 11's archive, pinned low.
            "echo 'deb http://deb.debian.org/debian bullseye main' > /etc/apt/sources.list.d/bullseye.list",
            "Pin: release n=bullseye",
            "Pin-Priority: 100",
            "apt-get install -t bullseye libpython2.7-dev",
            "libpython2.7-dbg",
            // Every variable that points the build at a Python.
            "--enable-shared on PATH",
            "LEGACY_BUFFER_SYS_PYTHON_CONFIG",
            "LD_LIBRARY_PATH",
            "PKG_CONFIG_PATH",
            "LEGACY_BUFFER_SYS_PKG_CONFIG_NAME",
            "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR",
            "LEGACY_BUFFER_SYS_PYTHON_LIB_DIR",
            "LEGACY_BUFFER_SYS_PYTHON_LIB_NAME",
            "LEGACY_BUFFER_SYS_PRINT_CONFIG=1",
        ],
    );
    assert!(
        !failed.stderr.contains("ci/install-deps"),
        "the message sends the user to a script of the repository:\n{}",
        failed.stderr
    );
    // Python 2.7 first, then the system's Python 3: the first found picks
    // the line.
    let tried = looked_for(&failed);
    let expected = [
        "python2.7-config: not on PATH".to_string(),
        format!("{}: not on PATH", prefixed_config_tool()),
    ];
    let expected3 = [
        "python3-config: not on PATH".to_string(),
        format!(
            "{}-linux-gnu-python3-config: not on PATH",
            std::env::consts::ARCH
        ),
    ];
    assert_eq!(tried.len(), 8, "{}", failed.stderr);
    assert!(tried[0].starts_with("pkg-config python-2.7: "), "{tried:?}");
    assert!(tried[1].starts_with("pkg-config python2: "), "{tried:?}");
    assert_eq!(tried[2..4], expected, "{}", failed.stderr);
    assert!(
        tried[4].starts_with("pkg-config python3-embed: "),
        "{tried:?}"
    );
    assert!(tried[5].starts_with("pkg-config python3: "), "{tried:?}");
    assert_eq!(tried[6..], expected3, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("LEGACY_BUFFER_SYS_PYTHON_VERSION"),
        "the message does not say how to pick a line:\n{}",
        failed.stderr
    );
}

/// `LEGACY_BUFFER_SYS_PYTHON_VERSION` picks the line the default search
/// looks for: 3.11 finds Debian's `python-3.11-embed` although 2.7 is
/// installed too (ci/install-deps installs both).
#[test]
fn the_version_variable_picks_the_line() {
    let failed = build_sys(&[
        ("LEGACY_BUFFER_SYS_PYTHON_VERSION", "3.11"),
        ("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1"),
    ]);
    assert_warns(
        &failed,
        &[
            "source: pkg-config module python-3.11-embed (version 3.11)",
            "Py_DEBUG: false",
        ],
    );
    assert!(
        failed
            .warnings
            .iter()
            .any(|w| w.starts_with("version: 3.11.")),
        "{:#?}",
        failed.warnings
    );
}

/// A Python found otherwise (here by pkg-config module name) must be of the
/// line asked for; a line this crate does not bind is refused by name.
#[test]
fn the_version_variable_is_checked() {
    let failed = build_sys(&[
        ("LEGACY_BUFFER_SYS_PYTHON_VERSION", "3.11"),
        ("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME", "python-2.7"),
    ]);
    assert_one_warning(
        &failed,
        "found Python 2.7, not 3.11",
        &["LEGACY_BUFFER_SYS_PYTHON_VERSION asks for 3.11"],
    );
    let failed = build_sys(&[("LEGACY_BUFFER_SYS_PYTHON_VERSION", "3.8")]);
    assert_one_warning(
        &failed,
        "LEGACY_BUFFER_SYS_PYTHON_VERSION is \"3.8\"",
        &["2.7, or 3.9 to 3.13"],
    );
}

/// Without pkg-config's module, each `python2.7-config` on `PATH` is tried
/// in order: one that fails (a pyenv shim for a version not selected) does
/// not hide the next, here Debian's, whose name comes from the target
/// triple. Print-config says which was passed over and why.
#[test]
fn a_failing_config_tool_on_path_does_not_hide_the_next() {
    let libdir = no_pkg_config_modules();
    let shim_dir = failing_shim_dir();
    let path = std::env::join_paths(std::iter::once(shim_dir.clone()).chain(
        std::env::split_paths(&std::env::var_os("PATH").expect("PATH is set")),
    ))
    .unwrap();
    let failed = build_sys(&[
        ("PKG_CONFIG_LIBDIR", &libdir),
        ("PKG_CONFIG_PATH", ""),
        ("PATH", path.to_str().unwrap()),
        ("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1"),
    ]);
    let shim = shim_dir.join("python2.7-config");
    let passed_over = format!(
        "passed over: {0}: `{0} --includes` failed (exit status: 127): \
         pyenv: python2.7-config: command not found",
        shim.display()
    );
    assert!(
        failed.warnings.contains(&passed_over),
        "{passed_over:?} is not among the warnings {:#?}",
        failed.warnings
    );
    let source = failed
        .warnings
        .iter()
        .find_map(|w| w.strip_prefix("source: "))
        .unwrap_or_else(|| panic!("no source line:\n{}", failed.stderr));
    assert!(
        source.ends_with(&format!("/{}", prefixed_config_tool())),
        "{source:?} is not Debian's config tool (libpython2.7-dev, from ci/install-deps)"
    );
    assert_warns(
        &failed,
        &["version: 2.7.18 (hex 0x020712f0)", "Py_DEBUG: false"],
    );
}

/// `LEGACY_BUFFER_SYS_PYTHON_CONFIG` names the one config tool to use: no
/// fallback when it fails, and no second Python asked for beside it.
#[test]
fn a_named_config_tool_is_the_only_one_tried() {
    let failed = build_sys(&[(
        "LEGACY_BUFFER_SYS_PYTHON_CONFIG",
        "/nonexistent/bin/python2.7-config",
    )]);
    assert_one_warning(&failed, "no Python found", &["To fix this"]);
    let tried = looked_for(&failed);
    assert_eq!(tried.len(), 1, "{}", failed.stderr);
    assert!(
        tried[0].starts_with(
            "/nonexistent/bin/python2.7-config (LEGACY_BUFFER_SYS_PYTHON_CONFIG), which \
             LEGACY_BUFFER_SYS_PYTHON_CONFIG names: "
        ),
        "{}",
        failed.stderr
    );

    let both = build_sys(&[
        ("LEGACY_BUFFER_SYS_PYTHON_CONFIG", "python2.7-config"),
        ("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME", "python-2.7"),
    ]);
    assert_one_warning(
        &both,
        "two Pythons asked for",
        &["set one of them", "python-2.7", "python2.7-config"],
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
        &[
            "apt-get install libclang-dev",
            "LIBCLANG_PATH",
            // The way round it, for 2.7.18.
            "LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS=1",
            "pregenerated-bindings feature",
        ],
    );
}

/// Without libclang, the committed bindings serve instead, on request: the
/// build says so, and legacy-buffer-sys's own tests (which check the
/// bindings' layouts against the C compiler's and call into the real
/// interpreter) pass with them, against the release build of Python or, in
/// the debug test run, the debug build. In the libclang case's target
/// directory (`-dbg` for the debug build), where bindgen's libclang is
/// already missing.
#[test]
fn pregenerated_bindings_need_no_libclang() {
    let (dir, module) = if legacy_buffer_sys::PY_DEBUG {
        ("build-script-libclang-dbg", "python-2.7-dbg")
    } else {
        ("build-script-libclang", "python-2.7")
    };
    let vars = [
        ("LIBCLANG_PATH", "/nonexistent-libclang"),
        ("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME", module),
    ];

    let mut print = vars.to_vec();
    print.extend([
        ("LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS", "1"),
        ("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1"),
    ]);
    let printed = build_sys_in(dir, &print);
    let line = "bindings: pre-generated (bindings/cpython-2.7.18-x86_64-linux.rs)";
    assert!(
        printed.warnings.iter().any(|w| w == line),
        "{line:?} is not among the warnings {:#?}",
        printed.warnings
    );

    let mut command = cargo::command(
        dir,
        &[
            "test",
            "-p",
            "legacy-buffer-sys",
            "--features",
            "pregenerated-bindings",
        ],
    );
    command.envs(vars);
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    let passed: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed > 0, "no test ran:\n{stdout}");
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
    assert_warns(&failed, &expected);
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

/// The committed bindings serve only the headers they were generated from:
/// a copy of the installed headers is accepted, and the same copy with one
/// header changed is refused, saying to let bindgen generate the bindings
/// (libclang) or to regenerate the committed ones. In the libclang case's
/// target directory, where bindgen cannot run.
#[test]
fn pregenerated_bindings_refuse_other_headers() {
    let (dir, module) = if legacy_buffer_sys::PY_DEBUG {
        ("build-script-libclang-dbg", "python-2.7-dbg")
    } else {
        ("build-script-libclang", "python-2.7")
    };
    let pkg_config = |flag: &str, prefix: &str| -> Vec<String> {
        let output = Command::new("pkg-config")
            .args([flag, module])
            .output()
            .expect("running pkg-config");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .split_whitespace()
            .filter_map(|f| f.strip_prefix(prefix).map(str::to_string))
            .collect()
    };
    let include_dirs = pkg_config("--cflags-only-I", "-I");
    let lib_name = pkg_config("--libs-only-l", "-l")
        .into_iter()
        .find(|l| l.starts_with("python"))
        .expect("pkg-config names libpython");

    // Each include directory copied, as its own directory, in order.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("headers-{module}"));
    let _ = std::fs::remove_dir_all(&root);
    let copies: Vec<PathBuf> = include_dirs
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let to = root.join(i.to_string());
            std::fs::create_dir_all(&to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
                }
            }
            to
        })
        .collect();
    let include = std::env::join_paths(&copies).unwrap();
    let include = include.to_str().unwrap();
    let vars = [
        ("LIBCLANG_PATH", "/nonexistent-libclang"),
        ("LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS", "1"),
        ("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR", include),
        (
            "LEGACY_BUFFER_SYS_PYTHON_LIB_DIR",
            "/usr/lib/x86_64-linux-gnu",
        ),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", &lib_name),
    ];

    let mut command = cargo::command(dir, &["build", "-p", "legacy-buffer-sys"]);
    command.envs(vars);
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    assert!(
        output.status.success(),
        "a copy of the headers is refused:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let changed = copies[0].join("bufferobject.h");
    let mut text = std::fs::read_to_string(&changed).unwrap();
    text.push_str("\n/* not the header the bindings were generated from */\n");
    std::fs::write(&changed, text).unwrap();
    let failed = build_sys_in(dir, &vars);
    assert_one_warning(
        &failed,
        "the Python headers are not those the pre-generated bindings were generated from",
        &[
            "bindings/cpython-2.7.18-x86_64-linux.headers",
            copies[0].to_str().unwrap(),
            "apt-get install libclang-dev",
            "unset LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS",
            "ci/bindings --update",
        ],
    );
}
