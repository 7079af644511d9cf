//! What the scaffolder extracts from a C extension module, and how a
//! `PyArg_ParseTuple` format maps onto the Rust types legacy-buffer's
//! parser gives.

use std::fmt;

/// A place in the C source: `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    /// The file, as libclang names it (the path given on the command line
    /// for the main file).
    pub file: String,
    /// The 1-based line.
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Something the scaffolder could not extract, or that `py_module!` cannot
/// say: reported on stderr and as a comment in the generated code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    /// Where, in the C source.
    pub loc: Loc,
    /// What, and what the generated code does instead.
    pub message: String,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: gap: {}", self.loc, self.message)
    }
}

/// The module's `Py_InitModule*` call.
#[derive(Clone, Debug)]
pub struct ModuleInit {
    /// The module's name.
    pub name: String,
    /// The method table's variable, if a plain reference to one.
    pub methods: Option<String>,
    /// The docstring (`None`: NULL).
    pub doc: Option<String>,
    /// Where the call is.
    pub loc: Loc,
}

/// A `PyMethodDef` table.
#[derive(Clone, Debug)]
pub struct MethodTable {
    /// The table's variable name.
    pub name: String,
    /// Its entries, up to the `{NULL}` sentinel.
    pub entries: Vec<MethodEntry>,
    /// Where it is declared.
    pub loc: Loc,
}

/// One `PyMethodDef` entry.
#[derive(Clone, Debug)]
pub struct MethodEntry {
    /// `ml_name`.
    pub name: String,
    /// `ml_meth`: the C function's name, when a plain reference to one.
    pub function: Option<String>,
    /// `ml_flags`, when a constant.
    pub flags: Option<i64>,
    /// `ml_doc` (`None`: NULL or left out).
    pub doc: Option<String>,
    /// Where the entry is.
    pub loc: Loc,
}

/// A C function of the module (defined in the main file).
#[derive(Clone, Debug)]
pub struct Function {
    /// Its C name.
    pub name: String,
    /// Its C parameters' names.
    pub params: Vec<String>,
    /// Its source text, to translate.
    pub text: String,
    /// The argument-parsing calls in its body.
    pub parses: Vec<ParseCall>,
    /// Other main-file functions it calls (to follow a parse made in a
    /// helper).
    pub calls: Vec<HelperCall>,
    /// Where it is defined.
    pub loc: Loc,
}

/// A call of another function of the main file.
#[derive(Clone, Debug)]
pub struct HelperCall {
    /// The function called.
    pub callee: String,
    /// Its arguments: each as written, and its value where a string
    /// literal.
    pub args: Vec<(String, Option<String>)>,
    /// Where the call is.
    pub loc: Loc,
}

/// A `PyArg_ParseTuple` / `PyArg_ParseTupleAndKeywords` call (or another
/// `PyArg_*` parser, which the scaffolder reports).
#[derive(Clone, Debug)]
pub struct ParseCall {
    /// The C function called (`PyArg_ParseTuple`, `_PyArg_ParseTuple_SizeT`, ...).
    pub callee: String,
    /// `PyArg_ParseTupleAndKeywords` (or its `_SizeT` name).
    pub keywords: bool,
    /// The argument tuple's expression, as written.
    pub args_expr: String,
    /// The keyword dict's expression, for `PyArg_ParseTupleAndKeywords`
    /// (the name it refers to, where it is one).
    pub kwargs_expr: Option<String>,
    /// The format, when a string literal (`Err`: the expression written).
    pub format: Result<String, String>,
    /// The keyword names, when a NULL-terminated array of string literals
    /// (`Err`: the expression written).
    pub kwlist: Option<Result<Vec<String>, String>>,
    /// The targets: the expression and, for `&variable`, the variable's C
    /// type.
    pub targets: Vec<Target>,
    /// Where the call is.
    pub loc: Loc,
}

/// One target of a parse call.
#[derive(Clone, Debug)]
pub struct Target {
    /// The expression, as written (`&obj`).
    pub expr: String,
    /// For `&name`: the variable's name.
    pub var: Option<String>,
    /// For `&name`: the variable's C type.
    pub c_type: Option<String>,
}

/// An exception class made with `PyErr_NewException`.
#[derive(Clone, Debug)]
pub struct ExceptionDef {
    /// The variable it is assigned to, if any.
    pub var: Option<String>,
    /// The dotted name (`"module.Name"`).
    pub dotted: String,
    /// The base: `Ok` a built-in's name (`ValueError`; `Exception` for
    /// NULL), `Err` the expression written.
    pub base: Result<String, String>,
    /// The attribute `PyModule_AddObject` gives it, if it does.
    pub attribute: Option<String>,
    /// Where the call is.
    pub loc: Loc,
}

/// A module attribute added by `PyModule_Add*`.
#[derive(Clone, Debug)]
pub struct Constant {
    /// The attribute's name.
    pub name: String,
    /// Its value.
    pub value: ConstValue,
    /// Where it is added.
    pub loc: Loc,
}

/// A module attribute's value.
#[derive(Clone, Debug)]
pub enum ConstValue {
    /// `PyModule_AddIntConstant` with a constant value.
    Int(i64),
    /// `PyModule_AddStringConstant` with a literal.
    Str(String),
    /// `PyModule_AddObject` of a value the scaffolder knows how to make
    /// (`PyDict_New()`, `PyFloat_FromDouble(2.5)`, ...): the Python
    /// expression that makes it on Python 2 and on Python 3 (`5L`, `5`),
    /// and the C expression.
    Object(String, String, String),
}

/// A `PyGetSetDef` table.
#[derive(Clone, Debug)]
pub struct GetSetTable {
    /// The table's variable name.
    pub name: String,
    /// Its entries, up to the `{NULL}` sentinel.
    pub entries: Vec<GetSetEntry>,
}

/// One `PyGetSetDef` entry.
#[derive(Clone, Debug)]
pub struct GetSetEntry {
    /// The attribute's name.
    pub name: String,
    /// The getter's C function (`None`: NULL or not a plain name).
    pub getter: Option<String>,
    /// The setter's C function (`None`: NULL, read-only).
    pub setter: Option<String>,
    /// The docstring (`None`: NULL).
    pub doc: Option<String>,
    /// Where the entry is.
    pub loc: Loc,
}

/// A static struct of slots (`PySequenceMethods`, `PyMappingMethods`,
/// `PyNumberMethods`, `PyBufferProcs`) with an initialiser.
#[derive(Clone, Debug)]
pub struct SlotStruct {
    /// The C variable.
    pub var: String,
    /// Its fields set, as (field, C function or `Err(text)`).
    pub fields: Vec<(String, Result<String, String>)>,
}

/// A static `PyTypeObject` with an initialiser: the fields the scaffolder
/// reads, by name.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// The C variable.
    pub var: String,
    /// `tp_name` (`None`: not a literal).
    pub name: Option<String>,
    /// `tp_doc` (`None`: NULL).
    pub doc: Option<String>,
    /// `tp_flags`, when a constant.
    pub flags: Option<i64>,
    /// `tp_methods`: the method table's variable.
    pub methods: Option<String>,
    /// `tp_getset`: the getset table's variable.
    pub getset: Option<String>,
    /// `tp_new`: a C function, or `PyType_GenericNew`.
    pub new: Option<String>,
    /// `tp_init`'s C function.
    pub init: Option<String>,
    /// The other function slots set, as (field, C function): `tp_repr`,
    /// `tp_dealloc`, ...
    pub slots: Vec<(String, String)>,
    /// The structs of slots it points to (`tp_as_sequence`, ...), as
    /// (field, variable).
    pub structs: Vec<(String, String)>,
    /// Fields set to something the scaffolder does not follow (a member
    /// table, a base, ...), as (field, text).
    pub other: Vec<(String, String)>,
    /// `tp_weaklistoffset` is set.
    pub weakrefs: bool,
    /// `tp_dictoffset` is set.
    pub dict: bool,
    /// The module attribute `PyModule_AddObject` gives it, if it does.
    pub attribute: Option<String>,
    /// Where it is defined.
    pub loc: Loc,
}

/// Everything extracted from one C file.
#[derive(Clone, Debug, Default)]
pub struct Extracted {
    /// The `Py_InitModule*` call(s) (one, normally).
    pub inits: Vec<ModuleInit>,
    /// Every `PyMethodDef` table.
    pub tables: Vec<MethodTable>,
    /// Every function defined in the main file, in source order.
    pub functions: Vec<Function>,
    /// Every `PyErr_NewException` class.
    pub exceptions: Vec<ExceptionDef>,
    /// Every int and str constant.
    pub constants: Vec<Constant>,
    /// Every static `PyTypeObject` defined with an initialiser.
    pub types: Vec<TypeDef>,
    /// Every `PyGetSetDef` table.
    pub getsets: Vec<GetSetTable>,
    /// Every struct of slots.
    pub slot_structs: Vec<SlotStruct>,
    /// What could not be extracted.
    pub gaps: Vec<Gap>,
}

impl Extracted {
    /// The function named `name`, if defined in the main file.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }
}

/// One unit of a format, as legacy-buffer's parser takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The unit as written (`"s#"`).
    pub text: String,
    /// After `|`.
    pub optional: bool,
}

impl Unit {
    /// How many C targets the unit fills (`s#`: pointer and length).
    pub fn targets(&self) -> usize {
        if self.text.ends_with('#') || self.text == "O!" || self.text == "O&" {
            2
        } else {
            1
        }
    }

    /// The Rust type legacy-buffer's parser gives for it (the choices
    /// legacy-checksum made), or why there is none.
    pub fn rust_type(&self) -> Result<String, String> {
        let base = match self.text.as_str() {
            "s" | "y" => "&CStr",
            "z" => "Option<&CStr>",
            "s#" | "t#" | "w#" | "s*" | "w*" | "y#" | "y*" => "Buffer",
            "z#" | "z*" => "Option<Buffer>",
            "c" | "b" | "B" => "u8",
            "h" => "i16",
            "H" => "u16",
            "i" => "c_int",
            "I" => "c_uint",
            "l" | "L" => "i64",
            "k" | "K" => "u64",
            "n" => "isize",
            "f" => "f32",
            "d" => "f64",
            "O" | "S" | "U" => "Borrowed",
            "O&" => {
                return Err(
                    "'O&' is a Converted<T> of the Rust converter written for the C's".into(),
                )
            }
            "O!" => {
                return Err(
                    "'O!' is a Borrowed checked against the type object the skeleton looks up"
                        .into(),
                )
            }
            other => return Err(format!("legacy-buffer's parser has no unit '{other}'")),
        };
        Ok(if self.optional {
            format!("Option<{base}>")
        } else {
            base.to_string()
        })
    }
}

/// The most units legacy-buffer's parser takes in one parse (its tuples).
pub const MAX_UNITS: usize = 12;

/// The units of a `PyArg_ParseTuple` format (up to its `:name` or
/// `;message`), or what about it the Rust parser cannot take.
pub fn read_format(format: &str) -> Result<Vec<Unit>, String> {
    let spec = format.split([':', ';']).next().unwrap_or_default();
    let mut units = Vec::new();
    let mut optional = false;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        let text = match c {
            '|' if optional => return Err("a second '|'".into()),
            '|' => {
                optional = true;
                continue;
            }
            's' | 'z' | 'y' => match chars.peek() {
                Some(&s @ ('#' | '*')) => {
                    chars.next();
                    format!("{c}{s}")
                }
                _ => c.to_string(),
            },
            't' => match chars.next() {
                Some('#') => "t#".into(),
                _ => return Err("'t' without '#'".into()),
            },
            'w' => match chars.next() {
                Some(s @ ('#' | '*')) => format!("w{s}"),
                _ => return Err("legacy-buffer's parser has no unit 'w'".into()),
            },
            'O' => match chars.peek() {
                Some(&s @ ('!' | '&')) => {
                    chars.next();
                    format!("O{s}")
                }
                Some('?') => return Err("legacy-buffer's parser has no unit 'O?'".into()),
                _ => "O".into(),
            },
            'c' | 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'l' | 'k' | 'L' | 'K' | 'n' | 'f' | 'd'
            | 'S' | 'U' => c.to_string(),
            'e' => return Err("legacy-buffer's parser has no 'e' (encoded string) units".into()),
            '(' | ')' => {
                return Err("legacy-buffer's parser has no '(...)' (nested tuple) units".into())
            }
            other => return Err(format!("legacy-buffer's parser has no unit '{other}'")),
        };
        units.push(Unit { text, optional });
    }
    if units.len() > MAX_UNITS {
        return Err(format!(
            "{} units: legacy-buffer's parser takes at most {MAX_UNITS} in one parse",
            units.len()
        ));
    }
    Ok(units)
}

/// `xxh32` → `Xxh32`, `bit_array` → `BitArray`: a Rust type's name for a
/// C name.
pub fn camel(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `Py_TPFLAGS_BASETYPE`: Python code may subclass the type.
pub const TPFLAGS_BASETYPE: i64 = 1 << 10;
/// `Py_TPFLAGS_HAVE_GC`: the type takes part in the collector.
pub const TPFLAGS_HAVE_GC: i64 = 1 << 14;

/// The `METH_*` convention of a flags value, as `py_module!` writes it:
/// `(args)`, `(args, kwargs)`, `()` or `(arg)`; or why it has none.
pub fn convention(flags: i64) -> Result<&'static str, String> {
    match flags {
        1 => Ok("(args)"),
        3 => Ok("(args, kwargs)"),
        4 => Ok("()"),
        8 => Ok("(arg)"),
        0 => Err("METH_OLDARGS: py_module! has no such convention".into()),
        f if f & 0x70 != 0 => Err(format!(
            "flags {f:#x} (METH_CLASS, METH_STATIC or METH_COEXIST) are for types, not module functions"
        )),
        f => Err(format!("flags {f:#x}: py_module! has no such convention")),
    }
}

/// Rust's keywords (strict and reserved, 2021 edition), which `py_module!`
/// cannot take as a function, constant or exception name.
pub const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "_",
];

/// Whether `name` can be a Rust identifier as written (not a keyword).
pub fn is_rust_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RUST_KEYWORDS.contains(&name)
}

/// How `py_module!` / `py_class!` write `name`: as it is, as a raw
/// identifier (`r#type`) for a Rust keyword, or `None` where neither can
/// (not an identifier; `self`, `super`, `crate`, `Self`, `_`).
pub fn rust_name(name: &str) -> Option<String> {
    if is_rust_ident(name) {
        return Some(name.to_string());
    }
    let raw_able = !["self", "Self", "super", "crate", "_"].contains(&name);
    (raw_able && RUST_KEYWORDS.contains(&name)).then(|| format!("r#{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(format: &str) -> Vec<(String, bool)> {
        read_format(format)
            .unwrap()
            .into_iter()
            .map(|u| (u.text, u.optional))
            .collect()
    }

    #[test]
    fn formats() {
        assert_eq!(
            texts("s#s#|n:mismatch"),
            [
                ("s#".into(), false),
                ("s#".into(), false),
                ("n".into(), true)
            ]
        );
        assert_eq!(
            texts("O|I;oops: x"),
            [("O".into(), false), ("I".into(), true)]
        );
        assert_eq!(texts("O&|i"), [("O&".into(), false), ("i".into(), true)]);
        assert!(read_format("O?").unwrap_err().contains("O?"));
        assert!(read_format("es#").is_err());
        assert!(read_format("(ii)").is_err());
        assert!(read_format("i|i|i").is_err());
    }

    #[test]
    fn types() {
        let unit = |text: &str, optional| Unit {
            text: text.into(),
            optional,
        };
        assert_eq!(unit("O", false).rust_type().unwrap(), "Borrowed");
        assert_eq!(unit("I", true).rust_type().unwrap(), "Option<c_uint>");
        assert_eq!(unit("s#", false).rust_type().unwrap(), "Buffer");
        assert_eq!(
            unit("z", true).rust_type().unwrap(),
            "Option<Option<&CStr>>"
        );
        assert!(unit("O!", false).rust_type().is_err());
    }

    #[test]
    fn conventions() {
        assert_eq!(convention(1).unwrap(), "(args)");
        assert_eq!(convention(3).unwrap(), "(args, kwargs)");
        assert!(convention(0).is_err());
        assert!(!is_rust_ident("type") && is_rust_ident("_panic") && !is_rust_ident("1x"));
        assert_eq!(rust_name("type").as_deref(), Some("r#type"));
        assert_eq!(rust_name("crc32").as_deref(), Some("crc32"));
        assert_eq!(rust_name("self"), None);
        assert_eq!(rust_name("a-b"), None);
    }
}
