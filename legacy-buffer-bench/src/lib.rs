//! The cases the benchmarks compare, shared by the criterion benches
//! (`benches/`) and the instruction-counting driver (`src/bin/borrow-count.rs`),
//! so both measure exactly the same code.
//!
//! Every case borrows the memory of one object once and hands what it got to
//! `black_box`; nothing else.

use legacy_buffer::{ffi, BufferKind, Object, Python};
use std::hint::black_box;

/// The exporters measured.
pub const OBJECTS: &[&str] = &["str", "bytearray", "array", "mmap"];

/// A Python object of `kind` holding `size` bytes.
pub fn make<'py>(py: Python<'py>, kind: &str, size: usize) -> legacy_buffer::Result<Object<'py>> {
    let expr = match kind {
        "str" => format!("'\\x01' * {size}"),
        "bytearray" => format!("bytearray('\\x01') * {size}"),
        // Repeating a 4 KiB array (when the size allows) rather than a
        // 1-byte one: array's repeat copies one item at a time.
        "array" if size % 4096 == 0 => format!(
            "__import__('array').array('B', '\\x01' * 4096) * {}",
            size / 4096
        ),
        "array" => format!("__import__('array').array('B', '\\x01') * {size}"),
        "mmap" => format!("__import__('mmap').mmap(-1, {size})"),
        other => panic!("unknown object kind {other}"),
    };
    py.eval(&expr)
}

/// The ways of borrowing compared.
pub const APPROACHES: &[&str] = &[
    "raw-old",
    "safe",
    "scope",
    "raw-new",
    "to-vec",
    "rust-cpython",
];

/// Whether `approach` applies to `kind` (the new protocol, and so
/// rust-cpython's PyBuffer, is offered by str and bytearray only in 2.7).
pub fn applies(approach: &str, kind: &str) -> bool {
    match approach {
        "raw-new" | "rust-cpython" => matches!(kind, "str" | "bytearray"),
        _ => true,
    }
}

/// The function that borrows once by `approach`. Resolved once, before a
/// loop, so that choosing it costs nothing per borrow.
pub fn borrow_fn(approach: &str) -> fn(&Object<'_>) {
    match approach {
        "raw-old" => raw_old,
        "safe" => safe,
        "scope" => scope,
        "raw-new" => raw_new,
        "to-vec" => to_vec,
        "rust-cpython" => rust_cpython,
        other => panic!("unknown approach {other}"),
    }
}

/// `PyObject_AsReadBuffer`, as a C extension calls it.
#[inline]
pub fn raw_old(obj: &Object<'_>) {
    let mut buf = std::ptr::null();
    let mut len = 0;
    // SAFETY: the GIL is held (the object is bound to it), the object is
    // valid and the out-pointers are.
    let rc = unsafe { ffi::PyObject_AsReadBuffer(black_box(obj.as_ptr()), &mut buf, &mut len) };
    black_box((rc, buf, len));
}

/// legacy-buffer's safe borrow, looking at the memory the way its kind allows.
#[inline]
pub fn safe(obj: &Object<'_>) {
    let buf = black_box(obj).read_buffer().expect("readable");
    match buf.kind() {
        BufferKind::Immutable => {
            black_box(buf.as_bytes());
        }
        BufferKind::Pinned => {
            black_box(buf.as_cells());
        }
        BufferKind::Unpinned => {
            black_box(buf.len());
        }
    }
}

/// legacy-buffer's no-Python scope: borrowed and lent as a plain `&[u8]`,
/// zero-copy, whatever the exporter.
#[inline]
pub fn scope(obj: &Object<'_>) {
    black_box(obj)
        .with_read_bytes(|bytes| {
            black_box(bytes);
        })
        .expect("readable");
}

/// `PyObject_GetBuffer` + `PyBuffer_Release`, the new protocol, raw.
#[inline]
pub fn raw_new(obj: &Object<'_>) {
    let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::uninit();
    // SAFETY: GIL held, valid object; the view is released right after,
    // and only read when GetBuffer succeeded.
    unsafe {
        let rc = ffi::PyObject_GetBuffer(
            black_box(obj.as_ptr()),
            view.as_mut_ptr(),
            ffi::PyBUF_SIMPLE as i32,
        );
        assert_eq!(rc, 0, "new protocol refused");
        black_box(view.assume_init_ref().buf);
        ffi::PyBuffer_Release(view.as_mut_ptr());
    }
}

/// The copying approach: borrow and copy out.
#[inline]
pub fn to_vec(obj: &Object<'_>) {
    let buf = black_box(obj).read_buffer().expect("readable");
    black_box(buf.to_vec().expect("copy"));
}

/// rust-cpython's `PyBuffer::get` + `release_ref`.
#[inline]
pub fn rust_cpython(obj: &Object<'_>) {
    use cpython::PyDrop;
    // SAFETY: legacy-buffer holds the GIL while `obj` lives, and both crates
    // bind the same libpython, so rust-cpython may assume it; the object is
    // borrowed from `obj`, which outlives this call.
    let (py, borrowed) = unsafe {
        let py = cpython::Python::assume_gil_acquired();
        let o = cpython::PyObject::from_borrowed_ptr(py, obj.as_ptr().cast());
        (py, o)
    };
    let buf = cpython::buffer::PyBuffer::get(py, black_box(&borrowed)).expect("new protocol");
    black_box(buf.buf_ptr());
    buf.release_ref(py);
    borrowed.release_ref(py);
}

/// The C baselines (`c/baseline.c`), declared by build.rs from the table
/// that also gives the C compiler their prototypes.
mod baseline {
    use legacy_buffer::ffi;
    include!(concat!(env!("OUT_DIR"), "/baseline.rs"));
}
use baseline::{baseline_instrumentation_start, baseline_instrumentation_stop, baseline_sum_bytes};

/// Runs `f` with callgrind's instrumentation on (a no-op outside valgrind):
/// under `--instr-atstart=no`, everything else runs uninstrumented, at
/// native speed.
pub fn instrumented<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: valgrind client requests: no arguments, no effect outside
    // valgrind, and under it they only switch instrumentation.
    unsafe { baseline_instrumentation_start() };
    let out = f();
    // SAFETY: as above.
    unsafe { baseline_instrumentation_stop() };
    out
}

/// The C loop: sum of the bytes through `PyObject_AsReadBuffer`, compiled -O2.
pub fn sum_c(obj: &Object<'_>) -> u64 {
    // SAFETY: GIL held, valid object; the C function only reads.
    let sum = unsafe { baseline_sum_bytes(obj.as_ptr()) };
    assert!(sum >= 0, "C baseline failed");
    sum as u64
}

/// The same loop in Rust over the no-Python scope: a plain `&[u8]` for every
/// exporter (a pinned `bytearray` too, which a borrow gives as cells).
pub fn sum_scope(obj: &Object<'_>) -> u64 {
    obj.with_read_bytes(|bytes| bytes.iter().map(|&b| b as u64).sum())
        .expect("readable")
}

/// The same loop in Rust over a safe borrow.
pub fn sum_rust(obj: &Object<'_>) -> u64 {
    let buf = obj.read_buffer().expect("readable");
    match buf.kind() {
        BufferKind::Immutable => buf.as_bytes().unwrap().iter().map(|&b| b as u64).sum(),
        BufferKind::Pinned => buf.as_cells().unwrap().iter().map(|c| c.get() as u64).sum(),
        BufferKind::Unpinned => buf.to_vec().unwrap().iter().map(|&b| b as u64).sum(),
    }
}

/// The argument parses compared: a label, the format, the arguments (a
/// Python expression for the tuple), the C function parsing it with
/// `PyArg_ParseTuple` (`c/baseline.c`) and the Rust one with legacy-buffer's
/// parser. Both use what they parsed (the pointers, lengths and integer go
/// to `black_box`, or make the C function's result) and release what `s*`
/// took, as a function body does.
pub const PARSE_CASES: &[ParseCase] = &[
    ParseCase {
        label: "s#i",
        args: "('x' * 100, 7)",
        c: parse_c_s_hash_i,
        rust: parse_rust_s_hash_i,
    },
    ParseCase {
        label: "s*i",
        args: "('x' * 100, 7)",
        c: parse_c_s_star_i,
        rust: parse_rust_s_star_i,
    },
    ParseCase {
        label: "s*i (bytearray)",
        args: "(bytearray('x' * 100), 7)",
        c: parse_c_s_star_i,
        rust: parse_rust_s_star_i,
    },
    ParseCase {
        label: "s#s#i",
        args: "('x' * 100, 'y' * 100, 7)",
        c: parse_c_s_hash_s_hash_i,
        rust: parse_rust_s_hash_s_hash_i,
    },
    ParseCase {
        label: "s*s*i",
        args: "('x' * 100, 'y' * 100, 7)",
        c: parse_c_s_star_s_star_i,
        rust: parse_rust_s_star_s_star_i,
    },
];

/// One row of [`PARSE_CASES`].
pub struct ParseCase {
    /// The format's units, and the argument type where it is not `str`.
    pub label: &'static str,
    /// The argument tuple, as a Python expression.
    pub args: &'static str,
    /// `PyArg_ParseTuple`, from C.
    pub c: fn(&Object<'_>),
    /// legacy-buffer's parser, given the tuple as an extension function's
    /// trampoline gives it (`Args`, made once: making it checks nothing
    /// the C function would not check either).
    pub rust: for<'a, 'py> fn(legacy_buffer::extension::Args<'a, 'py>),
}

macro_rules! parse_c {
    ($($name:ident => $baseline:ident,)*) => {$(
        #[inline(never)]
        fn $name(args: &Object<'_>) {
            // SAFETY: GIL held, a valid tuple; the C function parses it.
            let used = unsafe { baseline::$baseline(black_box(args.as_ptr())) };
            assert!(used >= 0, "PyArg_ParseTuple failed");
            black_box(used);
        }
    )*};
}

parse_c! {
    parse_c_s_hash_i => baseline_parse_s_hash_i,
    parse_c_s_star_i => baseline_parse_s_star_i,
    parse_c_s_hash_s_hash_i => baseline_parse_s_hash_s_hash_i,
    parse_c_s_star_s_star_i => baseline_parse_s_star_s_star_i,
}

/// What a function body does with a parsed buffer: its address and length.
#[inline(always)]
fn used(buffer: &legacy_buffer::Buffer<'_>) -> (usize, usize) {
    let address = buffer.as_bytes().map_or(0, |b| b.as_ptr() as usize);
    (address, buffer.len())
}

#[inline(never)]
fn parse_rust_s_hash_i(args: legacy_buffer::extension::Args<'_, '_>) {
    let args = black_box(args);
    let (a, i): (legacy_buffer::Buffer<'_>, i32) = args
        .parse(legacy_buffer::py_format!("s#i:f"))
        .expect("parsed");
    black_box((used(&a), i));
}

#[inline(never)]
fn parse_rust_s_star_i(args: legacy_buffer::extension::Args<'_, '_>) {
    let args = black_box(args);
    let (a, i): (legacy_buffer::Buffer<'_>, i32) = args
        .parse(legacy_buffer::py_format!("s*i:f"))
        .expect("parsed");
    black_box((used(&a), i));
}

#[inline(never)]
fn parse_rust_s_hash_s_hash_i(args: legacy_buffer::extension::Args<'_, '_>) {
    let args = black_box(args);
    let (a, b, i): (legacy_buffer::Buffer<'_>, legacy_buffer::Buffer<'_>, i32) = args
        .parse(legacy_buffer::py_format!("s#s#i:f"))
        .expect("parsed");
    black_box((used(&a), used(&b), i));
}

#[inline(never)]
fn parse_rust_s_star_s_star_i(args: legacy_buffer::extension::Args<'_, '_>) {
    let args = black_box(args);
    let (a, b, i): (legacy_buffer::Buffer<'_>, legacy_buffer::Buffer<'_>, i32) = args
        .parse(legacy_buffer::py_format!("s*s*i:f"))
        .expect("parsed");
    black_box((used(&a), used(&b), i));
}
