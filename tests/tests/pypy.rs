//! The ported extension modules under PyPy: each port and its C original
//! are built for PyPy (cpyext's headers, extension modules only), and the
//! port's own Python suite runs under `pypy`, once on the C original and
//! once on the port, which it compares with the C original result for result
//! and exception for exception.
//!
//! One cargo build, as a user would run it, in a target directory of its own
//! (`target/pypy`), with PyPy's headers named by the explicit variables (no
//! pkg-config module exists for Debian's pypy): the ports with their
//! `extension-module` feature, and the tests crate, whose build script
//! compiles the C originals (`c/*.c`) against the headers legacy-buffer-sys
//! bound, named with the suffix pypy imports (`legacy-buffer-build-config`'s
//! `extension_suffix()`).
//!
//! A new port adds a [`Port`] to [`PORTS`] and a test calling [`run_suite`]:
//! its C original must be among the modules the tests crate's build script
//! compiles.

use legacy_buffer_tests::cargo;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// PyPy 2.7, from Debian 11's pypy (ci/install-deps).
const PYPY: &str = "/usr/bin/pypy";

/// PyPy's headers (Debian 11's pypy-dev).
const PYPY_INCLUDE: &str = "/usr/lib/pypy/include";

/// The tests crate's example extension module reporting what legacy-buffer
/// does (`examples/pypy_probe.rs`), imported by the same name.
const PROBE: &str = "pypy_probe";

/// A ported module, its C original and the suite they share.
struct Port {
    /// The port's cargo package; built with its `extension-module` feature.
    package: &'static str,
    /// The cdylib the package builds, as cargo names it.
    library: &'static str,
    /// The module name the port is imported under.
    module: &'static str,
    /// The C original's module name (`c/<original>.c`).
    original: &'static str,
    /// The suite, relative to the tests crate.
    suite: &'static str,
    /// The variable naming the module the suite tests (the C original by
    /// default); the suite compares it with the C original.
    module_variable: &'static str,
}

/// The ports.
const PORTS: &[Port] = &[LEGACY_CHECKSUM];

const LEGACY_CHECKSUM: Port = Port {
    package: "legacy-checksum",
    library: "liblegacy_checksum.so",
    module: "legacy_checksum_rs",
    original: "legacy_checksum",
    suite: "python/test_legacy_checksum.py",
    module_variable: "LEGACY_CHECKSUM_MODULE",
};

/// What the build gave: the directory of the C originals, and that of the
/// ports (each copied under its module name).
struct Built {
    c_modules: PathBuf,
    ports: PathBuf,
    /// What pypy's extension modules' file names end in.
    suffix: String,
}

/// Builds everything once per test run.
fn built() -> &'static Built {
    static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(built) => built,
        Err(message) => panic!("{message}"),
    }
}

fn build() -> Result<Built, String> {
    if !Path::new(PYPY_INCLUDE).join("Python.h").is_file() || !Path::new(PYPY).is_file() {
        return Err(format!(
            "PyPy is missing ({PYPY}, headers in {PYPY_INCLUDE}): run ci/install-deps \
             (Debian 11's pypy and pypy-dev)"
        ));
    }
    let mut args = vec![
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
        "-p",
        "legacy-buffer-tests",
    ];
    let features: Vec<String> = PORTS
        .iter()
        .map(|port| format!("{}/extension-module", port.package))
        .collect();
    for (port, feature) in PORTS.iter().zip(&features) {
        args.extend(["-p", port.package, "--features", feature]);
    }
    args.extend(["--example", PROBE]);
    let suffix = extension_suffix()?;
    let mut command = cargo::command("pypy", &args);
    command.envs([
        ("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR", PYPY_INCLUDE),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_DIR", "/usr/lib/pypy/bin"),
        ("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", "pypy-c"),
        // The tests crate does not enable extension-module itself.
        ("LEGACY_BUFFER_SYS_NO_LINK", "1"),
        ("LEGACY_BUFFER_TEST_EXTENSION_SUFFIX", &suffix),
    ]);
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "building for PyPy failed ({}): {command:?}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let c_modules = stdout
        .lines()
        .filter(|l| l.contains(r#""reason":"build-script-executed""#))
        .filter(|l| l.contains("legacy-buffer-tests"))
        .find_map(|l| json_string(l, "out_dir"))
        .map(|out_dir| PathBuf::from(out_dir).join("python-modules"))
        .ok_or_else(|| format!("no build script output of legacy-buffer-tests in:\n{stdout}"))?;

    let ports = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pypy-ports");
    std::fs::create_dir_all(&ports).map_err(|e| format!("{}: {e}", ports.display()))?;
    let release = cargo::workspace_dir().join("target/pypy/release");
    let libraries = PORTS
        .iter()
        .map(|port| (release.join(port.library), port.module))
        .chain([(
            release.join("examples").join(format!("lib{PROBE}.so")),
            PROBE,
        )]);
    for (library, module) in libraries {
        let module = ports.join(format!("{module}{suffix}"));
        // Copied, not linked: a later build must not change the file under
        // a running interpreter.
        std::fs::copy(&library, &module).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                library.display(),
                module.display()
            )
        })?;
    }
    Ok(Built {
        c_modules,
        ports,
        suffix,
    })
}

/// What pypy's extension modules' file names end in: its build's choice
/// (Debian's: `.pypy-73-x86_64-linux-gnu.so`), which it says.
fn extension_suffix() -> Result<String, String> {
    let output = Command::new(PYPY)
        .args([
            "-c",
            "import sysconfig; print sysconfig.get_config_var('SO')",
        ])
        .output()
        .map_err(|e| format!("cannot run {PYPY}: {e}"))?;
    let suffix = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || !suffix.starts_with('.') || !suffix.ends_with(".so") {
        return Err(format!(
            "{PYPY} did not say its extension suffix ({}): {suffix:?} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(suffix)
}

/// The value of `"key":"..."` in a line of cargo's JSON (paths here have
/// no quotes or escapes).
fn json_string<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let rest = &line[start..];
    Some(&rest[..rest.find('"')?])
}

/// Runs `pypy <args>` with the C originals and the ports on its path, and
/// `vars` (a suite's variable naming the module under test); returns what
/// it wrote to stderr (unittest's report), or fails the test showing
/// everything.
fn run_pypy(args: &[&str], vars: &[(&str, &str)]) -> String {
    let built = built();
    let output = Command::new(PYPY)
        .args(args)
        .env("LEGACY_BUFFER_TEST_MODULES", &built.c_modules)
        .env("PYTHONPATH", &built.ports)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // The suites panic on purpose (`_panic()`): one line each.
        .env("RUST_BACKTRACE", "0")
        .envs(vars.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {PYPY}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{PYPY} {args:?} with {vars:?} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status,
    );
    stderr.into_owned()
}

/// unittest's verdict on each test of a verbose run: `name (class) ... ok`.
fn verdicts(report: &str) -> Vec<(&str, &str)> {
    report
        .lines()
        .filter_map(|l| l.split_once(" ... "))
        .collect()
}

/// The port's suite under pypy, on the C original, then on the port. Both
/// pass; on the port, the tests that compare it with the C original ran
/// (none of them is skipped, as they are when the C original is tested).
fn run_suite(port: &Port) {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join(port.suite);
    let suite = suite.to_str().expect("a UTF-8 path");

    let original = run_pypy(&[suite, "-v"], &[(port.module_variable, port.original)]);
    let on_original = verdicts(&original);
    assert!(
        on_original.iter().any(|(_, v)| *v == "ok"),
        "no test passed on {}:\n{original}",
        port.original
    );
    let compared: Vec<&str> = on_original
        .iter()
        .filter(|(_, v)| v.contains("the module under test is the reference"))
        .map(|(t, _)| *t)
        .collect();
    assert!(
        !compared.is_empty(),
        "the suite has no test comparing a port with {}:\n{original}",
        port.original
    );

    let ported = run_pypy(&[suite, "-v"], &[(port.module_variable, port.module)]);
    assert!(
        ported.contains(&format!("testing {} (", port.module)),
        "the suite did not test {}:\n{ported}",
        port.module
    );
    let on_port = verdicts(&ported);
    for test in &compared {
        let verdict = on_port.iter().find(|(t, _)| t == test).map(|(_, v)| *v);
        assert_eq!(
            verdict,
            Some("ok"),
            "{test} did not pass on {}:\n{ported}",
            port.module
        );
    }
    println!(
        "{} and {} under PyPy: {} and {} tests",
        port.original,
        port.module,
        on_original.len(),
        on_port.len()
    );
}

#[test]
fn legacy_checksum_suite_passes_under_pypy() {
    run_suite(&LEGACY_CHECKSUM);
}

/// legacy-buffer's model on cpyext's objects, as the crate documentation
/// states it (its section on PyPy): the kind each borrow gets, or the error
/// it fails with; the no-Python scope lends each exporter's bytes; threads
/// Rust starts take the GIL with `with_gil` while the caller has given it
/// up (`allow_threads`), and drop errors without it.
const PYPY_MODEL: &str = r#"
import array, ctypes, mmap, sys
import pypy_probe as p

class Str(str): pass
class Unicode(unicode): pass
class ByteArray(bytearray): pass

NOT_CHAR = "TypeError: expected a character buffer object"
NOT_READ = "TypeError: expected a readable buffer object"
NOT_WRITE = "TypeError: expected a writeable buffer object"
I, U = "Immutable", "Unpinned"
raw = lambda text: text.encode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")

mapped = mmap.mmap(-1, 4)
mapped.write("mmap")
cases = [
    # (label, object, (char, read, write), what the scope lends)
    ("str", "abc", (I, I, NOT_WRITE), "abc"),
    ("empty str", "", (I, I, NOT_WRITE), ""),
    ("str subclass", Str("abc"), (U, U, NOT_WRITE), "abc"),
    ("unicode", u"abc", (NOT_CHAR, U, NOT_WRITE), raw(u"abc")),
    ("unicode subclass", Unicode(u"ab"), (NOT_CHAR, U, NOT_WRITE), raw(u"ab")),
    ("buffer", buffer("abc"), (U, U, NOT_WRITE), "abc"),
    ("buffer slice", buffer("abcd", 1, 2), (U, U, NOT_WRITE), "abcd"),
    ("bytearray", bytearray("ab"), (U, U, U), "ab"),
    ("bytearray subclass", ByteArray("ab"), (U, U, U), "ab"),
    ("array", array.array("B", [1, 2]), (U, U, U), "\x01\x02"),
    ("mmap", mapped, (U, U, U), "mmap"),
    ("ctypes", (ctypes.c_char * 3).from_buffer_copy("xyz"), (U, U, U), "xyz"),
    ("int", 1, (NOT_CHAR, NOT_READ, NOT_WRITE), None),
    ("list", [], (NOT_CHAR, NOT_READ, NOT_WRITE), None),
    ("memoryview", memoryview("ab"), (NOT_CHAR, NOT_READ, NOT_WRITE), None),
    ("None", None, (NOT_CHAR, NOT_READ, NOT_WRITE), None),
]
for label, obj, kinds, lent in cases:
    got = tuple(str(k) for k in p.kinds(obj))
    assert got == kinds, (label, got, kinds)
    if lent is None:
        try:
            p.lent(obj)
        except TypeError as e:
            assert str(e) == NOT_READ[len("TypeError: "):], (label, e)
        else:
            raise AssertionError("%s was lent" % label)
    else:
        assert p.lent(obj) == lent, (label, p.lent(obj), lent)

assert p.threads(8) == sum(range(8))
assert p.threads(0) == 0
sys.stderr.write("pypy model: %d objects, threads: ok\n" % len(cases))
"#;

#[test]
fn legacy_buffer_model_under_pypy() {
    let report = run_pypy(&["-c", PYPY_MODEL], &[]);
    assert!(
        report.contains("pypy model: 16 objects, threads: ok"),
        "{report}"
    );
}

/// What the port needs comes from the pypy that imports it: it is built
/// without libpypy-c, and it imports (pypy resolves every symbol at once),
/// and says it runs on PyPy.
#[test]
fn ports_import_under_pypy_without_linking_libpypy() {
    for port in PORTS {
        let built = built();
        let module = built.ports.join(format!("{}{}", port.module, built.suffix));
        let dynamic = Command::new("readelf")
            .arg("-d")
            .arg(&module)
            .output()
            .expect("running readelf");
        let dynamic = String::from_utf8_lossy(&dynamic.stdout);
        assert!(dynamic.contains("(NEEDED)"), "{dynamic}");
        assert!(
            !dynamic.contains("libpypy") && !dynamic.contains("libpython"),
            "{} links a Python library:\n{dynamic}",
            module.display()
        );
        let check = format!(
            "import platform, sys\n\
             import {0} as m\n\
             assert platform.python_implementation() == 'PyPy', platform.python_implementation()\n\
             assert m.__file__.endswith({1:?}), m.__file__\n\
             sys.stderr.write('imported %s\\n' % m.__file__)\n",
            port.module,
            module.file_name().unwrap().to_str().unwrap()
        );
        let report = run_pypy(&["-c", &check], &[]);
        assert!(report.contains("imported "), "{report}");
    }
}
