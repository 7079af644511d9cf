/* Borrowing from an exporter, and deciding what Rust may do with the memory:
 * legacy-buffer's hot path, declared in exporter.h and bound by bindgen with
 * the rest of the C API, so that a signature here and its Rust use cannot
 * drift apart. (Kept in this crate, whose `links` key allows one copy per
 * dependency tree, so that its symbols can never clash with another
 * version's.) Two implementations of exporter.h: CPython's, which reads
 * CPython's internals, and PyPy's (cpyext), below it.
 *
 * On CPython, the decision rests on the exporter's buffer procs, not on its
 * type name: a Python-level subclass inherits its base's procs, and the
 * procs are what produce the pointer. Only exporters whose procs we know
 * are trusted:
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
#include "exporter.h"
#include "types.h"

/* Python 3's implementation is exporter3.c. */
#if !LB_PY3

#ifndef PYPY_VERSION

/* The most exports of one bytearray that a borrow pins on top of. Its
 * counter is a C int that nothing checks: leaked borrows (mem::forget is
 * safe) could otherwise wrap it to negative, and bytearray resizes whenever
 * it is not positive. Half of INT_MAX, so that the exports others take
 * (memoryview, C extensions), which are not checked, still have a billion to
 * count before a wrap. */
#define LB_MAX_EXPORTS (INT_MAX / 2)

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
 * functions on every kind of object.
 *
 * Then what the C functions do not check: the proc is the exporter's code,
 * not CPython's, and may succeed with an exception set (LBSYS_STRAY), or with
 * a NULL pointer and a length (LBSYS_NULL_WITH_LENGTH). An empty buffer's NULL becomes a
 * dangling, aligned pointer, as Rust's empty slices have: a successful
 * result is never NULL and never negative. */
static inline __attribute__((always_inline)) lbsys_lent old_protocol(PyObject *o, int mode)
{
    static const char *const refused[] = {
        "expected a string or other character buffer object",
        "expected a readable buffer object",
        "expected a writeable buffer object",
    };
    PyBufferProcs *pb = Py_TYPE(o)->tp_as_buffer;
    void *p = NULL;
    char *chars;
    Py_ssize_t n;
    int has_proc = pb != NULL && (mode == LBSYS_CHAR   ? pb->bf_getcharbuffer != NULL
                                  : mode == LBSYS_READ ? pb->bf_getreadbuffer != NULL
                                                    : pb->bf_getwritebuffer != NULL);
    if (!has_proc || pb->bf_getsegcount == NULL) {
        PyErr_SetString(PyExc_TypeError, refused[mode]);
        return (lbsys_lent){NULL, LBSYS_ERROR};
    }
    if (pb->bf_getsegcount(o, NULL) != 1) {
        PyErr_SetString(PyExc_TypeError, "expected a single-segment buffer object");
        return (lbsys_lent){NULL, LBSYS_ERROR};
    }
    switch (mode) {
    case LBSYS_CHAR:
        n = pb->bf_getcharbuffer(o, 0, &chars);
        p = chars;
        break;
    case LBSYS_READ:
        n = pb->bf_getreadbuffer(o, 0, &p);
        break;
    default:
        n = pb->bf_getwritebuffer(o, 0, &p);
        break;
    }
    if (n < 0)
        return (lbsys_lent){NULL, LBSYS_ERROR};
    /* Read inline: PyErr_Occurred is a call into libpython. */
    if (PyThreadState_GET()->curexc_type != NULL)
        return (lbsys_lent){NULL, LBSYS_STRAY};
    if (p == NULL) {
        if (n != 0)
            return (lbsys_lent){(void *)n, LBSYS_NULL_WITH_LENGTH};
        p = (void *)1;
    }
    return (lbsys_lent){p, n};
}

/* old_protocol's result through out-pointers: 0 (pointer and length
 * stored), or the failure (the length stored for LBSYS_NULL_WITH_LENGTH). */
static inline __attribute__((always_inline)) int store(lbsys_lent r, void **ptr, Py_ssize_t *len)
{
    if (r.len < 0) {
        if (r.len == LBSYS_NULL_WITH_LENGTH)
            *len = (Py_ssize_t)r.ptr;
        return (int)r.len;
    }
    *ptr = r.ptr;
    *len = r.len;
    return 0;
}

/* Out of line: a billion live exports only happen when borrows are leaked. */
static int __attribute__((noinline, cold)) refuse_pin(PyObject *o)
{
    Py_ssize_t exports = lbsys_is_rust_exporter(o) ? lb_head_of(o)->exports
                                                   : ((PyByteArrayObject *)o)->ob_exports;
    PyErr_Format(PyExc_BufferError,
                 "%.200s object has %zd exports already: legacy-buffer does not pin it again, "
                 "so that its export counter cannot overflow (were borrows leaked?)",
                 Py_TYPE(o)->tp_name, exports);
    return -1;
}

/* The old protocol's C function for mode (inlined as above), for callers
 * that ask again (Unpinned buffers): 0, or LBSYS_ERROR, LBSYS_STRAY or LBSYS_NULL_WITH_LENGTH. */
int lbsys_ask_again(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    return store(old_protocol(o, mode), ptr, len);
}

/* Pin a bytearray (or a subclass with its procs): count one export, as its
 * bf_getbuffer does when asked with no view (Objects/bytearrayobject.c:
 * `if (view == NULL) { obj->ob_exports++; return 0; }`), but never past
 * LB_MAX_EXPORTS; inlined, since that is the whole of the call. While an
 * export is counted, bytearray refuses to resize. The pointer and length
 * are what its old procs give. */
static inline __attribute__((always_inline)) int pin(PyObject *o, void **ptr, Py_ssize_t *len)
{
    PyByteArrayObject *ba = (PyByteArrayObject *)o;
    if (ba->ob_exports >= LB_MAX_EXPORTS)
        return refuse_pin(o);
    ba->ob_exports++;
    *ptr = PyByteArray_AS_STRING(o);
    *len = PyByteArray_GET_SIZE(o);
    return LBSYS_PINNED;
}

/* Pin an object of a type defined in Rust (legacy-buffer's extension
 * types, types.c): count one export in its head, as its bf_getbuffer does
 * when asked with no view. While an export is counted, Rust refuses to
 * resize its memory, so the pointer stays good until lbsys_unpin. A
 * read-only exporter is pinned for reading only. */
static int __attribute__((noinline)) pin_rust(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    lbsys_head *head = lb_head_of(o);
    if (mode == LBSYS_WRITE && Py_TYPE(o)->tp_as_buffer->bf_getwritebuffer == NULL)
        return store(old_protocol(o, mode), ptr, len); /* the C function's refusal */
    if (head->exports >= LB_MAX_EXPORTS)
        return refuse_pin(o);
    head->exports++;
    *ptr = head->ptr != NULL ? head->ptr : (void *)1;
    *len = head->len;
    return LBSYS_PINNED;
}

/* Everything but the exact-str case of lbsys_borrow. */
static inline __attribute__((always_inline)) int borrow_slow(PyObject *o, int mode, void **ptr,
                                                             Py_ssize_t *len)
{
    int rc;
    if (lbsys_is_rust_exporter(o))
        return pin_rust(o, mode, ptr, len);
    if (is_pinnable(o))
        return pin(o, ptr, len);
    if ((rc = store(old_protocol(o, mode), ptr, len)) < 0)
        return rc;
    if (mode != LBSYS_WRITE && is_immutable(o, 8))
        return LBSYS_IMMUTABLE;
    return LBSYS_UNPINNED;
}

/* An exporter that is none of those we trust: the C function's work and
 * nothing more. */
static inline __attribute__((always_inline)) int borrow_unknown(PyObject *o, int mode, void **ptr,
                                                                Py_ssize_t *len)
{
    int rc = store(old_protocol(o, mode), ptr, len);
    return rc < 0 ? rc : LBSYS_UNPINNED;
}

/* Whether the read-buffer proc of an exporter's procs pb is that of str,
 * unicode, buffer or bytearray. Every check of the slow path needs one of
 * these (is_immutable and is_pinnable compare all the procs), so an exporter
 * with any other is Unpinned without further checks. */
static inline int may_be_trusted(const PyBufferProcs *pb)
{
    readbufferproc r = pb->bf_getreadbuffer;
    return r == lb_rust_getreadbuf || r == PyString_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyByteArray_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyUnicode_Type.tp_as_buffer->bf_getreadbuffer ||
           r == PyBuffer_Type.tp_as_buffer->bf_getreadbuffer;
}

/* Borrow o's memory for mode. On success stores the pointer and length and
 * returns the kind; a PINNED borrow must be given back with
 * lbsys_unpin while o is still alive. On failure returns LBSYS_ERROR,
 * normally with an exception set (a misbehaving exporter may fail without
 * one: the caller checks), LBSYS_STRAY when the exporter's proc succeeded
 * with an exception set, or LBSYS_NULL_WITH_LENGTH when it gave NULL with a length. The
 * exact-str and pinning paths run no proc, so only old_protocol checks what
 * a proc did. The pointer is never NULL on success.
 *
 * One entry point per mode (below), so that the compiler folds every test of
 * the mode away; the slow paths are out of line, so that the exact-str case
 * costs no register saves and they are tail calls. */
static inline __attribute__((always_inline)) int borrow(PyObject *o, int mode, void **ptr,
                                                        Py_ssize_t *len,
                                                        int (*slow)(PyObject *, void **,
                                                                    Py_ssize_t *),
                                                        int (*unknown)(PyObject *, void **,
                                                                       Py_ssize_t *))
{
    PyTypeObject *tp = Py_TYPE(o);
    /* The common case: the old protocol on an exact str gives its
     * characters; no call is needed to know that. */
    if (tp == &PyString_Type && mode != LBSYS_WRITE) {
        *ptr = PyString_AS_STRING(o);
        *len = PyString_GET_SIZE(o);
        return LBSYS_IMMUTABLE;
    }
    /* Exact bytearray: straight to pinning, without the checks below. */
    if (tp == &PyByteArray_Type)
        return pin(o, ptr, len);
    /* Exporters we know nothing about: array, mmap, ctypes, ... */
    if (tp->tp_as_buffer != NULL && !may_be_trusted(tp->tp_as_buffer))
        return unknown(o, ptr, len);
    return slow(o, ptr, len);
}

#define LB_BORROW_FOR(name, mode)                                                                  \
    static int __attribute__((noinline)) borrow_slow_##name(PyObject *o, void **ptr,              \
                                                            Py_ssize_t *len)                      \
    {                                                                                              \
        return borrow_slow(o, mode, ptr, len);                                                     \
    }                                                                                              \
    static int __attribute__((noinline)) borrow_unknown_##name(PyObject *o, void **ptr,           \
                                                               Py_ssize_t *len)                   \
    {                                                                                              \
        return borrow_unknown(o, mode, ptr, len);                                                  \
    }                                                                                              \
    int lbsys_borrow_##name(PyObject *o, void **ptr, Py_ssize_t *len)                      \
    {                                                                                              \
        return borrow(o, mode, ptr, len, borrow_slow_##name, borrow_unknown_##name);               \
    }

LB_BORROW_FOR(char, LBSYS_CHAR)
LB_BORROW_FOR(read, LBSYS_READ)
LB_BORROW_FOR(write, LBSYS_WRITE)

/* Give back a PINNED borrow of o: what bytearray's bf_releasebuffer does
 * (`obj->ob_exports--`), inlined as pin() is. */
void lbsys_unpin(PyObject *o)
{
    if (Py_TYPE(o) != &PyByteArray_Type && lbsys_is_rust_exporter(o))
        lb_head_of(o)->exports--;
    else
        ((PyByteArrayObject *)o)->ob_exports--;
}

/* The memory of o for a no-Python scope: what the old protocol's function
 * for mode gives, whatever the exporter. Nothing is pinned or classified:
 * while the scope lends the memory no Python code runs (this thread keeps
 * the GIL and runs none), so nothing can move, free or write it. An exact
 * str is read directly (its procs give exactly this); every other exporter,
 * a bytearray too, through its procs: one test fewer on the way to the
 * exporters only a scope gives zero-copy.
 *
 * One function per mode, the old protocol's work inline. A loop of scopes
 * is bound by the calls, returns and jumps it takes, not by a few
 * instructions: reaching that work through a second function (a call
 * through a function pointer, or even a jump) cost every exporter but str
 * a cycle or two per scope (legacy-buffer-bench's borrow-ab), more than
 * the registers the str case now saves and restores. */
#define LB_LEND_FOR(name, mode)                                                                    \
    lbsys_lent lbsys_lend_##name(PyObject *o)                                                      \
    {                                                                                              \
        if (Py_TYPE(o) == &PyString_Type && mode != LBSYS_WRITE)                                   \
            return (lbsys_lent){PyString_AS_STRING(o), PyString_GET_SIZE(o)};                     \
        return old_protocol(o, mode);                                                              \
    }

LB_LEND_FOR(char, LBSYS_CHAR)
LB_LEND_FOR(read, LBSYS_READ)
LB_LEND_FOR(write, LBSYS_WRITE)

/* For lbsys_arg (below, shared): whether an exception is set (read inline,
 * as old_protocol does), and whether memory a proc gave for o is immutable. */
static inline int exception_set(void)
{
    return PyThreadState_GET()->curexc_type != NULL;
}

static inline int proc_memory_immutable(PyObject *o)
{
    return is_immutable(o, 8);
}

/* Before a new-protocol view of o: refuse (BufferError, as a borrow would)
 * to count one more export on a bytearray that counts LB_MAX_EXPORTS,
 * whichever object the view is asked of. A memoryview's export is its
 * base's: memory_getbuf (Objects/memoryobject.c) asks the object it views
 * again, every time, so the count that grows is the base's. A memoryview
 * of a memoryview views the base too (dup_buffer copies view.obj); the
 * walk is bounded all the same. */
int lbsys_may_export(PyObject *o)
{
    int depth;
    for (depth = 0; depth < 8 && PyMemoryView_Check(o) && PyMemoryView_GET_BASE(o) != NULL;
         depth++)
        o = PyMemoryView_GET_BASE(o);
    if (PyByteArray_Check(o) && ((PyByteArrayObject *)o)->ob_exports >= LB_MAX_EXPORTS)
        return refuse_pin(o);
    return 0;
}

/* The object whose procs give o's memory when o is asked: o, or for a
 * buffer object (PyBuffer_Type's procs, which ask the object the buffer
 * views, every time; a buffer of a buffer views the first one's base) that
 * object. Runs no code. */
PyObject *lbsys_asked_exporter(PyObject *o)
{
    int depth;
    for (depth = 0; depth < 8 && PyBuffer_Check(o) && old_procs_are(Py_TYPE(o), &PyBuffer_Type);
         depth++) {
        PyObject *base = ((lb_buffer_object *)o)->b_base;
        if (base == NULL)
            break;
        o = base;
    }
    return o;
}

/* Python 2's exporters of the new protocol whose export keeps their memory
 * in place: bytearray (by its procs, as is_pinnable), types defined in
 * Rust, and a memoryview of one of those (its export copies the view its
 * managed buffer took of that object). Not ctypes, whose resize()
 * reallocates under an export. Runs no code. */
int lbsys_export_pins(PyObject *o)
{
    int depth;
    for (depth = 0; depth < 8 && PyMemoryView_Check(o) && PyMemoryView_GET_BASE(o) != NULL &&
                    Py_TYPE(o) == &PyMemoryView_Type;
         depth++)
        o = PyMemoryView_GET_BASE(o);
    return is_pinnable(o) || lbsys_is_rust_exporter(o);
}

#else /* PYPY_VERSION */

/* PyPy (cpyext). The objects C sees are proxies that cpyext keeps for
 * interpreter-level objects, with buffer procs cpyext supplies (a type
 * defined in C keeps its own). Only what cpyext guarantees is trusted:
 *
 *   IMMUTABLE  an exact str: the C API promises that PyString_AsString
 *              gives the string's internal buffer, never modified and not
 *              freed while the object lives, and cpyext keeps the promise
 *              by copying the characters into the PyStringObject's own
 *              ob_sval when it makes the proxy, and never writing them
 *              again. (A borrow holds a reference to the proxy.)
 *   PINNED     nothing: cpyext's bytearray counts no exports (its
 *              PyByteArrayObject has no ob_exports) and resizes whatever C
 *              holds.
 *   UNPINNED   everything else, str subclasses, unicode and buffer objects
 *              included: cpyext makes their memory on demand (a unicode's
 *              Py_UNICODE copy, a buffer's b_ptr, a str subclass's
 *              non-moving copy), by code whose lifetime promises are not
 *              the C API's.
 *
 * The protocol's work is cpyext's own PyObject_As*Buffer, called: its procs
 * are not CPython's, and inlining them would be guessing. What the call
 * gave is then checked as on CPython (a stray exception, a NULL pointer
 * with a length). */

/* What cpyext's function gave (rc, and on success p and n), as old_protocol
 * gives it on CPython: the memory, or the failure. */
static lbsys_lent checked(int rc, void *p, Py_ssize_t n)
{
    if (rc != 0)
        return (lbsys_lent){NULL, LBSYS_ERROR};
    if (PyErr_Occurred() != NULL)
        return (lbsys_lent){NULL, LBSYS_STRAY};
    /* Not a length: the C function succeeded with nonsense. */
    if (n < 0)
        return (lbsys_lent){NULL, LBSYS_ERROR};
    if (p == NULL) {
        if (n != 0)
            return (lbsys_lent){(void *)n, LBSYS_NULL_WITH_LENGTH};
        p = (void *)1;
    }
    return (lbsys_lent){p, n};
}

/* cpyext's PyObject_AsCharBuffer, PyObject_AsReadBuffer or
 * PyObject_AsWriteBuffer, for mode. */
static lbsys_lent old_protocol(PyObject *o, int mode)
{
    void *p = NULL;
    Py_ssize_t n = 0;
    int rc;
    if (mode == LBSYS_CHAR) {
        /* cpyext's PyObject_AsCharBuffer checks for a read-buffer proc, but
         * calls the character-buffer proc, which unicode (and a C type
         * without one) lacks: it would call NULL. Refused as it refuses an
         * object without procs. */
        PyBufferProcs *pb = Py_TYPE(o)->tp_as_buffer;
        const char *chars = NULL;
        if (pb == NULL || pb->bf_getcharbuffer == NULL) {
            PyErr_SetString(PyExc_TypeError, "expected a character buffer object");
            return (lbsys_lent){NULL, LBSYS_ERROR};
        }
        rc = PyObject_AsCharBuffer(o, &chars, &n);
        p = (void *)chars;
    }
    else if (mode == LBSYS_READ) {
        const void *bytes = NULL;
        rc = PyObject_AsReadBuffer(o, &bytes, &n);
        p = (void *)bytes;
    }
    else {
        rc = PyObject_AsWriteBuffer(o, &p, &n);
    }
    return checked(rc, p, n);
}

/* An exact str's characters (what its procs give, without calling them):
 * the C API's own accessors, which give the PyStringObject's ob_sval. */
static lbsys_lent exact_str(PyObject *o)
{
    char *chars = PyString_AsString(o);
    Py_ssize_t n = PyString_Size(o);
    if (chars == NULL || n < 0)
        return (lbsys_lent){NULL, LBSYS_ERROR};
    return (lbsys_lent){chars, n};
}

/* old_protocol's result through out-pointers, as store() on CPython. */
static int store_lent(lbsys_lent r, void **ptr, Py_ssize_t *len)
{
    if (r.len < 0) {
        if (r.len == LBSYS_NULL_WITH_LENGTH)
            *len = (Py_ssize_t)r.ptr;
        return (int)r.len;
    }
    *ptr = r.ptr;
    *len = r.len;
    return 0;
}

static int borrow(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    int rc;
    if (mode != LBSYS_WRITE && Py_TYPE(o) == &PyString_Type) {
        rc = store_lent(exact_str(o), ptr, len);
        return rc < 0 ? rc : LBSYS_IMMUTABLE;
    }
    rc = store_lent(old_protocol(o, mode), ptr, len);
    return rc < 0 ? rc : LBSYS_UNPINNED;
}

int lbsys_borrow_char(PyObject *o, void **ptr, Py_ssize_t *len)
{
    return borrow(o, LBSYS_CHAR, ptr, len);
}

int lbsys_borrow_read(PyObject *o, void **ptr, Py_ssize_t *len)
{
    return borrow(o, LBSYS_READ, ptr, len);
}

int lbsys_borrow_write(PyObject *o, void **ptr, Py_ssize_t *len)
{
    return borrow(o, LBSYS_WRITE, ptr, len);
}

/* Nothing is pinned on PyPy: never called. */
void lbsys_unpin(PyObject *o)
{
    (void)o;
}

int lbsys_ask_again(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    return store_lent(old_protocol(o, mode), ptr, len);
}

static lbsys_lent lend(PyObject *o, int mode)
{
    if (mode != LBSYS_WRITE && Py_TYPE(o) == &PyString_Type)
        return exact_str(o);
    return old_protocol(o, mode);
}

lbsys_lent lbsys_lend_char(PyObject *o) { return lend(o, LBSYS_CHAR); }
lbsys_lent lbsys_lend_read(PyObject *o) { return lend(o, LBSYS_READ); }
lbsys_lent lbsys_lend_write(PyObject *o) { return lend(o, LBSYS_WRITE); }

/* For lbsys_arg (below, shared). The memory a proc gives is cpyext's, made
 * on demand: never trusted as immutable. (What lbsys_arg reads through
 * PyString_AS_STRING, the C API's promise, is.) */
static inline int exception_set(void)
{
    return PyErr_Occurred() != NULL;
}

static inline int proc_memory_immutable(PyObject *o)
{
    (void)o;
    return 0;
}

/* No export pins anything on PyPy (cpyext's bytearray resizes under one). */
int lbsys_export_pins(PyObject *o)
{
    (void)o;
    return 0;
}

/* cpyext counts no exports of a bytearray (and no export pins one): there
 * is no counter to keep from overflowing. */
int lbsys_may_export(PyObject *o)
{
    (void)o;
    return 0;
}

/* As on CPython: a buffer object's procs ask the object it views, whose
 * reference cpyext keeps in b_base where it has one. */
PyObject *lbsys_asked_exporter(PyObject *o)
{
    int depth;
    for (depth = 0; depth < 8 && PyBuffer_Check(o); depth++) {
        PyObject *base = ((PyBufferObject *)o)->b_base;
        if (base == NULL)
            break;
        o = base;
    }
    return o;
}

#endif /* PYPY_VERSION */

/* Whether o's type has a character-buffer proc, as C code that chooses
 * between PyObject_AsCharBuffer and PyObject_AsReadBuffer tests it
 * (Py_TPFLAGS_HAVE_GETCHARBUFFER and bf_getcharbuffer). Runs no code. */
int lbsys_offers_char(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    return tp->tp_as_buffer != NULL && PyType_HasFeature(tp, Py_TPFLAGS_HAVE_GETCHARBUFFER) &&
           tp->tp_as_buffer->bf_getcharbuffer != NULL;
}

/* ------------------------------------------------------------------------
 * PyArg_ParseTuple's units that borrow (Python/getargs.c, 2.7; lengths are
 * Py_ssize_t, as PY_SSIZE_T_CLEAN makes them): the checks convertsimple,
 * convertbuffer and getbuffer make, in their order, each failure a code
 * naming the check (the caller raises getargs.c's message for it), then
 * the proc they call, once. The result is checked as old_protocol checks
 * it and classified as borrow() classifies it; nothing is pinned: every
 * exporter these units accept through the old protocol is refused by
 * getargs.c if it has a release proc, as bytearray has.
 *
 * One difference from getargs.c, for soundness: the new-protocol procs
 * (bf_getbuffer, bf_releasebuffer) are read only where the type has
 * Py_TPFLAGS_HAVE_NEWBUFFER, since a type built without it may have a
 * shorter PyBufferProcs (getargs.c reads them regardless; every CPython
 * type and every Python subclass sets the flag with the procs).
 *
 * On PyPy the same checks run over cpyext's procs, as PyPy's own
 * PyArg_ParseTuple runs them (the same messages, checked under pypy); only
 * what PyString_AS_STRING gives (a str's, or a unicode's default encoding,
 * which cpyext keeps in the unicode's defenc) is trusted as immutable, and
 * a bytearray, which has no release proc there, is accepted by s#, as PyPy
 * accepts it.
 */

static inline int offers_new_procs(PyTypeObject *tp)
{
    return tp->tp_as_buffer != NULL && PyType_HasFeature(tp, Py_TPFLAGS_HAVE_NEWBUFFER) &&
           tp->tp_as_buffer->bf_getbuffer != NULL;
}

static inline int has_release_proc(PyTypeObject *tp)
{
    return tp->tp_as_buffer != NULL && PyType_HasFeature(tp, Py_TPFLAGS_HAVE_NEWBUFFER) &&
           tp->tp_as_buffer->bf_releasebuffer != NULL;
}

/* The memory unit gives for o, or why not. On success stores the pointer
 * (never NULL) and the length (never negative) and returns LBSYS_IMMUTABLE or
 * LBSYS_UNPINNED; returns LBSYS_ARG_EXPORT for s*, z* and w* on an exporter of the
 * new protocol; otherwise a failure, LBSYS_NULL_WITH_LENGTH with the length stored. */
int lbsys_arg(PyObject *o, int unit, void **ptr, Py_ssize_t *len)
{
    PyTypeObject *tp = Py_TYPE(o);
    PyBufferProcs *pb = tp->tp_as_buffer;
    void *p = NULL;
    Py_ssize_t n;

    if (unit <= LBSYS_ARG_READ_VIEW) {
        /* getargs.c reads str and unicode itself, not through their procs. */
        if (PyString_Check(o)) {
            *ptr = PyString_AS_STRING(o);
            *len = PyString_GET_SIZE(o);
            return LBSYS_IMMUTABLE;
        }
        if (PyUnicode_Check(o)) {
            /* Cached in the unicode object, which keeps it as long as it lives. */
            PyObject *encoded = _PyUnicode_AsDefaultEncodedString(o, NULL);
            if (encoded == NULL)
                return LBSYS_ARG_ENCODE;
            *ptr = PyString_AS_STRING(encoded);
            *len = PyString_GET_SIZE(encoded);
            return LBSYS_IMMUTABLE;
        }
        if (unit == LBSYS_ARG_STRING)
            return LBSYS_ARG_NOT_STRING;
    }
    switch (unit) {
    case LBSYS_ARG_READ_VIEW: /* getbuffer() */
        if (pb == NULL)
            return LBSYS_ARG_NO_BUFFER;
        if (offers_new_procs(tp))
            return LBSYS_ARG_EXPORT;
        /* Then what convertbuffer() does. */
        /* fall through */
    case LBSYS_ARG_READ: /* convertbuffer() */
        if (pb == NULL || pb->bf_getreadbuffer == NULL || pb->bf_getsegcount == NULL ||
            has_release_proc(tp))
            return LBSYS_ARG_NO_PROC;
        if (pb->bf_getsegcount(o, NULL) != 1)
            return LBSYS_ARG_SEGMENTS;
        n = pb->bf_getreadbuffer(o, 0, &p);
        break;
    case LBSYS_ARG_CHAR: {
        char *chars = NULL;
        if (!PyType_HasFeature(tp, Py_TPFLAGS_HAVE_GETCHARBUFFER) || pb == NULL ||
            pb->bf_getcharbuffer == NULL || pb->bf_getsegcount == NULL)
            return LBSYS_ARG_NO_PROC;
        if (pb->bf_getsegcount(o, NULL) != 1)
            return LBSYS_ARG_SEGMENTS;
        if (has_release_proc(tp))
            return LBSYS_ARG_RELEASE;
        n = pb->bf_getcharbuffer(o, 0, &chars);
        p = chars;
        break;
    }
    case LBSYS_ARG_WRITE:
        if (has_release_proc(tp))
            return LBSYS_ARG_RELEASE;
        /* fall through */
    default: /* LBSYS_ARG_WRITE_VIEW */
        if (unit == LBSYS_ARG_WRITE_VIEW && offers_new_procs(tp))
            return LBSYS_ARG_EXPORT;
        if (pb == NULL || pb->bf_getwritebuffer == NULL || pb->bf_getsegcount == NULL)
            return LBSYS_ARG_NO_PROC;
        if (pb->bf_getsegcount(o, NULL) != 1)
            return LBSYS_ARG_SEGMENTS;
        n = pb->bf_getwritebuffer(o, 0, &p);
        break;
    }
    if (n < 0)
        return LBSYS_ERROR;
    if (exception_set())
        return LBSYS_STRAY;
    if (p == NULL) {
        if (n != 0) {
            *len = n;
            return LBSYS_NULL_WITH_LENGTH;
        }
        p = (void *)1;
    }
    *ptr = p;
    *len = n;
    if (unit != LBSYS_ARG_WRITE && unit != LBSYS_ARG_WRITE_VIEW && proc_memory_immutable(o))
        return LBSYS_IMMUTABLE;
    return LBSYS_UNPINNED;
}

#endif /* !LB_PY3 */
