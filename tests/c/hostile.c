/*
 * hostile: new-style types whose OLD buffer procs (bf_getreadbuffer,
 * bf_getwritebuffer, bf_getsegcount, bf_getcharbuffer) misbehave in the ways
 * the C API allows, for testing code that consumes the old buffer protocol.
 *
 * Every type is constructed as T() or T(size), owns `size` malloc'd bytes
 * with values i % 256 (size defaults to 16), counts calls of its buffer procs
 * in the read-only attribute `calls`, and returns a str copy of its current
 * storage from contents().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "structmember.h"

#define DEFAULT_SIZE 16
/* What NullPointer claims its NULL buffer holds. */
#define NULL_POINTER_LENGTH 16

typedef struct {
    PyObject_HEAD
    unsigned char *data;
    Py_ssize_t size;
    Py_ssize_t calls;
} Hostile;

/* Replaces the storage with `size` fresh bytes of values i % 256. */
static int
set_storage(Hostile *self, Py_ssize_t size)
{
    unsigned char *data;
    Py_ssize_t i;

    /* malloc(0) may return NULL: always allocate at least one byte. */
    data = realloc(self->data, size > 0 ? (size_t)size : 1);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < size; i++)
        data[i] = (unsigned char)(i % 256);
    self->data = data;
    self->size = size;
    return 0;
}

static PyObject *
hostile_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"size", NULL};
    Py_ssize_t size = DEFAULT_SIZE;
    Hostile *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n", kwlist, &size))
        return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "size must not be negative");
        return NULL;
    }
    self = (Hostile *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->data = NULL;
    self->calls = 0;
    if (set_storage(self, size) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
hostile_dealloc(PyObject *obj)
{
    Hostile *self = (Hostile *)obj;

    free(self->data);
    self->data = NULL;
    Py_TYPE(obj)->tp_free(obj);
}

static PyObject *
hostile_contents(PyObject *obj, PyObject *unused)
{
    Hostile *self = (Hostile *)obj;

    (void)unused;
    return PyString_FromStringAndSize((const char *)self->data, self->size);
}

static PyMethodDef hostile_methods[] = {
    {"contents", hostile_contents, METH_NOARGS,
     "contents() -> str: a copy of the current storage"},
    {NULL, NULL, 0, NULL}
};

static PyMemberDef hostile_members[] = {
    {"calls", T_PYSSIZET, offsetof(Hostile, calls), READONLY,
     "number of buffer proc calls so far"},
    {"size", T_PYSSIZET, offsetof(Hostile, size), READONLY,
     "size of the current storage"},
    {NULL, 0, 0, 0, NULL}
};

/* Well-behaved procs, for the parts of a type that are not hostile. */

static Py_ssize_t
good_segcount(PyObject *obj, Py_ssize_t *lenp)
{
    Hostile *self = (Hostile *)obj;

    self->calls++;
    if (lenp != NULL)
        *lenp = self->size;
    return 1;
}

static Py_ssize_t
good_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    Hostile *self = (Hostile *)obj;

    self->calls++;
    if (segment != 0) {
        PyErr_SetString(PyExc_SystemError, "accessing non-existent buffer segment");
        return -1;
    }
    *ptr = self->data;
    return self->size;
}

/* TwoSegments: two segments, the two halves of the storage. */

static Py_ssize_t
two_segcount(PyObject *obj, Py_ssize_t *lenp)
{
    good_segcount(obj, lenp);
    return 2;
}

static Py_ssize_t
two_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    Hostile *self = (Hostile *)obj;
    Py_ssize_t half = self->size / 2;

    self->calls++;
    if (segment == 0) {
        *ptr = self->data;
        return half;
    }
    if (segment == 1) {
        *ptr = self->data + half;
        return self->size - half;
    }
    PyErr_SetString(PyExc_SystemError, "accessing non-existent buffer segment");
    return -1;
}

static Py_ssize_t
two_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = two_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* NegativeLength: -1 without setting an exception. */

static Py_ssize_t
negative_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = ((Hostile *)obj)->data;
    return -1;
}

static Py_ssize_t
negative_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = (char *)((Hostile *)obj)->data;
    return -1;
}

/* NullPointer: a NULL pointer with a positive length. */

static Py_ssize_t
null_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = NULL;
    return NULL_POINTER_LENGTH;
}

static Py_ssize_t
null_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = NULL;
    return NULL_POINTER_LENGTH;
}

/* Raises: ValueError("hostile: refused") and -1. */

static Py_ssize_t
raises_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    (void)ptr;
    ((Hostile *)obj)->calls++;
    PyErr_SetString(PyExc_ValueError, "hostile: refused");
    return -1;
}

static Py_ssize_t
raises_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    (void)segment;
    (void)ptr;
    ((Hostile *)obj)->calls++;
    PyErr_SetString(PyExc_ValueError, "hostile: refused");
    return -1;
}

/* HugeLength: a valid pointer to the small storage with a length that
   wrapped around to negative as a Py_ssize_t (PY_SSIZE_T_MIN + 1). */

#define HUGE_LENGTH ((Py_ssize_t)((size_t)PY_SSIZE_T_MAX + 2))

static Py_ssize_t
huge_segcount(PyObject *obj, Py_ssize_t *lenp)
{
    ((Hostile *)obj)->calls++;
    if (lenp != NULL)
        *lenp = HUGE_LENGTH;
    return 1;
}

static Py_ssize_t
huge_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = ((Hostile *)obj)->data;
    return HUGE_LENGTH;
}

static Py_ssize_t
huge_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = huge_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* Resizing: every proc call (segcount too) reallocs the storage one byte
   larger, refilled with i % 256, so earlier pointers and lengths go stale. */

static Py_ssize_t
resizing_segcount(PyObject *obj, Py_ssize_t *lenp)
{
    Hostile *self = (Hostile *)obj;

    self->calls++;
    /* segcount cannot report errors: on failure keep the old storage. */
    if (set_storage(self, self->size + 1) < 0)
        PyErr_Clear();
    if (lenp != NULL)
        *lenp = self->size;
    return 1;
}

static Py_ssize_t
resizing_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    Hostile *self = (Hostile *)obj;

    self->calls++;
    if (segment != 0) {
        PyErr_SetString(PyExc_SystemError, "accessing non-existent buffer segment");
        return -1;
    }
    if (set_storage(self, self->size + 1) < 0)
        return -1;
    *ptr = self->data;
    return self->size;
}

static Py_ssize_t
resizing_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = resizing_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* NullEmpty: a NULL pointer with length 0, a legitimate empty buffer. */

static Py_ssize_t
null_empty_segcount(PyObject *obj, Py_ssize_t *lenp)
{
    ((Hostile *)obj)->calls++;
    if (lenp != NULL)
        *lenp = 0;
    return 1;
}

static Py_ssize_t
null_empty_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = NULL;
    return 0;
}

static Py_ssize_t
null_empty_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = NULL;
    return 0;
}

/* Stray: good procs that succeed but leave KeyError('stray') set, a C bug
   CPython's own functions pass on to their callers; while set_strays(False)
   is in effect, they behave. */

static int strays = 1;

static Py_ssize_t
stray_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    Py_ssize_t len = good_readbuffer(obj, segment, ptr);

    if (len >= 0 && strays)
        PyErr_SetString(PyExc_KeyError, "stray");
    return len;
}

static Py_ssize_t
stray_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = stray_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* Enormous: the storage with length PY_SSIZE_T_MAX, a length no copy can
   be allocated for (and which only the first `size` bytes back). */

static Py_ssize_t
enormous_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    (void)segment;
    ((Hostile *)obj)->calls++;
    *ptr = ((Hostile *)obj)->data;
    return PY_SSIZE_T_MAX;
}

static Py_ssize_t
enormous_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = enormous_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* Gathering: every read, write or char proc call moves the storage, as it
   is, to a freshly allocated block and frees the old one, as a type that
   gathers scattered storage into one contiguous block whenever asked would:
   legal C (the old protocol promises nothing past the call), and each
   pointer it gave before dangles once it is asked again. The new block is
   allocated before the old is freed, so that it is never at the same
   address. */

static Py_ssize_t
gathering_readbuffer(PyObject *obj, Py_ssize_t segment, void **ptr)
{
    Hostile *self = (Hostile *)obj;
    unsigned char *fresh;

    self->calls++;
    if (segment != 0) {
        PyErr_SetString(PyExc_SystemError, "accessing non-existent buffer segment");
        return -1;
    }
    fresh = malloc(self->size > 0 ? (size_t)self->size : 1);
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(fresh, self->data, (size_t)self->size);
    free(self->data);
    self->data = fresh;
    *ptr = self->data;
    return self->size;
}

static Py_ssize_t
gathering_charbuffer(PyObject *obj, Py_ssize_t segment, char **ptr)
{
    void *p = NULL;
    Py_ssize_t len = gathering_readbuffer(obj, segment, &p);

    *ptr = p;
    return len;
}

/* Read, write, segcount and char procs, in PyBufferProcs order. */
static PyBufferProcs two_segments_procs = {
    two_readbuffer, two_readbuffer, two_segcount, two_charbuffer, NULL, NULL};
static PyBufferProcs negative_length_procs = {
    negative_readbuffer, negative_readbuffer, good_segcount, negative_charbuffer, NULL, NULL};
static PyBufferProcs null_pointer_procs = {
    null_readbuffer, null_readbuffer, good_segcount, null_charbuffer, NULL, NULL};
static PyBufferProcs raises_procs = {
    raises_readbuffer, raises_readbuffer, good_segcount, raises_charbuffer, NULL, NULL};
static PyBufferProcs no_char_buffer_procs = {
    good_readbuffer, good_readbuffer, good_segcount, NULL, NULL, NULL};
static PyBufferProcs huge_length_procs = {
    huge_readbuffer, huge_readbuffer, huge_segcount, huge_charbuffer, NULL, NULL};
static PyBufferProcs resizing_procs = {
    resizing_readbuffer, resizing_readbuffer, resizing_segcount, resizing_charbuffer, NULL, NULL};
static PyBufferProcs stray_procs = {
    stray_readbuffer, stray_readbuffer, good_segcount, stray_charbuffer, NULL, NULL};
static PyBufferProcs enormous_procs = {
    enormous_readbuffer, enormous_readbuffer, good_segcount, enormous_charbuffer, NULL, NULL};
static PyBufferProcs gathering_procs = {
    gathering_readbuffer, gathering_readbuffer, good_segcount, gathering_charbuffer, NULL, NULL};
static PyBufferProcs null_empty_procs = {
    null_empty_readbuffer, null_empty_readbuffer, null_empty_segcount, null_empty_charbuffer,
    NULL, NULL};

/* The types differ only in name, doc and buffer procs.
   Py_TPFLAGS_DEFAULT includes Py_TPFLAGS_HAVE_GETCHARBUFFER. */
#define HOSTILE_TYPE(var, name, procs, doc)                                  \
    static PyTypeObject var = {                                              \
        PyVarObject_HEAD_INIT(NULL, 0)                                       \
        .tp_name = "hostile." name,                                          \
        .tp_basicsize = sizeof(Hostile),                                     \
        .tp_dealloc = hostile_dealloc,                                       \
        .tp_as_buffer = &procs,                                              \
        .tp_flags = Py_TPFLAGS_DEFAULT,                                      \
        .tp_doc = doc,                                                       \
        .tp_methods = hostile_methods,                                       \
        .tp_members = hostile_members,                                       \
        .tp_new = hostile_new,                                               \
    }

HOSTILE_TYPE(TwoSegments_Type, "TwoSegments", two_segments_procs,
             "segcount returns 2: the halves of the storage are two segments");
HOSTILE_TYPE(NegativeLength_Type, "NegativeLength", negative_length_procs,
             "read/char/write procs return -1 without setting an exception");
HOSTILE_TYPE(NullPointer_Type, "NullPointer", null_pointer_procs,
             "read/char/write procs give a NULL pointer and length 16");
HOSTILE_TYPE(Raises_Type, "Raises", raises_procs,
             "read/char/write procs raise ValueError('hostile: refused')");
HOSTILE_TYPE(NoCharBuffer_Type, "NoCharBuffer", no_char_buffer_procs,
             "good read and write procs, no bf_getcharbuffer");
HOSTILE_TYPE(HugeLength_Type, "HugeLength", huge_length_procs,
             "procs give the storage with length PY_SSIZE_T_MAX + 2, "
             "negative once wrapped");
HOSTILE_TYPE(Resizing_Type, "Resizing", resizing_procs,
             "every proc call reallocs the storage one byte larger");
HOSTILE_TYPE(Gathering_Type, "Gathering", gathering_procs,
             "every read, write or char proc call moves the storage to a fresh block");
HOSTILE_TYPE(NullEmpty_Type, "NullEmpty", null_empty_procs,
             "procs give a NULL pointer and length 0 (a legitimate empty buffer)");
HOSTILE_TYPE(Stray_Type, "Stray", stray_procs,
             "procs succeed but leave KeyError('stray') set");
HOSTILE_TYPE(Enormous_Type, "Enormous", enormous_procs,
             "procs give the storage with length PY_SSIZE_T_MAX");

static struct {
    const char *name;
    PyTypeObject *type;
} hostile_types[] = {
    {"TwoSegments", &TwoSegments_Type},
    {"NegativeLength", &NegativeLength_Type},
    {"NullPointer", &NullPointer_Type},
    {"Raises", &Raises_Type},
    {"NoCharBuffer", &NoCharBuffer_Type},
    {"HugeLength", &HugeLength_Type},
    {"Resizing", &Resizing_Type},
    {"Gathering", &Gathering_Type},
    {"NullEmpty", &NullEmpty_Type},
    {"Stray", &Stray_Type},
    {"Enormous", &Enormous_Type},
};

/* The test oracle for bytearray's export counter (a C int nothing checks):
   exports(ba) reads it, set_exports(ba, n) overwrites it, so that a test
   can put it next to its limit without leaking two billion borrows. Not on
   PyPy, whose bytearray has no such counter. */
#ifndef PYPY_VERSION

static PyObject *
hostile_exports(PyObject *module, PyObject *args)
{
    PyObject *ba;

    (void)module;
    if (!PyArg_ParseTuple(args, "O!:exports", &PyByteArray_Type, &ba))
        return NULL;
    return PyInt_FromLong(((PyByteArrayObject *)ba)->ob_exports);
}

static PyObject *
hostile_set_exports(PyObject *module, PyObject *args)
{
    PyObject *ba;
    int n;

    (void)module;
    if (!PyArg_ParseTuple(args, "O!i:set_exports", &PyByteArray_Type, &ba, &n))
        return NULL;
    ((PyByteArrayObject *)ba)->ob_exports = n;
    Py_RETURN_NONE;
}
#endif

static PyObject *
hostile_set_strays(PyObject *module, PyObject *args)
{
    int on;

    (void)module;
    if (!PyArg_ParseTuple(args, "i:set_strays", &on))
        return NULL;
    strays = on;
    Py_RETURN_NONE;
}

/* Returns None with KeyError('left set') set: the bug of Stray's procs in a
   plain function, which Python code calling it passes on. */
static PyObject *
hostile_leave_exception(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    PyErr_SetString(PyExc_KeyError, "left set");
    Py_RETURN_NONE;
}

static PyMethodDef hostile_functions[] = {
    {"set_strays", hostile_set_strays, METH_VARARGS,
     "set_strays(on): whether Stray's procs leave their exception set"},
    {"leave_exception", hostile_leave_exception, METH_NOARGS,
     "leave_exception() -> None, with KeyError('left set') left set"},
#ifndef PYPY_VERSION
    {"exports", hostile_exports, METH_VARARGS,
     "exports(bytearray) -> int: its export counter (ob_exports)"},
    {"set_exports", hostile_set_exports, METH_VARARGS,
     "set_exports(bytearray, n): overwrite its export counter"},
#endif
    {NULL, NULL, 0, NULL}
};

PyMODINIT_FUNC
inithostile(void)
{
    PyObject *module;
    size_t i;

    /* A borrowed reference. */
    module = Py_InitModule3("hostile", hostile_functions,
                            "Types whose old buffer procs misbehave, for tests.");
    if (module == NULL)
        return;
    for (i = 0; i < sizeof hostile_types / sizeof hostile_types[0]; i++) {
        PyTypeObject *type = hostile_types[i].type;
        if (PyType_Ready(type) < 0)
            return;
        Py_INCREF(type);
        if (PyModule_AddObject(module, hostile_types[i].name, (PyObject *)type) < 0)
            return;
    }
}
