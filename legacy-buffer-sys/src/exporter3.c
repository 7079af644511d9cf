/* exporter.h on Python 3 (CPython 3.9 to 3.13). exporter.c is Python 2's.
 *
 * Python 3's PyObject_AsCharBuffer, PyObject_AsReadBuffer and
 * PyObject_AsWriteBuffer (Objects/abstract.c) take a new-protocol export
 * (PyBUF_SIMPLE, or PyBUF_WRITABLE) and release it before returning: the
 * pointer they give is pinned by nothing, not even for a bytearray. So
 * legacy-buffer holds the export itself for as long as it uses the memory
 * (export.rs), and while it does, bytearray, array, mmap and memoryview
 * refuse to resize or close. What C does here is the fast path around it:
 *
 *   IMMUTABLE          bytes (and subclasses keeping bytes' bf_getbuffer),
 *                      for the char and read functions: memory Python never
 *                      changes or frees while the object lives, given as
 *                      bytes' bf_getbuffer gives it (ob_sval), no export
 *                      taken (bytes counts none);
 *   LBSYS_TAKE_EXPORT  everything else: the caller takes an export and
 *                      holds it. It is Pinned where lbsys_export_pins says
 *                      the export keeps the memory in place, known by the
 *                      exporter's bf_getbuffer (what really makes the
 *                      export, inherited by Python subclasses; never the
 *                      name): bytearray, array.array, mmap.mmap, types
 *                      defined in Rust (types.c), and a memoryview of any
 *                      of those or of bytes, each of which refuses to
 *                      resize, close or free while an export is counted.
 *                      Every other exporter's export promises nothing of
 *                      the kind (ctypes' resize() reallocates under one; a
 *                      Python class's __buffer__, 3.12, exports what it
 *                      likes): Unpinned, its memory asked for again (a
 *                      fresh export) at each use.
 *
 * The C functions' errors are the caller's to raise, where
 * PyObject_GetBuffer fails. Nothing is pinned by C. */
#include "exporter.h"
#include "types.h"

#if LB_PY3

/* As on Python 2 (exporter.c): legacy-buffer stops at half of INT_MAX
 * exports of a bytearray (its counter is a Py_ssize_t on Python 3; other
 * exporters' may be a C int: the crate-wide count, export.rs, bounds
 * those). */
#define LB_MAX_EXPORTS (INT_MAX / 2)

/* Whether bf_getbuffer gives o's bytes (ob_sval), immutable while o lives:
 * a bytes, or a subclass whose buffer proc is still bytes' own (a Python
 * subclass copies the slot; a C subclass may have its own). */
static inline int is_bytes(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyBytes_Type)
        return 1;
    return PyBytes_Check(o) && tp->tp_as_buffer != NULL &&
           tp->tp_as_buffer->bf_getbuffer == PyBytes_Type.tp_as_buffer->bf_getbuffer;
}

/* Whether type is one Python code cannot have made or changed: a static
 * type, or (3.10 on) an immutable one, as C extension modules make theirs
 * (array's and mmap's are static up to 3.9, immutable heap types after). */
static int made_in_c(PyTypeObject *type)
{
#ifdef Py_TPFLAGS_IMMUTABLETYPE
    if (PyType_HasFeature(type, Py_TPFLAGS_IMMUTABLETYPE))
        return 1;
#endif
    return !PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE);
}

/* bf_getbuffer of a type in an extension module (array.array,
 * mmap.mmap): looked up in sys.modules, with no import (an object of the
 * type exists, so its module was imported) and reading dicts only; NULL
 * where it is not there. Python code can put anything in sys.modules, so
 * what is found counts only if it is that type as its C module made it:
 * the module an extension module (a PyModuleDef), the type made in C
 * (made_in_c) and named "module.name". Kept once found: an extension
 * module's code is never unloaded. A lookup may run Python code (a key of
 * sys.modules, or of the module's dict, with its own __eq__, which could
 * even empty them): the module and its dict are held across it, and it is
 * made before the object's own proc is read, with nothing run between that
 * read and the export (the caller's PyObject_GetBuffer, which calls that
 * very proc). */
static getbufferproc module_proc(getbufferproc *cache, const char *module, const char *name,
                                 const char *qualified)
{
    PyObject *modules, *m, *dict, *type;
    PyTypeObject *tp;
    if (*cache != NULL)
        return *cache;
    modules = PyImport_GetModuleDict();
    m = modules != NULL && PyDict_Check(modules) ? PyDict_GetItemString(modules, module) : NULL;
    if (m == NULL || !PyModule_Check(m) || PyModule_GetDef(m) == NULL) {
        PyErr_Clear();
        return NULL;
    }
    Py_INCREF(m);
    dict = PyModule_GetDict(m);
    Py_XINCREF(dict);
    type = dict != NULL ? PyDict_GetItemString(dict, name) : NULL;
    PyErr_Clear();
    if (type != NULL && PyType_Check(type)) {
        tp = (PyTypeObject *)type;
        if (made_in_c(tp) && strcmp(tp->tp_name, qualified) == 0 && tp->tp_as_buffer != NULL)
            *cache = tp->tp_as_buffer->bf_getbuffer;
    }
    Py_XDECREF(dict);
    Py_DECREF(m);
    return *cache;
}

static getbufferproc array_proc, mmap_proc;

/* The object a memoryview views, or NULL if it views none, or none any
 * more: a released memoryview (mv.release()) keeps its view.obj pointer,
 * stale once the base's last reference is gone. */
static PyObject *memoryview_base(PyObject *o)
{
    PyMemoryViewObject *mv = (PyMemoryViewObject *)o;
    if ((mv->flags & _Py_MEMORYVIEW_RELEASED) || mv->mbuf == NULL ||
        (mv->mbuf->flags & _Py_MANAGED_BUFFER_RELEASED))
        return NULL;
    return mv->view.obj;
}

/* The object a chain of memoryviews views (itself if it is none; a released
 * memoryview is its own: its export fails with ValueError). */
static PyObject *viewed(PyObject *o)
{
    int depth;
    for (depth = 0; depth < 8 && PyMemoryView_Check(o) && memoryview_base(o) != NULL; depth++)
        o = memoryview_base(o);
    return o;
}

/* Whether proc, o's bf_getbuffer, is one of the procs known without a
 * lookup to keep the memory in place: bytearray's, bytes', a Rust type's.
 * Runs no code. */
static int pins_builtin(PyObject *o, getbufferproc proc)
{
    return proc == PyByteArray_Type.tp_as_buffer->bf_getbuffer ||
           proc == PyBytes_Type.tp_as_buffer->bf_getbuffer || lbsys_is_rust_exporter(o);
}

static getbufferproc proc_of(PyObject *o)
{
    return Py_TYPE(o)->tp_as_buffer == NULL ? NULL : Py_TYPE(o)->tp_as_buffer->bf_getbuffer;
}

/* Whether o's export keeps its memory in place (exporter.h): see the
 * table above. A memoryview's export copies the view its managed buffer took of the
 * object it views (no code runs), so the memory is that object's, held in
 * place by that export if that object pins: it is judged as the object
 * (a memoryview of a memoryview views the first one's object). The procs
 * known without a lookup are checked first (the commonest, and no code
 * runs); array's and mmap's are looked up only for other objects, and since
 * a lookup may run Python code (which could even assign o's __class__), o's
 * proc is read again after it. */
int lbsys_export_pins(PyObject *o)
{
    PyObject *base = viewed(o);
    getbufferproc proc = proc_of(base), array, mmap;
    if (proc == NULL)
        return 0;
    if (pins_builtin(base, proc))
        return 1;
    array = module_proc(&array_proc, "array", "array", "array.array");
    mmap = module_proc(&mmap_proc, "mmap", "mmap", "mmap.mmap");
    base = viewed(o);
    proc = proc_of(base);
    if (proc == NULL)
        return 0;
    return pins_builtin(base, proc) || (array != NULL && proc == array) ||
           (mmap != NULL && proc == mmap);
}

static inline int borrow(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    if (mode != LBSYS_WRITE && is_bytes(o)) {
        *ptr = PyBytes_AS_STRING(o);
        *len = PyBytes_GET_SIZE(o);
        return LBSYS_IMMUTABLE;
    }
    return LBSYS_TAKE_EXPORT;
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

/* Never called on Python 3: no borrow is LBSYS_PINNED by C. */
void lbsys_unpin(PyObject *o) { (void)o; }

/* Never called on Python 3, where no borrow is Unpinned: a SystemError
 * rather than memory nothing pins. */
int lbsys_ask_again(PyObject *o, int mode, void **ptr, Py_ssize_t *len)
{
    (void)mode;
    (void)ptr;
    (void)len;
    PyErr_Format(PyExc_SystemError,
                 "legacy-buffer: a %.200s object's memory asked again on Python 3, where it "
                 "is held by an export",
                 Py_TYPE(o)->tp_name);
    return LBSYS_ERROR;
}

/* For a no-Python scope: bytes as for a borrow; anything else must be held
 * by an export for the scope's duration (a release before it ends could
 * free the memory: a Python class's __buffer__, 3.12, may make the object
 * it exports from anew each time). */
static inline lbsys_lent lend(PyObject *o, int mode)
{
    lbsys_lent r;
    /* Called inside the scope, where no Python code may run: no
     * classification here (lbsys_export_pins may look in sys.modules).
     * The caller borrows, outside the scope. */
    if (mode != LBSYS_WRITE && is_bytes(o)) {
        r.ptr = PyBytes_AS_STRING(o);
        r.len = PyBytes_GET_SIZE(o);
    } else {
        r.ptr = NULL;
        r.len = LBSYS_TAKE_EXPORT;
    }
    return r;
}

lbsys_lent lbsys_lend_char(PyObject *o) { return lend(o, LBSYS_CHAR); }
lbsys_lent lbsys_lend_read(PyObject *o) { return lend(o, LBSYS_READ); }
lbsys_lent lbsys_lend_write(PyObject *o) { return lend(o, LBSYS_WRITE); }

/* Python 3 has no character-buffer proc. */
int lbsys_offers_char(PyObject *o)
{
    (void)o;
    return 0;
}

static int __attribute__((noinline, cold)) refuse_export(PyObject *o, Py_ssize_t exports)
{
    PyErr_Format(PyExc_BufferError,
                 "%.200s object has %zd exports already: legacy-buffer does not export it "
                 "again, so that its export counter cannot overflow (were borrows leaked?)",
                 Py_TYPE(o)->tp_name, exports);
    return -1;
}

/* As on Python 2: a memoryview's export is its base's, and a bytearray's
 * counter is a C int. */
int lbsys_may_export(PyObject *o)
{
    o = viewed(o);
    if (PyByteArray_Check(o) && ((PyByteArrayObject *)o)->ob_exports >= LB_MAX_EXPORTS)
        return refuse_export(o, ((PyByteArrayObject *)o)->ob_exports);
    return 0;
}

/* No buffer object on Python 3: every object is asked for its own memory. */
PyObject *lbsys_asked_exporter(PyObject *o) { return o; }

/* PyArg_ParseTuple's units on Python 3 (Python/getargs.c): s and z take a
 * str only, as its UTF-8 (cached in the str, which keeps it as long as it
 * lives); s#, z# (a str's UTF-8 too), y and y# a read-only bytes-like
 * object: one with no release proc, bytes lent as is, any other exported
 * (LBSYS_ARG_EXPORT); s*, z* (a str's UTF-8 too), y* and w* an export. An
 * object with no buffer at all gets PyObject_GetBuffer's own TypeError
 * (LBSYS_ERROR), which getargs.c passes on; for w*, which replaces it,
 * LBSYS_ARG_NO_BUFFER. t# and w# are gone (LBSYS_ARG_NO_PROC: the parser
 * refuses their formats first). */
int lbsys_arg(PyObject *o, int unit, void **ptr, Py_ssize_t *len)
{
    PyBufferProcs *pb = Py_TYPE(o)->tp_as_buffer;
    Py_buffer view;

    if (unit <= LBSYS_ARG_READ_VIEW) {
        if (PyUnicode_Check(o)) {
            const char *utf8 = PyUnicode_AsUTF8AndSize(o, len);
            if (utf8 == NULL)
                return LBSYS_ARG_ENCODE;
            *ptr = (void *)utf8;
            return LBSYS_IMMUTABLE;
        }
        if (unit == LBSYS_ARG_STRING)
            return LBSYS_ARG_NOT_STRING;
    }
    switch (unit) {
    case LBSYS_ARG_READ:
    case LBSYS_ARG_BYTES:
        if (pb != NULL && pb->bf_releasebuffer != NULL)
            return LBSYS_ARG_NO_PROC;
        if (is_bytes(o)) {
            *ptr = PyBytes_AS_STRING(o);
            *len = PyBytes_GET_SIZE(o);
            return LBSYS_IMMUTABLE;
        }
        break;
    case LBSYS_ARG_READ_VIEW:
    case LBSYS_ARG_BYTES_VIEW:
        break;
    case LBSYS_ARG_WRITE_VIEW:
        if (pb == NULL || pb->bf_getbuffer == NULL)
            return LBSYS_ARG_NO_BUFFER;
        return LBSYS_ARG_EXPORT;
    default:
        return LBSYS_ARG_NO_PROC;
    }
    if (pb == NULL || pb->bf_getbuffer == NULL) {
        /* Fails, setting "a bytes-like object is required, not '...'"
           without calling any code of o's. */
        if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) == 0) {
            PyBuffer_Release(&view);
            return LBSYS_ARG_EXPORT;
        }
        return LBSYS_ERROR;
    }
    return LBSYS_ARG_EXPORT;
}

#endif /* LB_PY3 */
