//! The methods of `_bitarray` (C's `bitarray_*` functions), each as its C
//! original behaves: arguments parsed with the same formats, the same
//! exceptions and messages, the same bits left behind.

use crate::access::{
    as_bitarray, copy as copy_of, getbit, new_like, resize, setbit, setunused, state, with_bits,
    with_bits_mut, with_two, with_two_mut, Bitarray, This,
};
use crate::convert::{
    get_index, index_error, index_of, int_bool, is_bit, is_index, item_index, left_set,
    normalize_index, raise_left, slice_indices, slice_left_set, type_error, value_error, Slice,
};
use crate::core::messages as msg;
use crate::core::{bytes_for, Bits, BitsMut, BitwiseOp, Endian};
use crate::extend::{
    append_item, extend_dispatch, frombytes as extend_frombytes, pack as extend_pack,
};
use crate::iterators;
use legacy_buffer::extension::{Args, Class, CompareOp, Instance};
use legacy_buffer::ffi::PY3;
use legacy_buffer::{py_format, Borrowed, Bytes, Error, ExceptionType, Object, Python, Result};
use std::ffi::CStr;

type Obj<'py> = Result<Object<'py>>;

/// `bitarray.__new__(cls, initial=None, endian='big')`: C's
/// `bitarray_new`.
pub(crate) fn new<'py>(
    _py: Python<'py>,
    cls: Class<'_, 'py, Bitarray>,
    args: Args<'_, 'py>,
) -> Obj<'py> {
    let parser = args
        .parser(py_format!("|Os:bitarray"))
        .keywords(&["initial", "endian"]);
    let (initial, endian_name): (Option<Borrowed<'_, 'py>>, Option<&CStr>) = parser.parse()?;
    let endian = match endian_name {
        None => Endian::Big,
        Some(name) => {
            Endian::from_name(name.to_bytes()).ok_or_else(|| value_error(msg::ENDIAN_NAME))?
        }
    };
    let make = |nbits: usize, endian: Endian, bytes: Vec<u8>| {
        cls.create(Bitarray::new(nbits, endian), bytes)
    };
    let initial = match initial {
        Some(initial) if !initial.is_none() => initial,
        _ => return make(0, endian, Vec::new()),
    };
    if is_index(&initial) {
        let nbits = get_index(&initial)?;
        if nbits < 0 {
            return Err(value_error(msg::NEGATIVE_LENGTH));
        }
        let nbits =
            usize::try_from(nbits).map_err(|_| Error::new(ExceptionType::MemoryError, ""))?;
        let bytes = zeroed(bytes_for(nbits))?;
        return make(nbits, endian, bytes);
    }
    if let Some(other) = as_bitarray(&initial) {
        let (n, other_endian) = state(&other)?;
        let endian = if endian_name.is_none() {
            other_endian
        } else {
            endian
        };
        return make(n, endian, other.with_bytes(|b| b.to_vec())?);
    }
    if let Some(s) = initial.str_bytes() {
        if s.is_empty() {
            return make(0, endian, Vec::new());
        }
        // C's `char` is signed: a first byte below 8 (and not negative)
        // says how many pad bits the rest has (the pickle format).
        if s[0] < 8 {
            if s.len() == 1 && s[0] > 0 {
                return Err(value_error(msg::unexpected_pickle_byte(s[0])));
            }
            let nbits = 8 * (s.len() - 1) - s[0] as usize;
            return make(nbits, endian, s[1..].to_vec());
        }
    }
    if initial.is_float() {
        return Err(type_error(msg::FROM_FLOAT));
    }
    if initial.is_complex() {
        return Err(type_error(msg::FROM_COMPLEX));
    }
    let obj = make(0, endian, Vec::new())?;
    let this = as_bitarray(&obj).expect("made as a bitarray");
    extend_dispatch(&this, &initial)?;
    Ok(obj)
}

/// A zeroed vector, `MemoryError` where it cannot be had.
fn zeroed(len: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::new(ExceptionType::MemoryError, ""))?;
    v.resize(len, 0);
    Ok(v)
}

/// `repr(a)`.
pub(crate) fn repr(_py: Python<'_>, this: This<'_, '_>) -> Result<Vec<u8>> {
    let (n, _) = state(&this)?;
    if n == 0 {
        return Ok(b"bitarray()".to_vec());
    }
    let digits = with_bits(&this, |bits| bits.to01())?;
    let mut out = Vec::with_capacity(digits.len() + 12);
    out.extend_from_slice(b"bitarray('");
    out.extend_from_slice(&digits);
    out.extend_from_slice(b"')");
    Ok(out)
}

/// Rich comparison: `NotImplemented` unless both are bitarrays; the first
/// differing bit decides, then the lengths.
pub(crate) fn richcompare<'py>(
    py: Python<'py>,
    this: This<'_, 'py>,
    other: Borrowed<'_, 'py>,
    op: CompareOp,
) -> Obj<'py> {
    let Some(other) = as_bitarray(&other) else {
        return Ok(Object::not_implemented(py));
    };
    let ((n, _), (m, _)) = (state(&this)?, state(&other)?);
    if n != m {
        match op {
            CompareOp::Eq => return Ok(Object::bool(py, false)),
            CompareOp::Ne => return Ok(Object::bool(py, true)),
            _ => {}
        }
    }
    let result = match op {
        CompareOp::Eq | CompareOp::Ne => {
            let equal = with_two(&this, &other, |a, b| a.eq_bits(&b))?;
            equal == (op == CompareOp::Eq)
        }
        _ => op.matches(with_two(&this, &other, |a, b| a.compare(&b))?),
    };
    Ok(Object::bool(py, result))
}

/// `iter(a)`.
pub(crate) fn iter<'py>(_py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    iterators::bits(&this)
}

pub(crate) fn length<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    Object::long(py, state(&this)?.0 as i64)
}

/// `copy()`, `__copy__()`.
pub(crate) fn copy<'py>(_py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    copy_of(&this)
}

/// `__deepcopy__(memo)`: a copy (bits hold no objects).
pub(crate) fn deepcopy<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    _memo: Borrowed<'_, 'py>,
) -> Obj<'py> {
    copy_of(&this)
}

/// `count(value=True, start=0, stop=<end>)`.
pub(crate) fn count<'py>(py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (x, start, stop): (Option<Borrowed>, Option<i64>, Option<i64>) =
        args.parse(py_format!("|OLL:count"))?;
    let value = match x {
        Some(x) => x.is_true()?,
        None => true,
    };
    let (n, _) = state(&this)?;
    let start = normalize_index(n, start.unwrap_or(0));
    let stop = normalize_index(n, stop.unwrap_or(n as i64));
    let count = with_bits(&this, move |bits| bits.count(value, start, stop))?;
    Object::long(py, count as i64)
}

/// `index(value, start=0, stop=<end>)`.
pub(crate) fn index<'py>(py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (x, start, stop): (Borrowed, Option<i64>, Option<i64>) =
        args.parse(py_format!("O|LL:index"))?;
    let value = x.is_true()?;
    let (n, _) = state(&this)?;
    let start = normalize_index(n, start.unwrap_or(0));
    let stop = normalize_index(n, stop.unwrap_or(n as i64));
    match with_bits(&this, move |bits| bits.find_first(value, start, stop))? {
        Some(i) => Object::long(py, i as i64),
        None => Err(value_error(msg::INDEX_NOT_FOUND)),
    }
}

pub(crate) fn extend<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    obj: Borrowed<'_, 'py>,
) -> Result<()> {
    extend_dispatch(&this, &obj)
}

/// `x in a`: a bit, or a bitarray searched for.
pub(crate) fn contains<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    x: Borrowed<'_, 'py>,
) -> Result<bool> {
    if is_bit(&x) {
        let value = int_bool(&x)?;
        let (n, _) = state(&this)?;
        return Ok(with_bits(&this, move |bits| bits.find_first(value, 0, n))?.is_some());
    }
    if let Some(pattern) = as_bitarray(&x) {
        return Ok(with_two(&this, &pattern, |a, p| a.search(&p, 0))?.is_some());
    }
    Err(type_error(msg::CONTAINS_TYPE))
}

/// `search(bitarray, limit=<none>)`.
pub(crate) fn search<'py>(py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (x, limit): (Borrowed, Option<isize>) = args.parse(py_format!("O|n:_search"))?;
    let pattern = as_bitarray(&x).ok_or_else(|| type_error(msg::SEARCH_TYPE))?;
    let (m, _) = state(&pattern)?;
    if m == 0 {
        return Err(value_error(msg::EMPTY_SEARCH));
    }
    let (n, _) = state(&this)?;
    let limit = limit.unwrap_or(-1);
    if m > n || limit == 0 {
        return Object::list(py, Vec::new());
    }
    let found: Vec<usize> = with_two(&this, &pattern, move |a, p| {
        let it = a.search_iter(p, 0);
        if limit > 0 {
            it.take(limit as usize).collect()
        } else {
            it.collect()
        }
    })?;
    let items = found
        .into_iter()
        .map(|p| Object::long(py, p as i64))
        .collect::<Result<Vec<_>>>()?;
    Object::list(py, items)
}

/// `buffer_info()`: (address, size, endianness, unused, allocated).
pub(crate) fn buffer_info<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    let (n, endian) = state(&this)?;
    let size = this.bytes_len();
    // The address of the memory, as PyLong_FromVoidPtr gives it (an `int`
    // where it fits in a C long, as it does on these platforms).
    let address = this.with_bytes(|b| b.as_ptr() as usize)?;
    Object::tuple(
        py,
        vec![
            Object::int(py, address as libc_long)?,
            Object::long(py, size as i64)?,
            // Py_BuildValue's "s": the native str of each line.
            Object::native_str(py, endian.name())?,
            Object::int(py, (8 * size - n) as libc_long)?,
            Object::long(py, this.bytes_capacity() as i64)?,
        ],
    )
}

#[allow(non_camel_case_types)]
type libc_long = std::os::raw::c_long;

/// `endian()`: a native str (PyString on Python 2, PyUnicode on 3).
pub(crate) fn endian<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    Object::native_str(py, state(&this)?.1.name())
}

pub(crate) fn append<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    v: Borrowed<'_, 'py>,
) -> Result<()> {
    append_item(&this, &v)
}

pub(crate) fn all(_py: Python<'_>, this: This<'_, '_>) -> Result<bool> {
    let (n, _) = state(&this)?;
    Ok(with_bits(&this, move |b| b.find_first(false, 0, n))?.is_none())
}

pub(crate) fn any(_py: Python<'_>, this: This<'_, '_>) -> Result<bool> {
    let (n, _) = state(&this)?;
    Ok(with_bits(&this, move |b| b.find_first(true, 0, n))?.is_some())
}

/// `__reduce__`: `(type(a), (pickle bytes, endianness), a.__dict__ or None)`.
pub(crate) fn reduce<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    let dict = match this.getattr("__dict__") {
        Ok(dict) => dict,
        Err(_) => Object::none(py),
    };
    let unused = setunused(&this)?;
    let mut state_bytes = Vec::with_capacity(this.bytes_len() + 1);
    state_bytes.push(unused as u8);
    this.with_bytes(|b| state_bytes.extend_from_slice(b))?;
    let (_, endian) = state(&this)?;
    let class = this.class();
    let args = Object::tuple(
        py,
        vec![
            Object::str(py, &state_bytes)?,
            Object::native_str(py, endian.name())?,
        ],
    )?;
    Object::tuple(py, vec![class, args, dict])
}

pub(crate) fn reverse(_py: Python<'_>, this: This<'_, '_>) -> Result<()> {
    with_bits_mut(&this, |mut b| b.reverse())
}

/// `fill()`: the pad bits zeroed and made bits; how many.
pub(crate) fn fill<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    let p = setunused(&this)?;
    let value = this.borrow()?;
    value.nbits.set(value.nbits.get() + p);
    Object::int(py, p as libc_long)
}

pub(crate) fn invert(_py: Python<'_>, this: This<'_, '_>) -> Result<()> {
    with_bits_mut(&this, |mut b| b.invert())
}

pub(crate) fn bytereverse(_py: Python<'_>, this: This<'_, '_>) -> Result<()> {
    with_bits_mut(&this, |mut b| b.bytereverse())
}

pub(crate) fn setall<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    v: Borrowed<'_, 'py>,
) -> Result<()> {
    let value = v.is_true()?;
    with_bits_mut(&this, move |mut b| b.setall(value))
}

/// `sort(reverse=False)`.
pub(crate) fn sort<'py>(_py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Result<()> {
    let parser = args.parser(py_format!("|i:sort")).keywords(&["reverse"]);
    let (reverse,): (Option<std::os::raw::c_int>,) = parser.parse()?;
    let reverse = reverse.unwrap_or(0) != 0;
    with_bits_mut(&this, move |mut b| b.sort(reverse))
}

/// `fromfile(f, n=<till EOF>)`: on Python 2, `file` objects only (the C
/// reads through the `FILE *`; here through the file's methods, which use
/// it); on Python 3, anything with a `read` giving bytes.
pub(crate) fn fromfile<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    args: Args<'_, 'py>,
) -> Result<()> {
    let (f, nbytes): (Borrowed, Option<isize>) = args.parse(py_format!("O|n:fromfile"))?;
    if PY3 {
        return fromfile_by_read(&this, &f, nbytes.unwrap_or(-1));
    }
    if !open_file(&f)? {
        return Err(type_error(msg::OPEN_FILE_ARG));
    }
    let mut nbytes = nbytes.unwrap_or(-1);
    if nbytes < 0 {
        // Bytes till EOF: tell, seek to the end, tell, seek back.
        let eof = |_| Error::new(ExceptionType::EOFError, msg::NO_EOF);
        let py = f.py();
        let cur = f
            .call_method("tell", &[])
            .map_err(eof)?
            .to_long_long()
            .map_err(eof)?;
        f.call_method("seek", &[&Object::long(py, 0)?, &Object::int(py, 2)?])
            .map_err(eof)?;
        let end = f
            .call_method("tell", &[])
            .map_err(eof)?
            .to_long_long()
            .map_err(eof)?;
        f.call_method("seek", &[&Object::long(py, cur)?, &Object::int(py, 0)?])
            .map_err(eof)?;
        nbytes = (end - cur) as isize;
    }
    if nbytes == 0 {
        return Ok(());
    }
    let data = f.call_method("read", &[&Object::long(f.py(), nbytes as i64)?])?;
    let data = data.str_bytes().unwrap_or_default();
    if data.len() < nbytes as usize {
        // A short read: the C keeps the pad bits it zeroed as bits, the
        // bytes it got after them, and raises EOFError.
        append_after_pad(&this, data)?;
        return Err(Error::new(ExceptionType::EOFError, msg::NOT_ENOUGH_IN_FILE));
    }
    extend_frombytes(&this, data)
}

/// `fromfile` as the C module's Python 3 build has it (a function of its
/// own there too): `f.read(nbytes)` (`-1` for all), which must give bytes.
fn fromfile_by_read(this: &This<'_, '_>, f: &Object<'_>, nbytes: isize) -> Result<()> {
    if nbytes == 0 {
        return Ok(());
    }
    // Any failure to get `read` is the C's TypeError (PyErr_SetString
    // replaces the AttributeError).
    let read = f
        .getattr("read")
        .map_err(|_| type_error(msg::OPEN_FILE_ARG))?;
    // Where `read` raises, the C returns None with the exception set, which
    // CPython turns into a SystemError naming the method; its cause, the
    // exception `read` raised, is what is passed on here.
    let data = read.call(&[&Object::long(f.py(), nbytes as i64)?])?;
    let data = data
        .str_bytes()
        .ok_or_else(|| type_error(msg::OPEN_FILE_ARG))?;
    if nbytes > 0 && data.len() < nbytes as usize {
        // As on Python 2: the pad bits zeroed and kept as bits, the bytes
        // read after them, and EOFError, in the Python 3 build's words.
        append_after_pad(this, data)?;
        return Err(Error::new(ExceptionType::EOFError, msg::NOT_ENOUGH_READ));
    }
    extend_frombytes(this, data)
}

/// What the C's `fromfile` leaves on a short read: the pad bits zeroed and
/// counted as bits, then `data`'s bytes.
fn append_after_pad(this: &This<'_, '_>, data: &[u8]) -> Result<()> {
    let (t, _) = state(this)?;
    let p = setunused(this)?;
    let padded = t + p;
    resize(this, padded + 8 * data.len())?;
    let data = data.to_vec();
    with_bits_mut(this, move |mut b| {
        let start = bytes_for(padded);
        b.bytes_mut()[start..start + data.len()].copy_from_slice(&data)
    })
}

/// Whether `f` is an open Python 2 `file` (what `PyFile_AsFile` gives a
/// `FILE *` for).
fn open_file(f: &Object<'_>) -> Result<bool> {
    Ok(f.is_file() && !f.getattr("closed")?.is_true()?)
}

/// `tofile(f)`: on Python 2 an open `file`; on Python 3 (the C's function
/// of its own there) anything with a `write`, called with all the bytes.
pub(crate) fn tofile<'py>(
    py: Python<'py>,
    this: This<'_, 'py>,
    f: Borrowed<'_, 'py>,
) -> Result<()> {
    if PY3 {
        // `write`'s absence is passed on; its failure becomes the C's
        // TypeError. Empty bytes are written too.
        let write = f.getattr("write")?;
        setunused(&this)?;
        let data = Object::str(py, &crate::access::bytes_of(&this)?)?;
        write
            .call(&[&data])
            .map_err(|_| type_error(msg::OPEN_FILE_EXPECTED))?;
        return Ok(());
    }
    if !open_file(&f)? {
        return Err(type_error(msg::OPEN_FILE_EXPECTED));
    }
    if this.bytes_len() == 0 {
        return Ok(());
    }
    setunused(&this)?;
    let data = Object::str(py, &crate::access::bytes_of(&this)?)?;
    f.call_method("write", &[&data])?;
    Ok(())
}

pub(crate) fn tolist<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    let bits = with_bits(&this, |b| b.iter().collect::<Vec<bool>>())?;
    Object::list(py, bits.into_iter().map(|b| Object::bool(py, b)).collect())
}

/// `frombytes(bytes)`.
pub(crate) fn frombytes<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    bytes: Borrowed<'_, 'py>,
) -> Result<()> {
    let data = bytes
        .str_bytes()
        .ok_or_else(|| type_error(msg::BYTES_EXPECTED))?;
    extend_frombytes(&this, data)
}

/// `tobytes()`: the pad bits zeroed first.
pub(crate) fn tobytes<'py>(_py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    setunused(&this)?;
    this.to_str()
}

/// `to01()`: Python 2's `str`; Python 3's C decodes those bytes into a
/// `str`.
pub(crate) fn to01<'py>(py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    if PY3 {
        let digits = with_bits(&this, |bits| bits.to01())?;
        let digits = std::str::from_utf8(&digits).expect("'0' and '1' are ASCII");
        return Object::native_str(py, digits);
    }
    unpack_str(py, &this, b'0', b'1')
}

fn unpack_str<'py>(py: Python<'py>, this: &This<'_, 'py>, zero: u8, one: u8) -> Obj<'py> {
    let (n, endian) = state(this)?;
    let buf = this.read_buffer()?;
    Object::new_str(py, n)
        .from(Bytes(&buf))
        .fill(move |src, out| {
            Bits::new(src, n, endian).unpack_into(out, zero, one);
            Ok(n)
        })
}

/// `unpack(zero=b'\x00', one=b'\xff')`.
pub(crate) fn unpack<'py>(py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let parser = args
        .parser(py_format!("|cc:unpack"))
        .keywords(&["zero", "one"]);
    let (zero, one): (Option<u8>, Option<u8>) = parser.parse()?;
    unpack_str(py, &this, zero.unwrap_or(0x00), one.unwrap_or(0xff))
}

/// `pack(bytes)`.
pub(crate) fn pack<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    bytes: Borrowed<'_, 'py>,
) -> Result<()> {
    let raw = bytes
        .str_bytes()
        .ok_or_else(|| type_error(msg::BYTES_EXPECTED))?;
    extend_pack(&this, raw)
}

/// `insert(index, value)`.
pub(crate) fn insert<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    args: Args<'_, 'py>,
) -> Result<()> {
    let (i, v): (i64, Borrowed) = args.parse(py_format!("LO:insert"))?;
    let (n, endian) = state(&this)?;
    let i = normalize_index(n, i);
    resize(&this, n + 1)?;
    with_bits_mut(&this, move |mut b| b.insert_n(i, 1))?;
    let bit = v.is_true()?;
    setbit(&this, endian, i, bit);
    Ok(())
}

/// `pop(index=-1)`.
pub(crate) fn pop<'py>(py: Python<'py>, this: This<'_, 'py>, args: Args<'_, 'py>) -> Obj<'py> {
    let (i,): (Option<i64>,) = args.parse(py_format!("|L:pop"))?;
    let (n, endian) = state(&this)?;
    if n == 0 {
        return Err(index_error(msg::POP_EMPTY));
    }
    let mut i = i.unwrap_or(-1);
    if i < 0 {
        i += n as i64;
    }
    if i < 0 || i >= n as i64 {
        return Err(index_error(msg::POP_RANGE));
    }
    let i = i as usize;
    let bit = getbit(&this, endian, i);
    delete_n(&this, i, 1)?;
    Ok(Object::bool(py, bit))
}

/// C's `delete_n`: the bits after `start + n` moved down, then resized.
pub(crate) fn delete_n(this: &This<'_, '_>, start: usize, n: usize) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let (len, _) = state(this)?;
    // The C moves first, then resizes: a refused resize leaves the move.
    // Refuse before moving when the byte count would change while
    // exported, so that a refused delete changes nothing.
    if this.exports() > 0 && bytes_for(len - n) != bytes_for(len) {
        resize(this, len - n)?;
    }
    with_bits_mut(this, move |mut b| b.delete_n(start, n))?;
    resize(this, len - n)
}

/// `remove(value)`.
pub(crate) fn remove<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    v: Borrowed<'_, 'py>,
) -> Result<()> {
    let value = v.is_true()?;
    let (n, _) = state(&this)?;
    match with_bits(&this, move |b| b.find_first(value, 0, n))? {
        Some(i) => delete_n(&this, i, 1),
        None => Err(value_error(msg::REMOVE_NOT_FOUND)),
    }
}

/// `a[i]`, `a[i:j:k]` (on Python 3, an index past a `long long` raises
/// after, see [`left_set`]).
pub(crate) fn getitem<'py>(py: Python<'py>, this: This<'_, 'py>, a: Borrowed<'_, 'py>) -> Obj<'py> {
    if let Some(i) = index_of(&a) {
        let i = i?;
        let (n, endian) = state(&this)?;
        let bit = Object::bool(py, getbit(&this, endian, item_index(n, i)?));
        return raise_left(Ok(bit), left_set(&a, i));
    }
    if a.is_slice() {
        return raise_left(getslice(&this, &a), slice_left_set(&a));
    }
    Err(type_error(msg::INDEX_OR_SLICE))
}

/// The bits a slice of `this` takes (C's `slice_GetIndicesEx` on its
/// length), with its length and endianness, read again after: a slice
/// part's `__index__` is Python code, which may resize `this`, where the C
/// goes on with the length it read before (past the end of memory it may
/// have freed). A change is a `RuntimeError`.
fn slice_of(this: &This<'_, '_>, slice: &Object<'_>) -> Result<(usize, Endian, Slice)> {
    let (n, endian) = state(this)?;
    let s = slice_indices(slice, n)?;
    if state(this)?.0 != n {
        return Err(Error::new(
            ExceptionType::RuntimeError,
            msg::RESIZED_BY_INDEX,
        ));
    }
    Ok((n, endian, s))
}

/// `a[i:j:k]`.
fn getslice<'py>(this: &This<'_, 'py>, a: &Object<'_>) -> Obj<'py> {
    let (n, endian, s) = slice_of(this, a)?;
    let mut bytes = zeroed(bytes_for(s.len))?;
    let (start, step, len) = (s.start as usize, s.step as isize, s.len);
    if len > 0 {
        let out = &mut bytes;
        this.with_bytes(move |src| {
            BitsMut::new(out, len, endian).get_slice(&Bits::new(src, n, endian), start, step)
        })?;
    }
    new_like(this, len, endian, bytes)
}

/// `a[i] = v`, `a[i:j:k] = v` (`__setitem__` takes both as arguments; on
/// Python 3, an index past a `long long` raises after, see [`left_set`]).
pub(crate) fn setitem<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    args: Args<'_, 'py>,
) -> Result<()> {
    let (a, v): (Borrowed, Borrowed) = args.parse(py_format!("OO:__setitem__"))?;
    if let Some(i) = index_of(&a) {
        let i = i?;
        let (n, endian) = state(&this)?;
        let at = item_index(n, i)?;
        let bit = v.is_true()?;
        setbit(&this, endian, at, bit);
        return raise_left(Ok(()), left_set(&a, i));
    }
    if a.is_slice() {
        return raise_left(setslice(&this, &a, &v), slice_left_set(&a));
    }
    Err(type_error(msg::INDEX_OR_SLICE))
}

/// C's `setslice`.
fn setslice(this: &This<'_, '_>, slice: &Object<'_>, v: &Object<'_>) -> Result<()> {
    let (n, _, s) = slice_of(this, slice)?;
    if let Some(other) = as_bitarray(v) {
        let (m, _) = state(&other)?;
        if m == s.len {
            let (start, step) = (s.start as usize, s.step as isize);
            if this.is(&other) {
                return with_bits_mut(this, move |mut b| b.set_slice_from_self(start, step));
            }
            return with_two_mut(this, &other, move |mut b, src| {
                if m > 0 {
                    b.set_slice_from(start, step, &src)
                }
            });
        }
        if s.step != 1 {
            return Err(value_error(msg::extended_slice_size(
                m as i64,
                s.len as i64,
            )));
        }
        // Copy the new bits first: `other` may be `this`, which changes.
        let copied = crate::extend::bits_copy(&other)?;
        let start = s.start as usize;
        if m > s.len {
            let grow = m - s.len;
            resize(this, n + grow)?;
            with_bits_mut(this, move |mut b| b.insert_n(start, grow))?;
        } else {
            delete_n(this, start, s.len - m)?;
        }
        let (bytes, m, endian) = copied;
        return with_bits_mut(this, move |mut b| {
            b.copy_from(start, &Bits::new(&bytes, m, endian), 0, m)
        });
    }
    if is_bit(v) {
        let bit = int_bool(v)?;
        let (start, step, len) = (s.start as usize, s.step as isize, s.len);
        if len == 0 {
            return Ok(());
        }
        return with_bits_mut(this, move |mut b| b.set_slice(start, step, len, bit));
    }
    Err(index_error(msg::SLICE_ASSIGN_TYPE))
}

/// `del a[i]`, `del a[i:j:k]` (on Python 3, an index past a `long long`
/// raises after, see [`left_set`]).
pub(crate) fn delitem<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    a: Borrowed<'_, 'py>,
) -> Result<()> {
    if let Some(i) = index_of(&a) {
        let i = i?;
        let (n, _) = state(&this)?;
        let deleted = delete_n(&this, item_index(n, i)?, 1);
        return raise_left(deleted, left_set(&a, i));
    }
    if a.is_slice() {
        return raise_left(delslice(&this, &a), slice_left_set(&a));
    }
    Err(type_error(msg::INDEX_OR_SLICE))
}

/// `del a[i:j:k]`.
fn delslice(this: &This<'_, '_>, a: &Object<'_>) -> Result<()> {
    let (n, _, s) = slice_of(this, a)?;
    if s.len == 0 {
        return Ok(());
    }
    let (mut start, mut stop, mut step) = (s.start, s.stop, s.step);
    if step < 0 {
        stop = start + 1;
        start = stop + step * (s.len as i64 - 1) - 1;
        step = -step;
    }
    if step == 1 {
        return delete_n(this, start as usize, s.len);
    }
    let (start, stop, step) = (start as usize, stop as usize, step as usize);
    if this.exports() > 0 && bytes_for(n - s.len) != bytes_for(n) {
        resize(this, n - s.len)?;
    }
    with_bits_mut(this, move |mut b| b.delete_slice(start, stop, step))?;
    resize(this, n - s.len)
}

/// `a + other`.
pub(crate) fn add<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    other: Borrowed<'_, 'py>,
) -> Obj<'py> {
    let res = copy_of(&this)?;
    extend_dispatch(&as_bitarray(&res).expect("a copy"), &other)?;
    Ok(res)
}

/// `a += other`.
pub(crate) fn iadd<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    other: Borrowed<'_, 'py>,
) -> Obj<'py> {
    extend_dispatch(&this, &other)?;
    Ok(this.clone_ref())
}

/// C's `repeat`.
fn repeat(this: &This<'_, '_>, times: i64) -> Result<()> {
    let (n, _) = state(this)?;
    if n == 0 || times == 1 {
        return Ok(());
    }
    if times <= 0 {
        return resize(this, 0);
    }
    let total = (n as u128) * (times as u128);
    if total > (isize::MAX as u128) {
        return Err(Error::new(ExceptionType::MemoryError, ""));
    }
    resize(this, total as usize)?;
    with_bits_mut(this, move |mut b| b.repeat(n))
}

/// `a * n`, `n * a` (on Python 3, an `n` past a `long long` raises after,
/// see [`left_set`]).
pub(crate) fn mul<'py>(_py: Python<'py>, this: This<'_, 'py>, v: Borrowed<'_, 'py>) -> Obj<'py> {
    if !is_index(&v) {
        return Err(type_error(msg::REPEAT_TYPE));
    }
    let times = get_index(&v)?;
    let res = copy_of(&this)?;
    repeat(&as_bitarray(&res).expect("a copy"), times)?;
    raise_left(Ok(res), left_set(&v, times))
}

/// `a *= n` (as `a * n` on Python 3).
pub(crate) fn imul<'py>(_py: Python<'py>, this: This<'_, 'py>, v: Borrowed<'_, 'py>) -> Obj<'py> {
    if !is_index(&v) {
        return Err(type_error(msg::IREPEAT_TYPE));
    }
    let times = get_index(&v)?;
    repeat(&this, times)?;
    raise_left(Ok(this.clone_ref()), left_set(&v, times))
}

/// `~a`: the copy made inverted (every byte, pad bits included, as the
/// C's copy then `invert` leaves them).
pub(crate) fn cpinvert<'py>(_py: Python<'py>, this: This<'_, 'py>) -> Obj<'py> {
    let (n, endian) = state(&this)?;
    let inverted = this.with_bytes(|b| b.iter().map(|&x| !x).collect::<Vec<u8>>())?;
    new_like(&this, n, endian, inverted)
}

/// C's `bitwise`: `other` a bitarray of the same length.
fn bitwise(this: &This<'_, '_>, other: &Object<'_>, op: BitwiseOp) -> Result<()> {
    let other = as_bitarray(other).ok_or_else(|| type_error(msg::BITWISE_TYPE))?;
    let ((n, _), (m, _)) = (state(this)?, state(&other)?);
    if n != m {
        return Err(value_error(msg::BITWISE_LENGTH));
    }
    if this.is(&other) {
        return with_bits_mut(this, move |mut b| b.bitwise_self(op));
    }
    setunused(&other)?;
    with_two_mut(this, &other, move |mut b, o| b.bitwise(op, &o))
}

/// `a OP b` as the C makes it (a copy of `a`, then `bitwise` on the copy),
/// in one pass: each byte of `a` (its pad bits zeroed, as `setunused` on the
/// copy zeroes them) OP the byte of `b` (whose pad bits the C zeroes in
/// `b` itself).
fn bitwise_new<'py>(this: &This<'_, 'py>, other: &Object<'_>, op: BitwiseOp) -> Obj<'py> {
    let other = as_bitarray(other).ok_or_else(|| type_error(msg::BITWISE_TYPE))?;
    let ((n, endian), (m, _)) = (state(this)?, state(&other)?);
    if n != m {
        return Err(value_error(msg::BITWISE_LENGTH));
    }
    setunused(&other)?;
    let used = crate::access::used_mask(n, endian);
    let bytes = this.with_bytes_and(&other, move |a, b| {
        let mut out: Vec<u8> = match op {
            BitwiseOp::And => a.iter().zip(b).map(|(x, y)| x & y).collect(),
            BitwiseOp::Or => a.iter().zip(b).map(|(x, y)| x | y).collect(),
            BitwiseOp::Xor => a.iter().zip(b).map(|(x, y)| x ^ y).collect(),
        };
        if let (Some(last), Some(&x), Some(&y)) = (out.last_mut(), a.last(), b.last()) {
            let x = x & used;
            *last = match op {
                BitwiseOp::And => x & y,
                BitwiseOp::Or => x | y,
                BitwiseOp::Xor => x ^ y,
            };
        }
        out
    })?;
    new_like(this, n, endian, bytes)
}

macro_rules! bitwise_methods {
    ($($name:ident, $iname:ident => $op:ident;)*) => {$(
        #[doc = concat!("`a ", stringify!($name), " b`.")]
        pub(crate) fn $name<'py>(_py: Python<'py>, this: This<'_, 'py>, other: Borrowed<'_, 'py>) -> Obj<'py> {
            bitwise_new(&this, &other, BitwiseOp::$op)
        }
        #[doc = concat!("`a ", stringify!($name), "= b`.")]
        pub(crate) fn $iname<'py>(_py: Python<'py>, this: This<'_, 'py>, other: Borrowed<'_, 'py>) -> Obj<'py> {
            bitwise(&this, &other, BitwiseOp::$op)?;
            Ok(this.clone_ref())
        }
    )*};
}

bitwise_methods! {
    and, iand => And;
    or, ior => Or;
    xor, ixor => Xor;
}

/// `encode(code, iterable)`.
pub(crate) fn encode<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    args: Args<'_, 'py>,
) -> Result<()> {
    let (codedict, iterable): (Borrowed, Borrowed) = args.parse(py_format!("OO:encode"))?;
    crate::prefix::check_codedict(&codedict)?;
    let iter = iterable
        .iter()
        .map_err(|_| type_error(msg::ITERABLE_EXPECTED))?;
    for symbol in iter {
        let symbol = symbol?;
        let bits = codedict
            .dict_get(&symbol)?
            .ok_or_else(|| value_error(msg::SYMBOL_UNDEFINED))?;
        let bits = as_bitarray(&bits).ok_or_else(|| type_error(msg::CODE_VALUE_TYPE))?;
        crate::extend::extend_bitarray(&this, &bits)?;
    }
    Ok(())
}

pub(crate) fn decode<'py>(
    py: Python<'py>,
    this: This<'_, 'py>,
    codedict: Borrowed<'_, 'py>,
) -> Obj<'py> {
    crate::prefix::decode(py, &this, &codedict)
}

pub(crate) fn iterdecode<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    codedict: Borrowed<'_, 'py>,
) -> Obj<'py> {
    iterators::decode(&this, &codedict)
}

pub(crate) fn itersearch<'py>(
    _py: Python<'py>,
    this: This<'_, 'py>,
    x: Borrowed<'_, 'py>,
) -> Obj<'py> {
    let pattern = as_bitarray(&x).ok_or_else(|| type_error(msg::ITERSEARCH_TYPE))?;
    if state(&pattern)?.0 == 0 {
        return Err(value_error(msg::EMPTY_SEARCH));
    }
    iterators::search(&this, &pattern)
}

/// For the instance checks of the module functions.
pub(crate) fn expect_bitarray<'a, 'py>(
    obj: &'a Object<'py>,
) -> Result<Instance<'a, 'py, Bitarray>> {
    as_bitarray(obj).ok_or_else(|| type_error(msg::BITARRAY_EXPECTED))
}
