//! Results back to Python: Rust values as the objects `Py_BuildValue` would
//! make of them, and a `str` built in place.

use crate::error::{Error, ExceptionType, Result};
use crate::ffi;
use crate::gil::Python;
use crate::object::{Borrowed, Object};

/// A Rust value as a Python object.
///
/// | Rust | Python | as `Py_BuildValue` |
/// | --- | --- | --- |
/// | `i8` … `i64`, `isize` | `int` | `"l"`, `"n"` |
/// | `u8` … `u64`, `usize` | `int`, or `long` above `sys.maxint` | `"I"` |
/// | `bool` | `True` / `False` | `PyBool_FromLong` |
/// | `f32`, `f64` | `float` | `"d"` |
/// | `()` | `None` | `""` |
/// | `&[u8]`, `Vec<u8>` | `str` | `"s#"` |
/// | `&str`, `String` | `unicode` | `"u#"` (from UTF-8) |
/// | [`Bytes`]`(&str)` | `str` (the UTF-8 bytes) | `"s#"` |
/// | `Option<T>` | `None` or `T` | |
/// | tuples of these (up to 8) | `tuple` | `"(...)"` |
/// | [`Object`], [`Borrowed`] | the object | `"O"` |
pub trait IntoPyObject<'py> {
    /// The object, or the error making it raised (`MemoryError`, ...).
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>>;
}

/// A body's result: `Result<T>` for any [`IntoPyObject`] `T`.
pub trait IntoPyResult<'py> {
    /// The object to return to Python, or the error to raise.
    fn into_py_result(self, py: Python<'py>) -> Result<Object<'py>>;
}

impl<'py, T: IntoPyObject<'py>> IntoPyResult<'py> for Result<T> {
    #[inline]
    fn into_py_result(self, py: Python<'py>) -> Result<Object<'py>> {
        self.and_then(|value| value.into_object(py))
    }
}

/// Text given to Python as `str` (its UTF-8 bytes), where `&str` alone gives
/// `unicode`.
#[derive(Clone, Copy, Debug)]
pub struct Bytes<'s>(pub &'s str);

impl<'py> IntoPyObject<'py> for Object<'py> {
    #[inline]
    fn into_object(self, _py: Python<'py>) -> Result<Object<'py>> {
        Ok(self)
    }
}

impl<'py> IntoPyObject<'py> for Borrowed<'_, 'py> {
    #[inline]
    fn into_object(self, _py: Python<'py>) -> Result<Object<'py>> {
        Ok(self.clone_ref())
    }
}

impl<'py> IntoPyObject<'py> for &Object<'py> {
    #[inline]
    fn into_object(self, _py: Python<'py>) -> Result<Object<'py>> {
        Ok(self.clone_ref())
    }
}

impl<'py> IntoPyObject<'py> for () {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Ok(Object::none(py))
    }
}

impl<'py> IntoPyObject<'py> for bool {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        // SAFETY: GIL held; a new reference to True or False.
        unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PyBool_FromLong(self.into()), "PyBool_FromLong")
        }
    }
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl<'py> IntoPyObject<'py> for $t {
            #[inline]
            fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
                // Every signed Rust integer up to 64 bits fits C long on the
                // LP64 targets Python 2.7 runs on (checked below).
                Object::int(py, self as libc::c_long)
            }
        }
    )*};
}
signed!(i8, i16, i32, i64, isize);
const _: () = assert!(std::mem::size_of::<libc::c_long>() == 8);

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl<'py> IntoPyObject<'py> for $t {
            #[inline]
            fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
                let value = self as u64;
                if value <= libc::c_long::MAX as u64 {
                    return Object::int(py, value as libc::c_long);
                }
                // SAFETY: GIL held; a new reference or NULL with an
                // exception set.
                unsafe {
                    Object::from_owned_ptr_or_err(
                        py,
                        ffi::PyLong_FromUnsignedLong(value as libc::c_ulong),
                        "PyLong_FromUnsignedLong",
                    )
                }
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64, usize);

impl<'py> IntoPyObject<'py> for f64 {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        // SAFETY: GIL held; a new reference or NULL with an exception set.
        unsafe {
            Object::from_owned_ptr_or_err(py, ffi::PyFloat_FromDouble(self), "PyFloat_FromDouble")
        }
    }
}

impl<'py> IntoPyObject<'py> for f32 {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        f64::from(self).into_object(py)
    }
}

impl<'py> IntoPyObject<'py> for &[u8] {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::str(py, self)
    }
}

impl<'py, const N: usize> IntoPyObject<'py> for &[u8; N] {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::str(py, self)
    }
}

impl<'py> IntoPyObject<'py> for Vec<u8> {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::str(py, &self)
    }
}

impl<'py> IntoPyObject<'py> for &str {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::unicode(py, self)
    }
}

impl<'py> IntoPyObject<'py> for String {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::unicode(py, &self)
    }
}

impl<'py> IntoPyObject<'py> for Bytes<'_> {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::str(py, self.0.as_bytes())
    }
}

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Option<T> {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        match self {
            Some(value) => value.into_object(py),
            None => Ok(Object::none(py)),
        }
    }
}

macro_rules! tuples {
    ($($n:literal: ($($t:ident $i:tt),+);)*) => {$(
        impl<'py, $($t: IntoPyObject<'py>),+> IntoPyObject<'py> for ($($t,)+) {
            fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
                // Items first: a failure then leaves no half-filled tuple.
                let items = [$(self.$i.into_object(py)?),+];
                // SAFETY: GIL held; a new tuple of $n NULL slots or NULL
                // with an exception set.
                let tuple = unsafe {
                    Object::from_owned_ptr_or_err(py, ffi::PyTuple_New($n), "PyTuple_New")?
                };
                for (i, item) in items.into_iter().enumerate() {
                    // SAFETY: a fresh tuple nobody else sees; SetItem steals
                    // the item's reference into slot i < $n.
                    unsafe { ffi::PyTuple_SetItem(tuple.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
                }
                Ok(tuple)
            }
        }
    )*};
}
tuples! {
    1: (A 0);
    2: (A 0, B 1);
    3: (A 0, B 1, C 2);
    4: (A 0, B 1, C 2, D 3);
    5: (A 0, B 1, C 2, D 3, E 4);
    6: (A 0, B 1, C 2, D 3, E 4, F 5);
    7: (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    8: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
}

impl<'py> Object<'py> {
    /// A new `str` of at most `capacity` bytes, filled in place by `fill`,
    /// which returns how many it wrote: `PyString_FromStringAndSize(NULL, n)`,
    /// the bytes written straight into the new object (no copy), then
    /// `_PyString_Resize` down to the length written. For compressors and
    /// encoders, whose output size is bounded before they run.
    ///
    /// `fill` runs in a no-Python scope (it is `Send`; see
    /// [`no_python`](crate::no_python)): the new `str` is Python's memory,
    /// and no Python code may see it while it is a `&mut [u8]`.
    ///
    /// Fails with `MemoryError` if the `str` cannot be allocated, and with
    /// `SystemError` if `fill` reports more bytes than `capacity`; the error
    /// `fill` returns is returned as it is.
    ///
    /// ```
    /// use legacy_buffer::{with_gil, Object};
    ///
    /// with_gil(|py| -> legacy_buffer::Result<()> {
    ///     let upper = Object::str_with(py, 16, |out| {
    ///         let text = b"in place";
    ///         out[..text.len()].copy_from_slice(&text.to_ascii_uppercase());
    ///         Ok(text.len())
    ///     })?;
    ///     assert_eq!(upper.repr()?, "'IN PLACE'");
    ///     Ok(())
    /// })?;
    /// # Ok::<(), legacy_buffer::Error>(())
    /// ```
    pub fn str_with<F>(py: Python<'py>, capacity: usize, fill: F) -> Result<Object<'py>>
    where
        F: for<'s> FnOnce(&'s mut [u8]) -> Result<usize> + Send,
    {
        let Ok(size) = ffi::Py_ssize_t::try_from(capacity) else {
            return Err(Error::new(
                ExceptionType::MemoryError,
                format!("cannot allocate a str of {capacity} bytes"),
            ));
        };
        // SAFETY: GIL held; NULL contents ask for uninitialised storage of
        // `size` bytes (plus the NUL CPython keeps); a new reference or NULL
        // with an exception set.
        let s = unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyString_FromStringAndSize(std::ptr::null(), size),
                "PyString_FromStringAndSize",
            )?
        };
        // SAFETY: GIL held; `s` is a str.
        let ptr = unsafe { ffi::PyString_AS_STRING(s.as_ptr()) }.cast::<u8>();
        // SAFETY: `s` is a new str of `capacity` bytes that only we hold
        // (or, for 0 bytes, the shared empty str, of which no byte is
        // lent); writing bytes into its storage is how C fills one.
        let written = unsafe { crate::scope::lend_fresh(py, ptr, capacity, fill)? };
        if written > capacity {
            return Err(Error::new(
                ExceptionType::SystemError,
                format!("str_with: {written} bytes written into a str of {capacity}"),
            ));
        }
        if written == capacity {
            return Ok(s);
        }
        let mut raw = s.into_ptr();
        // SAFETY: GIL held; `raw` is a str we hold the only reference to
        // (fresh, and never shown to Python code: the scope ran none), as
        // _PyString_Resize requires; it replaces `raw` (or frees it and sets
        // NULL with an exception set on failure).
        let rc = unsafe { ffi::_PyString_Resize(&mut raw, written as ffi::Py_ssize_t) };
        if rc < 0 {
            return Err(Error::fetch(py, "_PyString_Resize"));
        }
        // SAFETY: the resized str, whose one reference we own.
        Ok(unsafe { Object::from_owned_ptr(py, raw) })
    }
}
