/* What a C extension would do, for comparison. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
/* The prototypes build.rs generates from the table the Rust declarations
 * come from too: a definition below that differs does not compile. */
#include "baseline.h"

/* Sum of the bytes of a readable buffer, through the old protocol. Returns
 * -1 with an exception set on failure. */
int64_t baseline_sum_bytes(PyObject *o)
{
    const void *buf;
    Py_ssize_t len, i;
    uint64_t sum = 0;
    if (PyObject_AsReadBuffer(o, &buf, &len) < 0)
        return -1;
    for (i = 0; i < len; i++)
        sum += ((const unsigned char *)buf)[i];
    return (int64_t)sum;
}

/* PyArg_ParseTuple as an extension function calls it, for the formats the
 * parse benchmark compares (legacy-buffer-bench's PARSE_FORMATS): the
 * values are used (their sum, so that nothing is optimised away) and what
 * s* took is released, as a function body does. -1 with an exception set
 * on failure. */
int64_t baseline_parse_s_hash_i(PyObject *args)
{
    const char *a;
    Py_ssize_t alen;
    int i;
    if (!PyArg_ParseTuple(args, "s#i:f", &a, &alen, &i))
        return -1;
    return (int64_t)(uintptr_t)a + alen + i;
}

int64_t baseline_parse_s_star_i(PyObject *args)
{
    Py_buffer a;
    int i;
    int64_t used;
    if (!PyArg_ParseTuple(args, "s*i:f", &a, &i))
        return -1;
    used = (int64_t)(uintptr_t)a.buf + a.len + i;
    PyBuffer_Release(&a);
    return used;
}

int64_t baseline_parse_s_hash_s_hash_i(PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen;
    int i;
    if (!PyArg_ParseTuple(args, "s#s#i:f", &a, &alen, &b, &blen, &i))
        return -1;
    return (int64_t)(uintptr_t)a + alen + (int64_t)(uintptr_t)b + blen + i;
}

int64_t baseline_parse_s_star_s_star_i(PyObject *args)
{
    Py_buffer a, b;
    int i;
    int64_t used;
    if (!PyArg_ParseTuple(args, "s*s*i:f", &a, &b, &i))
        return -1;
    used = (int64_t)(uintptr_t)a.buf + a.len + (int64_t)(uintptr_t)b.buf + b.len + i;
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return used;
}

/* Callgrind client requests around the measured loop (no-ops outside
 * valgrind), so that with --instr-atstart=no building a 1 GiB object runs at
 * native speed and only the loop is instrumented. Without valgrind's headers
 * they do nothing, and callgrind then counts everything it collects. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BASELINE_HAVE_CALLGRIND 1
#endif
#endif

void baseline_instrumentation_start(void)
{
#ifdef BASELINE_HAVE_CALLGRIND
    CALLGRIND_START_INSTRUMENTATION;
#endif
}

void baseline_instrumentation_stop(void)
{
#ifdef BASELINE_HAVE_CALLGRIND
    CALLGRIND_STOP_INSTRUMENTATION;
#endif
}
