//! Skeletons for PyPy 2.7 (cpyext), of every module the other tests
//! scaffold for CPython: the scaffolder reads PyPy's headers
//! when named as for legacy-buffer-sys (`LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR`:
//! Debian's pypy has no pkg-config module), the skeleton is built for PyPy,
//! and the parity script runs under `pypy` against the C original built
//! for PyPy. Needs Debian 11's pypy and pypy-dev (ci/install-deps installs
//! them); without them, the test fails saying so.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// PyPy 2.7, and its headers and library (Debian 11's pypy, pypy-dev).
const PYPY: &str = "/usr/bin/pypy";
const PYPY_INCLUDE: &str = "/usr/lib/pypy/include";
const PYPY_LIB: &str = "/usr/lib/pypy/bin";

/// The environment that names PyPy, for the scaffolder and for cargo: the
/// discovery variables of another build (ci/test's debug run) are taken
/// out.
fn for_pypy(command: &mut Command) -> &mut Command {
    command
        .env_remove("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME")
        .env_remove("LEGACY_BUFFER_SYS_PYTHON_CONFIG")
        .env_remove("LEGACY_BUFFER_SYS_PYTHON_VERSION")
        .env("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR", PYPY_INCLUDE)
        .env("LEGACY_BUFFER_SYS_PYTHON_LIB_DIR", PYPY_LIB)
        .env("LEGACY_BUFFER_SYS_PYTHON_LIB_NAME", "pypy-c")
}

/// A module to compare: its source (relative to the workspace), the
/// sources compiled with it and include dirs its C needs, and the parity
/// script's arguments.
struct Case<'c> {
    source: &'c str,
    module: &'c str,
    extra_sources: &'c [&'c str],
    includes: &'c [&'c str],
    gaps: usize,
    floor: &'c str,
    keywords: &'c str,
    uncalled: &'c str,
}

/// Scaffold a case for PyPy, build it and the C original, and compare
/// them under pypy; the parity script's summary.
fn parity_under_pypy(case: &Case<'_>) -> String {
    let Case {
        source,
        module,
        extra_sources,
        includes,
        gaps,
        floor,
        keywords,
        uncalled,
    } = *case;
    assert!(
        Path::new(PYPY).exists() && Path::new(PYPY_INCLUDE).join("Python.h").exists(),
        "{PYPY} or {PYPY_INCLUDE} is missing: run ci/install-deps (pypy, pypy-dev)"
    );
    let ws = workspace();
    let out = scratch(&format!("pypy-{module}"));
    let mut scaffold = Command::new(env!("CARGO_BIN_EXE_legacy-buffer-port"));
    scaffold.arg("scaffold").arg(ws.join(source));
    for dir in includes {
        scaffold.arg("-I").arg(ws.join(dir));
    }
    let output = for_pypy(scaffold.arg("--out").arg(&out).current_dir(&ws))
        .output()
        .expect("run legacy-buffer-port");
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("\n{gaps} gap(s)")),
        "{stdout}\n{stderr}"
    );

    let built = build_extension_in(
        &out,
        module,
        &ws.join("target/scaffold/target-pypy"),
        for_pypy,
    );
    let c_so = scratch(&format!("pypy-{module}-c")).join(format!("{module}.so"));
    let rs_so = scratch(&format!("pypy-{module}-skeleton")).join(format!("{module}.so"));
    let sources: Vec<PathBuf> = std::iter::once(source)
        .chain(extra_sources.iter().copied())
        .map(|s| ws.join(s))
        .collect();
    let sources: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
    let flags: Vec<String> = std::iter::once(PYPY_INCLUDE.into())
        .chain(includes.iter().map(|d| ws.join(d).display().to_string()))
        .map(|dir| format!("-I{dir}"))
        .collect();
    compile_c_with(&sources, &flags, &c_so);
    std::fs::copy(&built, &rs_so).unwrap();
    run_parity(PYPY, module, &c_so, &rs_so, &[floor, keywords, uncalled])
}

const PLAIN: Case<'static> = Case {
    source: "",
    module: "",
    extra_sources: &[],
    includes: &[],
    gaps: 0,
    floor: "0",
    keywords: "",
    uncalled: "",
};

#[test]
fn function_skeletons_match_their_c_originals_under_pypy() {
    parity_under_pypy(&Case {
        source: "tests/c/legacy_checksum.c",
        module: "legacy_checksum",
        floor: "10000",
        ..PLAIN
    });
    parity_under_pypy(&Case {
        source: "legacy-buffer-port/tests/c/kwmod.c",
        module: "kwmod",
        floor: "30000",
        keywords: "data,level,name,start,stop",
        ..PLAIN
    });
    parity_under_pypy(&Case {
        source: "legacy-buffer-port/tests/c/typemod.c",
        module: "typemod",
        floor: "600",
        keywords: "start",
        ..PLAIN
    });
}

/// The third-party modules, from their sdists in `target/third-party`
/// (ci/third-party downloads them; without them, the test fails).
#[test]
fn type_skeletons_match_their_c_originals_under_pypy() {
    let sdists = workspace().join("target/third-party");
    assert!(
        sdists.join("xxhash-1.4.4").is_dir() && sdists.join("bitarray-1.2.2").is_dir(),
        "the sdists are missing: run ci/install-deps (or ci/third-party)"
    );
    parity_under_pypy(&Case {
        source: "target/third-party/xxhash-1.4.4/src/_xxhash.c",
        module: "_xxhash",
        extra_sources: &["target/third-party/xxhash-1.4.4/deps/xxhash/xxhash.c"],
        includes: &["target/third-party/xxhash-1.4.4/deps/xxhash"],
        gaps: 4,
        floor: "7000",
        keywords: "input,seed",
        ..PLAIN
    });
    parity_under_pypy(&Case {
        source: "target/third-party/bitarray-1.2.2/bitarray/_bitarray.c",
        module: "_bitarray",
        gaps: 7,
        floor: "20000",
        keywords: "initial,endian,reverse,zero,one",
        ..PLAIN
    });
    parity_under_pypy(&Case {
        source: "target/third-party/bitarray-1.2.2/bitarray/_util.c",
        module: "_util",
        floor: "4000",
        uncalled: "_set_babt",
        ..PLAIN
    });
}
