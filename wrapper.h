/* What legacy-buffer-sys binds: CPython's public C API (2.7, or 3.9 to
 * 3.13) with 64-bit Py_ssize_t lengths (PY_SSIZE_T_CLEAN makes the "#"
 * formats of PyArg_ParseTuple take Py_ssize_t too, as our C test modules
 * expect). legacy-buffer-sys/wrapper.h is a link to this file, so the
 * packaged crate carries it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX >= 0x030D0000
/* Python 3.13 removed the old buffer protocol's four functions from
 * abstract.h but still exports them from libpython, for the stable ABI:
 * declared here as 3.12's abstract.h declared them. */
PyAPI_FUNC(int) PyObject_AsCharBuffer(PyObject *obj, const char **buffer, Py_ssize_t *buffer_len);
PyAPI_FUNC(int) PyObject_CheckReadBuffer(PyObject *obj);
PyAPI_FUNC(int) PyObject_AsReadBuffer(PyObject *obj, const void **buffer, Py_ssize_t *buffer_len);
PyAPI_FUNC(int) PyObject_AsWriteBuffer(PyObject *obj, void **buffer, Py_ssize_t *buffer_len);
#endif
