//! The static half of the soundness model: each file in tests/ui must fail
//! to compile, with the error recorded next to it. The files in
//! tests/ui-pass compile: with one of those, trybuild builds every case
//! rather than only checking it, as the format checks of `py_format!` are
//! made when a parse is built (post-monomorphization).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui-pass/*.rs");
    cases.compile_fail("tests/ui/*.rs");
}
