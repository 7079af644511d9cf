//! Discovery of a Python 2.7: headers and library always come from the same
//! source, tried in this order:
//!
//! 1. explicit environment variables (include dirs + lib dir + lib name);
//! 2. pkg-config: the module named by `LEGACY_BUFFER_SYS_PKG_CONFIG_NAME`, else
//!    `python-2.7`, else `python2` (never plain `python`, which may be 3.x);
//! 3. `python2.7-config` or `x86_64-linux-gnu-python2.7-config`.

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

pub fn find(env: &Env) -> Result<Python, Failure> {
    if let Some(python) = from_env(env)? {
        return Ok(python);
    }
    let mut tried = Vec::new();
    let modules: Vec<&str> = match &env.pkg_config_name {
        Some(name) => vec![name.as_str()],
        None => vec!["python-2.7", "python2"],
    };
    for module in &modules {
        match pkg_config::Config::new()
            .cargo_metadata(false)
            .env_metadata(true)
            .probe(module)
        {
            Ok(lib) => {
                return Ok(Python {
                    source: format!("pkg-config module {module} (version {})", lib.version),
                    include_dirs: lib.include_paths,
                    lib_dirs: lib.link_paths,
                    libs: lib.libs,
                });
            }
            Err(e) => tried.push(format!(
                "pkg-config {module}: {}",
                first_line(&e.to_string())
            )),
        }
    }
    // A module that was asked for by name must be the one used: falling back
    // to a different Python would hide the mistake.
    if env.pkg_config_name.is_none() {
        for tool in ["python2.7-config", "x86_64-linux-gnu-python2.7-config"] {
            match from_config_tool(tool) {
                Ok(python) => return Ok(python),
                Err(e) => tried.push(format!("{tool}: {e}")),
            }
        }
    }
    Err(Failure::not_found(tried))
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
        })),
        _ => Err(Failure::new(
            "incomplete explicit Python 2.7 configuration",
            format!(
                "{}, {} and {} go together: set all three, or none to use pkg-config.",
                env::INCLUDE_DIR,
                env::LIB_DIR,
                env::LIB_NAME
            ),
        )),
    }
}

fn from_config_tool(tool: &str) -> Result<Python, String> {
    let run = |arg: &str| -> Result<String, String> {
        let out = Command::new(tool)
            .arg(arg)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("{tool} {arg} failed"));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut python = Python {
        source: tool.to_string(),
        include_dirs: Vec::new(),
        lib_dirs: Vec::new(),
        libs: Vec::new(),
    };
    for flag in run("--includes")?.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-I") {
            python.include_dirs.push(dir.into());
        }
    }
    for flag in run("--ldflags")?.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            python.lib_dirs.push(dir.into());
        } else if let Some(lib) = flag.strip_prefix("-l") {
            python.libs.push(lib.into());
        }
    }
    if python.include_dirs.is_empty() || !python.libs.iter().any(|l| l.starts_with("python")) {
        return Err("printed no include directory or no python library".into());
    }
    Ok(python)
}
