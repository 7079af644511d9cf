//! Compiles the C baselines (`c/baseline.c`) with -O2 and the defines
//! python2.7-config gives, as distributions compile C extensions, against
//! the headers legacy-buffer-sys found.

use legacy_buffer_build_config::PythonConfig;
use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=c/baseline.c");
    let python = match PythonConfig::from_env() {
        Ok(python) => python,
        Err(e) => {
            println!("cargo:warning=legacy-buffer-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut build = cc::Build::new();
    python
        .configure_cc(&mut build)
        .file("c/baseline.c")
        .opt_level(2)
        .warnings(true)
        .extra_warnings(true);
    build.compile("legacy_buffer_bench_baseline");
    ExitCode::SUCCESS
}
