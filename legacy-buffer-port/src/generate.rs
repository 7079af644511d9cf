//! Writing the port's skeleton: `Cargo.toml` and `src/lib.rs`, from what
//! [`extract`](crate::extract) read. What `py_module!` cannot say is a
//! [`Gap`], reported and written beside the code it concerns.

use crate::body::{body, comment, rust_str, Needs, Shape, Written};
use crate::model::{convention, is_rust_ident, rust_name, ConstValue, Extracted, Gap, MethodEntry};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The built-in exception classes `py_module!` takes as a base
/// (legacy-buffer's `ExceptionType` variants).
const EXCEPTION_TYPES: &[&str] = &[
    "TypeError",
    "ValueError",
    "OverflowError",
    "IndexError",
    "BufferError",
    "SystemError",
    "MemoryError",
    "Exception",
    "StandardError",
    "RuntimeError",
    "ImportError",
    "IOError",
    "OSError",
    "KeyError",
    "NotImplementedError",
    "UnicodeError",
    "ZeroDivisionError",
    "EOFError",
    "AttributeError",
    "StopIteration",
    "LookupError",
];

/// The generated crate's files, and the gaps found while writing them.
#[derive(Clone, Debug)]
pub struct Generated {
    /// `Cargo.toml`.
    pub cargo_toml: String,
    /// `src/lib.rs`.
    pub lib_rs: String,
    /// Everything not extracted or not expressible (the extraction's gaps
    /// included), sorted by place.
    pub gaps: Vec<Gap>,
    /// The module's name.
    pub module: String,
}

/// Generate the crate for `extracted`, named `crate_name`, depending on
/// legacy-buffer in the workspace at `workspace`.
pub fn generate(
    extracted: &Extracted,
    source: &Path,
    crate_name: Option<&str>,
    workspace: &Path,
) -> Result<Generated, String> {
    let mut gaps = extracted.gaps.clone();
    let Some(init) = extracted.inits.first() else {
        return Err(format!(
            "{}: no Py_InitModule call found (is the file preprocessed for Python 2.7?)",
            source.display()
        ));
    };
    for extra in &extracted.inits[1..] {
        gaps.push(Gap {
            loc: extra.loc.clone(),
            message: format!(
                "a second Py_InitModule call (module {:?}): only the first is scaffolded",
                extra.name
            ),
        });
    }
    let module = init.name.rsplit('.').next().unwrap_or_default().to_string();
    if !is_rust_ident(&module) {
        return Err(format!(
            "{}: module name {:?} is not a Rust identifier: py_module! cannot name it",
            init.loc, init.name
        ));
    }
    let table = init
        .methods
        .as_ref()
        .and_then(|name| extracted.tables.iter().find(|t| &t.name == name));
    let entries: Vec<MethodEntry> = match (table, &init.methods) {
        (Some(t), _) => t.entries.clone(),
        (None, Some(name)) => {
            gaps.push(Gap {
                loc: init.loc.clone(),
                message: format!("method table {name} not found in the file: no functions"),
            });
            Vec::new()
        }
        (None, None) => Vec::new(),
    };

    let mut needs = Needs::default();
    let mut bodies = String::new();
    let mut table_lines = String::new();
    // One Rust function per C function (tables may name one twice).
    let mut written = Written::default();
    for entry in &entries {
        let mut entry_gaps: Vec<String> = Vec::new();
        let Some(cname) = &entry.function else {
            table_lines += &format!(
                "            // GAP ({}): method {:?} has no plain C function: left out\n",
                entry.loc, entry.name
            );
            continue;
        };
        let Some(flags) = entry.flags else {
            table_lines += &format!(
                "            // GAP ({}): method {:?} has no constant flags: left out\n",
                entry.loc, entry.name
            );
            continue;
        };
        let sig = match convention(flags) {
            Ok(sig) => sig,
            Err(why) => {
                let message = format!("method {:?} ({cname}): {why}; left out", entry.name);
                table_lines += &format!("            // GAP ({}): {message}\n", entry.loc);
                gaps.push(Gap {
                    loc: entry.loc.clone(),
                    message,
                });
                continue;
            }
        };
        let shape = Shape::function(sig);
        let rust_fn = match written.find(cname, shape) {
            Some(rust) => rust,
            None => {
                let rust = written.new_name(cname, &mut needs);
                let (code, fn_gaps) = body(cname, &rust, shape, extracted, &entry.loc, &mut needs);
                gaps.extend(fn_gaps);
                bodies += &code;
                written.add(cname, shape, &rust);
                rust
            }
        };
        let py_name = rust_name(&entry.name);
        if py_name.is_none() {
            entry_gaps.push(format!(
                "method {:?} is not a name py_module! can take (not an identifier): left out \
                 of the table",
                entry.name
            ));
        }
        for g in &entry_gaps {
            gaps.push(Gap {
                loc: entry.loc.clone(),
                message: g.clone(),
            });
            table_lines += &format!("            // GAP ({}): {g}\n", entry.loc);
        }
        let doc = entry
            .doc
            .as_ref()
            .map(|d| format!(", {}", rust_str(d)))
            .unwrap_or_default();
        let line = format!(
            "{}{sig} => {rust_fn}{doc};",
            py_name.as_deref().unwrap_or(&entry.name)
        );
        if entry_gaps.is_empty() {
            table_lines += &format!("            {line}\n");
        } else {
            table_lines += &format!("            // {line}\n");
            // The body is not in the table: keep it without a warning.
            bodies = bodies.replacen(
                &format!("\nfn {rust_fn}("),
                &format!("\n#[allow(dead_code)] // not in py_module!: see GAP\nfn {rust_fn}("),
                1,
            );
        }
    }

    // Types.
    let types = crate::class::types(extracted, &mut written, &mut needs, &mut gaps);

    // Exceptions.
    let mut exception_lines = String::new();
    for e in &extracted.exceptions {
        let short = e.dotted.rsplit('.').next().unwrap_or_default().to_string();
        let mut problems = Vec::new();
        let base = match &e.base {
            Ok(b) if EXCEPTION_TYPES.contains(&b.as_str()) => b.clone(),
            Ok(b) => {
                problems.push(format!(
                    "base PyExc_{b}: py_module! takes only legacy-buffer's ExceptionType bases; \
                     declared on Exception"
                ));
                "Exception".into()
            }
            Err(expr) => {
                // The module's own class: `self::Parent`, by the static
                // py_module! declares for it.
                let parent = extracted
                    .exceptions
                    .iter()
                    .find(|p| p.var.as_deref() == Some(expr.as_str()))
                    .and_then(|p| rust_name(p.dotted.rsplit('.').next().unwrap_or_default()));
                match parent {
                    Some(parent) => format!("self::{parent}"),
                    None => {
                        problems.push(format!(
                            "base {expr} (not a class of this module, or an expression): \
                             declared on Exception"
                        ));
                        "Exception".into()
                    }
                }
            }
        };
        match &e.attribute {
            Some(attr) if *attr != short => problems.push(format!(
                "added as module attribute {attr:?}, but py_module! adds it as {short:?} \
                 (the dotted name's last part)"
            )),
            None => problems.push(
                "never added to the module with PyModule_AddObject; py_module! adds it".into(),
            ),
            _ => {}
        }
        let static_name = rust_name(&short);
        if static_name.is_none() {
            problems.push(format!(
                "{short:?} is not a name py_module! can take: left out"
            ));
        }
        for p in &problems {
            let message = format!("exception {}: {p}", e.dotted);
            exception_lines += &format!("            // GAP ({}): {message}\n", e.loc);
            gaps.push(Gap {
                loc: e.loc.clone(),
                message,
            });
        }
        if let Some(name) = static_name {
            exception_lines += &format!("            {name}({base}) = {};\n", rust_str(&e.dotted));
        }
    }

    // Constants.
    let mut constant_lines = String::new();
    for c in &extracted.constants {
        let Some(name) = rust_name(&c.name) else {
            let message = format!(
                "constant {:?} is not a name py_module! can take: left out",
                c.name
            );
            constant_lines += &format!("            // GAP ({}): {message}\n", c.loc);
            gaps.push(Gap {
                loc: c.loc.clone(),
                message,
            });
            continue;
        };
        constant_lines += &match &c.value {
            ConstValue::Int(v) => format!("            {name}: int = {v};\n"),
            ConstValue::Str(s) => format!("            {name}: str = {};\n", rust_str(s)),
            ConstValue::Object(py2, py3, c) => {
                // A function that makes it, written with the bodies.
                let attribute = name.trim_start_matches("r#");
                let maker = needs.reserve(&format!("make_{attribute}"));
                needs.imports.insert("Object");
                let _ = write!(
                    bodies,
                    "\n/// The module attribute `{attribute}`: what the C's `{c}` makes.\n\
                     #[allow(non_snake_case)] // the attribute's name\n\
                     fn {maker}(py: Python<'_>) -> Result<Object<'_>> {{\n    \
                     py.eval({})\n}}\n",
                    if py2 == py3 {
                        rust_str(py2)
                    } else {
                        format!(
                            "if legacy_buffer::ffi::PY3 {{ {} }} else {{ {} }}",
                            rust_str(py3),
                            rust_str(py2)
                        )
                    }
                );
                format!("            {name}: object = {maker};\n")
            }
        };
    }

    gaps.sort();
    gaps.dedup();

    let mut lib = String::new();
    let _ = writeln!(
        lib,
        "//! `{module}`: the Rust port of the C extension module `{}`, on legacy-buffer.\n\
         //!\n\
         //! A skeleton written by `legacy-buffer-port scaffold`: every function parses its\n\
         //! arguments exactly as the C function does, then raises `NotImplementedError`\n\
         //! (a type's constructor gives its empty value instead, so that its other\n\
         //! bodies can be reached); the C body is beside it, as a comment, to\n\
         //! translate. The GAP comments are what the scaffolder could not extract or\n\
         //! `py_module!` / `py_class!` cannot say.\n",
        source.display()
    );
    lib += "#![deny(unsafe_code)]\n\n";
    if !gaps.is_empty() {
        lib += "// Gaps (also printed by the scaffolder):\n";
        for g in &gaps {
            lib += &comment(&format!("GAP ({}): {}", g.loc, g.message), "");
        }
        lib += "\n";
    }
    needs.imports.insert("py_module");
    needs.imports.insert("Error");
    needs.imports.insert("ExceptionType");
    needs.imports.insert("Python");
    needs.imports.insert("Result");
    if !needs.converters.is_empty() {
        needs.imports.insert("Converter");
        needs.imports.insert("Borrowed");
    }
    let extension: Vec<&str> = [
        "Args",
        "CompareOp",
        "Converted",
        "Converter",
        "Instance",
        "PyClass",
    ]
    .into_iter()
    .filter(|name| needs.imports.remove(name))
    .collect();
    match extension.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(lib, "use legacy_buffer::extension::{one};");
        }
        many => {
            let _ = writeln!(
                lib,
                "use legacy_buffer::extension::{{{}}};",
                many.join(", ")
            );
        }
    }
    let _ = writeln!(
        lib,
        "use legacy_buffer::{{{}}};",
        needs.imports.iter().copied().collect::<Vec<_>>().join(", ")
    );
    if !needs.std_imports.is_empty() {
        let _ = writeln!(
            lib,
            "use std::ffi::{{{}}};",
            needs
                .std_imports
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    lib += "\n// The importable module must not link libpython.\n\
            #[cfg(feature = \"extension-module\")]\n\
            const _: () = assert!(!legacy_buffer::ffi::LINKS_LIBPYTHON);\n";
    lib += &bodies;
    lib += &converter_code(extracted, &needs.converters);
    lib += &types.code;
    lib += "\npy_module! {\n";
    let _ = writeln!(lib, "    module {module} {{");
    if let Some(doc) = &init.doc {
        let _ = writeln!(lib, "        doc: {},", rust_str(doc));
    }
    lib += "        functions: {\n";
    lib += &table_lines;
    lib += "        }\n";
    if !types.listed.is_empty() {
        let _ = writeln!(lib, "        types: {{ {} }}", types.listed.join(", "));
    }
    if !exception_lines.is_empty() {
        lib += "        exceptions: {\n";
        lib += &exception_lines;
        lib += "        }\n";
    }
    if !constant_lines.is_empty() {
        lib += "        constants: {\n";
        lib += &constant_lines;
        lib += "        }\n";
    }
    lib += "    }\n}\n";

    let crate_name = crate_name.map_or_else(|| module.clone(), str::to_string);
    let legacy_buffer = workspace.join("legacy-buffer");
    let cargo_toml = format!(
        "[package]\n\
         name = {name}\n\
         version = \"0.1.0\"\n\
         description = {desc}\n\
         edition = \"2021\"\n\
         publish = false\n\
         \n\
         [lib]\n\
         # The importable module (cdylib: install lib{lib_name}.so as {module}.so), and\n\
         # an rlib for Rust tests.\n\
         crate-type = [\"cdylib\", \"rlib\"]\n\
         \n\
         [dependencies]\n\
         legacy-buffer = {{ path = {lb} }}\n\
         \n\
         [features]\n\
         # Build the importable module: do not link libpython (python2.7 provides it).\n\
         extension-module = [\"legacy-buffer/extension-module\"]\n\
         \n\
         # A workspace of its own: builds standalone, wherever it is written.\n\
         [workspace]\n",
        name = rust_str(&crate_name),
        desc = rust_str(&format!(
            "{module}: the Rust port of {}, on legacy-buffer (scaffolded)",
            source.file_name().unwrap_or_default().to_string_lossy()
        )),
        lib_name = crate_name.replace('-', "_"),
        lb = rust_str(&legacy_buffer.display().to_string()),
    );
    Ok(Generated {
        cargo_toml,
        lib_rs: lib,
        gaps,
        module,
    })
}

/// The Rust side of each `O&` unit's C converter: a type named after it,
/// whose `Converter::convert` raises `NotImplementedError` naming the C
/// function, "(an O& converter)" (its body beside it, to translate), as
/// every body does.
fn converter_code(extracted: &Extracted, converters: &BTreeMap<String, String>) -> String {
    let mut code = String::new();
    for (cname, ty) in converters {
        let _ = write!(
            code,
            "\n/// What the C converter `{cname}` (an `O&` unit's) makes of its argument, to port.\n\
             pub struct {ty};\n\n\
             impl<'a, 'py> Converter<'a, 'py> for {ty} {{\n    \
             fn convert(_arg: Borrowed<'a, 'py>) -> Result<{ty}> {{\n"
        );
        if let Some(f) = extracted.function(cname) {
            code += &format!("        // The C function ({}), to translate:\n", f.loc);
            code += &comment(&f.text, "        ");
        }
        let _ = write!(
            code,
            "        Err(Error::new(ExceptionType::NotImplementedError, {}))\n    }}\n}}\n",
            rust_str(&format!("{cname} (an O& converter)"))
        );
    }
    code
}
