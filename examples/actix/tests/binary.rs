//! The binary as a newcomer runs it (the checks every example's binary
//! passes: `backchannel_logout_testkit::example_binary`). The HTTP
//! behaviour is in the workspace suite, `tests/`, which starts the same app
//! in process.

use backchannel_logout_testkit::example_binary::ExampleBinary;

const BINARY: ExampleBinary =
    ExampleBinary::new(env!("CARGO_BIN_EXE_example-actix"), "example-actix");

#[test]
fn bad_configuration_stops_with_one_line_and_status_2() {
    BINARY.bad_configuration_stops_with_one_line_and_status_2();
}

#[test]
fn demo_mode_prints_commands_that_work_with_curl() {
    BINARY.demo_mode_prints_commands_that_work_with_curl();
}

#[test]
fn unreachable_provider_keys_stop_the_program_with_status_2() {
    BINARY.unreachable_provider_keys_stop_the_program_with_status_2();
}
