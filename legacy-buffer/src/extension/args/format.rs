//! Reading a `PyArg_ParseTuple` format string: its units, the `|` that
//! makes the rest optional, and the `:name` or `;message` after them.

use crate::error::{Error, ExceptionType, Result};

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
    /// `S`: a str (or subclass).
    UpperS,
    /// `U`: a unicode (or subclass).
    UpperU,
}

impl Unit {
    /// The unit as written in a format.
    pub fn text(self) -> &'static str {
        match self {
            Unit::S => "s",
            Unit::SHash => "s#",
            Unit::SStar => "s*",
            Unit::Z => "z",
            Unit::ZHash => "z#",
            Unit::ZStar => "z*",
            Unit::THash => "t#",
            Unit::WHash => "w#",
            Unit::WStar => "w*",
            Unit::C => "c",
            Unit::LowerB => "b",
            Unit::UpperB => "B",
            Unit::LowerH => "h",
            Unit::UpperH => "H",
            Unit::LowerI => "i",
            Unit::UpperI => "I",
            Unit::LowerL => "l",
            Unit::LowerK => "k",
            Unit::UpperL => "L",
            Unit::UpperK => "K",
            Unit::N => "n",
            Unit::F => "f",
            Unit::D => "d",
            Unit::O => "O",
            Unit::OType(_) => "O!",
            Unit::UpperS => "S",
            Unit::UpperU => "U",
        }
    }

    /// For `z`, `z#` and `z*` (which give NULL for None), the unit that
    /// gives the same for everything else.
    pub fn not_none(self) -> Option<Unit> {
        match self {
            Unit::Z => Some(Unit::S),
            Unit::ZHash => Some(Unit::SHash),
            Unit::ZStar => Some(Unit::SStar),
            _ => None,
        }
    }
}

/// A format string, read: its text and its [`Shape`].
#[derive(Clone, Copy)]
pub struct Format<'s> {
    /// The whole string, for messages.
    pub text: &'static str,
    shape: &'s Shape,
}

/// What a format string says, read once: its units, how many are required,
/// and where its `:name` or `;message` starts.
#[derive(Clone, Copy)]
pub struct Shape {
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

impl Shape {
    /// Read `text`. A format this crate does not take (a unit getargs.c
    /// does not have, or one this parser leaves out: `e`, `u`, `D`, `O&`,
    /// `(...)`) is a programming error: `SystemError`.
    pub fn read(text: &str) -> Result<Shape> {
        let bytes = text.as_bytes();
        let mut units = [Unit::O; MAX_UNITS];
        let (mut count, mut required, mut types) = (0, None, 0);
        let mut i = 0;
        while i < bytes.len() && bytes[i] != b':' && bytes[i] != b';' {
            let next = bytes.get(i + 1).copied();
            let (unit, width) = match (bytes[i], next) {
                (b'|', _) if required.is_none() => {
                    required = Some(count);
                    i += 1;
                    continue;
                }
                (b's', Some(b'#')) => (Unit::SHash, 2),
                (b's', Some(b'*')) => (Unit::SStar, 2),
                (b's', _) => (Unit::S, 1),
                (b'z', Some(b'#')) => (Unit::ZHash, 2),
                (b'z', Some(b'*')) => (Unit::ZStar, 2),
                (b'z', _) => (Unit::Z, 1),
                (b't', Some(b'#')) => (Unit::THash, 2),
                (b'w', Some(b'#')) => (Unit::WHash, 2),
                (b'w', Some(b'*')) => (Unit::WStar, 2),
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
                (b'O', Some(b'!')) => {
                    types += 1;
                    // At most MAX_UNITS (16): fits.
                    (Unit::OType(types - 1), 2)
                }
                (b'O', Some(b'&' | b'?')) => return Err(bad(text, "O& and O? are not supported")),
                (b'O', _) => (Unit::O, 1),
                (b'S', _) => (Unit::UpperS, 1),
                (b'U', _) => (Unit::UpperU, 1),
                (b'|', _) => return Err(bad(text, "'|' appears twice")),
                _ => {
                    let at = &text[i..];
                    let what = at.chars().next().unwrap_or(' ');
                    return Err(bad(text, &format!("{what:?} is not a supported unit")));
                }
            };
            if count == MAX_UNITS {
                return Err(bad(text, &format!("more than {MAX_UNITS} units")));
            }
            units[count] = unit;
            count += 1;
            i += width;
        }
        if text.contains('\0') {
            return Err(bad(text, "a NUL byte"));
        }
        let first_running = units[..count]
            .iter()
            .position(|u| !matches!(u, Unit::O | Unit::OType(_) | Unit::UpperS | Unit::UpperU))
            .unwrap_or(MAX_UNITS);
        Ok(Shape {
            units,
            count,
            required: required.unwrap_or(count),
            types: usize::from(types),
            first_running,
            tail_at: i,
        })
    }

    /// The shape of `text` checked by `check` (a destination tuple's), from
    /// the cache of the formats read before: a port parses the same format
    /// on every call, and reading and checking it costs more than
    /// `PyArg_ParseTuple` itself. `None` when it is not there yet.
    #[inline]
    pub fn cached(
        text: &'static str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Option<&'static Shape> {
        cache::get(text, check)
    }

    /// `text` read and checked by `check`, and remembered for
    /// [`Shape::cached`] if the cache has room.
    #[cold]
    #[inline(never)]
    pub fn read_and_remember(
        text: &'static str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Result<Shape> {
        let shape = Shape::read(text)?;
        check(&Format::new(text, &shape))?;
        cache::put(text, check, shape);
        Ok(shape)
    }
}

/// `Format::new(text, shape)` for a format found in the cache, or else read
/// (and checked by `check`) into the local `$read`.
macro_rules! format_of {
    ($text:expr, $check:expr, $read:ident) => {{
        let text: &'static str = $text;
        match $crate::extension::args::format::Shape::cached(text, $check) {
            Some(shape) => $crate::extension::args::format::Format::new(text, shape),
            None => {
                $read = $crate::extension::args::format::Shape::read_and_remember(text, $check)?;
                $crate::extension::args::format::Format::new(text, &$read)
            }
        }
    }};
}
pub(super) use format_of;

impl<'s> Format<'s> {
    /// `text`, read as `shape`.
    #[inline]
    pub fn new(text: &'static str, shape: &'s Shape) -> Format<'s> {
        Format { text, shape }
    }

    /// Whether converting the units of `given` arguments may run code (see
    /// the field); with keywords, any unit may be given.
    #[inline]
    pub fn runs_code(&self, given: usize) -> bool {
        given > self.shape.first_running
    }

    /// The units, in order.
    #[inline]
    pub fn units(&self) -> &'s [Unit] {
        &self.shape.units[..self.shape.count]
    }

    /// Unit `i` (of at most [`MAX_UNITS`]).
    #[inline(always)]
    pub fn unit(&self, i: usize) -> Unit {
        self.shape.units[i]
    }

    /// How many units are required: those before the `|`.
    #[inline]
    pub fn required(&self) -> usize {
        self.shape.required
    }

    /// How many `O!` units there are.
    #[inline]
    pub fn type_count(&self) -> usize {
        self.shape.types
    }

    /// What follows the units: empty, or starting with `:` or `;`.
    fn tail(&self) -> &'static str {
        &self.text[self.shape.tail_at..]
    }

    /// `PyArg_ParseTuple`'s function name and message: the text after the
    /// `:` or `;` that ends the units, to the end of the format.
    pub fn tuple_suffix(&self) -> (Option<&'static str>, Option<&'static str>) {
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
    pub fn keywords_suffix(&self) -> (Option<&'static str>, Option<&'static str>) {
        let tail = self.tail();
        match tail.find(':') {
            Some(at) => (Some(&tail[at + 1..]), None),
            None => (None, tail.strip_prefix(';')),
        }
    }
}

/// The shapes of the formats read so far, by text and destination check.
///
/// A format is a `&'static str`: the same address and length are the same
/// bytes for the rest of the program (static memory, or leaked, which is
/// never freed or written again), so they identify it without comparing
/// its bytes. Each slot is filled once and never changed (`OnceLock`), so
/// the `&'static Shape` handed out stays valid and the same while a
/// conversion runs Python code that parses too, on any thread; a format
/// that finds no free slot is read on every call instead.
mod cache {
    use super::{Format, Shape};
    use crate::error::Result;
    use std::sync::OnceLock;

    const SLOTS: usize = 256;
    /// Slots looked at from the one a format hashes to.
    const PROBES: usize = 4;

    struct Entry {
        /// The text's address and length.
        text_at: usize,
        len: usize,
        /// The destination tuple's check, as an address.
        check: usize,
        shape: Shape,
    }

    impl Entry {
        #[inline]
        fn is(&self, text: &'static str, check: fn(&Format<'_>) -> Result<()>) -> bool {
            self.text_at == text.as_ptr() as usize
                && self.len == text.len()
                && self.check == check as usize
        }
    }

    // A `const` item, so that the array can repeat it (no `Copy` needed).
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: OnceLock<Entry> = OnceLock::new();
    static CACHE: [OnceLock<Entry>; SLOTS] = [EMPTY; SLOTS];

    #[inline]
    fn first_slot(text: &'static str) -> usize {
        // Literals are bytes apart: mix in the higher bits too.
        let at = text.as_ptr() as usize;
        (at ^ (at >> 8)) % SLOTS
    }

    #[inline]
    pub(super) fn get(
        text: &'static str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Option<&'static Shape> {
        let first = first_slot(text);
        for probe in 0..PROBES {
            let entry = CACHE[(first + probe) % SLOTS].get()?;
            if entry.is(text, check) {
                return Some(&entry.shape);
            }
        }
        None
    }

    pub(super) fn put(text: &'static str, check: fn(&Format<'_>) -> Result<()>, shape: Shape) {
        let first = first_slot(text);
        for probe in 0..PROBES {
            let slot = &CACHE[(first + probe) % SLOTS];
            let entry = slot.get_or_init(|| Entry {
                text_at: text.as_ptr() as usize,
                len: text.len(),
                check: check as usize,
                shape,
            });
            if entry.is(text, check) {
                return;
            }
        }
    }
}

#[cold]
fn bad(format: &str, what: &str) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!("PyArg_ParseTuple format {format:?}: {what}"),
    )
}
