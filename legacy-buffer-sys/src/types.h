/* Types defined in Rust (legacy-buffer's extension types): the C side of
 * them, which needs PyTypeObject's layout (opaque to Rust, since it differs
 * between release, debug and PyPy builds): making the type object from a
 * spec, as Python 3's PyType_FromSpec does, and the buffer procs every such
 * type that exports memory shares. Not an API of its own: legacy-buffer is
 * its one user, and documents the rules. */
#ifndef LEGACY_BUFFER_SYS_TYPES_H
#define LEGACY_BUFFER_SYS_TYPES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "compat.h"

/* What every object of such a type holds right after its PyObject_HEAD,
 * before the Rust value: the memory it exports (a Rust Vec<u8>'s parts,
 * owned and resized by Rust only; ptr is never NULL once the object is
 * made), the exports counted (new-protocol views and legacy-buffer's
 * pins: while any is, Rust refuses to resize), the Rust value's borrow
 * flag (0: no value, 1: free, n > 1: n - 1 shared borrows, -1: borrowed
 * mutably), the weak-reference list and the instance dict. All zero as
 * tp_alloc leaves it. */
typedef struct {
    char *ptr;
    Py_ssize_t len;
    Py_ssize_t cap;
    Py_ssize_t exports;
    Py_ssize_t borrow;
    PyObject *weaklist;
    PyObject *dict;
} lbsys_head;

/* The slots a spec may fill, by number (as PyType_FromSpec's Py_tp_*). */
enum {
    LBSYS_SLOT_END = 0,
    LBSYS_TP_DEALLOC = 1,
    LBSYS_TP_REPR = 2,
    LBSYS_TP_STR = 3,
    LBSYS_TP_HASH = 4,
    LBSYS_TP_RICHCOMPARE = 5,
    LBSYS_TP_ITER = 6,
    LBSYS_TP_ITERNEXT = 7,
    LBSYS_TP_TRAVERSE = 8,
    LBSYS_TP_CLEAR = 9,
    LBSYS_TP_NEW = 10,
    LBSYS_TP_CALL = 11,
    LBSYS_TP_INIT = 12,
    LBSYS_SQ_LENGTH = 20,
    LBSYS_SQ_CONCAT = 21,
    LBSYS_SQ_REPEAT = 22,
    LBSYS_SQ_ITEM = 23,
    LBSYS_SQ_ASS_ITEM = 24,
    LBSYS_SQ_CONTAINS = 25,
    LBSYS_SQ_INPLACE_CONCAT = 26,
    LBSYS_SQ_INPLACE_REPEAT = 27,
    LBSYS_MP_LENGTH = 30,
    LBSYS_MP_SUBSCRIPT = 31,
    LBSYS_MP_ASS_SUBSCRIPT = 32,
    LBSYS_NB_AND = 40,
    LBSYS_NB_OR = 41,
    LBSYS_NB_XOR = 42,
    LBSYS_NB_LSHIFT = 43,
    LBSYS_NB_RSHIFT = 44,
    LBSYS_NB_INVERT = 45,
    LBSYS_NB_NONZERO = 46,
    LBSYS_NB_INPLACE_AND = 47,
    LBSYS_NB_INPLACE_OR = 48,
    LBSYS_NB_INPLACE_XOR = 49,
    LBSYS_NB_INPLACE_LSHIFT = 50,
    LBSYS_NB_INPLACE_RSHIFT = 51,
    LBSYS_NB_ADD = 52,
    LBSYS_NB_SUBTRACT = 53,
    LBSYS_NB_MULTIPLY = 54,
    LBSYS_NB_INDEX = 55,
    LBSYS_NB_INT = 56,
    LBSYS_NB_LONG = 57
};

typedef struct {
    int slot;
    void *pfunc;
} lbsys_slot;

/* What a spec asks for besides slots. */
enum {
    LBSYS_BASETYPE = 1,    /* subclassable (Py_TPFLAGS_BASETYPE) */
    LBSYS_GC = 2,          /* tp_traverse/tp_clear given (Py_TPFLAGS_HAVE_GC) */
    LBSYS_WEAKREFS = 4,    /* weak references (tp_weaklistoffset) */
    LBSYS_DICT = 8,        /* an instance __dict__ (tp_dictoffset) */
    LBSYS_EXPORTS = 16,    /* lbsys_head's memory through both buffer protocols */
    LBSYS_READONLY = 32,   /* with LBSYS_EXPORTS: read-only (no write proc) */
    LBSYS_UNHASHABLE = 64, /* tp_hash = PyObject_HashNotImplemented */
    LBSYS_INHERIT_GETATTR = 128 /* tp_getattro left NULL, inherited from object */
};

typedef struct {
    const char *name;          /* tp_name: "package.module.Name" */
    const char *doc;           /* or NULL */
    Py_ssize_t head_offset;    /* where Rust puts lbsys_head: checked */
    Py_ssize_t basicsize;      /* the head, then the Rust value */
    int flags;                 /* LBSYS_BASETYPE | ... */
    PyMethodDef *methods;      /* or NULL; ended by a NULL name */
    PyGetSetDef *getset;       /* or NULL; ended by a NULL name */
    const lbsys_slot *slots;   /* ended by LBSYS_SLOT_END */
} lbsys_type_spec;

/* A new type object made from spec and readied (never freed: types live as
 * long as the process, as static C types do); NULL with an exception set
 * on failure. GIL held. */
PyTypeObject *lbsys_type_new(const lbsys_type_spec *spec);

/* type->tp_alloc(type, 0): a new object of type, all zero but its header;
 * NULL with an exception set. */
PyObject *lbsys_type_alloc(PyTypeObject *type);

/* Py_TYPE(o)->tp_free(o): the last step of a tp_dealloc. */
void lbsys_type_free(PyObject *o);

/* PyObject_GC_UnTrack(o) where o's type is a GC type. */
void lbsys_gc_untrack(PyObject *o);

/* Whether o is an instance of type (its type or a subtype): the check a
 * method descriptor makes. Runs no code. */
int lbsys_type_check(PyObject *o, PyTypeObject *type);

/* Whether o's type exports lbsys_head's memory (a type made here with
 * LBSYS_EXPORTS, or a subclass that kept its procs). Runs no code. */
int lbsys_is_rust_exporter(PyObject *o);

/* offsetof(instance, head): what Rust must agree with. */
size_t lbsys_head_offset(void);

/* For exporter.c, which pins such objects: the head of o (an object of a
 * type made here), and the read proc they all share. */
lbsys_head *lb_head_of(PyObject *o);
Py_ssize_t lb_rust_getreadbuf(PyObject *o, Py_ssize_t index, void **ptr);

#endif
