//! Compiles the C baselines (`c/baseline.c`) with -O2, as distributions
//! compile C extensions, against the headers legacy-buffer-sys found.

fn main() {
    println!("cargo:rerun-if-changed=c/baseline.c");
    let includes = std::env::var_os("DEP_LEGACY_BUFFER_PYTHON27_INCLUDE")
        .expect("legacy-buffer-sys passes its include path to dependants");
    let mut build = cc::Build::new();
    build
        .file("c/baseline.c")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true);
    for dir in std::env::split_paths(&includes) {
        build.include(dir);
    }
    build.compile("legacy_buffer_bench_baseline");
}
