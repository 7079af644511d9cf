//! legacy-buffer against a CPython 2.7 built from source with
//! `--enable-shared`, outside the system's paths and without pkg-config
//! files the search would see: found as a user's would be, through its
//! `python2.7-config` on `PATH` (behind a failing pyenv-style shim) or named
//! by `LEGACY_BUFFER_SYS_PYTHON_CONFIG`, built,
//! and legacy-buffer's own tests and doctests run against its libpython.
//!
//! The Python is the one pyenv built under
//! `~/.pyenv/versions/2.7.18` on these machines, or the one whose
//! `python2.7-config` `LEGACY_BUFFER_TEST_PYTHON_CONFIG` names. When there
//! is none, the test says so on stderr (not captured) and passes.
//!
//! Real cargo builds, in a target directory of their own
//! (`target/source-python`).

use legacy_buffer_tests::cargo;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Names the `python2.7-config` of another source-built Python 2.7.
const VARIABLE: &str = "LEGACY_BUFFER_TEST_PYTHON_CONFIG";

/// Where pyenv installs 2.7.18's config tool, under `$HOME`.
const PYENV_CONFIG: &str = ".pyenv/versions/2.7.18/bin/python2.7-config";

/// The target directory of these builds, under `target/`.
const TARGET_DIR: &str = "source-python";

/// The config tool to test with, if there is one.
fn config_tool() -> Option<PathBuf> {
    if let Some(tool) = std::env::var_os(VARIABLE) {
        let tool = PathBuf::from(tool);
        assert!(
            tool.is_file(),
            "{VARIABLE} names {tool:?}, which is no file"
        );
        return Some(tool);
    }
    let tool = Path::new(&std::env::var_os("HOME")?).join(PYENV_CONFIG);
    tool.is_file().then_some(tool)
}

/// `tool arg`'s output, trimmed.
fn ask(tool: &Path, arg: &str) -> String {
    let output = Command::new(tool)
        .arg(arg)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool:?}: {e}"));
    assert!(output.status.success(), "{tool:?} {arg}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// A directory whose `python2.7-config` fails as a pyenv shim does when the
/// selected version has none (`~/.pyenv/shims` is often first on `PATH`).
fn failing_shim_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("source-python-shim");
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

/// How the child builds find the Python: the failing shim first on `PATH`,
/// then the Python's bin directory, then this run's `PATH`; pkg-config with
/// no modules at all (so not Debian's python-2.7); libpython found at run
/// time through `LD_LIBRARY_PATH`.
struct Setup {
    tool: PathBuf,
    shim_dir: PathBuf,
    lib_dir: PathBuf,
    path: OsString,
    pkg_config_libdir: PathBuf,
}

impl Setup {
    fn new(tool: PathBuf) -> Setup {
        let bin_dir = tool
            .parent()
            .expect("the tool is in a directory")
            .to_path_buf();
        let lib_dir = PathBuf::from(ask(&tool, "--exec-prefix")).join("lib");
        let shim_dir = failing_shim_dir();
        let current = std::env::var_os("PATH").expect("PATH is set");
        let path = std::env::join_paths(
            [shim_dir.clone(), bin_dir]
                .into_iter()
                .chain(std::env::split_paths(&current)),
        )
        .unwrap();
        let pkg_config_libdir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-pc-files");
        std::fs::create_dir_all(&pkg_config_libdir).unwrap();
        Setup {
            tool,
            shim_dir,
            lib_dir,
            path,
            pkg_config_libdir,
        }
    }

    /// This Python's lib directory, then this run's `LD_LIBRARY_PATH`.
    fn library_path(&self) -> OsString {
        let mut path = OsString::from(&self.lib_dir);
        if let Some(current) = std::env::var_os("LD_LIBRARY_PATH") {
            path.push(":");
            path.push(current);
        }
        path
    }

    /// `cargo <args>` with the search set up as described.
    fn cargo(&self, args: &[&str]) -> Command {
        let mut command = cargo::command(TARGET_DIR, args);
        command
            .env("PATH", &self.path)
            .env("PKG_CONFIG_LIBDIR", &self.pkg_config_libdir)
            .env_remove("PKG_CONFIG_PATH")
            .env("LD_LIBRARY_PATH", self.library_path());
        command
    }
}

fn run(mut command: Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked at"),
        "{command:?} panicked:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn legacy_buffer_builds_and_passes_its_tests_against_a_source_built_python() {
    let Some(tool) = config_tool() else {
        // Straight to stderr: the test harness captures eprintln!.
        writeln!(
            std::io::stderr(),
            "\nsource_python: SKIPPED: no source-built Python 2.7 here (no ~/{PYENV_CONFIG}); \
             set {VARIABLE} to the python2.7-config of one built with --enable-shared.\n"
        )
        .unwrap();
        return;
    };
    let setup = Setup::new(tool);
    writeln!(
        std::io::stderr(),
        "\nsource_python: testing against the Python of {}",
        setup.tool.display()
    )
    .unwrap();

    // 1. The search finds it on PATH, past the failing shim, and reads
    //    its library directory from it.
    let mut print = setup.cargo(&["build", "-p", "legacy-buffer-sys"]);
    print.env("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1");
    let output = run(print);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warnings = cargo::build_script_warnings(&stderr, "legacy-buffer-sys");
    let shim = setup.shim_dir.join("python2.7-config");
    let expected = [
        format!(
            "passed over: {0}: `{0} --includes` failed (exit status: 127): \
             pyenv: python2.7-config: command not found",
            shim.display()
        ),
        format!("source: {}", setup.tool.display()),
        "link libpython: true".to_string(),
    ];
    for line in &expected {
        assert!(
            warnings.contains(line),
            "{line:?} is not among the warnings {warnings:#?}"
        );
    }
    let lib_dirs = warnings
        .iter()
        .find_map(|w| w.strip_prefix("lib dirs: "))
        .unwrap_or_else(|| panic!("no lib dirs line: {warnings:#?}"));
    assert!(
        lib_dirs.contains(&format!("{:?}", setup.lib_dir)),
        "{lib_dirs} lacks {:?}",
        setup.lib_dir
    );

    // 1b. A plain `./configure --enable-shared` build's tool prints no -L
    //     for its own library (pyenv's adds one through its LDFLAGS): the
    //     search adds <exec-prefix>/lib. The tool wrapped to print that.
    let vanilla = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vanilla-python2.7-config");
    std::fs::write(
        &vanilla,
        format!(
            "#!/bin/sh\n\
             if [ \"$1\" = --ldflags ]; then\n\
             \x20 echo '-lpython2.7 -lpthread -ldl -lutil -lm -Xlinker -export-dynamic'\n\
             else\n\
             \x20 exec '{}' \"$@\"\n\
             fi\n",
            setup.tool.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&vanilla).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&vanilla, permissions).unwrap();
    let mut print = setup.cargo(&["build", "-p", "legacy-buffer-sys"]);
    print
        .env("LEGACY_BUFFER_SYS_PYTHON_CONFIG", &vanilla)
        .env("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1");
    let output = run(print);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warnings = cargo::build_script_warnings(&stderr, "legacy-buffer-sys");
    let line = format!("lib dirs: [{:?}]", setup.lib_dir);
    assert!(
        warnings.contains(&line),
        "{line:?} is not among the warnings {warnings:#?}"
    );

    // 2. LEGACY_BUFFER_SYS_PYTHON_CONFIG picks it over pkg-config's
    //    python-2.7 (Debian's, with this run's own pkg-config setup).
    let mut named = cargo::command(TARGET_DIR, &["build", "-p", "legacy-buffer-sys"]);
    named
        .env("LEGACY_BUFFER_SYS_PYTHON_CONFIG", &setup.tool)
        .env("LEGACY_BUFFER_SYS_PRINT_CONFIG", "1");
    let output = run(named);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warnings = cargo::build_script_warnings(&stderr, "legacy-buffer-sys");
    let source = format!("source: {}", setup.tool.display());
    assert!(
        warnings.contains(&source),
        "{source:?} is not among the warnings {warnings:#?}"
    );

    // 3. Built, the test binaries load this Python's libpython.
    let output = run(setup.cargo(&[
        "test",
        "-p",
        "legacy-buffer",
        "--tests",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let executables: Vec<&str> = stdout
        .split("\"executable\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(!executables.is_empty(), "{}", show(&output));
    // (A binary with no test that calls into Python, as the unit tests,
    // may not link libpython at all: the linker drops unused libraries.)
    let library = setup.lib_dir.join("libpython2.7.so.1.0");
    let mut linked = 0;
    for executable in &executables {
        let mut ldd = Command::new("ldd");
        ldd.arg(executable)
            .env("LD_LIBRARY_PATH", setup.library_path());
        let output = run(ldd);
        let libs = String::from_utf8_lossy(&output.stdout);
        for line in libs.lines().filter(|l| l.contains("libpython")) {
            assert_eq!(
                line.trim().split(" (").next(),
                Some(format!("libpython2.7.so.1.0 => {}", library.display()).as_str()),
                "{executable} loads another libpython:\n{libs}"
            );
            linked += 1;
        }
    }
    assert!(
        linked > 0,
        "none of {executables:?} links libpython2.7.so.1.0"
    );

    // 4. The embedded interpreter runs on this Python's own standard
    //    library (it finds it from the `python` first on PATH, this
    //    Python's, or its configured prefix): asked through the probe,
    //    which embeds it and reports the type of what an expression gives.
    let prefix = ask(&setup.tool, "--prefix");
    let output = run(setup.cargo(&["build", "-p", "legacy-buffer-probe"]));
    assert!(output.status.success(), "{}", show(&output));
    let expression = format!(
        "'same' if __import__('sys').prefix == {prefix:?} \
         and __import__('os').__file__.startswith({prefix:?} + '/lib/python2.7/') else None"
    );
    let probe = cargo::workspace_dir()
        .join("target")
        .join(TARGET_DIR)
        .join("debug")
        .join("legacy-buffer-probe");
    let mut command = Command::new(&probe);
    command
        .args(["--json", &expression])
        .env("PATH", &setup.path)
        .env("LD_LIBRARY_PATH", setup.library_path())
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH");
    let output = run(command);
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\"type\":\"str\""),
        "sys.prefix or the os module is not {prefix}'s: {}",
        show(&output)
    );

    // 5. legacy-buffer's tests (unit, compile-fail, soundness: they embed
    //    the interpreter) and its doctests, against it.
    for args in [&["--tests"][..], &["--doc"][..]] {
        let mut command = setup.cargo(&["test", "-p", "legacy-buffer"]);
        command.args(args);
        let output = run(command);
        assert!(output.status.success(), "{}", show(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let passed: usize = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("test result: ok. "))
            .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
            .sum();
        assert!(passed > 0, "no test ran:\n{}", show(&output));
        writeln!(
            std::io::stderr(),
            "source_python: cargo test -p legacy-buffer {}: {passed} passed",
            args.join(" ")
        )
        .unwrap();
    }
}
