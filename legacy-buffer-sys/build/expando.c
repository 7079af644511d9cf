/* Run through the C preprocessor only (never compiled): each line the build
 * script looks for starts with LBSYS_ and carries what the headers themselves
 * say, so the configuration never depends on how the headers were found. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

LBSYS_VERSION PY_MAJOR_VERSION PY_MINOR_VERSION PY_MICRO_VERSION PY_RELEASE_LEVEL PY_RELEASE_SERIAL
LBSYS_SIZEOF_SIZE_T SIZEOF_SIZE_T
LBSYS_UNICODE_SIZE Py_UNICODE_SIZE
#ifdef Py_DEBUG
LBSYS_PY_DEBUG
#endif
#ifdef Py_TRACE_REFS
LBSYS_PY_TRACE_REFS
#endif
#ifdef Py_REF_DEBUG
LBSYS_PY_REF_DEBUG
#endif
#ifdef PYPY_VERSION
LBSYS_PYPY PYPY_VERSION
#endif
#ifdef Py_GIL_DISABLED
LBSYS_GIL_DISABLED
#endif
