//! Writing a `py_class!` for each static `PyTypeObject`: the struct its
//! objects hold (empty: the C object's fields are the porter's to choose),
//! `new` and `__init__` parsing as the C's `tp_new` and `tp_init` do, the
//! method table, the getters and setters, and the slots `py_class!` takes.
//! What it cannot say is a [`Gap`].

use crate::body::{body, comment, rust_str, Needs, Shape, Written};
use crate::model::{
    camel, convention, rust_name, Extracted, Gap, Loc, TypeDef, TPFLAGS_BASETYPE, TPFLAGS_HAVE_GC,
};
use std::fmt::Write as _;

/// What the types add to the crate.
#[derive(Default)]
pub struct Types {
    /// The structs, their bodies and their `py_class!`es.
    pub code: String,
    /// The Rust types `py_module!` adds to the module (those the C adds
    /// with `PyModule_AddObject`).
    pub listed: Vec<String>,
}

/// The function slots `py_class!` takes, by the C field (of the type or
/// of a struct of slots): (slot, shape's convention, result type). The
/// convention `(a, b)` is a binary operator's: both operands, no `this`.
const SLOTS: &[(&str, &str, &str, &str)] = &[
    ("tp_repr", "__repr__", "()", "()"),
    ("tp_str", "__str__", "()", "()"),
    ("tp_iter", "__iter__", "()", "()"),
    ("tp_iternext", "next", "()", "Option<()>"),
    ("tp_hash", "__hash__", "()", "isize"),
    ("tp_call", "__call__", "(args, kwargs)", "()"),
    ("tp_richcompare", "__richcmp__", "(other, op)", "()"),
    ("sq_length", "__len__", "()", "usize"),
    ("sq_concat", "__add__", "(arg)", "()"),
    ("sq_repeat", "__mul__", "(index)", "()"),
    ("sq_item", "sq_item", "(index)", "()"),
    ("sq_ass_item", "sq_ass_item", "(index, value)", "()"),
    ("sq_contains", "__contains__", "(arg)", "bool"),
    ("sq_inplace_concat", "__iadd__", "(arg)", "()"),
    ("sq_inplace_repeat", "__imul__", "(index)", "()"),
    ("mp_subscript", "__getitem__", "(arg)", "()"),
    ("mp_ass_subscript", "__setitem__", "(key, value)", "()"),
    ("nb_and", "__and__", "(a, b)", "()"),
    ("nb_or", "__or__", "(a, b)", "()"),
    ("nb_xor", "__xor__", "(a, b)", "()"),
    ("nb_lshift", "__lshift__", "(a, b)", "()"),
    ("nb_rshift", "__rshift__", "(a, b)", "()"),
    ("nb_invert", "__invert__", "()", "()"),
    ("nb_nonzero", "__nonzero__", "()", "bool"),
    ("nb_index", "__index__", "()", "()"),
    ("nb_inplace_and", "__iand__", "(arg)", "()"),
    ("nb_inplace_or", "__ior__", "(arg)", "()"),
    ("nb_inplace_xor", "__ixor__", "(arg)", "()"),
    ("nb_inplace_lshift", "__ilshift__", "(arg)", "()"),
    ("nb_inplace_rshift", "__irshift__", "(arg)", "()"),
];

/// Slots whose C functions are what `py_class!` sets too: (field,
/// function). (`tp_setattro = PyObject_GenericSetAttr` is not among them:
/// it gives a C type `__setattr__` and `__delattr__` in its `__dict__`,
/// which a `py_class!` type, inheriting the slot, has not: a gap.)
const DEFAULTS: &[(&str, &str)] = &[("tp_getattro", "PyObject_GenericGetAttr")];

/// Generate every type of `extracted`. `written`: the Rust functions
/// already written (one per C function and shape).
pub fn types(
    extracted: &Extracted,
    written: &mut Written,
    needs: &mut Needs,
    gaps: &mut Vec<Gap>,
) -> Types {
    let mut out = Types::default();
    for t in &extracted.types {
        if let Some(code) = one(t, extracted, written, needs, gaps) {
            out.code += &code.0;
            if t.attribute.is_some() {
                out.listed.push(code.1);
            }
        }
    }
    out
}

/// What writing one type's bodies works with.
struct Ctx<'x> {
    extracted: &'x Extracted,
    written: &'x mut Written,
    needs: &'x mut Needs,
    gaps: &'x mut Vec<Gap>,
    /// The bodies written so far.
    bodies: String,
    /// Where the type is defined.
    loc: Loc,
}

impl Ctx<'_> {
    /// Report `message` and write it as a comment into `lines`.
    fn gap(&mut self, message: String, lines: &mut String) {
        *lines += &comment(&format!("GAP ({}): {message}", self.loc), "        ");
        self.gaps.push(Gap {
            loc: self.loc.clone(),
            message,
        });
    }

    /// The Rust function for C function `cname` (written once).
    fn body(&mut self, cname: &str, shape: Shape<'_>, at: &Loc) -> String {
        if let Some(rust) = self.written.find(cname, shape) {
            return rust;
        }
        let rust = self.written.new_name(cname, self.needs);
        let (code, fn_gaps) = body(cname, &rust, shape, self.extracted, at, self.needs);
        self.gaps.extend(fn_gaps);
        self.bodies += &code;
        self.written.add(cname, shape, &rust);
        rust
    }
}

/// The code and Rust name of one type, or `None` (a gap) if it has none.
fn one(
    t: &TypeDef,
    extracted: &Extracted,
    written: &mut Written,
    needs: &mut Needs,
    gaps: &mut Vec<Gap>,
) -> Option<(String, String)> {
    let mut cx = Ctx {
        extracted,
        written,
        needs,
        gaps,
        bodies: String::new(),
        loc: t.loc.clone(),
    };
    let mut notes = String::new();
    let Some(name) = &t.name else {
        cx.gap(
            format!("type {}: no tp_name literal: no py_class! written", t.var),
            &mut notes,
        );
        return None;
    };
    let short = name.rsplit('.').next().unwrap_or_default();
    let rust_ty = cx.needs.reserve(&camel(short));
    if rust_name(&rust_ty).as_deref() != Some(rust_ty.as_str()) || rust_ty.is_empty() {
        cx.gap(
            format!("type {name}: {rust_ty:?} is no Rust type name: no py_class! written"),
            &mut notes,
        );
        return None;
    }
    if let Some(attr) = &t.attribute {
        if attr != short {
            cx.gap(
                format!(
                    "type {name}: added as module attribute {attr:?}, but py_module! adds it as \
                     {short:?} (tp_name's last part)"
                ),
                &mut notes,
            );
        }
    }

    // Features.
    let flags = t.flags.unwrap_or(0);
    let mut features = Vec::new();
    if flags & TPFLAGS_BASETYPE != 0 {
        features.push("subclassable");
    }
    if t.weakrefs {
        features.push("weakrefs");
    }
    if t.dict {
        features.push("dict");
    }
    if !t.slots.iter().any(|(field, _)| field == "tp_getattro") {
        features.push("inherited_getattr");
    }
    let mut slot_lines = String::new();
    // The slots of the type and of its structs of slots, with their C
    // functions.
    let mut all_slots: Vec<(String, Result<String, String>)> = t
        .slots
        .iter()
        .map(|(f, c)| (f.clone(), Ok(c.clone())))
        .collect();
    for (field, var) in &t.structs {
        let Some(st) = extracted.slot_structs.iter().find(|s| &s.var == var) else {
            cx.gap(
                format!("type {name}: {field} = &{var}: not found in the file"),
                &mut notes,
            );
            continue;
        };
        if field == "tp_as_buffer" {
            // py_class!'s exports serve both protocols from the object's
            // own bytes: writable where the C gives the old protocol's
            // write procedure (or gives only the new protocol, whose
            // getbuffer decides at run time).
            let procs: Vec<String> = st
                .fields
                .iter()
                .map(|(f, c)| format!("{f} = {}", c.clone().unwrap_or_else(|e| e)))
                .collect();
            let has = |name: &str| st.fields.iter().any(|(f, _)| f == name);
            let writable = has("bf_getwritebuffer") || !has("bf_getreadbuffer");
            features.push(if writable {
                "exports"
            } else {
                "readonly_exports"
            });
            notes += &comment(
                &format!(
                    "tp_as_buffer &{var} ({}): py_class! exports the Instance's bytes through \
                     both buffer protocols; keep the object's memory there (resize_bytes, \
                     with_bytes_mut).",
                    procs.join(", ")
                ),
                "        ",
            );
            continue;
        }
        all_slots.extend(st.fields.iter().cloned());
    }
    for (field, cname) in &all_slots {
        let cname = match cname {
            Ok(c) => c,
            Err(text) => {
                cx.gap(
                    format!("type {name}: {field} = {text}: not a plain function; port it by hand"),
                    &mut slot_lines,
                );
                continue;
            }
        };
        if field == "tp_iter" && cname == "PyObject_SelfIter" {
            // The object is its own iterator.
            let rust = cx.needs.reserve(&format!("{}_self_iter", t.var));
            cx.needs.imports.insert("Object");
            let _ = write!(
                cx.bodies,
                "\n/// `{name}`'s `tp_iter`, PyObject_SelfIter: the object is its own \
                 iterator.\n#[allow(non_snake_case)] // the C type's name\n\
                 fn {rust}<'py>(_py: Python<'py>, this: Instance<'_, 'py, {rust_ty}>) -> \
                 Result<Object<'py>> {{\n    Ok(this.as_object().clone_ref())\n}}\n"
            );
            slot_lines += &format!("            __iter__ => {rust};\n");
            continue;
        }
        if field == "tp_hash" && cname == "PyObject_HashNotImplemented" {
            features.push("unhashable");
            continue;
        }
        if DEFAULTS.contains(&(field.as_str(), cname.as_str())) {
            continue;
        }
        if field == "tp_dealloc" {
            notes += &format!(
                "        // tp_dealloc {cname}: the Rust value's Drop (py_class! frees the object)\n"
            );
            continue;
        }
        if field == "tp_traverse" || field == "tp_clear" {
            continue; // reported with Py_TPFLAGS_HAVE_GC
        }
        match SLOTS.iter().find(|(f, ..)| f == field) {
            Some(&(_, slot, sig, ret)) => {
                let shape = Shape {
                    sig,
                    this: (sig != "(a, b)").then_some(rust_ty.as_str()),
                    ret,
                    done: None,
                };
                let rust = cx.body(cname, shape, &t.loc);
                slot_lines += &format!("            {slot} => {rust};\n");
            }
            None if field == "tp_setattro" && cname == "PyObject_GenericSetAttr" => cx.gap(
                format!(
                    "type {name}: tp_setattro = PyObject_GenericSetAttr gives the C type \
                     __setattr__ and __delattr__ in its __dict__; py_class! inherits the slot \
                     (attributes are set alike, the __dict__ differs)"
                ),
                &mut slot_lines,
            ),
            None => cx.gap(
                format!(
                    "type {name}: {field} = {cname}: py_class! takes no such slot yet; port it \
                     by hand"
                ),
                &mut slot_lines,
            ),
        }
    }
    if flags & TPFLAGS_HAVE_GC != 0 {
        cx.gap(
            format!(
                "type {name}: Py_TPFLAGS_HAVE_GC: once the value holds Python objects \
                 (ObjectRef), give py_class! `gc: {{ traverse: .., clear: .. }}`"
            ),
            &mut notes,
        );
    }
    for (field, text) in &t.other {
        cx.gap(
            format!("type {name}: {field} = {text}: not scaffolded; port it by hand"),
            &mut notes,
        );
    }

    // new and __init__.
    let new_line = match t.new.as_deref() {
        None => None,
        Some("PyType_GenericNew") => {
            let rust = cx
                .needs
                .reserve(&format!("new_{}", short.to_ascii_lowercase()));
            cx.needs.imports.insert("Args");
            let _ = write!(
                cx.bodies,
                "\n/// `{name}`'s `tp_new`, PyType_GenericNew: the empty value.\n\
                 fn {rust}(_py: Python<'_>, _args: Args<'_, '_>) -> Result<{rust_ty}> {{\n    \
                 Ok({rust_ty} {{}})\n}}\n"
            );
            Some(rust)
        }
        Some(cname) => {
            let done = format!("{rust_ty} {{}}");
            let shape = Shape {
                sig: "(args, kwargs)",
                this: None,
                ret: &rust_ty,
                done: Some(&done),
            };
            Some(cx.body(cname, shape, &t.loc))
        }
    };
    if let Some(cname) = &t.init {
        let shape = Shape {
            sig: "(args, kwargs)",
            this: Some(&rust_ty),
            ret: "()",
            done: None,
        };
        let rust = cx.body(cname, shape, &t.loc);
        slot_lines = format!("            __init__ => {rust};\n") + &slot_lines;
    }

    // Methods.
    let mut method_lines = String::new();
    if let Some(table_name) = &t.methods {
        match extracted.tables.iter().find(|m| &m.name == table_name) {
            None => cx.gap(
                format!("type {name}: method table {table_name} not found in the file"),
                &mut method_lines,
            ),
            Some(table) => {
                for entry in &table.entries {
                    let (Some(cname), Some(flags)) = (&entry.function, entry.flags) else {
                        continue; // reported when the table was read
                    };
                    // METH_STATIC (0x20): no self; METH_CLASS (0x10): the
                    // class, which py_class! passes with the arguments.
                    let (kind, plain) = match flags & 0x30 {
                        0x20 => ("static", flags & !0x20),
                        0x10 => ("class", flags & !0x10),
                        _ => ("this", flags),
                    };
                    let sig = match convention(plain) {
                        Ok(sig) if kind == "class" && !sig.starts_with("(args") => {
                            cx.gap(
                                format!(
                                    "type {name}: method {:?} ({cname}): METH_CLASS with {sig}: \
                                     py_class! class methods take (class, args[, kwargs])",
                                    entry.name
                                ),
                                &mut method_lines,
                            );
                            continue;
                        }
                        Ok(sig) => sig,
                        Err(why) => {
                            cx.gap(
                                format!("type {name}: method {:?} ({cname}): {why}", entry.name),
                                &mut method_lines,
                            );
                            continue;
                        }
                    };
                    let Some(py_name) = rust_name(&entry.name) else {
                        cx.gap(
                            format!(
                                "type {name}: method {:?} is not an identifier: left out",
                                entry.name
                            ),
                            &mut method_lines,
                        );
                        continue;
                    };
                    let class_sig = format!("(class, {}", &sig[1..]);
                    let shape = Shape {
                        sig: if kind == "class" { &class_sig } else { sig },
                        this: (kind == "this").then_some(rust_ty.as_str()),
                        ret: "()",
                        done: None,
                    };
                    let rust = cx.body(cname, shape, &entry.loc);
                    let receiver = match sig {
                        "()" => format!("({kind})"),
                        other if kind == "static" => format!("(static {}", &other[1..]),
                        other => format!("({kind}, {}", &other[1..]),
                    };
                    let doc = entry
                        .doc
                        .as_ref()
                        .map(|d| format!(", {}", rust_str(d)))
                        .unwrap_or_default();
                    method_lines += &format!("            {py_name}{receiver} => {rust}{doc};\n");
                }
            }
        }
    }

    // Properties.
    let mut property_lines = String::new();
    if let Some(table_name) = &t.getset {
        match extracted.getsets.iter().find(|g| &g.name == table_name) {
            None => cx.gap(
                format!("type {name}: getset table {table_name} not found in the file"),
                &mut property_lines,
            ),
            Some(table) => {
                for entry in &table.entries {
                    let Some(getter) = &entry.getter else {
                        cx.gap(
                            format!(
                                "type {name}: attribute {:?} has no getter: py_class! \
                                 properties need one",
                                entry.name
                            ),
                            &mut property_lines,
                        );
                        continue;
                    };
                    let Some(py_name) = rust_name(&entry.name) else {
                        cx.gap(
                            format!(
                                "type {name}: attribute {:?} is not an identifier: left out",
                                entry.name
                            ),
                            &mut property_lines,
                        );
                        continue;
                    };
                    let get_shape = Shape {
                        sig: "()",
                        this: Some(&rust_ty),
                        ret: "()",
                        done: None,
                    };
                    let get = cx.body(getter, get_shape, &entry.loc);
                    let set = entry.setter.as_ref().map(|setter| {
                        let set_shape = Shape {
                            sig: "(value)",
                            this: Some(&rust_ty),
                            ret: "()",
                            done: None,
                        };
                        format!(", set => {}", cx.body(setter, set_shape, &entry.loc))
                    });
                    let doc = entry
                        .doc
                        .as_ref()
                        .map(|d| format!(", {}", rust_str(d)))
                        .unwrap_or_default();
                    property_lines += &format!(
                        "            {py_name}(get => {get}{}){doc};\n",
                        set.unwrap_or_default()
                    );
                }
            }
        }
    }

    cx.needs.imports.insert("py_class");
    let mut code = String::new();
    let _ = write!(
        code,
        "\n/// The C type `{name}` (`{}`, {}): what its objects hold goes here, \
         from the C's object struct.\npub struct {rust_ty} {{}}\n",
        t.var, t.loc
    );
    code += &cx.bodies;
    code += "\npy_class! {\n";
    let _ = writeln!(code, "    class {rust_ty} as {} {{", rust_str(name));
    code += &notes;
    if let Some(doc) = &t.doc {
        let _ = writeln!(code, "        doc: {},", rust_str(doc));
    }
    if !features.is_empty() {
        let _ = writeln!(code, "        features: [{}],", features.join(", "));
    }
    if let Some(new) = new_line {
        let _ = writeln!(code, "        new: {new},");
    }
    for (section, lines) in [
        ("methods", &method_lines),
        ("properties", &property_lines),
        ("slots", &slot_lines),
    ] {
        if !lines.is_empty() {
            let _ = writeln!(code, "        {section}: {{");
            code += lines;
            code += "        }\n";
        }
    }
    code += "    }\n}\n";
    Some((code, rust_ty))
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel_case() {
        use crate::model::camel;
        assert_eq!(camel("xxh32"), "Xxh32");
        assert_eq!(camel("bit_array"), "BitArray");
        assert_eq!(camel("_private"), "Private");
    }
}
