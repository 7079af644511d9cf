//! legacy-buffer-probe: for each Python expression (2.7, or 3.x when built
//! against Python 3), which old-buffer interfaces the object offers and
//! what they return, as legacy-buffer sees them. Made for people porting C extensions that use
//! `PyObject_As{Char,Read,Write}Buffer` or `s#`/`t#`/`w#`.

use clap::{Arg, ArgAction, Command};
use legacy_buffer::extension::{Args, New};
use legacy_buffer::{py_class, py_module, Buffer, BufferKind, Error, ExceptionType, Python};
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

/// Shown when no expression is given: one of each kind of exporter.
const REPRESENTATIVE: &[&str] = &[
    "'hello'",
    "'ab\\x00cd'",
    "u'h\\xe9llo'",
    "u'spam'",
    "bytearray('abc')",
    "buffer('abcdef', 2)",
    "array.array('i', [1, 2])",
    "mmap.mmap(-1, 16)",
    "ctypes.create_string_buffer('xyz')",
    "memoryview('abc')",
    "rust.Exporter('rust')",
    "42",
    "None",
    "[1, 2]",
];

/// The same on Python 3, in its own spelling (`bytes` is Python 2's `str`;
/// Python 3's `str` has no buffer; there is no `buffer` object).
const REPRESENTATIVE_3: &[&str] = &[
    "b'hello'",
    "b'ab\\x00cd'",
    "'h\\xe9llo'",
    "bytearray(b'abc')",
    "array.array('i', [1, 2])",
    "mmap.mmap(-1, 16)",
    "ctypes.create_string_buffer(b'xyz')",
    "memoryview(b'abc')",
    "memoryview(bytearray(b'abc'))",
    "rust.Exporter(b'rust')",
    "42",
    "None",
    "[1, 2]",
];

/// Modules importable by the expressions without an import of their own.
const PRELUDE: &str = "import array, mmap, ctypes, struct, io, os, sys, rust";

/// A type defined in Rust with legacy-buffer's `py_class!` that exports
/// memory (a copy of the `str` (Python 3: `bytes`) it is made from) through both buffer
/// protocols: what a port's own exporting types look like to the old
/// interfaces, and to legacy-buffer, which pins them as it pins a
/// `bytearray`.
pub struct Exporter;

impl Exporter {
    fn new(_py: Python<'_>, args: Args<'_, '_>) -> legacy_buffer::Result<New<Exporter>> {
        let bytes = match args.get(0) {
            Some(s) if args.len() == 1 => s.str_bytes().map(<[u8]>::to_vec),
            _ => None,
        };
        match bytes {
            Some(bytes) => Ok(New::with_bytes(Exporter, bytes)),
            None => Err(Error::new(
                ExceptionType::TypeError,
                if legacy_buffer::ffi::PY3 {
                    "Exporter(s) takes one bytes"
                } else {
                    "Exporter(s) takes one str"
                },
            )),
        }
    }
}

py_class! {
    class Exporter as "rust.Exporter" {
        doc: "Exporter(s): exports a copy of the str s, from Rust",
        features: [exports],
        new: Exporter::new,
    }
}

py_module! {
    module rust {
        doc: "legacy-buffer-probe's types defined in Rust.",
        functions: {}
        types: { Exporter }
    }
}

/// Bytes shown in the hexdump.
const HEAD: usize = 16;

fn cli() -> Command {
    Command::new("legacy-buffer-probe")
        .about("Show which old-buffer interfaces Python 2.7 objects offer and what they return")
        .long_about(
            "Evaluates each EXPRESSION in an embedded CPython 2.7 (with array, mmap, ctypes, \
             struct, io, os and sys imported, and rust, whose Exporter(s) is a type defined \
             in Rust with legacy-buffer that exports a copy of s) and shows, for the resulting object: \
             PyObject_CheckReadBuffer; the char, read and write buffers (length, or the \
             exception type and message); whether the new buffer protocol is offered; how \
             legacy-buffer gives the memory to Rust (zero-copy and immutable, zero-copy and \
             pinned, or, where nothing keeps it in place, zero-copy inside a no-Python \
             scope); and the first bytes, read through that scope.\n\n\
             With no EXPRESSION, shows a representative set of built-in types. The exit \
             status is 1 if any expression could not be evaluated (its row shows the \
             Python error), 0 otherwise.",
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print one JSON object per expression, one per line"),
        )
        .arg(
            Arg::new("expression")
                .value_name("EXPRESSION")
                .num_args(0..)
                .help("Python expressions to probe, e.g. \"bytearray(10)\""),
        )
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    let as_json = matches.get_flag("json");
    let expressions: Vec<String> = match matches.get_many::<String>("expression") {
        Some(given) => given.cloned().collect(),
        None => {
            let representative = if legacy_buffer::ffi::PY3 {
                REPRESENTATIVE_3
            } else {
                REPRESENTATIVE
            };
            representative.iter().map(|s| s.to_string()).collect()
        }
    };
    rust::init();
    let failed = legacy_buffer::with_gil(|py| {
        if let Err(e) = py.run(PRELUDE) {
            eprintln!("legacy-buffer-probe: could not import the standard modules: {e}");
            return true;
        }
        let mut out = std::io::stdout().lock();
        let mut failed = false;
        for expression in &expressions {
            let report = probe(py, expression);
            failed |= report.get("error").is_some();
            let written = if as_json {
                writeln!(out, "{report}")
            } else {
                write_text(&mut out, &report)
            };
            if written.is_err() {
                // stdout closed (e.g. piped into `head`): nothing more to say.
                return failed;
            }
        }
        failed
    });
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn exception(e: &Error) -> Value {
    json!({ "type": e.type_name(), "message": e.message() })
}

/// Everything about one expression, as JSON (the text form is made from it).
fn probe(py: Python<'_>, expression: &str) -> Value {
    let obj = match py.eval(expression) {
        Ok(obj) => obj,
        Err(e) => return json!({ "expression": expression, "error": exception(&e) }),
    };
    json!({
        "expression": expression,
        "type": obj.type_name(),
        "check_read_buffer": obj.check_read_buffer(),
        "char_buffer": describe(obj.char_buffer()),
        "read_buffer": describe(obj.read_buffer()),
        "write_buffer": describe(obj.write_buffer()),
        "new_protocol": obj.supports_new_buffer(),
    })
}

fn describe(result: legacy_buffer::Result<Buffer<'_>>) -> Value {
    match result {
        Err(e) => json!({ "ok": false, "exception": exception(&e) }),
        Ok(buffer) => {
            // Zero-copy, whatever the kind: asked again if Unpinned.
            let head = buffer.with_bytes(|bytes| {
                let head = &bytes[..bytes.len().min(HEAD)];
                head.iter().map(|b| format!("{b:02x}")).collect::<String>()
            });
            let head = match head {
                Ok(hex) => Value::String(hex),
                Err(e) => json!({ "exception": exception(&e) }),
            };
            let borrow = match buffer.kind() {
                BufferKind::Immutable => "immutable",
                BufferKind::Pinned => "pinned",
                BufferKind::Unpinned => "unpinned",
            };
            json!({ "ok": true, "len": buffer.len(), "borrow": borrow, "head": head })
        }
    }
}

fn write_text(out: &mut impl Write, report: &Value) -> std::io::Result<()> {
    let expression = report["expression"].as_str().unwrap_or_default();
    if let Some(error) = report.get("error") {
        writeln!(
            out,
            "{expression}\n  could not evaluate: {}\n",
            exception_text(error)
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{expression}  ({})",
        report["type"].as_str().unwrap_or("?")
    )?;
    let yes_no = |v: &Value| {
        if v.as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        }
    };
    writeln!(
        out,
        "  check_read_buffer  {}",
        yes_no(&report["check_read_buffer"])
    )?;
    for (label, key) in [
        ("char buffer ", "char_buffer"),
        ("read buffer ", "read_buffer"),
        ("write buffer", "write_buffer"),
    ] {
        writeln!(out, "  {label}       {}", buffer_text(&report[key]))?;
    }
    writeln!(
        out,
        "  new protocol       {}\n",
        yes_no(&report["new_protocol"])
    )
}

fn exception_text(e: &Value) -> String {
    let t = e["type"].as_str().unwrap_or("?");
    match e["message"].as_str() {
        Some(m) if !m.is_empty() => format!("{t}: {m}"),
        _ => t.to_owned(),
    }
}

fn buffer_text(b: &Value) -> String {
    if b["ok"].as_bool() != Some(true) {
        return exception_text(&b["exception"]);
    }
    let how = match b["borrow"].as_str() {
        Some("immutable") => "zero-copy, immutable",
        Some("pinned") => "zero-copy, pinned",
        _ => "zero-copy in a scope",
    };
    let head = match b["head"].as_str() {
        Some(hex) => hexdump(hex, b["len"].as_u64().unwrap_or(0)),
        None => format!(
            "(re-reading failed: {})",
            exception_text(&b["head"]["exception"])
        ),
    };
    format!(
        "{:>9} bytes  {how:<21}  {head}",
        b["len"].as_u64().unwrap_or(0)
    )
}

/// `68 65 6c  |hel|`, with `...` when the buffer is longer than shown.
fn hexdump(hex: &str, len: u64) -> String {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    let spaced: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let more = if len > bytes.len() as u64 { " ..." } else { "" };
    format!("{}{more}  |{text}|", spaced.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        cli().debug_assert();
    }

    #[test]
    fn probes_a_str_and_reports_a_bad_expression() {
        rust::init();
        legacy_buffer::with_gil(|py| {
            py.run(PRELUDE).unwrap();
            let r = probe(py, "'ab\\x00'");
            assert_eq!(r["type"], "str");
            assert_eq!(r["read_buffer"]["len"], 3);
            assert_eq!(r["read_buffer"]["borrow"], "immutable");
            assert_eq!(r["read_buffer"]["head"], "616200");
            assert_eq!(r["write_buffer"]["exception"]["type"], "TypeError");
            let bad = probe(py, "1 +");
            assert_eq!(bad["error"]["type"], "SyntaxError");
            let raising = probe(py, "1 / 0");
            assert_eq!(raising["error"]["type"], "ZeroDivisionError");
        })
    }

    #[test]
    fn a_type_defined_in_rust_is_borrowed_pinned() {
        rust::init();
        legacy_buffer::with_gil(|py| {
            py.run(PRELUDE).unwrap();
            let r = probe(py, "rust.Exporter('xyz')");
            assert_eq!(r["type"], "rust.Exporter");
            assert_eq!(r["check_read_buffer"], true);
            assert_eq!(r["new_protocol"], true);
            for key in ["char_buffer", "read_buffer", "write_buffer"] {
                assert_eq!(r[key]["borrow"], "pinned", "{key}");
                assert_eq!(r[key]["len"], 3, "{key}");
                assert_eq!(r[key]["head"], "78797a", "{key}");
            }
        })
    }

    #[test]
    fn hexdump_marks_truncation() {
        assert_eq!(hexdump("6162", 2), "61 62  |ab|");
        assert_eq!(hexdump("00", 5), "00 ...  |.|");
    }
}
