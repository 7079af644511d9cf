//! The C's exception messages, byte for byte, each with the exception type
//! and the C functions that raise it, so the glue cannot drift from them.
//! Messages the C formats (`%lld`, `%c`, `%d`) have a function or a prefix.

/// `TypeError` — `bitwise` (`&`, `|`, `^` and in place) with a non-bitarray.
pub const BITWISE_TYPE: &str = "bitarray object expected for bitwise operation";
/// `ValueError` — `bitwise` with different lengths.
pub const BITWISE_LENGTH: &str = "bitarrays of equal length expected for bitwise operation";
/// `OverflowError` — `unpack` (`to01`, `unpack`, `repr`) past `PY_SSIZE_T_MAX` bits.
pub const UNPACK_TOO_LARGE: &str = "bitarray too large to unpack";
/// `ValueError` — `extend_bytes` with `BYTES_01`: this, the character, `'`.
/// See [`Extend01Error::message`](super::Extend01Error::message).
pub const CHAR_01_PREFIX: &str = "character must be '0' or '1', found '";
/// `TypeError` — `extend_dispatch` with an object it cannot iterate.
pub const CANNOT_EXTEND: &str = "could not extend bitarray";
/// `TypeError` — `IntBool_AsInt` (`in`, slice assignment) with neither int nor bool.
pub const INT_OR_BOOL: &str = "integer or bool expected";
/// `ValueError` — `IntBool_AsInt` with an int other than 0 and 1.
pub const INT_0_OR_1: &str = "integer value between 0 and 1 expected";
/// `TypeError` — `getIndex` (slice indices).
pub const SLICE_INDEX_TYPE: &str =
    "slice indices must be integers or None or have an __index__ method";
/// `ValueError` — `slice_GetIndicesEx` with step 0.
pub const SLICE_STEP_ZERO: &str = "slice step cannot be zero";
/// `ValueError` — `index()` and `_util.rindex()` not finding the value.
pub const INDEX_NOT_FOUND: &str = "index(x): x not in bitarray";
/// `TypeError` — `__contains__` with neither int/bool nor bitarray.
pub const CONTAINS_TYPE: &str = "bitarray or bool expected";
/// `TypeError` — `search()` with a non-bitarray.
pub const SEARCH_TYPE: &str = "bitarray expected for search";
/// `TypeError` — `itersearch()` with a non-bitarray.
pub const ITERSEARCH_TYPE: &str = "bitarray expected for itersearch";
/// `ValueError` — `search()` and `itersearch()` with an empty bitarray.
pub const EMPTY_SEARCH: &str = "can't search for empty bitarray";
/// `TypeError` — `fromfile()` (Python 2: not a file object).
pub const OPEN_FILE_ARG: &str = "first argument must be an open file";
/// `EOFError` — `fromfile()` when `ftell`/`fseek` fail (Python 2).
pub const NO_EOF: &str = "could not find EOF";
/// `EOFError` — `fromfile()` reading fewer bytes than asked (Python 2).
pub const NOT_ENOUGH_IN_FILE: &str = "not enough items in file";
/// `EOFError` — `fromfile()` reading fewer bytes than asked (Python 3 build).
pub const NOT_ENOUGH_READ: &str = "not enough items read";
/// `TypeError` — `tofile()` with a non-file (both builds).
pub const OPEN_FILE_EXPECTED: &str = "open file expected";
/// `TypeError` — `tofile()` with `NULL` (Python 3 build only).
pub const WRITE_NULL_FILE: &str = "writeobject with NULL file";
/// `TypeError` — `frombytes()` and `pack()` with a non-`str`.
pub const BYTES_EXPECTED: &str = "bytes expected";
/// `IndexError` — `pop()` on an empty bitarray.
pub const POP_EMPTY: &str = "pop from empty bitarray";
/// `IndexError` — `pop(i)` with `i` out of range.
pub const POP_RANGE: &str = "pop index out of range";
/// `ValueError` — `remove()` not finding the value.
pub const REMOVE_NOT_FOUND: &str = "remove(x): x not in bitarray";
/// `IndexError` — `__getitem__`, `__setitem__`, `__delitem__` with an index out of range.
pub const INDEX_RANGE: &str = "bitarray index out of range";
/// `TypeError` — `__getitem__`, `__setitem__`, `__delitem__` with neither index nor slice.
pub const INDEX_OR_SLICE: &str = "index or slice expected";
/// `IndexError` (sic) — `setslice` with neither bitarray nor int/bool.
pub const SLICE_ASSIGN_TYPE: &str = "bitarray or bool expected for slice assignment";
/// `TypeError` — `__mul__`/`__rmul__` with a non-integer.
pub const REPEAT_TYPE: &str = "integer value expected for bitarray repetition";
/// `TypeError` — `__imul__` with a non-integer.
pub const IREPEAT_TYPE: &str = "integer value expected for in-place bitarray repetition";
/// `TypeError` — `check_codedict` (`encode`, `decode`, `iterdecode`) with a non-dict.
pub const DICT_EXPECTED: &str = "dict expected";
/// `ValueError` — `check_codedict` with an empty dict.
pub const CODE_DICT_EMPTY: &str = "prefix code dict empty";
/// `TypeError` — `check_codedict` with a value that is not a bitarray.
pub const CODE_VALUE_TYPE: &str = "bitarray expected for dict value";
/// `ValueError` — `check_codedict` with an empty bitarray value.
pub const CODE_VALUE_EMPTY: &str = "non-empty bitarray expected";
/// `TypeError` — `encode()` with a non-iterable.
pub const ITERABLE_EXPECTED: &str = "iterable object expected";
/// `ValueError` — `encode()` with a symbol the code lacks.
pub const SYMBOL_UNDEFINED: &str = "symbol not defined in prefix code";
/// `ValueError` — `insert_symbol` (`make_tree`): a code is a prefix of another, or repeated.
pub const CODE_AMBIGUOUS: &str = "prefix code ambiguous";
/// `ValueError` — `decode`/`traverse_tree`: no code continues with the next bit.
pub const CODE_NO_MATCH: &str = "prefix code does not match data in bitarray";
/// `ValueError` — `decode`/`traverse_tree`: the bits end inside a code.
pub const DECODE_UNTERMINATED: &str = "decoding not terminated";
/// `ValueError` — `bitarray(..., endian=x)` with `x` neither `'little'` nor `'big'`.
pub const ENDIAN_NAME: &str = "endian must be 'little' or 'big'";
/// `ValueError` — `bitarray(n)` with `n < 0`.
pub const NEGATIVE_LENGTH: &str = "cannot create bitarray with negative length";
/// `TypeError` — `bitarray(1.0)`.
pub const FROM_FLOAT: &str = "cannot create bitarray from Float object";
/// `TypeError` — `bitarray(1j)`.
pub const FROM_COMPLEX: &str = "cannot create bitarray from Complex object";
/// `SystemError` — the old buffer interface asked for a segment other than 0.
pub const NO_SEGMENT: &str = "accessing non-existent segment";
/// `TypeError` — `bitdiff`, and `_util`'s `count_n`, `rindex`, `count_*`, `subset`, with a non-bitarray.
pub const BITARRAY_EXPECTED: &str = "bitarray object expected";
/// `ValueError` — `bitdiff` and `_util`'s `count_*`, `subset` with different lengths.
pub const EQUAL_LENGTH: &str = "bitarrays of equal length expected";
/// `ValueError` — `_util`'s `count_*`, `subset` with different endiannesses.
pub const EQUAL_ENDIAN: &str = "bitarrays of equal endianness expected";
/// `TypeError` — `bits2bytes` with a non-integer.
pub const INTEGER_EXPECTED: &str = "integer expected";
/// `ValueError` — `bits2bytes` and `_util.count_n` with a negative integer.
pub const NON_NEGATIVE: &str = "non-negative integer expected";
/// `ValueError` — `_util.count_n(a, n)` with `n > len(a)`.
pub const N_TOO_LARGE: &str = "n larger than bitarray size";
/// `ValueError` — `_util.count_n(a, n)` with `n > a.count()`.
pub const COUNT_EXCEEDS: &str = "n exceeds total count";

/// `ValueError` — `setslice`: a bitarray of another length onto an
/// extended slice (`step != 1`), C's `"attempt to assign sequence of size
/// %lld to extended slice of size %lld"`.
pub fn extended_slice_size(size: i64, slicelength: i64) -> String {
    format!("attempt to assign sequence of size {size} to extended slice of size {slicelength}")
}

/// `OverflowError` — `check_overflow`, on 32-bit builds only: C's
/// `"cannot create bitarray of size %lld, max size is %lld"`.
pub fn overflow(nbits: i64, max_bits: i64) -> String {
    format!("cannot create bitarray of size {nbits}, max size is {max_bits}")
}

/// `ValueError` — `bitarray(s)` with a one-byte `str` whose byte is 1..=7:
/// C's `"did not expect 0x0%d"`.
pub fn unexpected_pickle_byte(b: u8) -> String {
    format!("did not expect 0x0{b}")
}

/// `RuntimeError` — a slice whose bound's `__index__` resized the bitarray
/// (the port's own: the C reads on with the length it had before).
pub const RESIZED_BY_INDEX: &str = "bitarray changed size while its slice was computed";
