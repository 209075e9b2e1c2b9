//! Load on an example relying party's `/backchannel-logout` (any of them:
//! they keep one contract), on loopback: requests per second and latency
//! percentiles, for valid tokens (each a fresh one,
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
//!
//! Any example binary keeps the same contract, so `--server` takes each in
//! turn. The load every example must hold, on two cores:
//!
//! ```text
//! # 20,000 valid tokens, then the same 20,000 again (every one a replay: 400)
//! loadgen --server target/release/example-axum --alg ES256 --requests 20000 --replay
//! # 50,000 junk requests of six kinds, round robin; the RSS columns give the growth
//! loadgen --server target/release/example-axum --alg ES256 --requests 50000 --junk
//! # 1,000 connections opened first, then one valid request on each, all at once
//! loadgen --server target/release/example-axum --alg ES256 --requests 1000 --connections 1000 --burst
//! ```
//!
//! The six kinds of junk: random bytes as a form body, a bad signature, an
//! unsigned token (`alg` `none`), a body without `logout_token`, a valid
//! token sent as `text/plain`, and a body one byte over the default limit.
//! Each must be answered 400; a 5xx or a dropped request shows in the
//! status and error columns.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backchannel_logout::Algorithm;
use backchannel_logout::request::DEFAULT_MAX_BODY;
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
    replay: bool,
    junk: bool,
    burst: bool,
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
        replay: false,
        junk: false,
        burst: false,
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
            "--replay" => args.replay = true,
            "--junk" => args.junk = true,
            "--burst" => args.burst = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // Every body is minted before the clock starts and kept in memory.
    if args.requests == 0 || args.requests > 2_000_000 {
        return Err("--requests must be 1 to 2000000".to_owned());
    }
    if args.junk && (args.bad_signature || args.replay) {
        return Err("--junk is its own kind: no --bad-signature or --replay with it".to_owned());
    }
    if args.burst {
        // One request per connection, all sent at once.
        args.connections = args.requests;
    }
    Ok(args)
}

fn number(s: &str) -> Result<usize, String> {
    s.parse().map_err(|_| format!("not a number: {s}"))
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
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

fn run(args: &Args) -> Result<Vec<String>, String> {
    let key = SigningKey::generate(args.alg, &random_id(32));
    let jwks_path = std::env::temp_dir().join(format!("loadgen-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks_path, SigningKey::jwks(&[&key])).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let redis = args
        .redis
        .then(|| RedisServer::start(Durability::AppendOnlyEverySec));
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
    let requests: Vec<Vec<u8>> = mint(&key, args)
        .iter()
        .enumerate()
        .map(|(i, body)| request(addr, args, i, body))
        .collect();
    let mint_secs = minting.elapsed().as_secs_f64();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let pid = server.0.id();
    let requests = Arc::new(requests);
    let result = runtime.block_on(async {
        wait_until_listening(addr).await?;
        let mut lines = vec![load(addr, Arc::clone(&requests), args, pid).await?.line(
            args,
            Pass::First,
            mint_secs,
        )];
        if args.replay {
            let again = load(addr, Arc::clone(&requests), args, pid).await?;
            lines.push(again.line(args, Pass::Replay, mint_secs));
        }
        Ok::<_, String>(lines)
    });
    drop(server);
    let _ = std::fs::remove_file(&jwks_path);
    result
}

/// The junk kinds, in the order `--junk` sends them round robin.
const JUNK_KINDS: usize = 6;

/// The whole HTTP/1.1 request for the `i`th body: as minted, or for
/// `--junk` the `i % 6`th kind of junk made from it.
fn request(addr: SocketAddr, args: &Args, i: usize, body: &[u8]) -> Vec<u8> {
    const FORM: &str = "application/x-www-form-urlencoded";
    let (content_type, body): (&str, Vec<u8>) = if !args.junk {
        (FORM, body.to_vec())
    } else {
        let token = body.strip_prefix(b"logout_token=").unwrap_or(body);
        match i % JUNK_KINDS {
            // Random bytes, not even a form.
            0 => (
                FORM,
                random_id(192)
                    .into_bytes()
                    .iter()
                    .map(|b| b ^ 0x80)
                    .collect(),
            ),
            1 => (FORM, flip_signature(body)),
            2 => {
                // The claims of a valid token under `{"alg":"none"}`, no signature.
                let claims = token.split(|&b| b == b'.').nth(1).unwrap_or_default();
                let mut unsigned = b"logout_token=eyJhbGciOiJub25lIn0.".to_vec();
                unsigned.extend_from_slice(claims);
                unsigned.push(b'.');
                (FORM, unsigned)
            }
            3 => (FORM, b"token=".iter().chain(token).copied().collect()),
            4 => ("text/plain", body.to_vec()),
            _ => {
                let mut oversized = body.to_vec();
                oversized.resize(DEFAULT_MAX_BODY + 1, b'a');
                (FORM, oversized)
            }
        }
    };
    let mut request = format!(
        "POST /backchannel-logout HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
}

/// The body with its token's signature's first character changed.
fn flip_signature(body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    if let Some(dot) = body.iter().rposition(|&b| b == b'.')
        && let Some(first) = body.get_mut(dot + 1)
    {
        *first = if *first == b'A' { b'B' } else { b'A' };
    }
    body
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
        let body = format!("logout_token={}", builder.sign(key)).into_bytes();
        if bad_signature {
            flip_signature(&body)
        } else {
            body
        }
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

/// Which pass over the requests a report is of.
#[derive(Clone, Copy)]
enum Pass {
    First,
    /// `--replay`: the same requests again.
    Replay,
}

impl Report {
    fn line(&self, args: &Args, pass: Pass, mint_secs: f64) -> String {
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
        let kind = match (pass, args.junk, args.bad_signature, args.unique_sessions) {
            (Pass::Replay, ..) => "the same again (replays)",
            (Pass::First, true, ..) => "junk, six kinds",
            (Pass::First, false, true, _) => "bad signature",
            (Pass::First, false, false, true) => "valid, a session each",
            (Pass::First, false, false, false) => "valid",
        };
        let stores = if args.redis { ", Redis stores" } else { "" };
        let burst = if args.burst { ", all at once" } else { "" };
        let server = std::path::Path::new(&args.server)
            .file_name()
            .map_or(args.server.clone(), |n| n.to_string_lossy().into_owned());
        format!(
            "| {server} | {} | {kind}{stores}{burst} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {mint_secs:.1} | {:.1} / {:.1} / {:.1} | {:.0} |",
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
    requests: Arc<Vec<Vec<u8>>>,
    args: &Args,
    pid: u32,
) -> Result<Report, String> {
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
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    // `--burst`: every connection is opened first, then all send together.
    let (opened, go) = (
        Arc::new(tokio::sync::Barrier::new(args.connections + 1)),
        args.burst,
    );
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (requests, next, opened) = (
            Arc::clone(&requests),
            Arc::clone(&next),
            Arc::clone(&opened),
        );
        tasks.push(tokio::spawn(async move {
            let stream = if go {
                let stream = connect(addr).await;
                opened.wait().await;
                stream
            } else {
                None
            };
            connection(addr, stream, &requests, &next, deadline).await
        }));
    }
    if go {
        opened.wait().await;
    }
    let start = Instant::now();
    let mut report = Report {
        rss: (rss_start, 0, 0),
        server_cpu: Duration::ZERO,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(requests.len()),
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

async fn connect(addr: SocketAddr) -> Option<TcpStream> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let _ = stream.set_nodelay(true);
    Some(stream)
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

/// One keep-alive connection sending requests until they run out or the
/// deadline passes; reconnects after an error or when the server closes.
async fn connection(
    addr: SocketAddr,
    mut stream: Option<TcpStream>,
    requests: &[Vec<u8>],
    next: &AtomicUsize,
    deadline: Instant,
) -> (Vec<Duration>, Vec<u16>, usize) {
    let (mut latencies, mut statuses, mut errors) = (Vec::new(), Vec::new(), 0);
    let mut buf = vec![0u8; 16 * 1024];
    while Instant::now() < deadline {
        let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) else {
            break;
        };
        if stream.is_none() {
            stream = connect(addr).await;
        }
        let Some(s) = stream.as_mut() else {
            errors += 1;
            continue;
        };
        let started = Instant::now();
        match exchange(s, request, &mut buf).await {
            Ok((status, keep_alive)) => {
                latencies.push(started.elapsed());
                statuses.push(status);
                if !keep_alive {
                    stream = None;
                }
            }
            Err(_) => {
                errors += 1;
                stream = None;
            }
        }
    }
    (latencies, statuses, errors)
}

/// Sends one request and reads the whole answer; returns its status and
/// whether the server keeps the connection open.
async fn exchange(
    s: &mut TcpStream,
    request: &[u8],
    buf: &mut [u8],
) -> std::io::Result<(u16, bool)> {
    s.write_all(request).await?;
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
        let closes = head.lines().any(|l| {
            l.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("connection")
                    && value.trim().eq_ignore_ascii_case("close")
            })
        });
        let total = end + 4 + length;
        while filled < total {
            let n = s.read(buf.get_mut(filled..).ok_or_else(invalid)?).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            filled += n;
        }
        return Ok((status, !closes));
    }
}
