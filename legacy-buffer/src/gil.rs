//! The GIL: a guard that holds it, and the `Python<'py>` token that proves it
//! is held.

use crate::ffi;
use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Once;

thread_local! {
    /// Guards alive on this thread, and the state to restore when the last
    /// one goes. The GIL is released only by the last guard, whatever order
    /// the guards are dropped in.
    static GUARDS: Cell<(usize, ffi::PyGILState_STATE)> = const { Cell::new((0, 0)) };
}

/// Holds the GIL while it lives.
///
/// [`GilGuard::acquire`] initialises the interpreter on first use (without
/// installing signal handlers), then takes the GIL with
/// `PyGILState_Ensure`, so it works from any thread, including threads Python
/// never saw, and nests. Guards on one thread may be dropped in any order:
/// the GIL is released only when the last of them goes, so no guard can ever
/// release it under another.
///
/// A guard is neither `Send` nor `Sync`: the GIL belongs to the thread that
/// took it.
///
/// ```
/// use legacy_buffer::GilGuard;
///
/// let gil = GilGuard::acquire();
/// let py = gil.python();
/// let text = py.eval("'spam' * 2")?;
/// assert_eq!(text.read_buffer()?.as_bytes(), Some(&b"spamspam"[..]));
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
#[must_use = "the GIL is released when the guard is dropped"]
pub struct GilGuard {
    _not_send: PhantomData<*mut ()>,
}

impl GilGuard {
    /// Initialise Python if needed and take the GIL for this thread.
    ///
    /// # Panics
    ///
    /// If the interpreter was initialised by someone else without thread
    /// support (`PyEval_InitThreads` never called) and this thread is not the
    /// one running Python: taking the GIL then would let two threads run
    /// Python at once.
    pub fn acquire() -> GilGuard {
        initialize();
        GUARDS.with(|guards| {
            let (count, state) = guards.get();
            if count == 0 {
                // SAFETY: the interpreter is initialised with thread support
                // (checked by `initialize`); PyGILState_Ensure may be called
                // from any thread, holding the GIL or not.
                let state = unsafe { ffi::PyGILState_Ensure() };
                guards.set((1, state));
            } else {
                guards.set((count + 1, state));
            }
        });
        GilGuard {
            _not_send: PhantomData,
        }
    }

    /// The token proving the GIL is held, for as long as this guard lives.
    pub fn python(&self) -> Python<'_> {
        Python(PhantomData)
    }
}

impl Drop for GilGuard {
    fn drop(&mut self) {
        GUARDS.with(|guards| {
            let (count, state) = guards.get();
            if count == 1 {
                guards.set((0, 0));
                // SAFETY: this is the last guard of this thread; `state` is
                // what PyGILState_Ensure returned when the first was made.
                unsafe { ffi::PyGILState_Release(state) };
            } else {
                guards.set((count - 1, state));
            }
        });
    }
}

/// Run `f` with the GIL held.
///
/// ```
/// let n = legacy_buffer::with_gil(|py| py.eval("len('four')").map(|o| o.repr()))?;
/// assert_eq!(n?, "4");
/// # Ok::<(), legacy_buffer::Error>(())
/// ```
pub fn with_gil<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    let gil = GilGuard::acquire();
    f(gil.python())
}

/// Proof that the GIL is held for `'py`: every operation that touches Python
/// takes one, and every object handle and borrowed buffer is bound to `'py`.
///
/// `Copy`, neither `Send` nor `Sync`. Get one from [`GilGuard::python`],
/// [`with_gil`], or, in functions Python calls, [`Python::assume_gil_acquired`].
#[derive(Clone, Copy)]
pub struct Python<'py>(PhantomData<(&'py GilGuard, *mut ())>);

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
            // SAFETY: gil_held only reads thread states; callable without the GIL.
            unsafe { ffi::gil_held() } != 0,
            "Python::assume_gil_acquired called without the GIL"
        );
        Python(PhantomData)
    }
}

/// Initialise the interpreter once, leaving the GIL free for
/// `PyGILState_Ensure` from any thread.
fn initialize() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: the Once serialises this block. Either we initialise Python
        // (and then give the GIL up, since every guard takes it itself), or
        // someone else did and we only make sure threads are supported.
        unsafe {
            if ffi::Py_IsInitialized() == 0 {
                ffi::Py_InitializeEx(0);
                ffi::PyEval_InitThreads();
                ffi::PyEval_SaveThread();
            } else if ffi::PyEval_ThreadsInitialized() == 0 {
                // Python 2.7 creates the GIL lazily. Creating it is only safe
                // on the thread running Python, which then holds it.
                assert!(
                    ffi::gil_held() != 0,
                    "legacy-buffer: Python is running without thread support on another \
                     thread; call PyEval_InitThreads() on that thread first"
                );
                ffi::PyEval_InitThreads();
            }
        }
    });
}
