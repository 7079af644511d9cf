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
