//! The binary as a newcomer runs it: the checks every example's binary
//! passes (`backchannel_logout_testkit::example_binary`). The HTTP
//! behaviour is in the workspace suite, `tests/`, which starts the same app
//! in process.

backchannel_logout_testkit::example_binary_tests!("example-rocket");
