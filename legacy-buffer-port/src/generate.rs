//! Writing the port's skeleton: `Cargo.toml` and `src/lib.rs`, from what
//! [`extract`](crate::extract) read. What `py_module!` cannot say is a
//! [`Gap`], reported and written beside the code it concerns.

use crate::model::{
    camel, convention, is_rust_ident, read_format, rust_name, ConstValue, Extracted, Function, Gap,
    HelperCall, Loc, MethodEntry, ParseCall, Target, Unit,
};
use std::collections::{BTreeMap, BTreeSet};
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

/// What the generated code needs besides its bodies: the names it imports
/// and the `O&` converters it names, written once each.
#[derive(Default)]
pub struct Needs {
    /// From `legacy_buffer` (and `legacy_buffer::extension`).
    pub imports: BTreeSet<&'static str>,
    /// From `std::ffi`.
    pub std_imports: BTreeSet<&'static str>,
    /// The C converter functions of `O&` units, and the Rust type each
    /// is written as.
    pub converters: BTreeMap<String, String>,
    /// Every name the generated code defines at the crate's top level
    /// (functions, structs): a name made up for one is never one in use.
    pub names: BTreeSet<String>,
}

impl Needs {
    /// `base`, or `base_2`, `base_3`... the first not defined yet, now
    /// taken.
    pub fn reserve(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 1;
        while self.names.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        self.names.insert(name.clone());
        name
    }
}

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

/// A Rust string literal for `s` (escaped; multi-line strings as `\n`).
pub fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

/// `s` as `//` comment lines, indented by `indent`.
pub fn comment(s: &str, indent: &str) -> String {
    s.lines()
        .map(|l| {
            let l = l.trim_end();
            if l.is_empty() {
                format!("{indent}//\n")
            } else {
                format!("{indent}// {l}\n")
            }
        })
        .collect()
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

/// The form of a Rust body: what `py_module!` or `py_class!` passes it,
/// and what it gives back.
#[derive(Clone, Copy, Debug)]
pub struct Shape<'a> {
    /// The convention: `(args)`, `(args, kwargs)`, `()`, `(arg)`; for a
    /// type's slots also `(value)` (a setter's `Option<Borrowed>`) and
    /// `(other, op)` (a rich comparison).
    pub sig: &'a str,
    /// A type's body: its Rust type, for the `Instance` that comes first.
    pub this: Option<&'a str>,
    /// The result's type inside `Result`.
    pub ret: &'a str,
    /// What the body returns once its arguments are parsed: `None` raises
    /// `NotImplementedError` naming the C function (a constructor gives
    /// the empty value instead, so that the type's other bodies can be
    /// reached).
    pub done: Option<&'a str>,
}

impl Shape<'_> {
    /// A module function's.
    pub fn function(sig: &str) -> Shape<'_> {
        Shape {
            sig,
            this: None,
            ret: "()",
            done: None,
        }
    }
}

/// The Rust functions written: one per C function and shape. A C function
/// used in two shapes (bitarray's `copy`, METH_NOARGS, is also its
/// `__deepcopy__`, METH_O) gets a Rust function for each, the second
/// named with a suffix.
#[derive(Default)]
pub struct Written(Vec<(String, String, String)>);

impl Written {
    /// What makes two bodies of one C function differ.
    fn key(shape: Shape<'_>) -> String {
        format!(
            "{} {:?} {} {:?}",
            shape.sig, shape.this, shape.ret, shape.done
        )
    }

    /// The Rust function written for `cname` in `shape`, if any.
    pub fn find(&self, cname: &str, shape: Shape<'_>) -> Option<String> {
        let key = Self::key(shape);
        self.0
            .iter()
            .find(|(c, k, _)| c == cname && *k == key)
            .map(|(_, _, rust)| rust.clone())
    }

    /// A Rust name for a new function of `cname`: the C name (with `_`
    /// after a Rust keyword), suffixed `_2`, `_3`... for its later shapes
    /// or where the name is taken.
    pub fn new_name(&self, cname: &str, needs: &mut Needs) -> String {
        let base = if is_rust_ident(cname) {
            cname.to_string()
        } else {
            format!("{cname}_")
        };
        needs.reserve(&base)
    }

    /// Record `rust` as `cname`'s function in `shape`.
    pub fn add(&mut self, cname: &str, shape: Shape<'_>, rust: &str) {
        self.0
            .push((cname.to_string(), Self::key(shape), rust.to_string()));
    }
}

/// How many times `word` occurs in `text` as a whole identifier.
fn word_count(text: &str, word: &str) -> usize {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| *w == word)
        .count()
}

/// The Rust function for C function `cname` of the given shape.
pub fn body(
    cname: &str,
    rust: &str,
    shape: Shape<'_>,
    extracted: &Extracted,
    entry_loc: &Loc,
    needs: &mut Needs,
) -> (String, Vec<Gap>) {
    let sig = shape.sig;
    let function = extracted.function(cname);
    let mut gaps = Vec::new();
    let mut code = String::new();
    let mut gap = |loc: &Loc, message: String, code: &mut String| {
        *code += &comment(&format!("GAP ({loc}): {message}"), "    ");
        gaps.push(Gap {
            loc: loc.clone(),
            message,
        });
    };
    let mut inner = String::new();
    let mut params = "_py: Python<'_>".to_string();
    if let Some(ty) = shape.this {
        needs.imports.insert("Instance");
        params += &format!(", _this: Instance<'_, '_, {ty}>");
    }
    match sig {
        "()" => {}
        "(arg)" => {
            needs.imports.insert("Borrowed");
            params += ", _arg: Borrowed<'_, '_>";
        }
        "(value)" => {
            needs.imports.insert("Borrowed");
            params += ", _value: Option<Borrowed<'_, '_>>";
        }
        "(other, op)" => {
            needs.imports.insert("Borrowed");
            needs.imports.insert("CompareOp");
            params += ", _other: Borrowed<'_, '_>, _op: CompareOp";
        }
        "(index)" => params += ", _index: isize",
        "(index, value)" => {
            needs.imports.insert("Borrowed");
            params += ", _index: isize, _value: Option<Borrowed<'_, '_>>";
        }
        "(key, value)" => {
            needs.imports.insert("Borrowed");
            params += ", _key: Borrowed<'_, '_>, _value: Option<Borrowed<'_, '_>>";
        }
        "(a, b)" => {
            needs.imports.insert("Borrowed");
            params += ", _a: Borrowed<'_, '_>, _b: Borrowed<'_, '_>";
        }
        _ => {
            needs.imports.insert("Args");
            params += ", args: Args<'_, '_>";
        }
    }
    let mut uses_args = false;
    if let Some(f) = function {
        if f.text.lines().any(|l| l.trim_start().starts_with("#if")) {
            gap(
                &f.loc,
                format!(
                    "{cname} has #if branches: the scaffold follows what Python 2.7's headers \
                     select (a Python 3 branch's format is in the C text below: write it as \
                     `if legacy_buffer::ffi::PY3 {{ .. }} else {{ .. }}`)"
                ),
                &mut inner,
            );
        }
    }
    match (function, sig) {
        (None, _) => gap(
            entry_loc,
            format!("{cname} is not defined in this file: no body to show"),
            &mut inner,
        ),
        (Some(f), "(args)" | "(args, kwargs)") => {
            let wanted_keywords = sig == "(args, kwargs)";
            let through = f
                .parses
                .is_empty()
                .then(|| parse_through_helper(f, extracted))
                .flatten();
            if let Some((_, call)) = &through {
                let _ = writeln!(
                    inner,
                    "    // Parsed in the helper {} ({}), with this function's format.",
                    call.callee, call.loc
                );
            }
            let parses = through.map_or_else(|| f.parses.clone(), |(p, _)| vec![p]);
            match parses.as_slice() {
                // The C never looks at its arguments (its tuple and its
                // keyword dict are named once each, in the signature): nor
                // does the skeleton.
                [] if f.params.get(1).is_some_and(|a| word_count(&f.text, a) == 1)
                    && f.params.get(2).map_or(true, |k| word_count(&f.text, k) == 1) => {}
                [] => {
                    let helpers: Vec<&str> = f.calls.iter().map(|c| c.callee.as_str()).collect();
                    let message = if helpers.is_empty() {
                        format!("{cname} calls no PyArg_ParseTuple: its arguments are read by hand; parse them by hand")
                    } else {
                        format!(
                            "{cname} calls no PyArg_ParseTuple itself (a parse in a helper? it calls {}): parse by hand",
                            helpers.join(", ")
                        )
                    };
                    gap(&f.loc, message, &mut inner);
                }
                [p] => match parse_code(p, wanted_keywords, f, extracted, needs) {
                    Ok(text) => {
                        inner += &text;
                        uses_args = true;
                    }
                    Err(message) => gap(&p.loc, message, &mut inner),
                },
                [p, ..] => gap(
                    &p.loc,
                    format!(
                        "{cname} has {} argument parses (by condition?): none is chosen; parse by hand",
                        f.parses.len()
                    ),
                    &mut inner,
                ),
            }
        }
        (Some(f), _) => {
            if let Some(p) = f.parses.first() {
                gap(
                    &p.loc,
                    format!("{cname} is {sig} but calls {}: left as a comment", p.callee),
                    &mut inner,
                );
            }
        }
    }
    let params = if uses_args || sig != "(args)" && sig != "(args, kwargs)" {
        params
    } else {
        params.replace("args: Args", "_args: Args")
    };
    // An `O!` unit's type object is looked up with the token, and given
    // to the parser of the arguments, of the same 'py.
    let uses_py = inner.contains("(py)") || inner.contains(" py\n");
    let (generics, params) = if uses_py {
        let params = params
            .replacen("_py: Python<'_>", "py: Python<'py>", 1)
            .replacen("args: Args<'_, '_>", "args: Args<'_, 'py>", 1);
        ("<'py>", params)
    } else {
        ("", params)
    };
    let _ = writeln!(code);
    let _ = writeln!(
        code,
        "/// The C function `{cname}` (`{sig}` in `{}`), to port.",
        if shape.this.is_some() {
            "py_class!"
        } else {
            "py_module!"
        }
    );
    let trimmed = rust.trim_start_matches('_');
    if trimmed.contains("__") || rust.chars().any(|c| c.is_ascii_uppercase()) {
        let _ = writeln!(code, "#[allow(non_snake_case)] // the C function's name");
    }
    let _ = writeln!(
        code,
        "fn {rust}{generics}({params}) -> Result<{}> {{",
        shape.ret
    );
    code += &inner;
    if let Some(f) = function {
        code += &format!("    // The C function ({}), to translate:\n", f.loc);
        code += &comment(&f.text, "    ");
    }
    match shape.done {
        Some(value) => {
            let _ = writeln!(code, "    Ok({value})");
        }
        None => {
            let _ = writeln!(
                code,
                "    Err(Error::new(ExceptionType::NotImplementedError, {}))",
                rust_str(cname)
            );
        }
    }
    code += "}\n";
    (code, gaps)
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

/// The parse `f` makes through a helper it hands its argument tuple and a
/// literal format (bitarray's `two_bitarray_func(args, KERN_subset,
/// "OO:subset")`): the helper's one parse, of its own parameters, with the
/// caller's tuple, keyword dict, format and targets. `None` unless exactly
/// one helper call is so, and the caller does nothing else with its tuple
/// (its text names it in its signature and that call only; a function a
/// macro writes has no text of its own to look at).
fn parse_through_helper(f: &Function, extracted: &Extracted) -> Option<(ParseCall, HelperCall)> {
    let tuple = f.params.get(1)?;
    if word_count(&f.text, tuple) > 2 {
        return None;
    }
    let mut found = None;
    for call in &f.calls {
        let Some(helper) = extracted.function(&call.callee) else {
            continue;
        };
        let [p] = helper.parses.as_slice() else {
            continue;
        };
        let param = |name: &str| helper.params.iter().position(|x| x == name);
        let Some(at) = param(&p.args_expr) else {
            continue;
        };
        if call.args.get(at).map(|(spelled, _)| spelled) != Some(tuple) {
            continue;
        }
        // Keywords: the caller's own dict, where the helper's parse takes
        // one (given NULL, the C parse would ignore keywords).
        if p.keywords {
            let kwargs = p.kwargs_expr.as_deref().and_then(param);
            let given = kwargs
                .and_then(|k| call.args.get(k))
                .map(|(spelled, _)| spelled);
            if given.is_none() || given != f.params.get(2) {
                continue;
            }
        }
        let format = match &p.format {
            Ok(format) => format.clone(),
            Err(expr) => match param(expr).and_then(|j| call.args.get(j)) {
                Some((_, Some(literal))) => literal.clone(),
                _ => continue,
            },
        };
        if found.is_some() {
            return None; // two such helpers: neither is chosen
        }
        let mut parse = p.clone();
        parse.format = Ok(format);
        parse.args_expr = tuple.clone();
        // A target that is one of the helper's parameters (a converter, a
        // pointer the caller passed) is what the caller passed for it.
        for target in &mut parse.targets {
            let name = target.expr.trim_start_matches('&').trim();
            if let Some((spelled, _)) = param(name).and_then(|j| call.args.get(j)) {
                let var = spelled.trim_start_matches('&').trim();
                *target = Target {
                    expr: spelled.replacen("& ", "&", 1),
                    var: is_rust_ident(var).then(|| var.to_string()),
                    c_type: None,
                };
            }
        }
        found = Some((parse, call.clone()));
    }
    found
}

/// The Rust parse for `p`.
fn parse_code(
    p: &ParseCall,
    wanted_keywords: bool,
    f: &Function,
    extracted: &Extracted,
    needs: &mut Needs,
) -> Result<String, String> {
    let known = [
        "PyArg_ParseTuple",
        "_PyArg_ParseTuple_SizeT",
        "PyArg_ParseTupleAndKeywords",
        "_PyArg_ParseTupleAndKeywords_SizeT",
    ];
    if !known.contains(&p.callee.as_str()) {
        return Err(format!(
            "{}: legacy-buffer has no such parser; parse by hand",
            p.callee
        ));
    }
    let format = p
        .format
        .as_ref()
        .map_err(|expr| format!("{}'s format is not a string literal: {expr}", p.callee))?;
    if p.keywords != wanted_keywords {
        return Err(format!(
            "{} in a function whose flags say {}: parse by hand",
            p.callee,
            if wanted_keywords {
                "METH_KEYWORDS"
            } else {
                "no METH_KEYWORDS"
            }
        ));
    }
    if f.params.get(1).is_some_and(|a| *a != p.args_expr) {
        return Err(format!(
            "{} parses {}, not the function's arguments ({}): parse by hand",
            p.callee, p.args_expr, f.params[1]
        ));
    }
    let units = read_format(format).map_err(|why| format!("format {format:?}: {why}"))?;
    let wanted: usize = units.iter().map(Unit::targets).sum();
    if wanted != p.targets.len() {
        return Err(format!(
            "format {format:?} fills {wanted} targets but the call gives {}",
            p.targets.len()
        ));
    }
    let mut types = Vec::new();
    let mut names = Vec::new();
    let mut c_targets = Vec::new();
    // The `O!` units' type objects: how each is bound, and its reference.
    let mut type_lets: Vec<String> = Vec::new();
    let mut type_refs: Vec<String> = Vec::new();
    let mut next = 0;
    for (k, unit) in units.iter().enumerate() {
        let at = units[..k].iter().map(Unit::targets).sum::<usize>();
        let ty = if unit.text == "O!" {
            let c_type = p.targets[at]
                .expr
                .trim_start_matches('&')
                .trim()
                .to_string();
            let var = format!("type{}", type_lets.len() + 1);
            if let Some(name) = builtin_type(&c_type) {
                type_lets.push(format!(
                    "    let {var} = py\n        .import(if legacy_buffer::ffi::PY3 {{ \"builtins\" }} else {{ \"__builtin__\" }})?\n        .getattr({})?; // {c_type}\n",
                    rust_str(name)
                ));
                type_refs.push(format!("&{var}"));
            } else if let Some(t) = extracted.types.iter().find(|t| t.var == c_type) {
                let short = t
                    .name
                    .as_deref()
                    .and_then(|n| n.rsplit('.').next())
                    .unwrap_or_default();
                needs.imports.insert("PyClass");
                type_lets.push(format!(
                    "    let {var} = <{} as PyClass>::type_object().as_object(py)?; // {c_type}\n",
                    camel(short)
                ));
                type_refs.push(format!("&*{var}"));
            } else {
                return Err(format!(
                    "format {format:?}: O!'s type {c_type} is neither a built-in type nor one of \
                     this module's"
                ));
            }
            needs.imports.insert("Borrowed");
            if unit.optional {
                "Option<Borrowed>".to_string()
            } else {
                "Borrowed".to_string()
            }
        } else if unit.text == "O&" {
            // The converter's Rust side: a type named after the C
            // function, written once (see `converter_code`).
            let converter = p.targets[at]
                .expr
                .trim_start_matches('&')
                .trim()
                .to_string();
            if !is_rust_ident(&converter) {
                return Err(format!(
                    "format {format:?}: the O& converter {converter} is not a plain function"
                ));
            }
            let rust = match needs.converters.get(&converter) {
                Some(rust) => rust.clone(),
                None => {
                    let rust = needs.reserve(&camel(&converter));
                    needs.converters.insert(converter, rust.clone());
                    rust
                }
            };
            let ty = format!("Converted<{rust}>");
            needs.imports.insert("Converted");
            if unit.optional {
                format!("Option<{ty}>")
            } else {
                ty
            }
        } else {
            unit.rust_type()
                .map_err(|why| format!("format {format:?}: {why}"))?
        };
        for word in ["Borrowed", "Buffer"] {
            if ty.contains(word) {
                needs.imports.insert(word);
            }
        }
        for word in ["CStr", "c_int", "c_uint"] {
            if ty.contains(word) {
                needs.std_imports.insert(word);
            }
        }
        let targets = &p.targets[next..next + unit.targets()];
        next += unit.targets();
        // `O&`, `O!`: the converter or type first, then the variable.
        let named_target = if unit.text.starts_with('O') {
            targets.last()
        } else {
            targets.first()
        };
        let var = named_target
            .and_then(|t| t.var.clone())
            .unwrap_or_else(|| format!("arg{}", names.len() + 1));
        let mut name = format!("_{var}");
        while names.contains(&name) {
            name.push('_');
        }
        names.push(name);
        types.push(ty);
        c_targets.push(format!(
            "{} {}",
            unit.text,
            targets
                .iter()
                .map(|t| match &t.c_type {
                    Some(ty) => format!("{} ({ty})", t.expr),
                    None => t.expr.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    needs.imports.insert("py_format");
    let mut code = format!(
        "    // {}(..., {format:?}, ...) at {}; the C targets:\n",
        p.callee, p.loc
    );
    for t in &c_targets {
        code += &format!("    //   {t}\n");
    }
    for line in &type_lets {
        code += line;
    }
    let with_types = if type_refs.is_empty() {
        String::new()
    } else {
        format!("\n        .types(&[{}])", type_refs.join(", "))
    };
    let pattern = if names.len() == 1 {
        format!("({},)", names[0])
    } else {
        format!("({})", names.join(", "))
    };
    let ty = if types.len() == 1 {
        format!("({},)", types[0])
    } else {
        format!("({})", types.join(", "))
    };
    let pattern = if units.is_empty() {
        "()".to_string()
    } else {
        pattern
    };
    let ty = if units.is_empty() {
        "()".to_string()
    } else {
        ty
    };
    if p.keywords {
        let kwlist = match &p.kwlist {
            Some(Ok(k)) => k,
            Some(Err(expr)) => {
                return Err(format!(
                    "the keyword list {expr} is not an array of string literals in this file"
                ))
            }
            None => return Err("no keyword list".into()),
        };
        if kwlist.len() != units.len() {
            return Err(format!(
                "{} keyword names for {} units (the C's lookup would differ): parse by hand",
                kwlist.len(),
                units.len()
            ));
        }
        let names_list = kwlist
            .iter()
            .map(|k| rust_str(k))
            .collect::<Vec<_>>()
            .join(", ");
        code += &format!(
            "    let parser = args\n        .parser(py_format!({}))\n        .keywords(&[{names_list}]){with_types};\n",
            rust_str(format)
        );
        code += &format!("    let {pattern}: {ty} = parser.parse()?;\n");
    } else if with_types.is_empty() {
        code += &format!(
            "    let {pattern}: {ty} = args.parse(py_format!({}))?;\n",
            rust_str(format)
        );
    } else {
        code += &format!(
            "    let {pattern}: {ty} = args\n        .parser(py_format!({})){with_types}\n        .parse()?;\n",
            rust_str(format)
        );
    }
    Ok(code)
}

/// The name of the built-in type a C type object is (`PyList_Type` →
/// `list`), for an `O!` unit.
fn builtin_type(c_type: &str) -> Option<&'static str> {
    Some(match c_type {
        "PyList_Type" => "list",
        "PyDict_Type" => "dict",
        "PyTuple_Type" => "tuple",
        "PyString_Type" => "str",
        "PyUnicode_Type" => "unicode",
        "PyInt_Type" => "int",
        "PyLong_Type" => "long",
        "PyFloat_Type" => "float",
        "PyComplex_Type" => "complex",
        "PyBool_Type" => "bool",
        "PyByteArray_Type" => "bytearray",
        "PyBuffer_Type" => "buffer",
        "PyMemoryView_Type" => "memoryview",
        "PySet_Type" => "set",
        "PyFrozenSet_Type" => "frozenset",
        "PySlice_Type" => "slice",
        "PyType_Type" => "type",
        "PyFile_Type" => "file",
        "PyBaseObject_Type" => "object",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_made_up_are_never_names_in_use() {
        let mut needs = Needs::default();
        let written = Written::default();
        // A C function really named `copy_2`, then `copy` in two shapes.
        assert_eq!(written.new_name("copy_2", &mut needs), "copy_2");
        assert_eq!(written.new_name("copy", &mut needs), "copy");
        assert_eq!(written.new_name("copy", &mut needs), "copy_3");
        // A keyword gets its `_`; a made-up name steps past what is taken.
        assert_eq!(written.new_name("type", &mut needs), "type_");
        assert_eq!(needs.reserve("make_x"), "make_x");
        assert_eq!(needs.reserve("make_x"), "make_x_2");
    }
}
