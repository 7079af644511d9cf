#include "shim.h"

void lbsys_Py_INCREF(PyObject *o) { Py_INCREF(o); }
void lbsys_Py_DECREF(PyObject *o) { Py_DECREF(o); }
void lbsys_Py_XINCREF(PyObject *o) { Py_XINCREF(o); }
void lbsys_Py_XDECREF(PyObject *o) { Py_XDECREF(o); }
Py_ssize_t lbsys_Py_REFCNT(PyObject *o) { return Py_REFCNT(o); }

PyTypeObject *lbsys_Py_TYPE(PyObject *o) { return Py_TYPE(o); }
const char *lbsys_Py_TYPE_NAME(PyObject *o) { return Py_TYPE(o)->tp_name; }
int lbsys_PyString_Check(PyObject *o) { return PyString_Check(o); }
int lbsys_PyString_CheckExact(PyObject *o) { return PyString_CheckExact(o); }
int lbsys_PyByteArray_Check(PyObject *o) { return PyByteArray_Check(o); }
int lbsys_PyByteArray_CheckExact(PyObject *o) { return PyByteArray_CheckExact(o); }
int lbsys_PyUnicode_Check(PyObject *o) { return PyUnicode_Check(o); }
#if LB_PY3
int lbsys_PyBuffer_Check(PyObject *o)
{
    (void)o;
    return 0;
}
#else
int lbsys_PyBuffer_Check(PyObject *o) { return PyBuffer_Check(o); }
#endif
int lbsys_PyTuple_Check(PyObject *o) { return PyTuple_Check(o); }
PyObject **lbsys_tuple_items(PyObject *o, Py_ssize_t *len)
{
    if (o == NULL || !PyTuple_Check(o)) {
        *len = 0;
        return NULL;
    }
    *len = PyTuple_GET_SIZE(o);
    return &PyTuple_GET_ITEM(o, 0);
}
int lbsys_PyInt_Check(PyObject *o) { return PyInt_Check(o); }
int lbsys_exact_int(PyObject *o, long *value)
{
#if LB_PY3
    if (PyLong_CheckExact(o)) {
        int overflow;
        /* Cannot fail for an exact int: no __index__ is called. */
        *value = PyLong_AsLongAndOverflow(o, &overflow);
        return overflow == 0;
    }
#elif !defined(PYPY_VERSION)
    if (PyInt_CheckExact(o)) {
        *value = PyInt_AS_LONG(o);
        return 1;
    }
#else
    (void)o;
    (void)value;
#endif
    return 0;
}
int lbsys_PyLong_Check(PyObject *o) { return PyLong_Check(o); }
int lbsys_PyFloat_Check(PyObject *o) { return PyFloat_Check(o); }
int lbsys_PyDict_Check(PyObject *o) { return PyDict_Check(o); }
int lbsys_PyList_Check(PyObject *o) { return PyList_Check(o); }
int lbsys_PyBool_Check(PyObject *o) { return PyBool_Check(o); }
int lbsys_PyComplex_Check(PyObject *o) { return PyComplex_Check(o); }
#if LB_PY3
int lbsys_PyFile_Check(PyObject *o)
{
    (void)o;
    return 0;
}
#else
int lbsys_PyFile_Check(PyObject *o) { return PyFile_Check(o); }
#endif
int lbsys_PySlice_Check(PyObject *o) { return PySlice_Check(o); }
int lbsys_PyIndex_Check(PyObject *o) { return PyIndex_Check(o); }
int lbsys_PyIter_Check(PyObject *o) { return PyIter_Check(o); }
void lbsys_slice_parts(PyObject *slice, PyObject **start, PyObject **stop, PyObject **step)
{
    PySliceObject *s = (PySliceObject *)slice;
    *start = s->start;
    *stop = s->stop;
    *step = s->step;
}
int lbsys_PyType_Check(PyObject *o) { return PyType_Check(o); }
const char *lbsys_PyType_NAME(PyTypeObject *type) { return type->tp_name; }
int lbsys_PyObject_CheckBuffer(PyObject *o) { return PyObject_CheckBuffer(o); }
int lbsys_PyExceptionClass_Check(PyObject *o) { return PyExceptionClass_Check(o); }
#ifndef PYPY_VERSION
const char *lbsys_PyExceptionClass_Name(PyObject *o) { return PyExceptionClass_Name(o); }
#else
/* PyPy's headers have no PyExceptionClass_Name. A type's tp_name is kept
 * by cpyext for as long as the type lives; a classic class keeps its name
 * only as an interpreter-level string, with no C string to point to. */
const char *lbsys_PyExceptionClass_Name(PyObject *o)
{
    return PyType_Check(o) ? ((PyTypeObject *)o)->tp_name : NULL;
}
#endif

PyObject *lbsys_Py_None(void) { return Py_None; }
PyObject *lbsys_Py_NotImplemented(void) { return Py_NotImplemented; }

char *lbsys_PyString_AS_STRING(PyObject *o) { return PyString_AS_STRING(o); }
Py_ssize_t lbsys_PyString_GET_SIZE(PyObject *o) { return PyString_GET_SIZE(o); }

#if LB_PY3
int lbsys_native_str_Check(PyObject *o) { return PyUnicode_Check(o); }
const char *lbsys_native_str_text(PyObject *o, Py_ssize_t *len)
{
    if (!PyUnicode_Check(o))
        return NULL;
    return PyUnicode_AsUTF8AndSize(o, len);
}
#else
int lbsys_native_str_Check(PyObject *o) { return PyString_Check(o); }
const char *lbsys_native_str_text(PyObject *o, Py_ssize_t *len)
{
    if (!PyString_Check(o))
        return NULL;
    *len = PyString_GET_SIZE(o);
    return PyString_AS_STRING(o);
}
#endif

PyObject *lbsys_PyUnicode_FromStringAndSize(const char *u, Py_ssize_t size)
{
    return PyUnicode_FromStringAndSize(u, size);
}
PyObject *lbsys_PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
{
    return PyUnicode_DecodeUTF8(s, size, errors);
}
PyObject *lbsys_PyUnicode_AsUTF8String(PyObject *unicode) { return PyUnicode_AsUTF8String(unicode); }

PyObject *lbsys_PyRun_String(const char *str, int start, PyObject *globals, PyObject *locals)
{
    return PyRun_String(str, start, globals, locals);
}
int lbsys_PyRun_SimpleString(const char *command) { return PyRun_SimpleString(command); }

#if LB_PY3
PyObject *lbsys_Py_InitModule4(const char *name, PyMethodDef *methods, const char *doc,
                               PyObject *self, int apiver)
{
    PyModuleDef *def;
    (void)self;
    def = PyMem_RawCalloc(1, sizeof(PyModuleDef));
    if (def == NULL)
        return PyErr_NoMemory();
    /* PyModuleDef_HEAD_INIT's fields, copied: its initialiser only serves
     * a static definition. */
    {
        PyModuleDef head = {PyModuleDef_HEAD_INIT, NULL, NULL, -1, NULL, NULL, NULL, NULL, NULL};
        *def = head;
    }
    def->m_name = name;
    def->m_doc = doc;
    def->m_size = -1;
    def->m_methods = methods;
    return PyModule_Create2(def, apiver);
}
PyObject *lbsys_Py_InitModule(const char *name, PyMethodDef *methods)
{
    return lbsys_Py_InitModule4(name, methods, NULL, NULL, PYTHON_API_VERSION);
}
#else
PyObject *lbsys_Py_InitModule4(const char *name, PyMethodDef *methods, const char *doc,
                               PyObject *self, int apiver)
{
    return Py_InitModule4(name, methods, doc, self, apiver);
}
PyObject *lbsys_Py_InitModule(const char *name, PyMethodDef *methods)
{
    return Py_InitModule(name, methods);
}
#endif

#if LB_PY3
int lbsys_in_main_interpreter(void) { return PyInterpreterState_Get() == PyInterpreterState_Main(); }
#else
int lbsys_in_main_interpreter(void) { return 1; }
#endif

#if LB_PY3
int lbsys_threads_initialized(void) { return 1; }
#else
int lbsys_threads_initialized(void) { return PyEval_ThreadsInitialized(); }
#endif

#ifndef PYPY_VERSION
int lbsys_gil_held(void)
{
    /* The thread state of this OS thread (NULL if Python never saw it) is the
     * current one exactly when this thread holds the GIL. */
    PyThreadState *mine = PyGILState_GetThisThreadState();
#if PY_VERSION_HEX >= 0x030D0000
    return mine != NULL && mine == PyThreadState_GetUnchecked();
#elif LB_PY3
    return mine != NULL && mine == _PyThreadState_UncheckedGet();
#else
    return mine != NULL && mine == _PyThreadState_Current;
#endif
}

int lbsys_initialize_embedded(void)
{
    Py_InitializeEx(0);
#if !LB_PY3
    /* Python 3.7 and later make the GIL in Py_Initialize. */
    PyEval_InitThreads();
#endif
    PyEval_SaveThread();
    return 0;
}
#else
/* cpyext has neither PyGILState_GetThisThreadState nor the current thread
 * state as data (_PyThreadState_Current): it cannot be asked whether this
 * thread holds the GIL. */
int lbsys_gil_held(void) { return -1; }

/* PyPy runs C only as extension modules of the pypy that loads them:
 * libpypy-c has no Py_Initialize. */
int lbsys_initialize_embedded(void) { return -1; }
#endif

size_t lbsys_sizeof_Py_buffer(void) { return sizeof(Py_buffer); }
size_t lbsys_sizeof_PyObject(void) { return sizeof(PyObject); }
