//! cargo run from the tests as a user would run it: in a target directory
//! of its own, so that neither this build nor the child's rebuilds the other,
//! and with none of this test run's build configuration.

use std::path::Path;
use std::process::Command;

/// The workspace's root directory.
pub fn workspace_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
}

/// `cargo <args>` in the workspace, building into `target/<dir>`
/// (`--target-dir` goes right after the subcommand, `args[0]`). The
/// variables that would redirect the build (`CARGO_TARGET_DIR`, ...) or
/// choose the Python (`LEGACY_BUFFER_SYS_*`, set for the debug test run) are
/// removed; the caller sets those its case needs.
pub fn command(dir: &str, args: &[&str]) -> Command {
    let (subcommand, rest) = args.split_first().expect("a cargo subcommand");
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(workspace_dir())
        .arg(subcommand)
        .arg("--target-dir")
        .arg(workspace_dir().join("target").join(dir))
        .args(rest)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env("CARGO_TERM_COLOR", "never");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LEGACY_BUFFER_SYS_") {
            command.env_remove(name);
        }
    }
    command
}

/// The `cargo:warning=X` lines of `package`'s build script, from cargo's
/// stderr, where they read `warning: <package>@<version>: X`.
pub fn build_script_warnings(stderr: &str, package: &str) -> Vec<String> {
    let prefix = format!("warning: {package}@");
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|l| l.split_once(": ").map_or(l, |(_, w)| w).to_string())
        .collect()
}
