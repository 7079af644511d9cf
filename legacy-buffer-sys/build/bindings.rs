//! bindgen over `wrapper.h` (the C API) and `src/shim.h` (the macro shim),
//! allowlisted to what this crate promises and nothing else; or, where
//! bindgen cannot run, its committed output.

use crate::env::{self, Env};
use crate::find::Python;
use crate::Failure;
use std::path::{Path, PathBuf};

/// bindgen's output committed for one line of CPython on x86_64 Linux, for
/// docs.rs (2.7's) and for machines without libclang. A line's release and
/// debug builds give the same bindings (the layouts that differ,
/// `PyObject`'s and what is reached through it, are opaque here or behind
/// the C shim), so one file serves both. `ci/bindings` regenerates each
/// from both builds' headers and fails if either differs.
pub struct Pregenerated {
    /// The `(major, minor)` the file is for.
    pub line: (u32, u32),
    /// The micro version too, where the file is for that one only (2.7.18:
    /// 2.7 is final, and earlier 2.7s declare less).
    pub micro: Option<u32>,
    /// The bindings.
    pub rs: &'static str,
    /// The hashes of the header sets the bindings were generated from, one
    /// line each (`fnv1a64:<hex> <which build>`): written by `ci/bindings
    /// --update` from the hashes the build script leaves in
    /// `OUT_DIR/headers.hash` ([`HEADERS_HASH`]). Headers of the same line
    /// but with another hash (another micro version, another
    /// distribution's build) are refused: their declarations may differ.
    pub headers: &'static str,
}

/// The committed bindings, one file per line.
pub const PREGENERATED: &[Pregenerated] = &[
    Pregenerated {
        line: (2, 7),
        micro: Some(18),
        rs: "bindings/cpython-2.7.18-x86_64-linux.rs",
        headers: "bindings/cpython-2.7.18-x86_64-linux.headers",
    },
    Pregenerated {
        line: (3, 9),
        micro: None,
        rs: "bindings/cpython-3.9-x86_64-linux.rs",
        headers: "bindings/cpython-3.9-x86_64-linux.headers",
    },
    Pregenerated {
        line: (3, 11),
        micro: None,
        rs: "bindings/cpython-3.11-x86_64-linux.rs",
        headers: "bindings/cpython-3.11-x86_64-linux.headers",
    },
];

/// Where every build with headers leaves their [`headers_hash`] in `OUT_DIR`.
pub const HEADERS_HASH: &str = "headers.hash";

/// A hash of the headers bindgen reads (or would read) through `wrapper.h`:
/// every `*.h` file directly in the include directories, as (file name,
/// length, bytes), in sorted order so that neither the directories' order
/// nor how they were found matters; FNV-1a, 64 bits. The preprocessed text
/// would be exact, but needs clang; the bytes of every header are a
/// superset of it. Returns the hash, as `fnv1a64:<16 hex digits>`, and the
/// files hashed.
pub fn headers_hash(include_dirs: &[PathBuf]) -> Result<(String, Vec<PathBuf>), Failure> {
    let unreadable = |path: &Path, e: std::io::Error| {
        Failure::new(
            "could not read the Python headers",
            format!("{}: {e}", path.display()),
        )
    };
    let mut headers = Vec::new();
    for dir in include_dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| unreadable(dir, e))?.path();
            if path.extension().is_some_and(|ext| ext == "h") && path.is_file() {
                let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .as_encoded_bytes()
                    .to_vec();
                headers.push((name, bytes, path));
            }
        }
    }
    headers.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (name, bytes, _) in &headers {
        feed(name);
        feed(&(bytes.len() as u64).to_le_bytes());
        feed(bytes);
    }
    let files = headers.into_iter().map(|(_, _, path)| path).collect();
    Ok((format!("fnv1a64:{hash:016x}"), files))
}

/// Why the committed bindings cannot serve headers whose [`headers_hash`]
/// is `hash`, if they cannot: they were generated from other headers (a
/// patched 2.7.18, another distribution's build), whose declarations or
/// layouts may differ from these in ways the version number does not show.
pub fn pregenerated_headers_mismatch(
    env: &Env,
    committed: &Pregenerated,
    python: &Python,
    hash: &str,
) -> Option<Failure> {
    let path = env.manifest_dir.join(committed.headers);
    let known = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            return Some(Failure::new(
                "could not read the hashes of the pre-generated bindings' headers",
                format!("{}: {e}", path.display()),
            ))
        }
    };
    let known: Vec<&str> = known
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    if known.contains(&hash) {
        return None;
    }
    Some(Failure::new(
        "the Python headers are not those the pre-generated bindings were generated from",
        format!(
            "The committed bindings ({}) were generated from headers whose hash \
             is {} ({}), but the headers from {} ({:?}) hash to {hash}: \
             their declarations may differ from the committed bindings. To fix this, either\n\
             - let bindgen generate the bindings from these headers: install libclang \
             (Debian/Ubuntu: apt-get install libclang-dev; Fedora: clang-devel), unset {} \
             and drop the pregenerated-bindings feature, or\n\
             - if these headers are the ones to bind, regenerate the committed bindings and \
             their hashes in the legacy-buffer repository with ci/bindings --update, and \
             commit them.",
            committed.rs,
            known.join(" or "),
            committed.headers,
            python.source,
            python.include_dirs,
            env::PREGENERATED
        ),
    ))
}

/// Copies the committed bindings to `out`.
pub fn copy_pregenerated(env: &Env, committed: &Pregenerated, out: &Path) -> Result<(), Failure> {
    let from = env.manifest_dir.join(committed.rs);
    std::fs::copy(&from, out).map(drop).map_err(|e| {
        Failure::new(
            "could not copy the pre-generated bindings",
            format!("{}: {e}", from.display()),
        )
    })
}

/// The committed bindings for this build, or why none can serve it: they
/// are for CPython 2.7.18, 3.9 and 3.11, and 64-bit targets (their layout
/// assertions, compiled in, would also catch other layouts; PyPy's names
/// and `Py_buffer` are not CPython's).
pub fn pregenerated_for(
    env: &Env,
    version: (u32, u32, u32),
    pypy: bool,
) -> Result<&'static Pregenerated, Failure> {
    let (major, minor, micro) = version;
    let committed = PREGENERATED
        .iter()
        .find(|p| p.line == (major, minor) && p.micro.map_or(true, |m| m == micro));
    let problem = match committed {
        _ if pypy => "the headers are PyPy's (cpyext)".to_owned(),
        _ if env.pointer_width != 64 => format!("the target is {}-bit", env.pointer_width),
        None => format!("the headers are Python {major}.{minor}.{micro}"),
        Some(committed) => return Ok(committed),
    };
    let lines: Vec<String> = PREGENERATED
        .iter()
        .map(|p| match p.micro {
            Some(micro) => format!("{}.{}.{micro}", p.line.0, p.line.1),
            None => format!("{}.{}", p.line.0, p.line.1),
        })
        .collect();
    Err(Failure::new(
        "the pre-generated bindings do not fit this build",
        format!(
            "The committed bindings (bindings/) are for CPython {} on a 64-bit target, but \
             {problem}. Let bindgen generate them from the headers instead: unset {} and \
             drop the pregenerated-bindings feature (bindgen needs libclang).",
            lines.join(", "),
            env::PREGENERATED
        ),
    ))
}

/// The C API functions bound, besides the shim, by family: what a port of
/// a C extension finds it used, not only what this workspace calls.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "objects and protocols",
        &[
            "PyObject_.*",
            "PyType_.*",
            "PyCallable_Check",
            "PyIter_.*",
            "PyNumber_.*",
            "PySequence_.*",
            "PyMapping_.*",
        ],
    ),
    (
        "numbers",
        &[
            "PyInt_.*",
            "PyLong_.*",
            "PyFloat_.*",
            "PyBool_.*",
            "PyComplex_.*",
        ],
    ),
    (
        "strings and bytes",
        &[
            "PyString_.*",
            "_PyString_Resize",
            "PyBytes_.*",
            "_PyBytes_Resize",
            "PyByteArray_.*",
        ],
    ),
    (
        "containers",
        &[
            "PyTuple_.*",
            "PyList_.*",
            "PyDict_.*",
            "PySet_.*",
            "PyFrozenSet_.*",
            "PySlice_.*",
        ],
    ),
    ("buffers", &["PyBuffer_.*", "PyMemoryView_.*"]),
    ("errors", &["PyErr_.*"]),
    (
        "modules and extension functions",
        &[
            "PyModule_.*",
            "PyImport_.*",
            "PyArg_.*",
            "_PyArg_.*_SizeT",
            "Py_BuildValue",
            "_Py_BuildValue_SizeT",
            "PyCapsule_.*",
            "PyCObject_.*",
            "PyMem_.*",
        ],
    ),
    (
        "the interpreter and the GIL",
        &[
            "Py_Initialize",
            "Py_InitializeEx",
            "Py_Finalize",
            "Py_IsInitialized",
            "PyEval_InitThreads",
            "PyEval_ThreadsInitialized",
            "PyEval_SaveThread",
            "PyEval_RestoreThread",
            "PyEval_AcquireThread",
            "PyEval_ReleaseThread",
            "PyEval_GetBuiltins",
            "PyEval_GetGlobals",
            "PyEval_GetLocals",
            "PyEval_CallObjectWithKeywords",
            "PyGILState_.*",
            "PyThreadState_Get",
            "PyThreadState_Swap",
            "PyThreadState_GetDict",
            "PyRun_StringFlags",
            "PyRun_SimpleStringFlags",
        ],
    ),
];

/// Functions of those families left out: their signatures use types this
/// crate does not bind (`FILE`, `va_list`, code and frame objects,
/// `Py_UNICODE` arrays, whose names depend on the build's unicode width;
/// on Python 3, module and type definitions, which hold a `PyObject`
/// header Rust does not lay out, the argument parser's private caches,
/// allocator tables and identifiers).
const LEFT_OUT: &[&str] = &[
    "PyObject_Print",
    ".*FormatV",
    "PyArg_ParseStackAndKeywords",
    "PyArg_ParseTupleAndKeywordsFast",
    "PyObject_CallMethodId",
    "PyMem_.*Allocator",
    "PyObject_.*ArenaAllocator",
    "PyModule_Create2",
    "PyModule_ExecDef",
    "PyModule_FromDefAndSpec2",
    "PyModule_GetDef",
    "PyType_From.*Spec.*",
    "PyType_FromMetaclass",
    "Py.*_AddWatcher",
    "PyType_GetModuleByDef",
    "PyIter_Send",
    ".*_VaParse.*",
    "PyArg_VaParse",
    "Py_VaBuildValue",
    "_Py_VaBuildValue_SizeT",
    "PyErr_ProgramText",
    "PyString_FromFormatV",
    "PyErr_SetFromWindowsErr.*",
    "PyErr_SetExcFromWindowsErr.*",
    "PyLong_FromUnicode",
    "PyInt_FromUnicode",
    "PyFloat_FromString",
    "PyImport_ExecCodeModule.*",
    "PyImport_.*Frozen.*",
    "PyImport_AppendInittab",
    "PyImport_ExtendInittab",
    "PyImport_GetImporter",
    "PyEval_EvalCode.*",
    "PyErr_WarnExplicit",
    "PyString_Encode",
    "PyString_Decode",
    "PyString_AsEncodedObject",
    "PyString_AsDecodedObject",
    "PyString_AsEncodedString",
    "PyString_AsDecodedString",
    "PyLong_FromString",
    "PyInt_FromString",
];

/// The functions of the macro shim (`src/shim.h`), read from the header
/// itself: each `lbsys_<name>` declared there, in order. `src/lib.rs`
/// re-exports each as `<name>` (`lbsys_Py_INCREF` as `Py_INCREF`), through
/// the list [`write_shim_exports`] generates; where the headers declare
/// some of those names as functions too (PyPy's `PyString_AS_STRING` and
/// `PyByteArray_Check`, Python 3's `PyIter_Check`), bindgen leaves the C
/// API's out, so that each name
/// means one function, the shim's. The header is the one list: a function
/// added there is bound, re-exported and kept apart from PyPy's at once.
pub fn shim_names(shim_header: &Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(shim_header).map_err(|e| {
        Failure::new(
            "could not read the shim's header",
            format!("{}: {e}", shim_header.display()),
        )
    })?;
    // Comments name functions too, without declaring them.
    let mut code = String::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find("/*") {
        code.push_str(&rest[..open]);
        code.push(' ');
        rest = rest[open..]
            .find("*/")
            .map_or("", |close| &rest[open + close + 2..]);
    }
    code.push_str(rest);
    let mut names: Vec<String> = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut at = 0;
    while let Some(found) = code[at..].find("lbsys_") {
        let start = at + found;
        let end = code[start..]
            .find(|c| !ident(c))
            .map_or(code.len(), |n| start + n);
        at = end;
        let preceded_by_ident = code[..start].chars().next_back().is_some_and(ident);
        let is_call = code[end..].trim_start().starts_with('(');
        let name = &code[start + "lbsys_".len()..end];
        if !preceded_by_ident && is_call && !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    if names.is_empty() {
        return Err(Failure::new(
            "the shim's header declares no function",
            format!(
                "No `lbsys_<name>(` declaration in {}.",
                shim_header.display()
            ),
        ));
    }
    Ok(names)
}

/// `shim_exports.rs`, which `src/lib.rs` includes: the shim's functions
/// re-exported under their names without `lbsys_`.
pub fn write_shim_exports(names: &[String], out: &Path) -> Result<(), Failure> {
    let mut text = String::from(
        "// Generated by build/bindings.rs from src/shim.h: the macro shim under the\n\
         // macros' own names.\npub use generated::{\n",
    );
    for name in names {
        text.push_str(&format!("    lbsys_{name} as {name},\n"));
    }
    text.push_str("};\n");
    std::fs::write(out, text).map_err(|e| {
        Failure::new(
            "could not write the shim's re-exports",
            format!("{}: {e}", out.display()),
        )
    })
}

/// Macro constants bound (integer `#define`s).
const VARS: &[&str] = &[
    // exporter.h's modes and result codes.
    "LBSYS_.*",
    "PyExc_.*",
    "PyBUF_.*",
    "METH_.*",
    "Py_(LT|LE|EQ|NE|GT|GE)",
    "Py_file_input",
    "Py_eval_input",
    "Py_single_input",
    "PYTHON_API_VERSION",
];

/// The C API's names for functions (and data) the headers rename with a
/// macro, bound under the name C code writes and linked to the symbol it
/// means (bindgen adds the `#[link_name]`):
///
/// - `PY_SSIZE_T_CLEAN` (which wrapper.h defines, so that `#` formats take
///   `Py_ssize_t`) makes `PyArg_ParseTuple` `_PyArg_ParseTuple_SizeT`, and
///   so on;
/// - PyPy's headers rename every function and object of the C API to a
///   `PyPy` one (`#define PyObject_AsReadBuffer PyPyObject_AsReadBuffer`,
///   `PyExc_TypeError` is `PyPyExc_TypeError`, `_PyString_Resize` is
///   `_PyPyString_Resize`), on top of `PY_SSIZE_T_CLEAN`'s
///   (`_PyPyArg_ParseTuple_SizeT`).
#[derive(Debug)]
struct CApiNames;

impl bindgen::callbacks::ParseCallbacks for CApiNames {
    fn generated_name_override(&self, item: bindgen::callbacks::ItemInfo<'_>) -> Option<String> {
        c_api_name(item.name)
    }
}

/// The C API name of a symbol the headers renamed, if they did.
fn c_api_name(symbol: &str) -> Option<String> {
    let unprefixed = if let Some(rest) = symbol.strip_prefix("PyPy") {
        Some(format!("Py{rest}"))
    } else {
        symbol
            .strip_prefix("_PyPy")
            .map(|rest| format!("_Py{rest}"))
    };
    let name = unprefixed.as_deref().unwrap_or(symbol);
    match name
        .strip_prefix('_')
        .and_then(|n| n.strip_suffix("_SizeT"))
    {
        Some(name) => Some(name.to_owned()),
        None => unprefixed,
    }
}

/// Runs bindgen over the headers; `pypy` when they are PyPy's (cpyext).
///
/// bindgen matches its allow- and blocklists against the names
/// [`CApiNames`] gives (a function's name is overridden when it is parsed),
/// so the lists above, in CPython's names, select the same functions in
/// PyPy's headers, whose declarations read `PyPyObject_AsReadBuffer`.
pub fn generate(
    python: &Python,
    wrapper: &Path,
    shim_header: &Path,
    shim_names: &[String],
    out: &Path,
    pypy: bool,
) -> Result<(), Failure> {
    if let Err(e) = clang_sys::load() {
        return Err(Failure::new(
            "libclang was not found (bindgen needs it)",
            format!(
                "{e}\nInstall it (Debian/Ubuntu: apt-get install libclang-dev; Fedora: \
                 clang-devel) or point LIBCLANG_PATH at the directory holding libclang.so.\n\
                 Or, for CPython 2.7.18, 3.9 or 3.11 on a 64-bit target, use the bindings \
                 that come with this crate instead of generating them: set {}=1, or enable its \
                 pregenerated-bindings feature.",
                env::PREGENERATED
            ),
        ));
    }
    let mut builder = bindgen::Builder::default()
        .header(wrapper.to_string_lossy())
        .header(shim_header.to_string_lossy())
        .ctypes_prefix("::libc")
        .use_core()
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .derive_default(true)
        .generate_comments(false)
        .layout_tests(true)
        // Exported as isize by hand: bindgen would go through ssize_t to c_long.
        .blocklist_type("Py_ssize_t")
        // Opaque to Rust: their layout differs between release and debug builds.
        .blocklist_type("_object|PyObject|_typeobject|PyTypeObject|_ts|PyThreadState")
        .blocklist_type("PyVarObject|PyFloatObject|PySliceObject")
        .allowlist_function("lbsys_.*")
        // Only what is listed: the type graph would otherwise drag in every
        // slot table of PyTypeObject and libc's FILE.
        .allowlist_recursively(false)
        .allowlist_type(
            "Py_buffer|bufferinfo|PyMethodDef|PyCFunction|PyGILState_STATE|PyCompilerFlags\
             |Py_complex|PyCapsule_Destructor|lbsys_lent|lbsys_head|lbsys_slot|lbsys_type_spec\
             |PyGetSetDef|getter|setter|visitproc|Py_hash_t",
        )
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .parse_callbacks(Box::new(CApiNames));
    if pypy {
        // PyPy's `typedef struct Py_complex_t {...} Py_complex`: CPython's
        // struct has no tag.
        builder = builder.allowlist_type("Py_complex_t");
    }
    // Where the headers declare a shim name as a function too (PyPy's
    // `PyString_AS_STRING`, Python 3's `PyIter_Check`), the name means the
    // shim's function only. (CPython 2.7's are all macros.)
    for name in shim_names {
        builder = builder.blocklist_function(name);
    }
    for (_family, functions) in FAMILIES {
        for f in *functions {
            builder = builder.allowlist_function(f);
        }
    }
    for f in LEFT_OUT {
        builder = builder.blocklist_function(f);
    }
    for v in VARS {
        builder = builder.allowlist_var(v);
    }
    for dir in &python.include_dirs {
        builder = builder.clang_arg(format!("-I{}", dir.display()));
    }
    let bindings = builder.generate().map_err(|e| {
        Failure::new(
            "bindgen could not read the Python headers",
            format!(
                "{e}\nHeaders from {} at {:?}.",
                python.source, python.include_dirs
            ),
        )
    })?;
    bindings
        .write_to_file(out)
        .map_err(|e| Failure::new("could not write the bindings", e.to_string()))
}
