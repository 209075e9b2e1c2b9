//! Fuzz target: a JWKS document. The property is
//! `fuzzing::parse_jwks` (crates/core/tests/fuzzing/mod.rs).
#![no_main]

#[path = "../../crates/core/tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::parse_jwks(data));
