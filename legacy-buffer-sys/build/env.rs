//! The one place the build script reads the environment. Every variable read
//! is registered with `rerun-if-env-changed` as it is read.

use std::ffi::OsString;
use std::path::PathBuf;

/// Everything the environment says about where Python is and how to build.
pub struct Env {
    /// Explicit mode: the directories holding `Python.h` and `pyconfig.h`.
    pub include_dirs: Option<Vec<PathBuf>>,
    /// Explicit mode: the directory holding the library.
    pub lib_dir: Option<PathBuf>,
    /// Explicit mode: the library name, as for `-l` (`python2.7`, `python2.7_d`).
    pub lib_name: Option<String>,
    /// The pkg-config module to use instead of the default search.
    pub pkg_config_name: Option<String>,
    /// The line asked for (`2.7`, `3.11`): the default search looks for
    /// that version only, and a Python found otherwise must be it.
    pub python_version: Option<String>,
    /// The `python2.7-config` to use instead of the default search: a path,
    /// or a name looked up on `PATH`.
    pub python_config: Option<OsString>,
    /// Print the resolved configuration and stop.
    pub print_config: bool,
    /// Do not link libpython (extension modules), as the `extension-module` feature.
    pub no_link: bool,
    /// Use the committed bindings instead of running bindgen (the
    /// `pregenerated-bindings` feature, or the variable).
    pub pregenerated: bool,
    /// A docs.rs build (cargo's `DOCS_RS`): no Python, no libclang.
    pub docs_rs: bool,
    /// Target pointer width, in bits, as cargo gives it.
    pub pointer_width: u32,
    /// The target triple, as cargo gives it (`x86_64-unknown-linux-gnu`).
    pub target: String,
    /// The triple of the machine building, as cargo gives it.
    pub host: String,
    /// Where generated files go.
    pub out_dir: PathBuf,
    /// The crate's own directory.
    pub manifest_dir: PathBuf,
}

pub const INCLUDE_DIR: &str = "LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR";
pub const LIB_DIR: &str = "LEGACY_BUFFER_SYS_PYTHON_LIB_DIR";
pub const LIB_NAME: &str = "LEGACY_BUFFER_SYS_PYTHON_LIB_NAME";
pub const PKG_CONFIG_NAME: &str = "LEGACY_BUFFER_SYS_PKG_CONFIG_NAME";
pub const PYTHON_CONFIG: &str = "LEGACY_BUFFER_SYS_PYTHON_CONFIG";
pub const PYTHON_VERSION: &str = "LEGACY_BUFFER_SYS_PYTHON_VERSION";
pub const PRINT_CONFIG: &str = "LEGACY_BUFFER_SYS_PRINT_CONFIG";
pub const NO_LINK: &str = "LEGACY_BUFFER_SYS_NO_LINK";
pub const PREGENERATED: &str = "LEGACY_BUFFER_SYS_PREGENERATED_BINDINGS";
pub const DOCS_RS: &str = "DOCS_RS";

fn var_os(name: &str) -> Option<OsString> {
    println!("cargo:rerun-if-env-changed={name}");
    std::env::var_os(name).filter(|v| !v.is_empty())
}

fn var(name: &str) -> Option<String> {
    var_os(name).map(|v| v.to_string_lossy().into_owned())
}

fn flag(name: &str) -> bool {
    matches!(var(name).as_deref(), Some(v) if v != "0")
}

/// A variable cargo sets for build scripts (no rerun registration needed).
fn cargo_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name}"))
}

impl Env {
    pub fn read() -> Env {
        Env {
            include_dirs: var_os(INCLUDE_DIR).map(|v| std::env::split_paths(&v).collect()),
            lib_dir: var_os(LIB_DIR).map(PathBuf::from),
            lib_name: var(LIB_NAME),
            pkg_config_name: var(PKG_CONFIG_NAME),
            python_version: var(PYTHON_VERSION),
            python_config: var_os(PYTHON_CONFIG),
            print_config: flag(PRINT_CONFIG),
            no_link: flag(NO_LINK) || std::env::var_os("CARGO_FEATURE_EXTENSION_MODULE").is_some(),
            pregenerated: flag(PREGENERATED)
                || std::env::var_os("CARGO_FEATURE_PREGENERATED_BINDINGS").is_some(),
            // Set (to 1) by docs.rs for every build; any non-empty value counts,
            // as for legacy_buffer_build_config::is_docs_rs.
            docs_rs: var_os(DOCS_RS).is_some(),
            pointer_width: cargo_var("CARGO_CFG_TARGET_POINTER_WIDTH")
                .parse()
                .expect("CARGO_CFG_TARGET_POINTER_WIDTH is a number"),
            target: cargo_var("TARGET"),
            host: cargo_var("HOST"),
            out_dir: PathBuf::from(cargo_var("OUT_DIR")),
            manifest_dir: PathBuf::from(cargo_var("CARGO_MANIFEST_DIR")),
        }
    }
}

/// The directories of `PATH`, in order. Read only by the search for a
/// config tool, so that a change of `PATH` reruns the build only when `PATH`
/// decided (or could have decided) which Python was used.
pub fn path_dirs() -> Vec<PathBuf> {
    var_os("PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default()
}
