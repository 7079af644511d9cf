//! `legacy-buffer-port`: scaffolds the Rust port of a CPython 2.7 C
//! extension module on legacy-buffer, from its C source.
//!
//! ```text
//! legacy-buffer-port scaffold ext.c [-I DIR ...] [-D NAME[=V] ...] --out DIR
//!     [--name CRATE] [--workspace DIR] [--lock FILE | --no-lock] [-x c|c++]
//! ```
//!
//! It parses `ext.c` with libclang against Python 2.7's headers and writes a
//! cargo crate: one Rust function per C function of the module's method
//! table, parsing its arguments with the C's own format (`args.parse(py_format!(..))`)
//! and raising `NotImplementedError`, the C body beside it as a comment to
//! translate; a `py_class!` for each extension type (constructor,
//! `__init__`, methods, getters, slots); and the `py_module!` with the
//! module's name, docstring, functions, types, exception classes and
//! constants. What it cannot extract, or
//! `py_module!` cannot say, is reported on stderr as `file:line: gap: ...`
//! and written as a `// GAP` comment in the code. See README.md.

#![warn(missing_docs)]

mod body;
mod class;
mod extract;
mod generate;
mod model;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The usage text.
const USAGE: &str =
    "usage: legacy-buffer-port scaffold EXT.c [-I DIR ...] [-D NAME[=V] ...] --out DIR
       [--name CRATE] [--workspace DIR] [--lock FILE | --no-lock] [-x c|c++]

  -I DIR, -D NAME[=V]  more include dirs and defines (Python 2.7's come from
                       pkg-config python-2.7, or python2.7-config --includes)
  --out DIR            where to write the crate (Cargo.toml, src/lib.rs)
  --name CRATE         the crate's name (default: the module's)
  --workspace DIR      the legacy-buffer workspace the crate depends on by path
                       (default: the one this tool was built in)
  --lock FILE          a Cargo.lock to start from (default: the workspace's),
                       so the crate builds with the versions already locked
  -x c|c++             the language (default: c++ for .cc/.cpp/.cxx, else c)";

/// The command line of `scaffold`.
struct Cli {
    source: PathBuf,
    includes: Vec<String>,
    defines: Vec<String>,
    out: PathBuf,
    name: Option<String>,
    workspace: PathBuf,
    lock: Option<PathBuf>,
    language: Option<String>,
}

fn parse_cli(mut args: impl Iterator<Item = String>) -> Result<Cli, String> {
    if args.next().as_deref() != Some("scaffold") {
        return Err(USAGE.into());
    }
    let default_workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut source = None;
    let mut cli = Cli {
        source: PathBuf::new(),
        includes: Vec::new(),
        defines: Vec::new(),
        out: PathBuf::new(),
        name: None,
        workspace: default_workspace,
        lock: None,
        language: None,
    };
    let mut out = None;
    let mut lock = Some(None);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        match arg.as_str() {
            "-I" => cli.includes.push(value("-I")?),
            "-D" => cli.defines.push(value("-D")?),
            "-x" => cli.language = Some(value("-x")?),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--name" => cli.name = Some(value("--name")?),
            "--workspace" => cli.workspace = PathBuf::from(value("--workspace")?),
            "--lock" => lock = Some(Some(PathBuf::from(value("--lock")?))),
            "--no-lock" => lock = None,
            "-h" | "--help" => return Err(USAGE.into()),
            a if a.starts_with("-I") && a.len() > 2 => cli.includes.push(a[2..].into()),
            a if a.starts_with("-D") && a.len() > 2 => cli.defines.push(a[2..].into()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}\n{USAGE}")),
            a if source.is_none() => source = Some(PathBuf::from(a)),
            a => return Err(format!("a second source file {a}: one at a time\n{USAGE}")),
        }
    }
    cli.source = source.ok_or(format!("no source file\n{USAGE}"))?;
    cli.out = out.ok_or(format!("--out DIR is required\n{USAGE}"))?;
    cli.lock = match lock {
        Some(Some(file)) => Some(file),
        Some(None) => Some(cli.workspace.join("Cargo.lock")).filter(|f| f.is_file()),
        None => None,
    };
    Ok(cli)
}

/// The chosen Python 2.7's include dirs and defines, as `-I`/`-D`
/// arguments, found as legacy-buffer-sys finds its headers (what a program
/// run by hand can: legacy-buffer-build-config's `PythonConfig::from_env`
/// reads what legacy-buffer-sys's build script passes on to dependants'
/// build scripts, and a program run by hand has nothing to read):
///
/// 1. `LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR` (PyPy's headers, say:
///    `/usr/lib/pypy/include`), alone;
/// 2. the config tool `LEGACY_BUFFER_SYS_PYTHON_CONFIG` names, `--includes`;
/// 3. `pkg-config --cflags` of the module `LEGACY_BUFFER_SYS_PKG_CONFIG_NAME`
///    names (`python-2.7-dbg`: the debug build's headers, another object
///    layout);
/// 4. else `pkg-config --cflags python-2.7`, then `python2.7-config
///    --includes`.
fn python_flags() -> Result<Vec<String>, String> {
    if let Some(dir) = std::env::var_os("LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR") {
        return Ok(vec![format!("-I{}", Path::new(&dir).display())]);
    }
    let tool = std::env::var("LEGACY_BUFFER_SYS_PYTHON_CONFIG").ok();
    let module = std::env::var("LEGACY_BUFFER_SYS_PKG_CONFIG_NAME").ok();
    let tries: Vec<(String, Vec<String>)> = match (tool, module) {
        (Some(tool), _) => vec![(tool, vec!["--includes".into()])],
        (None, Some(module)) => vec![("pkg-config".into(), vec!["--cflags".into(), module])],
        (None, None) => vec![
            (
                "pkg-config".into(),
                vec!["--cflags".into(), "python-2.7".into()],
            ),
            ("python2.7-config".into(), vec!["--includes".into()]),
        ],
    };
    for (program, args) in &tries {
        if let Ok(output) = Command::new(program).args(args).output() {
            if output.status.success() {
                let text = String::from_utf8_lossy(&output.stdout);
                let flags: Vec<String> = text
                    .split_whitespace()
                    .filter(|f| f.starts_with("-I") || f.starts_with("-D"))
                    .map(str::to_string)
                    .collect();
                if flags.iter().any(|f| f.starts_with("-I")) {
                    return Ok(flags);
                }
            }
        }
    }
    let tried: Vec<String> = tries
        .iter()
        .map(|(program, args)| format!("`{program} {}`", args.join(" ")))
        .collect();
    Err(format!(
        "Python 2.7's headers not found: {} did not answer; give them with -I, or name them \
         as for legacy-buffer-sys (LEGACY_BUFFER_SYS_PYTHON_INCLUDE_DIR, \
         LEGACY_BUFFER_SYS_PYTHON_CONFIG, LEGACY_BUFFER_SYS_PKG_CONFIG_NAME)",
        tried.join(" nor ")
    ))
}

fn scaffold(cli: &Cli) -> Result<(), String> {
    let language = cli.language.clone().unwrap_or_else(|| {
        match cli.source.extension().and_then(|e| e.to_str()) {
            Some("cc" | "cpp" | "cxx" | "C") => "c++".into(),
            _ => "c".into(),
        }
    });
    let mut clang_args = vec!["-x".to_string(), language];
    for dir in &cli.includes {
        clang_args.push(format!("-I{dir}"));
    }
    for define in &cli.defines {
        clang_args.push(format!("-D{define}"));
    }
    match python_flags() {
        Ok(flags) => clang_args.extend(flags),
        Err(e) if cli.includes.is_empty() => return Err(e),
        Err(_) => {}
    }
    let extracted = extract::extract(&cli.source, &extract::Options { clang_args })?;
    let generated =
        generate::generate(&extracted, &cli.source, cli.name.as_deref(), &cli.workspace)?;
    let src = cli.out.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(cli.out.join("Cargo.toml"), &generated.cargo_toml)?;
    write(src.join("lib.rs"), &generated.lib_rs)?;
    // Best effort: rustfmt's layout, when rustfmt is there.
    let formatted = Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(src.join("lib.rs"))
        .status()
        .is_ok_and(|s| s.success());
    if !formatted {
        eprintln!("note: rustfmt did not run; src/lib.rs is left as generated");
    }
    if let Some(lock) = &cli.lock {
        let target = cli.out.join("Cargo.lock");
        if !target.exists() {
            std::fs::copy(lock, &target).map_err(|e| format!("{}: {e}", lock.display()))?;
        }
    }
    report(&extracted, &generated, cli);
    Ok(())
}

/// What was extracted (stdout) and the gaps (stderr).
fn report(extracted: &model::Extracted, generated: &generate::Generated, cli: &Cli) {
    println!(
        "module {} ({}), written to {}",
        generated.module,
        cli.source.display(),
        cli.out.display()
    );
    for table in &extracted.tables {
        println!("method table {} ({}):", table.name, table.loc);
        for e in &table.entries {
            let function = e.function.as_deref().unwrap_or("?");
            let flags = e.flags.map_or("?".to_string(), |f| format!("{f:#x}"));
            let parse = extracted
                .function(function)
                .and_then(|f| f.parses.first())
                .map(|p| match &p.format {
                    Ok(f) => format!(", {} {f:?}", p.callee),
                    Err(e) => format!(", {} <not a literal: {e}>", p.callee),
                })
                .unwrap_or_default();
            let doc = if e.doc.is_some() {
                "a docstring"
            } else {
                "no docstring"
            };
            println!("  {} -> {function}, flags {flags}, {doc}{parse}", e.name);
        }
    }
    for e in &extracted.exceptions {
        let base = e.base.clone().unwrap_or_else(|x| x);
        let var = e.var.as_deref().unwrap_or("(no variable)");
        println!("exception {} ({base}) = {var} ({})", e.dotted, e.loc);
    }
    for c in &extracted.constants {
        println!("constant {} = {:?} ({})", c.name, c.value, c.loc);
    }
    for t in &extracted.types {
        println!(
            "type {} = {} ({}): methods {}, getset {}, new {}, init {}, {} slot(s)",
            t.name.as_deref().unwrap_or("?"),
            t.var,
            t.loc,
            t.methods.as_deref().unwrap_or("-"),
            t.getset.as_deref().unwrap_or("-"),
            t.new.as_deref().unwrap_or("-"),
            t.init.as_deref().unwrap_or("-"),
            t.slots.len() + t.structs.len()
        );
    }
    println!("{} gap(s)", generated.gaps.len());
    for gap in &generated.gaps {
        eprintln!("{gap}");
    }
}

fn main() -> ExitCode {
    let cli = match parse_cli(std::env::args().skip(1)) {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match scaffold(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("legacy-buffer-port: {e}");
            ExitCode::FAILURE
        }
    }
}
