//! The ported extension modules under PyPy: each port and its original
//! are built for PyPy (cpyext's headers, extension modules only), and the
//! port's own suite runs under `pypy` on the original and on the port, which
//! must give what the original gives, result for result and exception for
//! exception. Besides, legacy-buffer's model and its argument parser are
//! checked under `pypy` through an example extension module.
//!
//! One cargo build, as a user would run it, in a target directory of its own
//! (`target/pypy`), with PyPy's headers named by the explicit variables (no
//! pkg-config module exists for Debian's pypy): the ports with their
//! `extension-module` feature, the example, and the tests crate, whose build
//! script compiles the originals (`c/*.c`, and python-snappy's `_snappy`
//! from the sdist `ci/third-party` downloads) against the headers
//! legacy-buffer-sys bound, named with the suffix the pypy asked says.
//!
//! A new port adds a [`Port`] to [`PORTS`] (which builds and installs it)
//! and a test running its suite as the originals' own ([`checksum_suite`],
//! [`snappy_suite`]); its original must be among what the tests crate's
//! build script compiles.

use legacy_buffer_tests::{bitarray, cargo};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// PyPy 2.7, from Debian 11's pypy (ci/install-deps).
const PYPY: &str = "/usr/bin/pypy";

/// PyPy's headers (Debian 11's pypy-dev).
const PYPY_INCLUDE: &str = "/usr/lib/pypy/include";

/// The tests crate's example extension module reporting what legacy-buffer
/// does (`examples/pypy_probe.rs`), imported by the same name.
const PROBE: &str = "pypy_probe";

/// A ported module: built for PyPy with its `extension-module` feature,
/// and installed under the name its original is imported by.
struct Port {
    /// The port's cargo package.
    package: &'static str,
    /// The cdylib the package builds, as cargo names it.
    library: &'static str,
    /// The module name the port is imported under.
    module: &'static str,
}

/// The ports; those whose crate is in the workspace are built
/// ([`present_ports`]): `legacy-bitarray` joins the build when its crate
/// does, until then its test fails saying so.
const PORTS: &[Port] = &[LEGACY_CHECKSUM, LEGACY_SNAPPY, LEGACY_BITARRAY];

/// The ports whose crate is in the workspace.
fn present_ports() -> impl Iterator<Item = &'static Port> {
    PORTS.iter().filter(|port| {
        cargo::workspace_dir()
            .join(port.package)
            .join("Cargo.toml")
            .is_file()
    })
}

/// `tests/c/legacy_checksum.c` ported; its suite is
/// `python/test_legacy_checksum.py`.
const LEGACY_CHECKSUM: Port = Port {
    package: "legacy-checksum",
    library: "liblegacy_checksum.so",
    module: "legacy_checksum_rs",
};

/// python-snappy 0.5.4's `_snappy` ported; its suite is the sdist's.
const LEGACY_SNAPPY: Port = Port {
    package: "legacy-snappy",
    library: "liblegacy_snappy.so",
    module: "_snappy",
};

/// bitarray 1.2.2's `_bitarray` and `_util` ported (one library: `_util`
/// is a symlink to it in the package [`bitarray_tree`] makes); its suite is
/// the sdist's.
const LEGACY_BITARRAY: Port = Port {
    package: bitarray::PORT_PACKAGE,
    library: "liblegacy_bitarray.so",
    module: "_bitarray",
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
    let features: Vec<String> = present_ports()
        .map(|port| format!("{}/extension-module", port.package))
        .collect();
    for (port, feature) in present_ports().zip(&features) {
        args.extend(["-p", port.package, "--features", feature]);
    }
    // --lib too: with a target named, cargo builds only the targets named.
    args.extend(["--lib", "--example", PROBE]);
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
    let libraries = present_ports()
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

/// Runs `pypy <args>` with the C originals and the ports on its path and
/// `vars` set (the suites' variable naming the module under test), in the
/// tests crate's directory.
fn pypy(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let built = built();
    Command::new(PYPY)
        .args(args)
        .env("LEGACY_BUFFER_TEST_MODULES", &built.c_modules)
        .env("PYTHONPATH", &built.ports)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // The suites panic on purpose (`_panic()`): one line each.
        .env("RUST_BACKTRACE", "0")
        .envs(vars.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {PYPY}: {e}"))
}

/// As [`pypy`], which must succeed: returns what it wrote to stderr
/// (unittest's report), or fails the test showing everything.
fn run_pypy(args: &[&str], vars: &[(&str, &str)]) -> String {
    let output = pypy(args, vars);
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

/// legacy_checksum's suite under pypy, on the C original, then on the
/// port. Both pass; on the port, the tests that compare it with the C
/// original ran and passed (they are skipped when the original is tested).
fn checksum_suite() {
    let suite = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/test_legacy_checksum.py"
    );
    let variable = "LEGACY_CHECKSUM_MODULE";
    let original = run_pypy(&[suite, "-v"], &[(variable, "legacy_checksum")]);
    let on_original = verdicts(&original);
    assert!(
        on_original.iter().any(|(_, v)| *v == "ok"),
        "no test passed on legacy_checksum:\n{original}"
    );
    let compared: Vec<&str> = on_original
        .iter()
        .filter(|(_, v)| v.contains("the module under test is the reference"))
        .map(|(t, _)| *t)
        .collect();
    assert!(
        compared.len() >= 4,
        "the suite has too few tests comparing a port with legacy_checksum:\n{original}"
    );

    let port = LEGACY_CHECKSUM.module;
    let ported = run_pypy(&[suite, "-v"], &[(variable, port)]);
    assert!(
        ported.contains(&format!("testing {port} (")),
        "the suite did not test {port}:\n{ported}"
    );
    let on_port = verdicts(&ported);
    for test in &compared {
        let verdict = on_port.iter().find(|(t, _)| t == test).map(|(_, v)| *v);
        assert_eq!(
            verdict,
            Some("ok"),
            "{test} did not pass on {port}:\n{ported}"
        );
    }
    println!(
        "legacy_checksum and {port} under PyPy: {} and {} tests",
        on_original.len(),
        on_port.len()
    );
}

#[test]
fn legacy_checksum_suite_passes_under_pypy() {
    checksum_suite();
}

/// The sdist's test files (as tests/tests/snappy_port.rs runs them).
const SNAPPY_SUITE: &[&str] = &["test_snappy", "test_formats", "test_hadoop_snappy"];

/// What the sdist's suite cannot do under PyPy, with the original as with
/// the port: cpyext's `memoryview` has no buffer interface, so `s*`
/// refuses it (CPython's takes it).
const SNAPPY_ON_PYPY_ONLY: &[(&str, &str)] = &[(
    "test_compression (test_snappy.SnappyStreaming)",
    "TypeError: must be string or buffer, not memoryview",
)];

/// python-snappy's sdist, downloaded by ci/third-party.
fn snappy_sdist() -> PathBuf {
    let sdist = cargo::workspace_dir().join("target/third-party/python-snappy-0.5.4");
    let dir = std::env::var_os("LEGACY_BUFFER_THIRD_PARTY")
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join("python-snappy-0.5.4"))
        .unwrap_or(sdist);
    assert!(
        dir.join("snappy/snappymodule.cc").is_file(),
        "python-snappy 0.5.4's sdist is not in {}: run ci/install-deps (or ci/third-party)",
        dir.display()
    );
    dir
}

/// A copy of the sdist's package and tests with `module` as its
/// `snappy/_snappy`, where its suite runs.
fn snappy_tree(name: &str, module: &Path) -> PathBuf {
    let sdist = snappy_sdist();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pypy-snappy-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    let package = root.join("snappy");
    std::fs::create_dir_all(&package).unwrap();
    for entry in std::fs::read_dir(sdist.join("snappy")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "py") {
            std::fs::copy(&path, package.join(path.file_name().unwrap())).unwrap();
        }
    }
    for test in SNAPPY_SUITE {
        let file = format!("{test}.py");
        std::fs::copy(sdist.join(&file), root.join(&file)).unwrap();
    }
    let installed = package.join(format!("_snappy{}", built().suffix));
    std::fs::copy(module, &installed).unwrap();
    root
}

/// The sdist's suite under pypy in `root`: its verdicts, the errors it
/// reported (`test: Type: message`), and how many tests ran. Checks that
/// `snappy._snappy` is the module installed there (the package falls back
/// to its cffi backend when it cannot import it).
fn snappy_run(root: &Path) -> (Vec<(String, String)>, Vec<String>, usize) {
    let root_str = root.to_str().unwrap();
    let which = run_pypy(
        &[
            "-c",
            "import os, sys, snappy._snappy as m; sys.stderr.write(os.path.realpath(m.__file__))",
        ],
        &[("PYTHONPATH", root_str)],
    );
    let expected = root
        .join("snappy")
        .join(format!("_snappy{}", built().suffix));
    assert_eq!(Path::new(which.trim()), expected.canonicalize().unwrap());

    let mut args = vec!["-m", "unittest", "-v"];
    args.extend(SNAPPY_SUITE);
    let output = pypy(&args, &[("PYTHONPATH", root_str)]);
    let report = String::from_utf8_lossy(&output.stderr).into_owned();
    let verdicts: Vec<(String, String)> = verdicts(&report)
        .into_iter()
        .map(|(t, v)| (t.to_owned(), v.to_owned()))
        .collect();
    // "ERROR: <test>" then, after the traceback, "<Type>: <message>".
    let mut errors = Vec::new();
    let mut lines = report.lines();
    while let Some(line) = lines.next() {
        let Some(test) = line
            .strip_prefix("ERROR: ")
            .or_else(|| line.strip_prefix("FAIL: "))
        else {
            continue;
        };
        // Past the dashes under the test's name, to the next separator.
        lines.next();
        let last = lines
            .by_ref()
            .take_while(|l| !l.starts_with("=====") && !l.starts_with("-----"))
            .filter(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with("Traceback"))
            .last()
            .unwrap_or_default();
        errors.push(format!("{test}: {last}"));
    }
    let ran = report
        .lines()
        .find_map(|l| {
            l.strip_prefix("Ran ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no test count in\n{report}"));
    (verdicts, errors, ran)
}

/// python-snappy's own suite under pypy, on its C++ original and on the
/// port: the same verdict for every test, the same errors (those PyPy
/// itself causes, listed in [`SNAPPY_ON_PYPY_ONLY`], and no other); then
/// the parity script, case for case.
fn snappy_suite() {
    let built = built();
    let original = built
        .c_modules
        .join("snappy-original")
        .join(format!("_snappy{}", built.suffix));
    assert!(
        original.is_file(),
        "no {}: the tests crate's build script compiles it when the sdist is there \
         (run ci/install-deps, then build again)",
        original.display()
    );
    let port = built
        .ports
        .join(format!("{}{}", LEGACY_SNAPPY.module, built.suffix));

    let (original_verdicts, original_errors, original_ran) =
        snappy_run(&snappy_tree("original", &original));
    let (port_verdicts, port_errors, port_ran) = snappy_run(&snappy_tree("port", &port));
    assert_eq!(original_verdicts, port_verdicts);
    assert_eq!(original_errors, port_errors);
    let expected: Vec<String> = SNAPPY_ON_PYPY_ONLY
        .iter()
        .map(|(test, error)| format!("{test}: {error}"))
        .collect();
    assert_eq!(port_errors, expected);
    assert_eq!(original_ran, port_ran);
    // 27 on CPython (snappy_port.rs); none skipped or lost here.
    assert!(port_ran >= 25, "only {port_ran} tests ran");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/snappy_parity.py");
    let output = pypy(
        &[script, original.to_str().unwrap(), port.to_str().unwrap()],
        &[],
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = report.lines().last().unwrap_or_default();
    let cases: usize = last
        .split_whitespace()
        .next()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    assert!(last.contains(" 0 differences"), "{report}");
    assert!(cases >= 250, "only {cases} cases:\n{report}");
    println!("_snappy and its port under PyPy: {port_ran} tests, {last}");
}

#[test]
fn snappy_suite_passes_under_pypy_as_on_the_original() {
    snappy_suite();
}

/// The test of the sdist's suite that crashes the C original under pypy
/// (SIGSEGV): its `tofile` writes through `PyFile_AsFile`'s `FILE*`, which
/// cpyext's file objects do not hold as CPython's do. Left out on both.
const BITARRAY_CRASHES_ORIGINAL: &str = "bitarray.test_bitarray.FileTests.test_tofile";

/// A copy of the sdist's package with the port's `module` as its
/// `_bitarray` and `_util` a symlink to it (one library serves both): the
/// parent directory of `bitarray/`.
fn bitarray_tree(name: &str, module: &Path) -> PathBuf {
    let suffix = &built().suffix;
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pypy-bitarray-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    let package = root.join("bitarray");
    std::fs::create_dir_all(&package).unwrap();
    let installed = package.join(format!("_bitarray{suffix}"));
    std::fs::copy(module, &installed).unwrap();
    bitarray::install_package(&package, &installed, &format!("_util{suffix}")).unwrap();
    root
}

/// The sdist's suite under pypy with `root` on `sys.path`, less `skip` (a
/// test's id, or none): how many tests of test_bitarray and test_util
/// passed (all must).
fn bitarray_suite_under_pypy(root: &Path, skip: &str) -> (usize, usize) {
    let run = format!(
        "import os, sys, unittest\n\
         import bitarray, bitarray.test_bitarray as tb, bitarray.test_util as tu\n\
         here = os.path.realpath(os.path.join({root:?}, 'bitarray'))\n\
         for m in ('bitarray._bitarray', 'bitarray._util'):\n    \
         assert os.path.dirname(os.path.realpath(sys.modules[m].__file__)) == here, m\n\
         suite = unittest.TestSuite()\n\
         for cls in tb.tests + tu.tests:\n    \
         for test in unittest.makeSuite(cls):\n        \
         if test.id() != {skip:?}:\n            \
         suite.addTest(test)\n\
         result = unittest.TextTestRunner(verbosity=2).run(suite)\n\
         sys.exit(0 if result.wasSuccessful() else 1)\n",
        root = root.to_str().unwrap(),
        skip = skip
    );
    let report = run_pypy(&["-c", &run], &[("PYTHONPATH", root.to_str().unwrap())]);
    let (on_bitarray, on_util, not_ok) = bitarray::suite_counts(&report);
    assert_eq!(not_ok, 0, "{report}");
    (on_bitarray, on_util)
}

/// bitarray_parity.py under pypy, `original` against `port` (directories
/// of `bitarray` packages): its summary line. iterdecode is left out: the
/// original's decode iterator keeps the code's symbols as borrowed
/// references past the call, which cpyext frees (it crashes now and then;
/// the script's --no-iterdecode says more).
fn bitarray_parity_under_pypy(original: &Path, port: &Path, extra: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bitarray_parity.py");
    let mut args = vec![
        script,
        "--original",
        original.to_str().unwrap(),
        "--port",
        port.to_str().unwrap(),
        "--no-iterdecode",
    ];
    args.extend(extra);
    let output = pypy(&args, &[]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (ops, last) = bitarray::parity_summary(&report);
    assert!(ops >= 4000, "only {ops} ops:\n{report}");
    last.to_owned()
}

/// The C original of bitarray built for PyPy (by the tests crate's build
/// script), as `bitarray-original/` there.
fn bitarray_original_under_pypy() -> PathBuf {
    let built = built();
    let dir = built.c_modules.join("bitarray-original");
    let module = dir
        .join("bitarray")
        .join(format!("_bitarray{}", built.suffix));
    assert!(
        module.is_file(),
        "no {}: the tests crate's build script compiles it when the sdist is there \
         (run ci/install-deps, then build again)",
        module.display()
    );
    dir
}

/// bitarray's own suite and the parity script under pypy on the C
/// original: what the port's run below is held to.
#[test]
fn bitarray_suite_and_parity_under_pypy_on_the_original() {
    let original = bitarray_original_under_pypy();
    let counts = bitarray_suite_under_pypy(&original, BITARRAY_CRASHES_ORIGINAL);
    let (on_bitarray, on_util) = bitarray::SUITE_TESTS;
    assert_eq!(counts, (on_bitarray - 1, on_util));
    let last = bitarray_parity_under_pypy(&original, &original, &[]);
    println!("bitarray 1.2.2 under PyPy: {counts:?} tests, {last}");
}

/// The same on the port, built for PyPy with the other ports: the whole
/// suite (test_tofile too, which crashes the original here), and what the
/// original gives.
#[test]
fn bitarray_suite_and_parity_under_pypy_on_the_port() {
    assert!(
        present_ports().any(|port| port.package == LEGACY_BITARRAY.package),
        "the port of bitarray 1.2.2 is not built for PyPy: there is no {} crate in this workspace",
        LEGACY_BITARRAY.package
    );
    let built = built();
    let module = built
        .ports
        .join(format!("{}{}", LEGACY_BITARRAY.module, built.suffix));
    let port = bitarray_tree("port", &module);
    // The whole suite: the port writes files through the file's own
    // methods, not a FILE * taken from cpyext's file object.
    let counts = bitarray_suite_under_pypy(&port, "");
    assert_eq!(counts, bitarray::SUITE_TESTS);
    let original = bitarray_original_under_pypy();
    let last = bitarray_parity_under_pypy(&original, &port, &["--port-differences"]);
    println!("bitarray's port under PyPy: {counts:?} tests, {last}");
}

/// legacy-buffer's model on cpyext's objects, as the crate documentation
/// states it (its section on PyPy): the kind each borrow gets, or the error
/// it fails with; the no-Python scope lends each exporter's bytes; a view
/// (`w*`) is not pinned, and sees its exporter resized; threads
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

# A new-protocol view (w*) pins nothing on PyPy: the bytearray resizes
# under it, and the view, Unpinned, takes a fresh export to lend it.
resized = bytearray("ab")
got = p.view_after(resized, "resized.extend('x' * 100000)")
assert got == (u"Unpinned", False, 2, 100002), got
assert resized == bytearray("ab" + "x" * 100000)

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

/// legacy-buffer's argument parser under pypy against PyPy's own
/// `PyArg_ParseTuple` (the C module `argparity`, built for PyPy): every
/// unit the parser has, over objects of every kind (buffers, hostile
/// exporters included; integers at the C widths' limits, floats, things
/// with `__int__` and `__float__`), gives the same value, or the same
/// exception and message. PyPy's parser is not CPython's (no "argument N"
/// in its messages, cpyext's procs: `t#` takes a bytearray, `s*` refuses
/// an array; `k` and `K` name themselves in their message); the port must
/// follow it. Not compared, as on CPython (tests/tests/arg_parity.rs):
/// `hostile`'s `NullPointer` and `HugeLength`, for which the C parser hands
/// out memory that is not there and legacy-buffer raises `SystemError`;
/// `Resizing`, whose procs grow it on every call, and which legacy-buffer
/// asks again, by design, when copying it.
const PARSER_PARITY: &str = r#"
import array, ctypes, mmap, os, sys
sys.path.insert(0, os.environ["LEGACY_BUFFER_TEST_MODULES"])
import argparity, hostile, pypy_probe

class Str(str): pass
class Unicode(unicode): pass
class ByteArray(bytearray): pass
class IntSub(int): pass
class LongSub(long): pass
class FloatSub(float): pass
class Int(object):
    def __int__(self): return 7
class Float(object):
    def __float__(self): return 2.5

def objects():
    mapped = mmap.mmap(-1, 3)
    mapped.write("mmm")
    return [
        "abc", "", "x", Str("ab"), "a\0b", u"ab", u"x", Unicode(u"ab"), u"\xe9", buffer("abc"),
        buffer("abcd", 1, 2), buffer(bytearray("ab")), buffer(array.array("B", [1])),
        bytearray("ab"), bytearray(), ByteArray("ab"), array.array("B", [1, 2]),
        array.array("I", [1]), mapped, mmap.mmap(-1, 3, access=mmap.ACCESS_READ),
        (ctypes.c_char * 2).from_buffer_copy("xy"), None, memoryview("ab"), [],
        hostile.NoCharBuffer(3), hostile.TwoSegments(), hostile.Raises(),
        hostile.NegativeLength(), hostile.NullEmpty(),
        0, 1, -1, 255, 256, -129, 32767, 32768, -32769, 65535, 65536,
        2**31 - 1, 2**31, -2**31 - 1, 2**32 - 1, 2**32, 2**63 - 1, 2**63, -2**63 - 1,
        2**64 - 1, 2**64, 10**30, -10**30, 0L, 7L, -1L, IntSub(5), LongSub(6), True,
        1.5, -2.0, FloatSub(3.0), 1e300, float("nan"), Int(), Float(), object(), int, 1j,
    ]

UNITS = ["s", "s#", "s*", "z", "z#", "z*", "t#", "w#", "w*", "c", "b", "B", "h", "H", "i",
         "I", "l", "k", "L", "K", "n", "f", "d", "O", "O!", "S", "U"]

def outcome(call):
    try:
        return ("ok", str(call()))
    except Exception as e:
        return (type(e).__name__, str(e))

cases = differences = 0
for unit in UNITS:
    # Fresh objects for each side: a parse may leave an object changed.
    for c_arg, rust_arg in zip(objects(), objects()):
        if unit == "O!":
            c = outcome(lambda: argparity.parse(unit, (c_arg,), None, None, (int,))[0][0])
            rust = outcome(lambda: pypy_probe.parse(unit, rust_arg, int))
        else:
            c = outcome(lambda: argparity.parse(unit, (c_arg,))[0][0])
            rust = outcome(lambda: pypy_probe.parse(unit, rust_arg))
        cases += 1
        if c != rust:
            differences += 1
            print("%s %s %r: PyArg_ParseTuple %r, legacy-buffer %r"
                  % (unit, type(c_arg).__name__, c_arg, c, rust))
print("%d units, %d cases, %d differences" % (len(UNITS), cases, differences))
"#;

#[test]
fn parser_follows_pypys_parse_tuple() {
    let output = pypy(&["-c", PARSER_PARITY], &[]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = report.lines().last().unwrap_or_default();
    assert_eq!(last, "27 units, 1836 cases, 0 differences", "{report}");
}

/// What the port needs comes from the pypy that imports it: it is built
/// without libpypy-c, and it imports (pypy resolves every symbol at once),
/// and says it runs on PyPy.
#[test]
fn ports_import_under_pypy_without_linking_libpypy() {
    for port in present_ports() {
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
