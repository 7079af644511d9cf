//! Reading a C extension module with libclang (through the `clang` crate):
//! the module init, the method tables, each function's argument parse, the
//! exception classes and the constants. What cannot be read is a [`Gap`].

use crate::model::{
    ConstValue, Constant, ExceptionDef, Extracted, Function, Gap, GetSetEntry, GetSetTable,
    HelperCall, Loc, MethodEntry, MethodTable, ModuleInit, ParseCall, SlotStruct, Target, TypeDef,
};
use clang::diagnostic::Severity;
use clang::{Clang, Entity, EntityKind, EvaluationResult, Index};
use std::collections::HashMap;
use std::path::Path;

/// What to parse and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Arguments for clang: `-I`, `-D`, `-x c++`, ...
    pub clang_args: Vec<String>,
}

/// Parse `source` with libclang and extract the module. `Err` if libclang
/// cannot be loaded or cannot parse the file at all; compile errors are
/// printed on stderr (the extraction goes on with what clang understood).
pub fn extract(source: &Path, options: &Options) -> Result<Extracted, String> {
    let clang = Clang::new().map_err(|e| format!("loading libclang: {e}"))?;
    let index = Index::new(&clang, false, false);
    let tu = index
        .parser(source)
        .arguments(&options.clang_args)
        .parse()
        .map_err(|e| format!("{}: libclang cannot parse it: {e}", source.display()))?;
    for diagnostic in tu.get_diagnostics() {
        if diagnostic.get_severity() >= Severity::Error {
            eprintln!("{diagnostic}");
        }
    }
    let text = std::fs::read(source).map_err(|e| format!("{}: {e}", source.display()))?;
    let mut walker = Walker {
        text,
        out: Extracted::default(),
        strings: HashMap::new(),
        kwlists: HashMap::new(),
        exception_vars: HashMap::new(),
        pending_objects: Vec::new(),
        pending_fields: Vec::new(),
        main: source.display().to_string(),
    };
    // First the variables (docstrings, keyword lists), which calls refer to.
    walker.collect_variables(tu.get_entity());
    // Declarations at file scope, and in `extern "C" { }` (C++'s
    // PyMODINIT_FUNC declares the init function so) and namespaces.
    let mut pending = tu.get_entity().get_children();
    pending.reverse();
    while let Some(child) = pending.pop() {
        match child.get_kind() {
            EntityKind::LinkageSpec | EntityKind::Namespace | EntityKind::UnexposedDecl => {
                let mut inner = child.get_children();
                inner.reverse();
                pending.extend(inner);
            }
            _ if !walker.in_main(child) => {}
            EntityKind::FunctionDecl if child.is_definition() => walker.function(child),
            EntityKind::VarDecl => walker.table(child),
            _ => {}
        }
    }
    walker.finish();
    if std::env::var_os("LEGACY_BUFFER_PORT_DEBUG").is_some() {
        eprintln!("{:#?}", walker.out);
    }
    Ok(walker.out)
}

struct Walker {
    /// The main file's bytes, for functions' text.
    text: Vec<u8>,
    out: Extracted,
    /// `static char name[] = "..."` (what `PyDoc_STRVAR` declares), by
    /// [`declaration`].
    strings: HashMap<String, String>,
    /// `static char *name[] = {"a", "b", NULL}`, by [`declaration`].
    kwlists: HashMap<String, Vec<String>>,
    /// Variable name → index in `out.exceptions`.
    exception_vars: HashMap<String, usize>,
    /// `PyModule_AddObject(m, name, variable)` seen: (name, variable, loc).
    pending_objects: Vec<(String, Result<String, String>, Loc)>,
    /// `variable.field = value;` seen (a type's field set at run time).
    pending_fields: Vec<PendingField>,
    /// The main file, as libclang names it.
    main: String,
}

/// A struct field assigned at run time, `var.field = value;`: applied to
/// the type `var` names, if it is one, once every type is read.
struct PendingField {
    var: String,
    field: String,
    /// The name the value refers to, if a plain name.
    value: Option<String>,
    /// The same, where it names a function.
    function: Option<String>,
    /// The value as written.
    text: String,
    /// NULL or 0.
    null: bool,
    loc: Loc,
}

/// Where `entity` is: its expansion location (a macro's use, not its
/// definition).
fn loc(entity: Entity<'_>) -> Loc {
    match entity.get_location() {
        Some(location) => {
            let l = location.get_expansion_location();
            Loc {
                file: l
                    .file
                    .map(|f| f.get_path().display().to_string())
                    .unwrap_or_else(|| "<unknown>".into()),
                line: l.line,
            }
        }
        None => Loc {
            file: "<unknown>".into(),
            line: 0,
        },
    }
}

/// Whether two cursors are the same expression (libclang's cursors for one
/// node, reached by two walks, need not compare equal).
fn same_place(a: Entity<'_>, b: Entity<'_>) -> bool {
    let place = |e: Entity<'_>| {
        e.get_range().map(|r| {
            let (s, t) = (
                r.get_start().get_file_location(),
                r.get_end().get_file_location(),
            );
            (s.offset, t.offset)
        })
    };
    a.get_kind() == b.get_kind() && place(a).is_some() && place(a) == place(b)
}

/// The declaration a variable is known by: its USR, which tells apart
/// variables of one name in different functions (every function's own
/// `static char *kwlist[]`).
fn declaration(var: Entity<'_>) -> Option<String> {
    var.get_usr().map(|usr| usr.0)
}

/// The declaration `e` refers to, if it is (under conversions and casts) a
/// plain name: see [`declaration`].
fn referred(e: Entity<'_>) -> Option<String> {
    let e = strip(e);
    (e.get_kind() == EntityKind::DeclRefExpr)
        .then(|| e.get_reference())
        .flatten()
        .and_then(declaration)
}

/// The name `e` refers to, if it is (under conversions and casts) a plain
/// name: a method table, a C function, a keyword list.
fn named(e: Entity<'_>) -> Option<String> {
    let e = strip(e);
    (e.get_kind() == EntityKind::DeclRefExpr)
        .then(|| e.get_name())
        .flatten()
        .map(|name| api_name(e, name))
}

/// `name`, which `e` refers to, as CPython spells it ([`canonical`]) where
/// it is declared outside the main file (the headers'): the module's own
/// names are kept as they are, `PyPy...` ones included.
fn api_name(e: Entity<'_>, name: String) -> String {
    let own = e
        .get_reference()
        .and_then(|d| d.get_location())
        .is_some_and(|l| l.is_in_main_file());
    if own {
        name
    } else {
        canonical(name)
    }
}

/// A C API name as CPython spells it: PyPy's headers rename the API
/// (`#define PyArg_ParseTuple PyPyArg_ParseTuple`, `Py_InitModule4` is
/// `_PyPy_InitPyPyModule`), and the scaffolder reads what the preprocessor
/// made of the source.
fn canonical(name: String) -> String {
    if name == "_Py_InitPyPyModule" || name == "_PyPy_InitPyPyModule" {
        return "Py_InitModule4".into();
    }
    if let Some(rest) = name.strip_prefix("PyPy") {
        return format!("Py{rest}");
    }
    if let Some(rest) = name.strip_prefix("_PyPy") {
        return format!("_Py{rest}");
    }
    name
}

/// The Python expressions, on Python 2 and on Python 3, that make what C
/// expression `e` makes, for the values C modules add as attributes that
/// the scaffolder knows: empty containers, `None`, `True`, `False`, and
/// numbers from constants (a `PyLong_*` one is Python 2's `long`).
fn known_object(e: Entity<'_>) -> Option<(String, String)> {
    let same = |s: &str| Some((s.to_string(), s.to_string()));
    let e = strip(e);
    if e.get_kind() == EntityKind::DeclRefExpr {
        return match named(e)?.as_str() {
            "_Py_NoneStruct" | "Py_None" => same("None"),
            "_Py_TrueStruct" | "Py_True" => same("True"),
            "_Py_ZeroStruct" | "Py_False" => same("False"),
            _ => None,
        };
    }
    if e.get_kind() == EntityKind::UnaryOperator {
        // `&_Py_NoneStruct`: what Py_None expands to.
        return known_object(e.get_children().into_iter().next()?);
    }
    if e.get_kind() != EntityKind::CallExpr {
        return None;
    }
    let callee = api_name(e, e.get_name()?);
    let args = e.get_arguments().unwrap_or_default();
    let int = |i: usize| args.get(i).and_then(|&a| int_value(a));
    match (callee.as_str(), args.len()) {
        ("PyDict_New", 0) => same("{}"),
        ("PyList_New", 1) if int(0) == Some(0) => same("[]"),
        ("PyTuple_New", 1) if int(0) == Some(0) => same("()"),
        ("PyInt_FromLong" | "PyInt_FromSsize_t", 1) => int(0).and_then(|v| same(&v.to_string())),
        ("PyLong_FromLong" | "PyLong_FromSsize_t" | "PyLong_FromLongLong", 1) => {
            int(0).map(|v| (format!("{v}L"), v.to_string()))
        }
        ("PyFloat_FromDouble", 1) => match args[0].evaluate()? {
            EvaluationResult::Float(v) if v.is_finite() => same(&format!("{v:?}")),
            _ => None,
        },
        _ => None,
    }
}

/// A variable's initialiser list (`{ ... }`), if it has one.
fn init_list(var: Entity<'_>) -> Option<Entity<'_>> {
    var.get_children()
        .into_iter()
        .find(|c| c.get_kind() == EntityKind::InitListExpr)
}

/// Whether `e` is NULL or 0 (a field or argument left empty).
fn is_null(e: Entity<'_>) -> bool {
    let inner = strip(e);
    match inner.get_kind() {
        EntityKind::GNUNullExpr | EntityKind::NullPtrLiteralExpr => true,
        EntityKind::IntegerLiteral => int_value(inner) == Some(0),
        // An implicit value (a field the initialiser leaves out): no
        // place of its own.
        _ => inner.get_range().is_none() || inner.get_location().is_none(),
    }
}

/// The variable `e` takes the address of (`&PyFoo_Type`, under casts).
fn address_of(e: Entity<'_>) -> Option<String> {
    let inner = strip(e);
    (inner.get_kind() == EntityKind::UnaryOperator && spelling(inner).trim_start().starts_with('&'))
        .then(|| inner.get_children().into_iter().next())
        .flatten()
        .and_then(named)
}

/// The expression under implicit conversions, parentheses and casts.
fn strip(mut e: Entity<'_>) -> Entity<'_> {
    loop {
        match e.get_kind() {
            EntityKind::UnexposedExpr
            | EntityKind::ParenExpr
            | EntityKind::CStyleCastExpr
            | EntityKind::StaticCastExpr
            | EntityKind::ReinterpretCastExpr
            | EntityKind::ConstCastExpr
            | EntityKind::FunctionalCastExpr => {
                match e
                    .get_children()
                    .into_iter()
                    .rev()
                    .find(|c| c.is_expression())
                {
                    Some(inner) => e = inner,
                    None => return e,
                }
            }
            _ => return e,
        }
    }
}

/// The expression as written (its tokens, spaced).
fn spelling(e: Entity<'_>) -> String {
    let Some(range) = e.get_range() else {
        return "<?>".into();
    };
    let tokens: Vec<String> = range.tokenize().iter().map(|t| t.get_spelling()).collect();
    if tokens.is_empty() {
        return e.get_display_name().unwrap_or_else(|| "<?>".into());
    }
    tokens.join(" ")
}

/// A constant expression's integer value.
fn int_value(e: Entity<'_>) -> Option<i64> {
    match e.evaluate()? {
        EvaluationResult::SignedInteger(v) => Some(v),
        EvaluationResult::UnsignedInteger(v) => i64::try_from(v).ok(),
        _ => None,
    }
}

/// The value of a string literal as libclang spells it (the whole literal,
/// concatenated, quoted and escaped as C writes it; `L"..."` and the like
/// are not taken). Non-UTF-8 bytes are replaced.
pub fn unquote(spelled: &str) -> Option<String> {
    let body = spelled.strip_prefix('"')?.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(body.len());
    let mut chars = body.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        let esc = chars.next()?;
        let value = match esc {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'e' => 27,
            b'x' => {
                let mut v: u32 = 0;
                while let Some(&d) = chars.peek() {
                    let Some(digit) = (d as char).to_digit(16) else {
                        break;
                    };
                    v = v.wrapping_mul(16) + digit;
                    chars.next();
                }
                v as u8
            }
            b'0'..=b'7' => {
                let mut v = u32::from(esc - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                v as u8
            }
            other => other,
        };
        bytes.push(value);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// What a `char *` expression is.
enum StrExpr {
    Str(String),
    Null,
    Other(String),
}

impl Walker {
    /// Whether `e` is written in the main file (where a macro's use is:
    /// `PyMODINIT_FUNC init...`, `PyDoc_STRVAR(...)`).
    fn in_main(&self, e: Entity<'_>) -> bool {
        loc(e).file == self.main
    }

    fn gap(&mut self, loc: Loc, message: impl Into<String>) {
        self.out.gaps.push(Gap {
            loc,
            message: message.into(),
        });
    }

    /// A docstring field or argument: its text, `None` for NULL or none;
    /// anything else is a gap about `what`.
    fn doc_field(&mut self, e: Option<Entity<'_>>, what: &str, at: &Loc) -> Option<String> {
        match e.map(|d| self.string(d)) {
            Some(StrExpr::Str(s)) => Some(s),
            None | Some(StrExpr::Null) => None,
            Some(StrExpr::Other(text)) => {
                self.gap(
                    at.clone(),
                    format!("{what}: its docstring is not a string: {text}"),
                );
                None
            }
        }
    }

    /// A function field (`role`: getter, setter...): the C function's
    /// name, `None` for NULL or none; anything but a plain name is a gap
    /// about `what`.
    fn function_field(
        &mut self,
        e: Option<Entity<'_>>,
        what: &str,
        role: &str,
        at: &Loc,
    ) -> Option<String> {
        let e = e.filter(|&f| !is_null(f))?;
        let name = named(e);
        if name.is_none() {
            self.gap(
                at.clone(),
                format!(
                    "{what}: its {role} is not a plain function: {}",
                    spelling(e)
                ),
            );
        }
        name
    }

    /// A `char *` expression: a literal, a `PyDoc_STRVAR` variable, NULL.
    fn string(&self, e: Entity<'_>) -> StrExpr {
        let inner = strip(e);
        match inner.get_kind() {
            EntityKind::StringLiteral => match inner.get_name().as_deref().and_then(unquote) {
                Some(s) => StrExpr::Str(s),
                None => StrExpr::Other(spelling(e)),
            },
            EntityKind::GNUNullExpr | EntityKind::NullPtrLiteralExpr => StrExpr::Null,
            EntityKind::IntegerLiteral if int_value(inner) == Some(0) => StrExpr::Null,
            EntityKind::DeclRefExpr => match referred(inner).and_then(|d| self.strings.get(&d)) {
                Some(s) => StrExpr::Str(s.clone()),
                None => StrExpr::Other(spelling(e)),
            },
            _ => StrExpr::Other(spelling(e)),
        }
    }

    /// Every variable initialised by a string literal, or by a list of
    /// them (keyword lists), anywhere in the main file.
    fn collect_variables(&mut self, root: Entity<'_>) {
        root.visit_children(|e, _| {
            if !self.in_main(e) {
                return clang::EntityVisitResult::Continue;
            }
            if e.get_kind() == EntityKind::VarDecl {
                let Some(name) = declaration(e) else {
                    return clang::EntityVisitResult::Recurse;
                };
                let init = e
                    .get_children()
                    .into_iter()
                    .rev()
                    .find(|c| c.is_expression());
                if let Some(init) = init {
                    let stripped = strip(init);
                    if stripped.get_kind() == EntityKind::StringLiteral {
                        if let StrExpr::Str(s) = self.string(stripped) {
                            self.strings.insert(name, s);
                        }
                    } else if stripped.get_kind() == EntityKind::InitListExpr {
                        let mut names = Vec::new();
                        let mut all = true;
                        for item in stripped.get_children() {
                            match self.string(item) {
                                StrExpr::Str(s) => names.push(s),
                                StrExpr::Null => break,
                                StrExpr::Other(_) => {
                                    all = false;
                                    break;
                                }
                            }
                        }
                        if all && !names.is_empty() {
                            self.kwlists.insert(name, names);
                        }
                    }
                }
            }
            clang::EntityVisitResult::Recurse
        });
    }

    /// A top-level variable: a `PyMethodDef` or `PyGetSetDef` table, or a
    /// `PyTypeObject`, if it is one.
    fn table(&mut self, var: Entity<'_>) {
        let Some(ty) = var.get_type() else { return };
        let canonical = ty.get_canonical_type();
        let display = canonical.get_display_name();
        if display == "struct _typeobject" || display == "PyTypeObject" {
            return self.type_object(var, canonical);
        }
        if [
            "PySequenceMethods",
            "PyMappingMethods",
            "PyNumberMethods",
            "PyBufferProcs",
        ]
        .iter()
        .any(|s| display == *s || display.strip_prefix("struct ") == Some(*s))
        {
            return self.slot_struct(var, canonical);
        }
        let element = canonical.get_element_type();
        if element.is_some_and(|t| {
            let name = t.get_display_name();
            name == "struct PyGetSetDef" || name == "PyGetSetDef"
        }) {
            return self.getset_table(var);
        }
        let is_table = element.is_some_and(|t| {
            let name = t.get_display_name();
            name == "struct PyMethodDef" || name == "PyMethodDef"
        });
        if !is_table {
            return;
        }
        let name = var.get_name().unwrap_or_default();
        let table_loc = loc(var);
        let Some(list) = init_list(var) else {
            self.gap(
                table_loc,
                format!("method table {name} has no initialiser list"),
            );
            return;
        };
        let mut entries = Vec::new();
        for item in list.get_children() {
            let entry_loc = loc(item);
            let fields: Vec<Entity<'_>> = if item.get_kind() == EntityKind::InitListExpr {
                item.get_children()
            } else {
                vec![item]
            };
            let Some(&first) = fields.first() else { break };
            let name = match self.string(first) {
                StrExpr::Str(s) => s,
                StrExpr::Null => break, // the sentinel
                StrExpr::Other(text) => {
                    self.gap(
                        entry_loc,
                        format!("a method name that is not a string literal: {text}"),
                    );
                    continue;
                }
            };
            let function = fields.get(1).and_then(|&f| named(f));
            if function.is_none() {
                self.gap(
                    entry_loc.clone(),
                    format!("method {name:?}: its C function is not a plain function name"),
                );
            }
            let flags = fields.get(2).and_then(|&f| int_value(f));
            if flags.is_none() {
                self.gap(
                    entry_loc.clone(),
                    format!("method {name:?}: its METH_ flags are not a constant"),
                );
            }
            let doc = self.doc_field(
                fields.get(3).copied(),
                &format!("method {name:?}"),
                &entry_loc,
            );
            entries.push(MethodEntry {
                name,
                function,
                flags,
                doc,
                loc: entry_loc,
            });
        }
        self.out.tables.push(MethodTable {
            name,
            entries,
            loc: table_loc,
        });
    }

    /// A `PyTypeObject` definition: its fields, by name (positional
    /// initialisers, as C 89 extensions write them; the fields as the
    /// headers declare them, so a debug build's extra head fields line up).
    fn type_object(&mut self, var: Entity<'_>, ty: clang::Type<'_>) {
        let Some(list) = init_list(var) else {
            return; // a declaration; the definition comes later
        };
        let at = loc(var);
        let fields: Vec<String> = ty
            .get_fields()
            .unwrap_or_default()
            .iter()
            .map(|f| f.get_name().unwrap_or_default())
            .collect();
        let values = list.get_children();
        if values
            .iter()
            .any(|v| v.get_kind() == EntityKind::UnexposedExpr && spelling(*v).starts_with('.'))
        {
            self.gap(
                at,
                format!(
                    "type {}: designated initialisers (.tp_name = ...) are not read yet; write \
                     its py_class! by hand",
                    var.get_name().unwrap_or_default()
                ),
            );
            return;
        }
        let mut def = TypeDef {
            var: var.get_name().unwrap_or_default(),
            name: None,
            doc: None,
            flags: None,
            methods: None,
            getset: None,
            new: None,
            init: None,
            slots: Vec::new(),
            structs: Vec::new(),
            other: Vec::new(),
            weakrefs: false,
            dict: false,
            attribute: None,
            loc: at.clone(),
        };
        for (field, &value) in fields.iter().zip(values.iter()) {
            if is_null(value) {
                continue;
            }
            match field.as_str() {
                // The object head, the sizes and what Rust does itself.
                "_ob_next" | "_ob_prev" | "ob_refcnt" | "ob_type" | "ob_size" | "ob_base"
                | "tp_basicsize" | "tp_itemsize" | "tp_alloc" | "tp_free" => {}
                "tp_name" => match self.string(value) {
                    StrExpr::Str(s) => def.name = Some(s),
                    _ => self.gap(
                        at.clone(),
                        format!("type {}: tp_name is not a string literal", def.var),
                    ),
                },
                "tp_doc" => {
                    def.doc = self.doc_field(Some(value), &format!("type {}", def.var), &at)
                }
                "tp_flags" => def.flags = int_value(value),
                "tp_weaklistoffset" => def.weakrefs = true,
                "tp_dictoffset" => def.dict = true,
                "tp_methods" => def.methods = named(value),
                "tp_getset" => def.getset = named(value),
                "tp_new" => def.new = named(value),
                "tp_init" => def.init = named(value),
                f if f.starts_with("tp_as_") => match address_of(value) {
                    Some(var) => def.structs.push((field.clone(), var)),
                    None => def.other.push((field.clone(), spelling(value))),
                },
                _ => match named(value) {
                    Some(function)
                        if strip(value)
                            .get_reference()
                            .is_some_and(|d| d.get_kind() == EntityKind::FunctionDecl) =>
                    {
                        def.slots.push((field.clone(), function))
                    }
                    _ => def.other.push((field.clone(), spelling(value))),
                },
            }
        }
        if def.flags.is_none() {
            self.gap(at, format!("type {}: tp_flags is not a constant", def.var));
        }
        self.out.types.push(def);
    }

    /// A struct of slots: its fields set, by name.
    fn slot_struct(&mut self, var: Entity<'_>, ty: clang::Type<'_>) {
        let Some(list) = init_list(var) else {
            return;
        };
        let fields = ty.get_fields().unwrap_or_default();
        let mut set = Vec::new();
        for (field, value) in fields.iter().zip(list.get_children()) {
            if is_null(value) {
                continue;
            }
            let function = named(value).ok_or_else(|| spelling(value));
            set.push((field.get_name().unwrap_or_default(), function));
        }
        self.out.slot_structs.push(SlotStruct {
            var: var.get_name().unwrap_or_default(),
            fields: set,
        });
    }

    /// A `PyGetSetDef` table.
    fn getset_table(&mut self, var: Entity<'_>) {
        let name = var.get_name().unwrap_or_default();
        let Some(list) = init_list(var) else {
            return;
        };
        let mut entries = Vec::new();
        for item in list.get_children() {
            let entry_loc = loc(item);
            let fields = item.get_children();
            let Some(&first) = fields.first() else { break };
            let attr = match self.string(first) {
                StrExpr::Str(s) => s,
                StrExpr::Null => break,
                StrExpr::Other(text) => {
                    self.gap(
                        entry_loc,
                        format!("a getset name that is not a string literal: {text}"),
                    );
                    continue;
                }
            };
            let what = format!("attribute {attr:?}");
            let getter = self.function_field(fields.get(1).copied(), &what, "getter", &entry_loc);
            let setter = self.function_field(fields.get(2).copied(), &what, "setter", &entry_loc);
            let doc = self.doc_field(fields.get(3).copied(), &what, &entry_loc);
            if fields.get(4).is_some_and(|&c| !is_null(c)) {
                self.gap(
                    entry_loc.clone(),
                    format!(
                        "attribute {attr:?}: a closure ({}): py_class! properties take none; \
                         the body must tell its attributes apart itself",
                        spelling(fields[4])
                    ),
                );
            }
            entries.push(GetSetEntry {
                name: attr,
                getter,
                setter,
                doc,
                loc: entry_loc,
            });
        }
        self.out.getsets.push(GetSetTable { name, entries });
    }

    /// A function defined in the main file: its text, its parse calls, and
    /// the module-level calls it makes (init, exceptions, constants).
    fn function(&mut self, decl: Entity<'_>) {
        let name = decl.get_name().unwrap_or_default();
        let params = decl
            .get_arguments()
            .unwrap_or_default()
            .iter()
            .map(|p| p.get_name().unwrap_or_default())
            .collect();
        let text = decl
            .get_range()
            .map(|r| {
                let start = r.get_start().get_file_location().offset as usize;
                let end = r.get_end().get_file_location().offset as usize;
                let end = (end + 1).min(self.text.len());
                String::from_utf8_lossy(&self.text[start.min(end)..end]).into_owned()
            })
            .unwrap_or_default();
        let mut function = Function {
            name,
            params,
            text,
            parses: Vec::new(),
            calls: Vec::new(),
            loc: loc(decl),
        };
        let mut calls = Vec::new();
        let mut assigned: Vec<(Entity<'_>, String)> = Vec::new();
        decl.visit_children(|e, _| {
            match e.get_kind() {
                EntityKind::CallExpr => calls.push(e),
                // `x = call(...)` and `T x = call(...)`: what a call is
                // assigned to (exception classes).
                EntityKind::BinaryOperator => {
                    let children = e.get_children();
                    if let [lhs, rhs] = children[..] {
                        let lhs = strip(lhs);
                        if lhs.get_kind() == EntityKind::DeclRefExpr {
                            if let Some(var) = lhs.get_name() {
                                assigned.push((strip(rhs), var));
                            }
                        }
                        // `Foo_Type.tp_new = PyType_GenericNew;`: a type's
                        // field set at run time (before PyType_Ready).
                        if lhs.get_kind() == EntityKind::MemberRefExpr {
                            let base = lhs.get_children().into_iter().next().and_then(named);
                            if let (Some(var), Some(field)) = (base, lhs.get_name()) {
                                let function = named(rhs).filter(|_| {
                                    strip(rhs)
                                        .get_reference()
                                        .is_some_and(|d| d.get_kind() == EntityKind::FunctionDecl)
                                });
                                self.pending_fields.push(PendingField {
                                    var,
                                    field,
                                    value: named(rhs),
                                    function,
                                    text: spelling(rhs),
                                    null: is_null(rhs),
                                    loc: loc(e),
                                });
                            }
                        }
                    }
                }
                EntityKind::VarDecl => {
                    if let (Some(var), Some(init)) = (
                        e.get_name(),
                        e.get_children()
                            .into_iter()
                            .rev()
                            .find(|c| c.is_expression()),
                    ) {
                        assigned.push((strip(init), var));
                    }
                }
                _ => {}
            }
            clang::EntityVisitResult::Recurse
        });
        for call in calls {
            let callee = api_name(call, call.get_name().unwrap_or_default());
            let args = call.get_arguments().unwrap_or_default();
            let call_loc = loc(call);
            match callee.as_str() {
                "PyArg_ParseTuple" | "_PyArg_ParseTuple_SizeT" => {
                    function
                        .parses
                        .push(self.parse_call(&callee, false, &args, call_loc));
                }
                "PyArg_ParseTupleAndKeywords" | "_PyArg_ParseTupleAndKeywords_SizeT" => {
                    function
                        .parses
                        .push(self.parse_call(&callee, true, &args, call_loc));
                }
                "PyArg_UnpackTuple"
                | "PyArg_Parse"
                | "_PyArg_Parse_SizeT"
                | "PyArg_VaParse"
                | "_PyArg_VaParse_SizeT"
                | "PyArg_VaParseTupleAndKeywords" => {
                    function.parses.push(ParseCall {
                        callee: callee.clone(),
                        keywords: false,
                        args_expr: args.first().map(|&a| spelling(a)).unwrap_or_default(),
                        kwargs_expr: None,
                        format: Err(format!("{callee}(...)")),
                        kwlist: None,
                        targets: Vec::new(),
                        loc: call_loc,
                    });
                }
                c if c.starts_with("Py_InitModule4") => self.init(&args, call_loc),
                "PyErr_NewException" | "PyErr_NewExceptionWithDoc" => {
                    let var = assigned
                        .iter()
                        .find(|(rhs, _)| same_place(*rhs, call))
                        .map(|(_, v)| v.clone());
                    self.exception(var, &callee, &args, call_loc);
                }
                "PyModule_AddIntConstant" => self.int_constant(&args, call_loc),
                "PyModule_AddStringConstant" => self.str_constant(&args, call_loc),
                "PyModule_AddObject" => self.object(&args, call_loc),
                _ => {
                    let target = call.get_reference();
                    if target.is_some_and(|t| self.in_main(t)) && !callee.is_empty() {
                        let args = args
                            .iter()
                            .map(|&a| {
                                let literal = match self.string(a) {
                                    StrExpr::Str(s)
                                        if strip(a).get_kind() == EntityKind::StringLiteral =>
                                    {
                                        Some(s)
                                    }
                                    _ => None,
                                };
                                // By the name referred to where it is one
                                // (a macro's expansion has no text of
                                // its own).
                                (named(a).unwrap_or_else(|| spelling(a)), literal)
                            })
                            .collect();
                        function.calls.push(HelperCall {
                            callee,
                            args,
                            loc: call_loc,
                        });
                    }
                }
            }
        }
        self.out.functions.push(function);
    }

    fn parse_call(
        &mut self,
        callee: &str,
        keywords: bool,
        args: &[Entity<'_>],
        call_loc: Loc,
    ) -> ParseCall {
        let (format_at, first_target) = if keywords { (2, 4) } else { (1, 2) };
        let format = match args.get(format_at).map(|&f| self.string(f)) {
            Some(StrExpr::Str(s)) => Ok(s),
            Some(StrExpr::Other(text)) => Err(text),
            Some(StrExpr::Null) | None => Err("NULL".into()),
        };
        let kwlist = keywords.then(|| {
            let Some(&list) = args.get(3) else {
                return Err("<missing>".into());
            };
            referred(list)
                .and_then(|d| self.kwlists.get(&d))
                .cloned()
                .ok_or_else(|| spelling(list))
        });
        let targets = args
            .iter()
            .skip(first_target)
            .map(|&t| {
                let inner = strip(t);
                let var = (inner.get_kind() == EntityKind::UnaryOperator)
                    .then(|| inner.get_children().into_iter().next())
                    .flatten()
                    .map(strip)
                    .filter(|v| v.get_kind() == EntityKind::DeclRefExpr);
                Target {
                    expr: spelling(t).replacen("& ", "&", 1),
                    var: var.and_then(|v| v.get_name()),
                    c_type: var.and_then(|v| {
                        v.get_reference()
                            .and_then(|d| d.get_type())
                            .map(|ty| ty.get_display_name())
                    }),
                }
            })
            .collect();
        ParseCall {
            callee: callee.to_string(),
            keywords,
            args_expr: args.first().map(|&a| spelling(a)).unwrap_or_default(),
            kwargs_expr: keywords
                .then(|| {
                    args.get(1)
                        .map(|&a| named(a).unwrap_or_else(|| spelling(a)))
                })
                .flatten(),
            format,
            kwlist,
            targets,
            loc: call_loc,
        }
    }

    fn init(&mut self, args: &[Entity<'_>], call_loc: Loc) {
        let name = match args.first().map(|&a| self.string(a)) {
            Some(StrExpr::Str(s)) => s,
            other => {
                let text = match other {
                    Some(StrExpr::Other(t)) => t,
                    _ => "NULL".into(),
                };
                self.gap(
                    call_loc,
                    format!("Py_InitModule's module name is not a string literal: {text}"),
                );
                return;
            }
        };
        let methods = args.get(1).and_then(|&m| named(m));
        if methods.is_none() {
            self.gap(
                call_loc.clone(),
                "Py_InitModule's method table is not a plain table name",
            );
        }
        let doc = self.doc_field(args.get(2).copied(), &format!("module {name}"), &call_loc);
        self.out.inits.push(ModuleInit {
            name,
            methods,
            doc,
            loc: call_loc,
        });
    }

    fn exception(&mut self, var: Option<String>, callee: &str, args: &[Entity<'_>], at: Loc) {
        let dotted = match args.first().map(|&a| self.string(a)) {
            Some(StrExpr::Str(s)) => s,
            _ => {
                self.gap(at, format!("{callee}: the name is not a string literal"));
                return;
            }
        };
        // PyErr_NewExceptionWithDoc(name, doc, base, dict).
        let base_at = if callee == "PyErr_NewExceptionWithDoc" {
            2
        } else {
            1
        };
        let base = match args.get(base_at).map(|&b| (b, strip(b))) {
            None => Ok("Exception".to_string()),
            Some((b, inner)) => match inner.get_kind() {
                EntityKind::DeclRefExpr => {
                    let name = api_name(inner, inner.get_name().unwrap_or_default());
                    match name.strip_prefix("PyExc_") {
                        Some(builtin) => Ok(builtin.to_string()),
                        None => Err(name),
                    }
                }
                _ => match self.string(b) {
                    StrExpr::Null => Ok("Exception".to_string()),
                    _ => Err(spelling(b)),
                },
            },
        };
        if callee == "PyErr_NewExceptionWithDoc" {
            self.gap(
                at.clone(),
                format!("{dotted}: py_module! gives exception classes no docstring"),
            );
        }
        if let Some(var) = &var {
            self.exception_vars
                .insert(var.clone(), self.out.exceptions.len());
        }
        self.out.exceptions.push(ExceptionDef {
            var,
            dotted,
            base,
            attribute: None,
            loc: at,
        });
    }

    fn int_constant(&mut self, args: &[Entity<'_>], at: Loc) {
        let name = match args.get(1).map(|&a| self.string(a)) {
            Some(StrExpr::Str(s)) => s,
            _ => {
                self.gap(
                    at,
                    "PyModule_AddIntConstant: the name is not a string literal",
                );
                return;
            }
        };
        match args.get(2).and_then(|&v| int_value(v)) {
            Some(value) => self.out.constants.push(Constant {
                name,
                value: ConstValue::Int(value),
                loc: at,
            }),
            None => {
                let text = args.get(2).map(|&v| spelling(v)).unwrap_or_default();
                self.gap(
                    at,
                    format!("constant {name}: its value is not a constant expression: {text}"),
                );
            }
        }
    }

    fn str_constant(&mut self, args: &[Entity<'_>], at: Loc) {
        let name = match args.get(1).map(|&a| self.string(a)) {
            Some(StrExpr::Str(s)) => s,
            _ => {
                self.gap(
                    at,
                    "PyModule_AddStringConstant: the name is not a string literal",
                );
                return;
            }
        };
        match args.get(2).map(|&v| self.string(v)) {
            Some(StrExpr::Str(value)) => self.out.constants.push(Constant {
                name,
                value: ConstValue::Str(value),
                loc: at,
            }),
            _ => {
                let text = args.get(2).map(|&v| spelling(v)).unwrap_or_default();
                self.gap(
                    at,
                    format!("constant {name}: its value is not a string literal: {text}"),
                );
            }
        }
    }

    fn object(&mut self, args: &[Entity<'_>], at: Loc) {
        let name = match args.get(1).map(|&a| self.string(a)) {
            Some(StrExpr::Str(s)) => s,
            _ => {
                self.gap(at, "PyModule_AddObject: the name is not a string literal");
                return;
            }
        };
        if let Some((py2, py3)) = args.get(2).and_then(|&v| known_object(v)) {
            let c = args.get(2).map(|&v| spelling(v)).unwrap_or_default();
            self.out.constants.push(Constant {
                name,
                value: ConstValue::Object(py2, py3, c),
                loc: at,
            });
            return;
        }
        let value = match args.get(2).map(|&v| strip(v)) {
            Some(v) if v.get_kind() == EntityKind::DeclRefExpr => {
                Ok(v.get_name().unwrap_or_default())
            }
            // `(PyObject *)&Foo_Type`: a type.
            Some(v) => match address_of(v) {
                Some(var) => Ok(format!("&{var}")),
                None => Err(spelling(v)),
            },
            None => Err("<missing>".into()),
        };
        self.pending_objects.push((name, value, at));
    }

    /// Match `PyModule_AddObject`s with exception classes and types (the
    /// rest are gaps), and apply the types' fields set at run time.
    fn finish(&mut self) {
        for f in std::mem::take(&mut self.pending_fields) {
            let Some(def) = self.out.types.iter_mut().find(|t| t.var == f.var) else {
                continue; // not a type's field
            };
            match (f.field.as_str(), f.function, f.value) {
                _ if f.null => {}
                // `Foo_Type.ob_type = &PyType_Type;`: PyType_Ready does it.
                (field, _, _) if field.starts_with("ob_") => {}
                ("tp_new", Some(function), _) => def.new = Some(function),
                ("tp_init", Some(function), _) => def.init = Some(function),
                ("tp_methods", _, Some(table)) => def.methods = Some(table),
                ("tp_getset", _, Some(table)) => def.getset = Some(table),
                (field, Some(function), _) if field.starts_with("tp_") => {
                    def.slots.retain(|(slot, _)| slot != field);
                    def.slots.push((field.to_string(), function));
                }
                (field, _, _) => {
                    let message = format!(
                        "type {}: {field} = {} set at run time: not scaffolded; port it by hand",
                        f.var, f.text
                    );
                    self.gap(f.loc, message);
                }
            }
        }
        for (name, value, at) in std::mem::take(&mut self.pending_objects) {
            let of_type = value
                .as_ref()
                .ok()
                .and_then(|v| v.strip_prefix('&'))
                .and_then(|var| self.out.types.iter().position(|t| t.var == var));
            if let Some(i) = of_type {
                self.out.types[i].attribute = Some(name);
                continue;
            }
            match value.as_ref().ok().and_then(|v| self.exception_vars.get(v)) {
                Some(&i) => self.out.exceptions[i].attribute = Some(name),
                None => {
                    let text = value.unwrap_or_else(|e| e);
                    self.gap(
                        at,
                        format!(
                            "module attribute {name} = {text}: not an exception class, a type, \
                             an int or a str; py_module! cannot add it (add it by hand)"
                        ),
                    );
                }
            }
        }
    }
}
