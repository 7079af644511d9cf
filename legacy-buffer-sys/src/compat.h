/* Python 2's names for what Python 3 still has, so that one C source (the
 * shim, exporter.c, types.c) compiles against either line's headers: str
 * is bytes, and int is long. What Python 3 has no counterpart for (the
 * buffer object, file objects) each user of it handles itself, under
 * LB_PY3. */
#ifndef LEGACY_BUFFER_SYS_COMPAT_H
#define LEGACY_BUFFER_SYS_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifdef Py_GIL_DISABLED
/* Free-threaded builds (3.13t) run Python on threads at once: every
 * borrow rule here rests on the GIL. The build script refuses them first. */
#error "legacy-buffer-sys: a free-threaded Python (Py_GIL_DISABLED) is not supported"
#endif

#if PY_MAJOR_VERSION >= 3
#define LB_PY3 1
#define PyString_Type PyBytes_Type
#define PyString_Check PyBytes_Check
#define PyString_CheckExact PyBytes_CheckExact
#define PyString_AS_STRING PyBytes_AS_STRING
#define PyString_GET_SIZE PyBytes_GET_SIZE
#define PyInt_Check PyLong_Check
/* Python 3's types have what these flags announced on Python 2. */
#define Py_TPFLAGS_CHECKTYPES 0
#define Py_TPFLAGS_HAVE_NEWBUFFER 0
#else
#define LB_PY3 0
#endif

#endif
