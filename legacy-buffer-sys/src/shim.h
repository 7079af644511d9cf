/* Real functions for what CPython 2.7 offers only as macros (or under
 * build-dependent names), so one Rust source serves release and debug
 * builds, and PyPy's cpyext: the shim is compiled with cc against the same
 * headers bindgen read. Every name starts with lbsys_; the Rust crate
 * re-exports each without it, under the macro's own name (the build script
 * reads the list from this header: declare each function on one line as
 * `type lbsys_name(`). Where an implementation lacks
 * what a body needs (PyPy has no _PyThreadState_Current, no
 * PyGILState_GetThisThreadState, no Py_InitializeEx), its body is its own
 * (#ifdef PYPY_VERSION) and says so through its result. */
#ifndef LEGACY_BUFFER_SYS_SHIM_H
#define LEGACY_BUFFER_SYS_SHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "compat.h"
#include "exporter.h"
#include "types.h"

/* Reference counting (object.h). */
void lbsys_Py_INCREF(PyObject *o);
void lbsys_Py_DECREF(PyObject *o);
void lbsys_Py_XINCREF(PyObject *o);
void lbsys_Py_XDECREF(PyObject *o);
Py_ssize_t lbsys_Py_REFCNT(PyObject *o);

/* Types. */
PyTypeObject *lbsys_Py_TYPE(PyObject *o);
/* tp_name of the object's type (PyTypeObject is opaque to Rust). */
const char *lbsys_Py_TYPE_NAME(PyObject *o);
/* On Python 3, PyString_* is PyBytes_* (str in Python 2 is bytes), and
 * PyInt_Check is PyLong_Check (Python 3's one int type); PyBuffer_Check
 * and PyFile_Check are 0 (neither the buffer object nor the file type is
 * there). */
int lbsys_PyString_Check(PyObject *o);
int lbsys_PyString_CheckExact(PyObject *o);
int lbsys_PyByteArray_Check(PyObject *o);
int lbsys_PyByteArray_CheckExact(PyObject *o);
int lbsys_PyUnicode_Check(PyObject *o);
int lbsys_PyBuffer_Check(PyObject *o);
int lbsys_PyTuple_Check(PyObject *o);
/* A tuple's items (ob_item) and, in *len, how many; NULL and 0 for
 * anything but a tuple. One call where PyTuple_Check, PyTuple_Size and
 * PyTuple_GetItem would be three, with checks of their own. */
PyObject **lbsys_tuple_items(PyObject *o, Py_ssize_t *len);
int lbsys_PyInt_Check(PyObject *o);
/* An exact int's value, as PyInt_AS_LONG reads it: 1 and *value stored for
 * an int (not a subclass, whose __int__ may say otherwise), 0 for anything
 * else. What PyInt_AsLong and its kin give for an exact int, without their
 * checks: the argument parser's fast path for its integer units. Always 0
 * on PyPy, whose ints are read through cpyext's functions. On Python 3,
 * for an exact int that fits a C long (and 0 for a larger one). */
int lbsys_exact_int(PyObject *o, long *value);
int lbsys_PyLong_Check(PyObject *o);
int lbsys_PyFloat_Check(PyObject *o);
int lbsys_PyDict_Check(PyObject *o);
int lbsys_PyList_Check(PyObject *o);
int lbsys_PyBool_Check(PyObject *o);
int lbsys_PyComplex_Check(PyObject *o);
int lbsys_PyFile_Check(PyObject *o);
int lbsys_PySlice_Check(PyObject *o);
int lbsys_PyIndex_Check(PyObject *o);
int lbsys_PyIter_Check(PyObject *o);
/* A slice's start, stop and step (borrowed: slices are immutable). */
void lbsys_slice_parts(PyObject *slice, PyObject **start, PyObject **stop, PyObject **step);
int lbsys_PyType_Check(PyObject *o);
/* tp_name of a type object. */
const char *lbsys_PyType_NAME(PyTypeObject *type);
int lbsys_PyObject_CheckBuffer(PyObject *o);
int lbsys_PyExceptionClass_Check(PyObject *o);
/* The class's name, owned by the class; NULL where the implementation keeps
 * none as a C string (a classic class on PyPy: ask for __name__). */
const char *lbsys_PyExceptionClass_Name(PyObject *o);

/* Singletons. */
PyObject *lbsys_Py_None(void);
PyObject *lbsys_Py_NotImplemented(void);

/* str internals (stringobject.h). */
char *lbsys_PyString_AS_STRING(PyObject *o);
Py_ssize_t lbsys_PyString_GET_SIZE(PyObject *o);

/* The native str, the type repr(), str() and names are (PEP 3333's term):
 * Python 2's str (bytes), Python 3's str (text). Check: whether o is one
 * (a subclass too). Text: what it holds, as C reads it: Python 2's bytes,
 * Python 3's UTF-8 (cached in the str, kept as long as it lives), and the
 * length in *len; NULL for anything else (no exception set), or, on
 * Python 3, with UnicodeEncodeError set for a str that UTF-8 cannot encode
 * (lone surrogates). */
int lbsys_native_str_Check(PyObject *o);
const char *lbsys_native_str_text(PyObject *o, Py_ssize_t *len);

/* unicode: renamed to PyUnicodeUCS2_* or PyUnicodeUCS4_* by the headers. */
PyObject *lbsys_PyUnicode_FromStringAndSize(const char *u, Py_ssize_t size);
PyObject *lbsys_PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors);
PyObject *lbsys_PyUnicode_AsUTF8String(PyObject *unicode);

/* Running code (pythonrun.h macros over the *Flags functions). */
PyObject *lbsys_PyRun_String(const char *str, int start, PyObject *globals, PyObject *locals);
int lbsys_PyRun_SimpleString(const char *command);

/* Extension modules: Py_InitModule4 is renamed to Py_InitModule4_64 or
 * Py_InitModule4TraceRefs_64 depending on the build. On Python 3, which
 * has neither, the module is made as PyModule_Create2 makes it, from a
 * PyModuleDef allocated here and never freed (as a C module's is static),
 * and is a NEW reference (not added to sys.modules: the import system does
 * that with what PyInit_<name> returns). */
PyObject *lbsys_Py_InitModule4(const char *name, PyMethodDef *methods, const char *doc,
                               PyObject *self, int apiver);
PyObject *lbsys_Py_InitModule(const char *name, PyMethodDef *methods);

/* Whether the calling thread holds the GIL (Python 2.7 has no
 * PyGILState_Check, and Python 3's answers 1 whenever its check is off):
 * 1 or 0 on CPython; -1 on PyPy, which cannot say (the
 * caller keeps count of the GIL it took and gave up itself). */
int lbsys_gil_held(void);

/* Whether the calling thread runs the main interpreter: always 1 on
 * Python 2 (its subinterpreters share one GIL); on Python 3, where 3.12's
 * subinterpreters may each have a GIL of their own, whether the current
 * one is the main one. */
int lbsys_in_main_interpreter(void);

/* Whether the GIL exists (PyEval_ThreadsInitialized, which Python 3.13
 * removed): Python 2.7 makes it lazily, Python 3.7 and later always in
 * Py_Initialize, so 1 there. */
int lbsys_threads_initialized(void);

/* Embedding: start the interpreter without signal handlers, with thread
 * support, and give up the GIL (so that any thread may take it): 0. -1,
 * doing nothing, where the interpreter cannot be embedded so (PyPy). Once,
 * before any other call, on an interpreter that is not running. */
int lbsys_initialize_embedded(void);

/* Layout facts, for checking the Rust bindings against the C compiler. */
size_t lbsys_sizeof_Py_buffer(void);
size_t lbsys_sizeof_PyObject(void);

#endif
