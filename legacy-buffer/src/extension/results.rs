//! Results back to Python: Rust values as the objects `Py_BuildValue` would
//! make of them (a `str` built in place is in `new_str.rs`).

use crate::error::Result;
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;

/// A Rust value as a Python object.
///
/// | Rust | Python | as `Py_BuildValue` |
/// | --- | --- | --- |
/// | `i8` … `i64`, `isize` | `int` | `"l"`, `"n"` |
/// | `u8` … `u64`, `usize` | `int`, or `long` above `sys.maxint` | `"I"` |
/// | `bool` | `True` / `False` | `PyBool_FromLong` |
/// | `f32`, `f64` | `float` | `"d"` |
/// | `()` | `None` | `""` |
/// | `&[u8]`, `Vec<u8>` | `str` (Python 3: `bytes`) | `"s#"` (Python 3: `"y#"`) |
/// | `&str`, `String` | `unicode` (Python 3: `str`) | `"u#"` (from UTF-8) |
/// | [`Str`]`(&str)` | the native `str`: Python 2's (the UTF-8 bytes), Python 3's | `"s#"` |
/// | [`Long`]`(n)` | `long`, whatever the value | `"k"`, `"K"`, `"L"` |
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
pub struct Str<'s>(pub &'s str);

/// An integer given to Python as a `long` whatever its value, as
/// `Py_BuildValue`'s `"k"`, `"K"` and `"L"` and `PyLong_From*` make them
/// (where a plain Rust integer gives an `int` when it fits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Long<T>(pub T);

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

impl<'py> IntoPyObject<'py> for Str<'_> {
    #[inline]
    fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
        Object::native_str(py, self.0)
    }
}

macro_rules! long {
    ($($t:ty => $from:ident as $c:ty),*) => {$(
        impl<'py> IntoPyObject<'py> for Long<$t> {
            #[inline]
            fn into_object(self, py: Python<'py>) -> Result<Object<'py>> {
                // SAFETY: GIL held; a new reference or NULL with an
                // exception set.
                unsafe {
                    Object::from_owned_ptr_or_err(
                        py,
                        // `as _`: the parameter's type, C's (unsigned) long
                        // long, or PyPy's Py_ssize_t (unsigned long), as wide.
                        ffi::$from(self.0 as _),
                        stringify!($from),
                    )
                }
            }
        }
    )*};
}
long!(
    u8 => PyLong_FromUnsignedLongLong as libc::c_ulonglong,
    u16 => PyLong_FromUnsignedLongLong as libc::c_ulonglong,
    u32 => PyLong_FromUnsignedLongLong as libc::c_ulonglong,
    u64 => PyLong_FromUnsignedLongLong as libc::c_ulonglong,
    usize => PyLong_FromUnsignedLongLong as libc::c_ulonglong,
    i8 => PyLong_FromLongLong as libc::c_longlong,
    i16 => PyLong_FromLongLong as libc::c_longlong,
    i32 => PyLong_FromLongLong as libc::c_longlong,
    i64 => PyLong_FromLongLong as libc::c_longlong,
    isize => PyLong_FromLongLong as libc::c_longlong
);

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
