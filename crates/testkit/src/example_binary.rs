//! The example relying parties' binaries as a newcomer runs them: the
//! checks every `examples/FRAMEWORK/tests/binary.rs` makes of its own
//! binary (the HTTP behaviour is in the workspace suite, `tests/`, which
//! starts the same apps in process).
//!
//! An example's `tests/binary.rs` is one line, naming its package (whose
//! binary Cargo builds for the example's integration tests):
//!
//! ```ignore
//! backchannel_logout_testkit::example_binary_tests!("example-axum");
//! ```

// A test helper: a failed check fails the test, with what was seen.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// An example's binary: its path (`env!("CARGO_BIN_EXE_example-FRAMEWORK")`)
/// and the name it prefixes its error lines with.
#[derive(Debug, Clone, Copy)]
pub struct ExampleBinary {
    path: &'static str,
    name: &'static str,
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ExampleBinary {
    /// The binary at `path`, whose messages start with `name: `.
    #[must_use]
    pub const fn new(path: &'static str, name: &'static str) -> Self {
        ExampleBinary { path, name }
    }

    /// The command, without any `BCL_` variable or `RUST_LOG` of the
    /// environment the tests run in.
    fn clean_command(&self) -> Command {
        let mut command = Command::new(self.path);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("BCL_") {
                command.env_remove(name);
            }
        }
        command.env_remove("RUST_LOG");
        command
    }

    /// A bad variable stops the program with one line on standard error,
    /// `NAME: BCL_X: ...`, nothing on standard output and exit status 2.
    ///
    /// # Panics
    ///
    /// When it does not.
    pub fn bad_configuration_stops_with_one_line_and_status_2(&self) {
        let cases = [
            (vec![("BCL_ISSUER", "https://op.example")], "BCL_CLIENT_ID"),
            (vec![("BCL_ALGS", "RS256,nope")], "BCL_ALGS"),
            (vec![("BCL_LISTEN", "localhost")], "BCL_LISTEN"),
            (
                vec![
                    ("BCL_ISSUER", "https://op.example"),
                    ("BCL_CLIENT_ID", "c"),
                    ("BCL_JWKS_FILE", "/nonexistent/jwks.json"),
                ],
                "BCL_JWKS_FILE",
            ),
        ];
        for (vars, variable) in cases {
            let output = self.clean_command().envs(vars).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(
                stderr.starts_with(&format!("{}: {variable}: ", self.name)),
                "{stderr}"
            );
            assert!(output.stdout.is_empty());
        }
    }

    /// With no configuration the binary starts in demo mode and prints four
    /// `curl` commands; run with curl (when installed), they show the demo
    /// session live, the logout 200, the replay 400 and the session
    /// anonymous.
    ///
    /// # Panics
    ///
    /// When it does not.
    pub fn demo_mode_prints_commands_that_work_with_curl(&self) {
        let started = Instant::now();
        let mut child = self
            .clean_command()
            .env("BCL_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let _running = Running(child);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
            let last = line.starts_with("More sessions:");
            banner.push(line);
            if last {
                break;
            }
        }
        assert!(
            banner
                .last()
                .is_some_and(|l| l.starts_with("More sessions:")),
            "{banner:#?}"
        );
        eprintln!("started in {:?}", started.elapsed());
        let commands: Vec<&String> = banner.iter().filter(|l| l.starts_with("curl ")).collect();
        assert_eq!(commands.len(), 4, "{banner:#?}");

        if Command::new("curl").arg("--version").output().is_err() {
            eprintln!("curl is not installed: the commands were not run");
            return;
        }
        let run = |command: &str| {
            let output = Command::new("sh")
                .args(["-c", &format!("{command} -s")])
                .output()
                .unwrap();
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        let answers: Vec<String> = commands.iter().map(|c| run(c)).collect();
        assert!(answers[0].starts_with("HTTP/1.1 200"), "{}", answers[0]);
        assert!(
            answers[0].contains(r#""authenticated":true"#),
            "{}",
            answers[0]
        );
        assert!(answers[1].starts_with("HTTP/1.1 200"), "{}", answers[1]);
        assert!(answers[2].starts_with("HTTP/1.1 400"), "{}", answers[2]);
        assert!(answers[2].contains("replayed_token"), "{}", answers[2]);
        assert!(answers[3].starts_with("HTTP/1.1 200"), "{}", answers[3]);
        assert!(
            answers[3].contains(r#""authenticated":false"#),
            "{}",
            answers[3]
        );
    }

    /// The provider's key set unreachable at start stops the program with
    /// exit status 2, its last line naming `BCL_JWKS_URI`.
    ///
    /// # Panics
    ///
    /// When it does not.
    pub fn unreachable_provider_keys_stop_the_program_with_status_2(&self) {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}/jwks", closed.local_addr().unwrap());
        drop(closed);
        let output = self
            .clean_command()
            .envs([
                ("BCL_ISSUER", "https://op.example"),
                ("BCL_CLIENT_ID", "c"),
                ("BCL_JWKS_URI", uri.as_str()),
                ("BCL_LISTEN", "127.0.0.1:0"),
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("{}: BCL_JWKS_URI: ", self.name)),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

/// The tests of [`ExampleBinary`] for one example, in its package's
/// `tests/binary.rs`: `example_binary_tests!("example-axum");` (the package
/// name, which is also its binary's).
#[macro_export]
macro_rules! example_binary_tests {
    ($package:literal) => {
        const BINARY: $crate::example_binary::ExampleBinary =
            $crate::example_binary::ExampleBinary::new(
                env!(concat!("CARGO_BIN_EXE_", $package)),
                $package,
            );

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
    };
}
