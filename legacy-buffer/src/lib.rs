//! Sound, zero-copy access to CPython 2.7's old buffer protocol
//! (`PyObject_AsCharBuffer`, `PyObject_AsReadBuffer`,
//! `PyObject_CheckReadBuffer`, `PyObject_AsWriteBuffer`) from Rust; in
//! extension modules, on PyPy 2.7 too ([see below](#pypy)); and the same
//! API on CPython 3.9 to 3.13 ([see below](#python-3)).
//!
//! ```
//! use legacy_buffer::{with_gil, BufferKind};
//!
//! with_gil(|py| -> legacy_buffer::Result<()> {
//!     let s = py.eval("b'hello'")?; // Python 2's str, Python 3's bytes
//!     let buf = s.read_buffer()?;
//!     assert_eq!(buf.kind(), BufferKind::Immutable);
//!     assert_eq!(buf.as_bytes(), Some(&b"hello"[..])); // zero-copy &[u8]
//!
//!     let ba = py.eval("bytearray(b'abc')")?;
//!     let buf = ba.write_buffer()?;
//!     assert_eq!(buf.kind(), BufferKind::Pinned);
//!     buf.as_write_cells().unwrap()[0].set(b'X'); // zero-copy, in place
//!     drop(buf);
//!     assert_eq!(ba.repr()?, "bytearray(b'Xbc')");
//!     Ok(())
//! })?;
//! # Ok::<(), legacy_buffer::Error>(())
//! ```
//!
//! # The soundness model
//!
//! The old protocol hands out a raw pointer and a length, with no lock and no
//! release: the pointer from a `bytearray` dangles after `ba.extend(...)`, from
//! an `array.array` after `append`, from an `mmap` after `close()`, and Python
//! code may write into a `bytearray` at any time. Python code runs far more
//! often than it looks: evaluating code, calling an object, even dropping a
//! reference (`__del__`, weakref callbacks) or allocating (the cycle
//! collector). This crate does not try to stop Python from running while a
//! borrow lives. Instead each borrow is only ever given a form that stays
//! sound whatever Python does:
//!
//! - **H1, H2 — lifetimes.** A [`Buffer`] borrows its [`Object`], and an
//!   `Object<'py>` cannot outlive the [`with_gil`] call (or the extension
//!   function's [`trampoline`](extension::trampoline) call) its `Python<'py>`
//!   token came from; so nothing taken from a buffer outlives the object or
//!   the GIL. The token exists only inside those closures: there is no guard
//!   object that could be leaked (`Box::leak`, `mem::forget`) or kept in a
//!   `thread_local!` to make a `Python<'static>`, which on a thread Python
//!   created would outlive the GIL that Python lent the call. Compile-fail
//!   tests check all of this.
//! - **H3 — no aliasing `&mut`.** The safe API never hands out `&mut [u8]`.
//!   Writable memory is shared as `&[Cell<u8>]`, which may alias anything.
//! - **H4, H5 — memory that moves or changes.** The borrow is classified by the
//!   exporter's *buffer procs* (what really produces the pointer, inherited
//!   by Python subclasses), into a [`BufferKind`]:
//!   - `Immutable`: memory Python can neither change nor free while the
//!     object lives. Given as plain `&[u8]`.
//!   - `Pinned`: an export counted as the new buffer protocol counts it,
//!     which makes the exporter refuse to resize (`bytearray` raises
//!     `BufferError`) until the buffer is dropped. The memory stays put, but
//!     Python may write to it, so it is given as `&[ReadOnlyCell<u8>]` or
//!     `&[Cell<u8>]`, never `&[u8]`. Leaking a buffer (`mem::forget` is safe)
//!     leaks its count, so `bytearray`'s C `int` counter could be wrapped to
//!     negative, where it no longer stops a resize: a borrow refuses, with
//!     `BufferError`, to pin a `bytearray` that already counts 2³⁰ − 1
//!     exports. (Refused rather than aborting, as `Rc` does on overflow:
//!     a borrow can report an error, and nothing is inconsistent yet. Half
//!     the range, so that the exports others take unchecked still have a
//!     billion to count.)
//!   - `Unpinned`: nothing holds the memory in place while Python runs.
//!     Copies ([`Buffer::to_vec`], [`Buffer::read_at`], [`Buffer::write_at`])
//!     ask the object for its memory again each time, so a resize or
//!     `close()` in between is seen (an error, or the new contents), never a
//!     dangling read; zero-copy access is the no-Python scope (H8).
//! - **H8 — the no-Python scope.** Python moves, frees or writes an
//!   exporter's memory only by running. [`no_python`],
//!   [`Object::with_read_bytes`] (and `with_char_bytes`, `with_write_bytes`)
//!   and [`Buffer::with_bytes`] (and `with_bytes_mut`) lend the memory of any
//!   exporter, of every kind, as a plain `&[u8]` or `&mut [u8]`, zero-copy,
//!   to a closure during which no Python code runs on this thread, and none
//!   on another (this thread keeps the GIL throughout):
//!   - the closure is `Send`, so it cannot capture a [`Python`] token, an
//!     [`Object`], a [`Buffer`] or cells, through which the safe API would
//!     run Python code; the slices' lifetime is one the closure is generic
//!     over, so they cannot leave it (compile-fail tests `np_*`);
//!   - [`with_gil`] inside the closure panics: Python cannot be re-entered
//!     through a fresh call;
//!   - an [`Error`] dropped inside (the one `Send` type of this crate that
//!     owns Python references) is queued, and released as the scope ends;
//!   - a panic unwinds out and leaves no scope behind;
//!   - an `Unpinned` buffer borrowed earlier is asked for its memory again
//!     on entry, and each exporter is asked **once** per scope: asking runs
//!     the exporter's procedure, which may move what it gave before (a C
//!     type that gathers its storage into a fresh block each time is legal),
//!     so buffers lent several times the same way share the one answer, and
//!     an exporter asked in two ways (read and written, or directly and
//!     through a `buffer` object over it) is refused with `BufferError`
//!     before it is asked the second time;
//!   - a `&mut [u8]` that would overlap any other slice lent to the same
//!     scope (two borrows of one `bytearray`, an `array` and a `buffer`
//!     object over it) is refused with `BufferError`, never aliased;
//!   - another thread that calls [`with_gil`] meanwhile waits for the scope
//!     to end; if the scope waits for it in turn (joins it), it panics
//!     after [`set_scope_wait_limit`] (10 seconds unless set) rather than
//!     leave both waiting for ever.
//!
//!   [`Buffer::as_slice_unchecked`] remains for the rare case a scope does
//!   not fit, `unsafe`.
//!
//! ## Boundaries
//!
//! What no Rust API can check, and so what this crate's guarantees assume:
//!
//! - **C code that lies.** An exporter whose procedure reports more bytes
//!   than it owns, or gives memory it frees before the next time it is
//!   asked by *another* object's procedure (two objects whose procs share
//!   and reallocate one store, other than a `buffer` object over its base,
//!   which this crate sees through), hands out memory that is not there;
//!   C code that writes memory it lent while this thread holds the GIL
//!   (from a thread of its own, without the GIL) races any reader. Such an
//!   exporter is as unsound for C callers of the four functions.
//! - **A buffer procedure that runs Python code.** None of CPython's does;
//!   a C extension's that calls a method or releases the GIL could move a
//!   buffer asked for before it in the same scope. (`with_read_bytes` and
//!   its kin ask the exporter inside the scope they open: Python code such
//!   a procedure runs that calls back into this crate's `with_gil` panics
//!   there, caught as `SystemError` where a trampoline is around it.)
//! - **Python entered by another library inside a scope.** The closure is
//!   `Send`, so it holds nothing of this crate's that runs Python; but code
//!   in it can still enter Python through another library on the same
//!   thread, which no crate can forbid (PyO3's `allow_threads` states the
//!   same limit). With rust-cpython in the same program: inside a scope, do
//!   not call `Python::acquire_gil()`, and do not drop its `PyObject`s (its
//!   `Drop` takes the GIL and may run `__del__`). Raw FFI into libpython
//!   from a dependency is the same.
//! - **Writers that do not hold the GIL.** The scope's `&[u8]` and
//!   `&mut [u8]` rest on "no Python code runs"; C code that was already
//!   writing without the GIL is not stopped by that. A thread inside
//!   `f.readinto(ba)`, `sock.recv_into(ba)` or any C function that took an
//!   export and released the GIL writes `ba` while a scope elsewhere lends
//!   it: a data race, whichever side is Rust. Do not lend an object that
//!   another thread is filling that way (the same rule Python code follows:
//!   it would see torn contents).
//! - **Memory shared outside the object.** Two `mmap`s of one file (or a
//!   `MAP_SHARED` mapping another process writes) are one memory at two
//!   addresses, or written by someone who never asks the GIL: the overlap
//!   check sees two distinct slices, and a `&[u8]` may change under the
//!   reader. Memory-mapping crates make mapping a file `unsafe` for the
//!   same reason; here the mapping is made by Python, so the rule is the
//!   caller's: lend such memory only when nothing else maps the file for
//!   writing, or copy it ([`Buffer::to_vec`]).
//! - **Interpreters with a GIL of their own** (CPython 3.12 and later).
//!   This crate runs in the main interpreter (`PyInit_` refuses a
//!   subinterpreter). A subinterpreter created with its own GIL that was
//!   handed a view of an object's memory (a channel's `memoryview`) writes
//!   it under that GIL, not this thread's: the same data race as above.
//! - **`ctypes`.** Python code writing raw memory through `ctypes` is
//!   outside any guarantee, as it is for Python itself.
//! - **H6 — threads.** [`Python`], [`Object`], [`Buffer`] and the cells are
//!   neither `Send` nor `Sync`. A `&[u8]` of immutable memory may cross
//!   threads: nothing can change or free it while the object borrow lives.
//!   [`Error`] is `Send` and owns Python references: dropped where this
//!   thread does not hold the GIL it neither takes the GIL (which could
//!   deadlock) nor touches Python; the references are queued and released
//!   the next time this crate holds the GIL.
//! - **H7 — panics and stray exceptions.** [`extension::trampoline`] catches
//!   panics in extension functions and raises them as `SystemError`; no
//!   callback of this crate lets a panic unwind into C. A panic inside
//!   [`with_gil`] releases the GIL on the way out. An exporter whose proc
//!   succeeds but leaves an exception set (a C bug that CPython's own
//!   functions pass on) makes the borrow fail with a `SystemError` naming
//!   the exporter, whose [`source`](std::error::Error::source) is the stray
//!   exception; the exact-`str` and `bytearray` paths run no foreign proc and
//!   skip that check.
//!
//! On CPython, only exporters whose procs are known get more than
//! `Unpinned` (on PyPy, see [PyPy](#pypy)); inside a no-Python scope, every
//! one is a plain slice:
//!
//! | object | char buffer | read buffer | write buffer | in a scope |
//! | --- | --- | --- | --- | --- |
//! | `str` and subclasses | `Immutable` | `Immutable` | `TypeError` | `&[u8]` |
//! | `unicode` and subclasses | `Immutable` (default-encoded, cached) | `Immutable` (raw `Py_UNICODE`) | `TypeError` | `&[u8]` |
//! | `buffer` over `str`/`unicode` | `Immutable` | `Immutable` | `TypeError` | `&[u8]` |
//! | `bytearray` and subclasses | `Pinned` | `Pinned` | `Pinned` | `&[u8]`, `&mut [u8]` |
//! | `array.array`, `mmap`, ctypes, other C types | `Unpinned` | `Unpinned` | `Unpinned` | `&[u8]`, `&mut [u8]` |
//! | `buffer` over `bytearray`, `array`, ... | `Unpinned` | `Unpinned` | `TypeError` (read-only) | `&[u8]` |
//! | `int`, `list`, `memoryview`, `None`, ... | `TypeError` | `TypeError` | `TypeError` | `TypeError` |
//!
//! Results are exactly the C functions' (same bytes and length, or the same
//! exception type and message); the test suite checks that table against
//! the real interpreter. Lengths are `Py_ssize_t` converted to `usize` with
//! a check: a negative length, or a NULL pointer with a non-zero length,
//! from a misbehaving exporter is a `SystemError`, never a slice. Python code
//! that writes raw memory through `ctypes` is outside any guarantee, as it is
//! for Python itself.
//!
//! # Errors
//!
//! Every failure is an [`Error`] naming the Python exception type and
//! message; the exception has been fetched and cleared, so no call of this
//! crate leaves one set. [`Error::restore`] raises it again.
//!
//! # Embedding and extension modules
//!
//! Embedding: [`with_gil`] initialises the interpreter on first use. Extension modules: build with the
//! `extension-module` feature (libpython is not linked), and write each
//! function's body inside [`extension::trampoline`], which gives the
//! `Python` token, raises errors and catches panics; see its example.
//! Its arguments parse as `PyArg_ParseTuple` and
//! `PyArg_ParseTupleAndKeywords` parse them, same formats, same errors
//! ([`extension::Args::parse`], [`extension::Parser::keywords`]), into Rust
//! values, with the format written as [`py_format!`]`("s*|I:name")` and
//! checked against the Rust types while the program builds (a type that
//! does not take its unit is a compile error): `s#`, `t#`, `w#`, `s*`, `z*`
//! and `w*` give a [`Buffer`] (for the
//! `*` units, a new-protocol export where the argument has one, pinned
//! until dropped; [`extension::View`] is the same type, under the name C
//! ports know). An export of a `bytearray`, directly or through a
//! `memoryview` of it, is refused (`BufferError`) once the `bytearray`'s
//! own counter reaches 2³⁰ − 1, as a pin is, whoever took the exports
//! before; for other exporters, whose counters it cannot read, this crate
//! holds at most 2³⁰ − 1 exports, leaked ones included, so that even two
//! copies of it in one process (two ported modules) cannot wrap a C `int`
//! counter.
//!
//! # Extension types
//!
//! [`py_class!`] makes a Python type of a Rust struct, declared once: the
//! struct is the value each object holds, its methods and slots are plain
//! Rust functions (run through trampolines, like module functions), and
//! [`py_module!`]'s `types:` adds it to a module. Three rules keep it sound,
//! whatever Python code does.
//!
//! **`self` is borrowed at run time.** A method gets `self` as an
//! [`extension::Instance`], a handle to the object, not a reference to the
//! value. The value is reached through a borrow flag kept in the object,
//! as a `RefCell`'s: [`borrow`](extension::Instance::borrow) and
//! [`borrow_mut`](extension::Instance::borrow_mut) fail with `RuntimeError`
//! ("Already mutably borrowed") rather than alias. A method that holds
//! `&mut` while it runs Python code (a callback, an element's `__eq__`, a
//! `__del__`, the collector) and is re-entered on the same object gets a
//! clean exception in the re-entering call, never a second `&mut`; a
//! method declared `&self`/`&mut self` in the macro holds its borrow for the
//! call, a `this` method borrows only what it needs, when it needs it
//! (`Cell` fields make most methods need only shared borrows). The guards
//! cannot outlive the call that lent the handle (compile-fail tests), a
//! leaked guard leaves the flag set (later borrows fail, nothing aliases),
//! and the collector's `tp_traverse`/`tp_clear` skip a value borrowed in a
//! way they would conflict with.
//!
//! **Exported memory is never a plain slice across Python code.** A type
//! with the `exports` feature owns bytes that Python sees through both
//! buffer protocols: the old protocol's procs give the current pointer each
//! time they are asked (as `buffer()` asks on every access), the new
//! protocol's count one export per view. Any Python code — and C code
//! holding a view — may read or write those bytes whenever it runs, so Rust
//! reaches them only as what stays sound meanwhile: one byte at a time in
//! place ([`get_byte`](extension::Instance::get_byte)), cells of a pinned
//! [`Buffer`], or plain `&[u8]`/`&mut [u8]` inside a no-Python scope
//! ([`with_bytes`](extension::Instance::with_bytes),
//! [`with_bytes_mut`](extension::Instance::with_bytes_mut)), whose closure
//! is `Send` and so cannot reach an object to run Python code or resize.
//!
//! **Resizing is the library's, refused while exported.**
//! [`resize_bytes`](extension::Instance::resize_bytes) fails with
//! `BufferError` ("Existing exports of data: object cannot be re-sized", as
//! `bytearray` says) while any new-protocol view, pinned [`Buffer`] or scope
//! counts an export, so no view's pointer ever dangles; a port cannot
//! forget the check, since it has no other way to resize. Because that
//! refusal is the library's own, this crate's borrows know such an object
//! as they know a `bytearray`: [`Object::read_buffer`] pins it by counting
//! an export and gives a [`BufferKind::Pinned`] buffer, zero-copy cells and
//! all (the probe shows it).
//!
//! ```
//! use legacy_buffer::extension::{Args, Class, Instance};
//! use legacy_buffer::{py_class, py_format, py_module, with_gil, Object, Python, Result};
//! use std::cell::Cell;
//!
//! /// A growable set of flags whose bytes Python can see: `buffer(f)`,
//! /// `memoryview(f)`, `file.write(f)`.
//! pub struct Flags {
//!     /// Writes so far. A `Cell`: methods borrow the value shared, and Python
//!     /// code they run may use the same object again.
//!     writes: Cell<u64>,
//! }
//!
//! impl Flags {
//!     /// `Flags(size=0)`: `tp_new`, making the object of the class asked for
//!     /// (a Python subclass's, maybe).
//!     fn new<'py>(_py: Python<'py>, cls: Class<'_, 'py, Flags>, args: Args<'_, 'py>) -> Result<Object<'py>> {
//!         let (size,): (Option<isize>,) = args.parse(py_format!("|n:Flags"))?;
//!         let bytes = vec![0; size.unwrap_or(0).max(0) as usize];
//!         cls.create(Flags { writes: Cell::new(0) }, bytes)
//!     }
//!
//!     /// `f.set(i)`: one byte, written in place (no slice is held while
//!     /// Python code could run).
//!     fn set(_py: Python<'_>, this: Instance<'_, '_, Flags>, args: Args<'_, '_>) -> Result<()> {
//!         let (i,): (isize,) = args.parse(py_format!("n:set"))?;
//!         if i < 0 || !this.set_byte(i as usize, 1) {
//!             return Err(legacy_buffer::Error::new(legacy_buffer::ExceptionType::IndexError, "flag index out of range"));
//!         }
//!         let flags = this.borrow()?;
//!         flags.writes.set(flags.writes.get() + 1);
//!         Ok(())
//!     }
//!
//!     /// `f.count()`: the fast path, over a plain `&[u8]` in a no-Python scope.
//!     fn count(_py: Python<'_>, this: Instance<'_, '_, Flags>) -> Result<usize> {
//!         this.with_bytes(|bytes| bytes.iter().filter(|&&b| b != 0).count())
//!     }
//!
//!     /// `f.grow(n)`: refused with BufferError while the bytes are exported.
//!     fn grow(_py: Python<'_>, this: Instance<'_, '_, Flags>, args: Args<'_, '_>) -> Result<()> {
//!         let (n,): (isize,) = args.parse(py_format!("n:grow"))?;
//!         this.resize_bytes(this.bytes_len() + n.max(0) as usize)
//!     }
//!
//!     fn len(_py: Python<'_>, this: Instance<'_, '_, Flags>) -> Result<usize> {
//!         Ok(this.bytes_len())
//!     }
//! }
//!
//! py_class! {
//!     class Flags as "flags.Flags" {
//!         doc: "Flags(size=0)",
//!         features: [subclassable, weakrefs, exports, unhashable],
//!         new(cls): Flags::new,
//!         methods: {
//!             set(this, args) => Flags::set, "set(i)";
//!             count(this) => Flags::count, "count() -> int";
//!             grow(this, args) => Flags::grow, "grow(n)";
//!         }
//!         slots: {
//!             __len__ => Flags::len;
//!         }
//!     }
//! }
//!
//! py_module! {
//!     module flags {
//!         functions: {}
//!         types: { Flags }
//!     }
//! }
//!
//! fn main() -> Result<()> {
//!     flags::init();
//!     with_gil(|py| {
//!         py.run(r#"
//! import flags
//! f = flags.Flags(4)
//! f.set(1); f.set(3)
//! assert f.count() == 2 and memoryview(f).tobytes() == b'\0\1\0\1'
//! m = memoryview(f)
//! m[0:1] = b'\x07'                # Python writes the exported bytes
//! assert f.count() == 3
//! try:
//!     f.grow(4)                   # while exported: refused, as bytearray does
//!     raise AssertionError
//! except BufferError:
//!     pass
//! del m
//! f.grow(4)
//! assert len(f) == 8
//! class Named(flags.Flags):       # subclassable from Python
//!     pass
//! assert Named(2).count() == 0
//! "#)
//!     })
//! }
//!
//! ```
//!
//! # Layout
//!
//! The crate stands in layers, each importing only those below it:
//!
//! 1. `runtime`: what is known of the interpreter, per thread and per
//!    process — whether this thread holds the GIL, whether a no-Python
//!    scope is active, and the references released where Python may not
//!    run, queued for later. It imports nothing from the crate.
//! 2. `gil`: [`with_gil`], the [`Python`] token, [`Python::allow_threads`].
//! 3. `error`: [`Error`], the exception classes it can raise.
//! 4. `object` and `protocols`: [`Object`], [`Borrowed`] and [`ObjectRef`]
//!    handles, and what objects do (truth, numbers, iteration, calls,
//!    containers).
//! 5. `export` and `buffer`: the one memory handle, [`Buffer`], which holds
//!    nothing, a pin, or a new-protocol export.
//! 6. `scope`: the no-Python scope ([`no_python`], `with_bytes`, ...).
//! 7. [`extension`]: the porting toolkit — argument parsing, results, new
//!    `str` objects, modules ([`py_module!`]), extension types
//!    ([`py_class!`]: `extension/class/`) — built on the public and
//!    crate-internal API of the layers below; nothing below imports it.
//!
//! # Python 3
//!
//! The same sources build against CPython 3.9 to 3.13 (legacy-buffer-sys's
//! `LEGACY_BUFFER_SYS_PYTHON_VERSION=3.11`, see its README; [`ffi::PY3`]
//! says which line was bound). The four functions exist there too, but
//! they are the new protocol in disguise: each takes an export
//! (`PyObject_GetBuffer`) and releases it before returning, so the pointer
//! it gives is pinned by nothing — not even for a `bytearray`. A borrow
//! here holds the export itself until the [`Buffer`] is dropped, so
//! `bytearray`, `array.array`, `mmap` and `memoryview` refuse to resize,
//! close or free their memory meanwhile, and the kinds are stronger than
//! on Python 2:
//!
//! | object, on Python 3 | char buffer | read buffer | write buffer | in a scope |
//! | --- | --- | --- | --- | --- |
//! | `bytes` and subclasses | `Immutable` | `Immutable` | `TypeError` | `&[u8]` |
//! | `bytearray`, `array.array`, `mmap`, types of [`py_class!`], a `memoryview` of those or of `bytes` | `Pinned` | `Pinned` | `Pinned` (or `TypeError` if read-only) | `&[u8]`, `&mut [u8]` |
//! | ctypes, other C types, a Python class's `__buffer__` (3.12) | `Unpinned` (the export held, asked again) | `Unpinned` | `Unpinned` | `&[u8]`, `&mut [u8]` |
//! | `str`, `int`, `list`, `None`, ... | `TypeError` | `TypeError` | `TypeError` | `TypeError` |
//!
//! `Pinned` is given by the exporter's `bf_getbuffer` (never its name),
//! where that proc is known to refuse resizing, closing and freeing while
//! an export is counted; others promise nothing of the kind (ctypes'
//! `resize()` reallocates under an export), so their memory is asked for
//! again, through a fresh export, at each use, as `Unpinned` memory is on
//! Python 2. The results — bytes, lengths,
//! exceptions — are those of each version's C functions (`TypeError: a
//! bytes-like object is required, not 'str'`; the write function's own
//! `TypeError: expected a writable bytes-like object`), checked against
//! them object by object as on Python 2. What else differs between the
//! lines:
//!
//! - **Strings.** Python 2's `str` is Python 3's `bytes`, and Python 3's
//!   `str` is Python 2's `unicode`. Rust byte results (`Vec<u8>`, `&[u8]`,
//!   [`Object::str`], a new str built in place) are `str` on Python 2 and
//!   `bytes` on Python 3, as `Py_BuildValue`'s `s#` and `y#` make them;
//!   text (`String`, `&str`) is `unicode` and `str`; the native `str` of
//!   each line ([`extension::Str`], [`Object::native_str`], module string
//!   constants, `__repr__` and `__str__` slots, keyword names) is Python
//!   2's `str` and Python 3's `str`. [`Object::native_str_bytes`] reads one.
//! - **Modules.** [`py_module!`] exports both entry points, `init<name>`
//!   for Python 2 and `PyInit_<name>` for Python 3 (a single-phase module
//!   definition); each line's import looks for its own.
//! - **Types.** [`py_class!`] types get Python 3's slots for the same
//!   declarations (`__nonzero__` is `nb_bool`; `__long__` has no slot) and
//!   export through the new protocol only.
//! - **The argument parser** follows the running version's `getargs.c`:
//!   `s` and `z` take a `str` as UTF-8 (an embedded NUL is `ValueError`),
//!   `s#`, `z#`, `s*`, `z*` a `str` or a bytes-like object; `y`, `y#` and
//!   `y*` (Python 3 only) bytes-like objects; `c` and `S` bytes, `U` a
//!   `str`; `t#` and `w#`, which Python 3 removed, are compile errors
//!   there, as `y` is on Python 2. The integer units refuse a float up to
//!   3.9 and take only `__index__` from 3.10 (3.9 warns about `__int__`);
//!   `k` and `K` want an `int`. `PyObject_GetBuffer`'s own exception is
//!   passed on, and each version's keyword messages are its own (3.13's
//!   "got an unexpected keyword argument", with its "Did you mean"). The
//!   parity test runs the Rust parser beside each version's C parser over
//!   the same corpus. One deliberate difference: `y` of an exporter other
//!   than `bytes` whose memory holds no NUL is a `SystemError`, where C's
//!   `strlen` reads on past the end of that memory.
//!
//! # PyPy
//!
//! Extension modules built on this crate also run on PyPy 2.7, through
//! cpyext, its emulation of CPython's C API: build them against PyPy's
//! headers, with the `extension-module` feature (legacy-buffer-sys's README
//! says how; PyPy is not embedded, so embedding refuses, at build time and
//! in [`with_gil`] at run time). The API is the same; the soundness model
//! rests on what cpyext guarantees, not on CPython's internals, and
//! [`ffi::PYPY`] says which was bound.
//!
//! The objects C code sees on PyPy are proxies cpyext keeps for the
//! interpreter's objects, and their buffer procs are cpyext's (a type
//! defined in C keeps its own). A borrow calls cpyext's own
//! `PyObject_As*Buffer` — the results are those the C extension gets,
//! checked as on CPython (a stray exception or a NULL pointer with a
//! length is an error) — and gives a kind only where cpyext guarantees it:
//!
//! | object, on PyPy | char buffer | read buffer | write buffer | in a scope |
//! | --- | --- | --- | --- | --- |
//! | `str` | `Immutable` | `Immutable` | `TypeError` | `&[u8]` |
//! | `str` subclasses | `Unpinned` | `Unpinned` | `TypeError` | `&[u8]` |
//! | `unicode` and subclasses | `TypeError` | `Unpinned` (raw `Py_UNICODE`) | `TypeError` | `&[u8]` |
//! | `buffer` | `Unpinned` | `Unpinned` | `TypeError` | `&[u8]` |
//! | `bytearray` and subclasses | `Unpinned` | `Unpinned` | `Unpinned` | `&[u8]`, `&mut [u8]` |
//! | `array.array`, `mmap`, ctypes, other C types | `Unpinned` | `Unpinned` | `Unpinned` | `&[u8]`, `&mut [u8]` |
//! | `int`, `list`, `memoryview`, `None`, ... | `TypeError` | `TypeError` | `TypeError` | `TypeError` |
//!
//! Why:
//!
//! - **`str` is `Immutable`** (the exact type only): the C API promises that
//!   `PyString_AsString` gives the string's internal buffer, never modified
//!   and not freed while the object lives, and cpyext keeps that promise:
//!   it copies the characters into the proxy's own `ob_sval` when it makes
//!   the proxy and never writes them again, and a proxy is freed only when
//!   its reference count, which counts the borrow's object, drops. The
//!   borrow reads them through `PyString_AsString` and `PyString_Size`.
//! - **Nothing is `Pinned`**: cpyext's `bytearray` counts no exports (its
//!   `PyByteArrayObject` has no `ob_exports`) and nothing makes it refuse a
//!   resize; its memory is the interpreter's, made non-moving on demand,
//!   and a resize moves it.
//! - **Everything else is `Unpinned`**, subclasses of `str`, `unicode` and
//!   `buffer` objects included: cpyext makes their memory when asked (a
//!   non-moving copy for a `str` subclass, a `Py_UNICODE` copy for
//!   `unicode`, a pointer stored on the proxy when a `buffer` object's is
//!   made) by code whose lifetime is no promise of the C API's. Zero-copy
//!   access to them is the no-Python scope, as on CPython for `array`.
//!
//! What cpyext gives differs from CPython's in places, for the C extension
//! and its port alike: `unicode` has no character buffer (cpyext's
//! `PyObject_AsCharBuffer` would call a missing proc there; this crate
//! raises the `TypeError` cpyext raises for other objects without one), a
//! `buffer` object over a slice of a `str` holds the whole `str`, and
//! cpyext refuses to write to `str`, `unicode` and `buffer` alike
//! (`expected a writeable buffer object`).
//!
//! **Arguments.** [`extension::Args::parse`] follows PyPy's own
//! `PyArg_ParseTuple`, which differs from CPython's: its messages for a
//! tuple name neither the function nor the argument (`must be string, not
//! int`), and cpyext's procs decide what each unit takes (`t#` takes a
//! `bytearray`, `s*` refuses an `array`, `w#` refuses a `str` as not a
//! read-write buffer; `k` and `K` name themselves, `must be integer<k>, not
//! float`). A view from `s*`, `z*` or `w*` is `Unpinned` when it
//! is a new-protocol export (an export pins nothing on PyPy: the
//! `bytearray` resizes under it): no cells, and each use of its memory
//! takes a fresh export (the view keeps the last four, the most one
//! [`no_python`] scope lends, until it is dropped). The `str` and `unicode`
//! memory `s`, `s#` and `s*` read through `PyString_AS_STRING` (a
//! `unicode`'s default encoding, which cpyext keeps in the object) stays
//! `Immutable`.
//!
//! **The GIL.** PyPy cannot be asked whether a thread holds the GIL
//! (cpyext has neither `PyGILState_GetThisThreadState` nor
//! `_PyThreadState_Current`); this crate counts, per thread, the GIL it
//! knows it holds: inside [`with_gil`], [`extension::trampoline`] and a
//! [`py_module!`] module's import, less the [`Python::allow_threads`]
//! closures inside them. Where the count says no, a Python reference this
//! crate releases (an [`Error`] dropped) is queued for the next time it
//! holds the GIL, never released without it. `tests/tests/pypy.rs` checks
//! the table above, views, the parser against PyPy's and threads under
//! `pypy`.

#![warn(missing_docs)]

mod buffer;
mod error;
mod export;
pub mod extension;
mod gil;
mod object;
mod protocols;
mod runtime;
mod scope;

pub use buffer::{Buffer, BufferKind, ReadOnlyCell};
pub use error::{Error, ExceptionType, Result};
pub use gil::{with_gil, Python};
pub use object::{Borrowed, Object, ObjectRef};
pub use protocols::Iter;
pub use runtime::set_scope_wait_limit;
pub use scope::{no_python, Bytes, BytesMut, Lend};

/// The raw bindings this crate is built on.
pub use legacy_buffer_sys as ffi;

// The README's example, compiled and run with the crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
