//! What Python objects do, for code that ports C extensions: type checks,
//! truth, numbers, iteration, calls, and the containers a port builds
//! (`list`, `tuple`) or reads (`dict`, `slice`). Each a thin, checked
//! wrapper of the C API call a C extension would make, with its exception.

use crate::error::{Error, Result};
use crate::gil::Python;
use crate::object::Object;
use legacy_buffer_sys as ffi;

macro_rules! checks {
    ($($(#[$doc:meta])* $name:ident => $check:ident;)*) => {
        impl Object<'_> {$(
            $(#[$doc])*
            #[inline]
            pub fn $name(&self) -> bool {
                // SAFETY: a live object, GIL held; the check runs no code.
                unsafe { ffi::$check(self.as_ptr()) != 0 }
            }
        )*}
    };
}

checks! {
    /// `PyInt_Check` (`int`, `bool` and their subclasses; Python 3's one
    /// `int` type too).
    is_int => PyInt_Check;
    /// `PyLong_Check`.
    is_long => PyLong_Check;
    /// `PyBool_Check` (exactly `bool`).
    is_bool => PyBool_Check;
    /// `PyIndex_Check`: has `__index__`.
    is_index => PyIndex_Check;
    /// `PyString_Check` (`str` and subclasses; Python 3: `bytes`).
    is_str => PyString_Check;
    /// `PyUnicode_Check` (Python 3: `str`).
    is_unicode => PyUnicode_Check;
    /// The native `str`: Python 2's `str`, Python 3's.
    is_native_str => native_str_Check;
    /// `PyFloat_Check`.
    is_float => PyFloat_Check;
    /// `PyComplex_Check`.
    is_complex => PyComplex_Check;
    /// `PyList_Check`.
    is_list => PyList_Check;
    /// `PyTuple_Check`.
    is_tuple => PyTuple_Check;
    /// `PyDict_Check`.
    is_dict => PyDict_Check;
    /// `PyFile_Check` (Python 2's `file`).
    is_file => PyFile_Check;
    /// `PySlice_Check`.
    is_slice => PySlice_Check;
    /// `PyIter_Check`: an iterator (has `next`).
    is_iterator => PyIter_Check;
}

impl<'py> Object<'py> {
    /// Whether `self` and `other` are the same object (`is`).
    #[inline]
    pub fn is(&self, other: &Object<'_>) -> bool {
        self.as_ptr() == other.as_ptr()
    }

    /// `type(self)` (`Py_TYPE`, a new reference).
    #[inline]
    pub fn class(&self) -> Object<'py> {
        // SAFETY: a live object's type is a live object; a reference of
        // our own is taken.
        unsafe { Object::from_borrowed_ptr(self.py(), ffi::Py_TYPE(self.as_ptr()).cast()) }
    }

    /// Whether this is `None`.
    #[inline]
    pub fn is_none(&self) -> bool {
        // SAFETY: reads the singleton's address.
        self.as_ptr() == unsafe { ffi::Py_None() }
    }

    /// `PyObject_IsTrue`: the object's truth, which may run Python code
    /// (`__nonzero__`, `__len__`) and fail.
    pub fn is_true(&self) -> Result<bool> {
        // SAFETY: a live object, GIL held; -1 with an exception set.
        match unsafe { ffi::PyObject_IsTrue(self.as_ptr()) } {
            -1 => Err(Error::fetch(self.py(), "PyObject_IsTrue")),
            rc => Ok(rc != 0),
        }
    }

    /// `PyObject_IsInstance(self, class)`.
    pub fn is_instance(&self, class: &Object<'_>) -> Result<bool> {
        // SAFETY: live objects, GIL held; -1 with an exception set.
        match unsafe { ffi::PyObject_IsInstance(self.as_ptr(), class.as_ptr()) } {
            -1 => Err(Error::fetch(self.py(), "PyObject_IsInstance")),
            rc => Ok(rc != 0),
        }
    }

    /// The value of an exact `int` (not a subclass, not a `bool`), read in
    /// place; `None` for anything else (and always on PyPy, whose `int`s
    /// C sees are converted). The fast path of an index argument.
    #[inline]
    pub fn exact_int(&self) -> Option<libc::c_long> {
        let mut value = 0;
        // SAFETY: a live object, GIL held; runs no code, writes `value`
        // only when it returns 1.
        (unsafe { ffi::exact_int(self.as_ptr(), &mut value) } != 0).then_some(value as libc::c_long)
    }

    /// A C `long` from an `int` or `long` (`PyInt_AsLong`, which also
    /// takes objects with `__int__`): `OverflowError` past its range.
    pub fn to_long(&self) -> Result<libc::c_long> {
        // SAFETY: a live object, GIL held; -1 may be an error.
        // (PyPy declares it returning its `Signed`, of the same width.)
        let value = unsafe { ffi::PyInt_AsLong(self.as_ptr()) } as libc::c_long;
        self.checked(value, -1, "PyInt_AsLong")
    }

    /// A `long long` from a `long` or `int` (`PyLong_AsLongLong`):
    /// `OverflowError` past its range.
    pub fn to_long_long(&self) -> Result<i64> {
        // SAFETY: a live object, GIL held; -1 may be an error.
        let value = unsafe { ffi::PyLong_AsLongLong(self.as_ptr()) } as i64;
        self.checked(value, -1, "PyLong_AsLongLong")
    }

    /// `PyNumber_AsSsize_t(self, NULL)`: an object with `__index__` as a
    /// `Py_ssize_t`, clipped to its range.
    pub fn to_ssize_clipped(&self) -> Result<isize> {
        // SAFETY: a live object, GIL held; NULL asks for clipping.
        let value = unsafe { ffi::PyNumber_AsSsize_t(self.as_ptr(), std::ptr::null_mut()) };
        self.checked(value, -1, "PyNumber_AsSsize_t")
    }

    /// `PyNumber_AsSsize_t(self, IndexError)`: `IndexError` past its range.
    pub fn to_ssize(&self) -> Result<isize> {
        // SAFETY: as above; the exception class is a static.
        let value = unsafe { ffi::PyNumber_AsSsize_t(self.as_ptr(), ffi::PyExc_IndexError) };
        self.checked(value, -1, "PyNumber_AsSsize_t")
    }

    fn checked<T: PartialEq>(&self, value: T, error: T, what: &str) -> Result<T> {
        // SAFETY: GIL held; reads the error indicator.
        if value == error && !unsafe { ffi::PyErr_Occurred() }.is_null() {
            return Err(Error::fetch(self.py(), what));
        }
        Ok(value)
    }

    /// `len(self)` (`PyObject_Size`).
    pub fn size(&self) -> Result<usize> {
        // SAFETY: a live object, GIL held; -1 with an exception set.
        let len = unsafe { ffi::PyObject_Size(self.as_ptr()) };
        if len < 0 {
            return Err(Error::fetch(self.py(), "PyObject_Size"));
        }
        Ok(len as usize)
    }

    /// The characters of a `str` (Python 3: `bytes`), or a subclass,
    /// zero-copy; `None` for other objects. A `str` never changes while a reference to it is
    /// held, and this one is borrowed for as long as `&self`.
    pub fn str_bytes(&self) -> Option<&[u8]> {
        if !self.is_str() {
            return None;
        }
        // SAFETY: a str (checked), alive for &self, immutable while a
        // reference is held (its owner's: this handle's).
        unsafe {
            let ptr = ffi::PyString_AS_STRING(self.as_ptr());
            let len = ffi::PyString_GET_SIZE(self.as_ptr());
            Some(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize))
        }
    }

    /// What a native `str` holds, zero-copy: Python 2's `str`'s bytes,
    /// Python 3's `str` as UTF-8 (made once and cached in the `str`);
    /// `None` for other objects, and on Python 3 for a `str` UTF-8 cannot
    /// encode (lone surrogates). What a name, a `repr()` or a docstring is
    /// made of on either line.
    pub fn native_str_bytes(&self) -> Option<&[u8]> {
        let mut len: ffi::Py_ssize_t = 0;
        // SAFETY: a live object, GIL held; the characters (or the cached
        // UTF-8) live as long as the str, which this handle keeps alive for
        // &self, and never change while referenced.
        unsafe {
            let ptr = ffi::native_str_text(self.as_ptr(), &mut len);
            if ptr.is_null() {
                if ffi::native_str_Check(self.as_ptr()) != 0 {
                    ffi::PyErr_Clear();
                }
                return None;
            }
            Some(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize))
        }
    }

    /// `iter(self)`: an iterator over the items, each a `Result` (the
    /// iteration runs Python code, which may fail).
    pub fn iter(&self) -> Result<Iter<'py>> {
        // SAFETY: a live object, GIL held; new reference or NULL.
        let it = unsafe {
            Object::from_owned_ptr_or_err(
                self.py(),
                ffi::PyObject_GetIter(self.as_ptr()),
                "PyObject_GetIter",
            )?
        };
        Ok(Iter { it, done: false })
    }

    /// `self(*args)`.
    pub fn call(&self, args: &[&Object<'_>]) -> Result<Object<'py>> {
        let args = Object::tuple_of(self.py(), args)?;
        // SAFETY: live objects, GIL held; new reference or NULL.
        unsafe {
            Object::from_owned_ptr_or_err(
                self.py(),
                ffi::PyObject_Call(self.as_ptr(), args.as_ptr(), std::ptr::null_mut()),
                "PyObject_Call",
            )
        }
    }

    /// `self.name(*args)`.
    pub fn call_method(&self, name: &str, args: &[&Object<'_>]) -> Result<Object<'py>> {
        self.getattr(name)?.call(args)
    }

    /// A `slice`'s `start`, `stop` and `step` (each may be `None`),
    /// borrowed from it; `None` for other objects.
    pub fn slice_parts(&self) -> Option<[crate::object::Borrowed<'_, 'py>; 3]> {
        if !self.is_slice() {
            return None;
        }
        let mut parts = [std::ptr::null_mut(); 3];
        // SAFETY: a slice (checked), alive for &self; a slice never changes
        // its parts, and holds a reference to each for as long as it lives.
        unsafe {
            let [a, b, c] = &mut parts;
            ffi::lbsys_slice_parts(self.as_ptr(), a, b, c);
            Some(parts.map(|p| crate::object::Borrowed::from_ptr(self.py(), p)))
        }
    }

    /// The items of a `dict`, as `PyDict_Next` gives them (new
    /// references, taken before any Python code can change the dict);
    /// `TypeError` for other objects.
    pub fn dict_items(&self) -> Result<Vec<(Object<'py>, Object<'py>)>> {
        if !self.is_dict() {
            return Err(Error::new(
                crate::error::ExceptionType::TypeError,
                "dict expected",
            ));
        }
        let mut items = Vec::new();
        let mut pos: ffi::Py_ssize_t = 0;
        let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: a dict (checked), GIL held; PyDict_Next gives borrowed
        // references, made owned before anything else runs.
        unsafe {
            while ffi::PyDict_Next(self.as_ptr(), &mut pos, &mut key, &mut value) != 0 {
                items.push((
                    Object::from_borrowed_ptr(self.py(), key),
                    Object::from_borrowed_ptr(self.py(), value),
                ));
            }
        }
        Ok(items)
    }

    /// `PyDict_GetItem(self, key)`: the value, or `None` where there is
    /// none, or where looking it up failed (an unhashable key: the C
    /// function suppresses the error, as C extensions rely on); `TypeError`
    /// if `self` is not a dict.
    pub fn dict_get(&self, key: &Object<'_>) -> Result<Option<Object<'py>>> {
        if !self.is_dict() {
            return Err(Error::new(
                crate::error::ExceptionType::TypeError,
                "dict expected",
            ));
        }
        // SAFETY: a dict (checked), GIL held; a borrowed reference or NULL
        // (no exception left set), made owned at once.
        unsafe {
            let value = ffi::PyDict_GetItem(self.as_ptr(), key.as_ptr());
            Ok((!value.is_null()).then(|| Object::from_borrowed_ptr(self.py(), value)))
        }
    }

    /// `True` or `False`.
    #[inline]
    pub fn bool(py: Python<'py>, value: bool) -> Object<'py> {
        // SAFETY: GIL held; PyBool_FromLong returns a new reference to a
        // singleton and cannot fail.
        unsafe { Object::from_owned_ptr(py, ffi::PyBool_FromLong(value as _)) }
    }

    /// `NotImplemented`, for a binary operator or comparison that does not
    /// handle the other operand.
    #[inline]
    pub fn not_implemented(py: Python<'py>) -> Object<'py> {
        // SAFETY: the singleton, borrowed: a reference of our own is taken.
        unsafe { Object::from_borrowed_ptr(py, ffi::Py_NotImplemented()) }
    }

    /// A Python `long` (`PyLong_FromLongLong`).
    pub fn long(py: Python<'py>, value: i64) -> Result<Object<'py>> {
        // SAFETY: GIL held; new reference or NULL.
        unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyLong_FromLongLong(value as _),
                "PyLong_FromLongLong",
            )
        }
    }

    /// A `list` of `items`.
    pub fn list(py: Python<'py>, items: Vec<Object<'py>>) -> Result<Object<'py>> {
        // SAFETY: GIL held; new reference or NULL.
        let list = unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyList_New(items.len() as ffi::Py_ssize_t),
                "PyList_New",
            )?
        };
        for (i, item) in items.into_iter().enumerate() {
            // SAFETY: a new list of this length; SET_ITEM steals the
            // reference into an empty slot.
            unsafe { ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
        }
        Ok(list)
    }

    /// A `tuple` of `items`.
    pub fn tuple(py: Python<'py>, items: Vec<Object<'py>>) -> Result<Object<'py>> {
        // SAFETY: GIL held; new reference or NULL.
        let tuple = unsafe {
            Object::from_owned_ptr_or_err(
                py,
                ffi::PyTuple_New(items.len() as ffi::Py_ssize_t),
                "PyTuple_New",
            )?
        };
        for (i, item) in items.into_iter().enumerate() {
            // SAFETY: a new tuple no Python code has seen; SetItem steals
            // the reference into an empty slot.
            unsafe { ffi::PyTuple_SetItem(tuple.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
        }
        Ok(tuple)
    }

    fn tuple_of(py: Python<'py>, items: &[&Object<'_>]) -> Result<Object<'py>> {
        Object::tuple(
            py,
            items
                .iter()
                // SAFETY: live objects (borrowed for the call), GIL held.
                .map(|o| unsafe { Object::from_borrowed_ptr(py, o.as_ptr()) })
                .collect(),
        )
    }
}

/// An iterator over a Python iterable's items ([`Object::iter`]).
pub struct Iter<'py> {
    it: Object<'py>,
    done: bool,
}

impl<'py> Iterator for Iter<'py> {
    type Item = Result<Object<'py>>;

    fn next(&mut self) -> Option<Result<Object<'py>>> {
        if self.done {
            return None;
        }
        let py = self.it.py();
        // SAFETY: an iterator object, GIL held; a new reference, or NULL
        // with an exception set (an error) or without (the end).
        let item = unsafe { ffi::PyIter_Next(self.it.as_ptr()) };
        if !item.is_null() {
            // SAFETY: a new reference.
            return Some(Ok(unsafe { Object::from_owned_ptr(py, item) }));
        }
        self.done = true;
        // SAFETY: GIL held.
        if unsafe { ffi::PyErr_Occurred() }.is_null() {
            None
        } else {
            Some(Err(Error::fetch(py, "PyIter_Next")))
        }
    }
}
