/*
 * typemod: a small Python 2.7 extension type with what xxhash's and
 * bitarray's lack, for the scaffolder's parity test: tp_new and
 * tp_methods set at run time (as CPython's tutorial writes a type), a
 * tp_init with keywords, a class method, a static method, a getter with a
 * setter, a read-only getter, tp_repr, and a subclassable type.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

typedef struct {
    PyObject_HEAD
    long count;
} Counter;

static PyTypeObject CounterType;

static int
Counter_init(Counter *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"start", NULL};
    long start = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|l:Counter", kwlist, &start))
        return -1;
    self->count = start;
    return 0;
}

static PyObject *
Counter_bump(Counter *self)
{
    return PyInt_FromLong(++self->count);
}

static PyObject *
Counter_add(Counter *self, PyObject *n)
{
    long k = PyInt_AsLong(n);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    self->count += k;
    return PyInt_FromLong(self->count);
}

static PyObject *
Counter_reset(Counter *self, PyObject *args)
{
    long to = 0;
    if (!PyArg_ParseTuple(args, "|l:reset", &to))
        return NULL;
    self->count = to;
    Py_RETURN_NONE;
}

static PyObject *
Counter_from_string(PyObject *cls, PyObject *args)
{
    const char *text;
    if (!PyArg_ParseTuple(args, "s:from_string", &text))
        return NULL;
    return PyObject_CallFunction(cls, "l", strtol(text, NULL, 10));
}

static PyObject *
Counter_is_counter(PyObject *unused, PyObject *o)
{
    (void)unused;
    return PyBool_FromLong(PyObject_TypeCheck(o, &CounterType));
}

static PyMethodDef Counter_methods[] = {
    {"bump", (PyCFunction)Counter_bump, METH_NOARGS, "bump() -> the count, plus one"},
    {"add", (PyCFunction)Counter_add, METH_O, "add(n) -> the count, plus n"},
    {"reset", (PyCFunction)Counter_reset, METH_VARARGS, "reset([to])"},
    {"from_string", Counter_from_string, METH_CLASS | METH_VARARGS,
     "from_string(text) -> a Counter from its digits"},
    {"is_counter", Counter_is_counter, METH_STATIC | METH_O, "is_counter(o) -> bool"},
    {NULL, NULL, 0, NULL}
};

static PyObject *
Counter_get_value(Counter *self, void *closure)
{
    (void)closure;
    return PyInt_FromLong(self->count);
}

static int
Counter_set_value(Counter *self, PyObject *value, void *closure)
{
    long v;
    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "cannot delete value");
        return -1;
    }
    v = PyInt_AsLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    self->count = v;
    return 0;
}

static PyObject *
Counter_get_doubled(Counter *self, void *closure)
{
    (void)closure;
    return PyInt_FromLong(2 * self->count);
}

static PyGetSetDef Counter_getset[] = {
    {"value", (getter)Counter_get_value, (setter)Counter_set_value, "the count", NULL},
    {"doubled", (getter)Counter_get_doubled, NULL, "twice the count", NULL},
    {NULL}
};

static PyObject *
Counter_repr(Counter *self)
{
    return PyString_FromFormat("Counter(%ld)", self->count);
}

static PyTypeObject CounterType = {
    PyObject_HEAD_INIT(NULL)
    0,                                        /* ob_size */
    "typemod.Counter",                        /* tp_name */
    sizeof(Counter),                          /* tp_basicsize */
    0,                                        /* tp_itemsize */
    0,                                        /* tp_dealloc */
    0,                                        /* tp_print */
    0,                                        /* tp_getattr */
    0,                                        /* tp_setattr */
    0,                                        /* tp_compare */
    (reprfunc)Counter_repr,                   /* tp_repr */
    0,                                        /* tp_as_number */
    0,                                        /* tp_as_sequence */
    0,                                        /* tp_as_mapping */
    0,                                        /* tp_hash */
    0,                                        /* tp_call */
    0,                                        /* tp_str */
    0,                                        /* tp_getattro */
    0,                                        /* tp_setattro */
    0,                                        /* tp_as_buffer */
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, /* tp_flags */
    "Counter(start=0): a count",              /* tp_doc */
    0,                                        /* tp_traverse */
    0,                                        /* tp_clear */
    0,                                        /* tp_richcompare */
    0,                                        /* tp_weaklistoffset */
    0,                                        /* tp_iter */
    0,                                        /* tp_iternext */
    0,                                        /* tp_methods: set in inittypemod */
    0,                                        /* tp_members */
    Counter_getset,                           /* tp_getset */
    0,                                        /* tp_base */
    0,                                        /* tp_dict */
    0,                                        /* tp_descr_get */
    0,                                        /* tp_descr_set */
    0,                                        /* tp_dictoffset */
    (initproc)Counter_init,                   /* tp_init */
};

static PyMethodDef typemod_methods[] = {
    {NULL, NULL, 0, NULL}
};

PyMODINIT_FUNC
inittypemod(void)
{
    PyObject *m;

    CounterType.tp_new = PyType_GenericNew;
    CounterType.tp_methods = Counter_methods;
    if (PyType_Ready(&CounterType) < 0)
        return;
    m = Py_InitModule3("typemod", typemod_methods, "A module with a type.");
    if (m == NULL)
        return;
    Py_INCREF(&CounterType);
    PyModule_AddObject(m, "Counter", (PyObject *)&CounterType);
}
