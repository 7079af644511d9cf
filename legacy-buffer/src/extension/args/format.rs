//! Reading a `PyArg_ParseTuple` format string: its units, the `|` that
//! makes the rest optional, and the `:name` or `;message` after them; and
//! checking the Rust types a parse gives against the units.
//!
//! Both are `const fn`s: a format made by [`py_format!`](crate::py_format)
//! is read, and checked against the destination tuple, while the program
//! compiles (a format or a type that does not fit is a compile error); a
//! format made at run time is read and checked by the same functions on
//! each parse (a `SystemError`).

use crate::error::{Error, ExceptionType, Result};
use legacy_buffer_sys as ffi;
use std::marker::PhantomData;

/// The most units a format may have (the Rust side takes at most 12).
pub const MAX_UNITS: usize = 16;

/// One format unit: what it accepts and what it gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// `s`: str or unicode (default-encoded), no NUL: a C string.
    S,
    /// `s#`: str, unicode, or a read buffer: pointer and length.
    SHash,
    /// `s*`: str, unicode, or any buffer: a `Py_buffer`.
    SStar,
    /// `z`: as `s`, or None.
    Z,
    /// `z#`: as `s#`, or None.
    ZHash,
    /// `z*`: as `s*`, or None.
    ZStar,
    /// `t#`: a read-only character buffer.
    THash,
    /// `w#`: a read-write buffer.
    WHash,
    /// `w*`: a read-write buffer, as a `Py_buffer`.
    WStar,
    /// `c`: a str of length 1.
    C,
    /// `b`: 0..=255, range-checked.
    LowerB,
    /// `B`: an unsigned char, masked.
    UpperB,
    /// `h`: a short, range-checked.
    LowerH,
    /// `H`: an unsigned short, masked.
    UpperH,
    /// `i`: an int, range-checked.
    LowerI,
    /// `I`: an unsigned int, masked.
    UpperI,
    /// `l`: a long.
    LowerL,
    /// `k`: an unsigned long, masked; int or long only.
    LowerK,
    /// `L`: a long long.
    UpperL,
    /// `K`: an unsigned long long, masked; int or long only.
    UpperK,
    /// `n`: a Py_ssize_t.
    N,
    /// `f`: a float.
    F,
    /// `d`: a double.
    D,
    /// `O`: any object.
    O,
    /// `O!`: an instance of the `n`th type given (counting `O!` units).
    OType(u8),
    /// `O&`: any object, which a [`Converter`](super::Converter) turns
    /// into its Rust value (C's converter function).
    OConvert,
    /// `S`: a str (or subclass).
    UpperS,
    /// `U`: a unicode (or subclass).
    UpperU,
    /// `y` (Python 3): bytes, no NUL: a C string.
    Y,
    /// `y#` (Python 3): a read-only bytes-like object: pointer and length.
    YHash,
    /// `y*` (Python 3): any bytes-like object: a `Py_buffer`.
    YStar,
}

/// Each unit's text, its bit in a [`FromArg`](super::FromArg)'s set of
/// units, and the compile-time messages that name it (a const panic takes
/// one `&str`, so each is a literal).
macro_rules! units {
    ($($unit:pat => $text:literal, $bit:literal;)*) => {
        impl Unit {
            /// The unit as written in a format.
            pub const fn text(self) -> &'static str {
                match self {
                    $($unit => $text,)*
                }
            }

            /// The unit's bit in a set of units (`O!` units share one).
            pub const fn bit(self) -> u32 {
                match self {
                    $($unit => 1 << $bit,)*
                }
            }

            /// The message for a Rust type that does not take this unit.
            const fn wrong_type(self) -> &'static str {
                match self {
                    $($unit => concat!(
                        "legacy-buffer: format unit '", $text, "' cannot be converted into the \
                         Rust type at its position (see FromArg for the types each unit takes)"
                    ),)*
                }
            }

            /// The message for a unit after `|` whose Rust type is not an
            /// `Option`.
            const fn not_optional(self) -> &'static str {
                match self {
                    $($unit => concat!(
                        "legacy-buffer: format unit '", $text, "' follows '|' and may be \
                         missing: the Rust type at its position must be an Option"
                    ),)*
                }
            }
        }
    };
}

units! {
    Unit::S => "s", 0;
    Unit::SHash => "s#", 1;
    Unit::SStar => "s*", 2;
    Unit::Z => "z", 3;
    Unit::ZHash => "z#", 4;
    Unit::ZStar => "z*", 5;
    Unit::THash => "t#", 6;
    Unit::WHash => "w#", 7;
    Unit::WStar => "w*", 8;
    Unit::C => "c", 9;
    Unit::LowerB => "b", 10;
    Unit::UpperB => "B", 11;
    Unit::LowerH => "h", 12;
    Unit::UpperH => "H", 13;
    Unit::LowerI => "i", 14;
    Unit::UpperI => "I", 15;
    Unit::LowerL => "l", 16;
    Unit::LowerK => "k", 17;
    Unit::UpperL => "L", 18;
    Unit::UpperK => "K", 19;
    Unit::N => "n", 20;
    Unit::F => "f", 21;
    Unit::D => "d", 22;
    Unit::O => "O", 23;
    Unit::OType(_) => "O!", 24;
    Unit::UpperS => "S", 25;
    Unit::UpperU => "U", 26;
    Unit::Y => "y", 27;
    Unit::YHash => "y#", 28;
    Unit::YStar => "y*", 29;
    Unit::OConvert => "O&", 30;
}

impl Unit {
    /// For `z`, `z#` and `z*` (which give NULL for None), the unit that
    /// gives the same for everything else.
    pub const fn not_none(self) -> Option<Unit> {
        match self {
            Unit::Z => Some(Unit::S),
            Unit::ZHash => Some(Unit::SHash),
            Unit::ZStar => Some(Unit::SStar),
            _ => None,
        }
    }

    /// The units whose value is a given argument itself.
    pub const OBJECTS: u32 =
        Unit::O.bit() | Unit::OType(0).bit() | Unit::UpperS.bit() | Unit::UpperU.bit();

    /// The `z` units an `Option` of a type taking `units` takes too (None
    /// as `None`, anything else as the matching `s` unit gives it).
    pub const fn or_none(units: u32) -> u32 {
        let mut more = 0;
        if units & Unit::S.bit() != 0 {
            more |= Unit::Z.bit();
        }
        if units & Unit::SHash.bit() != 0 {
            more |= Unit::ZHash.bit();
        }
        if units & Unit::SStar.bit() != 0 {
            more |= Unit::ZStar.bit();
        }
        more
    }
}

/// A format string, read: its units, how many are required, and where its
/// `:name` or `;message` starts.
#[derive(Clone, Copy)]
pub struct Format<'t> {
    /// The whole string, for messages.
    pub text: &'t str,
    units: [Unit; MAX_UNITS],
    count: usize,
    /// How many units are required: those before the `|`.
    required: usize,
    /// How many of the units are `O!`.
    types: usize,
    /// The first unit whose conversion may run code (an `__int__`, an
    /// exporter's procs), or `MAX_UNITS`: only a parse that converts it or
    /// a later one can leave an exception set.
    first_running: usize,
    /// Where what follows the units starts: empty, or a `:` or `;`.
    tail_at: usize,
}

/// Why a format string is not one this parser takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// A character that starts no unit this parser has.
    Unsupported(u8),
    /// `O?` (Python 2.7's getargs.c has it, undocumented, for a
    /// converter with a predicate).
    Converter,
    /// A second `|`.
    TwoBars,
    /// More than [`MAX_UNITS`] units.
    TooMany,
    /// A NUL byte, which a C format cannot hold.
    Nul,
    /// `t#` or `w#` on Python 3, whose getargs.c removed them.
    Python2Only,
    /// `y`, `y#` or `y*` on Python 2, whose getargs.c has no `y`.
    Python3Only,
}

/// The message for a character that starts no unit, naming it (each a
/// literal, for a const panic).
macro_rules! unsupported {
    ($byte:expr; $($c:literal)*) => {
        match $byte as char {
            $($c => concat!(
                "legacy-buffer: invalid format: '", $c, "' is not a supported unit"
            ),)*
            _ => "legacy-buffer: invalid format: a character that is not a supported unit \
                  (a control or non-ASCII character)",
        }
    };
}

impl FormatError {
    /// What is wrong, starting with `legacy-buffer: `: the message of the
    /// compile error, and of the run-time `SystemError`.
    pub const fn message(self) -> &'static str {
        match self {
            FormatError::Unsupported(byte) => unsupported!(byte;
                ' ' '!' '"' '#' '$' '%' '&' '\'' '(' ')' '*' '+' ',' '-' '.' '/'
                '0' '1' '2' '3' '4' '5' '6' '7' '8' '9' '<' '=' '>' '?' '@'
                'A' 'B' 'C' 'D' 'E' 'F' 'G' 'H' 'I' 'J' 'K' 'L' 'M' 'N' 'O' 'P' 'Q' 'R'
                'S' 'T' 'U' 'V' 'W' 'X' 'Y' 'Z' '[' '\\' ']' '^' '_' '`'
                'a' 'b' 'c' 'd' 'e' 'f' 'g' 'h' 'i' 'j' 'k' 'l' 'm' 'n' 'o' 'p' 'q' 'r'
                's' 't' 'u' 'v' 'w' 'x' 'y' 'z' '{' '}' '~'
            ),
            FormatError::Converter => {
                "legacy-buffer: invalid format: O? is not supported (parse with O&, and check \
                 in the Converter)"
            }
            FormatError::TwoBars => "legacy-buffer: invalid format: '|' appears twice",
            FormatError::TooMany => "legacy-buffer: invalid format: more than 16 units",
            FormatError::Nul => "legacy-buffer: invalid format: a NUL byte",
            FormatError::Python2Only => {
                "legacy-buffer: invalid format: 't#' and 'w#' are Python 2's units, which \
                 Python 3 removed (take 's*' or 'y*', and 'w*')"
            }
            FormatError::Python3Only => {
                "legacy-buffer: invalid format: 'y', 'y#' and 'y*' are Python 3's units (on \
                 Python 2, 's', 's#' and 's*' take its bytes, str)"
            }
        }
    }
}

impl<'t> Format<'t> {
    /// Read `text`. A format this parser does not take (a unit getargs.c
    /// does not have, or one this parser leaves out: `e`, `u`, `D`, `O?`,
    /// `(...)`) is a [`FormatError`].
    pub const fn read(text: &'t str) -> core::result::Result<Format<'t>, FormatError> {
        let bytes = text.as_bytes();
        let mut units = [Unit::O; MAX_UNITS];
        let (mut count, mut required, mut types) = (0, MAX_UNITS + 1, 0u8);
        let mut i = 0;
        while i < bytes.len() && bytes[i] != b':' && bytes[i] != b';' {
            let next = if i + 1 < bytes.len() { bytes[i + 1] } else { 0 };
            let (unit, width) = match (bytes[i], next) {
                (b'|', _) if required > MAX_UNITS => {
                    required = count;
                    i += 1;
                    continue;
                }
                (b's', b'#') => (Unit::SHash, 2),
                (b's', b'*') => (Unit::SStar, 2),
                (b's', _) => (Unit::S, 1),
                (b'z', b'#') => (Unit::ZHash, 2),
                (b'z', b'*') => (Unit::ZStar, 2),
                (b'z', _) => (Unit::Z, 1),
                (b't' | b'w', b'#') if ffi::PY3 => return Err(FormatError::Python2Only),
                (b't', b'#') => (Unit::THash, 2),
                (b'w', b'#') => (Unit::WHash, 2),
                (b'y', _) if !ffi::PY3 => return Err(FormatError::Python3Only),
                (b'y', b'#') => (Unit::YHash, 2),
                (b'y', b'*') => (Unit::YStar, 2),
                (b'y', _) => (Unit::Y, 1),
                (b'w', b'*') => (Unit::WStar, 2),
                (b'c', _) => (Unit::C, 1),
                (b'b', _) => (Unit::LowerB, 1),
                (b'B', _) => (Unit::UpperB, 1),
                (b'h', _) => (Unit::LowerH, 1),
                (b'H', _) => (Unit::UpperH, 1),
                (b'i', _) => (Unit::LowerI, 1),
                (b'I', _) => (Unit::UpperI, 1),
                (b'l', _) => (Unit::LowerL, 1),
                (b'k', _) => (Unit::LowerK, 1),
                (b'L', _) => (Unit::UpperL, 1),
                (b'K', _) => (Unit::UpperK, 1),
                (b'n', _) => (Unit::N, 1),
                (b'f', _) => (Unit::F, 1),
                (b'd', _) => (Unit::D, 1),
                (b'O', b'!') => {
                    types += 1;
                    // At most MAX_UNITS (16): fits.
                    (Unit::OType(types - 1), 2)
                }
                (b'O', b'&') => (Unit::OConvert, 2),
                (b'O', b'?') => return Err(FormatError::Converter),
                (b'O', _) => (Unit::O, 1),
                (b'S', _) => (Unit::UpperS, 1),
                (b'U', _) => (Unit::UpperU, 1),
                (b'|', _) => return Err(FormatError::TwoBars),
                (0, _) => return Err(FormatError::Nul),
                (other, _) => return Err(FormatError::Unsupported(other)),
            };
            if count == MAX_UNITS {
                return Err(FormatError::TooMany);
            }
            units[count] = unit;
            count += 1;
            i += width;
        }
        let tail_at = i;
        while i < bytes.len() {
            if bytes[i] == 0 {
                return Err(FormatError::Nul);
            }
            i += 1;
        }
        let mut first_running = 0;
        while first_running < count && units[first_running].bit() & Unit::OBJECTS != 0 {
            first_running += 1;
        }
        if first_running == count {
            first_running = MAX_UNITS;
        }
        Ok(Format {
            text,
            units,
            count,
            required: if required > MAX_UNITS {
                count
            } else {
                required
            },
            types: types as usize,
            first_running,
            tail_at,
        })
    }

    /// Read `text` at run time: a format that does not read is a
    /// programming error, `SystemError`.
    pub fn read_at_run_time(text: &'t str) -> Result<Format<'t>> {
        Format::read(text).map_err(|e| bad(text, e.message()))
    }

    /// Whether converting the units of `given` arguments may run code (see
    /// the field); with keywords, any unit may be given.
    #[inline]
    pub fn runs_code(&self, given: usize) -> bool {
        given > self.first_running
    }

    /// The units, in order.
    #[inline]
    pub fn units(&self) -> &[Unit] {
        self.units.split_at(self.count).0
    }

    /// Unit `i` (of at most [`MAX_UNITS`]).
    #[inline(always)]
    pub fn unit(&self, i: usize) -> Unit {
        self.units[i]
    }

    /// How many units are required: those before the `|`.
    #[inline]
    pub fn required(&self) -> usize {
        self.required
    }

    /// How many `O!` units there are.
    #[inline]
    pub fn type_count(&self) -> usize {
        self.types
    }

    /// What follows the units: empty, or starting with `:` or `;`.
    fn tail(&self) -> &'t str {
        &self.text[self.tail_at..]
    }

    /// `PyArg_ParseTuple`'s function name and message: the text after the
    /// `:` or `;` that ends the units, to the end of the format.
    pub fn tuple_suffix(&self) -> (Option<&'t str>, Option<&'t str>) {
        let tail = self.tail();
        match tail.as_bytes().first() {
            Some(b':') => (Some(&tail[1..]), None),
            Some(b';') => (None, Some(&tail[1..])),
            _ => (None, None),
        }
    }

    /// `PyArg_ParseTupleAndKeywords`' function name and message, found as
    /// it finds them: the name after the first `:` anywhere (a `;message`
    /// may hold one), the message after the first `;` only if there is no
    /// `:`.
    pub fn keywords_suffix(&self) -> (Option<&'t str>, Option<&'t str>) {
        let tail = self.tail();
        match tail.find(':') {
            Some(at) => (Some(&tail[at + 1..]), None),
            None => (None, tail.strip_prefix(';')),
        }
    }
}

/// A format string known when the program compiles, as the type of the
/// zero-sized value [`py_format!`](crate::py_format) makes: [`Args::parse`]
/// and [`Args::parser`] read it, and check it against the Rust types they
/// give, while the program compiles.
///
/// [`Args::parse`]: crate::extension::Args::parse
/// [`Args::parser`]: crate::extension::Args::parser
pub trait FormatText {
    /// The format string, as `PyArg_ParseTuple` takes it.
    const TEXT: &'static str;
}

/// The format of `F`, read while the program compiles: an invalid format is
/// a compile error (where the format is used), naming what is wrong.
pub struct Compiled<F>(PhantomData<F>);

impl<F: FormatText> Compiled<F> {
    /// `F::TEXT`, read.
    pub const FORMAT: &'static Format<'static> = &match Format::read(F::TEXT) {
        Ok(format) => format,
        Err(e) => panic!("{}", e.message()),
    };
}

/// What one Rust destination takes, for checking it against its unit.
#[derive(Clone, Copy)]
pub struct Destination {
    /// The units it takes ([`Unit::bit`]s).
    pub units: u32,
    /// Whether it may be missing (an `Option`).
    pub optional: bool,
    /// Its type's name, for the run-time messages.
    pub name: fn() -> &'static str,
}

/// Why the types of a tuple do not fit a format's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// More units than types.
    TooFewTypes,
    /// More types than units.
    TooManyTypes,
    /// The type at this index does not take its unit.
    WrongType(usize),
    /// The unit at this index follows `|`, and its type is not an `Option`.
    NotOptional(usize),
}

/// The types of a tuple against the units: as many, each taking its unit,
/// an `Option` wherever the unit may be missing.
pub const fn check(
    format: &Format<'_>,
    destinations: &[Destination],
) -> core::result::Result<(), Mismatch> {
    if format.count > destinations.len() {
        return Err(Mismatch::TooFewTypes);
    }
    if format.count < destinations.len() {
        return Err(Mismatch::TooManyTypes);
    }
    let mut i = 0;
    while i < format.count {
        if destinations[i].units & format.units[i].bit() == 0 {
            return Err(Mismatch::WrongType(i));
        }
        if i >= format.required && !destinations[i].optional {
            return Err(Mismatch::NotOptional(i));
        }
        i += 1;
    }
    Ok(())
}

impl Mismatch {
    /// The compile error's message, naming the unit.
    pub const fn message(self, format: &Format<'_>) -> &'static str {
        match self {
            Mismatch::TooFewTypes => {
                "legacy-buffer: the format has more units than the Rust tuple has types (one \
                 type per unit)"
            }
            Mismatch::TooManyTypes => {
                "legacy-buffer: the Rust tuple has more types than the format has units (one \
                 type per unit)"
            }
            Mismatch::WrongType(i) => format.units[i].wrong_type(),
            Mismatch::NotOptional(i) => format.units[i].not_optional(),
        }
    }

    /// The run-time `SystemError`, naming the unit, the argument and the
    /// type.
    #[cold]
    pub fn error(self, format: &Format<'_>, destinations: &[Destination]) -> Error {
        let what = match self {
            Mismatch::TooFewTypes | Mismatch::TooManyTypes => format!(
                "{} units, parsed into a tuple of {}",
                format.count,
                destinations.len()
            ),
            Mismatch::WrongType(i) => format!(
                "unit '{}' (argument {}) cannot be converted into {}",
                format.units[i].text(),
                i + 1,
                (destinations[i].name)()
            ),
            Mismatch::NotOptional(i) => format!(
                "unit '{}' (argument {}) follows '|' and may be missing: its type must be an \
                 Option, not {}",
                format.units[i].text(),
                i + 1,
                (destinations[i].name)()
            ),
        };
        bad(format.text, &what)
    }
}

/// The compile-time check: `destinations` fit `format`, or the build
/// fails with the mismatch's message.
pub const fn check_or_panic(format: &Format<'_>, destinations: &[Destination]) {
    if let Err(mismatch) = check(format, destinations) {
        panic!("{}", mismatch.message(format));
    }
}

#[cold]
fn bad(format: &str, what: &str) -> Error {
    let what = what.strip_prefix("legacy-buffer: ").unwrap_or(what);
    let what = what.strip_prefix("invalid format: ").unwrap_or(what);
    Error::new(
        ExceptionType::SystemError,
        format!("PyArg_ParseTuple format {format:?}: {what}"),
    )
}
