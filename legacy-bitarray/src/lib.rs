//! `bitarray._bitarray` and `bitarray._util`: bitarray 1.2.2's C extension
//! modules (`_bitarray.c`, `_util.c`) ported to Rust on legacy-buffer, with
//! no `unsafe`.
//!
//! ```text
//! _bitarray._bitarray       the type (bitarray's Python package subclasses
//!                           it as bitarray and frozenbitarray): a sequence
//!                           of bits exporting its bytes through both buffer
//!                           protocols, its methods those of the C type
//! bitdiff(a, b), bits2bytes(n), _sysinfo()
//! _util.count_n, rindex, count_and, count_or, count_xor, subset, _set_babt
//! ```
//!
//! [`core`] computes on the bits (a word at a time where the C goes byte by
//! byte or bit by bit) over bytes the glue lends it; the glue (`access`,
//! `convert`, `extend`, `methods`, `prefix`, `iterators`, `functions`)
//! parses arguments, raises the C's exceptions with its messages, and owns
//! the bytes: the memory legacy-buffer's extension type exports, which
//! Python may read and write through `buffer()` and `memoryview` whenever it
//! runs, so the core sees it only inside no-Python scopes, and a resize is
//! refused with `BufferError` while it is exported (where the C reallocates
//! under its exporters' feet: the one change of behaviour on purpose, which
//! the parity test lists).
//!
//! # Python 2 and 3
//!
//! The same source builds for Python 2.7 and for Python 3 (3.9, 3.11),
//! with no `#[cfg]`, and passes the sdist's suite on each beside the C
//! original built for the same Python. Where the C module's Python 3 build
//! differs, the port branches on the constant [`legacy_buffer::ffi::PY3`]
//! (both branches compiled and checked on each line, one folded away),
//! seven times:
//! - the C's `#ifdef IS_PY3K` functions: `fromfile` (`f.read(n)`, which
//!   must give bytes, not a `FILE *`), `tofile` (`f.write(bytes)`) and
//!   `to01` (a `str`, not bytes); and its `#ifndef IS_PY3K` `int` branch
//!   of `getIndex` (every `int` is a `long` there);
//! - what CPython 3 makes of the same C: a `ValueError` formatted with
//!   `%c` of a negative `char` has no value at all (Python 3's formatter
//!   refuses the character: `args` is `()`); and
//!   where the C returns a result with an
//!   exception still set (`a[2**64]`: `PyLong_AsLongLong`'s `OverflowError`,
//!   unread), CPython 3 raises a `SystemError` caused by it, where the port
//!   does the C's operation and raises that `OverflowError` itself (a
//!   difference the parity script lists, as it lists `f.read`'s exception
//!   passed on where the C returns `None` with it set).
//!
//! The rest needs no branch: `endian()`, `buffer_info()` and `__reduce__`
//! give [`Object::native_str`](legacy_buffer::Object::native_str) where the
//! C gives `Py_BuildValue("s")` or `PyUnicode_FromString` under its `#if`;
//! bytes are `str` on 2 and `bytes` on 3 as the C's `PyBytes_*` macros
//! make them; the type's slots are each line's.
//!
//! One library is both modules: build the `extension-module` feature and
//! install `liblegacy_bitarray.so` as `bitarray/_bitarray.so` with
//! `bitarray/_util.so` a link to it (`_bitarray_d.so`, `_util_d.so` for
//! python2.7-dbg), in the sdist's Python package.

// A port on legacy-buffer needs no `unsafe` (`deny`, not `forbid`:
// py_module! allows the one lint it trips, for the init symbols).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod access;
mod convert;
pub mod core;
mod extend;
mod functions;
mod iterators;
mod methods;
mod prefix;

pub use access::Bitarray;
pub use iterators::{BitIter, DecodeIter, SearchIter};

use legacy_buffer::{py_class, py_module};

py_class! {
    class Bitarray as "bitarray._bitarray" {
        features: [subclassable, weakrefs, exports, unhashable],
        new(cls): methods::new,
        methods: {
            all(this) => methods::all, "all() -> bool\n\nReturns True when all bits in the array are True.";
            any(this) => methods::any, "any() -> bool\n\nReturns True when any bit in the array is True.";
            append(this, arg) => methods::append, "append(item, /)\n\nAppend the value `bool(item)` to the end of the bitarray.";
            buffer_info(this) => methods::buffer_info, "buffer_info() -> tuple\n\nReturn a tuple (address, size, endianness, unused, allocated) giving the\ncurrent memory address, the size (in bytes) used to hold the bitarray's\ncontents, the bit endianness as a string, the number of unused bits\n(e.g. a bitarray of length 11 will have a buffer size of 2 bytes and\n5 unused bits), and the size (in bytes) of the allocated memory.";
            bytereverse(this) => methods::bytereverse, "bytereverse()\n\nFor all bytes representing the bitarray, reverse the bit order (in-place).\nNote: This method changes the actual machine values representing the\nbitarray; it does not change the endianness of the bitarray object.";
            copy(this) => methods::copy, "copy() -> bitarray\n\nReturn a copy of the bitarray.";
            count(this, args) => methods::count, "count(value=True, start=0, stop=<end of array>, /) -> int\n\nCount the number of occurrences of bool(value) in the bitarray.";
            decode(this, arg) => methods::decode, "decode(code, /) -> list\n\nGiven a prefix code (a dict mapping symbols to bitarrays),\ndecode the content of the bitarray and return it as a list of symbols.";
            iterdecode(this, arg) => methods::iterdecode, "iterdecode(code, /) -> iterator\n\nGiven a prefix code (a dict mapping symbols to bitarrays),\ndecode the content of the bitarray and return an iterator over\nthe symbols.";
            encode(this, args) => methods::encode, "encode(code, iterable, /)\n\nGiven a prefix code (a dict mapping symbols to bitarrays),\niterate over the iterable object with symbols, and extend the bitarray\nwith the corresponding bitarray for each symbols.";
            endian(this) => methods::endian, "endian() -> str\n\nReturn the bit endianness as a string (either `little` or `big`).";
            extend(this, arg) => methods::extend, "extend(iterable, /)\n\nAppend bits to the end of the bitarray.  The objects which can be passed\nto this method are the same iterable objects which can given to a bitarray\nobject upon initialization.";
            fill(this) => methods::fill, "fill() -> int\n\nAdds zeros to the end of the bitarray, such that the length of the bitarray\nwill be a multiple of 8.  Returns the number of bits added (0..7).";
            fromfile(this, args) => methods::fromfile, "fromfile(f, n=<till EOF>, /)\n\nRead n bytes from the file object f and append them to the bitarray\ninterpreted as machine values.  When n is omitted, as many bytes are\nread until EOF is reached.";
            frombytes(this, arg) => methods::frombytes, "frombytes(bytes, /)\n\nAppend from a byte string, interpreted as machine values.";
            index(this, args) => methods::index, "index(value, start=0, stop=<end of array>, /) -> int\n\nReturn index of the first occurrence of `bool(value)` in the bitarray.\nRaises `ValueError` if the value is not present.";
            insert(this, args) => methods::insert, "insert(index, value, /)\n\nInsert `bool(value)` into the bitarray before index.";
            invert(this) => methods::invert, "invert()\n\nInvert all bits in the array (in-place),\ni.e. convert each 1-bit into a 0-bit and vice versa.";
            length(this) => methods::length, "length() -> int\n\nReturn the length, i.e. number of bits stored in the bitarray.\nThis method is preferred over `__len__` (used when typing `len(a)`),\nsince `__len__` will fail for a bitarray object with 2^31 or more elements\non a 32bit machine, whereas this method will return the correct value,\non 32bit and 64bit machines.";
            pack(this, arg) => methods::pack, "pack(bytes, /)\n\nExtend the bitarray from bytes, where each byte corresponds to a single\nbit.  The byte `b'\\x00'` maps to bit 0 and all other characters map to\nbit 1.\nThis method, as well as the unpack method, are meant for efficient\ntransfer of data between bitarray objects to other python objects\n(for example NumPy's ndarray object) which have a different memory view.";
            pop(this, args) => methods::pop, "pop(index=-1, /) -> item\n\nReturn the i-th (default last) element and delete it from the bitarray.\nRaises `IndexError` if bitarray is empty or index is out of range.";
            remove(this, arg) => methods::remove, "remove(value, /)\n\nRemove the first occurrence of `bool(value)` in the bitarray.\nRaises `ValueError` if item is not present.";
            reverse(this) => methods::reverse, "reverse()\n\nReverse the order of bits in the array (in-place).";
            setall(this, arg) => methods::setall, "setall(value, /)\n\nSet all bits in the bitarray to `bool(value)`.";
            search(this, args) => methods::search, "search(bitarray, limit=<none>, /) -> list\n\nSearches for the given bitarray in self, and return the list of start\npositions.\nThe optional argument limits the number of search results to the integer\nspecified.  By default, all search results are returned.";
            itersearch(this, arg) => methods::itersearch, "itersearch(bitarray, /) -> iterator\n\nSearches for the given a bitarray in self, and return an iterator over\nthe start positions where bitarray matches self.";
            sort(this, args, kwargs) => methods::sort, "sort(reverse=False)\n\nSort the bits in the array (in-place).";
            tofile(this, arg) => methods::tofile, "tofile(f, /)\n\nWrite all bits (as machine values) to the file object f.\nWhen the length of the bitarray is not a multiple of 8,\nthe remaining bits (1..7) are set to 0.";
            tolist(this) => methods::tolist, "tolist() -> list\n\nReturn an ordinary list with the items in the bitarray.\nNote that the list object being created will require 32 or 64 times more\nmemory than the bitarray object, which may cause a memory error if the\nbitarray is very large.\nAlso note that to extend a bitarray with elements from a list,\nuse the extend method.";
            tobytes(this) => methods::tobytes, "tobytes() -> bytes\n\nReturn the byte representation of the bitarray.\nWhen the length of the bitarray is not a multiple of 8, the few remaining\nbits (1..7) are considered to be 0.";
            to01(this) => methods::to01, "to01() -> str\n\nReturn a string containing '0's and '1's, representing the bits in the\nbitarray object.\nNote: To extend a bitarray from a string containing '0's and '1's,\nuse the extend method.";
            unpack(this, args, kwargs) => methods::unpack, "unpack(zero=b'\\x00', one=b'\\xff') -> bytes\n\nReturn bytes containing one character for each bit in the bitarray,\nusing the specified mapping.";
            __copy__(this) => methods::copy, "copy() -> bitarray\n\nReturn a copy of the bitarray.";
            __deepcopy__(this, arg) => methods::deepcopy, "copy() -> bitarray\n\nReturn a copy of the bitarray.";
            __len__(this) => methods::length, "__len__() -> int\n\nReturn the length, i.e. number of bits stored in the bitarray.\nThis method will fail for a bitarray object with 2^31 or more elements\non a 32bit machine.  Use bitarray.length() instead.";
            __contains__(this, arg) => methods::contains, "__contains__(value, /) -> bool\n\nReturn True if bitarray contains value, False otherwise.\nThe value may be a boolean (or integer between 0 and 1), or a bitarray.";
            __reduce__(this) => methods::reduce, "state information for pickling";
            __delitem__(this, arg) => methods::delitem;
            __getitem__(this, arg) => methods::getitem;
            __setitem__(this, args) => methods::setitem;
            __add__(this, arg) => methods::add;
            __iadd__(this, arg) => methods::iadd;
            __mul__(this, arg) => methods::mul;
            __rmul__(this, arg) => methods::mul;
            __imul__(this, arg) => methods::imul;
            __and__(this, arg) => methods::and;
            __or__(this, arg) => methods::or;
            __xor__(this, arg) => methods::xor;
            __iand__(this, arg) => methods::iand;
            __ior__(this, arg) => methods::ior;
            __ixor__(this, arg) => methods::ixor;
            __invert__(this) => methods::cpinvert;
        }
        slots: {
            __repr__ => methods::repr;
            __richcmp__ => methods::richcompare;
            __iter__ => methods::iter;
        }
    }
}

py_module! {
    module _bitarray {
        functions: {
            bitdiff(args) => functions::bitdiff, "bitdiff(a, b, /) -> int\n\nReturn the difference between two bitarrays a and b.\nThis is function does the same as (a ^ b).count(), but is more memory\nefficient, as no intermediate bitarray object gets created.\nDeprecated since version 1.2.0, use `bitarray.util.count_xor()` instead.";
            bits2bytes(arg) => functions::bits2bytes, "bits2bytes(n, /) -> int\n\nReturn the number of bytes necessary to store n bits.";
            _sysinfo() => functions::sysinfo, "_sysinfo() -> tuple\n\ntuple(sizeof(void *),\n      sizeof(size_t),\n      sizeof(Py_ssize_t),\n      sizeof(idx_t),\n      PY_SSIZE_T_MAX)";
        }
        types: { Bitarray }
    }
}

py_module! {
    module _util {
        functions: {
            count_n(args) => functions::count_n, "count_n(a, n, /) -> int\n\nFind the smallest index `i` for which `a[:i].count() == n`.\nRaises `ValueError`, when n exceeds the `a.count()`.";
            rindex(args) => functions::r_index, "rindex(bitarray, value=True, /) -> int\n\nReturn the rightmost index of `bool(value)` in bitarray.\nRaises `ValueError` if the value is not present.";
            count_and(args) => functions::count_and, "count_and(a, b, /) -> int\n\nReturns `(a & b).count()`, but is more memory efficient,\nas no intermediate bitarray object gets created.";
            count_or(args) => functions::count_or, "count_or(a, b, /) -> int\n\nReturns `(a | b).count()`, but is more memory efficient,\nas no intermediate bitarray object gets created.";
            count_xor(args) => functions::count_xor, "count_xor(a, b, /) -> int\n\nReturns `(a ^ b).count()`, but is more memory efficient,\nas no intermediate bitarray object gets created.";
            subset(args) => functions::subset, "subset(a, b, /) -> bool\n\nReturn True if bitarray `a` is a subset of bitarray `b` (False otherwise).\n`subset(a, b)` is equivalent to `(a & b).count() == a.count()` but is more\nefficient since we can stop as soon as one mismatch is found, and no\nintermediate bitarray object gets created.";
            _set_babt(arg) => functions::set_babt, "";
        }
    }
}
