/*
 * argparity: the real PyArg_ParseTuple and PyArg_ParseTupleAndKeywords,
 * called with a format chosen at run time, their outputs turned into
 * strings: the oracle legacy-buffer's Rust argument parser is compared with
 * (tests/tests/arg_parity.rs).
 *
 *   parse(format, args, kwargs=None, kwlist=None, types=())
 *       -> (outputs, stray)
 *
 * With kwlist None, PyArg_ParseTuple(args, format, ...); otherwise
 * PyArg_ParseTupleAndKeywords(args, kwargs, format, kwlist, ...). types
 * are the type objects of the format's O! units, in order. A parse that
 * fails raises what the parser raised. One that succeeds returns a tuple
 * with one string per unit of the format, and the exception the parser
 * left set (a buffer proc that succeeded with one set), or None:
 *
 *   -              not given (an optional argument)
 *   None           NULL for None (z, z#, z*)
 *   b<hex>         the bytes of s, z (up to the NUL), s#, z#, t#, w#
 *   v<hex>/<ro>    the bytes of a Py_buffer (s*, z*, w*) and its readonly
 *                  flag; the buffer is released
 *   unfilled       a Py_buffer the parser reported filled but left as it
 *                  was (getargs.c's getbuffer() returns a Py_ssize_t
 *                  failure as an int, which can turn it positive)
 *   NULL<n>        a NULL pointer with length n (a misbehaving exporter)
 *   len<n>         a length too large to copy
 *   i<n>           an integer (c, b, B, h, H, i, I, l, k, L, K, n)
 *   f<bits>        a float or double, as the bits of the double (signed)
 *   o=<type>       the argument object itself (O, O!, S, U)
 *   o!<type>       an object that is not the argument
 *
 * The format is interpreted here only to know which outputs each unit
 * writes; everything else is the parser's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* The descriptions are native str on both lines: bytes on Python 2,
   ASCII text on Python 3. */
#if PY_MAJOR_VERSION >= 3
#define PyString_FromString PyUnicode_FromString
#define PyString_FromFormat PyUnicode_FromFormat
#define PyString_AsString(o) ((char *)PyUnicode_AsUTF8(o))
#define new_ascii(n) PyUnicode_New((n), 127)
#define ascii_data(s) ((char *)PyUnicode_1BYTE_DATA(s))
/* The units Python 3 has beside Python 2's (less t# and w#). */
#define LINE_UNITS "yCpY"
#else
#define new_ascii(n) PyString_FromStringAndSize(NULL, (n))
#define ascii_data(s) PyString_AS_STRING(s)
#define LINE_UNITS ""
#endif

#define MAX_UNITS 16
#define MAX_POINTERS 32
/* Larger buffers are described by length only (hostile.Enormous). */
#define MAX_COPY (1 << 24)

typedef union {
    char *s;
    struct {
        char *p;
        Py_ssize_t n;
    } sized;
    Py_buffer view;
    char c;
    short h;
    unsigned short uh;
    int i;
    unsigned int ui;
    long l;
    unsigned long ul;
    PY_LONG_LONG ll;
    unsigned PY_LONG_LONG ull;
    Py_ssize_t n;
    float f;
    double d;
    PyObject *o;
} slot;

/* A unit: its letter and modifier ('#', '*', '!' or 0). */
typedef struct {
    char code;
    char modifier;
} unit;

/* The units of format, up to the first ':' or ';'; -1 with ValueError for
 * what this module does not interpret. */
static int
read_units(const char *format, unit *units)
{
    int n = 0;
    const char *f = format;

    while (*f && *f != ':' && *f != ';') {
        char c = *f++;
        char m = 0;
        if (c == '|')
            continue;
        if (strchr("szwy", c) && (*f == '#' || *f == '*'))
            m = *f++;
        else if (c == 't' && *f == '#')
            m = *f++;
        else if (c == 'O' && *f == '!')
            m = *f++;
        else if (!strchr("szcbBhHiIlkLKnfdOSU" LINE_UNITS, c)) {
            PyErr_Format(PyExc_ValueError, "argparity: unit '%c' in %s", c, format);
            return -1;
        }
        if (n == MAX_UNITS) {
            PyErr_SetString(PyExc_ValueError, "argparity: too many units");
            return -1;
        }
        units[n].code = c;
        units[n].modifier = m;
        n++;
    }
    return n;
}

static PyObject *
hex_string(const char *prefix, const char *p, Py_ssize_t n, const char *suffix)
{
    static const char digits[] = "0123456789abcdef";
    size_t plen = strlen(prefix), slen = strlen(suffix);
    PyObject *s = new_ascii((Py_ssize_t)plen + 2 * n + (Py_ssize_t)slen);
    char *out;
    Py_ssize_t i;

    if (s == NULL)
        return NULL;
    out = ascii_data(s);
    memcpy(out, prefix, plen);
    out += plen;
    for (i = 0; i < n; i++) {
        *out++ = digits[((unsigned char)p[i]) >> 4];
        *out++ = digits[((unsigned char)p[i]) & 15];
    }
    memcpy(out, suffix, slen);
    return s;
}

static PyObject *
bytes_string(const char *p, Py_ssize_t n, const char *prefix, const char *suffix)
{
    char text[64];

    if (p == NULL && n != 0) {
        PyOS_snprintf(text, sizeof text, "NULL%zd", n);
        return PyString_FromString(text);
    }
    if (n > MAX_COPY) {
        PyOS_snprintf(text, sizeof text, "len%zd", n);
        return PyString_FromString(text);
    }
    return hex_string(prefix, p, n, suffix);
}

static PyObject *
integer_string(PY_LONG_LONG value)
{
    char text[32];
    PyOS_snprintf(text, sizeof text, "i%lld", value);
    return PyString_FromString(text);
}

static PyObject *
unsigned_string(unsigned PY_LONG_LONG value)
{
    char text[32];
    PyOS_snprintf(text, sizeof text, "i%llu", value);
    return PyString_FromString(text);
}

static PyObject *
float_string(double value)
{
    char text[32];
    PY_LONG_LONG bits;
    memcpy(&bits, &value, sizeof bits);
    PyOS_snprintf(text, sizeof text, "f%lld", bits);
    return PyString_FromString(text);
}

/* The description of unit u's output; arg is what the unit converted. */
/* What a Py_buffer slot holds before the parse: no object, and a length
 * no exporter gives. */
#define UNFILLED_LEN (-7)

static PyObject *
describe(unit u, slot *s, PyObject *arg)
{
    if (u.modifier == '*' && s->view.obj == NULL && s->view.buf == NULL &&
        s->view.len == UNFILLED_LEN)
        return PyString_FromString("unfilled");
    switch (u.code) {
    case 's':
    case 'z':
    case 'y':
        if (u.modifier == '*') {
            PyObject *r;
            if (u.code == 'z' && arg == Py_None && s->view.obj == NULL) {
                PyBuffer_Release(&s->view);
                return PyString_FromString("None");
            }
            r = bytes_string(s->view.buf, s->view.len, "v", s->view.readonly ? "/1" : "/0");
            PyBuffer_Release(&s->view);
            return r;
        }
        if (u.modifier == '#') {
            if (u.code == 'z' && arg == Py_None && s->sized.p == NULL)
                return PyString_FromString("None");
            return bytes_string(s->sized.p, s->sized.n, "b", "");
        }
        if (s->s == NULL)
            return PyString_FromString("None");
        return bytes_string(s->s, (Py_ssize_t)strlen(s->s), "b", "");
    case 't':
        return bytes_string(s->sized.p, s->sized.n, "b", "");
    case 'w':
        if (u.modifier == '*') {
            PyObject *r = bytes_string(s->view.buf, s->view.len, "v",
                                       s->view.readonly ? "/1" : "/0");
            PyBuffer_Release(&s->view);
            return r;
        }
        return bytes_string(s->sized.p, s->sized.n, "b", "");
    case 'c':
    case 'b':
    case 'B':
        return integer_string((unsigned char)s->c);
    case 'h':
        return integer_string(s->h);
    case 'H':
        return integer_string(s->uh);
    case 'i':
    case 'C':
    case 'p':
        return integer_string(s->i);
    case 'I':
        return integer_string(s->ui);
    case 'l':
        return integer_string(s->l);
    case 'k':
        return unsigned_string(s->ul);
    case 'L':
        return integer_string(s->ll);
    case 'K':
        return unsigned_string(s->ull);
    case 'n':
        return integer_string(s->n);
    case 'f':
        return float_string(s->f);
    case 'd':
        return float_string(s->d);
    default: /* O, O!, S, U */
        return PyString_FromFormat("o%c%s", s->o == arg ? '=' : '!', Py_TYPE(s->o)->tp_name);
    }
}

static PyObject *
argparity_parse(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"format", "args", "kwargs", "kwlist", "types", NULL};
    const char *format;
    PyObject *pargs, *pkwargs = Py_None, *pkwlist = Py_None, *types = NULL;
    unit units[MAX_UNITS];
    slot slots[MAX_UNITS];
    void *p[MAX_POINTERS];
    char *kwlist[MAX_UNITS + 1];
    int nunits, np = 0, ntypes = 0, ok, u;
    PyObject *outputs, *stray = Py_None, *st, *sv, *stb;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "sO!|OOO!:parse", keywords, &format,
                                     &PyTuple_Type, &pargs, &pkwargs, &pkwlist,
                                     &PyTuple_Type, &types))
        return NULL;
    if (pkwargs != Py_None && !PyDict_Check(pkwargs)) {
        PyErr_SetString(PyExc_TypeError, "argparity: kwargs must be a dict or None");
        return NULL;
    }
    if ((nunits = read_units(format, units)) < 0)
        return NULL;

    memset(slots, 0, sizeof slots);
    memset(p, 0, sizeof p);
    for (u = 0; u < nunits; u++) {
        if (units[u].code == 'O' && units[u].modifier == '!') {
            if (types == NULL || ntypes >= PyTuple_GET_SIZE(types)) {
                PyErr_SetString(PyExc_ValueError, "argparity: too few types for O!");
                return NULL;
            }
            p[np++] = PyTuple_GET_ITEM(types, ntypes++);
        }
        if (units[u].modifier == '*')
            slots[u].view.len = UNFILLED_LEN;
        if (units[u].modifier == '#') {
            p[np++] = &slots[u].sized.p;
            p[np++] = &slots[u].sized.n;
        }
        else
            p[np++] = &slots[u];
    }

    if (pkwlist == Py_None) {
        ok = PyArg_ParseTuple(pargs, format, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                              p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
                              p[17], p[18], p[19], p[20], p[21], p[22], p[23], p[24], p[25],
                              p[26], p[27], p[28], p[29], p[30], p[31]);
    }
    else {
        Py_ssize_t i, n;
        if (!PyList_Check(pkwlist) || (n = PyList_GET_SIZE(pkwlist)) > MAX_UNITS) {
            PyErr_SetString(PyExc_TypeError, "argparity: kwlist must be a short list of str");
            return NULL;
        }
        for (i = 0; i < n; i++) {
            if ((kwlist[i] = PyString_AsString(PyList_GET_ITEM(pkwlist, i))) == NULL)
                return NULL;
        }
        kwlist[n] = NULL;
        ok = PyArg_ParseTupleAndKeywords(
            pargs, pkwargs == Py_None ? NULL : pkwargs, format, kwlist, p[0], p[1], p[2], p[3],
            p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
            p[17], p[18], p[19], p[20], p[21], p[22], p[23], p[24], p[25], p[26], p[27], p[28],
            p[29], p[30], p[31]);
    }
    if (!ok)
        return NULL;

    /* A proc that succeeded with an exception set: the parser passes it on. */
    PyErr_Fetch(&st, &sv, &stb);
    if (st != NULL) {
        PyErr_NormalizeException(&st, &sv, &stb);
        stray = Py_BuildValue("(sO)", ((PyTypeObject *)st)->tp_name, sv ? sv : Py_None);
        Py_XDECREF(st);
        Py_XDECREF(sv);
        Py_XDECREF(stb);
        if (stray == NULL)
            return NULL;
    }
    else
        Py_INCREF(stray);

    outputs = PyTuple_New(nunits);
    if (outputs == NULL) {
        Py_DECREF(stray);
        return NULL;
    }
    for (u = 0; u < nunits; u++) {
        PyObject *arg = NULL, *d;
        if (u < PyTuple_GET_SIZE(pargs))
            arg = PyTuple_GET_ITEM(pargs, u);
        else if (pkwlist != Py_None && pkwargs != Py_None && u < PyList_GET_SIZE(pkwlist))
            arg = PyDict_GetItemString(pkwargs, kwlist[u]);
        if (arg == NULL) {
            /* Not converted; a Py_buffer was not filled, nothing to release. */
            d = PyString_FromString("-");
        }
        else
            d = describe(units[u], &slots[u], arg);
        if (d == NULL) {
            Py_DECREF(outputs);
            Py_DECREF(stray);
            return NULL;
        }
        PyTuple_SET_ITEM(outputs, u, d);
    }
    return Py_BuildValue("(NN)", outputs, stray);
}

static PyMethodDef argparity_functions[] = {
    /* PyCFunctionWithKeywords through PyCFunction, as METH_KEYWORDS asks; the
     * cast through void (*)(void) says so to the compiler. */
    {"parse", (PyCFunction)(void (*)(void))argparity_parse, METH_VARARGS | METH_KEYWORDS,
     "parse(format, args, kwargs=None, kwlist=None, types=()) -> (outputs, stray)"},
    {NULL, NULL, 0, NULL}};

#define ARGPARITY_DOC "The real PyArg_ParseTuple(AndKeywords) with formats chosen at run time."

#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef argparity_module = {
    PyModuleDef_HEAD_INIT, "argparity", ARGPARITY_DOC, -1, argparity_functions,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit_argparity(void)
{
    return PyModule_Create(&argparity_module);
}
#else
PyMODINIT_FUNC
initargparity(void)
{
    Py_InitModule3("argparity", argparity_functions, ARGPARITY_DOC);
}
#endif
