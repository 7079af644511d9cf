//! Compiles `src/exporter.c` against the same Python headers legacy-buffer-sys
//! bound, which it passes on as `DEP_LEGACY_BUFFER_PYTHON27_INCLUDE`.

fn main() {
    println!("cargo:rerun-if-changed=src/exporter.c");
    let includes = std::env::var_os("DEP_LEGACY_BUFFER_PYTHON27_INCLUDE")
        .expect("legacy-buffer-sys passes its include path to dependants");
    let mut build = cc::Build::new();
    build
        .file("src/exporter.c")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    for dir in std::env::split_paths(&includes) {
        build.include(dir);
    }
    // As the interpreter's own C is built: release builds without asserts
    // (python2.7-config --cflags has -DNDEBUG; the asserts in macros such as
    // PyByteArray_AS_STRING would otherwise call PyType_IsSubtype on every
    // borrow), debug builds (Py_DEBUG) with them.
    if std::env::var("DEP_LEGACY_BUFFER_PYTHON27_PY_DEBUG").as_deref() == Ok("0") {
        build.define("NDEBUG", None);
    }
    build.compile("legacy_buffer_exporter");
}
