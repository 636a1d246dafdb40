//! Compile-time tests of `#[endpoint]`: declarations that must compile (and behave), and mistakes
//! that must be reported with a helpful message. See tests/ui/README.md.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
