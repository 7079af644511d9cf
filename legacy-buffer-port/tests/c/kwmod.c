/*
 * kwmod: a small Python 2.7 extension module with what legacy_checksum.c
 * lacks, for the scaffolder's parity test: METH_KEYWORDS (two functions,
 * each with a keyword list of its own, both named kwlist),
 * METH_O, METH_NOARGS, a function without a docstring, Py_InitModule4, an
 * exception class on a built-in base, int and str constants, and the
 * numeric, 'z', 'O&' (an O& converter raising its own error) and 'O!'
 * units, and module attributes of other types (a dict, a float, None).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *KwError;

PyDoc_STRVAR(pack_doc,
"pack(data, level=6, name=None) -> (len, level, name)\n\n"
"The length of data, the level (0..9) and the name (or '').");

static PyObject *
kw_pack(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"data", "level", "name", NULL};
    const char *data, *name = NULL;
    Py_ssize_t len;
    int level = 6;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#|iz:pack", kwlist,
                                     &data, &len, &level, &name))
        return NULL;
    if (level < 0 || level > 9) {
        PyErr_SetString(KwError, "pack() level must be in range(0, 10)");
        return NULL;
    }
    return Py_BuildValue("(nis)", len, level, name != NULL ? name : "");
}

PyDoc_STRVAR(span_doc,
"span(start=0, stop=-1) -> stop - start");

static PyObject *
kw_span(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"start", "stop", NULL};
    Py_ssize_t start = 0;
    PY_LONG_LONG stop = -1;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|nL:span", kwlist, &start, &stop))
        return NULL;
    return PyLong_FromLongLong(stop / 2 - (PY_LONG_LONG)(start / 2));
}

static PyObject *
kw_first(PyObject *self, PyObject *arg)
{
    (void)self;
    return PyObject_Repr(arg);
}

static PyObject *
kw_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyString_FromString("1.0");
}

static PyObject *
kw_scale(PyObject *self, PyObject *args)
{
    double x;
    float f = 1.0f;
    unsigned char b = 0;
    short h = 0;
    long l = 0;
    unsigned PY_LONG_LONG k = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "d|fbhlK:scale", &x, &f, &b, &h, &l, &k))
        return NULL;
    return PyFloat_FromDouble(x * f + b + h + l + (double)k);
}

/* An O& converter: a non-negative int, or its own ValueError. */
static int
to_count(PyObject *o, void *address)
{
    long n = PyInt_AsLong(o);
    if (n == -1 && PyErr_Occurred())
        return 0;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "a count cannot be negative");
        return 0;
    }
    *(long *)address = n;
    return 1;
}

static PyObject *
kw_repeat(PyObject *self, PyObject *args)
{
    long count;
    const char *text = "";

    (void)self;
    if (!PyArg_ParseTuple(args, "O&|s:repeat", to_count, &count, &text))
        return NULL;
    return PyInt_FromLong(count * (long)strlen(text));
}

static PyObject *
kw_total(PyObject *self, PyObject *args)
{
    PyObject *items, *weights = NULL;

    (void)self;
    if (!PyArg_ParseTuple(args, "O!|O!:total", &PyList_Type, &items, &PyDict_Type, &weights))
        return NULL;
    return PyInt_FromSsize_t(PyList_GET_SIZE(items) + (weights ? PyDict_Size(weights) : 0));
}

static PyMethodDef kw_methods[] = {
    {"pack", (PyCFunction)kw_pack, METH_VARARGS | METH_KEYWORDS, pack_doc},
    {"span", (PyCFunction)kw_span, METH_VARARGS | METH_KEYWORDS, span_doc},
    {"first", kw_first, METH_O, "first(x) -> repr(x)"},
    {"version", kw_version, METH_NOARGS, NULL},
    {"scale", kw_scale, METH_VARARGS, "scale(x[, f, b, h, l, k]) -> float"},
    {"repeat", kw_repeat, METH_VARARGS, "repeat(count[, text]) -> count * len(text)"},
    {"total", kw_total, METH_VARARGS, "total(items[, weights]) -> len(items) + len(weights)"},
    {NULL, NULL, 0, NULL}
};

PyMODINIT_FUNC
initkwmod(void)
{
    PyObject *m = Py_InitModule4("kwmod", kw_methods, "Keyword and flag conventions.",
                                 NULL, PYTHON_API_VERSION);
    if (m == NULL)
        return;
    KwError = PyErr_NewException("kwmod.KwError", PyExc_ValueError, NULL);
    if (KwError == NULL)
        return;
    Py_INCREF(KwError);
    PyModule_AddObject(m, "KwError", KwError);
    PyModule_AddIntConstant(m, "MAX_LEVEL", 9);
    PyModule_AddStringConstant(m, "FLAVOUR", "plain");
    PyModule_AddObject(m, "REGISTRY", PyDict_New());
    PyModule_AddObject(m, "RATIO", PyFloat_FromDouble(0.25));
    PyModule_AddObject(m, "LIMIT", PyLong_FromLong(1000));
    Py_INCREF(Py_None);
    PyModule_AddObject(m, "DEFAULT", Py_None);
}
