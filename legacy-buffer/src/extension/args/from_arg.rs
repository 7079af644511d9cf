//! The Rust types a format unit's value can be taken as.

use super::convert::{ArgRef, Value};
use super::format::Unit;
use crate::buffer::Buffer;
use crate::error::{Error, ExceptionType, Result};
use crate::gil::Python;
use crate::object::{Borrowed, Object};
use libc::{c_int, c_uint};
use std::ffi::CStr;

mod sealed {
    pub trait Sealed {}
}

/// A Rust type one argument can be parsed into, for the format units it
/// takes (sealed: implemented here for each).
///
/// | unit | Rust type |
/// | --- | --- |
/// | `s` | `&'a CStr`, `&'a [u8]` (without the NUL) |
/// | `z` | `Option<&'a CStr>`, `Option<&'a [u8]>` (None for None) |
/// | `s#`, `t#`, `w#`, `s*`, `w*` | [`Buffer<'a>`](crate::Buffer) (`s*`, `w*`: a new-protocol export where the argument has one) |
/// | `z#`, `z*` | `Option<Buffer<'a>>` |
/// | `c`, `b`, `B` | `u8` |
/// | `h` | `i16` |
/// | `H` | `u16` |
/// | `i` | `i32` (`c_int`) |
/// | `I` | `u32` (`c_uint`) |
/// | `l`, `L` | `i64` (`c_long` on 64-bit Linux, `long long`) |
/// | `k`, `K` | `u64` (`c_ulong` on 64-bit Linux, `unsigned long long`) |
/// | `n` | `isize` |
/// | `f` | `f32` |
/// | `d` | `f64` |
/// | `O`, `O!`, `S`, `U` | [`Borrowed<'a, 'py>`](crate::Borrowed), [`Object<'py>`](crate::Object) (a new reference) |
/// | `O&` | [`Converted<T>`] for any `T:` [`Converter`] |
///
/// A unit after `|` may be missing, so its type must be an `Option`
/// (`None` when missing; for `z` units `Option<Option<_>>` tells a missing
/// argument from None, `Option<_>` takes both as `None`). A type that does
/// not take its unit is a programming error: a compile error naming the
/// unit, with a format from [`py_format!`](crate::py_format) (a
/// `SystemError` naming the unit and the type, before any argument is
/// looked at, with one checked at run time).
pub trait FromArg<'a, 'py>: Sized + sealed::Sealed {
    /// The units this type takes, as a set of bits (one per unit), for the
    /// compile-time check.
    #[doc(hidden)]
    const UNITS: u32;
    /// Whether the unit may be missing: `Option`s only.
    #[doc(hidden)]
    const OPTIONAL: bool = false;
    /// Whether this type takes what `unit` gives.
    #[doc(hidden)]
    #[inline(always)]
    fn accepts(unit: Unit) -> bool {
        Self::UNITS & unit.bit() != 0
    }
    /// The value `unit` gave, which this type accepts.
    #[doc(hidden)]
    fn from_value(unit: Unit, value: Value<'a>, py: Python<'py>) -> Result<Self>;
    /// The object an `O` unit gave: `from_value` of `Value::Object`, which
    /// the object types take without building (and dropping) a `Value`.
    #[doc(hidden)]
    #[inline]
    fn from_object(unit: Unit, arg: ArgRef<'a>, py: Python<'py>) -> Result<Self> {
        Self::from_value(unit, Value::Object(arg), py)
    }
    /// The value for a missing argument (`OPTIONAL` types only).
    #[doc(hidden)]
    fn missing() -> Option<Self> {
        None
    }
}

/// A value of a kind the type was checked to take, but did not: a bug of
/// this crate, reported rather than panicking.
#[cold]
pub(super) fn mismatch<T>(unit: Unit) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!(
            "legacy-buffer: format unit '{}' gave a value {} does not take",
            unit.text(),
            std::any::type_name::<T>()
        ),
    )
}

macro_rules! scalar {
    ($($ty:ty: $($unit:expr),+ => $variant:ident;)*) => {$(
        impl sealed::Sealed for $ty {}
        impl<'a, 'py> FromArg<'a, 'py> for $ty {
            const UNITS: u32 = $($unit.bit())|+;
            #[inline]
            fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
                match value {
                    Value::$variant(v) => Ok(v),
                    _ => Err(mismatch::<Self>(unit)),
                }
            }
        }
    )*};
}

scalar! {
    u8: Unit::C, Unit::LowerB, Unit::UpperB => U8;
    i16: Unit::LowerH => I16;
    u16: Unit::UpperH => U16;
    c_int: Unit::LowerI => Int;
    c_uint: Unit::UpperI => UInt;
    isize: Unit::N => ISize;
    f32: Unit::F => F32;
    f64: Unit::D => F64;
}

// C long and long long: `i64` takes both (c_long is i64 on 64-bit Linux,
// and widens losslessly where it is narrower).
impl sealed::Sealed for i64 {}
impl<'a, 'py> FromArg<'a, 'py> for i64 {
    const UNITS: u32 = Unit::LowerL.bit() | Unit::UpperL.bit();
    #[inline]
    #[allow(clippy::useless_conversion)] // c_long is i32 on 32-bit targets.
    fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
        match value {
            Value::Long(v) => Ok(i64::from(v)),
            Value::I64(v) => Ok(v),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}

impl sealed::Sealed for u64 {}
impl<'a, 'py> FromArg<'a, 'py> for u64 {
    const UNITS: u32 = Unit::LowerK.bit() | Unit::UpperK.bit();
    #[inline]
    #[allow(clippy::useless_conversion)] // c_ulong is u32 on 32-bit targets.
    fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
        match value {
            Value::ULong(v) => Ok(u64::from(v)),
            Value::U64(v) => Ok(v),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}

impl sealed::Sealed for &CStr {}
impl<'a, 'py> FromArg<'a, 'py> for &'a CStr {
    const UNITS: u32 = Unit::S.bit() | Unit::Y.bit();
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
        match value {
            Value::CString(s) => Ok(s),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}

impl sealed::Sealed for &[u8] {}
impl<'a, 'py> FromArg<'a, 'py> for &'a [u8] {
    const UNITS: u32 = Unit::S.bit() | Unit::Y.bit();
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
        match value {
            Value::CString(s) => Ok(s.to_bytes()),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}

impl sealed::Sealed for Buffer<'_> {}
impl<'a, 'py> FromArg<'a, 'py> for Buffer<'a> {
    const UNITS: u32 = Unit::SHash.bit()
        | Unit::THash.bit()
        | Unit::WHash.bit()
        | Unit::SStar.bit()
        | Unit::WStar.bit()
        | Unit::YHash.bit()
        | Unit::YStar.bit();
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, _py: Python<'py>) -> Result<Self> {
        match value {
            Value::Buffer(b) => Ok(b),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}

impl sealed::Sealed for Borrowed<'_, '_> {}
impl<'a, 'py> FromArg<'a, 'py> for Borrowed<'a, 'py> {
    const UNITS: u32 = Unit::OBJECTS;
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, py: Python<'py>) -> Result<Self> {
        match value {
            Value::Object(o) => Ok(o.borrowed(py)),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
    #[inline]
    fn from_object(_unit: Unit, arg: ArgRef<'a>, py: Python<'py>) -> Result<Self> {
        Ok(arg.borrowed(py))
    }
}

impl sealed::Sealed for Object<'_> {}
impl<'a, 'py> FromArg<'a, 'py> for Object<'py> {
    const UNITS: u32 = Unit::OBJECTS;
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, py: Python<'py>) -> Result<Self> {
        match value {
            Value::Object(o) => Ok(o.borrowed(py).clone_ref()),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
    #[inline]
    fn from_object(_unit: Unit, arg: ArgRef<'a>, py: Python<'py>) -> Result<Self> {
        Ok(arg.borrowed(py).clone_ref())
    }
}

impl<T> sealed::Sealed for Option<T> {}
impl<'a, 'py, T: FromArg<'a, 'py>> FromArg<'a, 'py> for Option<T> {
    const UNITS: u32 = T::UNITS | Unit::or_none(T::UNITS);
    const OPTIONAL: bool = true;

    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, py: Python<'py>) -> Result<Self> {
        if T::accepts(unit) {
            return T::from_value(unit, value, py).map(Some);
        }
        match (value, unit.not_none()) {
            (Value::Null, _) => Ok(None),
            (value, Some(unit)) => T::from_value(unit, value, py).map(Some),
            (_, None) => Err(mismatch::<Self>(unit)),
        }
    }

    #[inline]
    fn from_object(unit: Unit, arg: ArgRef<'a>, py: Python<'py>) -> Result<Self> {
        if T::accepts(unit) {
            return T::from_object(unit, arg, py).map(Some);
        }
        Self::from_value(unit, Value::Object(arg), py)
    }

    #[inline]
    fn missing() -> Option<Self> {
        Some(None)
    }
}

/// What an `O&` unit makes of its argument: the Rust side of the C
/// converter function that `PyArg_ParseTuple(args, "O&", conv, &value)`
/// names. `convert` runs where the C converter would, in the order of the
/// units, after the argument count is checked; its error is the parse's,
/// as it is, as C's getargs passes on the exception a converter raised.
///
/// ```
/// use legacy_buffer::extension::{Args, Converted, Converter};
/// use legacy_buffer::{py_format, Borrowed, Error, ExceptionType, Python, Result};
///
/// /// An endianness, from "little" or "big".
/// struct Endian(bool);
///
/// impl<'a, 'py> Converter<'a, 'py> for Endian {
///     fn convert(arg: Borrowed<'a, 'py>) -> Result<Endian> {
///         match arg.repr()?.as_str() {
///             "'little'" | "u'little'" => Ok(Endian(false)),
///             "'big'" | "u'big'" => Ok(Endian(true)),
///             _ => Err(Error::new(ExceptionType::ValueError, "endian must be 'little' or 'big'")),
///         }
///     }
/// }
///
/// fn bits(_py: Python<'_>, args: Args<'_, '_>) -> Result<(i64, bool)> {
///     let (n, endian): (i64, Option<Converted<Endian>>) = args.parse(py_format!("L|O&:bits"))?;
///     Ok((n, endian.map_or(false, |Converted(e)| e.0)))
/// }
/// # let _ = bits;
/// ```
pub trait Converter<'a, 'py>: Sized {
    /// The value of `arg`, or the exception the parse raises.
    fn convert(arg: Borrowed<'a, 'py>) -> Result<Self>;
}

/// The value an `O&` unit's [`Converter`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Converted<T>(pub T);

impl<T> sealed::Sealed for Converted<T> {}
impl<'a, 'py: 'a, T: Converter<'a, 'py>> FromArg<'a, 'py> for Converted<T> {
    const UNITS: u32 = Unit::OConvert.bit();
    #[inline]
    fn from_value(unit: Unit, value: Value<'a>, py: Python<'py>) -> Result<Self> {
        match value {
            Value::Object(o) => T::convert(o.borrowed(py)).map(Converted),
            _ => Err(mismatch::<Self>(unit)),
        }
    }
}
