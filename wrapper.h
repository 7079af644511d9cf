/* What legacy-buffer-sys binds: CPython 2.7's public C API with 64-bit
 * Py_ssize_t lengths (PY_SSIZE_T_CLEAN makes the "#" formats of
 * PyArg_ParseTuple take Py_ssize_t too, as our C test modules expect).
 * legacy-buffer-sys/wrapper.h is a link to this file, so the packaged crate
 * carries it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
