//! What bitarray 1.2.2's C computes on bits, over borrowed bytes.
//!
//! A bitarray is `nbits` logical bits stored in `bytes_for(nbits)` bytes
//! (C's `BYTES`), with an [`Endian`]ness saying where bit `i` sits in byte
//! `i / 8`. The core never owns, allocates or resizes that storage: the glue
//! owns the bytes (Python may export them), so every operation that changes
//! the length is split in two, as in the C between `resize` and the work
//! around it: the glue resizes the storage to `bytes_for(new_nbits)`, then
//! calls the core to move or write bits inside `&mut [u8]`. Each method's
//! documentation names the C function it replaces and says which length the
//! view must have.
//!
//! [`Bits`] views bits read-only, [`BitsMut`] writes them; both check on
//! construction that the slice is exactly `bytes_for(nbits)` long, the C's
//! invariant `Py_SIZE(self) == BYTES(self->nbits)`.
//!
//! # Pad bits
//!
//! The bits of the last byte past `nbits` are the C's "unused" bits. The C
//! never initialises them (`resize` and `newbitarrayobject` leave new bytes
//! as `malloc` does), but it does define them in places, and they show
//! through the buffer interface and `buffer_info`, so the core reproduces
//! every write the C makes to them and no other:
//!
//! * [`BitsMut::setunused`] zeroes them. The C calls it before `tobytes`,
//!   `tofile`, `__reduce__`, `fill`, `frombytes`, `fromfile`,
//!   `bytereverse`, the bitwise operators (on *both* operands), `bitdiff`
//!   and `_util`'s `count_and`, `count_or`, `count_xor` and `subset` (on both
//!   operands too). The core's [`BitsMut::bytereverse`] and
//!   [`BitsMut::bitwise`] zero them themselves; the pure two-operand counts
//!   ([`bitdiff`], [`count_and`], ...) read the bytes as if zeroed and leave
//!   them alone, so the glue calls `setunused` on the operands to leave the
//!   same bytes behind as the C.
//! * [`BitsMut::invert`] and [`BitsMut::setall`] write whole bytes, pad
//!   bits included, as `invert` and `memset` do.
//! * Everything else reads only bits below `nbits` and writes only the bits
//!   the C's `setbit` loops write, so the pad bits keep whatever they held
//!   (for example, after `delete_n` they hold the bits that were shifted
//!   down, and after `frombytes` the tail of the appended bytes).
//! * `count`, `index`, comparisons, `search`, `to01`, `unpack`, `tolist`
//!   and `_util`'s `count_n` and `rindex` never depend on them.
//!
//! # Where the C is not what its callers assume
//!
//! * The bitwise operators (`&`, `|`, `^` and in place) check only the
//!   lengths, not the endianness: the C combines raw bytes, so
//!   `bitarray('1', 'big') & bitarray('1', 'little')` is `bitarray('0')`.
//!   [`BitsMut::bitwise`] does the same. So does `bitdiff` ([`bitdiff`]);
//!   `_util`'s `count_*` and `subset` do check the endianness.
//! * `bitarray(other, endian=...)` copies raw bytes (glue).

mod bits;
mod chars;
mod code;
mod copy;
mod count;
pub mod messages;
mod movebits;
mod search;
mod stride;
#[cfg(test)]
mod tests;
pub(crate) mod word;

pub use bits::{BitIter, Bits, BitsMut, BitwiseOp};
pub use chars::Extend01Error;
pub use code::{CodeError, PrefixTree};
pub use count::{bitdiff, count_and, count_or, count_xor, subset};
pub use search::SearchIter;

/// The bit endianness of a bitarray: C's `endian` field, 0 little, 1 big.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Endian {
    /// C's 0, `'little'`: bit `i` of a byte is `1 << i`.
    Little,
    /// C's 1 and `DEFAULT_ENDIAN`, `'big'`: bit `i` of a byte is `0x80 >> i`.
    #[default]
    Big,
}

impl Endian {
    /// The C's integer: 0 little, 1 big.
    pub const fn as_c(self) -> i32 {
        match self {
            Endian::Little => 0,
            Endian::Big => 1,
        }
    }

    /// The name `endian()` and `buffer_info()` return (C's `ENDIAN_STR`).
    pub const fn name(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }

    /// Parses `bitarray(..., endian=...)`'s argument the way `bitarray_new`
    /// does (`strcmp` with "little" and "big"); `None` is the glue's
    /// [`messages::ENDIAN_NAME`] `ValueError`.
    pub fn from_name(name: &[u8]) -> Option<Endian> {
        match name {
            b"little" => Some(Endian::Little),
            b"big" => Some(Endian::Big),
            _ => None,
        }
    }
}

/// The number of bytes that store `nbits` bits (C's `BYTES`).
pub const fn bytes_for(nbits: usize) -> usize {
    nbits.div_ceil(8)
}

/// `bits2bytes(n)` on the C's `idx_t` for `n >= 0` (the glue raises
/// [`messages::NON_NEGATIVE`] for negative `n`): `BYTES(n)`, without
/// overflowing for `n` near `i64::MAX`.
pub const fn bits2bytes(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        (n - 1) / 8 + 1
    }
}
