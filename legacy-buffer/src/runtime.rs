//! What this crate knows of the running interpreter, per thread and per
//! process: whether this thread holds the GIL ([`held`]), whether the thread
//! holding it is inside a no-Python scope ([`scope_active`]), whether this
//! thread may run Python code at all ([`python_forbidden_here`]), and the
//! Python references released where they could not be ([`release`],
//! [`drain`]).
//!
//! One module, because these answer one question — may Python run here,
//! now? — and each of the layers above asks it: the GIL ([`with_gil`]
//! refuses inside a scope and waits for one elsewhere), errors (released at
//! once or queued), the scope (entered and left here), and the extension
//! toolkit (its trampoline counts the GIL it is lent). It imports nothing
//! from the rest of the crate.
//!
//! [`with_gil`]: crate::gil::with_gil

use legacy_buffer_sys as ffi;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The GIL held on this thread.

/// Whether the calling thread holds the GIL. CPython says
/// (`lbsys_gil_held`, 1 or 0); PyPy cannot (-1), and then the count [`Held`]
/// keeps does: the GIL this crate knows it holds on this thread.
#[inline]
pub(crate) fn held() -> bool {
    // SAFETY: lbsys_gil_held reads thread states only (nothing on PyPy);
    // callable without the GIL, before Python starts and after it is
    // finalised (0 then).
    match unsafe { ffi::gil_held() } {
        0 => false,
        1 => true,
        _ => Held::counted(),
    }
}

thread_local! {
    /// How many [`Held`] are alive on this thread, less those given up
    /// around a closure that runs without the GIL. PyPy only.
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// The GIL as this crate holds it on this thread, counted where the
/// interpreter cannot be asked (PyPy: see [`held`]). Alive while a
/// `with_gil` or trampoline body runs, or a `py_module!` module's import,
/// which hold the GIL throughout but for the `allow_threads` closures inside
/// them, which set the count aside ([`Held::give_up`]). On CPython the count
/// is never kept (`ffi::PYPY` is a constant, so none of this is compiled
/// in).
///
/// Not counted: the GIL taken or given up by C code (unsafe code's own
/// business); [`held`] is then wrong only the safe way on the thread that
/// took it (references are queued rather than released), and C code that
/// gives the GIL up around a call back into Rust must not drop an `Error`
/// there, on PyPy as it must not use any of this crate's objects.
pub(crate) struct Held(PhantomData<*mut ()>);

impl Held {
    /// The GIL is held from now until the result is dropped.
    #[inline]
    pub(crate) fn enter() -> Held {
        if ffi::PYPY {
            HELD.with(|n| n.set(n.get() + 1));
        }
        Held(PhantomData)
    }

    /// The GIL is given up until [`Held::take_back`]: the count before.
    #[inline]
    pub(crate) fn give_up() -> usize {
        if ffi::PYPY {
            HELD.with(|n| n.replace(0))
        } else {
            0
        }
    }

    /// The GIL is taken back: the count [`Held::give_up`] returned.
    #[inline]
    pub(crate) fn take_back(count: usize) {
        if ffi::PYPY {
            HELD.with(|n| n.set(count));
        }
    }

    /// Whether this thread holds the GIL, as far as the count knows.
    fn counted() -> bool {
        // A const-initialised Cell has no destructor: readable whenever.
        HELD.with(|n| n.get() > 0)
    }
}

impl Drop for Held {
    #[inline]
    fn drop(&mut self) {
        if ffi::PYPY {
            HELD.with(|n| n.set(n.get() - 1));
        }
    }
}

// ---------------------------------------------------------------------------
// The no-Python scopes of the thread holding the GIL.

/// The two words a scope reads and writes, side by side, so that both are
/// reached through one address (in an extension module, one load from the
/// global offset table, not two).
#[repr(C)]
struct Words {
    /// The no-Python scopes of the thread holding the GIL: how many it is
    /// in ([`DEPTH`], the low bits), and how many outermost scopes have
    /// ended ([`ENDED`], the high bits, wrapping), by which a thread waiting
    /// for the GIL tells a scope that goes on from one that ended and
    /// another began (see [`wait_for_scope_elsewhere`]). Only the thread
    /// holding the GIL writes it (a scope runs with the GIL held from start
    /// to end, and everything that asks holds the GIL first), so the GIL
    /// orders those accesses and plain loads and stores do; atomic to be in
    /// a `static`, and so that a thread without the GIL may read it.
    scopes: AtomicU32,
    /// Whether the queue of references waiting for the GIL ([`release`])
    /// may be non-empty: [`drain`] and a scope's end read only this, so
    /// that the common case (nothing queued) costs one load.
    queued: AtomicBool,
}

static WORDS: Words = Words {
    scopes: AtomicU32::new(0),
    queued: AtomicBool::new(false),
};

/// The bits of `WORDS.scopes` that count the scopes entered and not yet left.
const DEPTH: u32 = (1 << 16) - 1;

/// One outermost scope ended, in `WORDS.scopes`' high half.
const ENDED: u32 = 1 << 16;

/// Whether the thread holding the GIL is inside a no-Python scope. Only
/// meaningful on that thread, or (as "a scope keeps the GIL elsewhere") on
/// one that does not hold the GIL.
#[inline]
pub(crate) fn scope_active() -> bool {
    WORDS.scopes.load(Ordering::Relaxed) & DEPTH != 0
}

/// Inside a no-Python scope until dropped (at the end of the closure, or
/// while a panic unwinds out of it).
///
/// Leaving writes back the word as it was on entering, one more ended if
/// this was the outermost scope, rather than reading it again: scopes nest
/// strictly (the guard is private and dropped in order), so the word is
/// then what it was. A loop of scopes is bound by the calls and returns it
/// takes, not by these few instructions, as long as the outermost scope's
/// end takes no branch (legacy-buffer-bench's `borrow-ab` measured a cycle
/// per scope for one taken branch).
pub(crate) struct InScope {
    before: u32,
    _not_send: PhantomData<*mut ()>,
}

impl InScope {
    /// Enter a scope.
    ///
    /// # Safety
    ///
    /// This thread holds the GIL, and keeps it until the result is dropped.
    #[inline]
    pub(crate) unsafe fn enter() -> InScope {
        let before = WORDS.scopes.load(Ordering::Relaxed);
        WORDS.scopes.store(before + 1, Ordering::Relaxed);
        InScope {
            before,
            _not_send: PhantomData,
        }
    }
}

impl Drop for InScope {
    #[inline]
    fn drop(&mut self) {
        // Nested scopes are for unsafe code only (safe code cannot reach a
        // token inside a scope's `Send` closure): out of the way, so that
        // the outermost scope's end runs straight through, no branch taken.
        if self.before & DEPTH != 0 {
            return leave_inner(self.before);
        }
        // One more ended: a thread waiting for the GIL sees the scope go.
        WORDS
            .scopes
            .store(self.before.wrapping_add(ENDED), Ordering::Relaxed);
        // References released inside the scope were queued (`release`):
        // Python may run again now.
        if WORDS.queued.load(Ordering::Relaxed) {
            release_deferred();
        }
    }
}

/// An inner scope ended: the word as it was when it began. Not counted as
/// ended: the scope a waiting thread saw goes on.
#[cold]
#[inline(never)]
fn leave_inner(before: u32) {
    WORDS.scopes.store(before, Ordering::Relaxed);
}

/// The outermost scope ended with references queued: release them.
#[cold]
#[inline(never)]
fn release_deferred() {
    // SAFETY: a scope is entered and left by the thread holding the GIL
    // (`InScope::enter`'s contract), and this one was the outermost.
    unsafe { drain_queued() };
}

/// How long `with_gil` on a thread without the GIL waits for one no-Python
/// scope on another thread to end before it panics, in milliseconds;
/// `u64::MAX`: for ever.
static WAIT_LIMIT_MS: AtomicU64 = AtomicU64::new(10_000);

/// Set how long [`with_gil`](crate::gil::with_gil), called on a thread that
/// does not hold the GIL, waits for a no-Python scope running on another
/// thread to end before it panics (`None`: for ever). 10 seconds unless set.
///
/// A no-Python scope keeps the GIL until its closure returns, so a thread
/// that wants the GIL meanwhile waits. If the scope's closure waits for that
/// thread in turn (a scoped thread started and joined inside the closure,
/// which calls `with_gil`), neither can go on: rather than hang for ever,
/// the waiting thread panics, with a message naming the scope, once one
/// scope has kept the GIL from it for this long; joined, its panic reaches
/// the closure. A program whose scopes run longer than that while other
/// threads wait for the GIL (hashing gigabytes in one scope) raises the
/// limit, or sets `None`.
///
/// ```
/// use std::time::Duration;
///
/// legacy_buffer::set_scope_wait_limit(Some(Duration::from_secs(60)));
/// # legacy_buffer::set_scope_wait_limit(Some(Duration::from_secs(10)));
/// ```
pub fn set_scope_wait_limit(limit: Option<Duration>) {
    let ms = limit.map_or(u64::MAX, |d| {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    });
    WAIT_LIMIT_MS.store(ms, Ordering::Relaxed);
}

/// On a thread that does not hold the GIL, before taking it, when
/// [`scope_active`] says a no-Python scope is running (on the thread that
/// holds it): wait until that scope ends, or panic once it has kept on past
/// the limit (see [`set_scope_wait_limit`]). A thread started inside a
/// scope sees it: the scope was entered before the thread was spawned.
#[cold]
#[inline(never)]
pub(crate) fn wait_for_scope_elsewhere() {
    let began = Instant::now();
    let seen = WORDS.scopes.load(Ordering::Relaxed);
    let limit = WAIT_LIMIT_MS.load(Ordering::Relaxed);
    let mut pause = Duration::from_micros(20);
    loop {
        let now = WORDS.scopes.load(Ordering::Relaxed);
        // Over, or another scope since: the GIL was free in between, and
        // taking it now waits as for any holder.
        if now & DEPTH == 0 || now & !DEPTH != seen & !DEPTH {
            return;
        }
        let waited = began.elapsed();
        if waited.as_millis() >= u128::from(limit) {
            scope_kept_the_gil(waited);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
}

#[cold]
#[inline(never)]
fn scope_kept_the_gil(waited: Duration) -> ! {
    panic!(
        "legacy-buffer: with_gil waited {waited:.1?} for a no-Python scope (no_python, \
         with_read_bytes, ...) on another thread to end: a scope keeps the GIL until its \
         closure returns, so a thread it waits for (joins) must not call with_gil; see \
         set_scope_wait_limit"
    )
}

// ---------------------------------------------------------------------------
// Closures that must not run Python although the GIL is free.

thread_local! {
    /// Whether this thread runs a closure that must not run Python code
    /// although it does not hold the GIL ([`forbid_python_here`]).
    static NO_PYTHON_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Until the result is dropped, `with_gil` on this thread panics as inside
/// a scope: for a fill closure run with the GIL released (a new `str` built
/// without the GIL), so that it behaves as the same closure in a scope
/// does, where the build keeps the GIL instead.
pub(crate) fn forbid_python_here() -> impl Drop {
    struct Forbidden(bool);
    impl Drop for Forbidden {
        fn drop(&mut self) {
            NO_PYTHON_HERE.with(|flag| flag.set(self.0));
        }
    }
    Forbidden(NO_PYTHON_HERE.with(|flag| flag.replace(true)))
}

/// Whether [`forbid_python_here`] holds on this thread.
#[inline]
pub(crate) fn python_forbidden_here() -> bool {
    NO_PYTHON_HERE.with(Cell::get)
}

// ---------------------------------------------------------------------------
// References released where Python may not run.
//
// A value that owns Python references and is `Send` (`Error` keeps the
// exception objects) can be dropped anywhere: on a thread without the GIL,
// or on one whose GIL another part of the program is waiting to get back
// (a scoped thread its owner joins while holding the GIL), or inside a
// no-Python scope. Taking the GIL there would block, possibly forever;
// releasing without it would be a data race; releasing inside a scope
// could run `__del__`. So such references go through `release`: released
// at once where this thread may run Python, queued otherwise, and the queue
// is emptied (`drain`) the next time this crate holds the GIL outside a
// scope.

/// References waiting for the GIL.
struct Pending(Vec<NonNull<ffi::PyObject>>);

// SAFETY: the pointers are only dereferenced (released) by `drain`, which
// holds the GIL; the queue itself is only a list of addresses.
unsafe impl Send for Pending {}

static PENDING: Mutex<Pending> = Mutex::new(Pending(Vec::new()));

// Whether `PENDING` may be non-empty is `WORDS.queued`.

/// Give up one reference to `obj` (NULL is ignored): released now if this
/// thread may run Python code, queued for [`drain`] otherwise.
///
/// # Safety
///
/// The caller owns one reference to `obj` (if non-NULL) and gives it up.
pub(crate) unsafe fn release(obj: *mut ffi::PyObject) {
    let Some(obj) = NonNull::new(obj) else {
        return;
    };
    // Callable without the GIL, before Python starts and after it is
    // finalised (false then). Inside a no-Python scope the reference is
    // queued, and released when the outermost ends (`InScope`'s drop looks
    // at `WORDS.queued`).
    if held() && !scope_active() {
        // SAFETY: this thread holds the GIL and may run Python code (the
        // release may run `__del__`); the reference is ours to give up.
        unsafe { ffi::Py_DECREF(obj.as_ptr()) };
        return;
    }
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.0.push(obj);
    WORDS.queued.store(true, Ordering::Release);
}

/// Release what was queued.
///
/// # Safety
///
/// This thread holds the GIL and may run Python code (no scope is active).
#[inline]
pub(crate) unsafe fn drain() {
    if WORDS.queued.load(Ordering::Relaxed) {
        // SAFETY: passed on.
        unsafe { drain_queued() };
    }
}

/// # Safety
///
/// As [`drain`].
#[cold]
#[inline(never)]
unsafe fn drain_queued() {
    if !WORDS.queued.swap(false, Ordering::Acquire) {
        return;
    }
    // Taken out first: each release may run `__del__`, which may drop more
    // errors and so lock the queue again.
    let queued = {
        let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut pending.0)
    };
    for obj in queued {
        // SAFETY: the GIL is held (the caller's contract); each queued
        // pointer carries one reference that `release` was given.
        unsafe { ffi::Py_DECREF(obj.as_ptr()) };
    }
}
