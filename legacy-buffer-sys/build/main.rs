//! Build script of legacy-buffer-sys: find a Python (2.7, or 3.9 to 3.13),
//! read its headers' own configuration, generate bindings with bindgen (or take the committed
//! ones, on request), compile the macro shim with cc, and tell cargo (and
//! dependants, through `DEP_LEGACY_BUFFER_PYTHON27_*`) what was found. On
//! docs.rs, none of that: the committed bindings and the configuration they
//! were generated from.

mod bindings;
mod compiler;
mod env;
mod find;
mod probe;

use legacy_buffer_build_config::PythonConfig;
use std::process::ExitCode;

/// How to install CPython 2.7 on the systems that still package it, for
/// failure messages: what a user who got this crate from crates.io can run.
pub const INSTALL: &str = concat!(
    "    Debian 11, Ubuntu 22.04 and older:\n",
    "        apt-get install libpython2.7-dev pkg-config\n",
    "    Debian 12, which has no Python 2.7: from Debian 11, pinned low so that nothing else\n",
    "    comes from there:\n",
    "        echo 'deb http://deb.debian.org/debian bullseye main' > /etc/apt/sources.list.d/bullseye.list\n",
    "        printf 'Package: *\\nPin: release n=bullseye\\nPin-Priority: 100\\n' > /etc/apt/preferences.d/bullseye\n",
    "        apt-get update && apt-get install pkg-config && apt-get install -t bullseye libpython2.7-dev\n",
    "    libpython2.7-dbg adds the debug build (pkg-config module python-2.7-dbg).\n",
);

/// A build failure: one `cargo:warning` line, then actionable detail, and a
/// non-zero exit instead of a panic backtrace.
pub struct Failure {
    summary: String,
    detail: String,
}

impl Failure {
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    fn not_found(tried: Vec<String>) -> Failure {
        let mut detail = String::from("Looked for Python headers and library:\n");
        for t in tried {
            detail.push_str(&format!("  - {t}\n"));
        }
        detail.push_str(&format!(
            "\nTo fix this, either\n\
             - install CPython 2.7's development files and pkg-config (below), or those of a \
             CPython 3.9 to 3.13 (python3.11-dev on Debian 12), naming the line in {} (3.11) \
             when both are installed: 2.7 is looked for first, or\n\
             - put the bin directory of a CPython built with --enable-shared on PATH \
             (its python2.7-config is used when pkg-config finds no python-2.7), or name that \
             python2.7-config (or python3.x-config) in {}; at run time, its lib directory must \
             be on LD_LIBRARY_PATH (or in an rpath), or\n\
             - set PKG_CONFIG_PATH so that pkg-config finds python-2.7.pc, or {} to name \
             another module (python-2.7-dbg for Debian's debug build, python-3.11-embed, \
             python-3.11d-embed), or\n\
             - set {}, {} and {} together (e.g. \
             /usr/include/python2.7:/usr/include/x86_64-linux-gnu/python2.7, \
             /usr/lib/x86_64-linux-gnu, python2.7).\n\n\
             Installing CPython 2.7:\n{INSTALL}\n\
             {}=1 prints what a build would use, and stops.",
            env::PYTHON_VERSION,
            env::PYTHON_CONFIG,
            env::PKG_CONFIG_NAME,
            env::INCLUDE_DIR,
            env::LIB_DIR,
            env::LIB_NAME,
            env::PRINT_CONFIG,
        ));
        Failure::new("no Python found", detail)
    }

    fn report(&self) {
        println!("cargo:warning=legacy-buffer-sys: {}", self.summary);
        eprintln!("\nlegacy-buffer-sys: {}\n\n{}\n", self.summary, self.detail);
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report();
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Failure> {
    for f in [
        "build/main.rs",
        "build/env.rs",
        "build/find.rs",
        "build/probe.rs",
        "build/compiler.rs",
        "build/bindings.rs",
        "build/expando.c",
        "src/shim.c",
        "src/shim.h",
        "src/compat.h",
        "src/exporter.c",
        "src/exporter3.c",
        "src/exporter.h",
        "src/types.c",
        "src/types.h",
        "wrapper.h",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    for committed in bindings::PREGENERATED {
        println!("cargo:rerun-if-changed={}", committed.rs);
        println!("cargo:rerun-if-changed={}", committed.headers);
    }
    let env = env::Env::read();
    if env.docs_rs {
        return docs_rs(&env);
    }
    let python = find::find(&env)?;
    let headers = probe::probe(&python, &env.manifest_dir.join("build/expando.c"))?;

    if let Some(pypy) = &headers.pypy {
        if !env.no_link {
            return Err(Failure::new(
                format!("PyPy {pypy}'s headers are for extension modules only"),
                format!(
                    "The headers from {} ({:?}) are PyPy {pypy}'s C-API emulation (cpyext). \
                     This crate binds them for extension modules, which get their symbols from \
                     the pypy that imports them: PyPy is not embedded through Py_Initialize, so \
                     libpypy-c is never linked. Build the extension module with the \
                     extension-module feature (of legacy-buffer, or of this crate), or set \
                     {}=1. To embed Python 2.7 instead, point the build at CPython 2.7: unset \
                     {}, {} and {}, or set them to CPython's (e.g. \
                     /usr/include/python2.7:/usr/include/x86_64-linux-gnu/python2.7, \
                     /usr/lib/x86_64-linux-gnu, python2.7). To install CPython 2.7:\n{INSTALL}",
                    python.source,
                    python.include_dirs,
                    env::NO_LINK,
                    env::INCLUDE_DIR,
                    env::LIB_DIR,
                    env::LIB_NAME
                ),
            ));
        }
    }
    let found = (headers.major, headers.minor);
    if let Some(asked) = find::version_asked(&env)? {
        if found != asked {
            return Err(Failure::new(
                format!(
                    "found Python {}.{}, not {}.{}",
                    found.0, found.1, asked.0, asked.1
                ),
                format!(
                    "The headers from {} ({:?}) are Python {}.{}.{}, but {} asks for {}.{}: \
                     point the build at that Python, or change {}.",
                    python.source,
                    python.include_dirs,
                    headers.major,
                    headers.minor,
                    headers.micro,
                    env::PYTHON_VERSION,
                    asked.0,
                    asked.1,
                    env::PYTHON_VERSION
                ),
            ));
        }
    }
    if !find::supported(found.0, found.1) || (headers.pypy.is_some() && found != (2, 7)) {
        return Err(Failure::new(
            format!(
                "found Python {}.{}, not 2.7 or 3.9 to 3.13",
                found.0, found.1
            ),
            format!(
                "The headers from {} ({:?}) are Python {}.{}.{}. This crate binds \
                 CPython 2.7 and 3.9 to 3.13, and PyPy's 2.7 for extension modules: point {} \
                 at a python-2.7 or python-3.x pkg-config module.",
                python.source,
                python.include_dirs,
                headers.major,
                headers.minor,
                headers.micro,
                env::PKG_CONFIG_NAME
            ),
        ));
    }
    if headers.gil_disabled {
        return Err(Failure::new(
            "a free-threaded Python (Py_GIL_DISABLED) is not supported",
            format!(
                "The headers from {} ({:?}) are a free-threaded build of Python {}.{} (3.13t): \
                 Python code there runs on several threads at once, and every borrow rule of \
                 legacy-buffer rests on the GIL. Point the build at the default build of the \
                 same version (python{}.{}, not python{}.{}t).",
                python.source,
                python.include_dirs,
                headers.major,
                headers.minor,
                headers.major,
                headers.minor,
                headers.major,
                headers.minor
            ),
        ));
    }
    if headers.sizeof_size_t * 8 != env.pointer_width {
        return Err(Failure::new(
            "Python's Py_ssize_t does not match the target's pointer width",
            format!(
                "The headers from {} have SIZEOF_SIZE_T = {} ({} bits) but the Rust target \
                 is {}-bit: Py_ssize_t could not be isize. Use headers built for this target.",
                python.source,
                headers.sizeof_size_t,
                headers.sizeof_size_t * 8,
                env.pointer_width
            ),
        ));
    }

    if env.print_config {
        let passed_over = python
            .passed_over
            .iter()
            .map(|t| format!("passed over: {t}"));
        let lines: Vec<String> = passed_over
            .chain([
                format!("source: {}", python.source),
                match &headers.pypy {
                    Some(pypy) => format!("implementation: PyPy {pypy} (cpyext)"),
                    None => "implementation: CPython".to_string(),
                },
                format!("include dirs: {:?}", python.include_dirs),
                format!("lib dirs: {:?}", python.lib_dirs),
                format!("libs: {:?}", python.libs),
                format!(
                    "version: {}.{}.{} (hex {:#010x})",
                    headers.major,
                    headers.minor,
                    headers.micro,
                    headers.version_hex()
                ),
                format!("Py_DEBUG: {}", headers.py_debug),
                format!("Py_TRACE_REFS: {}", headers.trace_refs),
                format!("Py_REF_DEBUG: {}", headers.ref_debug),
                format!("Py_UNICODE_SIZE: {}", headers.unicode_size),
                format!("SIZEOF_SIZE_T: {}", headers.sizeof_size_t),
                format!("link libpython: {}", !env.no_link),
                if env.pregenerated {
                    match bindings::pregenerated_for(
                        &env,
                        headers.version(),
                        headers.pypy.is_some(),
                    ) {
                        Ok(committed) => format!("bindings: pre-generated ({})", committed.rs),
                        Err(_) => "bindings: pre-generated (none fits these headers)".to_string(),
                    }
                } else {
                    "bindings: bindgen".to_string()
                },
            ])
            .collect();
        for line in &lines {
            println!("cargo:warning={line}");
            eprintln!("{line}");
        }
        return Err(Failure::new(
            format!("stopped: {} is set", env::PRINT_CONFIG),
            "The configuration above is what the build would use; unset the variable to build.",
        ));
    }

    let shim_header = env.manifest_dir.join("src/shim.h");
    let shim_names = bindings::shim_names(&shim_header)?;
    bindings::write_shim_exports(&shim_names, &env.out_dir.join("shim_exports.rs"))?;
    let out = env.out_dir.join("bindings.rs");
    let pypy = headers.pypy.is_some();
    // For ci/bindings --update to record, beside the committed bindings.
    let (headers_hash, header_files) = bindings::headers_hash(&python.include_dirs)?;
    std::fs::write(env.out_dir.join(bindings::HEADERS_HASH), &headers_hash)
        .map_err(|e| Failure::new("could not write the headers' hash", e.to_string()))?;
    if env.pregenerated {
        let committed = bindings::pregenerated_for(&env, headers.version(), pypy)?;
        // bindgen registers the headers it reads; here, the hash does.
        for file in &header_files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        if let Some(failure) =
            bindings::pregenerated_headers_mismatch(&env, committed, &python, &headers_hash)
        {
            return Err(failure);
        }
        bindings::copy_pregenerated(&env, committed, &out)?;
    } else {
        let wrapper = env.manifest_dir.join("wrapper.h");
        bindings::generate(&python, &wrapper, &shim_header, &shim_names, &out, pypy)?;
    }

    let defines = headers.defines();
    let mut shim = cc::Build::new();
    for name in &defines {
        shim.define(name, None);
    }
    // Optimised whatever the profile: exporter.c is every borrow's path.
    shim.file(env.manifest_dir.join("src/shim.c"))
        .file(env.manifest_dir.join("src/exporter.c"))
        .file(env.manifest_dir.join("src/exporter3.c"))
        .file(env.manifest_dir.join("src/types.c"))
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    for dir in &python.include_dirs {
        shim.include(dir);
    }
    let messages = compiler::capture(&mut shim);
    shim.try_compile("legacy_buffer_sys_shim").map_err(|e| {
        Failure::new(
            "the C shim did not compile",
            format!(
                "src/shim.c and src/exporter.c, compiled against the headers from {} ({:?}), \
                 failed:\n{}{e}",
                python.source,
                python.include_dirs,
                messages.text()
            ),
        )
    })?;

    if !env.no_link {
        for dir in &python.lib_dirs {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
        for lib in &python.libs {
            println!("cargo:rustc-link-lib={lib}");
        }
    }

    emit_cfgs(&headers);
    // The contract with dependants' build scripts, written and read by
    // legacy-buffer-build-config.
    let defines = defines.iter().map(|d| (d.to_string(), None)).collect();
    let config = PythonConfig::new(
        python.include_dirs.clone(),
        python.lib_name(),
        headers.version_hex(),
    )
    .with_defines(defines)
    .with_lib_dirs(python.lib_dirs.clone())
    .with_links_libpython(!env.no_link)
    .with_debug(headers.py_debug, headers.trace_refs, headers.ref_debug)
    .with_unicode_size(headers.unicode_size)
    .with_pypy_version(headers.pypy.as_deref())
    .and_then(|config| config.to_cargo_metadata())
    .map_err(|e| Failure::new("the configuration cannot be passed on", e.to_string()))?;
    print!("{config}");

    write_config(&env, &headers)
}

/// docs.rs has neither Python nor libclang: the documentation is built from
/// the committed bindings, with the configuration of the build they were
/// generated from (CPython 2.7.18's release build, as Debian 11 packages
/// it: UCS4). Nothing is compiled or linked, and dependants are told so
/// (`DEP_LEGACY_BUFFER_PYTHON27_DOCS_RS=1`) instead of given a Python.
fn docs_rs(env: &env::Env) -> Result<(), Failure> {
    let headers = probe::Headers::documented();
    let committed = bindings::pregenerated_for(env, headers.version(), false)?;
    bindings::copy_pregenerated(env, committed, &env.out_dir.join("bindings.rs"))?;
    let shim_names = bindings::shim_names(&env.manifest_dir.join("src/shim.h"))?;
    bindings::write_shim_exports(&shim_names, &env.out_dir.join("shim_exports.rs"))?;
    emit_cfgs(&headers);
    print!("{}", PythonConfig::docs_rs_cargo_metadata());
    write_config(env, &headers)
}

/// The minor versions of Python 3 that get a `Py_3_<minor>` cfg (set for
/// that version and every later one).
const PY3_MINORS: std::ops::RangeInclusive<u32> = 9..=13;

/// The headers' configuration as cfgs of this crate's code: the build's
/// flags, `PyPy`, and the line: `Py_3` for Python 3, with `Py_3_9`,
/// `Py_3_10`, ... for each minor version the headers are at least.
fn emit_cfgs(headers: &probe::Headers) {
    let py3 = headers.major == 3;
    let mut flags = vec![
        ("Py_DEBUG".to_string(), headers.py_debug),
        ("Py_TRACE_REFS".to_string(), headers.trace_refs),
        ("Py_REF_DEBUG".to_string(), headers.ref_debug),
        ("Py_UNICODE_WIDE".to_string(), headers.unicode_size == 4),
        ("PyPy".to_string(), headers.pypy.is_some()),
        ("Py_3".to_string(), py3),
    ];
    for minor in PY3_MINORS {
        flags.push((format!("Py_3_{minor}"), py3 && headers.minor >= minor));
    }
    for (cfg, on) in &flags {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
        if *on {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}

/// `config.rs`: the headers' configuration as constants.
fn write_config(env: &env::Env, headers: &probe::Headers) -> Result<(), Failure> {
    let config = format!(
        "/// `PY_VERSION_HEX` of the headers bound.\n\
         pub const PY_VERSION_HEX: u32 = {:#010x};\n\
         /// `PY_VERSION` of the headers bound.\n\
         pub const PY_VERSION: &str = \"{}.{}.{}\";\n\
         /// Whether the headers are Python 3's (the `Py_3` cfg).\n\
         pub const PY3: bool = {};\n\
         /// Whether the headers define `Py_DEBUG` (a debug build of Python).\n\
         pub const PY_DEBUG: bool = {};\n\
         /// Whether the headers define `Py_TRACE_REFS` (a different `PyObject` layout).\n\
         pub const PY_TRACE_REFS: bool = {};\n\
         /// Whether the headers define `Py_REF_DEBUG` (`sys.gettotalrefcount` exists).\n\
         pub const PY_REF_DEBUG: bool = {};\n\
         /// `Py_UNICODE_SIZE`: 4 on UCS4 builds, 2 on UCS2 builds.\n\
         pub const PY_UNICODE_SIZE: usize = {};\n\
         /// Whether this crate links libpython: false for extension modules (the\n\
         /// `extension-module` feature, `LEGACY_BUFFER_SYS_NO_LINK`), always false\n\
         /// for PyPy.\n\
         pub const LINKS_LIBPYTHON: bool = {};\n\
         /// Whether the headers are PyPy's (cpyext, `PYPY_VERSION`), bound for\n\
         /// extension modules only.\n\
         pub const PYPY: bool = {};\n\
         /// `PYPY_VERSION` of PyPy's headers (`\"7.3.3\"`); `None` for CPython's.\n\
         pub const PYPY_VERSION: Option<&str> = {:?};\n",
        headers.version_hex(),
        headers.major,
        headers.minor,
        headers.micro,
        headers.major == 3,
        headers.py_debug,
        headers.trace_refs,
        headers.ref_debug,
        headers.unicode_size,
        !env.no_link,
        headers.pypy.is_some(),
        headers.pypy,
    );
    std::fs::write(env.out_dir.join("config.rs"), config)
        .map_err(|e| Failure::new("could not write config.rs", e.to_string()))
}
