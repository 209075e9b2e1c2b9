//! Fuzz target: a logout token, validated against the fixed key set at a
//! fixed time. The property is `fuzzing::validate_token` (crates/core/tests/fuzzing/mod.rs).
#![no_main]

#[path = "../../crates/core/tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::validate_token(data));
