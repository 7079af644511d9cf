//! bindgen over `wrapper.h` (the C API) and `src/shim.h` (the macro shim),
//! allowlisted to what this crate promises and nothing else.

use crate::find::Python;
use crate::Failure;
use std::path::Path;

/// The C API functions bound, besides the shim.
const FUNCTIONS: &[&str] = &[
    // The old buffer protocol: the reason this crate exists.
    "PyObject_AsCharBuffer",
    "PyObject_AsReadBuffer",
    "PyObject_CheckReadBuffer",
    "PyObject_AsWriteBuffer",
    // The new buffer protocol, which pins exporters that support it.
    "PyObject_GetBuffer",
    "PyBuffer_Release",
    // Interpreter lifetime and the GIL.
    "Py_Initialize",
    "Py_InitializeEx",
    "Py_Finalize",
    "Py_IsInitialized",
    "PyEval_InitThreads",
    "PyEval_ThreadsInitialized",
    "PyEval_SaveThread",
    "PyEval_RestoreThread",
    "PyGILState_Ensure",
    "PyGILState_Release",
    "PyGILState_GetThisThreadState",
    // Errors.
    "PyErr_Fetch",
    "PyErr_Restore",
    "PyErr_NormalizeException",
    "PyErr_Occurred",
    "PyErr_Clear",
    "PyErr_SetString",
    "PyErr_SetObject",
    "PyErr_ExceptionMatches",
    "PyErr_GivenExceptionMatches",
    "PyErr_WriteUnraisable",
    // str, unicode and bytearray construction and access.
    "PyString_FromStringAndSize",
    "PyString_AsStringAndSize",
    "PyString_Size",
    "PyByteArray_FromStringAndSize",
    "PyByteArray_AsString",
    "PyByteArray_Size",
    // Objects, modules and running code.
    "PyObject_Str",
    "PyObject_Repr",
    "PyObject_GetAttrString",
    "PyObject_CallObject",
    "PyImport_ImportModule",
    "PyImport_AddModule",
    "PyModule_GetDict",
    "PyModule_AddObject",
    "PyDict_New",
    "PyDict_GetItemString",
    "PyDict_SetItemString",
    "PyEval_GetBuiltins",
    "PyRun_StringFlags",
    // Arguments and results of extension functions.
    "PyTuple_New",
    "PyTuple_Size",
    "PyTuple_GetItem",
    "PyTuple_SetItem",
    "PyInt_FromLong",
    "PyInt_FromSsize_t",
    "PyInt_AsLong",
    "PyInt_AsSsize_t",
    "PyLong_FromUnsignedLong",
    "PyLong_AsUnsignedLongMask",
    "PyNumber_Index",
    // The "I" and "i" formats of PyArg_ParseTuple, for extension modules that
    // parse their arguments themselves (legacy-checksum): "I" converts with
    // PyInt_AsUnsignedLongMask ("i" with PyInt_AsLong, above), and both first
    // refuse floats with PyFloat_Check, a macro: PyType_IsSubtype against the
    // type of a float from PyFloat_FromDouble.
    "PyInt_AsUnsignedLongMask",
    "PyFloat_FromDouble",
    "PyType_IsSubtype",
    // legacy-buffer's PyArg_ParseTuple(AndKeywords): the conversions
    // getargs.c makes ("L", "K", "f"/"d"; the warning "L" gives a float),
    // the contiguity check of "s*"/"w*", and the keyword-argument dict.
    "PyLong_AsLongLong",
    "PyLong_AsUnsignedLongLongMask",
    "PyFloat_AsDouble",
    "PyErr_WarnEx",
    "PyBuffer_IsContiguous",
    "PyDict_GetItem",
    "PyDict_Next",
    "PyDict_Size",
];

/// Macro constants bound (integer `#define`s).
const VARS: &[&str] = &[
    "PyExc_.*",
    "PyBUF_.*",
    "METH_.*",
    "Py_file_input",
    "Py_eval_input",
    "Py_single_input",
    "PYTHON_API_VERSION",
];

pub fn generate(
    python: &Python,
    wrapper: &Path,
    shim_header: &Path,
    out: &Path,
) -> Result<(), Failure> {
    if let Err(e) = clang_sys::load() {
        return Err(Failure::new(
            "libclang was not found (bindgen needs it)",
            format!(
                "{e}\nInstall it (Debian/Ubuntu: apt-get install libclang-dev; Fedora: \
                 clang-devel) or point LIBCLANG_PATH at the directory holding libclang.so."
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
        .allowlist_function("lbsys_.*")
        // Only what is listed: the type graph would otherwise drag in every
        // slot table of PyTypeObject and libc's FILE.
        .allowlist_recursively(false)
        .allowlist_type(
            "Py_buffer|bufferinfo|PyMethodDef|PyCFunction|PyGILState_STATE|PyCompilerFlags",
        )
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    for f in FUNCTIONS {
        builder = builder.allowlist_function(f);
    }
    for v in VARS {
        builder = builder.allowlist_var(v);
    }
    for dir in &python.include_dirs {
        builder = builder.clang_arg(format!("-I{}", dir.display()));
    }
    let bindings = builder.generate().map_err(|e| {
        Failure::new(
            "bindgen could not read the Python 2.7 headers",
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
