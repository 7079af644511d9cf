//! One parse in progress: each unit's argument found, by position
//! ([`Positional`]) or by position or keyword ([`Source`]), as getargs.c
//! finds it, converted, and its failure reported.

use super::convert::{convert, ArgRef, Failure};
use super::format::{Format, Unit};
use super::from_arg::{self, FromArg};
use super::messages::{converterr, ffi_type_error, raise, raise_text, suggestion, truncated};
use crate::error::{Error, Result};
use crate::extension::call::Args;
use crate::gil::Python;
use crate::object::Object;
use legacy_buffer_sys as ffi;
use std::cell::RefCell;
use std::ptr::NonNull;

/// `PyArg_ParseTupleAndKeywords`' parse in progress: the units' arguments,
/// by position or by keyword, taken in order.
pub struct Source<'s, 'a, 'py> {
    format: &'s Format<'s>,
    args: Args<'a, 'py>,
    types: &'s [*mut ffi::PyTypeObject],
    index: usize,
    keywords: Keywords<'s, 'a>,
}

/// `PyArg_ParseTupleAndKeywords`' state.
struct Keywords<'s, 'a> {
    names: &'s [&'s str],
    /// The keyword dict, or NULL.
    dict: *mut ffi::PyObject,
    /// Keyword arguments not yet matched to a unit.
    left: isize,
    /// Every unit left is missing and no keyword is left: the C parser
    /// returns success here, looking at nothing more.
    done: bool,
    /// The parser's references, which outlive 'a.
    kept: &'a RefCell<Vec<*mut ffi::PyObject>>,
}

impl<'s, 'a, 'py> Source<'s, 'a, 'py> {
    /// By position or by the name of the same index, from `dict` (NULL for
    /// none) which holds `left` items; the values taken from it are kept
    /// in `kept`.
    pub(super) fn new(
        format: &'s Format<'s>,
        args: Args<'a, 'py>,
        types: &'s [*mut ffi::PyTypeObject],
        names: &'s [&'s str],
        (dict, left): (*mut ffi::PyObject, isize),
        kept: &'a RefCell<Vec<*mut ffi::PyObject>>,
    ) -> Self {
        Source {
            format,
            args,
            types,
            index: 0,
            keywords: Keywords {
                names,
                dict,
                left,
                done: false,
                kept,
            },
        }
    }
}

impl<'a, 'py> Source<'_, 'a, 'py> {
    /// The next unit's value as a `T`, or the parse's error.
    #[inline(always)]
    pub(super) fn next<T: FromArg<'a, 'py>>(&mut self) -> Result<T> {
        let i = self.index;
        self.index += 1;
        let unit = self.format.unit(i);
        let Some(arg) = self.argument(i)? else {
            return T::missing().ok_or_else(|| from_arg::mismatch::<T>(unit));
        };
        // The commonest unit needs no conversion: the object itself.
        if unit == Unit::O {
            return T::from_object(unit, arg, self.args.py());
        }
        self.convert_next(i, unit, arg)
    }

    /// [`Source::next`] for a unit that converts its argument.
    #[inline(never)]
    fn convert_next<T: FromArg<'a, 'py>>(
        &self,
        i: usize,
        unit: Unit,
        arg: ArgRef<'a>,
    ) -> Result<T> {
        let py = self.args.py();
        match convert(py, unit, arg, self.types) {
            Ok(value) => T::from_value(unit, value, py),
            Err(failure) => Err(self.conversion_error(i, arg.as_ptr(), failure)),
        }
    }

    /// Unit `i`'s argument: by position or by name, as `vgetargskeywords`
    /// finds it, with its errors; `None` if missing.
    #[inline(never)]
    fn argument(&mut self, i: usize) -> Result<Option<ArgRef<'a>>> {
        let py = self.args.py();
        let given = self.args.len();
        let kw = &mut self.keywords;
        if kw.done {
            return Ok(None);
        }
        let name = kw.names[i];
        // Python 3's getargs.c takes a given position first, and checks
        // for a name given too only once every unit is converted.
        if ffi::PY3 && i < given {
            return Ok(by_position(self.args, i));
        }
        if kw.left > 0 {
            if let Some(value) = lookup(py, kw.dict, name)? {
                kw.left -= 1;
                if i < given {
                    let message =
                        format!("Argument given by name ('{name}') and position ({})", i + 1);
                    return Err(raise(py, ffi_type_error(), message.as_bytes()));
                }
                let ptr = value.into_ptr();
                kw.kept.borrow_mut().push(ptr);
                // SAFETY: `kept` holds a reference to the object until the
                // parser drops, which 'a (a borrow of it) cannot outlive;
                // GIL held ('py outlives the parser).
                return Ok(Some(unsafe {
                    ArgRef::new(NonNull::new(ptr).expect("an object"))
                }));
            }
        }
        if i < given {
            return Ok(by_position(self.args, i));
        }
        if i < self.format.required() {
            let message = if ffi::PY3 {
                format!(
                    "{} missing required argument '{name}' (pos {})",
                    self.function(),
                    i + 1
                )
            } else {
                format!("Required argument '{name}' (pos {}) not found", i + 1)
            };
            return Err(raise(py, ffi_type_error(), message.as_bytes()));
        }
        if kw.left == 0 {
            kw.done = true;
        }
        Ok(None)
    }

    /// Once every unit is done: a keyword that named none of them (or is
    /// not a str) is an error, as the C parser reports it.
    pub(super) fn unknown_keywords(&self) -> Result<()> {
        let kw = &self.keywords;
        if kw.done || kw.left <= 0 {
            return Ok(());
        }
        let py = self.args.py();
        if ffi::PY3 {
            // No argument given both by position and by name.
            for (i, name) in kw.names.iter().enumerate().take(self.args.len()) {
                if lookup(py, kw.dict, name)?.is_some() {
                    let message = format!(
                        "argument for {} given by name ('{name}') and position ({})",
                        self.function(),
                        i + 1
                    );
                    return Err(raise(py, ffi_type_error(), message.as_bytes()));
                }
            }
        }
        let (mut pos, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: a dict (checked), GIL held; the loop runs no Python code,
        // so the dict cannot change under the iteration, and the borrowed
        // keys are read before the next step.
        while unsafe { ffi::PyDict_Next(kw.dict, &mut pos, &mut key, &mut value) } != 0 {
            let mut len: ffi::Py_ssize_t = 0;
            // SAFETY: a valid key of the dict, GIL held; a native str's
            // characters (Python 3: its cached UTF-8) end in a NUL, and
            // live as long as the key, which the dict holds.
            let chars = unsafe { ffi::native_str_text(key, &mut len) };
            if chars.is_null() {
                // A Python 3 str that UTF-8 cannot encode fails as C would.
                // SAFETY: GIL held.
                if unsafe { ffi::native_str_Check(key) } != 0 {
                    return Err(Error::fetch(py, "PyUnicode_AsUTF8AndSize"));
                }
                return Err(raise(py, ffi_type_error(), b"keywords must be strings"));
            }
            // SAFETY: as above. Python 2's getargs.c compares C strings
            // (up to the first NUL); Python 3's whole strings.
            let key = unsafe {
                if ffi::PY3 {
                    std::slice::from_raw_parts(chars.cast::<u8>(), len as usize)
                } else {
                    std::ffi::CStr::from_ptr(chars).to_bytes()
                }
            };
            if !kw.names.iter().any(|n| n.as_bytes() == key) {
                return Err(self.invalid_keyword(key));
            }
        }
        Ok(())
    }

    /// The error for `key` (its bytes: Python 3's UTF-8), which names no
    /// unit: `'key' is an invalid keyword argument for this function`; on
    /// Python 3 the whole key (`%U`, NULs included) and the function's
    /// `:name` if it has one; from 3.13 on, `f() got an unexpected keyword
    /// argument 'key'`.
    #[cold]
    fn invalid_keyword(&self, key: &[u8]) -> Error {
        let py = self.args.py();
        if !ffi::PY3 {
            let message = [
                b"'",
                key,
                b"' is an invalid keyword argument for this function",
            ];
            return raise(py, ffi_type_error(), &message.concat());
        }
        let name = self.format.keywords_suffix().0;
        let function = match name {
            Some(name) => [truncated(name.as_bytes(), 200), b"()"].concat(),
            None => b"this function".to_vec(),
        };
        let message = if ffi::PY_VERSION_HEX >= 0x030D_0000 {
            let mut message = [
                &function[..],
                b" got an unexpected keyword argument '",
                key,
                b"'",
            ]
            .concat();
            if let Some(name) = suggestion(self.keywords.names, key) {
                message.extend_from_slice(format!(". Did you mean '{name}'?").as_bytes());
            }
            message
        } else {
            [
                b"'",
                key,
                b"' is an invalid keyword argument for ",
                &function[..],
            ]
            .concat()
        };
        raise_text(py, ffi_type_error(), &message)
    }

    /// Python 3's `"f()"` (the format's `:name`), or `"function"`, as its
    /// keyword parser's messages name the function.
    fn function(&self) -> String {
        match self.format.keywords_suffix().0 {
            Some(name) => format!(
                "{}()",
                String::from_utf8_lossy(truncated(name.as_bytes(), 200))
            ),
            None => "function".to_owned(),
        }
    }

    /// getargs.c's `seterror` for unit `i`'s failure: [`conversion_error`].
    fn conversion_error(&self, i: usize, arg: *mut ffi::PyObject, failure: Failure) -> Error {
        conversion_error(self.args.py(), self.format, true, (i, arg), failure)
    }
}

/// getargs.c's `seterror` for unit `i`'s failure on the object `arg`:
/// the exception the conversion set if any, else the format's `;message`,
/// else `"[name() ]argument N must be X, not Y"` (on PyPy, for a tuple
/// alone, `"must be X, not Y"`). `by_keywords`: the parse is
/// `PyArg_ParseTupleAndKeywords`', which reads the format's suffix its own
/// way.
#[cold]
fn conversion_error(
    py: Python<'_>,
    format: &Format<'_>,
    by_keywords: bool,
    (i, arg): (usize, *mut ffi::PyObject),
    failure: Failure,
) -> Error {
    let expected = match failure {
        Failure::Error(e) => return e,
        Failure::Expected(expected) => expected,
    };
    // SAFETY: GIL held; reads the thread state's indicator.
    if !unsafe { ffi::PyErr_Occurred() }.is_null() {
        return Error::fetch(py, "PyArg_ParseTuple");
    }
    // PyPy's PyArg_ParseTuple (not its PyArg_ParseTupleAndKeywords)
    // raises converterr's text alone: no name, no argument number, no
    // `;message` (as pypy shows).
    if ffi::PYPY && !by_keywords {
        return raise(
            py,
            ffi_type_error(),
            truncated(&converterr(&expected, arg), 256),
        );
    }
    let (name, message) = if by_keywords {
        format.keywords_suffix()
    } else {
        format.tuple_suffix()
    };
    if let Some(message) = message {
        return raise(py, ffi_type_error(), message.as_bytes());
    }
    let mut text = Vec::with_capacity(160);
    if let Some(name) = name {
        text.extend_from_slice(truncated(name.as_bytes(), 200));
        text.extend_from_slice(b"() ");
    }
    text.extend_from_slice(format!("argument {} ", i + 1).as_bytes());
    text.extend_from_slice(truncated(&converterr(&expected, arg), 256));
    raise(py, ffi_type_error(), &text)
}

/// `PyArg_ParseTuple`'s parse, by position only: what [`Source`] does
/// without keywords, as a value nothing borrows mutably, so that the
/// compiler keeps it in registers and a whole parse inlines into a few
/// instructions per unit.
#[derive(Clone, Copy)]
pub struct Positional<'s, 'a, 'py> {
    format: &'s Format<'s>,
    args: Args<'a, 'py>,
    types: &'s [*mut ffi::PyTypeObject],
}

impl<'s, 'a, 'py> Positional<'s, 'a, 'py> {
    /// `args` parsed with `format`, whose `O!` units take `types`.
    #[inline(always)]
    pub(super) fn new(
        format: &'s Format<'s>,
        args: Args<'a, 'py>,
        types: &'s [*mut ffi::PyTypeObject],
    ) -> Self {
        Positional {
            format,
            args,
            types,
        }
    }

    /// Unit `i`'s value as a `T`, or the parse's error.
    #[inline(always)]
    pub(super) fn take<T: FromArg<'a, 'py>>(self, i: usize) -> Result<T> {
        let unit = self.format.unit(i);
        let py = self.args.py();
        let Some(arg) = by_position(self.args, i) else {
            return T::missing().ok_or_else(|| from_arg::mismatch::<T>(unit));
        };
        if unit == Unit::O {
            return T::from_object(unit, arg, py);
        }
        convert_positional(py, self.format, self.types, (i, unit), arg)
    }
}

/// [`Positional::take`] for a unit that converts its argument.
#[inline(always)]
fn convert_positional<'a, 'py, T: FromArg<'a, 'py>>(
    py: Python<'py>,
    format: &Format<'_>,
    types: &[*mut ffi::PyTypeObject],
    (i, unit): (usize, Unit),
    arg: ArgRef<'a>,
) -> Result<T> {
    match convert(py, unit, arg, types) {
        Ok(value) => T::from_value(unit, value, py),
        Err(failure) => Err(conversion_error(
            py,
            format,
            false,
            (i, arg.as_ptr()),
            failure,
        )),
    }
}

/// Positional argument `i` of `args`, if given.
#[inline(always)]
fn by_position<'a>(args: Args<'a, '_>, i: usize) -> Option<ArgRef<'a>> {
    let arg = args.get(i)?;
    let ptr = NonNull::new(arg.as_ptr())?;
    // SAFETY: an argument (of the tuple, or the METH_FASTCALL caller's
    // array), held for 'a (Args' contract) where Python code cannot change
    // it; GIL held.
    Some(unsafe { ArgRef::new(ptr) })
}

/// `PyDict_GetItemString(dict, name)`, with a reference of its own.
fn lookup<'py>(
    py: Python<'py>,
    dict: *mut ffi::PyObject,
    name: &str,
) -> Result<Option<Object<'py>>> {
    // The dict's keys are native strs (Python 3: text).
    let key = Object::native_str(py, name)?;
    // SAFETY: a dict (checked by the caller) and a str, GIL held;
    // PyDict_GetItem returns a borrowed reference (or NULL, with no
    // exception set), taken at once, before anything can run.
    let value = unsafe {
        let value = ffi::PyDict_GetItem(dict, key.as_ptr());
        (!value.is_null()).then(|| Object::from_borrowed_ptr(py, value))
    };
    Ok(value)
}
