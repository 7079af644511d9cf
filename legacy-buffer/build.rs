//! Compiles `src/exporter.c` against the Python headers legacy-buffer-sys
//! bound, with the defines C compiled against them needs, as
//! legacy-buffer-build-config reads them from legacy-buffer-sys.

use legacy_buffer_build_config::{is_docs_rs, PythonConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=src/exporter.c");
    // docs.rs has no Python: legacy-buffer-sys documents itself from its
    // committed bindings and passes on no headers; documentation needs no C.
    if is_docs_rs() {
        return ExitCode::SUCCESS;
    }
    let python = match PythonConfig::from_env() {
        Ok(python) => python,
        Err(e) => {
            println!("cargo:warning=legacy-buffer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut build = cc::Build::new();
    // As the interpreter's own C is built: release builds with NDEBUG (the
    // asserts in macros such as PyByteArray_AS_STRING would otherwise call
    // PyType_IsSubtype on every borrow), debug builds (Py_DEBUG) with them.
    python
        .configure_cc(&mut build)
        .file("src/exporter.c")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    build.compile("legacy_buffer_exporter");
    ExitCode::SUCCESS
}
