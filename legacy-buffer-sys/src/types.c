/* Types defined in Rust: their type objects, made from a spec, and the
 * buffer procs of those that export memory (see types.h). */
#include "types.h"
#include <stddef.h>
#include <string.h>

/* An object of such a type as C sees it; the Rust value follows. */
typedef struct {
    PyObject_HEAD
    lbsys_head head;
} lb_instance;

#define HEAD(o) (&((lb_instance *)(o))->head)

size_t lbsys_head_offset(void)
{
    return offsetof(lb_instance, head);
}

/* ---- buffer procs: one set for every exporting type ---------------------
 *
 * The old protocol's procs give the memory as it is now, every time they
 * are asked (buffer() asks again on every access; the memory may have
 * moved since). The new protocol's count one export per view while it
 * lives: Rust refuses to resize while any is counted, so a view's pointer
 * stays good until it is released. These are also what legacy-buffer's
 * borrows recognise (lbsys_is_rust_exporter) to pin such an object
 * themselves, by counting one export. */

#if !LB_PY3
static Py_ssize_t one_segment(PyObject *o, Py_ssize_t index, void **ptr)
{
    if (index != 0) {
        PyErr_SetString(PyExc_SystemError, "accessing non-existent segment");
        return -1;
    }
    *ptr = HEAD(o)->ptr;
    return HEAD(o)->len;
}

Py_ssize_t lb_rust_getreadbuf(PyObject *o, Py_ssize_t index, void **ptr)
{
    return one_segment(o, index, ptr);
}

#define getreadbuf lb_rust_getreadbuf
#endif

lbsys_head *lb_head_of(PyObject *o)
{
    return HEAD(o);
}

/* Python 3 has no old buffer procs. */
#if !LB_PY3
static Py_ssize_t getwritebuf(PyObject *o, Py_ssize_t index, void **ptr)
{
    return one_segment(o, index, ptr);
}

static Py_ssize_t getsegcount(PyObject *o, Py_ssize_t *lenp)
{
    if (lenp != NULL)
        *lenp = HEAD(o)->len;
    return 1;
}

static Py_ssize_t getcharbuf(PyObject *o, Py_ssize_t index, char **ptr)
{
    return one_segment(o, index, (void **)ptr);
}
#endif

/* The most exports counted: leaked views (a C extension that never
 * releases) must not wrap the counter, which Rust reads as "resizable"
 * only at zero. */
#define LB_MAX_EXPORTS (PY_SSIZE_T_MAX / 2)

static int export_view(PyObject *o, Py_buffer *view, int flags, int readonly)
{
    lbsys_head *head = HEAD(o);
    if (head->exports >= LB_MAX_EXPORTS) {
        PyErr_SetString(PyExc_BufferError, "too many exports of this object");
        return -1;
    }
    if (view == NULL) {
        head->exports++;
        return 0;
    }
    if (PyBuffer_FillInfo(view, o, head->ptr, head->len, readonly, flags) < 0)
        return -1;
    head->exports++;
    return 0;
}

static int getbuffer(PyObject *o, Py_buffer *view, int flags)
{
    return export_view(o, view, flags, 0);
}

static int getbuffer_readonly(PyObject *o, Py_buffer *view, int flags)
{
    return export_view(o, view, flags, 1);
}

static void releasebuffer(PyObject *o, Py_buffer *view)
{
    (void)view;
    HEAD(o)->exports--;
}

#if LB_PY3
static PyBufferProcs writable_procs = {getbuffer, releasebuffer};
static PyBufferProcs readonly_procs = {getbuffer_readonly, releasebuffer};
#else
static PyBufferProcs writable_procs = {
    getreadbuf, getwritebuf, getsegcount, getcharbuf, getbuffer, releasebuffer,
};

static PyBufferProcs readonly_procs = {
    getreadbuf, NULL, getsegcount, getcharbuf, getbuffer_readonly, releasebuffer,
};
#endif

int lbsys_is_rust_exporter(PyObject *o)
{
    PyBufferProcs *pb = Py_TYPE(o)->tp_as_buffer;
    /* A subclass made by Python copies the procs into its own table: compare
     * the procs, not the table. */
    return pb == &writable_procs || pb == &readonly_procs ||
           (pb != NULL &&
#if !LB_PY3
            pb->bf_getsegcount == getsegcount &&
#endif
            (pb->bf_getbuffer == getbuffer || pb->bf_getbuffer == getbuffer_readonly));
}

PyObject *lbsys_type_alloc(PyTypeObject *type)
{
    return type->tp_alloc(type, 0);
}

void lbsys_type_free(PyObject *o)
{
    Py_TYPE(o)->tp_free(o);
}

void lbsys_gc_untrack(PyObject *o)
{
    (void)o; /* PyPy's PyObject_GC_UnTrack is an empty macro */
    if (PyType_IS_GC(Py_TYPE(o)))
        PyObject_GC_UnTrack(o);
}

int lbsys_type_check(PyObject *o, PyTypeObject *type)
{
    return Py_TYPE(o) == type || PyType_IsSubtype(Py_TYPE(o), type);
}

/* ---- the instance dict ---------------------------------------------------
 *
 * tp_dictoffset alone lets attributes be stored, but `obj.__dict__` (so
 * vars(), copy and pickle, which read it) is a descriptor of the type's, as
 * type_new gives the classes it makes and C types write for themselves.
 * tp_dictoffset is the head's dict for these types and their subclasses
 * (which inherit it rather than add their own). */

static PyObject *get_dict(PyObject *o, void *closure)
{
    PyObject **dict = &HEAD(o)->dict;
    (void)closure;
    if (*dict == NULL && (*dict = PyDict_New()) == NULL)
        return NULL;
    Py_INCREF(*dict);
    return *dict;
}

static int set_dict(PyObject *o, PyObject *value, void *closure)
{
    PyObject *old = HEAD(o)->dict;
    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "__dict__ may not be deleted");
        return -1;
    }
    if (!PyDict_Check(value)) {
        PyErr_Format(PyExc_TypeError, "__dict__ must be set to a dictionary, not a '%.200s'",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    Py_INCREF(value);
    HEAD(o)->dict = value;
    Py_XDECREF(old);
    return 0;
}

static PyGetSetDef dict_getset[] = {
    {"__dict__", get_dict, set_dict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- the type object ---------------------------------------------------- */

static void *zalloc(size_t size)
{
    void *p = calloc(1, size);
    if (p == NULL)
        PyErr_NoMemory();
    return p;
}

/* The slot tables, allocated when a slot of theirs is given. */
#define NEEDS(table, type)                                                                         \
    if (tp->table == NULL && (tp->table = zalloc(sizeof(type))) == NULL)                           \
        return -1;

static int set_slot(PyTypeObject *tp, const lbsys_slot *s)
{
    void *f = s->pfunc;
    switch (s->slot) {
    case LBSYS_TP_DEALLOC: tp->tp_dealloc = (destructor)f; return 0;
    case LBSYS_TP_REPR: tp->tp_repr = (reprfunc)f; return 0;
    case LBSYS_TP_STR: tp->tp_str = (reprfunc)f; return 0;
    case LBSYS_TP_HASH: tp->tp_hash = (hashfunc)f; return 0;
    case LBSYS_TP_RICHCOMPARE: tp->tp_richcompare = (richcmpfunc)f; return 0;
    case LBSYS_TP_ITER: tp->tp_iter = (getiterfunc)f; return 0;
    case LBSYS_TP_ITERNEXT: tp->tp_iternext = (iternextfunc)f; return 0;
    case LBSYS_TP_TRAVERSE: tp->tp_traverse = (traverseproc)f; return 0;
    case LBSYS_TP_CLEAR: tp->tp_clear = (inquiry)f; return 0;
    case LBSYS_TP_NEW: tp->tp_new = (newfunc)f; return 0;
    case LBSYS_TP_CALL: tp->tp_call = (ternaryfunc)f; return 0;
    case LBSYS_TP_INIT: tp->tp_init = (initproc)f; return 0;
    }
    if (s->slot >= LBSYS_SQ_LENGTH && s->slot <= LBSYS_SQ_INPLACE_REPEAT) {
        NEEDS(tp_as_sequence, PySequenceMethods)
        PySequenceMethods *sq = tp->tp_as_sequence;
        switch (s->slot) {
        case LBSYS_SQ_LENGTH: sq->sq_length = (lenfunc)f; return 0;
        case LBSYS_SQ_CONCAT: sq->sq_concat = (binaryfunc)f; return 0;
        case LBSYS_SQ_REPEAT: sq->sq_repeat = (ssizeargfunc)f; return 0;
        case LBSYS_SQ_ITEM: sq->sq_item = (ssizeargfunc)f; return 0;
        case LBSYS_SQ_ASS_ITEM: sq->sq_ass_item = (ssizeobjargproc)f; return 0;
        case LBSYS_SQ_CONTAINS: sq->sq_contains = (objobjproc)f; return 0;
        case LBSYS_SQ_INPLACE_CONCAT: sq->sq_inplace_concat = (binaryfunc)f; return 0;
        case LBSYS_SQ_INPLACE_REPEAT: sq->sq_inplace_repeat = (ssizeargfunc)f; return 0;
        }
    }
    if (s->slot >= LBSYS_MP_LENGTH && s->slot <= LBSYS_MP_ASS_SUBSCRIPT) {
        NEEDS(tp_as_mapping, PyMappingMethods)
        PyMappingMethods *mp = tp->tp_as_mapping;
        switch (s->slot) {
        case LBSYS_MP_LENGTH: mp->mp_length = (lenfunc)f; return 0;
        case LBSYS_MP_SUBSCRIPT: mp->mp_subscript = (binaryfunc)f; return 0;
        case LBSYS_MP_ASS_SUBSCRIPT: mp->mp_ass_subscript = (objobjargproc)f; return 0;
        }
    }
    if (s->slot >= LBSYS_NB_AND && s->slot <= LBSYS_NB_LONG) {
        NEEDS(tp_as_number, PyNumberMethods)
        PyNumberMethods *nb = tp->tp_as_number;
        switch (s->slot) {
        case LBSYS_NB_AND: nb->nb_and = (binaryfunc)f; return 0;
        case LBSYS_NB_OR: nb->nb_or = (binaryfunc)f; return 0;
        case LBSYS_NB_XOR: nb->nb_xor = (binaryfunc)f; return 0;
        case LBSYS_NB_LSHIFT: nb->nb_lshift = (binaryfunc)f; return 0;
        case LBSYS_NB_RSHIFT: nb->nb_rshift = (binaryfunc)f; return 0;
        case LBSYS_NB_INVERT: nb->nb_invert = (unaryfunc)f; return 0;
#if LB_PY3
        case LBSYS_NB_NONZERO: nb->nb_bool = (inquiry)f; return 0;
#else
        case LBSYS_NB_NONZERO: nb->nb_nonzero = (inquiry)f; return 0;
#endif
        case LBSYS_NB_INPLACE_AND: nb->nb_inplace_and = (binaryfunc)f; return 0;
        case LBSYS_NB_INPLACE_OR: nb->nb_inplace_or = (binaryfunc)f; return 0;
        case LBSYS_NB_INPLACE_XOR: nb->nb_inplace_xor = (binaryfunc)f; return 0;
        case LBSYS_NB_INPLACE_LSHIFT: nb->nb_inplace_lshift = (binaryfunc)f; return 0;
        case LBSYS_NB_INPLACE_RSHIFT: nb->nb_inplace_rshift = (binaryfunc)f; return 0;
        case LBSYS_NB_ADD: nb->nb_add = (binaryfunc)f; return 0;
        case LBSYS_NB_SUBTRACT: nb->nb_subtract = (binaryfunc)f; return 0;
        case LBSYS_NB_MULTIPLY: nb->nb_multiply = (binaryfunc)f; return 0;
        case LBSYS_NB_INDEX: nb->nb_index = (unaryfunc)f; return 0;
        case LBSYS_NB_INT: nb->nb_int = (unaryfunc)f; return 0;
#if LB_PY3
        /* Python 3 has one int type, and no __long__. */
        case LBSYS_NB_LONG: return 0;
#else
        case LBSYS_NB_LONG: nb->nb_long = (unaryfunc)f; return 0;
#endif
        }
    }
    PyErr_Format(PyExc_SystemError, "legacy-buffer: unknown type slot %d", s->slot);
    return -1;
}

/* The collector's view of a type whose only references are its instance
 * dict (the dict feature without Rust GC support). */
static int dict_traverse(PyObject *o, visitproc visit, void *arg)
{
    Py_VISIT(HEAD(o)->dict);
    return 0;
}

static int dict_clear(PyObject *o)
{
    Py_CLEAR(HEAD(o)->dict);
    return 0;
}

PyTypeObject *lbsys_type_new(const lbsys_type_spec *spec)
{
    PyTypeObject *tp;
    const lbsys_slot *s;
    if (spec->head_offset != (Py_ssize_t)offsetof(lb_instance, head) ||
        spec->basicsize < (Py_ssize_t)sizeof(lb_instance)) {
        PyErr_Format(PyExc_SystemError,
                     "legacy-buffer: %s: the object head is at %zd for Rust, %zu for C "
                     "(bindings built for another Python?)",
                     spec->name, spec->head_offset, offsetof(lb_instance, head));
        return NULL;
    }
    if ((tp = zalloc(sizeof(PyTypeObject))) == NULL)
        return NULL;
    /* What PyObject_HEAD_INIT(NULL) gives a static type: PyType_Ready sets
     * the metatype. Never freed, as static types are not. */
#if LB_PY3
    Py_SET_REFCNT(tp, 1);
#else
    Py_REFCNT(tp) = 1;
#endif
    tp->tp_name = spec->name;
    tp->tp_doc = spec->doc;
    tp->tp_basicsize = spec->basicsize;
    tp->tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_CHECKTYPES;
    if (spec->flags & LBSYS_BASETYPE)
        tp->tp_flags |= Py_TPFLAGS_BASETYPE;
    /* An instance dict can close a reference cycle (obj.self = obj): such a
     * type is collectable even when its Rust value holds no objects. */
    if (spec->flags & (LBSYS_GC | LBSYS_DICT))
        tp->tp_flags |= Py_TPFLAGS_HAVE_GC;
    if (spec->flags & LBSYS_WEAKREFS)
        tp->tp_weaklistoffset = offsetof(lb_instance, head.weaklist);
    if (spec->flags & LBSYS_DICT)
        tp->tp_dictoffset = offsetof(lb_instance, head.dict);
    if (spec->flags & LBSYS_EXPORTS) {
        tp->tp_as_buffer = (spec->flags & LBSYS_READONLY) ? &readonly_procs : &writable_procs;
        tp->tp_flags |= Py_TPFLAGS_HAVE_NEWBUFFER;
    }
    if (spec->flags & LBSYS_UNHASHABLE)
        tp->tp_hash = PyObject_HashNotImplemented;
    /* As C types write it (bitarray's do; xxhash's leave it NULL, to be
     * inherited, which gives the type no __getattribute__ of its own:
     * LBSYS_INHERIT_GETATTR). tp_setattro is inherited from object
     * (setting it here would give the type a __delattr__ of its own under
     * PyPy). */
    if (!(spec->flags & LBSYS_INHERIT_GETATTR))
        tp->tp_getattro = PyObject_GenericGetAttr;
    tp->tp_alloc = PyType_GenericAlloc;
    tp->tp_free = (spec->flags & (LBSYS_GC | LBSYS_DICT)) ? PyObject_GC_Del : PyObject_Del;
    tp->tp_methods = spec->methods;
    tp->tp_getset = spec->getset;
    if ((spec->flags & LBSYS_DICT) && spec->getset == NULL)
        tp->tp_getset = dict_getset;
    else if ((spec->flags & LBSYS_DICT)) {
        /* The type's properties, then __dict__: one table (never freed,
         * as the type is not). */
        Py_ssize_t n = 0;
        PyGetSetDef *table;
        while (spec->getset[n].name != NULL)
            n++;
        if ((table = zalloc((n + 2) * sizeof(PyGetSetDef))) == NULL)
            return NULL;
        memcpy(table, spec->getset, n * sizeof(PyGetSetDef));
        table[n] = dict_getset[0];
        tp->tp_getset = table;
    }
    for (s = spec->slots; s != NULL && s->slot != LBSYS_SLOT_END; s++)
        if (set_slot(tp, s) < 0)
            return NULL;
    if ((spec->flags & LBSYS_DICT) && tp->tp_traverse == NULL) {
        tp->tp_traverse = dict_traverse;
        tp->tp_clear = dict_clear;
    }
    if (PyType_Ready(tp) < 0)
        return NULL;
    return tp;
}
