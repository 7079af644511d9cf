//! The probe as a user runs it: exit codes, JSON lines, and errors per row.

use std::process::Command;

fn probe(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_legacy-buffer-probe"))
        .args(args)
        .output()
        .expect("running legacy-buffer-probe");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn json_lines_one_per_expression() {
    let (code, out) = probe(&["--json", "bytearray('xy')", "array.array('h', [1])", "7"]);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["write_buffer"]["borrow"], "pinned");
    assert_eq!(rows[0]["write_buffer"]["head"], "7879");
    assert_eq!(rows[1]["read_buffer"]["borrow"], "unpinned");
    assert_eq!(rows[1]["read_buffer"]["len"], 2);
    assert_eq!(
        rows[2]["read_buffer"]["exception"]["message"],
        "expected a readable buffer object"
    );
    assert_eq!(rows[2]["check_read_buffer"], false);
}

#[test]
fn a_type_defined_in_rust_is_pinned_like_a_bytearray() {
    let (code, out) = probe(&["--json", "rust.Exporter('xy')", "rust.Exporter(1)"]);
    assert_eq!(code, 1, "{out}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["type"], "rust.Exporter");
    for key in ["char_buffer", "read_buffer", "write_buffer"] {
        assert_eq!(rows[0][key]["borrow"], "pinned", "{key}");
        assert_eq!(rows[0][key]["head"], "7879", "{key}");
    }
    assert_eq!(rows[0]["new_protocol"], true);
    assert_eq!(rows[1]["error"]["message"], "Exporter(s) takes one str");
    let (code, out) = probe(&["rust.Exporter('xy')"]);
    assert_eq!(code, 0);
    assert!(out.contains("'xy')  (rust.Exporter)"), "{out}");
    assert!(out.contains("zero-copy, pinned"), "{out}");
}

#[test]
fn a_bad_expression_is_reported_and_the_others_still_run() {
    let (code, out) = probe(&["1 +", "'ok'", "undefined_name"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("could not evaluate: SyntaxError"), "{out}");
    assert!(
        out.contains("could not evaluate: NameError: name 'undefined_name' is not defined"),
        "{out}"
    );
    assert!(out.contains("'ok'  (str)"), "{out}");
}

#[test]
fn no_arguments_shows_the_representative_set() {
    let (code, out) = probe(&[]);
    assert_eq!(code, 0);
    for ty in [
        "(str)",
        "(unicode)",
        "(bytearray)",
        "(array.array)",
        "(mmap.mmap)",
        "(memoryview)",
        "(rust.Exporter)",
    ] {
        assert!(out.contains(ty), "missing {ty} in\n{out}");
    }
    // Every readable exporter is zero-copy one way or another: array and
    // mmap inside a no-Python scope; nothing is copied.
    assert!(out.contains("zero-copy in a scope"), "{out}");
    assert!(!out.contains("copied"), "{out}");
}

#[test]
fn help_explains_the_tool() {
    let (code, out) = probe(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("EXPRESSION") && out.contains("--json"),
        "{out}"
    );
}
