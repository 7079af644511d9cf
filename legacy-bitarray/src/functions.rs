//! The module functions: `_bitarray`'s `bitdiff`, `bits2bytes` and
//! `_sysinfo`, and `_util`'s (`count_n`, `rindex`, `count_and`,
//! `count_or`, `count_xor`, `subset`, `_set_babt`).

use crate::access::{setunused, state, with_bits, with_two, This};
use crate::convert::{get_index, is_index, type_error, value_error};
use crate::core::messages as msg;
use crate::core::{self, bits2bytes as bytes_of_bits, Bits};
use crate::methods::expect_bitarray;
use legacy_buffer::extension::Args;
use legacy_buffer::{py_format, Borrowed, Object, Python, Result};

type Obj<'py> = Result<Object<'py>>;

/// Two bitarrays of the same length (and, for `_util`, endianness), their
/// pad bits zeroed as the C zeroes them.
fn two<'a, 'py>(
    a: &'a Object<'py>,
    b: &'a Object<'py>,
    same_endian: bool,
) -> Result<(This<'a, 'py>, This<'a, 'py>)> {
    let (a, b) = (expect_bitarray(a)?, expect_bitarray(b)?);
    let ((n, e), (m, f)) = (state(&a)?, state(&b)?);
    if n != m {
        return Err(value_error(msg::EQUAL_LENGTH));
    }
    if same_endian && e != f {
        return Err(value_error(msg::EQUAL_ENDIAN));
    }
    setunused(&a)?;
    setunused(&b)?;
    Ok((a, b))
}

/// `bitdiff(a, b)`.
pub(crate) fn bitdiff<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (a, b): (Borrowed, Borrowed) = args.parse(py_format!("OO:bitdiff"))?;
    let (a, b) = two(&a, &b, false)?;
    Object::long(py, with_two(&a, &b, |a, b| core::bitdiff(&a, &b))? as i64)
}

/// `bits2bytes(n)`.
pub(crate) fn bits2bytes<'py>(py: Python<'py>, n: Borrowed<'_, 'py>) -> Obj<'py> {
    if !is_index(&n) {
        return Err(type_error(msg::INTEGER_EXPECTED));
    }
    let n = get_index(&n)?;
    if n < 0 {
        return Err(value_error(msg::NON_NEGATIVE));
    }
    Object::long(py, bytes_of_bits(n as u64) as i64)
}

/// `_sysinfo()`: sizes of `void *`, `size_t`, `Py_ssize_t`, `idx_t`, and
/// `PY_SSIZE_T_MAX`.
pub(crate) fn sysinfo(py: Python<'_>) -> Obj<'_> {
    let word = std::mem::size_of::<usize>() as std::os::raw::c_long;
    Object::tuple(
        py,
        vec![
            Object::int(py, word)?,
            Object::int(py, word)?,
            Object::int(py, word)?,
            Object::int(py, 8)?,
            Object::long(py, isize::MAX as i64)?,
        ],
    )
}

/// `count_n(a, n)`.
pub(crate) fn count_n<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (a, n): (Borrowed, i64) = args.parse(py_format!("OL:count_n"))?;
    let a = expect_bitarray(&a)?;
    if n < 0 {
        return Err(value_error(msg::NON_NEGATIVE));
    }
    let (len, _) = state(&a)?;
    if n as u64 > len as u64 {
        return Err(value_error(msg::N_TOO_LARGE));
    }
    match with_bits(&a, move |b| b.count_to_n(n as usize))? {
        Some(i) => Object::long(py, i as i64),
        None => Err(value_error(msg::COUNT_EXCEEDS)),
    }
}

/// `rindex(bitarray, value=True)`.
pub(crate) fn r_index<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (a, x): (Borrowed, Option<Borrowed>) = args.parse(py_format!("O|O:rindex"))?;
    let a = expect_bitarray(&a)?;
    let value = match x {
        Some(x) => x.is_true()?,
        None => true,
    };
    match with_bits(&a, move |b| b.find_last(value))? {
        Some(i) => Object::long(py, i as i64),
        None => Err(value_error(msg::INDEX_NOT_FOUND)),
    }
}

macro_rules! counts {
    ($($name:ident => $format:literal, $kernel:path;)*) => {$(
        #[doc = concat!("`", stringify!($name), "(a, b)`.")]
        pub(crate) fn $name<'py>(py: Python<'py>, args: Args<'_, 'py>) -> Obj<'py> {
            let (a, b): (Borrowed, Borrowed) = args.parse(py_format!($format))?;
            let (a, b) = two(&a, &b, true)?;
            Object::long(py, with_two(&a, &b, |a: Bits<'_>, b: Bits<'_>| $kernel(&a, &b))? as i64)
        }
    )*};
}

counts! {
    count_and => "OO:count_and", core::count_and;
    count_or => "OO:count_or", core::count_or;
    count_xor => "OO:count_xor", core::count_xor;
}

/// `subset(a, b)`.
pub(crate) fn subset<'py>(_py: Python<'py>, args: Args<'_, 'py>) -> Result<bool> {
    let (a, b): (Borrowed, Borrowed) = args.parse(py_format!("OO:subset"))?;
    let (a, b) = two(&a, &b, true)?;
    with_two(&a, &b, |a, b| core::subset(&a, &b))
}

/// `_set_babt(type)`: `bitarray.util` tells `_util` the base type; here the
/// type is this crate's own, so there is nothing to keep.
pub(crate) fn set_babt<'py>(_py: Python<'py>, _obj: Borrowed<'_, 'py>) -> Result<()> {
    Ok(())
}
