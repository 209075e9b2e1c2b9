//! Time as a parameter: the core never reads a clock.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since the Unix epoch (a JWT NumericDate).
///
/// The core never reads the clock: callers pass the current time to
/// [`crate::Validator::validate`], which keeps validation deterministic and
/// testable. Adapters build it from [`SystemTime`] with
/// [`UnixTime::from_system_time`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The latest NumericDate accepted: 9999-12-31T23:59:59Z. Larger values
    /// are absurd and refused, so arithmetic on them never overflows.
    pub const MAX: UnixTime = UnixTime(253_402_300_799);

    /// A time `secs` seconds after the epoch.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the epoch.
    #[must_use]
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// Converts a [`SystemTime`] the caller read; times before the epoch
    /// become the epoch.
    #[must_use]
    pub fn from_system_time(t: SystemTime) -> Self {
        UnixTime(
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }

    /// This time plus `d`, saturating.
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Self {
        UnixTime(self.0.saturating_add(d.as_secs()))
    }

    /// Seconds from `self` until `later`, zero if `later` is not after `self`.
    #[must_use]
    pub fn secs_until(self, later: UnixTime) -> u64 {
        later.0.saturating_sub(self.0)
    }

    /// Parses a JSON NumericDate: a non-negative, finite number of seconds,
    /// possibly non-integer (RFC 7519 §2), not after [`UnixTime::MAX`].
    /// Fractions are truncated.
    pub(crate) fn from_numeric_date(v: f64) -> Option<Self> {
        if !v.is_finite() || v < 0.0 || v > UnixTime::MAX.0 as f64 {
            return None;
        }
        // In range and finite: the cast cannot saturate.
        Some(UnixTime(v as u64))
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_date_accepts_fractions_and_rejects_absurd_values() {
        assert_eq!(UnixTime::from_numeric_date(1.5), Some(UnixTime(1)));
        assert_eq!(UnixTime::from_numeric_date(0.0), Some(UnixTime(0)));
        assert_eq!(UnixTime::from_numeric_date(-1.0), None);
        assert_eq!(UnixTime::from_numeric_date(f64::NAN), None);
        assert_eq!(UnixTime::from_numeric_date(f64::INFINITY), None);
        assert_eq!(UnixTime::from_numeric_date(1e300), None);
        assert_eq!(
            UnixTime::from_numeric_date(253_402_300_799.0),
            Some(UnixTime::MAX)
        );
        assert_eq!(UnixTime::from_numeric_date(253_402_300_800.0), None);
    }
}
