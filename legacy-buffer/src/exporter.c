/* Borrowing from an exporter, and deciding what Rust may do with the memory.
 *
 * The decision rests on the exporter's buffer procs, not on its type name: a
 * Python-level subclass inherits its base's procs, and the procs are what
 * produce the pointer. Only exporters whose procs we know are trusted:
 *
 *   IMMUTABLE  str (and subclasses), unicode (char and read buffer), and the
 *              `buffer` object over those: memory Python never changes or
 *              frees while the object lives.
 *   PINNED     bytearray (and subclasses) through the new protocol: while an
 *              export is counted, bytearray refuses to resize (BufferError),
 *              so the memory stays put, though Python may still write to it.
 *   UNPINNED   everything else (array, mmap, ctypes, unknown C types): the
 *              pointer is good only until Python code next runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

enum { LB_CHAR = 0, LB_READ = 1, LB_WRITE = 2 };
enum { LB_ERROR = -1, LB_IMMUTABLE = 0, LB_PINNED = 1, LB_UNPINNED = 2 };

/* CPython 2.7's PyBufferObject is private to Objects/bufferobject.c; 2.7 is
 * final, so this mirror of its layout cannot drift. Only b_base is read, and
 * only after the type's procs were seen to be PyBuffer_Type's own. */
typedef struct {
    PyObject_HEAD
    PyObject *b_base;
    void *b_ptr;
    Py_ssize_t b_size;
    Py_ssize_t b_offset;
    int b_readonly;
    long b_hash;
} lb_buffer_object;

/* The four old-protocol procs of tp are those of model. Only the old procs
 * are compared here: types built without Py_TPFLAGS_HAVE_NEWBUFFER may have a
 * shorter PyBufferProcs. */
static inline int old_procs_are(PyTypeObject *tp, PyTypeObject *model)
{
    PyBufferProcs *a = tp->tp_as_buffer, *b = model->tp_as_buffer;
    if (a == b)
        return 1;
    return a != NULL && b != NULL && a->bf_getreadbuffer == b->bf_getreadbuffer &&
           a->bf_getwritebuffer == b->bf_getwritebuffer &&
           a->bf_getsegcount == b->bf_getsegcount && a->bf_getcharbuffer == b->bf_getcharbuffer;
}

static inline int new_procs_are(PyTypeObject *tp, PyTypeObject *model)
{
    PyBufferProcs *a = tp->tp_as_buffer, *b = model->tp_as_buffer;
    return PyType_HasFeature(tp, Py_TPFLAGS_HAVE_NEWBUFFER) && a != NULL &&
           a->bf_getbuffer == b->bf_getbuffer && a->bf_releasebuffer == b->bf_releasebuffer;
}

/* Whether the memory the old protocol gives for o is immutable for as long
 * as o lives. Depth bounds the walk through buffer-of-buffer chains. */
static int is_immutable(PyObject *o, int depth)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (PyString_Check(o) && old_procs_are(tp, &PyString_Type))
        return 1;
    if (PyUnicode_Check(o) && old_procs_are(tp, &PyUnicode_Type))
        return 1;
    if (depth > 0 && PyBuffer_Check(o) && old_procs_are(tp, &PyBuffer_Type)) {
        PyObject *base = ((lb_buffer_object *)o)->b_base;
        return base != NULL && is_immutable(base, depth - 1);
    }
    return 0;
}

static int is_pinnable(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyByteArray_Type)
        return 1;
    /* Procs first: comparing pointers is cheaper than PyByteArray_Check's
     * walk of the MRO, and rules out most types. */
    return old_procs_are(tp, &PyByteArray_Type) && new_procs_are(tp, &PyByteArray_Type) &&
           PyByteArray_Check(o);
}

/* What PyObject_AsCharBuffer, PyObject_AsReadBuffer and PyObject_AsWriteBuffer
 * do (Objects/abstract.c; 2.7 is final), inlined: the same checks in the same
 * order, the same exceptions, the same procs called. Inlined because the call
 * into libpython and its prologue cost about as much as the rest of a borrow.
 * tests/tests/parity.rs and hostile.rs compare the safe API with the real C
 * functions on every kind of object. */
static inline int old_protocol(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    static const char *const refused[] = {
        "expected a string or other character buffer object",
        "expected a readable buffer object",
        "expected a writeable buffer object",
    };
    PyBufferProcs *pb = Py_TYPE(o)->tp_as_buffer;
    char *chars;
    Py_ssize_t n;
    int has_proc = pb != NULL && (mode == LB_CHAR   ? pb->bf_getcharbuffer != NULL
                                  : mode == LB_READ ? pb->bf_getreadbuffer != NULL
                                                    : pb->bf_getwritebuffer != NULL);
    if (!has_proc || pb->bf_getsegcount == NULL) {
        PyErr_SetString(PyExc_TypeError, refused[mode]);
        return -1;
    }
    if (pb->bf_getsegcount(o, NULL) != 1) {
        PyErr_SetString(PyExc_TypeError, "expected a single-segment buffer object");
        return -1;
    }
    /* *len is written on success only, as by the C functions; *ptr is
     * handed to the read and write procs directly (a local copy costs ~10
     * instructions per borrow), so a failing proc may have written it:
     * callers must not read it after a failure, and do not. */
    switch (mode) {
    case LB_CHAR:
        n = pb->bf_getcharbuffer(o, 0, &chars);
        if (n >= 0)
            *ptr = chars;
        break;
    case LB_READ:
        n = pb->bf_getreadbuffer(o, 0, ptr);
        break;
    default:
        n = pb->bf_getwritebuffer(o, 0, ptr);
        break;
    }
    if (n < 0)
        return -1;
    *len = n;
    return 0;
}

/* The old protocol's C function for mode (inlined as above), for callers
 * that ask again (Unpinned buffers). */
int legacy_buffer_ask_again(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    return old_protocol(o, mode, ptr, len);
}

/* Everything but the exact-str case of legacy_buffer_borrow: kept out of
 * line so the common case costs no register saves. */
static int __attribute__((noinline)) borrow_slow(PyObject *o, int mode, void **ptr,
                                                 Py_ssize_t *len)
{
    if (is_pinnable(o)) {
        /* bytearray's bf_getbuffer with no view only counts the export (as
         * PyObject_GetBuffer's does besides filling the view); while counted,
         * bytearray refuses to resize. The pointer and length are what its
         * old procs give. */
        if (Py_TYPE(o)->tp_as_buffer->bf_getbuffer(o, NULL, PyBUF_SIMPLE) < 0)
            return LB_ERROR;
        *ptr = PyByteArray_AS_STRING(o);
        *len = PyByteArray_GET_SIZE(o);
        return LB_PINNED;
    }
    if (old_protocol(o, mode, ptr, len) < 0)
        return LB_ERROR;
    if (mode != LB_WRITE && is_immutable(o, 8))
        return LB_IMMUTABLE;
    return LB_UNPINNED;
}

/* An exporter that is none of those we trust: the C function's work and
 * nothing more. Out of line (as borrow_slow), so that the exact-str case
 * costs no register saves and these are tail calls. */
static int __attribute__((noinline)) borrow_unknown(PyObject *o, int mode, void **ptr,
                                                    Py_ssize_t *len)
{
    return old_protocol(o, mode, ptr, len) < 0 ? LB_ERROR : LB_UNPINNED;
}

/* Whether the read-buffer proc of an exporter's procs pb is that of str,
 * unicode, buffer or bytearray. Every check of the slow path needs one of
 * these (is_immutable and is_pinnable compare all the procs), so an exporter
 * with any other is Unpinned without further checks. */
static inline int may_be_trusted(const PyBufferProcs *pb)
{
    readbufferproc r = pb->bf_getreadbuffer;
    return r == PyString_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyByteArray_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyUnicode_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyBuffer_Type.tp_as_buffer->bf_getreadbuffer;
}

/* Borrow o's memory for mode. On success stores the pointer and length and
 * returns the kind; a PINNED borrow must be given back with
 * legacy_buffer_unpin while o is still alive. On failure returns LB_ERROR,
 * normally with an exception set (a misbehaving exporter may fail without
 * one: the caller checks). */
int legacy_buffer_borrow(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    PyTypeObject *tp = Py_TYPE(o);
    /* The common case: the old protocol on an exact str gives its
     * characters; no call is needed to know that. */
    if (tp == &PyString_Type && mode != LB_WRITE) {
        *ptr = PyString_AS_STRING(o);
        *len = PyString_GET_SIZE(o);
        return LB_IMMUTABLE;
    }
    /* Exact bytearray: straight to pinning, without the checks below. */
    if (tp == &PyByteArray_Type)
        return borrow_slow(o, mode, ptr, len);
    /* Exporters we know nothing about: array, mmap, ctypes, ... */
    if (tp->tp_as_buffer != NULL && !may_be_trusted(tp->tp_as_buffer))
        return borrow_unknown(o, mode, ptr, len);
    return borrow_slow(o, mode, ptr, len);
}

/* Give back a PINNED borrow of o: bytearray's bf_releasebuffer, which
 * uncounts the export and reads nothing of the view. */
void legacy_buffer_unpin(PyObject *o)
{
    Py_TYPE(o)->tp_as_buffer->bf_releasebuffer(o, NULL);
}
