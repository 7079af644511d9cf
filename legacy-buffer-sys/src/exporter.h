/* legacy-buffer's hot path (exporter.c): borrowing an object's memory
 * through the old buffer protocol and classifying it, lending it to a
 * no-Python scope, and giving a pin back. Not an API of its own: the safe
 * crate legacy-buffer is its one user, and documents the rules. Declared
 * here so that bindgen binds exactly these signatures. */
#ifndef LEGACY_BUFFER_SYS_EXPORTER_H
#define LEGACY_BUFFER_SYS_EXPORTER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Which of the old protocol's functions: PyObject_AsCharBuffer,
 * PyObject_AsReadBuffer, PyObject_AsWriteBuffer. */
enum { LBSYS_CHAR = 0, LBSYS_READ = 1, LBSYS_WRITE = 2 };

/* What a borrow returns: the kind of memory (>= 0), or why it failed (< 0):
 * LBSYS_ERROR (an exception is set, or the exporter failed without one),
 * LBSYS_STRAY (the exporter's proc succeeded but left an exception set),
 * LBSYS_NULL_WITH_LENGTH (it gave a NULL pointer with a non-zero length,
 * stored in *len). */
enum {
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

#endif
