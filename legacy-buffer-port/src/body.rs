//! One Rust function per C function: its form (what `py_module!` or
//! `py_class!` passes it), the parse of its arguments in the C's own
//! format (followed into a helper where the C parses there), the C body
//! beside it as a comment, and `NotImplementedError`; and what the code
//! written needs (imports, `O&` converters, names taken). Below both
//! [`generate`](crate::generate) and [`class`](crate::class).

use crate::model::{
    camel, is_rust_ident, read_format, Extracted, Function, Gap, HelperCall, Loc, ParseCall,
    Target, Unit,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
        "(class, args)" | "(class, args, kwargs)" => {
            needs.imports.insert("Borrowed");
            needs.imports.insert("Args");
            params += ", _cls: Borrowed<'_, '_>, args: Args<'_, '_>";
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
        (Some(f), "(args)" | "(args, kwargs)" | "(class, args)" | "(class, args, kwargs)") => {
            let wanted_keywords = sig.ends_with("kwargs)");
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
    let takes_args = sig.contains("args");
    let params = if uses_args || !takes_args {
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
