//! bitarray 1.2.2's `_bitarray` and `_util` C extensions against their Rust
//! port (`legacy-bitarray`), judged as a port is judged: the original's own
//! suite (`bitarray.test()`, 199 tests) passes on both, the two give the
//! same results and exceptions operation by operation
//! (`tests/python/bitarray_parity.py`, save the port's intended differences
//! it lists), and the benchmark script runs them side by side.
//!
//! On every line the tests crate is built for (Python 2.7's release and
//! debug builds, Python 3.9 and 3.11), against the original built for the
//! same Python: the sdist's suite is the same 199 tests on both lines.
//!
//! The original is built by the tests crate's build script from the sdist
//! `ci/third-party` downloads, into a copy of the sdist's package; the port
//! comes from [`port_package_dir`] ([`bitarray::make_port_package`] says
//! what it needs: `LEGACY_BITARRAY_PORT_DIR`, or the workspace's
//! `legacy-bitarray` crate).
//! The tests on the original alone run now and prove the harness: the
//! parity script against the original itself, the suite's count.

use legacy_buffer_tests::{bitarray, ports};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The directory whose `bitarray/` is the port's package, made once per
/// test run; fails the test saying what is missing.
fn port_package_dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir =
        DIR.get_or_init(|| bitarray::make_port_package(Path::new(env!("CARGO_TARGET_TMPDIR"))));
    match dir {
        Ok(dir) => dir,
        Err(message) => panic!("{message}"),
    }
}

/// Runs `bitarray.test()` with `dir` first on `sys.path`, checking that
/// the package and both its extension modules were loaded from there;
/// returns how many tests of test_bitarray and test_util passed.
fn run_suite(dir: &Path) -> (usize, usize) {
    let dir_str = dir.to_str().unwrap();
    let check = "import os, sys, bitarray, bitarray.util\n\
                 for name in ('bitarray', 'bitarray._bitarray', 'bitarray._util'):\n    \
                 print(os.path.realpath(sys.modules[name].__file__))\n";
    let which = ports::run_python(&["-c", check], &[("PYTHONPATH", dir_str)]);
    let loaded = String::from_utf8_lossy(&which.stdout);
    let package = dir.join("bitarray").canonicalize().unwrap();
    let files: Vec<&str> = loaded.lines().collect();
    assert_eq!(files.len(), 3, "{loaded}");
    for file in &files {
        assert_eq!(Path::new(file).parent(), Some(&*package), "{loaded}");
    }

    let run = "import sys, bitarray\n\
               result = bitarray.test(verbosity=2)\n\
               sys.exit(0 if result.wasSuccessful() else 1)\n";
    let output = ports::run_python(&["-c", run], &[("PYTHONPATH", dir_str)]);
    // unittest reports on stderr: a line per test, "Ran N tests", "OK".
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(report.trim_end().ends_with("OK"), "{report}");
    let (on_bitarray, on_util, not_ok) = bitarray::suite_counts(&report);
    assert_eq!(not_ok, 0, "{report}");
    let ran = format!("Ran {} tests", on_bitarray + on_util);
    assert!(report.contains(&ran), "{report}");
    println!(
        "{}: {on_bitarray} + {on_util} tests OK",
        dir.join("bitarray").display()
    );
    (on_bitarray, on_util)
}

/// bitarray_parity.py with `args`, under the interpreter the tests are
/// built for: its summary line and the number of operations compared.
fn parity(original: &Path, port: &Path, args: &[&str]) -> (usize, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bitarray_parity.py");
    let mut all = vec![
        script,
        "--original",
        original.to_str().unwrap(),
        "--port",
        port.to_str().unwrap(),
    ];
    all.extend(args);
    let cases = cases();
    if let Some(cases) = &cases {
        all.extend(["--cases", cases.as_str()]);
    }
    let output = ports::run_python(&all, &[]);
    let report = String::from_utf8_lossy(&output.stdout);
    let (ops, last) = bitarray::parity_summary(&report);
    println!("{last}");
    (ops, last.to_owned())
}

/// How many operations a parity run draws: the script's default, or
/// `LEGACY_BUFFER_BITARRAY_CASES` (fewer for a quick run, under valgrind
/// say, where everything runs ~30x slower).
fn cases() -> Option<String> {
    std::env::var("LEGACY_BUFFER_BITARRAY_CASES").ok()
}

/// The fewest operations a parity run must have compared.
fn min_ops() -> usize {
    cases()
        .and_then(|c| c.parse().ok())
        .unwrap_or(4000)
        .min(4000)
}

#[test]
fn the_original_suite_passes_on_the_original() {
    let counts = run_suite(&bitarray::original_package_dir());
    assert_eq!(counts, bitarray::SUITE_TESTS);
}

#[test]
fn the_original_suite_passes_on_the_port() {
    let counts = run_suite(port_package_dir());
    assert_eq!(counts, bitarray::SUITE_TESTS);
}

/// The parity script against the original itself: every operation, and
/// the table of the port's differences left out (they differ only from the
/// port). Two seeds, so that what the script compares is not one draw's
/// luck.
#[test]
fn the_parity_script_finds_the_original_equal_to_itself() {
    let original = bitarray::original_package_dir();
    for seed in ["1", "20260522"] {
        let (ops, last) = parity(&original, &original, &["--seed", seed]);
        assert!(ops >= min_ops(), "only {ops} ops");
        assert!(last.contains(" 0 known port differences"), "{last}");
    }
}

#[test]
fn the_port_gives_the_original_results_and_exceptions() {
    let original = bitarray::original_package_dir();
    let port = port_package_dir();
    for seed in ["1", "20260522"] {
        let (ops, _) = parity(&original, port, &["--seed", seed, "--port-differences"]);
        assert!(ops >= min_ops(), "only {ops} ops");
    }
}

/// The benchmark script, briefly, on the original against itself (its
/// rows, the shift operator reported as absent from 1.2.2); and the port
/// loads without libpython, as an extension module must.
#[test]
fn the_benchmark_runs_on_the_original() {
    let original = bitarray::original_package_dir();
    let table = bench(&original, &original);
    assert!(table.contains("not in 1.2.2"), "{table}");
}

#[test]
fn the_port_does_not_link_libpython_and_the_benchmark_runs() {
    let port = port_package_dir();
    let check = "import bitarray, bitarray.util\n\
                 loaded = [l.split()[-1] for l in open('/proc/self/maps') if 'libpython' in l]\n\
                 assert not loaded, loaded\n\
                 assert bitarray.util.ba2hex(bitarray.bitarray('1010' * 3)) == 'aaa'\n";
    ports::run_python(&["-c", check], &[("PYTHONPATH", port.to_str().unwrap())]);
    bench(&bitarray::original_package_dir(), port);
}

/// A slice bound whose `__index__` resizes the bitarray: the port raises
/// a `RuntimeError` for each slice operation (the C reads on with the old
/// length, past memory it may have freed: not run here), and a bound whose
/// `__index__` leaves it alone slices as any other.
#[test]
fn a_slice_bound_that_resizes_the_bitarray_is_an_error_on_the_port() {
    let port = port_package_dir();
    let check = r#"
from bitarray import bitarray
a = bitarray('1' * 100)
class Shrink(object):
    def __index__(self):
        del a[:]
        return 10
class Ten(object):
    def __index__(self):
        return 10
ops = [lambda: a[Shrink():], lambda: a.__setitem__(slice(Shrink(), None), 0),
       lambda: a.__delitem__(slice(Shrink(), None))]
for op in ops:
    a.extend('1' * 100)
    try:
        op()
    except RuntimeError as e:
        assert str(e) == 'bitarray changed size while its slice was computed', e
    else:
        raise AssertionError('no RuntimeError')
a.extend('01' * 10)
assert a[Ten():].to01() == '01' * 5, a
print('ok')
"#;
    let output = ports::run_python(&["-c", check], &[("PYTHONPATH", port.to_str().unwrap())]);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

fn bench(original: &Path, port: &Path) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bench_bitarray.py");
    let output = ports::run_python(
        &[
            script,
            "--original",
            original.to_str().unwrap(),
            "--port",
            port.to_str().unwrap(),
            "--quick",
        ],
        &[],
    );
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    for row in [
        "| `bitarray(str)` | 100 bits |",
        "| `a.count()` | 64 Kbit |",
    ] {
        assert!(table.contains(row), "no {row} in\n{table}");
    }
    table
}
