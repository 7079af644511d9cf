//! bitarray 1.2.2 and its Rust port (`legacy-bitarray`): where the C
//! original and the port are, as packages named `bitarray` whose parent
//! directory goes on `sys.path`, and what the sdist's suite reports.
//!
//! The port's hook: [`make_port_package`] gives a directory holding a
//! `bitarray` package with the port as its two extension modules. It is
//! `LEGACY_BITARRAY_PORT_DIR` when that is set (a directory laid out so,
//! made by whoever built the port); else the port is built from the
//! workspace's `legacy-bitarray` crate (`cargo build -p legacy-bitarray
//! --release --features extension-module`, [`crate::ports::build`]), its
//! `liblegacy_bitarray.so` installed as `bitarray/_bitarray<suffix>` with
//! `bitarray/_util<suffix>` a symlink to it, beside a copy of the sdist's
//! Python files. Without either, the port's tests fail saying so.

use crate::ports;
use std::path::{Path, PathBuf};

/// The sdist's directory name under the third-party cache.
pub const SDIST: &str = "bitarray-1.2.2";

/// The Python files of the sdist's package: the package, its utilities, its
/// suite.
pub const PACKAGE_FILES: &[&str] = &["__init__.py", "util.py", "test_bitarray.py", "test_util.py"];

/// The tests of the sdist's suite on Python 2.7: test_bitarray's, then
/// test_util's (CPython; under PyPy one is left out, see tests/pypy.rs).
pub const SUITE_TESTS: (usize, usize) = (160, 39);

/// The variable naming a ready port package directory (see the module
/// documentation).
pub const PORT_DIR_VAR: &str = "LEGACY_BITARRAY_PORT_DIR";

/// The port's cargo package, and the cdylib it builds.
pub const PORT_PACKAGE: &str = "legacy-bitarray";
pub const PORT_LIBRARY: &str = "legacy_bitarray";

/// The sdist, downloaded and unpacked by ci/third-party (the build script
/// says where through `LEGACY_BUFFER_THIRD_PARTY`).
pub fn sdist() -> PathBuf {
    let dir = env!("LEGACY_BUFFER_THIRD_PARTY");
    assert!(
        !dir.is_empty(),
        "bitarray 1.2.2's sdist is not downloaded: run ci/install-deps (or ci/third-party), \
         then build the tests again"
    );
    Path::new(dir).join(SDIST)
}

/// The directory whose `bitarray/` is the C original's package, as the
/// build script made it for the Python the tests are built for.
pub fn original_package_dir() -> PathBuf {
    let dir = Path::new(env!("LEGACY_BUFFER_TEST_MODULES")).join("bitarray-original");
    for module in ["_bitarray", "_util"] {
        let file = dir.join("bitarray").join(ports::module_file(module));
        assert!(
            file.is_file(),
            "the build script made no {} (is the sdist downloaded? ci/install-deps)",
            file.display()
        );
    }
    dir
}

/// The directory whose `bitarray/` is the port's package (see the module
/// documentation), made under `tmp` when built here; or what is missing.
pub fn make_port_package(tmp: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(PORT_DIR_VAR).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        let module = dir.join("bitarray").join(ports::module_file("_bitarray"));
        if !module.is_file() {
            return Err(format!(
                "{PORT_DIR_VAR}={} holds no bitarray/{}",
                dir.display(),
                ports::module_file("_bitarray")
            ));
        }
        return Ok(dir);
    }
    let workspace = crate::cargo::workspace_dir();
    if !workspace.join(PORT_PACKAGE).join("Cargo.toml").is_file() {
        return Err(format!(
            "the port of bitarray 1.2.2 is not built: there is no {PORT_PACKAGE} crate in this \
             workspace ({}) to build liblegacy_bitarray.so from, and {PORT_DIR_VAR} names no \
             directory holding a bitarray package with the port as its _bitarray and _util",
            workspace.join(PORT_PACKAGE).display()
        ));
    }
    let root = tmp.join("bitarray-port");
    let _ = std::fs::remove_dir_all(&root);
    let package = root.join("bitarray");
    let module = ports::build(PORT_PACKAGE, PORT_LIBRARY, "_bitarray", &package)?;
    install_package(&package, &module, &ports::module_file("_util"))?;
    Ok(root)
}

/// Copies the sdist's Python files into `package` (which holds `module`,
/// the `_bitarray` extension module) and links `util_name` (`_util` with
/// the interpreter's suffix) to `module`: the port is one library serving
/// both modules.
pub fn install_package(package: &Path, module: &Path, util_name: &str) -> Result<(), String> {
    let sdist = sdist();
    for file in PACKAGE_FILES {
        let from = sdist.join("bitarray").join(file);
        std::fs::copy(&from, package.join(file))
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    }
    let link = package.join(util_name);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(module.file_name().unwrap(), &link)
        .map_err(|e| format!("cannot link {}: {e}", link.display()))
}

/// How many tests of each file a verbose unittest report ran, and how many
/// did not end `... ok` (`test (bitarray.test_util.Class) ... ok`).
pub fn suite_counts(report: &str) -> (usize, usize, usize) {
    let (mut bitarray, mut util, mut not_ok) = (0, 0, 0);
    for (test, verdict) in report.lines().filter_map(|l| l.split_once(" ... ")) {
        if test.contains("(bitarray.test_bitarray.") {
            bitarray += 1;
        } else if test.contains("(bitarray.test_util.") {
            util += 1;
        } else {
            continue;
        }
        if verdict != "ok" {
            not_ok += 1;
        }
    }
    (bitarray, util, not_ok)
}

/// The summary line of bitarray_parity.py's output: `N ops (...), 0
/// mismatches`, checked, with N.
pub fn parity_summary(report: &str) -> (usize, &str) {
    let last = report.lines().last().unwrap_or_default();
    let ops = last
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(last.ends_with(", 0 mismatches"), "{report}");
    (ops, last)
}
