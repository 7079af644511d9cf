/*
 * legacy_checksum: a small Python 2.7 extension module in the classic style,
 * reading its arguments through the old buffer protocol. It is the reference
 * that the Rust port is compared against, so its behaviour (results and
 * errors) is the specification; see tests/python/test_legacy_checksum.py.
 *
 *   adler32(buf[, start])  same result as zlib.adler32 (a signed 32-bit int)
 *   crc32(buf[, start])    same result as zlib.crc32 (a signed 32-bit int)
 *   count(buf, byte)       occurrences of byte (0..255) in buf
 *   xor_into(dst, key)     dst[i] ^= key[i % len(key)], in place
 *   length(buf)            len of buf's bytes
 *   mismatch(a, b[, start]) index of the first byte at or after start where
 *                          a and b differ (within the shorter), or -1
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_MAJOR_VERSION >= 3
/* The same module for Python 3, as 2/3 extensions were written: Python 3's
   four functions take a new-protocol export and release it before
   returning, and from 3.13 on libpython still exports them but Python.h no
   longer declares them. */
#define PyInt_FromLong PyLong_FromLong
#define PyInt_FromSsize_t PyLong_FromSsize_t
/* Deprecated since 3.0, and used on purpose: they are what is compared. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#if PY_VERSION_HEX >= 0x030D0000
PyAPI_FUNC(int) PyObject_AsCharBuffer(PyObject *, const char **, Py_ssize_t *);
PyAPI_FUNC(int) PyObject_AsReadBuffer(PyObject *, const void **, Py_ssize_t *);
PyAPI_FUNC(int) PyObject_AsWriteBuffer(PyObject *, void **, Py_ssize_t *);
#endif
#endif

/* Checks what the buffer procs of obj handed back: -1 without an exception
   (or any other negative length, which PyObject_As*Buffer turn into -1), and
   a NULL pointer for a non-empty buffer, are errors rather than crashes. */
static int
check_exported(PyObject *obj, int rc, const void *ptr, Py_ssize_t len)
{
    if (rc < 0) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError,
                         "buffer procs of %.200s returned a negative length "
                         "without setting an exception",
                         Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (ptr == NULL && len != 0) {
        PyErr_Format(PyExc_SystemError,
                     "buffer procs of %.200s returned NULL for %zd bytes",
                     Py_TYPE(obj)->tp_name, len);
        return -1;
    }
    return 0;
}

/* The bytes of obj, as a typical 2.x extension read them: through the
   character buffer when the type has one (str; unicode, in the default
   encoding; bytearray; mmap; buffer), else through the read buffer
   (array.array, ctypes). The pointer is valid until Python code runs. */
static int
get_readable(PyObject *obj, const unsigned char **data, Py_ssize_t *len)
{
    const void *ptr = NULL;
    int rc;

    *len = 0;
#if PY_MAJOR_VERSION >= 3
    /* Python 3 has one kind of buffer: its character and read functions
       are the same call. */
    rc = PyObject_AsReadBuffer(obj, &ptr, len);
#else
    PyBufferProcs *procs = Py_TYPE(obj)->tp_as_buffer;
    if (procs != NULL && PyType_HasFeature(Py_TYPE(obj), Py_TPFLAGS_HAVE_GETCHARBUFFER) &&
        procs->bf_getcharbuffer != NULL) {
        const char *chars = NULL;
        rc = PyObject_AsCharBuffer(obj, &chars, len);
        ptr = chars;
    }
    else {
        rc = PyObject_AsReadBuffer(obj, &ptr, len);
    }
#endif
    if (check_exported(obj, rc, ptr, *len) < 0)
        return -1;
    *data = ptr;
    return 0;
}

/* The writable bytes of obj (bytearray, array.array, a writable mmap,
   ctypes). The pointer is valid until Python code runs. */
static int
get_writable(PyObject *obj, unsigned char **data, Py_ssize_t *len)
{
    void *ptr = NULL;
    int rc;

    *len = 0;
    rc = PyObject_AsWriteBuffer(obj, &ptr, len);
    if (check_exported(obj, rc, ptr, *len) < 0)
        return -1;
    *data = ptr;
    return 0;
}

/* Python 2.7's zlib returns checksums as signed 32-bit ints (issue 1202);
   do the same, without relying on implementation-defined conversions. */
static PyObject *
signed_checksum(unsigned int value)
{
    value &= 0xffffffffU;
    if (value >= 0x80000000U)
        return PyInt_FromLong(-(long)(0xffffffffU - value) - 1);
    return PyInt_FromLong((long)value);
}

#define ADLER_BASE 65521U
/* The most bytes that can be summed before b could overflow 32 bits. */
#define ADLER_NMAX 5552

static unsigned int
adler32_update(unsigned int start, const unsigned char *p, size_t n)
{
    unsigned int a = (start & 0xffffU) % ADLER_BASE;
    unsigned int b = ((start >> 16) & 0xffffU) % ADLER_BASE;

    while (n > 0) {
        size_t chunk = n < ADLER_NMAX ? n : ADLER_NMAX;
        n -= chunk;
        while (chunk-- > 0) {
            a += *p++;
            b += a;
        }
        a %= ADLER_BASE;
        b %= ADLER_BASE;
    }
    return (b << 16) | a;
}

static unsigned int crc_table[256];

static void
crc32_init_table(void)
{
    unsigned int i, k, c;

    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static unsigned int
crc32_update(unsigned int start, const unsigned char *p, size_t n)
{
    unsigned int c = ~start & 0xffffffffU;

    while (n-- > 0)
        c = crc_table[(c ^ *p++) & 0xffU] ^ (c >> 8);
    return ~c & 0xffffffffU;
}

PyDoc_STRVAR(adler32_doc,
"adler32(buf[, start]) -> int\n\n"
"Adler-32 of the bytes of buf, continuing from start (default 1),\n"
"as a signed int like zlib.adler32.");

static PyObject *
checksum_adler32(PyObject *self, PyObject *args)
{
    PyObject *obj;
    unsigned int start = 1;
    const unsigned char *data;
    Py_ssize_t len;

    (void)self;
    if (!PyArg_ParseTuple(args, "O|I:adler32", &obj, &start))
        return NULL;
    if (get_readable(obj, &data, &len) < 0)
        return NULL;
    return signed_checksum(adler32_update(start, data, (size_t)len));
}

PyDoc_STRVAR(crc32_doc,
"crc32(buf[, start]) -> int\n\n"
"CRC-32 of the bytes of buf, continuing from start (default 0),\n"
"as a signed int like zlib.crc32.");

static PyObject *
checksum_crc32(PyObject *self, PyObject *args)
{
    PyObject *obj;
    unsigned int start = 0;
    const unsigned char *data;
    Py_ssize_t len;

    (void)self;
    if (!PyArg_ParseTuple(args, "O|I:crc32", &obj, &start))
        return NULL;
    if (get_readable(obj, &data, &len) < 0)
        return NULL;
    return signed_checksum(crc32_update(start, data, (size_t)len));
}

PyDoc_STRVAR(count_doc,
"count(buf, byte) -> int\n\n"
"Number of bytes of buf equal to byte, an int in range(0, 256).");

static PyObject *
checksum_count(PyObject *self, PyObject *args)
{
    PyObject *obj;
    int byte;
    const unsigned char *data;
    Py_ssize_t len, i, found = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "Oi:count", &obj, &byte))
        return NULL;
    if (byte < 0 || byte > 255) {
        PyErr_SetString(PyExc_ValueError, "count() byte must be in range(0, 256)");
        return NULL;
    }
    if (get_readable(obj, &data, &len) < 0)
        return NULL;
    for (i = 0; i < len; i++)
        if (data[i] == byte)
            found++;
    return PyInt_FromSsize_t(found);
}

PyDoc_STRVAR(xor_into_doc,
"xor_into(dst, key) -> None\n\n"
"XOR the bytes of key, repeated, into the writable buffer dst.\n"
"key is read (and must be non-empty) before dst is looked at.");

static PyObject *
checksum_xor_into(PyObject *self, PyObject *args)
{
    PyObject *dst_obj, *key_obj;
    const unsigned char *key_data;
    unsigned char *key, *dst;
    Py_ssize_t key_len, dst_len, i;

    (void)self;
    if (!PyArg_ParseTuple(args, "OO:xor_into", &dst_obj, &key_obj))
        return NULL;
    if (get_readable(key_obj, &key_data, &key_len) < 0)
        return NULL;
    if (key_len == 0) {
        PyErr_SetString(PyExc_ValueError, "xor_into() key must not be empty");
        return NULL;
    }
    /* Asking dst for its buffer runs its procs, which may move or free the
       key's memory (dst and key may even be the same object): copy the key
       first, and touch no Python object between getting dst and using it. */
    key = PyMem_Malloc((size_t)key_len);
    if (key == NULL)
        return PyErr_NoMemory();
    memcpy(key, key_data, (size_t)key_len);
    if (get_writable(dst_obj, &dst, &dst_len) < 0) {
        PyMem_Free(key);
        return NULL;
    }
    for (i = 0; i < dst_len; i++)
        dst[i] ^= key[i % key_len];
    PyMem_Free(key);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(length_doc,
"length(buf) -> int\n\n"
"Number of bytes in buf's buffer.");

static PyObject *
checksum_length(PyObject *self, PyObject *args)
{
    PyObject *obj;
    const unsigned char *data;
    Py_ssize_t len;

    (void)self;
    if (!PyArg_ParseTuple(args, "O:length", &obj))
        return NULL;
    if (get_readable(obj, &data, &len) < 0)
        return NULL;
    return PyInt_FromSsize_t(len);
}

PyDoc_STRVAR(mismatch_doc,
"mismatch(a, b[, start]) -> int\n\n"
"Index of the first byte at or after start (default 0) where a and b\n"
"differ, within the shorter of the two, or -1 if none does (then compare\n"
"their lengths). start must not be negative.");

static PyObject *
checksum_mismatch(PyObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen, n, i;
    Py_ssize_t start = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "s#s#|n:mismatch", &a, &alen, &b, &blen, &start))
        return NULL;
    /* "s#" passes on whatever the read buffer proc gave, NULL included:
       refuse it as check_exported does for the other functions (before the
       start is looked at, as the port's parser refuses it). */
    if ((a == NULL && alen != 0) || (b == NULL && blen != 0)) {
        PyErr_Format(PyExc_SystemError,
                     "mismatch() argument %d: buffer procs returned NULL for %zd bytes",
                     a == NULL && alen != 0 ? 1 : 2, a == NULL && alen != 0 ? alen : blen);
        return NULL;
    }
    if (start < 0) {
        PyErr_SetString(PyExc_ValueError, "mismatch() start must not be negative");
        return NULL;
    }
    n = alen < blen ? alen : blen;
    for (i = start; i < n; i++)
        if (a[i] != b[i])
            return PyInt_FromSsize_t(i);
    return PyInt_FromLong(-1);
}

static PyMethodDef checksum_methods[] = {
    {"adler32", checksum_adler32, METH_VARARGS, adler32_doc},
    {"crc32", checksum_crc32, METH_VARARGS, crc32_doc},
    {"count", checksum_count, METH_VARARGS, count_doc},
    {"xor_into", checksum_xor_into, METH_VARARGS, xor_into_doc},
    {"length", checksum_length, METH_VARARGS, length_doc},
    {"mismatch", checksum_mismatch, METH_VARARGS, mismatch_doc},
    {NULL, NULL, 0, NULL}
};

PyDoc_STRVAR(module_doc,
"Checksums and byte operations over objects with the old buffer protocol\n"
"(the C reference implementation).");

#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef checksum_module = {
    PyModuleDef_HEAD_INIT, "legacy_checksum", module_doc, -1, checksum_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_legacy_checksum(void)
{
    crc32_init_table();
    return PyModule_Create(&checksum_module);
}
#else
PyMODINIT_FUNC
initlegacy_checksum(void)
{
    crc32_init_table();
    (void)Py_InitModule3("legacy_checksum", checksum_methods, module_doc);
}
#endif
