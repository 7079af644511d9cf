//! What share of each finished hand port the scaffolder writes
//! (`tests/python/share.py` says how it is counted): the three ports'
//! sources against skeletons scaffolded from their C originals here. The
//! figures are printed (README.md quotes them); the test requires every
//! declaration and parse of the hand ports to be one the skeleton writes,
//! but for the four the ports chose otherwise, named below.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Scaffold `source` into `target/scaffold/share-<name>`; its lib.rs.
fn skeleton(source: &Path, name: &str) -> PathBuf {
    assert!(
        source.exists(),
        "{} is missing: run ci/install-deps (or ci/third-party)",
        source.display()
    );
    let out = scratch(&format!("share-{name}"));
    let output = scaffold(&[source.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    out.join("src/lib.rs")
}

/// The `.rs` files under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// share.py's figures: (lines written, lines, statements written,
/// statements that declare or parse).
fn share(skeletons: &[PathBuf], port: &str) -> (usize, usize, usize, usize) {
    let script = workspace().join("legacy-buffer-port/tests/python/share.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(skeletons)
        .arg("--")
        .args(rust_files(&workspace().join(port).join("src")))
        .output()
        .expect("run python3");
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    println!("{port}: {stdout}");
    let numbers: Vec<usize> = stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    // "W of L lines (P.P%); M of the N statements ...": W, L, P, P, M, N.
    assert_eq!(numbers.len(), 6, "{stdout}");
    (numbers[0], numbers[1], numbers[4], numbers[5])
}

#[test]
fn the_scaffolder_writes_every_declaration_and_parse_of_the_hand_ports() {
    let ws = workspace();
    let third = ws.join("target/third-party");

    let checksum = skeleton(&ws.join("tests/c/legacy_checksum.c"), "checksum");
    let (written, lines, matched, declaring) = share(&[checksum], "legacy-checksum");
    assert!(written > 0 && written < lines);
    // The three the port chose otherwise: its module's name
    // (legacy_checksum_rs, to import beside the C's) and docstring, and its
    // `_panic` test function.
    assert_eq!(matched + 3, declaring);

    let snappy = skeleton(
        &third.join("python-snappy-0.5.4/snappy/snappymodule.cc"),
        "snappy",
    );
    let (written, lines, matched, declaring) = share(&[snappy], "legacy-snappy");
    assert!(written > 0 && written < lines);
    assert_eq!(matched, declaring);

    let dir = third.join("bitarray-1.2.2/bitarray");
    let skeletons = [
        skeleton(&dir.join("_bitarray.c"), "bitarray"),
        skeleton(&dir.join("_util.c"), "util"),
    ];
    let (written, lines, matched, declaring) = share(&skeletons, "legacy-bitarray");
    assert!(written > 0 && written < lines);
    // The one it chose otherwise: `new(cls):`, a constructor that makes the
    // object itself (of a subclass's type), where the skeleton's `new:`
    // gives a value.
    assert_eq!(matched + 1, declaring);
}
