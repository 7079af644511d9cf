//! Cross-crate tests of legacy-buffer against the real CPython 2.7: see
//! `tests/` for the suites. The workspace README's examples are compiled and
//! run here as doctests, so the README cannot drift from the API.
#![doc = include_str!("../../README.md")]

pub mod bitarray;
pub mod cargo;
pub mod modules;
pub mod oracle;
pub mod ports;
