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
    build.compile("legacy_buffer_exporter");
}
