"""Runs the benchmarks and writes BENCHMARKS.md (ci/bench runs it; Python 3).

    python3 legacy-buffer-bench/report.py --c-modules DIR --port-dir DIR
        [--pypy-c-modules DIR --pypy-port-dir DIR] [--quick] [--out FILE]
        [--pypy-only]

1. Instructions per borrow, by callgrind: borrow-count runs the loop with
   instrumentation on only around it, so the count is the loop's alone.
2. Time per borrow and the 256 MiB sum, by criterion (cargo bench); the
   figures come from criterion's estimates.json files. Then time per borrow
   again, interleaved within each process and over several processes
   (borrow-ab), and the argument parser against PyArg_ParseTuple (parse-ab:
   callgrind and interleaved time).
3. Per-call time from Python: tests/python/bench_legacy_checksum.py (timeit),
   the Rust port against the C module; under python2.7, and under pypy with
   both built for PyPy (--pypy-*), side by side. Then python-snappy's and
   bitarray's C originals against their ports (bench_snappy.py,
   bench_bitarray.py; without --bitarray-port, bitarray's original against
   itself, said so in the report).
Then the issue's targets, each as a ratio from this one run.

--quick measures little (smoke test of the pipeline, not figures to quote).
--pypy-only times only 3., under both interpreters (a minute), and prints the
PyPy section instead of writing BENCHMARKS.md.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "borrow-count")
AB_BIN = os.path.join(ROOT, "target", "release", "borrow-ab")
PARSE_BIN = os.path.join(ROOT, "target", "release", "parse-ab")
OBJECTS = ["str", "bytearray", "array", "mmap"]
APPROACHES = ["raw-old", "safe", "scope", "raw-new", "to-vec", "rust-cpython"]
SIZES = [(1, "1B"), (4096, "4KiB"), (1 << 30, "1GiB")]
DESCRIBE = {
    "raw-old": "`PyObject_AsReadBuffer` (raw sys call)",
    "safe": "`Object::read_buffer` (legacy-buffer)",
    "scope": "`Object::with_read_bytes` (no-Python scope, `&[u8]`)",
    "raw-new": "`PyObject_GetBuffer` + `PyBuffer_Release` (raw)",
    "to-vec": "`read_buffer` + `to_vec` (copying)",
    "rust-cpython": "rust-cpython `PyBuffer::get` + release",
}


def applies(approach, kind):
    return approach not in ("raw-new", "rust-cpython") or kind in ("str", "bytearray")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, cwd=ROOT, **kw).stdout


def sh(cmd):
    try:
        return run(["sh", "-c", cmd]).strip()
    except subprocess.CalledProcessError:
        return "?"


def callgrind(approach, kind, size, n):
    """Instructions per borrow: callgrind's count of the loop, over n."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
         BIN, approach, kind, str(size), str(n)],
        check=True, text=True, capture_output=True, cwd=ROOT).stderr
    collected = int(re.search(r"Collected : (\d+)", out).group(1))
    return collected / n


def profile(approach, kind, n):
    """Instructions per borrow by function (callgrind_annotate), largest first."""
    out_file = os.path.join(ROOT, "target", "callgrind.%s.%s.out" % (approach, kind))
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + out_file,
         BIN, approach, kind, "4096", str(n)],
        check=True, capture_output=True, cwd=ROOT)
    text = run(["callgrind_annotate", out_file])
    rows = []
    for m in re.finditer(r"^\s*([\d,]+) \([\d. ]+%\)\s+(\S+?):(\S+)", text, re.M):
        if m.group(2) == "PROGRAM" or "TOTALS" in m.group(3):
            continue
        rows.append((m.group(3).split("[")[0], int(m.group(1).replace(",", "")) / n))
    return rows


def instruction_table(quick):
    n = 1000 if quick else 10000
    sizes = SIZES[:2] if quick else SIZES
    counts = {}
    for size, label in sizes:
        for kind in OBJECTS:
            for approach in APPROACHES:
                if not applies(approach, kind):
                    continue
                if approach == "to-vec" and size > 1 << 20:
                    continue  # a GiB copy per borrow: criterion times it
                counts[(approach, kind, label)] = callgrind(approach, kind, size, n)
                print("callgrind %-12s %-9s %-4s %8.1f" % (approach, kind, label,
                      counts[(approach, kind, label)]), file=sys.stderr)
    return counts, n, [label for _, label in sizes]


def criterion(bench, quick):
    args = ["cargo", "bench", "--quiet", "-p", "legacy-buffer-bench", "--bench", bench, "--"]
    args += ["--warm-up-time", "0.2", "--measurement-time", "0.5"] if quick else \
        ["--warm-up-time", "1", "--measurement-time", "3"]
    subprocess.run(args, check=True, cwd=ROOT, stdout=sys.stderr)
    results = {}
    for path in glob.glob(os.path.join(ROOT, "target", "criterion", "**", "new", "benchmark.json"),
                          recursive=True):
        with open(path) as f:
            meta = json.load(f)
        with open(os.path.join(os.path.dirname(path), "estimates.json")) as f:
            est = json.load(f)
        results[meta["full_id"]] = (est["mean"]["point_estimate"],
                                    est["mean"]["confidence_interval"]["lower_bound"],
                                    est["mean"]["confidence_interval"]["upper_bound"])
    return results


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def interleaved(quick):
    """{(kind, approach): [ratio to raw-old, one per process]} and ns medians, from
    borrow-ab at 4 KiB: each process times the approaches interleaved; a new
    process draws a new address layout, so several are run."""
    processes, rounds = (2, 20) if quick else (7, 150)
    ratios, times = {}, {}
    for kind in OBJECTS:
        for _ in range(processes):
            out = run([AB_BIN, kind, "4096", str(rounds), "raw-old", "safe", "scope"])
            for m in re.finditer(r"^(\S+) (\S+) ([0-9.]+) ns, [0-9.]+x, round ratio ([0-9.]+)x$",
                                 out, re.M):
                ratios.setdefault((kind, m.group(2)), []).append(float(m.group(4)))
                times.setdefault((kind, m.group(2)), []).append(float(m.group(3)))
        print("borrow-ab %-9s scope/raw %s" % (kind, ratios.get((kind, "scope"))), file=sys.stderr)
    return ratios, times, processes


def parses(quick):
    """parse-ab: {label: (C instructions, Rust instructions, [C ns], [Rust ns],
    [ratio])}, the times over several processes (as interleaved())."""
    processes, rounds, n = (2, 20, 1000) if quick else (7, 150, 10000)
    rows = {}
    for _ in range(processes):
        for line in run([PARSE_BIN, str(rounds)]).splitlines():
            label, c, rust, ratio = line.split("\t")
            row = rows.setdefault(label, [None, None, [], [], []])
            row[2].append(float(c.split()[1]))
            row[3].append(float(rust.split()[1]))
            row[4].append(float(ratio.split()[2].rstrip("x")))
    for label, row in rows.items():
        for i, side in ((0, "c"), (1, "rust")):
            out = subprocess.run(
                ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                 "--callgrind-out-file=/dev/null", PARSE_BIN, "--count", label, side, str(n)],
                check=True, text=True, capture_output=True, cwd=ROOT).stderr
            row[i] = int(re.search(r"Collected : (\d+)", out).group(1)) / n
        print("parse-ab %-16s %s" % (label, row), file=sys.stderr)
    return rows, processes


BITARRAY_INSTR_OPS = ["a[i]", "a[i] = 1", "a & b", "a == b", "bitarray(bytes)", "a[::3]",
                      "a.tobytes()", "for x in a"]


def bitarray_instructions(original, port, quick):
    """Instructions per operation (callgrind, tests/python/instr_bitarray.py)
    of the C original and the port, at 100 bits: rows of a markdown table."""
    n = 1000 if quick else 10000

    def count(package, op, times):
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                              "/usr/bin/python2.7", "tests/python/instr_bitarray.py", package,
                              op, str(times)], check=True, text=True, capture_output=True,
                             cwd=ROOT)
        return int(re.search(r"refs:\s+([\d,]+)", out.stderr).group(1).replace(",", ""))

    rows = []
    for op in BITARRAY_INSTR_OPS:
        per = []
        for package in (original, port):
            per.append((count(package, op, 3 * n) - count(package, op, n)) / (2 * n))
        rows.append("| `%s` | %.0f | %.0f | %.2f |" % (op, per[0], per[1], per[1] / per[0]))
    return rows


def timeit_rows(text):
    """{(function, input): (C ns, port ns)} from bench_legacy_checksum.py's table."""
    rows = {}
    for m in re.finditer(r"^\| `(\w+)\(\)` \| ([^|]+) \| ([0-9.,]+) \| ([0-9.,]+) \|", text, re.M):
        rows[(m.group(1), m.group(2).strip())] = tuple(
            float(x.replace(",", "")) for x in (m.group(3), m.group(4)))
    return rows


def ns(x):
    if x >= 1e6:
        return "{:,.0f}".format(x)
    if x >= 100:
        return "{:.0f}".format(x)
    return "{:.1f}".format(x)


def timeit(python, c_modules, port_dir, quick):
    """bench_legacy_checksum.py's table, run by python (python2.7 or pypy)."""
    env = dict(os.environ, LEGACY_BUFFER_TEST_MODULES=c_modules)
    args = [python, "tests/python/bench_legacy_checksum.py", "--port-dir", port_dir]
    return subprocess.run(args + (["--quick"] if quick else []), check=True, text=True,
                          capture_output=True, cwd=ROOT, env=env).stdout


def pypy_section(timeit_out, pypy_out):
    """The lines of the PyPy section: pypy's table, then both side by side."""
    L = []
    w = L.append
    w("## From PyPy: the Rust port against the C extension, through cpyext (timeit)")
    w("")
    w("The same script under `pypy` (%s), the C module and the port built for PyPy"
      " (`tests/tests/pypy.rs` builds them the same way): every call goes through cpyext,"
      " PyPy's emulation of CPython's C API, whose crossing (arguments and results made"
      " into C objects, the GIL, the borrow itself a call into PyPy's own"
      " `PyObject_As*Buffer`) costs more than the work on small inputs, for the C module"
      " and its port alike." % sh("/usr/bin/pypy --version 2>&1 | tail -1 | tr -d '[]'"))
    w("")
    L.extend(pypy_out.rstrip("\n").split("\n"))
    w("")
    cpython_rows, pypy_rows = timeit_rows(timeit_out), timeit_rows(pypy_out)
    w("Per call, CPython and PyPy side by side (ns, from the two tables above):")
    w("")
    w("| function | input | C, CPython | port, CPython | C, PyPy | port, PyPy"
      " | PyPy / CPython, C | PyPy / CPython, port |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, (pc, pp) in pypy_rows.items():
        if key not in cpython_rows:
            continue
        cc, cp = cpython_rows[key]
        w("| `%s()` | %s | %s | %s | %s | %s | %.1f× | %.1f× |" % (
            key[0], key[1], ns(cc), ns(cp), ns(pc), ns(pp), pc / cc, pp / cp))
    w("")
    return L


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--c-modules", required=True, help="directory of legacy_checksum.so")
    parser.add_argument("--port-dir", required=True, help="directory of legacy_checksum_rs.so")
    parser.add_argument("--pypy-c-modules", help="directory of legacy_checksum built for PyPy")
    parser.add_argument("--pypy-port-dir", help="directory of legacy_checksum_rs built for PyPy")
    parser.add_argument("--snappy-original", required=True, help="python-snappy's _snappy.so")
    parser.add_argument("--snappy-port", required=True, help="its Rust port, as _snappy.so")
    parser.add_argument("--bitarray-original", required=True,
                        help="directory of bitarray 1.2.2's package, C extensions")
    parser.add_argument("--bitarray-port",
                        help="directory of the same package with the Rust port (legacy-bitarray)")
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--command", default="ci/bench", help="the command shown in the report")
    parser.add_argument("--pypy-only", action="store_true",
                        help="time only the modules from Python, under python2.7 and pypy, and"
                        " print the PyPy section (BENCHMARKS.md is left as it is)")
    opts = parser.parse_args()
    if opts.pypy_only:
        if not (opts.pypy_c_modules and opts.pypy_port_dir):
            parser.error("--pypy-only needs --pypy-c-modules and --pypy-port-dir")
        timeit_out = timeit("/usr/bin/python2.7", opts.c_modules, opts.port_dir, opts.quick)
        pypy_out = timeit("/usr/bin/pypy", opts.pypy_c_modules, opts.pypy_port_dir, opts.quick)
        print("\n".join(pypy_section(timeit_out, pypy_out)))
        return

    started = datetime.datetime.now(datetime.timezone.utc)
    counts, n, labels = instruction_table(opts.quick)
    # Old results of benches that no longer exist must not be read back.
    run(["rm", "-rf", os.path.join(ROOT, "target", "criterion")])
    times = criterion("borrow", opts.quick)
    times.update(criterion("throughput", opts.quick))
    ab_ratios, ab_times, ab_processes = interleaved(opts.quick)
    parse_rows, parse_processes = parses(opts.quick)
    timeit_out = timeit("/usr/bin/python2.7", opts.c_modules, opts.port_dir, opts.quick)
    pypy_out = None
    if opts.pypy_c_modules and opts.pypy_port_dir:
        pypy_out = timeit("/usr/bin/pypy", opts.pypy_c_modules, opts.pypy_port_dir, opts.quick)
    snappy_args = ["/usr/bin/python2.7", "tests/python/bench_snappy.py", opts.snappy_original,
                   opts.snappy_port] + (["--quick"] if opts.quick else [])
    snappy_out = subprocess.run(snappy_args, check=True, text=True, capture_output=True,
                                cwd=ROOT).stdout
    bitarray_args = ["/usr/bin/python2.7", "tests/python/bench_bitarray.py", "--original",
                     opts.bitarray_original, "--port",
                     opts.bitarray_port or opts.bitarray_original]
    bitarray_out = subprocess.run(bitarray_args + (["--quick"] if opts.quick else []),
                                  check=True, text=True, capture_output=True, cwd=ROOT).stdout
    bitarray_instr = bitarray_instructions(opts.bitarray_original,
                                           opts.bitarray_port or opts.bitarray_original,
                                           opts.quick)
    # The Python 3 section: legacy-checksum's original, port and PyO3
    # version under CPython 3.11 (ci/bench-py3 builds and runs them).
    py3_out = subprocess.run(["ci/bench-py3"] + (["--quick"] if opts.quick else []),
                             check=True, text=True, capture_output=True, cwd=ROOT).stdout
    finished = datetime.datetime.now(datetime.timezone.utc)

    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w("Written by `%s` (legacy-buffer-bench/report.py)%s. Do not edit by hand: rerun it"
      " (the Python 3 section alone: `ci/bench-py3 --write`)."
      % (opts.command, " with --quick: **smoke-test figures, not measurements**" if opts.quick else ""))
    w("")
    w("## Machine and run")
    w("")
    w("| | |")
    w("| --- | --- |")
    w("| date (UTC) | %s, %.0f min |" % (started.strftime("%Y-%m-%d %H:%M"),
                                         (finished - started).total_seconds() / 60))
    w("| CPU | %s, %s cores |" % (sh("lscpu | sed -n 's/^Model name: *//p'"), os.cpu_count()))
    w("| OS | %s, kernel %s |" % (sh(". /etc/os-release && echo $PRETTY_NAME"), platform.release()))
    w("| Rust | %s |" % sh("rustc -V"))
    w("| Python | %s (Debian 11 package), release build |" % sh("/usr/bin/python2.7 -V 2>&1"))
    w("| rust-cpython | %s |" % sh("cargo tree -p legacy-buffer-bench -e normal --depth 1 "
                                    "| sed -n 's/.*cpython v/v/p' | head -1"))
    w("| valgrind | %s |" % sh("valgrind --version"))
    w("| commit | %s |" % sh("git -C %s describe --always --dirty" % ROOT))
    w("")
    w("Each borrow takes the object's memory once and hands it to `black_box`;"
      " the cases are in `legacy-buffer-bench/src/lib.rs`. The safe borrow looks at"
      " the memory as its kind allows (`as_bytes` for `str`, `as_cells` for a pinned"
      " `bytearray`, the length for `array` and `mmap`, which are `Unpinned`); the"
      " no-Python scope lends every exporter as a plain `&[u8]` to a closure that"
      " cannot run Python code.")
    w("")

    w("## Instructions per borrow (callgrind)")
    w("")
    w("`valgrind --tool=callgrind --instr-atstart=no target/release/borrow-count APPROACH"
      " OBJECT SIZE %d`: only the loop of %d borrows is instrumented; the figure is its"
      " count over %d (it includes the loop and an indirect call, ~6 instructions)." % (n, n, n))
    w("")
    w("| object | approach | " + " | ".join(labels) + " |")
    w("| --- | --- |" + " ---: |" * len(labels))
    for kind in OBJECTS:
        for approach in APPROACHES:
            if not applies(approach, kind):
                continue
            cells = []
            for label in labels:
                c = counts.get((approach, kind, label))
                cells.append("%.0f" % c if c is not None else "—")
            w("| `%s` | %s | %s |" % (kind, DESCRIBE[approach], " | ".join(cells)))
    w("")
    w("—: not counted (`to_vec` copies the whole GiB on every borrow; its time is below).")
    w("")

    w("## Time per borrow (criterion)")
    w("")
    w("`cargo bench -p legacy-buffer-bench --bench borrow`: mean ns per borrow"
      " (95% confidence interval in the JSON under `target/criterion`).")
    w("")
    size_labels = [label for _, label in SIZES]
    w("| object | approach | " + " | ".join(size_labels) + " |")
    w("| --- | --- |" + " ---: |" * len(size_labels))
    for kind in OBJECTS:
        for approach in APPROACHES:
            if not applies(approach, kind):
                continue
            cells = []
            for label in size_labels:
                t = times.get("borrow/%s/%s/%s" % (kind, approach, label))
                cells.append(ns(t[0]) if t else "—")
            w("| `%s` | %s | %s |" % (kind, DESCRIBE[approach], " | ".join(cells)))
    w("")

    w("## Time per borrow, interleaved (borrow-ab)")
    w("")
    w("Criterion times one approach after another, each in the address layout its process"
      " happened to draw; here the same loop's time moves by up to half between layouts"
      " (`setarch -R` with environments of other sizes shows it: stack randomisation and"
      " code placement change how a ~20-cycle loop's branches and memory accesses"
      " collide), so ratios between criterion rows move"
      " by up to 25%% between runs. `target/release/borrow-ab OBJECT 4096 %d raw-old safe scope`"
      " times the approaches in short interleaved bursts within one process, so they share"
      " its layout and load; each figure is the median over %d processes (fresh layouts) of"
      " the median of the per-round ratios to `raw-old`, with the range over the processes."
      % (150, ab_processes))
    w("")
    w("| object | approach | ns (median) | / raw old-protocol call | range |")
    w("| --- | --- | ---: | ---: | --- |")
    for kind in OBJECTS:
        for approach in ("raw-old", "safe", "scope"):
            r = ab_ratios.get((kind, approach))
            if not r:
                continue
            w("| `%s` | %s | %.1f | %.3f× | %.3f–%.3f |" % (
                kind, DESCRIBE[approach], median(ab_times[(kind, approach)]), median(r),
                min(r), max(r)))
    w("")

    w("## Argument parsing: legacy-buffer's parser against `PyArg_ParseTuple`")
    w("")
    w("`target/release/parse-ab`: per call, the same argument tuple parsed by"
      " `PyArg_ParseTuple` from C (`c/baseline.c`, -O2, as an extension function calls it;"
      " `s*` released) and by `Args::parse(py_format!(...))` (the `Args` made once, as the"
      " trampoline hands it over; the buffers dropped), the values used by both."
      " Instructions: callgrind over %s parses (`--count`); time: interleaved bursts as"
      " above, the median over %d processes of each process's median ratio (the C parser's"
      " own time moves by up to 2× between layouts here, the ratio less)."
      % ("1,000" if opts.quick else "10,000", parse_processes))
    w("")
    w("| format, arguments | C instructions | Rust instructions | C ns | Rust ns"
      " | Rust / C time | range |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, (ci, ri, cts, rts, rr) in parse_rows.items():
        w("| `%s` | %.0f | %.0f | %.1f | %.1f | %.2f× | %.2f–%.2f |" % (
            label, ci, ri, median(cts), median(rts), median(rr), min(rr), max(rr)))
    w("")

    w("## Throughput: sum of the bytes of a 256 MiB buffer (criterion)")
    w("")
    w("`cargo bench -p legacy-buffer-bench --bench throughput`: Rust over a safe borrow"
      " (`&[u8]` for `str`, `&[ReadOnlyCell<u8>]` for `bytearray`), Rust over the"
      " no-Python scope (`&[u8]` for both), and the same loop in C (`c/baseline.c`, -O2)"
      " over `PyObject_AsReadBuffer`.")
    w("")
    w("| object | Rust, borrow (ms) | Rust, scope (ms) | C (ms) | borrow GiB/s | scope GiB/s"
      " | C GiB/s | scope / C |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    gib = 256 / 1024
    for kind in ("str", "bytearray"):
        r = times.get("sum-256MiB/%s/rust" % kind)
        sc = times.get("sum-256MiB/%s/rust-scope" % kind)
        c = times.get("sum-256MiB/%s/c" % kind)
        if r and sc and c:
            w("| `%s` | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f |" % (
                kind, r[0] / 1e6, sc[0] / 1e6, c[0] / 1e6, gib / (r[0] / 1e9),
                gib / (sc[0] / 1e9), gib / (c[0] / 1e9), sc[0] / c[0]))
    w("")

    w("## From Python: the Rust port against the C extension (timeit)")
    w("")
    w("`tests/python/bench_legacy_checksum.py`, the C module `tests/c/legacy_checksum.c`"
      " (-O2) against its port `legacy-checksum/` (`cargo build --release`), same interpreter,"
      " same run.")
    w("")
    L.extend(timeit_out.rstrip("\n").split("\n"))
    w("")

    w("## From Python: python-snappy's `_snappy` against its Rust port (timeit)")
    w("")
    w("`tests/python/bench_snappy.py`: python-snappy 0.5.4's C++ extension (built from its"
      " sdist with -O2 against Debian's libsnappy) against `legacy-snappy/` (`cargo build"
      " --release`), same interpreter, same run. The port zeroes a new `str` before lending"
      " it as `&mut [u8]` (the original writes into uninitialised memory); its"
      " `isValidCompressed` walks the stream without writing, as libsnappy's does.")
    w("")
    L.extend(snappy_out.rstrip("\n").split("\n"))
    w("")

    w("## From Python: bitarray's `_bitarray` and `_util` against their Rust port (timeit)")
    w("")
    w("`tests/python/bench_bitarray.py`: bitarray 1.2.2's C extensions (built from its sdist"
      " with -O2) against `legacy-bitarray/` (`cargo build --release`), both as the package"
      " `bitarray`, imported in turn into the same interpreter, same run; the figures at 100"
      " bits and at 8 Mbit (a random '01' pattern; `index(1)` finds the last bit of zeros)."
      " bitarray 1.2.2 has no shift operators: their row says so.")
    w("")
    if not opts.bitarray_port:
        w("**The port is not built yet (no `legacy-bitarray` crate in the workspace): both"
          " columns are the C original, against itself.**")
        w("")
    L.extend(bitarray_out.rstrip("\n").split("\n"))
    w("")
    w("Instructions per operation at 100 bits (callgrind, `tests/python/instr_bitarray.py`:"
      " the whole Python statement, the interpreter's share included, as in the times above;"
      " `for x in a` per bit). Where the port's time is above the original's, these say why:"
      " what one call of a method costs in the port beyond the C's is the library's checks"
      " (the type of `self`, its borrow flag, a stray exception after the body, an exported"
      " byte read through the object's head), a few dozen instructions, which a per-bit"
      " iterator pays on every bit; where the times of two runs disagree by more than that,"
      " it is the machine (these VM timings move by 10-20% between runs, these counts do"
      " not).")
    w("")
    w("| operation | C original (instructions) | Rust port (instructions) | port / original |")
    w("| --- | ---: | ---: | ---: |")
    L.extend(bitarray_instr)
    w("")

    if pypy_out is not None:
        L.extend(pypy_section(timeit_out, pypy_out))

    L.extend(py3_out.rstrip("\n").split("\n"))
    w("")

    # Targets.
    w("## Targets")
    w("")
    w("Ratios from this run (instructions: callgrind at 4 KiB; time: criterion at 4 KiB,"
      " except where the row says interleaved).")
    w("")
    w("| target | object | measured | met |")
    w("| --- | --- | --- | --- |")

    def ratio_row(target, kind, num, den, limit, more_is_better=False):
        ci, cd = counts.get((num, kind, "4KiB")), counts.get((den, kind, "4KiB"))
        ti = times.get("borrow/%s/%s/4KiB" % (kind, num))
        td = times.get("borrow/%s/%s/4KiB" % (kind, den))
        ir = ci / cd
        tr = ti[0] / td[0] if ti and td else float("nan")
        ok = ir >= limit if more_is_better else ir <= limit
        w("| %s | `%s` | %.2f× instructions (%.0f / %.0f), %.2f× time | %s |" % (
            target, kind, ir, ci, cd, tr, "yes" if ok else "**no**"))

    for kind in OBJECTS:
        ratio_row("safe borrow ≤ 1.05× raw old-protocol call", kind, "safe", "raw-old", 1.05)
    for kind in OBJECTS:
        ratio_row("borrow + no-Python scope ≤ 1.05× raw old-protocol call (instructions)",
                  kind, "scope", "raw-old", 1.05)
    for kind in OBJECTS:
        r = ab_ratios.get((kind, "scope"))
        if r:
            w("| borrow + no-Python scope ≤ 1.1× raw old-protocol call in time (interleaved,"
              " median of %d processes) | `%s` | %.3f× time (range %.3f–%.3f) | %s |" % (
                  ab_processes, kind, median(r), min(r), max(r),
                  "yes" if median(r) <= 1.1 else "**no**"))
    for label, (ci, ri, cts, rts, rr) in parse_rows.items():
        w("| parse ≤ 0.5× `PyArg_ParseTuple`'s time, same format | `%s` | %.2f× time"
          " (range %.2f–%.2f), %.2f× instructions (%.0f / %.0f) | %s |" % (
              label, median(rr), min(rr), max(rr), ri / ci, ri, ci,
              "yes" if median(rr) <= 0.5 else "**no**"))
    ba_scope = times.get("sum-256MiB/bytearray/rust-scope")
    str_slice = times.get("sum-256MiB/str/rust")
    if ba_scope and str_slice:
        r = ba_scope[0] / str_slice[0]
        w("| byte sum over a pinned `bytearray` through the scope at the `str` `&[u8]` speed"
          " (≤ 1.05×) | `bytearray` | %.2f× time (%.1f / %.1f ms) | %s |"
          % (r, ba_scope[0] / 1e6, str_slice[0] / 1e6, "yes" if r <= 1.05 else "**no**"))
    ratio_row("pinned borrow ≤ 1.1× raw new-protocol call", "bytearray", "safe", "raw-new", 1.1)
    for kind in ("str", "bytearray"):
        ratio_row("≥ 6× fewer instructions than rust-cpython `PyBuffer`", kind,
                  "rust-cpython", "safe", 6, more_is_better=True)
    port_ratios = re.findall(r"^\| `(\w+)\(\)` \| ([^|]+) \|[^|]+\|[^|]+\| ([0-9.]+) \|$",
                             timeit_out, re.M)
    for function, label, r in port_ratios:
        w("| Rust extension ≤ 1.0× the C extension per call | `%s()` %s | %s× time | %s |"
          % (function, label.strip(), r, "yes" if float(r) <= 1.0 else "**no**"))
    w("")
    w("### What limits the misses")
    w("")
    w("The scope's own instruction rows miss 1.05× by two or three instructions, traded"
      " for time: the scope is entered before the exporter is asked, so the scope word's"
      " address lives in a callee-saved register across the call (a push and a pop more),"
      " and a loop of scopes takes a cycle less, since its store no longer waits behind the"
      " call (entered after the call: 1.05× instructions, 1.11–1.17× time). The byte-sum"
      " row over 256 MiB is memory-bound and moves by a few per cent between runs.")
    w("")
    w("A safe borrow of an exporter it knows nothing about (`array`, `mmap`) decides a"
      " kind and builds a `Buffer` that must stay sound while Python runs: it does the C"
      " function's own work inlined (`legacy-buffer-sys/src/exporter.c`, which saves the call"
      " into libpython), then compares the type's read proc with the four trusted"
      " exporters', checks what the exporter returned (a stray exception, a NULL pointer"
      " with a length: errors, not slices) and builds the `Buffer`. Zero-copy access to"
      " such memory is the no-Python scope, which needs no kind and no `Buffer`, and"
      " meets its time target (interleaved rows). Where the instructions go, per borrow"
      " of a 4 KiB `array` (callgrind_annotate):")
    w("")
    w("| function | safe | scope | raw |")
    w("| --- | ---: | ---: | ---: |")
    profiles = [dict(profile(a, "array", n)) for a in ("safe", "scope", "raw-old")]
    names = set().union(*profiles)
    for name in sorted(names, key=lambda k: -max(p.get(k, 0) for p in profiles)):
        w("| `%s` | %s |" % (name, " | ".join("%.0f" % p[name] if name in p else ""
                                              for p in profiles)))
    w("")
    with open(opts.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("wrote %s" % opts.out, file=sys.stderr)


if __name__ == "__main__":
    main()
