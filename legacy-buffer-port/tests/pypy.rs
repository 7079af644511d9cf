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

    let target: PathBuf = ws.join("target/scaffold/target-pypy");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = for_pypy(
        Command::new(cargo)
            .args([
                "build",
                "--release",
                "--features",
                "extension-module",
                "--manifest-path",
            ])
            .arg(out.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR"),
    )
    .output()
    .expect("run cargo");
    let (_, build_err) = texts(&build);
    assert!(build.status.success(), "cargo build for PyPy:\n{build_err}");
    assert!(!build_err.contains("warning"), "{build_err}");

    let c_so = scratch(&format!("pypy-{module}-c")).join(format!("{module}.so"));
    let rs_so = scratch(&format!("pypy-{module}-skeleton")).join(format!("{module}.so"));
    let mut cc = Command::new("cc");
    cc.args(["-shared", "-fPIC", "-O2", "-w", "-I", PYPY_INCLUDE]);
    for dir in includes {
        cc.arg("-I").arg(ws.join(dir));
    }
    let status = cc
        .arg(ws.join(source))
        .args(extra_sources.iter().map(|s| ws.join(s)))
        .arg("-o")
        .arg(&c_so)
        .status()
        .expect("run cc");
    assert!(status.success(), "compiling {source} for PyPy");
    std::fs::copy(
        target.join("release").join(format!("lib{module}.so")),
        &rs_so,
    )
    .unwrap();

    let script = ws.join("legacy-buffer-port/tests/python/skeleton_parity.py");
    let run = Command::new(PYPY)
        .arg(&script)
        .args([
            module,
            c_so.to_str().unwrap(),
            rs_so.to_str().unwrap(),
            floor,
            keywords,
            uncalled,
        ])
        .output()
        .expect("run pypy");
    let (parity_out, parity_err) = texts(&run);
    println!("{parity_out}");
    assert!(run.status.success(), "{parity_out}\n{parity_err}");
    assert!(parity_out.contains(" cases, 0 differences"), "{parity_out}");
    parity_out
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
