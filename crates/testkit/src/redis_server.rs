//! A throwaway `redis-server` for tests and benchmarks: started as a child
//! process on a free loopback port with its own data directory, stopped by
//! its PID when dropped.
//!
//! The one place the Redis store's tests, the cross-crate tests and the
//! benchmarks start a server. Without the `redis-server` binary the
//! constructor panics with how to install it: a Redis test must fail, never
//! pass silently, on a machine without Redis.
//!
//! ```no_run
//! // no_run: needs the `redis-server` binary (scripts/install-redis.sh).
//! use backchannel_logout_testkit::redis_server::{Durability, RedisServer};
//!
//! let mut server = RedisServer::start(Durability::AppendOnly);
//! let url = server.url(); // redis://127.0.0.1:PORT/
//! server.stop(); // as if it crashed
//! server.restart(); // same port, same data directory: nothing is lost
//! # let _ = url;
//! ```

// A test helper: a server that cannot start fails the test, with its reason.
#![allow(clippy::panic)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the server keeps across a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Nothing: no snapshot, no append-only file (`--save ''`,
    /// `--appendonly no`). For tests that never restart the server.
    Ephemeral,
    /// Every write in the append-only file and flushed before the reply
    /// (`--appendonly yes --appendfsync always`): a restart, even after
    /// `SIGKILL`, keeps every acknowledged write. For tests that kill the
    /// server and count on nothing being lost.
    AppendOnly,
    /// The append-only file with Redis's default flushing
    /// (`--appendonly yes --appendfsync everysec`), as the Redis store's
    /// documentation asks of production servers. For benchmarks: a server
    /// killed while a slow disk holds back the once-a-second flush may lose
    /// the last writes, so tests that kill the server use
    /// [`AppendOnly`](Self::AppendOnly).
    AppendOnlyEverySec,
}

/// A running `redis-server` child process. Dropping it kills the process
/// (by its PID) and removes its data directory.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    durability: Durability,
}

/// The message when the binary is missing.
const INSTALL_HINT: &str = "the Redis tests need the `redis-server` binary on PATH: run \
    scripts/install-redis.sh (Debian/Ubuntu: apt-get install redis-server), or set \
    BCL_REDIS_SERVER to its path";

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers
    /// `PING`.
    ///
    /// # Panics
    ///
    /// When `redis-server` is missing (the message says how to install
    /// it), or the server does not answer within 10 seconds.
    #[must_use]
    pub fn start(durability: Durability) -> Self {
        let port = free_port();
        let dir = tempfile::Builder::new()
            .prefix("bcl-redis-")
            .tempdir()
            .unwrap_or_else(|e| panic!("creating the redis-server data directory: {e}"));
        let mut server = RedisServer {
            child: None,
            port,
            dir,
            durability,
        };
        server.restart();
        server
    }

    /// The server's URL, `redis://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (`SIGKILL`, as a crash would) and waits for it to
    /// exit. Clients then see connection errors until [`restart`](Self::restart).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again (after [`stop`](Self::stop)) on the same
    /// port with the same data directory, and waits until it answers
    /// `PING` (with the append-only file loaded).
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn restart(&mut self) {
        self.stop();
        let binary =
            std::env::var("BCL_REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let (appendonly, appendfsync) = match self.durability {
            Durability::Ephemeral => ("no", "everysec"),
            Durability::AppendOnly => ("yes", "always"),
            Durability::AppendOnlyEverySec => ("yes", "everysec"),
        };
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", ""])
            .args(["--appendonly", appendonly])
            .args(["--appendfsync", appendfsync])
            .args(["--maxmemory-policy", "noeviction"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| match e.kind() {
                std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT} ({binary}: {e})"),
                _ => panic!("starting {binary}: {e}"),
            });
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "redis-server exited at start ({status}); is port {} taken?",
                    self.port
                );
            }
            if ping(addr) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "redis-server on port {} did not answer PING within 10 s",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether the server at `addr` answers `PING` with `PONG` (not `-LOADING`).
fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

/// A loopback port nobody listens on right now (bound, then released for
/// the server to take).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("finding a free loopback port: {e}"))
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
