//! The raw bindings against the real interpreter this crate was built for
//! (release or debug build, Python 2.7 or 3.x): the four old-buffer
//! functions on a str (bytes), a bytearray, a unicode (str) and an int, as
//! each line's C functions answer; layout agreement with the C compiler,
//! and the refcount shim.

use legacy_buffer_sys::*;
use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::Once;

/// Initialise Python once per test binary and release the GIL, so every test
/// (on cargo's test threads) takes it with `PyGILState_Ensure`.
fn with_gil<R>(f: impl FnOnce() -> R) -> R {
    static INIT: Once = Once::new();
    // SAFETY: run once, before any other call into Python; afterwards the
    // GIL is released, so each test takes it with PyGILState_Ensure.
    INIT.call_once(|| unsafe {
        assert_eq!(lbsys_initialize_embedded(), 0);
    });
    // Released on unwind too: a failing assertion must not leave the GIL
    // held by a finished test thread.
    struct Gil(PyGILState_STATE);
    impl Drop for Gil {
        fn drop(&mut self) {
            // SAFETY: the state this thread's PyGILState_Ensure returned.
            unsafe { PyGILState_Release(self.0) }
        }
    }
    // SAFETY: Python is initialised (above); any thread may call it.
    let _gil = Gil(unsafe { PyGILState_Ensure() });
    f()
}

/// Evaluate a Python expression; panics with the Python error if it fails.
///
/// # Safety
///
/// The GIL is held.
unsafe fn eval(expr: &str) -> *mut PyObject {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        let code = CString::new(expr).unwrap();
        let main = PyImport_AddModule(c"__main__".as_ptr());
        let globals = PyModule_GetDict(main);
        let obj = PyRun_String(code.as_ptr(), Py_eval_input as i32, globals, globals);
        assert!(!obj.is_null(), "evaluating {expr} failed");
        obj
    }
}

/// Fetch, clear and describe the pending exception as `Type: message`.
///
/// # Safety
///
/// The GIL is held.
unsafe fn take_error() -> String {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        assert!(!PyErr_Occurred().is_null(), "expected a Python exception");
        let (mut t, mut v, mut tb) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        PyErr_Fetch(&mut t, &mut v, &mut tb);
        PyErr_NormalizeException(&mut t, &mut v, &mut tb);
        let name = CStr::from_ptr(PyExceptionClass_Name(t))
            .to_string_lossy()
            .into_owned();
        // Built-in exceptions live in the `exceptions` module; Python prints them bare.
        let name = name.strip_prefix("exceptions.").unwrap_or(&name);
        let s = PyObject_Str(v);
        let msg = str_text(s);
        Py_DECREF(s);
        Py_XDECREF(t);
        Py_XDECREF(v);
        Py_XDECREF(tb);
        assert!(PyErr_Occurred().is_null());
        format!("{name}: {msg}")
    }
}

/// `PyObject_AsReadBuffer`, its bytes copied.
///
/// # Safety
///
/// The GIL is held and `obj` is valid.
unsafe fn read(obj: *mut PyObject) -> Result<Vec<u8>, String> {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        let mut buf: *const libc::c_void = ptr::null();
        let mut len: Py_ssize_t = -1;
        if PyObject_AsReadBuffer(obj, &mut buf, &mut len) == 0 {
            Ok(std::slice::from_raw_parts(buf.cast::<u8>(), len as usize).to_vec())
        } else {
            Err(take_error())
        }
    }
}

/// `PyObject_AsCharBuffer`, its bytes copied.
///
/// # Safety
///
/// The GIL is held and `obj` is valid.
unsafe fn chars(obj: *mut PyObject) -> Result<Vec<u8>, String> {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        let mut buf: *const libc::c_char = ptr::null();
        let mut len: Py_ssize_t = -1;
        if PyObject_AsCharBuffer(obj, &mut buf, &mut len) == 0 {
            Ok(std::slice::from_raw_parts(buf.cast::<u8>(), len as usize).to_vec())
        } else {
            Err(take_error())
        }
    }
}

/// `PyObject_AsWriteBuffer`, every byte set to `fill`.
///
/// # Safety
///
/// The GIL is held and `obj` is valid; nothing else holds its memory.
unsafe fn write(obj: *mut PyObject, fill: u8) -> Result<usize, String> {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        let mut buf: *mut libc::c_void = ptr::null_mut();
        let mut len: Py_ssize_t = -1;
        if PyObject_AsWriteBuffer(obj, &mut buf, &mut len) == 0 {
            ptr::write_bytes(buf.cast::<u8>(), fill, len as usize);
            Ok(len as usize)
        } else {
            Err(take_error())
        }
    }
}

/// The text of a `str`, whichever line: Python 3's as UTF-8.
///
/// # Safety
///
/// The GIL is held; `s` is a `str`.
unsafe fn str_text(s: *mut PyObject) -> String {
    // SAFETY: what the caller guarantees; the UTF-8 bytes object (Python 3)
    // is released once read.
    unsafe {
        #[cfg(Py_3)]
        let s = PyUnicode_AsUTF8String(s);
        let text = CStr::from_ptr(PyString_AS_STRING(s))
            .to_string_lossy()
            .into_owned();
        #[cfg(Py_3)]
        Py_DECREF(s);
        text
    }
}

#[test]
fn str_gives_its_bytes_and_refuses_writes() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        // Python 3's bytes is Python 2's str.
        let s = eval(if PY3 { "b'ab\\x00c'" } else { "'ab\\x00c'" });
        assert_eq!(PyObject_CheckReadBuffer(s), 1);
        assert_eq!(read(s).unwrap(), b"ab\0c");
        assert_eq!(chars(s).unwrap(), b"ab\0c");
        assert_eq!(
            write(s, 0).unwrap_err(),
            if PY3 {
                "TypeError: expected a writable bytes-like object"
            } else {
                "TypeError: Cannot use string as modifiable buffer"
            }
        );
        Py_DECREF(s);
    })
}

#[test]
fn bytearray_is_readable_and_writable() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let ba = PyByteArray_FromStringAndSize(c"xyz".as_ptr(), 3);
        assert!(!ba.is_null());
        assert_eq!(PyObject_CheckReadBuffer(ba), 1);
        assert_eq!(read(ba).unwrap(), b"xyz");
        assert_eq!(chars(ba).unwrap(), b"xyz");
        assert_eq!(write(ba, b'q').unwrap(), 3);
        // Python sees what was written through the pointer.
        let s = PyObject_Repr(ba);
        assert_eq!(str_text(s), "bytearray(b'qqq')");
        Py_DECREF(s);
        Py_DECREF(ba);
    })
}

#[cfg(not(Py_3))]
#[test]
fn unicode_char_buffer_is_encoded_read_buffer_is_raw() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let ascii = eval("u'hi'");
        assert_eq!(chars(ascii).unwrap(), b"hi");
        let raw = read(ascii).unwrap();
        assert_eq!(raw.len(), 2 * PY_UNICODE_SIZE);
        assert_eq!(raw[0], b'h');
        Py_DECREF(ascii);

        let accented = PyUnicode_DecodeUTF8(c"h\xc3\xa9".as_ptr(), 3, ptr::null());
        assert!(!accented.is_null());
        let err = chars(accented).unwrap_err();
        assert!(
            err.starts_with("UnicodeEncodeError: 'ascii' codec can't encode character u'\\xe9'"),
            "{err}"
        );
        assert_eq!(read(accented).unwrap().len(), 2 * PY_UNICODE_SIZE);
        assert_eq!(PyObject_CheckReadBuffer(accented), 1);
        Py_DECREF(accented);
    })
}

/// Python 3's str has no buffer: each function raises what
/// `PyObject_GetBuffer` raises, but the write function, which raises its
/// own.
#[cfg(Py_3)]
#[test]
fn str_supports_no_buffer_interface() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let accented = PyUnicode_DecodeUTF8(c"h\xc3\xa9".as_ptr(), 3, ptr::null());
        assert!(!accented.is_null());
        assert_eq!(PyObject_CheckReadBuffer(accented), 0);
        let required = "TypeError: a bytes-like object is required, not 'str'";
        assert_eq!(read(accented).unwrap_err(), required);
        assert_eq!(chars(accented).unwrap_err(), required);
        assert_eq!(
            write(accented, 0).unwrap_err(),
            "TypeError: expected a writable bytes-like object"
        );
        Py_DECREF(accented);
    })
}

#[test]
fn int_supports_no_buffer_interface() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let n = eval("7");
        assert_eq!(PyObject_CheckReadBuffer(n), 0);
        assert!(PyErr_Occurred().is_null());
        let (read_error, char_error, write_error) = if PY3 {
            let required = "TypeError: a bytes-like object is required, not 'int'";
            (
                required,
                required,
                "TypeError: expected a writable bytes-like object",
            )
        } else {
            (
                "TypeError: expected a readable buffer object",
                "TypeError: expected a string or other character buffer object",
                "TypeError: expected a writeable buffer object",
            )
        };
        assert_eq!(read(n).unwrap_err(), read_error);
        assert_eq!(chars(n).unwrap_err(), char_error);
        assert_eq!(write(n, 0).unwrap_err(), write_error);
        Py_DECREF(n);
    })
}

#[test]
fn new_protocol_struct_matches_the_c_compiler() {
    // SAFETY: the shim's sizeof functions only return constants.
    assert_eq!(std::mem::size_of::<Py_buffer>(), unsafe {
        sizeof_Py_buffer()
    });
    // PyObject is opaque on the Rust side; its C size is what tells the builds apart.
    let expected = if PY_TRACE_REFS { 32 } else { 16 };
    // SAFETY: as above.
    assert_eq!(unsafe { sizeof_PyObject() }, expected);
}

#[test]
fn new_protocol_pins_a_bytearray() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let ba = PyByteArray_FromStringAndSize(c"pin".as_ptr(), 3);
        let mut view: Py_buffer = std::mem::zeroed();
        assert_eq!(PyObject_GetBuffer(ba, &mut view, PyBUF_SIMPLE as i32), 0);
        assert_eq!(view.len, 3);
        // While exported, resizing raises BufferError instead of moving the memory.
        let main = PyImport_AddModule(c"__main__".as_ptr());
        let globals = PyModule_GetDict(main);
        assert_eq!(PyDict_SetItemString(globals, c"pinned".as_ptr(), ba), 0);
        assert!(PyRun_String(
            c"pinned.extend(b'more')".as_ptr(),
            Py_eval_input as i32,
            globals,
            globals
        )
        .is_null());
        assert_eq!(
            take_error(),
            "BufferError: Existing exports of data: object cannot be re-sized"
        );
        PyBuffer_Release(&mut view);
        assert_eq!(
            PyDict_SetItemString(globals, c"pinned".as_ptr(), Py_None()),
            0
        );
        Py_DECREF(ba);
    })
}

/// Total references, via `sys.gettotalrefcount()` (debug builds only).
///
/// # Safety
///
/// The GIL is held.
unsafe fn total_refcount() -> Option<isize> {
    // SAFETY: what the caller guarantees (# Safety above).
    unsafe {
        let sys = PyImport_ImportModule(c"sys".as_ptr());
        let f = PyObject_GetAttrString(sys, c"gettotalrefcount".as_ptr());
        Py_DECREF(sys);
        if f.is_null() {
            PyErr_Clear();
            return None;
        }
        let r = PyObject_CallObject(f, ptr::null_mut());
        Py_DECREF(f);
        let n = PyNumber_AsSsize_t(r, ptr::null_mut());
        Py_DECREF(r);
        Some(n)
    }
}

#[test]
fn refcount_shim_moves_the_interpreters_counts() {
    // SAFETY: the GIL is held (with_gil); every object is checked non-NULL
    // or comes from a call that cannot fail here, and is released once.
    with_gil(|| unsafe {
        let s = PyByteArray_FromStringAndSize(c"counted".as_ptr(), 7);
        assert_eq!(Py_REFCNT(s), 1);
        let before = total_refcount();
        // sys.gettotalrefcount exists exactly on Py_REF_DEBUG builds.
        assert_eq!(before.is_some(), PY_REF_DEBUG);
        Py_INCREF(s);
        assert_eq!(Py_REFCNT(s), 2);
        let after_incref = total_refcount();
        Py_DECREF(s);
        assert_eq!(Py_REFCNT(s), 1);
        let after_decref = total_refcount();
        if let (Some(b), Some(i), Some(d)) = (before, after_incref, after_decref) {
            assert_eq!(i - b, 1, "Py_INCREF adds one to the total");
            assert_eq!(d, b, "Py_DECREF takes it back");
        }
        Py_DECREF(s);
    })
}

/// The C API is bound by family, under the names C code writes: with
/// `PY_SSIZE_T_CLEAN`, `PyArg_ParseTuple` and `Py_BuildValue` are the
/// `_SizeT` symbols, so `#` lengths are `Py_ssize_t` (a wrong link would
/// give a garbage length on this 64-bit target).
#[test]
fn families_are_bound_under_their_c_names() {
    with_gil(|| {
        // SAFETY: GIL held; the format's outputs match the pointers passed
        // (s#: char pointer and Py_ssize_t length; i: int); every object made
        // is released.
        unsafe {
            let args = eval("('abc\\x00de', 7)");
            let mut text: *const libc::c_char = ptr::null();
            let mut len: Py_ssize_t = -1;
            let mut n: libc::c_int = 0;
            let ok = PyArg_ParseTuple(args, c"s#i".as_ptr(), &mut text, &mut len, &mut n);
            assert_eq!(ok, 1, "{}", take_error());
            assert_eq!((len, n), (6, 7));
            assert_eq!(std::slice::from_raw_parts(text.cast::<u8>(), 6), b"abc\0de");
            Py_DECREF(args);

            let built = Py_BuildValue(
                c"(s#n)".as_ptr(),
                c"xyz".as_ptr(),
                2 as Py_ssize_t,
                5 as Py_ssize_t,
            );
            assert!(!built.is_null(), "{}", take_error());
            let repr = PyObject_Repr(built);
            assert_eq!(str_text(repr), "('xy', 5)");
            Py_DECREF(repr);
            Py_DECREF(built);

            // A few of each family.
            let list = PyList_New(0);
            assert_eq!(PyList_Append(list, Py_None()), 0);
            assert_eq!(PyList_Size(list), 1);
            let d = PyDict_New();
            assert_eq!(PyDict_SetItemString(d, c"k".as_ptr(), list), 0);
            assert_eq!(PyDict_Size(d), 1);
            let f = PyFloat_FromDouble(2.5);
            assert_eq!(PyFloat_AsDouble(f), 2.5);
            let l = PyLong_FromLongLong(-(1 << 40));
            assert_eq!(PyLong_AsLongLong(l), -(1 << 40));
            let seq = PySequence_Tuple(list);
            assert_eq!(PySequence_Size(seq), 1);
            for o in [seq, l, f, d, list] {
                Py_DECREF(o);
            }
            assert!(PyErr_Occurred().is_null());
        }
    })
}

/// exporter3.c, Python 3's fast path: bytes is lent as it is (immutable
/// while it lives); anything else, and any write, is for the caller to
/// take an export of and hold; the argument units read a str's UTF-8 and
/// refuse what getargs.c refuses.
#[cfg(Py_3)]
#[test]
fn exporter_lends_bytes_and_asks_for_an_export_of_anything_else() {
    // SAFETY: the GIL is held (with_gil); pointers and lengths are read
    // only where the call returned LBSYS_IMMUTABLE (the object alive); every
    // object is released once.
    with_gil(|| unsafe {
        let (mut p, mut n) = (ptr::null_mut(), -1);
        let bytes = eval("b'xyz'");
        assert_eq!(lbsys_borrow_read(bytes, &mut p, &mut n), LBSYS_IMMUTABLE);
        assert_eq!(
            std::slice::from_raw_parts(p.cast::<u8>(), n as usize),
            b"xyz"
        );
        assert_eq!(lbsys_borrow_char(bytes, &mut p, &mut n), LBSYS_IMMUTABLE);
        assert_eq!(lbsys_borrow_write(bytes, &mut p, &mut n), LBSYS_TAKE_EXPORT);
        let lent = lbsys_lend_read(bytes);
        assert_eq!(
            std::slice::from_raw_parts(lent.ptr.cast::<u8>(), lent.len as usize),
            b"xyz"
        );
        let bytearray = eval("bytearray(b'ab')");
        assert_eq!(
            lbsys_borrow_read(bytearray, &mut p, &mut n),
            LBSYS_TAKE_EXPORT
        );
        assert_eq!(lbsys_lend_write(bytearray).len, LBSYS_TAKE_EXPORT as isize);
        assert_eq!(lbsys_offers_char(bytes), 0);

        let text = PyUnicode_DecodeUTF8(c"h\xc3\xa9".as_ptr(), 3, ptr::null());
        assert_eq!(
            lbsys_arg(text, LBSYS_ARG_STRING as i32, &mut p, &mut n),
            LBSYS_IMMUTABLE
        );
        assert_eq!(
            std::slice::from_raw_parts(p.cast::<u8>(), n as usize),
            "hé".as_bytes()
        );
        let unit = |o, unit| {
            let (mut p, mut n) = (ptr::null_mut(), -1);
            lbsys_arg(o, unit as i32, &mut p, &mut n)
        };
        assert_eq!(unit(bytes, LBSYS_ARG_STRING), LBSYS_ARG_NOT_STRING);
        assert_eq!(unit(bytes, LBSYS_ARG_READ), LBSYS_IMMUTABLE);
        // getargs.c: "read-only bytes-like object", not one with a release proc.
        assert_eq!(unit(bytearray, LBSYS_ARG_READ), LBSYS_ARG_NO_PROC);
        assert_eq!(unit(bytearray, LBSYS_ARG_READ_VIEW), LBSYS_ARG_EXPORT);
        assert_eq!(unit(bytearray, LBSYS_ARG_WRITE_VIEW), LBSYS_ARG_EXPORT);
        let seven = eval("7");
        // No buffer at all: PyObject_GetBuffer's own TypeError, set (which
        // getargs.c passes on), except for w*, which words its own.
        for code in [
            LBSYS_ARG_READ,
            LBSYS_ARG_READ_VIEW,
            LBSYS_ARG_BYTES,
            LBSYS_ARG_BYTES_VIEW,
        ] {
            assert_eq!(unit(seven, code), LBSYS_ERROR);
            assert!(!PyErr_Occurred().is_null());
            PyErr_Clear();
        }
        assert_eq!(unit(seven, LBSYS_ARG_WRITE_VIEW), LBSYS_ARG_NO_BUFFER);
        // y units take no str.
        assert_eq!(unit(text, LBSYS_ARG_BYTES), LBSYS_ERROR);
        PyErr_Clear();
        assert_eq!(unit(bytes, LBSYS_ARG_BYTES), LBSYS_IMMUTABLE);
        assert_eq!(unit(bytearray, LBSYS_ARG_BYTES), LBSYS_ARG_NO_PROC);
        assert_eq!(unit(bytearray, LBSYS_ARG_BYTES_VIEW), LBSYS_ARG_EXPORT);
        // Python 3 has no t# and no w#.
        assert_eq!(unit(bytes, LBSYS_ARG_CHAR), LBSYS_ARG_NO_PROC);
        assert!(PyErr_Occurred().is_null());
        for o in [bytes, bytearray, text, seven] {
            Py_DECREF(o);
        }
    })
}
