//! Load on the Axum example's `/backchannel-logout`, on loopback: requests
//! per second and latency percentiles, for valid tokens (each a fresh one,
//! minted before the clock starts) or for tokens with a bad signature.
//!
//! ```text
//! cargo build --release -p example-axum -p backchannel-logout-benches --bin loadgen
//! target/release/loadgen --server target/release/example-axum --alg RS256 --requests 4000
//! target/release/loadgen --server target/release/example-axum --alg RS256 --requests 20000 --bad-signature
//! ```
//!
//! It generates a provider key, writes its JWKS to a temporary file, starts
//! the example (`BCL_ISSUER`, `BCL_CLIENT_ID`, `BCL_JWKS_FILE`, `BCL_ALGS`,
//! `BCL_LISTEN` on a free loopback port), mints the tokens, sends them over
//! `--connections` keep-alive HTTP/1.1 connections until `--requests` are
//! answered or `--seconds` have passed, stops the example and prints one
//! line of Markdown. Only 127.0.0.1 is ever contacted.
//!
//! The example's resident memory (`VmRSS` of its process) is sampled every
//! 100 ms: the line ends with its value once listening, its highest, and
//! its value at the end, in MiB; then the example's CPU time (user +
//! system, all threads, from `/proc/<pid>/stat`) per answered request, in
//! µs. For the memory bound over a long run of
//! unique tokens, mint fast ones:
//! `loadgen --alg EdDSA --requests 1000000 --seconds 600 [--unique-sessions]`.
//!
//! `--redis` runs the example on the Redis stores: a `redis-server` of its
//! own (appendonly, the testkit's, on a free loopback port), named to the
//! example with `BCL_REDIS_URL`.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backchannel_logout::Algorithm;
use backchannel_logout_benches::fixture::logout_token;
use backchannel_logout_benches::{CLIENT_ID, ISSUER};
use backchannel_logout_testkit::redis_server::{Durability, RedisServer};
use backchannel_logout_testkit::{SigningKey, random_id};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Args {
    server: String,
    alg: Algorithm,
    requests: usize,
    connections: usize,
    seconds: u64,
    bad_signature: bool,
    unique_sessions: bool,
    redis: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        server: "target/release/example-axum".to_owned(),
        alg: Algorithm::RS256,
        requests: 4000,
        connections: 16,
        seconds: 30,
        bad_signature: false,
        unique_sessions: false,
        redis: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => args.server = value()?,
            "--alg" => args.alg = value()?.parse().map_err(|e| format!("--alg: {e}"))?,
            "--requests" => args.requests = number(&value()?)?,
            "--connections" => args.connections = number(&value()?)?.max(1),
            "--seconds" => args.seconds = number(&value()?)? as u64,
            "--bad-signature" => args.bad_signature = true,
            "--unique-sessions" => args.unique_sessions = true,
            "--redis" => args.redis = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // Every body is minted before the clock starts and kept in memory.
    if args.requests == 0 || args.requests > 2_000_000 {
        return Err("--requests must be 1 to 2000000".to_owned());
    }
    Ok(args)
}

fn number(s: &str) -> Result<usize, String> {
    s.parse().map_err(|_| format!("not a number: {s}"))
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The example, stopped (by its own process id) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(args: &Args) -> Result<String, String> {
    let key = SigningKey::generate(args.alg, &random_id(32));
    let jwks_path = std::env::temp_dir().join(format!("loadgen-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks_path, SigningKey::jwks(&[&key])).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let redis = args
        .redis
        .then(|| RedisServer::start(Durability::AppendOnly));
    let mut command = Command::new(&args.server);
    if let Some(redis) = &redis {
        command.env("BCL_REDIS_URL", redis.url());
    }
    let server = command
        .env("BCL_ISSUER", ISSUER)
        .env("BCL_CLIENT_ID", CLIENT_ID)
        .env("BCL_JWKS_FILE", &jwks_path)
        .env("BCL_ALGS", args.alg.name())
        .env("BCL_LISTEN", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Server)
        .map_err(|e| format!("starting {}: {e}", args.server))?;

    let minting = Instant::now();
    let bodies = mint(&key, args);
    let mint_secs = minting.elapsed().as_secs_f64();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let pid = server.0.id();
    let result = runtime.block_on(load(addr, bodies, args, pid));
    drop(server);
    let _ = std::fs::remove_file(&jwks_path);
    let report = result?;
    Ok(report.line(args, mint_secs))
}

/// A port the kernel just gave out and took back.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// One request body per request: `logout_token=<token>` (a compact JWS is
/// form-safe as it is). A bad signature is a valid token whose signature's
/// first character is changed. Every token has its own `jti`; with
/// `--unique-sessions` also its own `sid` and `sub` (so the example keeps a
/// logout marker per token), otherwise all log out the same session.
/// Minted on every core (RSA signing is slow).
fn mint(key: &SigningKey, args: &Args) -> Vec<Vec<u8>> {
    let (count, bad_signature) = (args.requests, args.bad_signature);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let one = || {
        let mut builder = logout_token(now).jti(&random_id(16));
        if args.unique_sessions {
            builder = builder.sid(&random_id(32)).sub(&random_id(16));
        }
        let mut token = builder.sign(key);
        if bad_signature && let Some(dot) = token.rfind('.') {
            let flipped = if token.as_bytes().get(dot + 1) == Some(&b'A') {
                "B"
            } else {
                "A"
            };
            token.replace_range(dot + 1..dot + 2, flipped);
        }
        format!("logout_token={token}").into_bytes()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let share = count / threads + usize::from(i < count % threads);
                scope.spawn(move || (0..share).map(|_| one()).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

struct Report {
    /// `VmRSS` in KiB: once listening, highest, at the end.
    rss: (u64, u64, u64),
    /// CPU time the example used during the run (10 ms resolution).
    server_cpu: Duration,
    elapsed: Duration,
    latencies: Vec<Duration>,
    statuses: Vec<(u16, usize)>,
    errors: usize,
}

impl Report {
    fn line(&self, args: &Args, mint_secs: f64) -> String {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| {
            let i = ((l.len().saturating_sub(1)) as f64 * p).round() as usize;
            l.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
        };
        let rps = l.len() as f64 / self.elapsed.as_secs_f64();
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect();
        let kind = match (args.bad_signature, args.unique_sessions) {
            (true, _) => "bad signature",
            (false, true) => "valid, a session each",
            (false, false) => "valid",
        };
        let stores = if args.redis { ", Redis stores" } else { "" };
        format!(
            "| {} | {kind}{stores} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {mint_secs:.1} | {:.1} / {:.1} / {:.1} | {:.0} |",
            args.alg.name(),
            args.connections,
            l.len(),
            rps,
            pct(0.5),
            pct(0.9),
            pct(0.99),
            l.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1e6),
            statuses.join(" "),
            self.errors,
            self.rss.0 as f64 / 1024.0,
            self.rss.1 as f64 / 1024.0,
            self.rss.2 as f64 / 1024.0,
            self.server_cpu.as_secs_f64() * 1e6 / l.len().max(1) as f64,
        )
    }
}

/// The CPU time process `pid` has used (user + system, all threads), in
/// clock ticks (1/100 s on Linux), or 0 if unreadable.
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may contain spaces):
            // state is field 3, utime 14 and stime 15.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0)
}

/// The resident memory of process `pid`, in KiB (0 if unreadable).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn load(
    addr: SocketAddr,
    bodies: Vec<Vec<u8>>,
    args: &Args,
    pid: u32,
) -> Result<Report, String> {
    wait_until_listening(addr).await?;
    let rss_start = rss_kib(pid);
    let cpu_start = cpu_ticks(pid);
    let rss_max = Arc::new(std::sync::atomic::AtomicU64::new(rss_start));
    let sampler = {
        let rss_max = Arc::clone(&rss_max);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                rss_max.fetch_max(rss_kib(pid), Ordering::Relaxed);
            }
        })
    };
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (bodies, next) = (Arc::clone(&bodies), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            connection(addr, &bodies, &next, deadline).await
        }));
    }
    let mut report = Report {
        rss: (rss_start, 0, 0),
        server_cpu: Duration::ZERO,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(bodies.len()),
        statuses: Vec::new(),
        errors: 0,
    };
    for task in tasks {
        let (latencies, statuses, errors) = task.await.map_err(|e| e.to_string())?;
        report.latencies.extend(latencies);
        report.errors += errors;
        for status in statuses {
            match report.statuses.iter_mut().find(|(s, _)| *s == status) {
                Some((_, n)) => *n += 1,
                None => report.statuses.push((status, 1)),
            }
        }
    }
    report.elapsed = start.elapsed();
    sampler.abort();
    report.server_cpu = Duration::from_millis(cpu_ticks(pid).saturating_sub(cpu_start) * 10);
    let rss_end = rss_kib(pid);
    report.rss.1 = rss_max.load(Ordering::Relaxed).max(rss_end);
    report.rss.2 = rss_end;
    report.statuses.sort_unstable();
    Ok(report)
}

async fn wait_until_listening(addr: SocketAddr) -> Result<(), String> {
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("the example did not listen on {addr} within 10 s"))
}

/// One keep-alive connection sending requests until the bodies run out or
/// the deadline passes; reconnects after an error.
async fn connection(
    addr: SocketAddr,
    bodies: &[Vec<u8>],
    next: &AtomicUsize,
    deadline: Instant,
) -> (Vec<Duration>, Vec<u16>, usize) {
    let (mut latencies, mut statuses, mut errors) = (Vec::new(), Vec::new(), 0);
    let mut stream: Option<TcpStream> = None;
    let mut buf = vec![0u8; 16 * 1024];
    while Instant::now() < deadline {
        let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) else {
            break;
        };
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(_) => {
                    errors += 1;
                    continue;
                }
            }
        }
        let Some(s) = stream.as_mut() else { continue };
        let started = Instant::now();
        match exchange(s, addr, body, &mut buf).await {
            Ok(status) => {
                latencies.push(started.elapsed());
                statuses.push(status);
            }
            Err(_) => {
                errors += 1;
                stream = None;
            }
        }
    }
    (latencies, statuses, errors)
}

/// Sends one POST and reads the whole answer; returns its status.
async fn exchange(
    s: &mut TcpStream,
    addr: SocketAddr,
    body: &[u8],
    buf: &mut [u8],
) -> std::io::Result<u16> {
    let head = format!(
        "POST /backchannel-logout HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = Vec::with_capacity(head.len() + body.len());
    request.extend_from_slice(head.as_bytes());
    request.extend_from_slice(body);
    s.write_all(&request).await?;
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad response");
    let mut filled = 0;
    loop {
        let n = s.read(buf.get_mut(filled..).ok_or_else(invalid)?).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        let received = buf.get(..filled).ok_or_else(invalid)?;
        let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head =
            std::str::from_utf8(received.get(..end).ok_or_else(invalid)?).map_err(|_| invalid())?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(invalid)?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(invalid)?;
        let total = end + 4 + length;
        while filled < total {
            let n = s.read(buf.get_mut(filled..).ok_or_else(invalid)?).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            filled += n;
        }
        return Ok(status);
    }
}
