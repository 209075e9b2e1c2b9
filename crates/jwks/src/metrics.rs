//! Counters an application can export to its metrics system.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters, per issuer; read them with [`Metrics::snapshot`].
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    fetches: AtomicU64,
    fetch_failures: AtomicU64,
    unknown_kid_refreshes: AtomicU64,
    refreshes_suppressed: AtomicU64,
    stale_served: AtomicU64,
}

/// Which counter to increment.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Fetch,
    FetchFailure,
    UnknownKidRefresh,
    RefreshSuppressed,
    StaleServed,
}

impl Metrics {
    pub(crate) fn incr(&self, counter: Counter) {
        let c = match counter {
            Counter::Fetch => &self.fetches,
            Counter::FetchFailure => &self.fetch_failures,
            Counter::UnknownKidRefresh => &self.unknown_kid_refreshes,
            Counter::RefreshSuppressed => &self.refreshes_suppressed,
            Counter::StaleServed => &self.stale_served,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            fetches: self.fetches.load(Ordering::Relaxed),
            fetch_failures: self.fetch_failures.load(Ordering::Relaxed),
            unknown_kid_refreshes: self.unknown_kid_refreshes.load(Ordering::Relaxed),
            refreshes_suppressed: self.refreshes_suppressed.load(Ordering::Relaxed),
            stale_served: self.stale_served.load(Ordering::Relaxed),
        }
    }
}

/// The counters at one moment, since the key source was built: from
/// [`JwksKeySource::metrics`](crate::JwksKeySource::metrics) (all issuers)
/// or [`IssuerStatus::metrics`](crate::IssuerStatus::metrics) (one issuer).
///
/// Every counted event is also a `tracing` event of this crate's target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Key set fetches started (discovery, if any, and the JWKS count as one).
    pub fetches: u64,
    /// Fetches that failed: unreachable, timeout, HTTP error, too large,
    /// unparsable or without a usable key. The previous keys were kept.
    pub fetch_failures: u64,
    /// Fetches started because a token named a `kid` the keys lacked.
    pub unknown_kid_refreshes: u64,
    /// Unknown-`kid` refreshes not started because of the cooldown: a high
    /// rate hints at tokens signed by keys the provider never published.
    pub refreshes_suppressed: u64,
    /// Times keys past their TTL were served because a fresh set could not
    /// be had (stale-if-error).
    pub stale_served: u64,
}

impl std::ops::Add for MetricsSnapshot {
    type Output = MetricsSnapshot;

    fn add(self, o: MetricsSnapshot) -> MetricsSnapshot {
        MetricsSnapshot {
            fetches: self.fetches.saturating_add(o.fetches),
            fetch_failures: self.fetch_failures.saturating_add(o.fetch_failures),
            unknown_kid_refreshes: self
                .unknown_kid_refreshes
                .saturating_add(o.unknown_kid_refreshes),
            refreshes_suppressed: self
                .refreshes_suppressed
                .saturating_add(o.refreshes_suppressed),
            stale_served: self.stale_served.saturating_add(o.stale_served),
        }
    }
}
