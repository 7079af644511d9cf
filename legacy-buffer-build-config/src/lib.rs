//! The Python 2.7 that `legacy-buffer-sys` found (CPython, or PyPy's cpyext
//! for extension modules), for the build scripts of crates that compile C
//! against it or need to know how it was built.
//!
//! `legacy-buffer-sys` has `links = "legacy_buffer_python27"`, so cargo hands
//! what its build script found to the build scripts of the crates that list
//! it under `[dependencies]`, as `DEP_LEGACY_BUFFER_PYTHON27_*` variables.
//! [`PythonConfig::from_env`] reads all of them, registering each with
//! `cargo:rerun-if-env-changed`, and checks their values:
//!
//! ```no_run
//! // build.rs of a crate with legacy-buffer-sys among its [dependencies] and
//! // legacy-buffer-build-config among its [build-dependencies].
//! use legacy_buffer_build_config::{is_docs_rs, PythonConfig};
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     // docs.rs has no Python: legacy-buffer-sys built its documentation
//!     // without one, and there is nothing to compile C against.
//!     if is_docs_rs() {
//!         return ExitCode::SUCCESS;
//!     }
//!     let python = match PythonConfig::from_env() {
//!         Ok(python) => python,
//!         Err(e) => {
//!             println!("cargo:warning={e}");
//!             return ExitCode::FAILURE;
//!         }
//!     };
//!     for dir in python.include_dirs() {
//!         println!("compile with -I{}", dir.display());
//!     }
//!     for (name, value) in python.defines() {
//!         println!("and -D{name}{}", value.as_ref().map_or(String::new(), |v| format!("={v}")));
//!     }
//!     if python.py_debug() {
//!         println!("cargo:rustc-cfg=python_debug_build");
//!     }
//!     // python2.7-dbg imports `<name>_d.so`; pypy, what its build chose.
//!     if let Some(suffix) = python.extension_suffix() {
//!         println!("extension modules end in {suffix}");
//!     }
//!     ExitCode::SUCCESS
//! }
//! ```
//!
//! The other side of the contract is here too: legacy-buffer-sys's build
//! script has this crate as a build-dependency and writes the variables
//! with [`PythonConfig::new`], its `with_` setters and
//! [`PythonConfig::to_cargo_metadata`], so the keys and formats written are
//! those read. A test of a dependant's build script can build a
//! configuration the same way.
//!
//! With the `cc` feature, `PythonConfig::configure_cc` sets up a
//! [`cc::Build`](https://docs.rs/cc) in one call. This crate has no other
//! dependency.
//!
//! The defines are those `python2.7-config --cflags` gives C extensions:
//! `NDEBUG` for a release build (so the `assert`s in the headers' macros
//! compile to nothing, as in the interpreter itself), none for a debug build.
//! `Py_DEBUG`, `Py_TRACE_REFS` and `Py_REF_DEBUG` need no define: the
//! headers' `pyconfig.h` sets them, and [`PythonConfig::py_debug`] and its
//! siblings report them. C compiled against PyPy's headers sees
//! `PYPY_VERSION` defined by them, and [`PythonConfig::pypy_version`]
//! reports it.

#![warn(missing_docs)]

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// The prefix of the variables cargo derives from legacy-buffer-sys's `links`
/// key: `cargo:<key>=<value>`, printed by its build script, reaches the
/// build scripts of its dependants as `DEP_LEGACY_BUFFER_PYTHON27_<KEY>`.
const PREFIX: &str = "DEP_LEGACY_BUFFER_PYTHON27_";

/// The keys of the contract between legacy-buffer-sys's build script, which
/// writes them ([`PythonConfig::to_cargo_metadata`], this crate being its
/// build-dependency), and [`PythonConfig::from_env`], which reads them: one
/// list for both sides.
mod key {
    pub const INCLUDE: &str = "include";
    pub const DEFINES: &str = "defines";
    pub const LIB_DIRS: &str = "lib_dirs";
    pub const LIB_NAME: &str = "lib_name";
    pub const LINKS_LIBPYTHON: &str = "links_libpython";
    pub const VERSION_HEX: &str = "version_hex";
    pub const PY_DEBUG: &str = "py_debug";
    pub const TRACE_REFS: &str = "trace_refs";
    pub const REF_DEBUG: &str = "ref_debug";
    pub const UNICODE_SIZE: &str = "unicode_size";
    pub const PYPY_VERSION: &str = "pypy_version";
    /// Written alone, instead of all the others, by a docs.rs build.
    pub const DOCS_RS: &str = "docs_rs";
}

/// The variable cargo sets for `key` (`DEP_LEGACY_BUFFER_PYTHON27_INCLUDE`
/// for `include`).
fn dep_var(key: &str) -> String {
    format!("{PREFIX}{}", key.to_ascii_uppercase())
}

/// Whether this build runs on docs.rs (the `DOCS_RS` variable is set and
/// not empty, as legacy-buffer-sys's build script reads it), where
/// legacy-buffer-sys builds its documentation without any Python and passes
/// on no configuration. Registers `DOCS_RS` with
/// `cargo:rerun-if-env-changed`.
pub fn is_docs_rs() -> bool {
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    std::env::var_os("DOCS_RS").is_some_and(|v| !v.is_empty())
}

/// The configuration of the Python 2.7 legacy-buffer-sys bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonConfig {
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, Option<String>)>,
    lib_dirs: Vec<PathBuf>,
    lib_name: String,
    links_libpython: bool,
    version_hex: u32,
    py_debug: bool,
    trace_refs: bool,
    ref_debug: bool,
    unicode_size: u32,
    pypy_version: Option<(u32, u32, u32)>,
}

impl PythonConfig {
    /// Reads the configuration legacy-buffer-sys passed on; for a build
    /// script. Fails if a variable is missing (legacy-buffer-sys is not
    /// among the crate's `[dependencies]`, or it was built on docs.rs) or
    /// holds what legacy-buffer-sys never writes.
    pub fn from_env() -> Result<PythonConfig, Error> {
        PythonConfig::from_vars(|name| {
            println!("cargo:rerun-if-env-changed={name}");
            std::env::var_os(name)
        })
    }

    /// [`PythonConfig::from_env`] over any source of variables.
    fn from_vars(mut var: impl FnMut(&str) -> Option<OsString>) -> Result<PythonConfig, Error> {
        let mut get = |key: &'static str| -> Result<(String, OsString), Error> {
            let name = dep_var(key);
            match var(&name) {
                Some(value) => Ok((name, value)),
                None => Err(Error {
                    variable: name,
                    kind: ErrorKind::Missing,
                }),
            }
        };
        if let Ok((name, value)) = get(key::DOCS_RS) {
            if value == "1" {
                return Err(Error {
                    variable: name,
                    kind: ErrorKind::DocsRs,
                });
            }
        }
        let paths = |(name, value): (String, OsString), required: bool| {
            let dirs: Vec<PathBuf> = std::env::split_paths(&value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if required && dirs.is_empty() {
                return Err(invalid(name, &value, "at least one directory"));
            }
            Ok(dirs)
        };
        let include_dirs = paths(get(key::INCLUDE)?, true)?;
        let lib_dirs = paths(get(key::LIB_DIRS)?, false)?;
        let (name, value) = get(key::DEFINES)?;
        let defines = match value.to_str() {
            Some(text) => text
                .split_whitespace()
                .map(|d| match d.split_once('=') {
                    Some((name, value)) => (name.to_string(), Some(value.to_string())),
                    None => (d.to_string(), None),
                })
                .collect(),
            None => return Err(invalid(name, &value, "UTF-8")),
        };
        let (name, value) = get(key::LIB_NAME)?;
        let lib_name = match value.to_str() {
            Some(lib) if !lib.is_empty() => lib.to_string(),
            _ => return Err(invalid(name, &value, "a library name")),
        };
        let mut flag = |key: &'static str| -> Result<bool, Error> {
            let (name, value) = get(key)?;
            match value.to_str() {
                Some("1") => Ok(true),
                Some("0") => Ok(false),
                _ => Err(invalid(name, &value, "0 or 1")),
            }
        };
        let links_libpython = flag(key::LINKS_LIBPYTHON)?;
        let py_debug = flag(key::PY_DEBUG)?;
        let trace_refs = flag(key::TRACE_REFS)?;
        let ref_debug = flag(key::REF_DEBUG)?;
        let (name, value) = get(key::VERSION_HEX)?;
        let version_hex = match value.to_str().and_then(|v| v.strip_prefix("0x")) {
            Some(hex) => u32::from_str_radix(hex, 16)
                .map_err(|_| invalid(name.clone(), &value, "a hexadecimal number"))?,
            None => return Err(invalid(name, &value, "a hexadecimal number (0x...)")),
        };
        let (name, value) = get(key::UNICODE_SIZE)?;
        let unicode_size = match value.to_str() {
            Some("2") => 2,
            Some("4") => 4,
            _ => return Err(invalid(name, &value, "2 or 4")),
        };
        // Empty for CPython.
        let (name, value) = get(key::PYPY_VERSION)?;
        let pypy_version = match value.to_str() {
            Some("") => None,
            Some(version) => match parse_version(version) {
                Some(version) => Some(version),
                None => return Err(invalid(name, &value, "empty, or a version (7.3.3)")),
            },
            None => return Err(invalid(name, &value, "empty, or a version (7.3.3)")),
        };
        Ok(PythonConfig {
            include_dirs,
            defines,
            lib_dirs,
            lib_name,
            links_libpython,
            version_hex,
            py_debug,
            trace_refs,
            ref_debug,
            unicode_size,
            pypy_version,
        })
    }

    /// A configuration to pass on with [`PythonConfig::to_cargo_metadata`]:
    /// what legacy-buffer-sys's build script builds from what it found, and
    /// what a test of a dependant's build script can build. The headers in
    /// `include_dirs` are `version_hex`'s; libpython is `lib_name`, linked,
    /// in the linker's default path; no defines; a release build of CPython
    /// with `Py_UNICODE_SIZE` 4, until the `with_` methods say otherwise.
    pub fn new(
        include_dirs: Vec<PathBuf>,
        lib_name: impl Into<String>,
        version_hex: u32,
    ) -> PythonConfig {
        PythonConfig {
            include_dirs,
            defines: Vec::new(),
            lib_dirs: Vec::new(),
            lib_name: lib_name.into(),
            links_libpython: true,
            version_hex,
            py_debug: false,
            trace_refs: false,
            ref_debug: false,
            unicode_size: 4,
            pypy_version: None,
        }
    }

    /// Sets [`PythonConfig::defines`].
    pub fn with_defines(mut self, defines: Vec<(String, Option<String>)>) -> PythonConfig {
        self.defines = defines;
        self
    }

    /// Sets [`PythonConfig::lib_dirs`].
    pub fn with_lib_dirs(mut self, lib_dirs: Vec<PathBuf>) -> PythonConfig {
        self.lib_dirs = lib_dirs;
        self
    }

    /// Sets [`PythonConfig::links_libpython`].
    pub fn with_links_libpython(mut self, links_libpython: bool) -> PythonConfig {
        self.links_libpython = links_libpython;
        self
    }

    /// Sets [`PythonConfig::py_debug`], [`PythonConfig::trace_refs`] and
    /// [`PythonConfig::ref_debug`].
    pub fn with_debug(mut self, py_debug: bool, trace_refs: bool, ref_debug: bool) -> PythonConfig {
        self.py_debug = py_debug;
        self.trace_refs = trace_refs;
        self.ref_debug = ref_debug;
        self
    }

    /// Sets [`PythonConfig::unicode_size`] (2 or 4, else
    /// [`PythonConfig::to_cargo_metadata`] fails).
    pub fn with_unicode_size(mut self, unicode_size: u32) -> PythonConfig {
        self.unicode_size = unicode_size;
        self
    }

    /// Sets [`PythonConfig::pypy_version`] from `PYPY_VERSION` as PyPy's
    /// headers spell it (`"7.3.3"`, `"7.3.4rc1"`), or `None` for CPython.
    /// Fails, naming the variable, on what [`PythonConfig::from_env`] would
    /// refuse to read.
    pub fn with_pypy_version(mut self, version: Option<&str>) -> Result<PythonConfig, Error> {
        self.pypy_version = match version {
            None => None,
            Some(text) => match parse_version(text) {
                Some(version) => Some(version),
                None => return Err(unwritable(key::PYPY_VERSION, text, "a version (7.3.3)")),
            },
        };
        Ok(self)
    }

    /// The `cargo:<key>=<value>` lines, one per key, that pass this
    /// configuration on to the build scripts of dependants, where
    /// [`PythonConfig::from_env`] reads it back; for legacy-buffer-sys's
    /// build script to print. Fails, naming the variable, on a value the
    /// variables cannot carry (a directory with the path separator in its
    /// name, a line break, an empty library name, a define with a space).
    pub fn to_cargo_metadata(&self) -> Result<String, Error> {
        let paths = |key: &'static str, dirs: &[PathBuf], required: bool| {
            let shown = || format!("{dirs:?}");
            if required && dirs.is_empty() {
                return Err(unwritable(key, &shown(), "at least one directory"));
            }
            let joined = std::env::join_paths(dirs)
                .map_err(|_| unwritable(key, &shown(), "no path separator in a directory"))?;
            joined
                .into_string()
                .map_err(|_| unwritable(key, &shown(), "UTF-8 directories"))
        };
        let bad_define = |s: &str| s.is_empty() || s.contains(char::is_whitespace);
        let mut defines = Vec::new();
        for (name, value) in &self.defines {
            if bad_define(name) || value.as_deref().is_some_and(bad_define) {
                return Err(unwritable(
                    key::DEFINES,
                    &format!("{:?}", self.defines),
                    "names and values without spaces",
                ));
            }
            defines.push(match value {
                Some(value) => format!("{name}={value}"),
                None => name.clone(),
            });
        }
        if self.lib_name.is_empty() || self.lib_name.contains(char::is_whitespace) {
            return Err(unwritable(key::LIB_NAME, &self.lib_name, "a library name"));
        }
        if !matches!(self.unicode_size, 2 | 4) {
            return Err(unwritable(
                key::UNICODE_SIZE,
                &self.unicode_size.to_string(),
                "2 or 4",
            ));
        }
        let flag = |on: bool| if on { "1" } else { "0" };
        let pypy_version = self
            .pypy_version
            .map_or(String::new(), |(a, b, c)| format!("{a}.{b}.{c}"));
        let pairs = [
            (key::INCLUDE, paths(key::INCLUDE, &self.include_dirs, true)?),
            (key::DEFINES, defines.join(" ")),
            (key::LIB_DIRS, paths(key::LIB_DIRS, &self.lib_dirs, false)?),
            (key::LIB_NAME, self.lib_name.clone()),
            (key::LINKS_LIBPYTHON, flag(self.links_libpython).into()),
            (key::VERSION_HEX, format!("{:#010x}", self.version_hex)),
            (key::PY_DEBUG, flag(self.py_debug).into()),
            (key::TRACE_REFS, flag(self.trace_refs).into()),
            (key::REF_DEBUG, flag(self.ref_debug).into()),
            (key::UNICODE_SIZE, self.unicode_size.to_string()),
            (key::PYPY_VERSION, pypy_version),
        ];
        let mut lines = String::new();
        for (key, value) in pairs {
            if value.contains(['\n', '\r']) {
                return Err(unwritable(key, &value, "no line break"));
            }
            lines.push_str(&format!("cargo:{key}={value}\n"));
        }
        Ok(lines)
    }

    /// The `cargo:<key>=<value>` line legacy-buffer-sys's build script
    /// prints on docs.rs instead of a configuration: it found no Python, and
    /// [`PythonConfig::from_env`] then fails saying so.
    pub fn docs_rs_cargo_metadata() -> String {
        format!("cargo:{}=1\n", key::DOCS_RS)
    }

    /// The directories holding `Python.h` and `pyconfig.h` (Debian keeps
    /// them apart), in order.
    pub fn include_dirs(&self) -> &[PathBuf] {
        &self.include_dirs
    }

    /// The preprocessor definitions to compile C against these headers
    /// with, as `(name, value)`: `NDEBUG` for a release build, none for a
    /// debug build.
    pub fn defines(&self) -> &[(String, Option<String>)] {
        &self.defines
    }

    /// The directories to search for libpython; empty when it is in the
    /// linker's default path (Debian's, found by pkg-config).
    pub fn lib_dirs(&self) -> &[PathBuf] {
        &self.lib_dirs
    }

    /// libpython's name as for `-l`: `python2.7`, `python2.7_d`, ...
    pub fn lib_name(&self) -> &str {
        &self.lib_name
    }

    /// Whether legacy-buffer-sys links libpython, and so every binary that
    /// uses it; false with its `extension-module` feature or
    /// `LEGACY_BUFFER_SYS_NO_LINK`, for extension modules that get the
    /// symbols from the interpreter loading them.
    pub fn links_libpython(&self) -> bool {
        self.links_libpython
    }

    /// `PY_VERSION_HEX` of the headers (`0x020712f0` for 2.7.18 final).
    pub fn version_hex(&self) -> u32 {
        self.version_hex
    }

    /// The headers' version as `(major, minor, micro)`: `(2, 7, 18)`.
    pub fn version(&self) -> (u32, u32, u32) {
        let v = self.version_hex;
        (v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff)
    }

    /// Whether the headers define `Py_DEBUG`: a debug build of Python, whose
    /// extension modules Debian's `python2.7-dbg` imports as `<name>_d.so`.
    pub fn py_debug(&self) -> bool {
        self.py_debug
    }

    /// Whether the headers define `Py_TRACE_REFS`, which changes the layout
    /// of every object (and renames `Py_InitModule4`).
    pub fn trace_refs(&self) -> bool {
        self.trace_refs
    }

    /// Whether the headers define `Py_REF_DEBUG` (`sys.gettotalrefcount`
    /// exists).
    pub fn ref_debug(&self) -> bool {
        self.ref_debug
    }

    /// `Py_UNICODE_SIZE`: 4 on UCS4 builds (Debian's), 2 on UCS2 builds
    /// (CPython's default when built from source).
    pub fn unicode_size(&self) -> u32 {
        self.unicode_size
    }

    /// Whether the headers are PyPy's (its cpyext C-API emulation), which
    /// legacy-buffer-sys binds for extension modules only.
    pub fn pypy(&self) -> bool {
        self.pypy_version.is_some()
    }

    /// `PYPY_VERSION` of PyPy's headers as `(major, minor, micro)`
    /// (`(7, 3, 3)`); `None` for CPython's. (The Python version, 2.7.18 for
    /// PyPy 7.3, is [`PythonConfig::version`].)
    pub fn pypy_version(&self) -> Option<(u32, u32, u32)> {
        self.pypy_version
    }

    /// What the file name of an extension module built against these
    /// headers ends in, for the interpreter to import it: `.so` for
    /// CPython's release build, `_d.so` for Python 2's debug build
    /// (Debian's `python2.7-dbg` imports only those); `.so` for Python 3's
    /// debug build too, which imports plain `.so` files besides its own
    /// tagged names.
    ///
    /// `None` for PyPy, whose suffix is chosen when pypy itself is built
    /// (Debian 11's 7.3.3 imports only `.pypy-73-x86_64-linux-gnu.so`,
    /// not `.so`) and not in its headers: ask the pypy that will import the
    /// module, `pypy -c "import sysconfig; print sysconfig.get_config_var('SO')"`.
    pub fn extension_suffix(&self) -> Option<&'static str> {
        match self.pypy_version {
            Some(_) => None,
            None if self.py_debug && self.version().0 == 2 => Some("_d.so"),
            None => Some(".so"),
        }
    }

    /// Adds the include directories and defines to `build`, so that it
    /// compiles C as the headers expect. Needs the `cc` feature.
    ///
    /// ```no_run
    /// let python = legacy_buffer_build_config::PythonConfig::from_env().unwrap();
    /// let mut build = cc::Build::new();
    /// python.configure_cc(&mut build).file("src/module.c");
    /// build.compile("module");
    /// ```
    #[cfg(feature = "cc")]
    pub fn configure_cc<'b>(&self, build: &'b mut cc::Build) -> &'b mut cc::Build {
        for dir in &self.include_dirs {
            build.include(dir);
        }
        for (name, value) in &self.defines {
            build.define(name, value.as_deref());
        }
        build
    }
}

/// `major.minor.micro`, each a number; the micro may have a tag after it
/// (`7.3.4rc1`, `7.3.0-alpha0`, as `PYPY_VERSION` reads before a release).
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let micro = parts.next()?;
    let digits = micro.len() - micro.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let micro = micro[..digits].parse().ok()?;
    Some((major, minor, micro))
}

/// Why [`PythonConfig::from_env`] failed, or what
/// [`PythonConfig::to_cargo_metadata`] could not pass on: which variable,
/// and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    variable: String,
    kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ErrorKind {
    Missing,
    Invalid {
        value: String,
        expected: &'static str,
    },
    DocsRs,
    Unwritable {
        value: String,
        expected: &'static str,
    },
}

fn unwritable(key: &str, value: &str, expected: &'static str) -> Error {
    Error {
        variable: dep_var(key),
        kind: ErrorKind::Unwritable {
            value: value.to_owned(),
            expected,
        },
    }
}

fn invalid(variable: String, value: &OsString, expected: &'static str) -> Error {
    Error {
        variable,
        kind: ErrorKind::Invalid {
            value: value.to_string_lossy().into_owned(),
            expected,
        },
    }
}

impl Error {
    /// The variable that was missing or wrong.
    pub fn variable(&self) -> &str {
        &self.variable
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Missing => write!(
                f,
                "{} is not set: cargo passes legacy-buffer-sys's configuration only to \
                 crates that list legacy-buffer-sys under [dependencies]",
                self.variable
            ),
            ErrorKind::Invalid { value, expected } => write!(
                f,
                "{} is {value:?}, expected {expected}: a legacy-buffer-sys that does not \
                 match this legacy-buffer-build-config",
                self.variable
            ),
            ErrorKind::DocsRs => write!(
                f,
                "legacy-buffer-sys was built for docs.rs, without a Python ({} is 1): \
                 check legacy_buffer_build_config::is_docs_rs() first",
                self.variable
            ),
            ErrorKind::Unwritable { value, expected } => write!(
                f,
                "{value} cannot be passed on as {}: expected {expected}",
                self.variable
            ),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// What legacy-buffer-sys writes for Debian 11's release build of 2.7.18.
    fn release_vars() -> HashMap<String, OsString> {
        [
            (
                "INCLUDE",
                "/usr/include/python2.7:/usr/include/x86_64-linux-gnu/python2.7",
            ),
            ("DEFINES", "NDEBUG"),
            ("LIB_DIRS", ""),
            ("LIB_NAME", "python2.7"),
            ("LINKS_LIBPYTHON", "1"),
            ("VERSION_HEX", "0x020712f0"),
            ("PY_DEBUG", "0"),
            ("TRACE_REFS", "0"),
            ("REF_DEBUG", "0"),
            ("UNICODE_SIZE", "4"),
            ("PYPY_VERSION", ""),
        ]
        .into_iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), OsString::from(v)))
        .collect()
    }

    fn parse(vars: &HashMap<String, OsString>) -> Result<PythonConfig, Error> {
        PythonConfig::from_vars(|name| vars.get(name).cloned())
    }

    fn set(vars: &mut HashMap<String, OsString>, key: &str, value: &str) {
        vars.insert(format!("{PREFIX}{key}"), value.into());
    }

    #[test]
    fn reads_a_release_build() {
        let config = parse(&release_vars()).unwrap();
        assert_eq!(
            config.include_dirs(),
            [
                PathBuf::from("/usr/include/python2.7"),
                PathBuf::from("/usr/include/x86_64-linux-gnu/python2.7")
            ]
        );
        assert_eq!(config.defines(), [("NDEBUG".to_string(), None)]);
        assert!(config.lib_dirs().is_empty());
        assert_eq!(config.lib_name(), "python2.7");
        assert!(config.links_libpython());
        assert_eq!(config.version(), (2, 7, 18));
        assert_eq!(config.version_hex(), 0x020712f0);
        assert!(!config.py_debug() && !config.trace_refs() && !config.ref_debug());
        assert_eq!(config.unicode_size(), 4);
        assert!(!config.pypy());
        assert_eq!(config.pypy_version(), None);
        assert_eq!(config.extension_suffix(), Some(".so"));
    }

    /// What legacy-buffer-sys writes for PyPy 7.3.3's headers (Debian 11's
    /// pypy-dev), built for an extension module.
    #[test]
    fn reads_pypy() {
        let mut vars = release_vars();
        set(&mut vars, "INCLUDE", "/usr/lib/pypy/include");
        set(&mut vars, "LIB_DIRS", "/usr/lib/pypy/bin");
        set(&mut vars, "LIB_NAME", "pypy-c");
        set(&mut vars, "LINKS_LIBPYTHON", "0");
        set(&mut vars, "PYPY_VERSION", "7.3.3");
        let config = parse(&vars).unwrap();
        assert!(config.pypy());
        assert_eq!(config.pypy_version(), Some((7, 3, 3)));
        assert_eq!(config.version(), (2, 7, 18));
        assert_eq!(config.extension_suffix(), None);
        assert!(!config.links_libpython());
        set(&mut vars, "PYPY_VERSION", "7.3.4rc1");
        assert_eq!(parse(&vars).unwrap().pypy_version(), Some((7, 3, 4)));
    }

    #[test]
    fn reads_a_debug_build_outside_the_default_paths() {
        let mut vars = release_vars();
        set(&mut vars, "DEFINES", "");
        set(
            &mut vars,
            "LIB_DIRS",
            "/opt/py/lib:/opt/py/lib/python2.7/config",
        );
        set(&mut vars, "LIB_NAME", "python2.7_d");
        set(&mut vars, "LINKS_LIBPYTHON", "0");
        set(&mut vars, "PY_DEBUG", "1");
        set(&mut vars, "TRACE_REFS", "1");
        set(&mut vars, "REF_DEBUG", "1");
        set(&mut vars, "UNICODE_SIZE", "2");
        let config = parse(&vars).unwrap();
        assert!(config.defines().is_empty());
        assert_eq!(
            config.lib_dirs(),
            [
                PathBuf::from("/opt/py/lib"),
                PathBuf::from("/opt/py/lib/python2.7/config")
            ]
        );
        assert_eq!(config.lib_name(), "python2.7_d");
        assert!(!config.links_libpython());
        assert!(config.py_debug() && config.trace_refs() && config.ref_debug());
        assert_eq!(config.unicode_size(), 2);
        assert_eq!(config.extension_suffix(), Some("_d.so"));
    }

    #[test]
    fn defines_with_values() {
        let mut vars = release_vars();
        set(&mut vars, "DEFINES", "NDEBUG  A=1 B=x=y");
        let config = parse(&vars).unwrap();
        assert_eq!(
            config.defines(),
            [
                ("NDEBUG".to_string(), None),
                ("A".to_string(), Some("1".to_string())),
                ("B".to_string(), Some("x=y".to_string()))
            ]
        );
    }

    #[test]
    fn every_variable_is_required() {
        for key in release_vars().keys() {
            let mut vars = release_vars();
            vars.remove(key);
            let e = parse(&vars).unwrap_err();
            assert_eq!(e.variable(), key);
            assert!(e.to_string().contains("[dependencies]"), "{e}");
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("INCLUDE", "", "at least one directory"),
            ("LIB_NAME", "", "a library name"),
            ("PY_DEBUG", "yes", "0 or 1"),
            ("VERSION_HEX", "34018032", "0x"),
            ("VERSION_HEX", "0xzz", "hexadecimal"),
            ("UNICODE_SIZE", "8", "2 or 4"),
            ("PYPY_VERSION", "7.3", "a version"),
            ("PYPY_VERSION", "7.3.x", "a version"),
        ];
        for (key, value, expected) in cases {
            let mut vars = release_vars();
            set(&mut vars, key, value);
            let e = parse(&vars).unwrap_err();
            assert_eq!(e.variable(), format!("{PREFIX}{key}"));
            assert!(e.to_string().contains(expected), "{e}");
        }
    }

    /// The variables cargo would set from `cargo:` lines.
    fn vars_of(metadata: &str) -> HashMap<String, OsString> {
        metadata
            .lines()
            .map(|l| {
                let (key, value) = l.strip_prefix("cargo:").unwrap().split_once('=').unwrap();
                (dep_var(key), OsString::from(value))
            })
            .collect()
    }

    /// What the writer writes is what the reader reads, key for key: the
    /// two sides of one contract.
    #[test]
    fn what_is_written_is_read_back() {
        let release = PythonConfig::new(
            vec![
                "/usr/include/python2.7".into(),
                "/usr/include/x86_64-linux-gnu/python2.7".into(),
            ],
            "python2.7",
            0x020712f0,
        )
        .with_defines(vec![("NDEBUG".into(), None)]);
        let written = vars_of(&release.to_cargo_metadata().unwrap());
        assert_eq!(written, release_vars());
        assert_eq!(parse(&written).unwrap(), release);

        let debug = PythonConfig::new(vec!["/opt/py/include".into()], "python2.7_d", 0x020712f0)
            .with_defines(vec![("A".into(), Some("x=y".into()))])
            .with_lib_dirs(vec!["/opt/py/lib".into(), "/opt/py/lib/config".into()])
            .with_links_libpython(false)
            .with_debug(true, true, true)
            .with_unicode_size(2);
        let written = vars_of(&debug.to_cargo_metadata().unwrap());
        assert_eq!(parse(&written).unwrap(), debug);

        let pypy = PythonConfig::new(vec!["/usr/lib/pypy/include".into()], "pypy-c", 0x020712f0)
            .with_links_libpython(false)
            .with_pypy_version(Some("7.3.4rc1"))
            .unwrap();
        let written = vars_of(&pypy.to_cargo_metadata().unwrap());
        assert_eq!(written[&dep_var(key::PYPY_VERSION)], "7.3.4");
        assert_eq!(parse(&written).unwrap(), pypy);

        let docs_rs = vars_of(&PythonConfig::docs_rs_cargo_metadata());
        assert!(parse(&docs_rs)
            .unwrap_err()
            .to_string()
            .contains("is_docs_rs()"));
    }

    /// What the reader would refuse is not written.
    #[test]
    fn what_cannot_be_read_back_is_not_written() {
        let ok = || {
            PythonConfig::new(
                vec!["/usr/include/python2.7".into()],
                "python2.7",
                0x020712f0,
            )
        };
        let cases = [
            (PythonConfig::new(Vec::new(), "python2.7", 0), "INCLUDE"),
            (ok().with_lib_dirs(vec!["/a:b".into()]), "LIB_DIRS"),
            (
                PythonConfig::new(vec!["/a\nb".into()], "python2.7", 0),
                "INCLUDE",
            ),
            (ok().with_defines(vec![("A B".into(), None)]), "DEFINES"),
            (PythonConfig::new(vec!["/a".into()], "", 0), "LIB_NAME"),
            (ok().with_unicode_size(8), "UNICODE_SIZE"),
        ];
        for (config, key) in cases {
            let e = config.to_cargo_metadata().unwrap_err();
            assert_eq!(e.variable(), format!("{PREFIX}{key}"), "{e}");
            assert!(e.to_string().contains("cannot be passed on"), "{e}");
        }
        let e = ok().with_pypy_version(Some("7.3")).unwrap_err();
        assert_eq!(e.variable(), format!("{PREFIX}PYPY_VERSION"));
    }

    #[test]
    fn a_docs_rs_build_passes_nothing_on() {
        let mut vars = HashMap::new();
        set(&mut vars, "DOCS_RS", "1");
        let e = parse(&vars).unwrap_err();
        assert!(e.to_string().contains("is_docs_rs()"), "{e}");
    }
}

// The README's example, compiled with the crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
