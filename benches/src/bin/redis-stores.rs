//! Round trips of the Redis stores against a local `redis-server`: the
//! replay guard's `first_use` (one `SET NX PX`) and the session check
//! (`SessionCheck::check`, one `MGET` of a session's `sid` and `sub`
//! markers), per second and p99, with one caller and with concurrent
//! callers on the stores' one multiplexed connection. Then the other ways
//! to read both markers in one round trip (a pipeline of two `GET`s, a Lua
//! script), single caller, to show why the store uses `MGET`.
//!
//! ```text
//! cargo build --release -p backchannel-logout-benches --bin redis-stores
//! target/release/redis-stores [--seconds 5] [--concurrency 16]
//! ```
//!
//! It starts its own `redis-server` (the testkit's: appendonly, on a free
//! loopback port, its own data directory), prints Markdown table rows and
//! stops the server. Only 127.0.0.1 is ever contacted.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use backchannel_logout::session::SessionCheck;
use backchannel_logout::{Freshness, ReplayGuard, SessionRecord, UnixTime};
use backchannel_logout_redis::RedisConfig;
use backchannel_logout_testkit::random_id;
use backchannel_logout_testkit::redis_server::{Durability, RedisServer};

const ISSUER: &str = "https://op.bench.example";

struct Args {
    seconds: u64,
    concurrency: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 5,
        concurrency: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--seconds" => args.seconds = number.max(1),
            "--concurrency" => args.concurrency = usize::try_from(number.max(1)).unwrap_or(1),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn now() -> UnixTime {
    UnixTime::from_system_time(SystemTime::now())
}

/// Runs `op` from `callers` tasks for `seconds`; returns (ops/s, p50, p99).
async fn measure<F, Fut>(callers: usize, seconds: u64, op: F) -> (f64, Duration, Duration)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let op = Arc::clone(&op);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = caller as u64 * 1_000_000_000;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    op(i).await;
                    latencies.push(t.elapsed());
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    (all.len() as f64 / elapsed, pick(0.5), pick(0.99))
}

fn row(what: &str, callers: usize, (rate, p50, p99): (f64, Duration, Duration)) -> String {
    format!(
        "| {what} | {callers} | {rate:.0} | {:.0} | {:.0} |",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    )
}

async fn run(args: Args) -> Result<(), String> {
    let server = RedisServer::start(Durability::AppendOnlyEverySec);
    let stores = RedisConfig::new(&server.url())
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let prefix = random_id(6);
    println!("| operation | callers | round trips/s | p50 µs | p99 µs |");
    println!("|---|---:|---:|---:|---:|");

    for callers in [1, args.concurrency] {
        let guard = stores.replay_guard();
        let prefix = prefix.clone();
        let result = measure(callers, args.seconds, move |i| {
            let guard = guard.clone();
            let jti = format!("{prefix}-{callers}-{i}");
            async move {
                let t = now();
                let fresh = guard
                    .first_use(ISSUER, &jti, t.saturating_add(Duration::from_secs(600)), t)
                    .await;
                assert!(matches!(fresh, Ok(Freshness::First)), "{fresh:?}");
            }
        })
        .await;
        println!(
            "{}",
            row("replay guard `first_use` (SET NX PX)", callers, result)
        );
    }

    // Sessions with both a sid and a sub, half of them logged out by sid.
    let check = SessionCheck::new(stores.logout_store());
    for callers in [1, args.concurrency] {
        let check = check.clone();
        let result = measure(callers, args.seconds, move |i| {
            let check = check.clone();
            async move {
                let t = now();
                let record = SessionRecord::new(
                    ISSUER,
                    Some(format!("s-{}", i % 1000)),
                    Some(format!("u-{}", i % 1000)),
                    t,
                );
                let decision = check.check(record.ok(), t).await;
                assert!(decision.response().is_none(), "{decision:?}");
            }
        })
        .await;
        println!("{}", row("session check (MGET sid, sub)", callers, result));
    }

    // The alternatives for reading both markers in one round trip.
    let client = redis::Client::open(server.url()).map_err(|e| e.to_string())?;
    let conn = redis::aio::ConnectionManager::new(client)
        .await
        .map_err(|e| e.to_string())?;
    let prefix: &'static str = Box::leak(prefix.into_boxed_str());
    let keys = move |i: u64| {
        (
            format!("{prefix}:sid:{}", i % 1000),
            format!("{prefix}:sub:{}", i % 1000),
        )
    };
    let c = conn.clone();
    let mget = measure(1, args.seconds, move |i| {
        let mut c = c.clone();
        let (sid, sub) = keys(i);
        async move {
            let _: (Option<String>, Option<String>) = redis::cmd("MGET")
                .arg(&sid)
                .arg(&sub)
                .query_async(&mut c)
                .await
                .unwrap_or_default();
        }
    })
    .await;
    println!("{}", row("raw: MGET sid sub", 1, mget));
    let c = conn.clone();
    let pipeline = measure(1, args.seconds, move |i| {
        let mut c = c.clone();
        let (sid, sub) = keys(i);
        async move {
            let _: (Option<String>, Option<String>) = redis::pipe()
                .get(&sid)
                .get(&sub)
                .query_async(&mut c)
                .await
                .unwrap_or_default();
        }
    })
    .await;
    println!("{}", row("raw: pipeline GET sid; GET sub", 1, pipeline));
    let script = Arc::new(redis::Script::new(
        "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}",
    ));
    let c = conn.clone();
    let scripted = measure(1, args.seconds, move |i| {
        let mut c = c.clone();
        let script = Arc::clone(&script);
        let (sid, sub) = keys(i);
        async move {
            let _: Vec<Option<String>> = script
                .key(&sid)
                .key(&sub)
                .invoke_async(&mut c)
                .await
                .unwrap_or_default();
        }
    })
    .await;
    println!("{}", row("raw: EVALSHA (GET both)", 1, scripted));
    drop(server);
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("redis-stores: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("redis-stores: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("redis-stores: {e}");
            ExitCode::FAILURE
        }
    }
}
