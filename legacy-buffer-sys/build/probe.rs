//! What the found headers say about themselves, read through the C
//! preprocessor (`build/expando.c`).

use crate::compiler;
use crate::find::Python;
use crate::Failure;

/// The configuration of the headers, as the preprocessor sees it.
pub struct Headers {
    pub major: u32,
    pub minor: u32,
    pub micro: u32,
    pub release_level: u32,
    pub release_serial: u32,
    pub sizeof_size_t: u32,
    pub unicode_size: u32,
    pub py_debug: bool,
    pub trace_refs: bool,
    pub ref_debug: bool,
    /// `PYPY_VERSION`, when the headers are PyPy's (cpyext) rather than
    /// CPython's.
    pub pypy: Option<String>,
    /// `Py_GIL_DISABLED`: a free-threaded build (3.13t), which the build
    /// refuses.
    pub gil_disabled: bool,
}

impl Headers {
    /// `(major, minor, micro)`.
    pub fn version(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.micro)
    }

    /// `PY_VERSION_HEX` as the headers compute it.
    pub fn version_hex(&self) -> u32 {
        (self.major << 24)
            | (self.minor << 16)
            | (self.micro << 8)
            | (self.release_level << 4)
            | self.release_serial
    }

    /// The configuration docs.rs documents, where there are no headers:
    /// that of the build the committed bindings come from, CPython 2.7.18's
    /// release build for x86_64 as Debian 11 packages it.
    pub fn documented() -> Headers {
        Headers {
            major: 2,
            minor: 7,
            micro: 18,
            release_level: 0xf,
            release_serial: 0,
            sizeof_size_t: 8,
            unicode_size: 4,
            py_debug: false,
            trace_refs: false,
            ref_debug: false,
            pypy: None,
            gil_disabled: false,
        }
    }

    /// The preprocessor definitions C compiled against these headers needs,
    /// as `python2.7-config --cflags` gives them: `NDEBUG` for a release
    /// build (the headers' macros assert nothing, as in the interpreter's own
    /// C), none for a debug build (`pyconfig.h` defines `Py_DEBUG` itself).
    pub fn defines(&self) -> Vec<&'static str> {
        if self.py_debug {
            Vec::new()
        } else {
            vec!["NDEBUG"]
        }
    }
}

fn parse_int(token: &str) -> Option<u32> {
    let token = token.trim_end_matches(['u', 'U', 'l', 'L']);
    match token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
    {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => token.parse().ok(),
    }
}

pub fn probe(python: &Python, expando: &std::path::Path) -> Result<Headers, Failure> {
    let mut build = cc::Build::new();
    build.file(expando).cargo_metadata(false);
    for dir in &python.include_dirs {
        build.include(dir);
    }
    let messages = compiler::capture(&mut build);
    let out = build.try_expand().map_err(|e| {
        Failure::new(
            "the C preprocessor could not read Python.h",
            format!(
                "Python 2.7 was found through {} with include directories {:?}, but \
                 preprocessing Python.h failed:\n{}{e}\n\
                 Fix the include path, or install the development headers:\n{}",
                python.source,
                python.include_dirs,
                messages.text(),
                crate::INSTALL
            ),
        )
    })?;
    let text = String::from_utf8_lossy(&out);
    let mut version = None;
    let mut sizeof_size_t = None;
    let mut unicode_size = None;
    let (mut py_debug, mut trace_refs, mut ref_debug) = (false, false, false);
    let mut gil_disabled = false;
    let mut pypy = None;
    // Macros from system headers may expand onto the next line behind a line
    // marker, so read the output as one stream of tokens.
    let tokens: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let numbers = |n: usize| -> Option<Vec<u32>> {
            let values: Option<Vec<u32>> = tokens
                .get(i + 1..i + 1 + n)?
                .iter()
                .map(|t| parse_int(t))
                .collect();
            values
        };
        match *token {
            "LBSYS_VERSION" => version = numbers(5),
            "LBSYS_SIZEOF_SIZE_T" => sizeof_size_t = numbers(1).map(|v| v[0]),
            "LBSYS_UNICODE_SIZE" => unicode_size = numbers(1).map(|v| v[0]),
            "LBSYS_PY_DEBUG" => py_debug = true,
            "LBSYS_PY_TRACE_REFS" => trace_refs = true,
            "LBSYS_PY_REF_DEBUG" => ref_debug = true,
            "LBSYS_GIL_DISABLED" => gil_disabled = true,
            "LBSYS_PYPY" => {
                let v = tokens.get(i + 1).copied().unwrap_or("");
                pypy = Some(v.trim_matches('"').to_string());
            }
            _ => {}
        }
    }
    let unreadable = |what: &str| {
        Failure::new(
            "could not read the Python headers' configuration",
            format!(
                "{what} was not found in the preprocessed Python.h from {:?} ({}).",
                python.include_dirs, python.source
            ),
        )
    };
    let v = version.ok_or_else(|| unreadable("the version (PY_MAJOR_VERSION ...)"))?;
    Ok(Headers {
        major: v[0],
        minor: v[1],
        micro: v[2],
        release_level: v[3],
        release_serial: v[4],
        sizeof_size_t: sizeof_size_t.ok_or_else(|| unreadable("SIZEOF_SIZE_T"))?,
        unicode_size: unicode_size.ok_or_else(|| unreadable("Py_UNICODE_SIZE"))?,
        py_debug,
        trace_refs,
        ref_debug,
        pypy,
        gil_disabled,
    })
}
