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

/// A format string, read.
#[derive(Clone, Copy)]
pub struct Format<'f> {
    /// The whole string, for messages.
    pub text: &'f str,
    units: [Unit; MAX_UNITS],
    count: usize,
    /// How many units are required: those before the `|`.
    pub required: usize,
    /// How many of the units are `O!`.
    types: usize,
    /// Whether converting some unit may run code (an `__int__`, an
    /// exporter's procs): only then can a parse leave an exception set.
    runs_code: bool,
    /// Where what follows the units starts: empty, or a `:` or `;`.
    tail_at: usize,
}

impl<'f> Format<'f> {
    /// Read `text`. A format this crate does not take (a unit getargs.c
    /// does not have, or one this parser leaves out: `e`, `u`, `D`, `O&`,
    /// `(...)`) is a programming error: `SystemError`.
    pub fn read(text: &'f str) -> Result<Format<'f>> {
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
        let runs_code = units[..count]
            .iter()
            .any(|u| !matches!(u, Unit::O | Unit::OType(_) | Unit::UpperS | Unit::UpperU));
        Ok(Format {
            text,
            units,
            count,
            required: required.unwrap_or(count),
            types: usize::from(types),
            runs_code,
            tail_at: i,
        })
    }

    /// Whether converting some unit may run code; see the field.
    #[inline]
    pub fn runs_code(&self) -> bool {
        self.runs_code
    }

    /// `text` read, and checked by `check` (a destination tuple's), through
    /// a cache of the formats read before, by call site: a port parses the
    /// same format at the same place on every call, and reading and
    /// checking it costs more than `PyArg_ParseTuple` itself. An entry is
    /// used only for the same call site, text (address, length and bytes)
    /// and `check`.
    #[inline]
    pub fn cached(
        py: crate::gil::Python<'_>,
        site: &'static std::panic::Location<'static>,
        text: &'f str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Result<Format<'f>> {
        if let Some(format) = cache::get(py, site, text, check) {
            return Ok(format);
        }
        Format::read_and_remember(py, site, text, check)
    }

    #[cold]
    #[inline(never)]
    fn read_and_remember(
        py: crate::gil::Python<'_>,
        site: &'static std::panic::Location<'static>,
        text: &'f str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Result<Format<'f>> {
        let format = Format::read(text)?;
        check(&format)?;
        cache::put(py, site, &format, check);
        Ok(format)
    }

    /// The units, in order.
    #[inline]
    pub fn units(&self) -> &[Unit] {
        &self.units[..self.count]
    }

    /// How many `O!` units there are.
    #[inline]
    pub fn type_count(&self) -> usize {
        self.types
    }

    /// What follows the units: empty, or starting with `:` or `;`.
    fn tail(&self) -> &'f str {
        &self.text[self.tail_at..]
    }

    /// `PyArg_ParseTuple`'s function name and message: the text after the
    /// `:` or `;` that ends the units, to the end of the format.
    pub fn tuple_suffix(&self) -> (Option<&'f str>, Option<&'f str>) {
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
    pub fn keywords_suffix(&self) -> (Option<&'f str>, Option<&'f str>) {
        let tail = self.tail();
        match tail.find(':') {
            Some(at) => (Some(&tail[at + 1..]), None),
            None => (None, tail.strip_prefix(';')),
        }
    }
}

/// The formats read so far, by call site. Only the thread holding the GIL
/// reads or writes it (every parse has a `Python` token), which orders the
/// accesses; entries are copied in and out, so no borrow of it lasts while
/// a conversion runs Python code (which may parse too).
mod cache {
    use super::{Format, Unit, MAX_UNITS};
    use crate::error::Result;
    use crate::gil::Python;
    use std::cell::UnsafeCell;
    use std::panic::Location;

    /// Formats longer than this are read every time.
    const MAX_TEXT: usize = 32;
    const SLOTS: usize = 64;

    #[derive(Clone, Copy)]
    struct Entry {
        /// The call site, as an address.
        site: usize,
        /// The destination tuple's check, as an address.
        check: usize,
        /// The text's address, length and bytes.
        text_at: usize,
        len: usize,
        text: [u8; MAX_TEXT],
        units: [Unit; MAX_UNITS],
        count: usize,
        required: usize,
        types: usize,
        runs_code: bool,
        tail_at: usize,
    }

    struct Cache(UnsafeCell<[Option<Entry>; SLOTS]>);

    // SAFETY: only touched with the GIL held (a `Python` token is taken by
    // both functions below), so never by two threads at once; the GIL's
    // hand-over orders one holder's accesses before the next's.
    unsafe impl Sync for Cache {}

    static CACHE: Cache = Cache(UnsafeCell::new([None; SLOTS]));

    fn slot(site: &Location<'static>) -> usize {
        // Locations are static data, 24 bytes apart or more.
        (site as *const Location<'static> as usize >> 3) % SLOTS
    }

    #[inline]
    pub(super) fn get<'f>(
        _py: Python<'_>,
        site: &'static Location<'static>,
        text: &'f str,
        check: fn(&Format<'_>) -> Result<()>,
    ) -> Option<Format<'f>> {
        // SAFETY: GIL held (`_py`): no other access now; the reference
        // lives only in this function, which runs no Python code (nothing
        // can parse, so nothing writes the cache, while it lives).
        let entry = unsafe { &(*CACHE.0.get())[slot(site)] }.as_ref()?;
        let same = entry.site == site as *const Location<'static> as usize
            && entry.check == check as usize
            && entry.text_at == text.as_ptr() as usize
            && entry.len == text.len()
            // The same place with other text (built at run time) is
            // possible; comparing the bytes costs little for short formats.
            && entry.text[..entry.len] == *text.as_bytes();
        if !same {
            return None;
        }
        Some(Format {
            text,
            units: entry.units,
            count: entry.count,
            required: entry.required,
            types: entry.types,
            runs_code: entry.runs_code,
            tail_at: entry.tail_at,
        })
    }

    pub(super) fn put(
        _py: Python<'_>,
        site: &'static Location<'static>,
        format: &Format<'_>,
        check: fn(&Format<'_>) -> Result<()>,
    ) {
        let len = format.text.len();
        if len > MAX_TEXT {
            return;
        }
        let mut text = [0; MAX_TEXT];
        text[..len].copy_from_slice(format.text.as_bytes());
        let entry = Entry {
            site: site as *const Location<'static> as usize,
            check: check as usize,
            text_at: format.text.as_ptr() as usize,
            len,
            text,
            units: format.units,
            count: format.count,
            required: format.required,
            types: format.types,
            runs_code: format.runs_code,
            tail_at: format.tail_at,
        };
        // SAFETY: GIL held (`_py`): no other access now.
        unsafe { (*CACHE.0.get())[slot(site)] = Some(entry) };
    }
}

#[cold]
fn bad(format: &str, what: &str) -> Error {
    Error::new(
        ExceptionType::SystemError,
        format!("PyArg_ParseTuple format {format:?}: {what}"),
    )
}
