//! `bclogout bench`: how long one full validation takes on this machine.
//!
//! Validations run in batches; each batch gives a mean time per validation,
//! and the median of those means is the figure reported (robust to the odd
//! batch disturbed by the scheduler). The spread is the 10th and 90th
//! percentiles and the extremes of the batch means.

use std::hint::black_box;
use std::time::{Duration, Instant};

use backchannel_logout::{LogoutToken, UnixTime};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

use crate::args::BenchArgs;
use crate::exit::Failure;
use crate::{input, output};

/// Warm-up time before an automatic run.
const AUTO_WARMUP: Duration = Duration::from_millis(200);
/// Measuring time of an automatic run.
const AUTO_TARGET: Duration = Duration::from_secs(2);
/// Length of one batch in an automatic run: long enough that reading the
/// clock costs nothing, short enough for many batches.
const AUTO_BATCH: Duration = Duration::from_millis(20);
/// Fewest batches in an automatic run, however slow one validation is.
const AUTO_MIN_BATCHES: usize = 10;
/// Most batches a fixed `--iterations` count is split into.
const FIXED_MAX_BATCHES: u64 = 25;

/// Validates once, then times repeated validations and prints the result.
pub(crate) fn run(args: &BenchArgs) -> Result<(), Failure> {
    let validator = args.validation.validator()?;
    let keys = input::load_keys(&args.validation)?;
    output::note_skipped_keys(&keys);
    let token = input::read_token(args.token.as_deref())?;
    // Pinned to iat, the token is as fresh as when it was issued. Without a
    // readable iat the validation below fails, and says why.
    let now = issued_at(&token).unwrap_or_else(input::system_now);
    let logout = validator
        .validate(&token, &keys, now)
        .map_err(Failure::Refused)?;
    if cfg!(debug_assertions) {
        output::note("this is a debug build; build with --release for representative numbers");
    }
    let once = || black_box(validator.validate(black_box(&token), &keys, now)).is_ok();
    let batches = match args.iterations {
        Some(n) => fixed_run(n, once),
        None => auto_run(once),
    };
    let Some(stats) = Stats::from_batches(&batches) else {
        return Err(Failure::Usage("no validation was timed".to_owned()));
    };
    let report = Report {
        logout: &logout,
        now,
        stats,
    };
    if args.json {
        output::print_json(&report.json())
    } else {
        output::print_text(&report.text())
    }
}

/// The token's `iat`, read without verifying anything; `None` if the token
/// has no readable one. Only used to pin the clock.
fn issued_at(token: &[u8]) -> Option<UnixTime> {
    let mut segments = token.split(|b| *b == b'.');
    let payload = segments.nth(1)?;
    let decoded = Base64UrlUnpadded::decode_vec(std::str::from_utf8(payload).ok()?).ok()?;
    let claims: Value = serde_json::from_slice(&decoded).ok()?;
    let iat = claims.get("iat")?.as_f64()?;
    if !iat.is_finite() || iat < 0.0 || iat > UnixTime::MAX.as_secs() as f64 {
        return None;
    }
    // Finite and in range: the cast cannot saturate.
    Some(UnixTime::from_secs(iat as u64))
}

/// One timed batch: this many validations took this long.
#[derive(Debug, Clone, Copy)]
struct Batch {
    validations: u64,
    elapsed: Duration,
}

impl Batch {
    fn run(validations: u64, once: &impl Fn() -> bool) -> Batch {
        let start = Instant::now();
        for _ in 0..validations {
            once();
        }
        Batch {
            validations,
            elapsed: start.elapsed(),
        }
    }

    fn mean_us(self) -> f64 {
        self.elapsed.as_secs_f64() * 1e6 / self.validations as f64
    }
}

/// Exactly `n` timed validations, in up to [`FIXED_MAX_BATCHES`] batches,
/// after a short warm-up.
fn fixed_run(n: u64, once: impl Fn() -> bool) -> Vec<Batch> {
    let warmup = (n / 10).clamp(1, 1000);
    for _ in 0..warmup {
        once();
    }
    let count = n.min(FIXED_MAX_BATCHES);
    let (size, extra) = (n / count, n % count);
    (0..count)
        .map(|i| Batch::run(size + u64::from(i < extra), &once))
        .collect()
}

/// About [`AUTO_TARGET`] of timed validations, after [`AUTO_WARMUP`].
fn auto_run(once: impl Fn() -> bool) -> Vec<Batch> {
    let start = Instant::now();
    let mut warmup: u64 = 0;
    while start.elapsed() < AUTO_WARMUP {
        once();
        warmup += 1;
    }
    let per_validation = start.elapsed().as_secs_f64() / warmup.max(1) as f64;
    // At least one; the float-to-int cast saturates.
    let size = ((AUTO_BATCH.as_secs_f64() / per_validation) as u64).max(1);
    let start = Instant::now();
    let mut batches = Vec::new();
    while start.elapsed() < AUTO_TARGET || batches.len() < AUTO_MIN_BATCHES {
        batches.push(Batch::run(size, &once));
    }
    batches
}

/// The summary of a run, in microseconds per validation.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stats {
    validations: u64,
    batches: usize,
    median: f64,
    p10: f64,
    p90: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn from_batches(batches: &[Batch]) -> Option<Stats> {
        let mut means: Vec<f64> = batches.iter().map(|b| b.mean_us()).collect();
        means.sort_by(f64::total_cmp);
        Some(Stats {
            validations: batches.iter().map(|b| b.validations).sum(),
            batches: batches.len(),
            median: percentile(&means, 0.5)?,
            p10: percentile(&means, 0.1)?,
            p90: percentile(&means, 0.9)?,
            min: *means.first()?,
            max: *means.last()?,
        })
    }

    /// Validations per second on one core.
    fn per_second(&self) -> f64 {
        if self.median > 0.0 {
            1e6 / self.median
        } else {
            f64::INFINITY
        }
    }
}

/// The `p` quantile of sorted values, interpolated between neighbours.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (*sorted.get(lo)?, *sorted.get(hi)?);
    Some(a + (b - a) * (rank - lo as f64))
}

/// What `bench` prints.
struct Report<'a> {
    logout: &'a LogoutToken,
    now: UnixTime,
    stats: Stats,
}

impl Report<'_> {
    fn text(&self) -> String {
        let s = &self.stats;
        let kid = self
            .logout
            .kid()
            .map_or_else(|| "no kid".to_owned(), |kid| format!("kid {kid:?}"));
        format!(
            "token:      {alg}, {kid}; signature and claims checked, clock pinned to iat {now}\n\
             runs:       {n} validations in {b} batches\n\
             median:     {median:.2} µs per validation\n\
             spread:     p10 {p10:.2} µs, p90 {p90:.2} µs; min {min:.2} µs, max {max:.2} µs (batch means)\n\
             throughput: {rate:.0} validations/s per core",
            alg = self.logout.algorithm(),
            now = self.now,
            n = s.validations,
            b = s.batches,
            median = s.median,
            p10 = s.p10,
            p90 = s.p90,
            min = s.min,
            max = s.max,
            rate = s.per_second(),
        )
    }

    fn json(&self) -> Value {
        let s = &self.stats;
        json!({
            "algorithm": self.logout.algorithm().name(),
            "kid": self.logout.kid(),
            "now": self.now.as_secs(),
            "validations": s.validations,
            "batches": s.batches,
            "median_us": s.median,
            "p10_us": s.p10,
            "p90_us": s.p90,
            "min_us": s.min,
            "max_us": s.max,
            "validations_per_second": s.per_second(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_neighbours() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn fixed_run_times_exactly_the_requested_count() {
        for n in [1, 7, 25, 26, 1001] {
            let batches = fixed_run(n, || true);
            assert_eq!(batches.iter().map(|b| b.validations).sum::<u64>(), n);
            assert!(batches.len() as u64 <= FIXED_MAX_BATCHES);
            assert!(batches.iter().all(|b| b.validations > 0));
        }
    }

    #[test]
    fn issued_at_reads_the_payload_without_verifying() {
        let payload = Base64UrlUnpadded::encode_string(br#"{"iat":1767225600.5}"#);
        let token = format!("e30.{payload}.sig");
        assert_eq!(
            issued_at(token.as_bytes()),
            Some(UnixTime::from_secs(1_767_225_600))
        );
        assert_eq!(issued_at(b"e30.e30.sig"), None);
        assert_eq!(issued_at(b"garbage"), None);
        let absurd = Base64UrlUnpadded::encode_string(br#"{"iat":1e300}"#);
        assert_eq!(issued_at(format!("e30.{absurd}.x").as_bytes()), None);
    }
}
