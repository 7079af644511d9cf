//! bitarray 1.2.2's C extension modules (`bitarray._bitarray` and
//! `bitarray._util`) ported to safe Rust. [`core`] holds what the C computes
//! on bits, over byte slices the caller owns, bit for bit as the C leaves the
//! bytes (pad bits included); the Python glue stands on it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod core;
