//! Discovery of a Python: headers and library always come from the same
//! source, tried in this order:
//!
//! 1. explicit environment variables (include dirs + lib dir + lib name);
//! 2. the config tool named by `LEGACY_BUFFER_SYS_PYTHON_CONFIG` (a path, or a
//!    name looked up on `PATH`), alone;
//! 3. pkg-config: the module named by `LEGACY_BUFFER_SYS_PKG_CONFIG_NAME`
//!    (alone), else each line's modules in turn;
//! 4. unless a module was named: each line's config tools, `python2.7-config`
//!    (native builds only) and `<target>-python2.7-config` (Debian's name,
//!    e.g. `x86_64-linux-gnu-python2.7-config`) in each directory of `PATH`,
//!    in order, so that a failing entry (a pyenv shim for a version not
//!    selected) does not hide a working one further on.
//!
//! The lines: the one `LEGACY_BUFFER_SYS_PYTHON_VERSION` names (`2.7`,
//! `3.11`), else 2.7 (`python-2.7`, `python2`; `python2.7-config`) and then
//! the system's Python 3 (`python3-embed`, `python3`; `python3-config`):
//! the first found picks the line. A 3.x line's modules are the `-embed`
//! ones first, which name libpython (the others name none: an extension
//! module needs no library, but an embedder does).

use crate::env::{self, Env};
use crate::Failure;
use std::path::PathBuf;
use std::process::Command;

/// Where a Python 2.7 was found.
pub struct Python {
    /// How it was found, for messages and `PRINT_CONFIG`.
    pub source: String,
    pub include_dirs: Vec<PathBuf>,
    pub lib_dirs: Vec<PathBuf>,
    /// Libraries to link, as for `-l`.
    pub libs: Vec<String>,
    /// The candidates tried before this one, and why each was passed over.
    pub passed_over: Vec<String>,
}

impl Python {
    /// libpython among the libraries: the first whose name starts with
    /// `python` (config tools add `dl`, `m`, ...), else the first.
    pub fn lib_name(&self) -> &str {
        self.libs
            .iter()
            .find(|l| l.starts_with("python"))
            .or(self.libs.first())
            .map_or("", String::as_str)
    }
}

/// A line of Python the search looks for: its pkg-config modules, and the
/// name of its config tool (`python2.7`: `python2.7-config`).
struct Line {
    modules: Vec<String>,
    tool: String,
}

/// The Python versions this crate binds: CPython 2.7 (and PyPy's 2.7), and
/// CPython 3.9 to 3.13.
pub fn supported(major: u32, minor: u32) -> bool {
    (major, minor) == (2, 7) || (major == 3 && (9..=13).contains(&minor))
}

/// `LEGACY_BUFFER_SYS_PYTHON_VERSION` as `(major, minor)`, checked.
pub fn version_asked(env: &Env) -> Result<Option<(u32, u32)>, Failure> {
    let Some(text) = &env.python_version else {
        return Ok(None);
    };
    let parsed = text
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
    match parsed {
        Some((major, minor)) if supported(major, minor) => Ok(Some((major, minor))),
        _ => Err(Failure::new(
            format!("{} is {text:?}", env::PYTHON_VERSION),
            format!(
                "{} names the line of Python to bind, as major.minor: 2.7, or 3.9 to 3.13.",
                env::PYTHON_VERSION
            ),
        )),
    }
}

fn lines(env: &Env) -> Result<Vec<Line>, Failure> {
    let line = |(major, minor): (u32, u32)| match major {
        2 => Line {
            modules: vec!["python-2.7".into(), "python2".into()],
            tool: "python2.7".into(),
        },
        _ => Line {
            modules: vec![
                format!("python-{major}.{minor}-embed"),
                format!("python-{major}.{minor}"),
            ],
            tool: format!("python{major}.{minor}"),
        },
    };
    Ok(match version_asked(env)? {
        Some(version) => vec![line(version)],
        None => vec![
            line((2, 7)),
            Line {
                modules: vec!["python3-embed".into(), "python3".into()],
                tool: "python3".into(),
            },
        ],
    })
}

pub fn find(env: &Env) -> Result<Python, Failure> {
    if let Some(python) = from_env(env)? {
        return Ok(python);
    }
    if let Some(tool) = &env.python_config {
        return from_named_config_tool(env, tool);
    }
    let mut tried = Vec::new();
    if let Some(module) = &env.pkg_config_name {
        // A module that was asked for by name must be the one used: falling
        // back to a different Python would hide the mistake.
        return match from_pkg_config(module) {
            Ok(python) => Ok(python),
            Err(e) => {
                tried.push(e);
                Err(Failure::not_found(tried))
            }
        };
    }
    for line in lines(env)? {
        for module in &line.modules {
            match from_pkg_config(module) {
                Ok(python) => {
                    return Ok(Python {
                        passed_over: tried,
                        ..python
                    })
                }
                Err(e) => tried.push(e),
            }
        }
        let path = env::path_dirs();
        for name in config_tool_names(env, &line.tool) {
            let found: Vec<PathBuf> = path
                .iter()
                .map(|dir| dir.join(&name))
                .filter(|tool| tool.is_file())
                .collect();
            if found.is_empty() {
                tried.push(format!("{name}: not on PATH"));
            }
            for tool in found {
                match from_config_tool(&tool) {
                    Ok(python) => {
                        return Ok(Python {
                            passed_over: tried,
                            ..python
                        })
                    }
                    Err(e) => tried.push(format!("{}: {e}", tool.display())),
                }
            }
        }
    }
    Err(Failure::not_found(tried))
}

/// The pkg-config module `module`, or why not.
fn from_pkg_config(module: &str) -> Result<Python, String> {
    match pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(true)
        .probe(module)
    {
        Ok(lib) => Ok(Python {
            source: format!("pkg-config module {module} (version {})", lib.version),
            include_dirs: lib.include_paths,
            lib_dirs: lib.link_paths,
            libs: lib.libs,
            passed_over: Vec::new(),
        }),
        Err(e) => Err(format!(
            "pkg-config {module}: {}",
            first_line(&e.to_string())
        )),
    }
}

/// The names a config tool for the target goes by, in the order tried: the
/// plain one describes the machine building, so it is only tried when that
/// is the target; the prefixed one is what Debian installs (and what a cross
/// toolchain's sysroot provides).
fn config_tool_names(env: &Env, tool: &str) -> Vec<String> {
    let prefixed = format!("{}-{tool}-config", gnu_triple(&env.target));
    if env.host == env.target {
        vec![format!("{tool}-config"), prefixed]
    } else {
        vec![prefixed]
    }
}

/// The GNU triple tools are prefixed with, from Rust's target triple: without
/// the vendor (`x86_64-unknown-linux-gnu` is `x86_64-linux-gnu`), and with
/// Debian's names for the architectures Rust names otherwise (`armv7` is
/// `arm`, as in `arm-linux-gnueabihf`; `riscv64gc` is `riscv64`). Other
/// spellings are for `LEGACY_BUFFER_SYS_PYTHON_CONFIG` to name.
fn gnu_triple(target: &str) -> String {
    let mut parts: Vec<&str> = target.split('-').collect();
    if parts.len() == 4 {
        parts.remove(1);
    }
    parts[0] = match parts[0] {
        "armv7" => "arm",
        "riscv64gc" => "riscv64",
        arch => arch,
    };
    parts.join("-")
}

/// The config tool `LEGACY_BUFFER_SYS_PYTHON_CONFIG` names, and nothing else.
fn from_named_config_tool(env: &Env, tool: &std::ffi::OsStr) -> Result<Python, Failure> {
    if let Some(module) = &env.pkg_config_name {
        return Err(Failure::new(
            "two Pythons asked for",
            format!(
                "{} ({}) and {} ({module}) each name a Python: set one of them.",
                env::PYTHON_CONFIG,
                tool.to_string_lossy(),
                env::PKG_CONFIG_NAME
            ),
        ));
    }
    let failed = |e: String| {
        Failure::not_found(vec![format!(
            "{} ({}), which {} names: {e}",
            tool.to_string_lossy(),
            env::PYTHON_CONFIG,
            env::PYTHON_CONFIG,
        )])
    };
    let path = std::path::Path::new(tool);
    // A bare name is looked up on PATH, as a shell would.
    let path = if path.components().count() == 1 {
        env::path_dirs()
            .into_iter()
            .map(|dir| dir.join(tool))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| failed("not on PATH".to_string()))?
    } else {
        path.to_path_buf()
    };
    from_config_tool(&path).map_err(failed)
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

fn from_env(env: &Env) -> Result<Option<Python>, Failure> {
    match (&env.include_dirs, &env.lib_dir, &env.lib_name) {
        (None, None, None) => Ok(None),
        (Some(include_dirs), Some(lib_dir), Some(lib_name)) => Ok(Some(Python {
            source: format!(
                "environment ({}, {}, {})",
                env::INCLUDE_DIR,
                env::LIB_DIR,
                env::LIB_NAME
            ),
            include_dirs: include_dirs.clone(),
            lib_dirs: vec![lib_dir.clone()],
            libs: vec![lib_name.clone()],
            passed_over: Vec::new(),
        })),
        _ => Err(Failure::new(
            "incomplete explicit Python configuration",
            format!(
                "{}, {} and {} go together: set all three, or none to use pkg-config.",
                env::INCLUDE_DIR,
                env::LIB_DIR,
                env::LIB_NAME
            ),
        )),
    }
}

fn from_config_tool(tool: &std::path::Path) -> Result<Python, String> {
    let shown = tool.display();
    let run = |arg: &str| -> Result<String, String> {
        let out = Command::new(tool)
            .args(arg.split(' '))
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "`{shown} {arg}` failed ({}): {}",
                out.status,
                first_line(&stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut python = Python {
        source: shown.to_string(),
        include_dirs: Vec::new(),
        lib_dirs: Vec::new(),
        libs: Vec::new(),
        passed_over: Vec::new(),
    };
    for flag in run("--includes")?.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-I") {
            let dir = PathBuf::from(dir);
            // Python's own config tool lists the one directory twice.
            if !python.include_dirs.contains(&dir) {
                python.include_dirs.push(dir);
            }
        }
    }
    // Python 3.8 and later name libpython only when asked for what an
    // embedder links (--embed); 2.7's tool knows no such option, and fails.
    let ldflags = run("--ldflags --embed").or_else(|_| run("--ldflags"))?;
    for flag in ldflags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            python.lib_dirs.push(dir.into());
        } else if let Some(lib) = flag.strip_prefix("-l") {
            python.libs.push(lib.into());
        }
    }
    if python.include_dirs.is_empty() || !python.libs.iter().any(|l| l.starts_with("python")) {
        return Err("printed no include directory or no python library".into());
    }
    // A build with --enable-shared prints no -L for its own library (it
    // expects it in the linker's path): add <exec-prefix>/lib when libpython
    // is there.
    let lib_dir = PathBuf::from(run("--exec-prefix")?.trim()).join("lib");
    let shared = format!("lib{}.so", python.lib_name());
    if !python.lib_dirs.contains(&lib_dir) && lib_dir.join(shared).exists() {
        python.lib_dirs.push(lib_dir);
    }
    Ok(python)
}
