//! The static half of the soundness model: each file in tests/ui must fail
//! to compile, with the error recorded next to it.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
