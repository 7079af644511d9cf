//! Cross-crate tests of legacy-buffer against the real CPython 2.7.
