//! python-snappy 0.5.4's `_snappy` C++ extension against its Rust port
//! (`legacy-snappy`), judged as a port is judged: the original's own test
//! suite passes on both, the two give the same results and exceptions
//! (`tests/python/snappy_parity.py`), and the benchmark script runs them
//! side by side.
//!
//! The original's source is python-snappy's sdist, which `ci/third-party`
//! (run by `ci/install-deps`) downloads by pinned version and sha256; the
//! tests crate's build script compiles its `_snappy` as setup.py does. Each
//! module is installed as `snappy/_snappy.so` of a copy of the sdist's
//! Python package, where the sdist's tests import it.

use legacy_buffer_tests::ports;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The sdist's test files: what its suite is (test_snappy_cffi.py needs
/// cffi, which the C extension does not use).
const SUITE: &[&str] = &["test_snappy", "test_formats", "test_hadoop_snappy"];

/// The sdist, downloaded and unpacked by ci/third-party.
fn sdist() -> PathBuf {
    let dir = env!("LEGACY_BUFFER_THIRD_PARTY");
    assert!(
        !dir.is_empty(),
        "python-snappy 0.5.4's sdist is not downloaded: run ci/install-deps (or ci/third-party), \
         then build the tests again"
    );
    Path::new(dir).join("python-snappy-0.5.4")
}

/// The original `_snappy`, as the build script compiled it.
fn original_module() -> PathBuf {
    let module = Path::new(env!("LEGACY_BUFFER_TEST_MODULES"))
        .join("snappy-original")
        .join(ports::module_file("_snappy"));
    assert!(
        module.is_file(),
        "the build script made no {}",
        module.display()
    );
    module
}

/// The port, built once per test run.
fn port_module() -> &'static Path {
    static MODULE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let module = MODULE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("legacy-snappy");
        ports::build("legacy-snappy", "legacy_snappy", "_snappy", &dir)
    });
    match module {
        Ok(module) => module,
        Err(message) => panic!("{message}"),
    }
}

/// A copy of the sdist's Python package and tests, with `module` as its
/// `snappy/_snappy`: the tree its suite runs in.
fn package_with(name: &str, module: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("snappy-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    let package = root.join("snappy");
    std::fs::create_dir_all(&package).unwrap();
    let sdist = sdist();
    for entry in std::fs::read_dir(sdist.join("snappy")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "py") {
            std::fs::copy(&path, package.join(path.file_name().unwrap())).unwrap();
        }
    }
    for test in SUITE {
        let file = format!("{test}.py");
        std::fs::copy(sdist.join(&file), root.join(&file)).unwrap();
    }
    std::fs::copy(module, package.join(ports::module_file("_snappy"))).unwrap();
    root
}

/// Runs the sdist's suite in `root`; returns how many tests ran, checking
/// that `snappy._snappy` was `module`.
fn run_suite(root: &Path, module: &Path) -> usize {
    let root_str = root.to_str().unwrap();
    let which = ports::run_python(
        &[
            "-c",
            "import os, snappy._snappy as m; print(os.path.realpath(m.__file__))",
        ],
        &[("PYTHONPATH", root_str)],
    );
    let loaded = String::from_utf8_lossy(&which.stdout).trim().to_owned();
    let expected = root.join("snappy").join(ports::module_file("_snappy"));
    assert_eq!(
        Path::new(&loaded),
        expected.canonicalize().unwrap(),
        "{}",
        module.display()
    );

    let mut args = vec!["-m", "unittest", "-v"];
    args.extend(SUITE);
    let output = ports::run_python(&args, &[("PYTHONPATH", root_str)]);
    // unittest reports on stderr: "Ran N tests in ...", then "OK".
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(report.trim_end().ends_with("OK"), "{report}");
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
    println!("{}: {ran} tests OK", module.display());
    ran
}

#[test]
fn the_original_suite_passes_on_the_original_and_on_the_port() {
    let original = original_module();
    let port = port_module();
    let on_original = run_suite(&package_with("original", &original), &original);
    let on_port = run_suite(&package_with("port", port), port);
    assert_eq!(on_original, on_port);
    // The sdist's three files hold 27 tests on Python 2 (some are CPython-
    // or Python-3-only): a broken copy cannot pass with fewer.
    assert!(on_port >= 27, "only {on_port} tests ran");
}

#[test]
fn the_port_gives_the_original_results_and_exceptions() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/snappy_parity.py");
    let original = original_module();
    let port = port_module();
    let output = ports::run_python(
        &[script, original.to_str().unwrap(), port.to_str().unwrap()],
        &[],
    );
    let report = String::from_utf8_lossy(&output.stdout);
    let last = report.lines().last().unwrap_or_default();
    println!("{last}");
    let cases: usize = last.split_whitespace().next().unwrap().parse().unwrap();
    assert!(last.contains(" 0 differences"), "{report}");
    assert!(cases >= 250, "only {cases} cases:\n{report}");
}

#[test]
fn the_port_does_not_link_libpython_and_the_benchmark_runs() {
    let port = port_module();
    let checks = format!(
        "import imp\nm = imp.load_dynamic('_snappy', {:?})\n\
         loaded = [l.split()[-1] for l in open('/proc/self/maps') if 'libpython' in l]\n\
         assert not loaded, loaded\n\
         assert m.uncompress(m.compress('abc' * 100)) == 'abc' * 100\n",
        port.to_str().unwrap()
    );
    ports::run_python(&["-c", &checks], &[]);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bench_snappy.py");
    let original = original_module();
    let output = ports::run_python(
        &[
            script,
            original.to_str().unwrap(),
            port.to_str().unwrap(),
            "--quick",
        ],
        &[],
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("| `compress()` | 1 MiB str |") && table.contains("| `_crc32c()` |"),
        "{table}"
    );
}
