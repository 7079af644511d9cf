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

/* The old-protocol C function for mode, as the C API has it. */
int legacy_buffer_call(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    switch (mode) {
    case LB_CHAR:
        return PyObject_AsCharBuffer(o, (const char **)ptr, len);
    case LB_READ:
        return PyObject_AsReadBuffer(o, (const void **)ptr, len);
    default:
        return PyObject_AsWriteBuffer(o, ptr, len);
    }
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
    if (legacy_buffer_call(o, mode, ptr, len) < 0)
        return LB_ERROR;
    if (mode != LB_WRITE && is_immutable(o, 8))
        return LB_IMMUTABLE;
    return LB_UNPINNED;
}

/* Borrow o's memory for mode. On success stores the pointer and length and
 * returns the kind; a PINNED borrow must be given back with
 * legacy_buffer_unpin while o is still alive. On failure returns LB_ERROR,
 * normally with an exception set (a misbehaving exporter may fail without
 * one: the caller checks). */
int legacy_buffer_borrow(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    /* The common case: the old protocol on an exact str gives its
     * characters; no call is needed to know that. */
    if (Py_TYPE(o) == &PyString_Type && mode != LB_WRITE) {
        *ptr = PyString_AS_STRING(o);
        *len = PyString_GET_SIZE(o);
        return LB_IMMUTABLE;
    }
    return borrow_slow(o, mode, ptr, len);
}

/* Give back a PINNED borrow of o: bytearray's bf_releasebuffer, which
 * uncounts the export and reads nothing of the view. */
void legacy_buffer_unpin(PyObject *o)
{
    Py_TYPE(o)->tp_as_buffer->bf_releasebuffer(o, NULL);
}
