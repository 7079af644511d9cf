//! What the scaffolder cannot extract, or `py_module!` cannot say, is
//! reported with the C's file:line on stderr and in the generated code,
//! never guessed; the crate still builds with no warning.

mod common;

use common::*;

/// A small module with one of each gap (line numbers matter: see below).
const SMALL: &str = r#"#include <Python.h>

static int conv(PyObject *o, void *p) { *(PyObject **)p = o; return 1; }

static PyObject *
built(PyObject *self, PyObject *args)
{
    char fmt[8];
    PyObject *o;
    PyOS_snprintf(fmt, sizeof fmt, "%s", "O:built");
    if (!PyArg_ParseTuple(args, fmt, &o))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
converted(PyObject *self, PyObject *args)
{
    PyObject *o;
    if (!PyArg_ParseTuple(args, "O&:type", conv, &o))
        return NULL;
    Py_RETURN_NONE;
}

static int helper(PyObject *args, int *n)
{
    PyObject *t = PySequence_Tuple(args);
    int ok = t != NULL && PyArg_ParseTuple(t, "i", n);
    Py_XDECREF(t);
    return ok;
}

static int parse_pair(PyObject *args, const char *format, PyObject **a, PyObject **b)
{
    return PyArg_ParseTuple(args, format, a, b);
}

static PyObject *
paired(PyObject *self, PyObject *args)
{
    PyObject *a, *b;
    if (!parse_pair(args, "OO:paired", &a, &b))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
helped(PyObject *self, PyObject *args)
{
    int n;
    if (!helper(args, &n))
        return NULL;
    return PyInt_FromLong(n);
}

static PyObject *
unpacked(PyObject *self, PyObject *args)
{
    PyObject *a, *b = NULL;
    if (!PyArg_UnpackTuple(args, "unpacked", 1, 2, &a, &b))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
noargs(PyObject *self)
{
    Py_RETURN_NONE;
}

static PyTypeObject SmallType;

/* A name of the module's own that looks like PyPy's renamed API. */
static PyObject *
PyPyramid_area(PyObject *self, PyObject *args)
{
    double base, height;
    if (!PyArg_ParseTuple(args, "dd:area", &base, &height))
        return NULL;
    return PyFloat_FromDouble(base * height / 3);
}

static PyObject *
smallest(PyObject *self, PyObject *args)
{
    PyObject *s;
    if (!PyArg_ParseTuple(args, "O!:smallest", &SmallType, &s))
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"smallest", smallest, METH_VARARGS, "smallest(s)"},
    {"area", PyPyramid_area, METH_VARARGS, "area(base, height)"},
    {"built", built, METH_VARARGS, NULL},
    {"type", converted, METH_VARARGS, "type(x)"},
    {"helped", helped, METH_VARARGS, "helped(n)"},
    {"paired", paired, METH_VARARGS, "paired(a, b)"},
    {"unpacked", unpacked, METH_VARARGS, "unpacked(a[, b])"},
    {"noargs", (PyCFunction)noargs, METH_NOARGS, "noargs()"},
    {NULL, NULL, 0, NULL}
};

static PyObject *small_repr(PyObject *self) { return PyString_FromString("Small"); }
static int small_compare(PyObject *a, PyObject *b) { return 0; }
static Py_ssize_t small_len(PyObject *self) { return 0; }
static PySequenceMethods small_seq = { small_len };

static PyObject *
small_make(PyObject *cls, PyObject *args)
{
    int n;
    if (!PyArg_ParseTuple(args, "i:make", &n))
        return NULL;
    return PyObject_CallObject(cls, NULL);
}

static PyObject *
small_check(PyObject *unused, PyObject *o)
{
    return PyBool_FromLong(o == Py_None);
}

static PyMethodDef small_methods[] = {
    {"make", small_make, METH_CLASS | METH_VARARGS, "make(n) -> Small"},
    {"check", small_check, METH_STATIC | METH_O, "check(o) -> bool"},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject SmallType = {
    PyObject_HEAD_INIT(NULL)
    0, "small.Small", sizeof(PyObject), 0,
    0, 0, 0, 0,
    small_compare, small_repr, 0, &small_seq, 0, 0,
    0, 0, PyObject_GenericGetAttr, 0, 0,
    Py_TPFLAGS_DEFAULT, "A small type.",
};

PyMODINIT_FUNC
initsmall(void)
{
    PyObject *m = Py_InitModule3("small", methods, "A small module.");
    PyObject *base = PyErr_NewException("small.Error", PyExc_ValueError, NULL);
    PyObject *sub = PyErr_NewException("small.SubError", base, NULL);
    PyModule_AddObject(m, "Error", base);
    PyModule_AddObject(m, "SubError", sub);
    PyModule_AddObject(m, "table", PyDict_New());
    PyModule_AddObject(m, "config", Py_BuildValue("(ii)", 1, 2));
    PyModule_AddIntConstant(m, "LEVEL", 3);
    SmallType.tp_new = PyType_GenericNew;
    SmallType.tp_methods = small_methods;
    PyType_Ready(&SmallType);
    PyModule_AddObject(m, "Small", (PyObject *)&SmallType);
    PyModule_AddStringConstant(m, "NAME", "small");
}
"#;

#[test]
fn gaps_name_file_and_line() {
    let dir = scratch("small");
    let source = dir.join("small.c");
    std::fs::write(&source, SMALL).unwrap();
    let out = dir.join("crate");
    let output = scaffold(&[source.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // The 1-based line of the first line of SMALL holding `text`.
    let line_of = |text: &str| -> u32 {
        SMALL.lines().position(|l| l.contains(text)).expect(text) as u32 + 1
    };
    let at = |line: u32| format!("{}:{line}: gap: ", source.display());
    let gap = |line: u32, words: &str| {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&at(line)) && l.contains(words)),
            "no gap at line {line} saying {words:?}:\n{stderr}"
        );
    };
    // The format made at run time.
    gap(
        line_of("PyArg_ParseTuple(args, fmt"),
        "format is not a string literal: fmt",
    );

    // A parse in a helper.
    gap(
        line_of("helped(PyObject"),
        "calls no PyArg_ParseTuple itself",
    );
    gap(line_of("helped(PyObject"), "helper");
    // A parser legacy-buffer does not have.
    gap(
        line_of("PyArg_UnpackTuple(args"),
        "PyArg_UnpackTuple: legacy-buffer has no such parser",
    );
    // A type's slot py_class! does not take.
    gap(line_of("SmallType = {"), "tp_compare = small_compare");
    // A module attribute the scaffolder cannot make.
    gap(
        line_of("\"config\""),
        "module attribute config = Py_BuildValue",
    );

    let lib_rs = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(
        holds(
            &lib_rs,
            &format!(
                "// GAP ({}:{}): ",
                source.display(),
                line_of("PyArg_ParseTuple(args, fmt")
            )
        ),
        "{lib_rs}"
    );
    // What was extracted.
    assert!(holds(&lib_rs, "module small {"));
    assert!(holds(&lib_rs, "doc: \"A small module.\","));
    assert!(holds(&lib_rs, "built(args) => built;"), "{lib_rs}");
    assert!(
        holds(&lib_rs, "noargs() => noargs, \"noargs()\";"),
        "{lib_rs}"
    );
    assert!(holds(&lib_rs, "Error(ValueError) = \"small.Error\";"));
    // On the module's own class.
    assert!(holds(
        &lib_rs,
        "SubError(self::Error) = \"small.SubError\";"
    ));
    // O&: a Converted<Conv>, whose Converter is the C converter to port.
    assert!(
        holds(
            &lib_rs,
            "let (_o,): (Converted<Conv>,) = args.parse(py_format!(\"O&:type\"))?;"
        ),
        "{lib_rs}"
    );
    // O! of the module's own type: its type object, from py_class!.
    assert!(
        holds(
            &lib_rs,
            "let type1 = <Small as PyClass>::type_object().as_object(py)?; // SmallType"
        ),
        "{lib_rs}"
    );
    assert!(holds(&lib_rs, ".types(&[&*type1])"), "{lib_rs}");
    // A Rust keyword as a function name: a raw identifier.
    assert!(
        holds(&lib_rs, "r#type(args) => converted, \"type(x)\";"),
        "{lib_rs}"
    );
    // The type, with what it could say.
    assert!(
        holds(&lib_rs, "class Small as \"small.Small\" {"),
        "{lib_rs}"
    );
    assert!(holds(&lib_rs, "__repr__ => small_repr;"), "{lib_rs}");
    // The module's own PyPy-looking name is its own.
    assert!(
        holds(
            &lib_rs,
            "area(args) => PyPyramid_area, \"area(base, height)\";"
        ),
        "{lib_rs}"
    );
    assert!(
        !stderr.contains("PyPyramid_area is not defined"),
        "{stderr}"
    );
    // A class method and a static method (the table set at run time).
    assert!(
        holds(
            &lib_rs,
            "make(class, args) => small_make, \"make(n) -> Small\";"
        ),
        "{lib_rs}"
    );
    assert!(
        holds(
            &lib_rs,
            "check(static arg) => small_check, \"check(o) -> bool\";"
        ),
        "{lib_rs}"
    );
    assert!(
        holds(
            &lib_rs,
            "let (_n,): (c_int,) = args.parse(py_format!(\"i:make\"))?;"
        ),
        "{lib_rs}"
    );
    // tp_new set at run time, as CPython's tutorial writes it.
    assert!(holds(&lib_rs, "new: new_small,"), "{lib_rs}");
    // From its struct of sequence slots.
    assert!(holds(&lib_rs, "__len__ => small_len;"), "{lib_rs}");
    // A parse in a helper given the tuple and a literal format: followed.
    assert!(
        holds(
            &lib_rs,
            "let (_a, _b): (Borrowed, Borrowed) = args.parse(py_format!(\"OO:paired\"))?;"
        ),
        "{lib_rs}"
    );
    assert!(!stderr.contains("paired calls no"), "{stderr}");
    assert!(holds(&lib_rs, "types: { Small }"), "{lib_rs}");
    assert!(holds(&lib_rs, "LEVEL: int = 3;"));
    // An object it can make: an empty dict.
    assert!(holds(&lib_rs, "table: object = make_table;"), "{lib_rs}");
    assert!(holds(&lib_rs, "py.eval(\"{}\")"), "{lib_rs}");
    assert!(holds(&lib_rs, "NAME: str = \"small\";"));
    // Nothing guessed: the built format's function does not parse.
    assert!(!holds(&lib_rs, "py_format!(\"O:built\")"));

    // With its gaps, the crate still builds, without a warning.
    build_extension(&out, "small");
}
