//! One argument through one format unit, as getargs.c's `convertsimple`
//! converts it (CPython 2.7's, or the running Python 3's): the same C API
//! calls, in the same order, failing where it fails.
//!
//! Python 3's differ in what they take (`s` a str as UTF-8 only, `s#` and
//! `s*` a str or a bytes-like object, `y` units bytes-like objects only,
//! `c` and `S` bytes, `U` a str), in their words ("str", "bytes",
//! "read-only bytes-like object", "int"), in passing on
//! `PyObject_GetBuffer`'s own exception, and in integers: the float check
//! stops at 3.9 (3.10's `PyLong_AsLong` takes only `__index__`), and `n`
//! goes through `__index__`.

use super::format::Unit;
use crate::buffer::{failed, Buffer, BufferKind, Mode};
use crate::error::{Error, ExceptionType};
use crate::export::ExportFailure;
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use legacy_buffer_sys as ffi;
use libc::{c_int, c_long, c_uint, c_ulong};
use std::borrow::Cow;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::ptr::NonNull;

// legacy-buffer-sys's exporter.c: getargs.c's checks and proc call for the
// units that borrow, its units and results.
const ARG_STRING: c_int = ffi::LBSYS_ARG_STRING as c_int;
const ARG_READ: c_int = ffi::LBSYS_ARG_READ as c_int;
const ARG_READ_VIEW: c_int = ffi::LBSYS_ARG_READ_VIEW as c_int;
const ARG_CHAR: c_int = ffi::LBSYS_ARG_CHAR as c_int;
const ARG_WRITE: c_int = ffi::LBSYS_ARG_WRITE as c_int;
const ARG_WRITE_VIEW: c_int = ffi::LBSYS_ARG_WRITE_VIEW as c_int;
const IMMUTABLE: c_int = ffi::LBSYS_IMMUTABLE as c_int;
const UNPINNED: c_int = ffi::LBSYS_UNPINNED as c_int;
const EXPORT: c_int = ffi::LBSYS_ARG_EXPORT as c_int;
const ERROR: c_int = ffi::LBSYS_ERROR as c_int;
const NOT_STRING: c_int = ffi::LBSYS_ARG_NOT_STRING as c_int;
const NO_BUFFER: c_int = ffi::LBSYS_ARG_NO_BUFFER as c_int;
const NO_PROC: c_int = ffi::LBSYS_ARG_NO_PROC as c_int;
const SEGMENTS: c_int = ffi::LBSYS_ARG_SEGMENTS as c_int;
const RELEASE: c_int = ffi::LBSYS_ARG_RELEASE as c_int;
const ENCODE: c_int = ffi::LBSYS_ARG_ENCODE as c_int;
const ARG_BYTES: c_int = ffi::LBSYS_ARG_BYTES as c_int;
const ARG_BYTES_VIEW: c_int = ffi::LBSYS_ARG_BYTES_VIEW as c_int;

/// Whether the integer units refuse a float before converting (getargs.c's
/// `float_argument_error`): Python 2, and Python 3 up to 3.9.
const REFUSES_FLOAT: bool = !ffi::PY3 || ffi::PY_VERSION_HEX < 0x030A_0000;

/// An argument: an object that stays alive for `'a` (the argument tuple,
/// or the keyword parser, holds it), under the GIL.
#[derive(Clone, Copy)]
pub struct ArgRef<'a> {
    ptr: NonNull<ffi::PyObject>,
    _alive: PhantomData<&'a ()>,
}

impl<'a> ArgRef<'a> {
    /// # Safety
    ///
    /// `ptr` is a valid object that someone keeps alive for `'a` (a
    /// reference no Python code can take away), and the GIL is held for
    /// `'a`.
    #[inline]
    pub unsafe fn new(ptr: NonNull<ffi::PyObject>) -> ArgRef<'a> {
        ArgRef {
            ptr,
            _alive: PhantomData,
        }
    }

    #[inline]
    pub fn as_ptr(self) -> *mut ffi::PyObject {
        self.ptr.as_ptr()
    }

    /// The argument as a [`Borrowed`] for `'a`.
    #[inline]
    pub fn borrowed<'py>(self, py: Python<'py>) -> Borrowed<'a, 'py> {
        // SAFETY: alive for 'a, GIL held (ArgRef::new's contract).
        unsafe { Borrowed::from_ptr(py, self.as_ptr()) }
    }
}

/// What a unit gave.
pub enum Value<'a> {
    /// `s`, `z`: the characters of a str, or of a unicode's default
    /// encoding, which the argument keeps.
    CString(&'a CStr),
    /// `z`, `z#`, `z*` given None.
    Null,
    /// `s#`, `z#`, `t#`, `w#`, `s*`, `z*`, `w*`.
    Buffer(Buffer<'a>),
    /// `c`, `b`, `B`.
    U8(u8),
    /// `h`.
    I16(i16),
    /// `H`.
    U16(u16),
    /// `i`.
    Int(c_int),
    /// `I`.
    UInt(c_uint),
    /// `l`.
    Long(c_long),
    /// `k`.
    ULong(c_ulong),
    /// `L`.
    I64(i64),
    /// `K`.
    U64(u64),
    /// `n`.
    ISize(isize),
    /// `f`.
    F32(f32),
    /// `d`.
    F64(f64),
    /// `O`, `O!`, `S`, `U`.
    Object(ArgRef<'a>),
}

/// Why a unit refused its argument.
pub enum Failure {
    /// getargs.c's `converterr(expected, arg)`: an exception the
    /// conversion set is what the parser raises; if none is set, a
    /// `TypeError` saying what was expected.
    Expected(Cow<'static, [u8]>),
    /// An error of this crate, for what getargs.c lets through (a proc
    /// that succeeded with an exception set or gave NULL for its memory; a
    /// view beyond the export limit). No exception is set.
    Error(Error),
}

#[cold]
fn expected(what: &'static str) -> Failure {
    Failure::Expected(Cow::Borrowed(what.as_bytes()))
}

#[cold]
fn raised(kind: ExceptionType, message: &'static str) -> Failure {
    Failure::Error(Error::new(kind, message))
}

/// Whether the conversion just called left an exception set.
#[inline]
fn occurred() -> bool {
    // SAFETY: only called with the GIL held (an argument is converted);
    // reads the thread state's indicator.
    !unsafe { ffi::PyErr_Occurred() }.is_null()
}

/// Convert `arg` through `unit`; `types` are the type objects of the
/// format's `O!` units, checked to be types.
#[inline(always)]
pub fn convert<'a>(
    py: Python<'_>,
    unit: Unit,
    arg: ArgRef<'a>,
    types: &[*mut ffi::PyTypeObject],
) -> Result<Value<'a>, Failure> {
    let object = arg.borrowed(py);
    let o: &Object<'_> = &object;
    match unit {
        Unit::LowerB => {
            let v = long_of(o, "integer<b>")?;
            if v < 0 {
                return Err(raised(
                    ExceptionType::OverflowError,
                    "unsigned byte integer is less than minimum",
                ));
            }
            if v > c_long::from(u8::MAX) {
                return Err(raised(
                    ExceptionType::OverflowError,
                    "unsigned byte integer is greater than maximum",
                ));
            }
            Ok(Value::U8(v as u8))
        }
        Unit::UpperB => {
            refuse_float(o)?;
            let v = c::as_unsigned_long_mask(o);
            if v == c_ulong::MAX && occurred() {
                return Err(expected("integer<B>"));
            }
            Ok(Value::U8(v as u8))
        }
        Unit::LowerH => {
            let v = long_of(o, "integer<h>")?;
            if v < c_long::from(i16::MIN) {
                return Err(raised(
                    ExceptionType::OverflowError,
                    "signed short integer is less than minimum",
                ));
            }
            if v > c_long::from(i16::MAX) {
                return Err(raised(
                    ExceptionType::OverflowError,
                    "signed short integer is greater than maximum",
                ));
            }
            Ok(Value::I16(v as i16))
        }
        Unit::UpperH => {
            refuse_float(o)?;
            let v = c::as_unsigned_long_mask(o);
            if v == c_ulong::MAX && occurred() {
                return Err(expected("integer<H>"));
            }
            Ok(Value::U16(v as u16))
        }
        Unit::LowerI => {
            let v = long_of(o, "integer<i>")?;
            match c_int::try_from(v) {
                Ok(v) => Ok(Value::Int(v)),
                Err(_) if v > 0 => Err(raised(
                    ExceptionType::OverflowError,
                    "signed integer is greater than maximum",
                )),
                Err(_) => Err(raised(
                    ExceptionType::OverflowError,
                    "signed integer is less than minimum",
                )),
            }
        }
        Unit::UpperI => {
            refuse_float(o)?;
            let v = c::as_unsigned_long_mask(o) as c_uint;
            if v == c_uint::MAX && occurred() {
                return Err(expected("integer<I>"));
            }
            Ok(Value::UInt(v))
        }
        Unit::LowerL => Ok(Value::Long(long_of(o, "integer<l>")?)),
        Unit::N => {
            refuse_float(o)?;
            let v = if ffi::PY3 {
                c::index_as_ssize_t(o)
            } else {
                c::as_ssize_t(o)
            };
            if v == -1 && occurred() {
                return Err(expected("integer<n>"));
            }
            Ok(Value::ISize(v))
        }
        // Masked without an error check, as getargs.c does: neither mask
        // fails on an int or a long.
        Unit::LowerK if c::is_int(o) => Ok(Value::ULong(c::as_unsigned_long_mask(o))),
        Unit::LowerK if c::is_long(o) => Ok(Value::ULong(c::long_as_unsigned_long_mask(o))),
        // CPython's getargs.c says "an integer"; PyPy's cpyext names the
        // unit, as for the other integer units.
        Unit::LowerK if ffi::PYPY => Err(expected("integer<k>")),
        Unit::LowerK if ffi::PY3 => Err(expected("int")),
        Unit::LowerK => Err(expected("an integer")),
        Unit::UpperL => {
            if ffi::PY3 {
                refuse_float(o)?;
            } else if c::is_float(o) && !c::warn_float_for_integer() {
                // Python 2 only warns about a float (a DeprecationWarning,
                // ignored unless the warnings filters say otherwise), then
                // truncates it.
                return Err(expected("long<L>"));
            }
            let v = c::as_long_long(o);
            if v == -1 && occurred() {
                return Err(expected("long<L>"));
            }
            Ok(Value::I64(v))
        }
        // An unsigned long widens (c_ulong is u32 on 32-bit targets).
        #[allow(clippy::useless_conversion)]
        Unit::UpperK if c::is_int(o) => Ok(Value::U64(u64::from(c::as_unsigned_long_mask(o)))),
        Unit::UpperK if c::is_long(o) => Ok(Value::U64(c::long_as_unsigned_long_long_mask(o))),
        Unit::UpperK if ffi::PYPY => Err(expected("integer<K>")),
        Unit::UpperK if ffi::PY3 => Err(expected("int")),
        Unit::UpperK => Err(expected("an integer")),
        Unit::F | Unit::D => {
            let v = c::as_double(o);
            match (occurred(), unit) {
                (true, Unit::F) => Err(expected("float<f>")),
                (true, _) => Err(expected("float<d>")),
                (false, Unit::F) => Ok(Value::F32(v as f32)),
                (false, _) => Ok(Value::F64(v)),
            }
        }
        Unit::C => match c::str_bytes(o) {
            Some(&[byte]) => Ok(Value::U8(byte)),
            _ if ffi::PY3 => match c::bytearray_byte(o) {
                Some(byte) => Ok(Value::U8(byte)),
                None => Err(expected("a byte string of length 1")),
            },
            _ => Err(expected("char")),
        },
        Unit::S | Unit::Z => {
            let z = unit == Unit::Z;
            if z && is_none(o) {
                return Ok(Value::Null);
            }
            let (rc, ptr, len) = borrow(o, ARG_STRING);
            match rc {
                IMMUTABLE => {
                    // SAFETY: a str's characters (or a unicode's default
                    // encoding's), NUL at `len`, kept unchanged for 'a.
                    let chars =
                        unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize + 1) };
                    match CStr::from_bytes_with_nul(chars) {
                        Ok(s) => Ok(Value::CString(s)),
                        Err(_) if ffi::PY3 => {
                            Err(raised(ExceptionType::ValueError, "embedded null character"))
                        }
                        Err(_) if z => Err(expected("string without null bytes or None")),
                        Err(_) => Err(expected("string without null bytes")),
                    }
                }
                NOT_STRING if ffi::PY3 && z => Err(expected("str or None")),
                NOT_STRING if ffi::PY3 => Err(expected("str")),
                NOT_STRING if z => Err(expected("string or None")),
                NOT_STRING => Err(expected("string")),
                ENCODE => Err(expected("(unicode conversion error)")),
                rc => Err(unexpected(rc)),
            }
        }
        Unit::SHash | Unit::ZHash => {
            if unit == Unit::ZHash && is_none(o) {
                return Ok(Value::Null);
            }
            buffer(o, arg, ARG_READ, Mode::Read, |rc| match rc {
                NO_PROC if ffi::PY3 => "read-only bytes-like object",
                NO_PROC => "string or read-only buffer",
                SEGMENTS => "string or single-segment read-only buffer",
                ENCODE => "(unicode conversion error)",
                _ => "(unspecified)",
            })
        }
        Unit::THash => buffer(o, arg, ARG_CHAR, Mode::Char, |rc| match rc {
            NO_PROC => "string or read-only character buffer",
            SEGMENTS => "string or single-segment read-only buffer",
            RELEASE => "string or pinned buffer",
            _ => "(unspecified)",
        }),
        Unit::WHash => buffer(o, arg, ARG_WRITE, Mode::Write, |rc| match rc {
            RELEASE => "pinned buffer",
            NO_PROC => "read-write buffer",
            SEGMENTS => "single-segment read-write buffer",
            _ => "(unspecified)",
        }),
        Unit::SStar | Unit::ZStar => {
            if unit == Unit::ZStar && is_none(o) {
                return Ok(Value::Null);
            }
            view(o, arg, ARG_READ_VIEW, |rc| match rc {
                NO_BUFFER => "string or buffer",
                ENCODE => "(unicode conversion error)",
                // getbuffer() reports every failure of convertbuffer() so.
                _ => "convertible to a buffer",
            })
        }
        Unit::WStar => view(o, arg, ARG_WRITE_VIEW, |rc| match rc {
            NO_BUFFER if ffi::PY3 => "read-write bytes-like object",
            NO_PROC => "read-write buffer",
            SEGMENTS => "single-segment read-write buffer",
            _ => "(unspecified)",
        }),
        Unit::O | Unit::OConvert => Ok(Value::Object(arg)),
        Unit::OType(n) => match c::instance_of(o, types[usize::from(n)]) {
            Ok(()) => Ok(Value::Object(arg)),
            Err(name) => Err(Failure::Expected(Cow::Owned(name))),
        },
        Unit::UpperS if c::str_bytes(o).is_some() => Ok(Value::Object(arg)),
        Unit::UpperS if ffi::PY3 => Err(expected("bytes")),
        Unit::UpperS => Err(expected("string")),
        Unit::UpperU if c::is_unicode(o) => Ok(Value::Object(arg)),
        Unit::UpperU if ffi::PY3 => Err(expected("str")),
        Unit::UpperU => Err(expected("unicode")),
        Unit::Y => bytes_string(o, arg),
        Unit::YHash => read_only_bytes(o, arg),
        Unit::YStar => view(o, arg, ARG_BYTES_VIEW, |_| "bytes-like object"),
    }
}

/// The C API calls getargs.c makes, for an object that is valid and a GIL
/// that is held for as long as the [`Object`] borrow lives.
mod c {
    use crate::object::Object;
    use legacy_buffer_sys as ffi;
    use libc::{c_long, c_ulong};
    use std::ffi::CStr;

    macro_rules! calls {
        ($($(#[$doc:meta])* fn $name:ident($o:ident) -> $ret:ty = $call:expr;)*) => {$(
            $(#[$doc])*
            #[inline]
            pub fn $name($o: &Object<'_>) -> $ret {
                let $o = $o.as_ptr();
                // SAFETY: `o` is a valid object and the GIL is held (an
                // Object borrow lives); each call is one getargs.c makes,
                // which takes any object.
                unsafe { $call }
            }
        )*};
    }

    calls! {
        /// `PyInt_AsLong`: -1 with an exception set on failure.
        // (`as _`: PyPy's headers declare these two with Py_ssize_t, which
        // is C long's width there.)
        fn as_long(o) -> c_long = ffi::PyInt_AsLong(o) as _;
        /// `PyInt_AsUnsignedLongMask`: `(unsigned long)-1` with an exception
        /// set on failure.
        fn as_unsigned_long_mask(o) -> c_ulong = ffi::PyInt_AsUnsignedLongMask(o);
        /// `PyLong_AsUnsignedLongMask`, for a long.
        fn long_as_unsigned_long_mask(o) -> c_ulong = ffi::PyLong_AsUnsignedLongMask(o);
        /// `PyLong_AsLongLong` (an int or anything with `__int__`).
        fn as_long_long(o) -> i64 = ffi::PyLong_AsLongLong(o) as _;
        /// `PyLong_AsUnsignedLongLongMask`, for a long.
        fn long_as_unsigned_long_long_mask(o) -> u64 = ffi::PyLong_AsUnsignedLongLongMask(o);
        /// `PyFloat_AsDouble`: check `PyErr_Occurred` after it.
        fn as_double(o) -> f64 = ffi::PyFloat_AsDouble(o);
        /// `PyInt_Check`.
        fn is_int(o) -> bool = ffi::PyInt_Check(o) != 0;
        /// `PyLong_Check`.
        fn is_long(o) -> bool = ffi::PyLong_Check(o) != 0;
        /// `PyFloat_Check`.
        fn is_float(o) -> bool = ffi::PyFloat_Check(o) != 0;
        /// `PyUnicode_Check`.
        fn is_unicode(o) -> bool = ffi::PyUnicode_Check(o) != 0;
    }

    /// An exact `int`'s value (`PyInt_AS_LONG`); `None` for anything else,
    /// and always on PyPy.
    #[inline(always)]
    pub fn exact_int(o: &Object<'_>) -> Option<c_long> {
        let mut value = 0;
        // SAFETY: `o` is a valid object and the GIL is held; the call reads
        // its type and, for an int, its value.
        (unsafe { ffi::exact_int(o.as_ptr(), &mut value) } != 0).then_some(value as c_long)
    }

    /// getargs.c's 'n': `PyInt_AsSsize_t`, which is its 'l' (`PyInt_AsLong`)
    /// where Py_ssize_t is a long.
    #[inline]
    pub fn as_ssize_t(o: &Object<'_>) -> isize {
        if std::mem::size_of::<isize>() == std::mem::size_of::<c_long>() {
            as_long(o) as isize
        } else {
            // SAFETY: as in `calls!`.
            unsafe { ffi::PyInt_AsSsize_t(o.as_ptr()) }
        }
    }

    /// Python 3's 'n': `PyNumber_Index`, then `PyLong_AsSsize_t`; -1 with
    /// an exception set on failure.
    #[inline]
    pub fn index_as_ssize_t(o: &Object<'_>) -> isize {
        // SAFETY: as in `calls!`; the index object is a new reference,
        // released here.
        unsafe {
            let index = ffi::PyNumber_Index(o.as_ptr());
            if index.is_null() {
                return -1;
            }
            let v = ffi::PyInt_AsSsize_t(index);
            ffi::Py_DECREF(index);
            v
        }
    }

    /// For a bytearray (or subclass) of length 1, its byte.
    #[inline]
    pub fn bytearray_byte(o: &Object<'_>) -> Option<u8> {
        let p = o.as_ptr();
        // SAFETY: as in `calls!`; a bytearray's length and first byte are
        // read at once, nothing running in between.
        unsafe {
            if ffi::PyByteArray_Check(p) == 0 || ffi::PyByteArray_Size(p) != 1 {
                return None;
            }
            Some(*ffi::PyByteArray_AsString(p).cast::<u8>())
        }
    }

    /// For a str (or subclass), its characters; `None` for anything else.
    #[inline]
    pub fn str_bytes<'o>(o: &'o Object<'_>) -> Option<&'o [u8]> {
        let p = o.as_ptr();
        // SAFETY: as in `calls!`; a str's characters are immutable and live
        // as long as the str, which the borrow of `o` keeps.
        unsafe {
            if ffi::PyString_Check(p) == 0 {
                return None;
            }
            let chars = ffi::PyString_AS_STRING(p).cast::<u8>();
            Some(std::slice::from_raw_parts(
                chars,
                ffi::PyString_GET_SIZE(p) as usize,
            ))
        }
    }

    /// `PyErr_Warn(PyExc_DeprecationWarning, ...)` for a float given to an
    /// integer unit: false if the warning was turned into an exception.
    #[inline]
    pub fn warn_float_for_integer() -> bool {
        // SAFETY: GIL held (the caller converts an argument); a static
        // message; the warning machinery may run Python code, which every
        // argument survives (the tuple keeps them).
        unsafe {
            ffi::PyErr_WarnEx(
                ffi::PyExc_DeprecationWarning,
                c"integer argument expected, got float".as_ptr(),
                1,
            ) == 0
        }
    }

    /// `PyType_IsSubtype(Py_TYPE(o), ty)`, or the name of `ty` (its
    /// `tp_name`, the bytes getargs.c's message prints).
    #[inline]
    pub fn instance_of(o: &Object<'_>, ty: *mut ffi::PyTypeObject) -> Result<(), Vec<u8>> {
        // SAFETY: as in `calls!`; `ty` is a type object the parser checked
        // with PyType_Check and keeps alive; its name is a C string it owns.
        unsafe {
            if ffi::PyType_IsSubtype(ffi::Py_TYPE(o.as_ptr()), ty) != 0 {
                return Ok(());
            }
            Err(CStr::from_ptr(ffi::PyType_NAME(ty)).to_bytes().to_vec())
        }
    }
}

/// getargs.c's `PyInt_AsLong` for the signed units (`b`, `h`, `i`, `l`):
/// a float refused first, `what` named when the conversion fails. An exact
/// `int` is read directly, as `PyInt_AsLong` would give it: no float test,
/// no call that could fail.
#[inline(always)]
fn long_of(o: &Object<'_>, what: &'static str) -> Result<c_long, Failure> {
    if let Some(v) = c::exact_int(o) {
        return Ok(v);
    }
    refuse_float(o)?;
    let v = c::as_long(o);
    if v == -1 && occurred() {
        return Err(expected(what));
    }
    Ok(v)
}

/// getargs.c's `float_argument_error`, which the integer units but `k`,
/// `K` and `L` call first: a float (or subclass) is a `TypeError` even
/// where the conversion would take it (`__int__`).
#[inline]
fn refuse_float(o: &Object<'_>) -> Result<(), Failure> {
    if REFUSES_FLOAT && c::is_float(o) {
        return Err(raised(
            ExceptionType::TypeError,
            "integer argument expected, got float",
        ));
    }
    Ok(())
}

#[inline]
fn is_none(o: &Object<'_>) -> bool {
    // SAFETY: Py_None only returns the address of the None singleton.
    o.as_ptr() == unsafe { ffi::Py_None() }
}

/// exporter.c's answer for `p` and `unit`: the code, the pointer and the
/// length (meaningful on success; the length also for
/// `LBSYS_NULL_WITH_LENGTH`, a NULL pointer given with a length).
#[inline(always)]
fn borrow(o: &Object<'_>, unit: c_int) -> (c_int, *mut libc::c_void, ffi::Py_ssize_t) {
    let (mut ptr, mut len) = (std::ptr::null_mut(), 0);
    // SAFETY: a valid object, GIL held (an Object borrow lives); the
    // out-pointers are valid for writes.
    let rc = unsafe { ffi::lbsys_arg(o.as_ptr(), unit, &mut ptr, &mut len) };
    (rc, ptr, len)
}

/// `s#`, `z#`, `t#`, `w#`: a [`Buffer`] of what exporter.c gave, or the
/// failure: getargs.c's message (`message` of the code), or this crate's
/// error for a proc that succeeded with an exception set or gave NULL.
#[inline(always)]
fn buffer<'a>(
    o: &Object<'_>,
    arg: ArgRef<'a>,
    unit: c_int,
    mode: Mode,
    message: impl FnOnce(c_int) -> &'static str,
) -> Result<Value<'a>, Failure> {
    let (rc, ptr, len) = borrow(o, unit);
    let kind = match rc {
        IMMUTABLE => BufferKind::Immutable,
        UNPINNED => BufferKind::Unpinned,
        // Python 3's s# of a read-only bytes-like object: the export its
        // getargs.c takes and releases, held.
        // SAFETY: the argument is alive for 'a, under the GIL.
        EXPORT => match unsafe { Buffer::export(arg.as_ptr(), false) } {
            Ok(exported) => return Ok(Value::Buffer(exported)),
            Err(ExportFailure::Error(e)) => return Err(Failure::Error(e)),
            // getargs.c's getbuffer(): PyObject_GetBuffer's exception,
            // passed on (it is set).
            Err(ExportFailure::Refused) => return Err(expected("bytes-like object")),
            Err(ExportFailure::NotContiguous) => return Err(expected("contiguous buffer")),
        },
        rc => return Err(failure(o, mode, rc, len, message)),
    };
    // SAFETY: the argument is alive for 'a, under the GIL (ArgRef); exporter.c succeeded with this memory and classified it;
    // it never pins for these units.
    Ok(Value::Buffer(unsafe {
        Buffer::from_exporter(arg.as_ptr(), ptr, len, mode, kind)
    }))
}

/// Python 3's `y#` (and `y`'s first step): a read-only bytes-like object,
/// as getargs.c's `convertbuffer` takes one.
#[inline(always)]
fn read_only_bytes<'a>(o: &Object<'_>, arg: ArgRef<'a>) -> Result<Value<'a>, Failure> {
    buffer(o, arg, ARG_BYTES, Mode::Read, |rc| match rc {
        NO_PROC => "read-only bytes-like object",
        _ => "bytes-like object",
    })
}

/// Python 3's `y`: a read-only bytes-like object without a NUL, as a C
/// string. Only bytes (whose storage ends with a NUL, and lives as long as
/// the argument) can be lent as one: another exporter's memory ends where
/// it says (getargs.c's `strlen` reads past it) and may move once its
/// export is released, so there a NUL inside is getargs.c's `ValueError`,
/// and none is this crate's `SystemError` (take `y#` or `y*`).
#[inline]
fn bytes_string<'a>(o: &Object<'_>, arg: ArgRef<'a>) -> Result<Value<'a>, Failure> {
    let embedded = || raised(ExceptionType::ValueError, "embedded null byte");
    match read_only_bytes(o, arg)? {
        Value::Buffer(b) if b.kind() == BufferKind::Immutable => {
            // SAFETY: bytes' storage: immutable, with a NUL after its
            // `len` bytes, alive for 'a (the argument keeps it).
            let chars =
                unsafe { std::slice::from_raw_parts(b.as_slice_unchecked().as_ptr(), b.len() + 1) };
            CStr::from_bytes_with_nul(chars)
                .map(Value::CString)
                .map_err(|_| embedded())
        }
        Value::Buffer(b) => {
            // SAFETY: read right after the export was taken, nothing run
            // since; the slice does not outlive this block.
            let memory = unsafe { b.as_slice_unchecked() };
            if memory.contains(&0) {
                return Err(embedded());
            }
            Err(Failure::Error(Error::new(
                ExceptionType::SystemError,
                format!(
                    "legacy-buffer: 'y' of a {} (not bytes): its memory has no NUL of its \
                     own to end a C string; parse it with 'y#' or 'y*'",
                    o.type_name()
                ),
            )))
        }
        _ => Err(unexpected(ERROR)),
    }
}

/// `s*`, `z*`, `y*` (read-only units) and `w*`: a [`Buffer`], through the new
/// protocol where the exporter has it, else filled from the old one as
/// getargs.c fills it.
#[inline(always)]
fn view<'a>(
    o: &Object<'_>,
    arg: ArgRef<'a>,
    unit: c_int,
    message: impl FnOnce(c_int) -> &'static str,
) -> Result<Value<'a>, Failure> {
    let writable = unit == ARG_WRITE_VIEW;
    let mode = if writable { Mode::Write } else { Mode::Read };
    let (rc, ptr, len) = borrow(o, unit);
    let kind = match rc {
        IMMUTABLE => BufferKind::Immutable,
        UNPINNED => BufferKind::Unpinned,
        // SAFETY: the argument is alive for 'a, under the GIL.
        EXPORT => match unsafe { Buffer::export(arg.as_ptr(), writable) } {
            Ok(exported) => return Ok(Value::Buffer(exported)),
            Err(ExportFailure::Refused) if writable => {
                // getargs.c's w* drops the exporter's exception.
                // SAFETY: GIL held.
                unsafe { ffi::PyErr_Clear() };
                if ffi::PY3 {
                    return Err(expected("read-write bytes-like object"));
                }
                return Err(expected("read-write buffer"));
            }
            Err(ExportFailure::Refused) => return Err(expected("convertible to a buffer")),
            Err(ExportFailure::NotContiguous) => return Err(expected("contiguous buffer")),
            Err(ExportFailure::Error(e)) => return Err(Failure::Error(e)),
        },
        rc => return Err(failure(o, mode, rc, len, message)),
    };
    // SAFETY: as in `buffer`.
    Ok(Value::Buffer(unsafe {
        Buffer::from_exporter(arg.as_ptr(), ptr, len, mode, kind)
    }))
}

/// The failure for exporter.c's code `rc` < 0.
#[cold]
fn failure(
    arg: &Object<'_>,
    mode: Mode,
    rc: c_int,
    len: ffi::Py_ssize_t,
    message: impl FnOnce(c_int) -> &'static str,
) -> Failure {
    match rc {
        // A proc that succeeded with an exception set (which getargs.c
        // passes on), or gave NULL for memory it says is there: this
        // crate's SystemError, as for any borrow.
        -2 | -3 => Failure::Error(failed(arg.py(), arg.as_ptr(), mode, rc, len)),
        ERROR | NOT_STRING | NO_BUFFER | NO_PROC | SEGMENTS | RELEASE | ENCODE => {
            expected(message(rc))
        }
        rc => unexpected(rc),
    }
}

#[cold]
fn unexpected(rc: c_int) -> Failure {
    Failure::Error(Error::new(
        ExceptionType::SystemError,
        format!("legacy-buffer: unexpected result {rc} from exporter.c"),
    ))
}
