//! The GIL: [`with_gil`], the only safe way to hold it, and the `Python<'py>`
//! token that proves it is held.
//!
//! The token's lifetime is the closure's, never longer: there is no guard
//! object to leak or keep in a `thread_local!`. A guard that outlives the
//! call that took the GIL lies about holding it: on a thread Python created
//! (`threading.Thread`), `PyGILState_Ensure` inside an extension function
//! finds the GIL already held and takes nothing, so Python gives the GIL
//! back when the function returns, whatever guard Rust still holds.

use crate::runtime::{self, held, Held};
use legacy_buffer_sys as ffi;
use std::marker::PhantomData;
use std::sync::Once;

/// Run `f` with the GIL held, and give it the token that proves it.
///
/// Works on any thread: one Python created, one it never saw (a thread state
/// is made for it, and removed again when the outermost call returns), and
/// nested in another `with_gil` or in an extension function, where the GIL
/// is already held. Embedded, the first call initialises the interpreter
/// (without installing signal handlers). The token, and every object and
/// buffer bound to it, cannot leave `f`: its lifetime is chosen by
/// `with_gil`, for the call only. A panic in `f` releases the GIL on the way
/// out.
///
/// References that other threads dropped without the GIL (see [`Error`]) are
/// released here first.
///
/// ```
/// let n = legacy_buffer::with_gil(|py| py.eval("len('four')").map(|o| o.repr()))?;
/// assert_eq!(n?, "4");
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
///
/// # Panics
///
/// - Inside a no-Python scope ([`no_python`](crate::no_python),
///   [`Object::with_read_bytes`](crate::Object::with_read_bytes), ...):
///   Python must not run while its memory is lent as a plain slice. So too
///   inside the fill closure of [`Object::new_str`](crate::Object::new_str)
///   when it runs with the GIL released
///   ([`release_gil_from`](crate::extension::NewStr::release_gil_from)), on
///   every build.
/// - On a thread that does not hold the GIL, while a no-Python scope on
///   another thread keeps it for longer than
///   [`set_scope_wait_limit`](crate::set_scope_wait_limit) allows (10
///   seconds unless set): a thread that the scope's closure joins would
///   otherwise wait for the GIL for ever, and the closure for it.
/// - After the interpreter was finalised (a thread-local destructor that
///   runs at process exit, after `Py_Finalize`): there is no Python left to
///   hold the GIL of.
/// - If the interpreter was started by someone else without thread support
///   (`PyEval_InitThreads` never called) and this thread is not the one
///   running it: taking the GIL then would let two threads run Python at
///   once.
///
/// [`Error`]: crate::Error
pub fn with_gil<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    if runtime::python_forbidden_here() {
        inside_a_scope();
    }
    if runtime::scope_active() && !held() {
        // A scope on the thread holding the GIL keeps it until the scope's
        // closure returns: wait for that here, where waiting too long can
        // panic, rather than inside PyGILState_Ensure, where a closure
        // joining this thread would wait for ever.
        runtime::wait_for_scope_elsewhere();
    }
    let _gil = Ensured::acquire();
    // Dropped before `_gil`, which gives the GIL back.
    let _held = Held::enter();
    // After taking the GIL: only its holder can be in a scope.
    if runtime::scope_active() {
        inside_a_scope();
    }
    // SAFETY: `_gil` holds the GIL until this function returns, after `f`;
    // the token's lifetime is chosen here, for this call only (`f` is
    // generic over it), so nothing bound to it outlives `_gil`.
    let py = unsafe { Python::assume_gil_acquired() };
    // SAFETY: the GIL is held, and no scope is active (checked above).
    unsafe { runtime::drain() };
    f(py)
}

#[cold]
#[inline(never)]
fn inside_a_scope() -> ! {
    panic!(
        "legacy-buffer: with_gil called inside a no-Python scope (no_python, with_read_bytes, \
         ...): Python must not run while its memory is lent as a plain slice"
    )
}

/// The GIL, taken with `PyGILState_Ensure` and given back on drop, panic or
/// not. Private: a guard the user could keep would outlive the scope that
/// provably holds the GIL (see the module docs).
struct Ensured {
    state: ffi::PyGILState_STATE,
    _not_send: PhantomData<*mut ()>,
}

impl Ensured {
    fn acquire() -> Ensured {
        initialize();
        // SAFETY: reads a flag.
        let alive = unsafe { ffi::Py_IsInitialized() != 0 } || held();
        // (Py_IsInitialized is 0 for all of Py_Finalize; while it still
        // runs Python code, this thread holds the GIL and may nest.)
        assert!(
            alive,
            "legacy-buffer: with_gil called after the Python interpreter was finalised"
        );
        // SAFETY: the interpreter runs with thread support (`initialize`);
        // PyGILState_Ensure may be called from any thread, holding the GIL
        // or not, and nests.
        let state = unsafe { ffi::PyGILState_Ensure() };
        Ensured {
            state,
            _not_send: PhantomData,
        }
    }
}

impl Drop for Ensured {
    fn drop(&mut self) {
        // SAFETY: `state` is what PyGILState_Ensure returned on this thread
        // (`Ensured` is not Send); with_gil calls nest, so the releases come
        // in the reverse order of the ensures.
        unsafe { ffi::PyGILState_Release(self.state) };
    }
}

/// Proof that the GIL is held for `'py`: every operation that touches Python
/// takes one, and every object handle and borrowed buffer is bound to `'py`.
///
/// `Copy`, neither `Send` nor `Sync`. Safe code gets one only from
/// [`with_gil`] and [`extension::trampoline`](crate::extension::trampoline),
/// for the duration of a closure; [`Python::assume_gil_acquired`] is the
/// `unsafe` way for code that knows better.
#[derive(Clone, Copy)]
pub struct Python<'py>(PhantomData<(&'py (), *mut ())>);

impl<'py> Python<'py> {
    /// A token for code that Python itself called with the GIL held (the
    /// functions of an extension module).
    ///
    /// # Safety
    ///
    /// The calling thread must hold the GIL for all of `'py`. Choosing `'py`
    /// longer than the call from Python is unsound:
    ///
    /// ```no_run
    /// # use legacy_buffer::Python;
    /// // WRONG: the token outlives the call, and with it the GIL.
    /// fn keep() -> Python<'static> {
    ///     unsafe { Python::assume_gil_acquired() }
    /// }
    /// ```
    #[inline]
    pub unsafe fn assume_gil_acquired() -> Python<'py> {
        debug_assert!(
            // SAFETY: gil_held only reads thread states; callable without the
            // GIL. (-1 where the interpreter cannot say, PyPy: not checked.)
            unsafe { ffi::gil_held() } != 0,
            "Python::assume_gil_acquired called without the GIL"
        );
        Python(PhantomData)
    }
}

impl<'py> Python<'py> {
    /// Release the GIL while `f` runs, as C code does with
    /// `Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS` around long work
    /// (zlib does, for big inputs): other threads run Python meanwhile.
    ///
    /// `f` is `Send`, and so is what it returns: it cannot hold this token,
    /// an [`Object`](crate::Object), a [`Buffer`](crate::Buffer) or cells —
    /// nothing through which it could touch Python objects, or memory Python
    /// may change meanwhile (a `bytearray`'s, an `array`'s). Immutable bytes
    /// may cross: a `&[u8]` from [`Buffer::as_bytes`](crate::Buffer::as_bytes)
    /// (`str`, `unicode`) stays valid while its object is borrowed, whatever
    /// other threads do. `f` may call [`with_gil`] to take the GIL back for
    /// a while; an [`Error`](crate::Error) dropped in it is queued, not
    /// released without the GIL. The GIL is taken back when `f` returns or
    /// panics.
    ///
    /// ```
    /// use legacy_buffer::with_gil;
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let text = py.eval("b'x' * 100000")?;
    ///     let buf = text.read_buffer()?;
    ///     let bytes = buf.as_bytes().unwrap(); // immutable: may cross
    ///     let count = py.allow_threads(|| bytes.iter().filter(|&&b| b == b'x').count());
    ///     assert_eq!(count, 100000);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn allow_threads<T, F>(self, f: F) -> T
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        // PyEval_SaveThread gives the GIL up, returning the state to restore.
        // SAFETY: the token proves this thread holds the GIL, and no scope is
        // active on it (a scope's closure cannot hold a token).
        let state = unsafe { ffi::PyEval_SaveThread() };
        let saved = Released {
            state,
            held: Held::give_up(),
        };
        let result = f();
        drop(saved);
        result
    }
}

/// The GIL given up by [`Python::allow_threads`], taken back on drop (at
/// the end of the closure, or while a panic unwinds out of it).
struct Released {
    state: *mut ffi::PyThreadState,
    /// [`Held`]'s count on this thread before the GIL was given up.
    held: usize,
}

impl Drop for Released {
    fn drop(&mut self) {
        // SAFETY: the thread state PyEval_SaveThread returned on this thread
        // (`Released` is not Send: it holds a raw pointer); every with_gil
        // inside the closure has given the GIL back by now.
        unsafe { ffi::PyEval_RestoreThread(self.state) };
        Held::take_back(self.held);
    }
}

/// Initialise the interpreter once (embedding), leaving the GIL free for
/// `PyGILState_Ensure` from any thread; in an extension module, only make
/// sure threads are supported.
///
/// # Panics
///
/// If the interpreter was initialised by someone else without thread support
/// (`PyEval_InitThreads` never called) and this thread is not the one
/// running Python: taking the GIL then would let two threads run Python at
/// once. In an extension module, if Python is not running.
fn initialize() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: the Once serialises this block. Either we initialise Python
        // (and then give the GIL up, since every with_gil takes it itself),
        // or someone else did and we only make sure threads are supported.
        unsafe {
            if ffi::Py_IsInitialized() == 0 {
                // An extension module never starts the interpreter that
                // loaded it: one that is not running is finalised.
                if !ffi::LINKS_LIBPYTHON {
                    panic!(
                        "legacy-buffer: Python is not running (extension module used before \
                         Py_Initialize or after Py_Finalize)"
                    );
                }
                // Py_InitializeEx(0), PyEval_InitThreads, PyEval_SaveThread.
                if ffi::lbsys_initialize_embedded() != 0 {
                    cannot_embed();
                }
            } else if ffi::threads_initialized() == 0 {
                // Python 2.7 creates the GIL lazily. Creating it is only safe
                // on the thread running Python, which then holds it. (On
                // PyPy, as far as Held's count knows: a module's import, or
                // a with_gil in an extension function, knows.)
                assert!(
                    held(),
                    "legacy-buffer: Python is running without thread support on another \
                     thread; call PyEval_InitThreads() on that thread first"
                );
                ffi::PyEval_InitThreads();
            }
        }
    });
}

/// The interpreter legacy-buffer-sys bound cannot be started from Rust.
/// (legacy-buffer-sys builds against PyPy only for extension modules, which
/// never get here: this is the run-time side of that refusal.)
#[cold]
fn cannot_embed() -> ! {
    match ffi::PYPY_VERSION {
        Some(version) => panic!(
            "legacy-buffer: PyPy {version} cannot be embedded (it has no Py_Initialize): \
             use legacy-buffer in extension modules that pypy imports, or build against \
             CPython 2.7 to embed Python"
        ),
        None => panic!("legacy-buffer: the interpreter cannot be embedded"),
    }
}
