//! Compiles the C extension modules in `c/` against the Python that
//! legacy-buffer-sys found (CPython 2.7's release or debug build, PyPy's
//! cpyext, or a CPython 3), into one directory whose path the tests get as
//! `LEGACY_BUFFER_TEST_MODULES`; and the original C extensions of the ports
//! of third-party modules, from the sources `ci/third-party` downloaded
//! (python-snappy's `_snappy`, into `snappy-original/`; bitarray's
//! `_bitarray` and `_util`, into `bitarray-original/bitarray/` with the
//! sdist's Python files, a package whose parent goes on `sys.path`), for
//! every line, as their own `#if PY_MAJOR_VERSION >= 3` builds them (from
//! 3.11, with the one change it forces, see [`as_the_line_needs`]), whose
//! directory the tests get as `LEGACY_BUFFER_THIRD_PARTY` (empty when they
//! were not downloaded: the tests that need them then fail saying so).

use legacy_buffer_build_config::PythonConfig;
use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The modules, each built from `c/<name>.c`.
const MODULES: &[&str] = &["legacy_checksum", "hostile", "argparity"];

/// Those written for Python 3 too (`hostile`'s exporters are Python 2's
/// old buffer procs).
const MODULES_3: &[&str] = &["legacy_checksum", "argparity"];

/// The extension-module suffix for PyPy, whose headers do not say it.
const SUFFIX: &str = "LEGACY_BUFFER_TEST_EXTENSION_SUFFIX";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo:warning=legacy-buffer-tests: {message}");
            eprintln!("\nlegacy-buffer-tests: {message}\n");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(var("OUT_DIR")?);
    let python = PythonConfig::from_env().map_err(|e| e.to_string())?;
    // Debian's python2.7-dbg imports only `<name>_d.so` extension modules;
    // PyPy's suffix is its build's, which the pypy that imports the modules
    // says (tests/tests/pypy.rs asks it).
    let suffix = match python.extension_suffix() {
        Some(suffix) => suffix.to_string(),
        None => {
            println!("cargo:rerun-if-env-changed={SUFFIX}");
            env::var(SUFFIX).map_err(|_| {
                format!(
                    "building the C modules for PyPy needs {SUFFIX}: the suffix the pypy that \
                     imports them wants, as `pypy -c \"import sysconfig; print \
                     sysconfig.get_config_var('SO')\"` prints it"
                )
            })?
        }
    };

    let modules_dir = out_dir.join("python-modules");
    std::fs::create_dir_all(&modules_dir)
        .map_err(|e| format!("cannot create {}: {e}", modules_dir.display()))?;

    // The line, as a cfg of the tests: Python 3 has tests of its own
    // where Python 2's C modules and expressions do not carry over.
    println!("cargo:rustc-check-cfg=cfg(Py_3)");
    let py3 = python.version().0 == 3;
    if py3 {
        println!("cargo:rustc-cfg=Py_3");
    }
    let compiler = cc::Build::new()
        .try_get_compiler()
        .map_err(|e| format!("no C compiler: {e}"))?;
    let modules = if py3 { MODULES_3 } else { MODULES };
    for name in modules {
        let source = manifest_dir.join("c").join(format!("{name}.c"));
        println!("cargo:rerun-if-changed={}", source.display());
        let output = modules_dir.join(format!("{name}{suffix}"));
        compile(&compiler, &python, &source, &output)?;
    }
    println!(
        "cargo:rustc-env=LEGACY_BUFFER_TEST_MODULES={}",
        modules_dir.display()
    );
    third_party(&manifest_dir, &out_dir, &modules_dir, &python, &suffix)
}

/// The originals of the ports, if `ci/third-party` downloaded them (both
/// sdists, or the tests get an empty `LEGACY_BUFFER_THIRD_PARTY`).
fn third_party(
    manifest_dir: &Path,
    out_dir: &Path,
    modules_dir: &Path,
    python: &PythonConfig,
    suffix: &str,
) -> Result<(), String> {
    println!("cargo:rerun-if-env-changed=LEGACY_BUFFER_THIRD_PARTY");
    let dir = match env::var_os("LEGACY_BUFFER_THIRD_PARTY") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir.join("../target/third-party"),
    };
    let snappy = dir.join("python-snappy-0.5.4");
    let bitarray = dir.join("bitarray-1.2.2");
    println!("cargo:rerun-if-changed={}", snappy.display());
    println!("cargo:rerun-if-changed={}", bitarray.display());
    if !snappy.join("snappy/snappymodule.cc").is_file()
        || !bitarray.join("bitarray/_bitarray.c").is_file()
    {
        println!("cargo:rustc-env=LEGACY_BUFFER_THIRD_PARTY=");
        return Ok(());
    }
    let sources = out_dir.join("third-party-sources");
    snappy_original(&snappy, &sources, modules_dir, python, suffix)?;
    bitarray_original(&bitarray, &sources, modules_dir, python, suffix)?;
    println!(
        "cargo:rustc-env=LEGACY_BUFFER_THIRD_PARTY={}",
        dir.display()
    );
    Ok(())
}

/// python-snappy 0.5.4's `_snappy`, built as its setup.py builds it (C++,
/// linked with libsnappy).
fn snappy_original(
    sdist: &Path,
    sources: &Path,
    modules_dir: &Path,
    python: &PythonConfig,
    suffix: &str,
) -> Result<(), String> {
    let out = modules_dir.join("snappy-original");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let cxx = cc::Build::new()
        .cpp(true)
        .try_get_compiler()
        .map_err(|e| format!("no C++ compiler (g++): {e}"))?;
    let mut command = cxx.to_command();
    // As distutils builds it: -O2, the headers' defines, no PY_SSIZE_T_CLEAN
    // (the module's own choice); its C file compiled as C.
    command.args(["-shared", "-fPIC", "-O2"]);
    python_flags(&mut command, python);
    let module = as_the_line_needs(&sdist.join("snappy/snappymodule.cc"), sources, python)?;
    command
        // The module's own headers, when a rewritten copy is compiled.
        .arg("-I")
        .arg(sdist.join("snappy"))
        .arg(module)
        .args(["-x", "c"])
        .arg(sdist.join("snappy/crc32c.c"))
        .args(["-x", "none", "-lsnappy", "-o"])
        .arg(out.join(format!("_snappy{suffix}")));
    let status = command
        .status()
        .map_err(|e| format!("cannot run the C++ compiler `{}`: {e}", show(&command)))?;
    if !status.success() {
        return Err(format!(
            "compiling python-snappy's _snappy failed ({status}); is libsnappy-dev installed \
             (ci/install-deps)? The command was `{}`",
            show(&command)
        ));
    }
    Ok(())
}

/// The files of bitarray 1.2.2's Python package, copied beside its two
/// extension modules: the package, its utilities and its test suite.
const BITARRAY_FILES: &[&str] = &["__init__.py", "util.py", "test_bitarray.py", "test_util.py"];

/// bitarray 1.2.2's `_bitarray` and `_util`, each built from its one C file
/// as its setup.py builds them (distutils: -O2, the headers' defines, and
/// -DNDEBUG, which distutils takes from CPython's release CFLAGS and PyPy's
/// sysconfig_pypy, not for the debug build, whose CFLAGS lack it: there the
/// module's asserts are on), into `bitarray-original/bitarray/` with the
/// package's Python files.
fn bitarray_original(
    sdist: &Path,
    sources: &Path,
    modules_dir: &Path,
    python: &PythonConfig,
    suffix: &str,
) -> Result<(), String> {
    let package = modules_dir.join("bitarray-original").join("bitarray");
    std::fs::create_dir_all(&package)
        .map_err(|e| format!("cannot create {}: {e}", package.display()))?;
    for file in BITARRAY_FILES {
        let from = sdist.join("bitarray").join(file);
        std::fs::copy(&from, package.join(file))
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    }
    let compiler = cc::Build::new()
        .try_get_compiler()
        .map_err(|e| format!("no C compiler: {e}"))?;
    for module in ["_bitarray", "_util"] {
        let mut command = compiler.to_command();
        command.args(["-shared", "-fPIC", "-O2"]);
        if !python.py_debug() {
            command.arg("-DNDEBUG");
        }
        python_flags(&mut command, python);
        let source = sdist.join("bitarray").join(format!("{module}.c"));
        command
            .arg(as_the_line_needs(&source, sources, python)?)
            .arg("-o")
            .arg(package.join(format!("{module}{suffix}")));
        let status = command
            .status()
            .map_err(|e| format!("cannot run the C compiler `{}`: {e}", show(&command)))?;
        if !status.success() {
            return Err(format!(
                "compiling bitarray's {module} failed ({status}); the command was `{}`",
                show(&command)
            ));
        }
    }
    Ok(())
}

/// The source of an original to compile for `python`: `source` itself, or,
/// from CPython 3.11 on, a copy (under `sources`) with the one change 3.11
/// forces on C that compiled for 3.9 and 3.10: `Py_SIZE` and `Py_TYPE` are
/// no longer lvalues, and each `Py_SIZE(o) = n;` statement becomes
/// `Py_SET_SIZE(o, n);` (`Py_TYPE` likewise), as 3.11's "What's New"
/// prescribes and the modules' later releases did. Nothing else changes.
fn as_the_line_needs(
    source: &Path,
    sources: &Path,
    python: &PythonConfig,
) -> Result<PathBuf, String> {
    let (major, minor, _) = python.version();
    if (major, minor) < (3, 11) {
        return Ok(source.to_path_buf());
    }
    let text = std::fs::read_to_string(source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    let mut rewritten = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        rewritten.push_str(&set_not_assign(line).unwrap_or_else(|| line.to_owned()));
    }
    std::fs::create_dir_all(sources)
        .map_err(|e| format!("cannot create {}: {e}", sources.display()))?;
    let copy = sources.join(source.file_name().expect("a file"));
    std::fs::write(&copy, rewritten)
        .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
    Ok(copy)
}

/// `line` rewritten if it is a statement `Py_SIZE(o) = n;` or
/// `Py_TYPE(o) = t;` (o without parentheses, as in the originals).
fn set_not_assign(line: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let statement = line.trim();
    for (getter, setter) in [("Py_SIZE(", "Py_SET_SIZE("), ("Py_TYPE(", "Py_SET_TYPE(")] {
        let Some(rest) = statement.strip_prefix(getter) else {
            continue;
        };
        let (object, rest) = rest.split_once(')')?;
        let value = rest.strip_prefix(" = ")?.strip_suffix(';')?;
        if object.contains('(') {
            return None;
        }
        return Some(format!("{indent}{setter}{object}, {value});\n"));
    }
    None
}

/// Builds one shared-object extension module. libpython is not linked: the
/// interpreter that imports the module provides its symbols.
fn compile(
    compiler: &cc::Tool,
    python: &PythonConfig,
    source: &Path,
    output: &Path,
) -> Result<(), String> {
    let mut command = compiler.to_command();
    command.args(["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror"]);
    python_flags(&mut command, python);
    command.arg(source).arg("-o").arg(output);
    let status = command
        .status()
        .map_err(|e| format!("cannot run the C compiler `{}`: {e}", show(&command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "compiling {} failed ({status}), see the compiler's messages above; \
             the command was `{}`",
            source.display(),
            show(&command)
        ))
    }
}

/// The program and arguments of a command (its Debug form lists the whole
/// environment when one was set, as cc does).
fn show(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

fn var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|e| format!("environment variable {name}: {e}"))
}

/// The include directories and defines of the Python the modules are built
/// for, as its own build passes them to the compiler.
fn python_flags(command: &mut Command, python: &PythonConfig) {
    for dir in python.include_dirs() {
        command.arg("-I").arg(dir);
    }
    for (name, value) in python.defines() {
        match value {
            Some(value) => command.arg(format!("-D{name}={value}")),
            None => command.arg(format!("-D{name}")),
        };
    }
}
