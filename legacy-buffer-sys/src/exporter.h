/* legacy-buffer's hot path (exporter.c): borrowing an object's memory
 * through the old buffer protocol and classifying it, lending it to a
 * no-Python scope, and giving a pin back. Not an API of its own: the safe
 * crate legacy-buffer is its one user, and documents the rules. Declared
 * here so that bindgen binds exactly these signatures. */
#ifndef LEGACY_BUFFER_SYS_EXPORTER_H
#define LEGACY_BUFFER_SYS_EXPORTER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "compat.h"

/* Which of the old protocol's functions: PyObject_AsCharBuffer,
 * PyObject_AsReadBuffer, PyObject_AsWriteBuffer. */
enum { LBSYS_CHAR = 0, LBSYS_READ = 1, LBSYS_WRITE = 2 };

/* What a borrow returns: the kind of memory (>= 0), or why it failed (< 0):
 * LBSYS_ERROR (an exception is set, or the exporter failed without one),
 * LBSYS_STRAY (the exporter's proc succeeded but left an exception set),
 * LBSYS_NULL_WITH_LENGTH (it gave a NULL pointer with a non-zero length,
 * stored in *len). On Python 3 (exporter3.c), where the old protocol's
 * functions take a new-protocol export and release it before returning,
 * no pointer C could give is pinned by anything but an export held while
 * it is used: LBSYS_TAKE_EXPORT (nothing done, no exception set) tells
 * the caller to take one (PyObject_GetBuffer) and hold it, having asked
 * lbsys_export_pins whether it keeps the memory in place. */
enum {
    LBSYS_TAKE_EXPORT = -10,
    LBSYS_NULL_WITH_LENGTH = -3,
    LBSYS_STRAY = -2,
    LBSYS_ERROR = -1,
    LBSYS_IMMUTABLE = 0,
    LBSYS_PINNED = 1,
    LBSYS_UNPINNED = 2
};

/* Memory an exporter gave, by value: on failure, len is one of the codes
 * above, and for LBSYS_NULL_WITH_LENGTH ptr holds the length reported. On
 * success ptr is never NULL (an empty buffer gets a dangling, aligned
 * pointer) and len never negative. */
typedef struct {
    void *ptr;
    Py_ssize_t len;
} lbsys_lent;

/* Borrow o's memory for one of the functions; a LBSYS_PINNED borrow must be
 * given back with lbsys_unpin while o lives. GIL held. */
int lbsys_borrow_char(PyObject *o, void **ptr, Py_ssize_t *len);
int lbsys_borrow_read(PyObject *o, void **ptr, Py_ssize_t *len);
int lbsys_borrow_write(PyObject *o, void **ptr, Py_ssize_t *len);

/* Give back a LBSYS_PINNED borrow. */
void lbsys_unpin(PyObject *o);

/* The function for mode (LBSYS_CHAR, ...) asked again, for an Unpinned
 * buffer: 0, or a failure code. */
int lbsys_ask_again(PyObject *o, int mode, void **ptr, Py_ssize_t *len);

/* o's memory for a no-Python scope, whatever the exporter. */
lbsys_lent lbsys_lend_char(PyObject *o);
lbsys_lent lbsys_lend_read(PyObject *o);
lbsys_lent lbsys_lend_write(PyObject *o);

/* Whether o's type has a character-buffer proc. Runs no code. */
int lbsys_offers_char(PyObject *o);

/* PyArg_ParseTuple's units that borrow (legacy-buffer's argument parser). */
enum {
    LBSYS_ARG_STRING = 0,     /* s, z: str or unicode (default-encoded) only */
    LBSYS_ARG_READ = 1,       /* s#, z# */
    LBSYS_ARG_READ_VIEW = 2,  /* s*, z* */
    LBSYS_ARG_CHAR = 3,       /* t# */
    LBSYS_ARG_WRITE = 4,      /* w# */
    LBSYS_ARG_WRITE_VIEW = 5, /* w* */
    LBSYS_ARG_BYTES = 6,      /* Python 3's y, y#: a read-only bytes-like object */
    LBSYS_ARG_BYTES_VIEW = 7  /* Python 3's y*: any bytes-like object */
};
/* What lbsys_arg returns besides LBSYS_IMMUTABLE, LBSYS_UNPINNED and the
 * borrow failures (LBSYS_ERROR, LBSYS_STRAY, LBSYS_NULL_WITH_LENGTH): the
 * unit takes a view through the new protocol (PyObject_GetBuffer), which
 * the caller makes; or why getargs.c refuses the object. */
enum {
    LBSYS_ARG_EXPORT = 3,
    LBSYS_ARG_NOT_STRING = -4, /* s, z: neither str nor unicode */
    LBSYS_ARG_NO_BUFFER = -5,  /* s*, z*: no tp_as_buffer at all */
    LBSYS_ARG_NO_PROC = -6,    /* no proc for the unit (or a release proc for s#) */
    LBSYS_ARG_SEGMENTS = -7,   /* bf_getsegcount is not 1 */
    LBSYS_ARG_RELEASE = -8,    /* t#, w#: a release proc (a pinned buffer) */
    LBSYS_ARG_ENCODE = -9      /* unicode that the default encoding refused */
};

/* The memory the unit gives for o, as getargs.c's checks and proc call
 * give it; nothing is pinned. */
int lbsys_arg(PyObject *o, int unit, void **ptr, Py_ssize_t *len);

/* Whether a new-protocol export of o keeps its memory in place while it
 * is held, as the exporter's bf_getbuffer promises (never its name): 1 for
 * bytearray, types defined in Rust (types.c), on Python 3 bytes,
 * array.array and mmap.mmap too, and a memoryview of any of those; 0 for
 * every other exporter (ctypes' resize() reallocates under an export; a
 * Python class's __buffer__ exports what it likes), whose memory is asked
 * for again at each use, and for everything on PyPy. Call it right before
 * PyObject_GetBuffer, with no Python code run in between: on Python 3 it
 * may run some itself (it looks in sys.modules), before it reads o's
 * proc. */
int lbsys_export_pins(PyObject *o);

/* Before a new-protocol view of o: 0, or -1 with BufferError set when o (or
 * the object a memoryview o views) is a bytearray already counting the
 * exports a borrow stops at. */
int lbsys_may_export(PyObject *o);

/* The object whose buffer procs give o's memory when o is asked: o itself,
 * or for a buffer object the object it views. A no-Python scope asks each
 * such object once. Runs no code. */
PyObject *lbsys_asked_exporter(PyObject *o);

#endif
