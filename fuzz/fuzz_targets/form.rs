//! Fuzz target: a content type, a newline, a form body. The property is
//! `fuzzing::parse_form` (crates/core/tests/fuzzing/mod.rs).
#![no_main]

#[path = "../../crates/core/tests/fuzzing/mod.rs"]
mod fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::parse_form(data));
