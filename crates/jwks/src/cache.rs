//! How long a fetched key set is fresh: the provider's `Cache-Control`,
//! held within the configured bounds.

use std::time::Duration;

use reqwest::header::{AGE, CACHE_CONTROL, HeaderMap};

/// The TTL bounds of a key source.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TtlPolicy {
    pub(crate) min: Duration,
    pub(crate) max: Duration,
    pub(crate) default: Duration,
}

impl TtlPolicy {
    /// The TTL of a response with these headers: `max-age` less `Age`
    /// (`no-store`, `no-cache` count as 0), or the default without one;
    /// then clamped to `[min, max]`.
    pub(crate) fn ttl(&self, headers: &HeaderMap) -> Duration {
        let ttl = match max_age(headers) {
            Some(max_age) => max_age.saturating_sub(age(headers)),
            None => self.default,
        };
        ttl.clamp(self.min, self.max)
    }
}

fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let (name, arg) = match directive.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                // The provider asks not to cache: the minimum TTL applies.
                return Some(Duration::ZERO);
            }
            if name.eq_ignore_ascii_case("max-age") {
                // RFC 9111 §1.2.2: a delta-seconds too large to represent
                // means "very large", not an error.
                let secs = arg.filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()));
                if let Some(secs) = secs {
                    found = Some(Duration::from_secs(secs.parse().unwrap_or(u64::MAX)));
                }
            }
        }
    }
    found
}

fn age(headers: &HeaderMap) -> Duration {
    headers
        .get(AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map_or(Duration::ZERO, Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: TtlPolicy = TtlPolicy {
        min: Duration::from_secs(300),
        max: Duration::from_secs(86_400),
        default: Duration::from_secs(3600),
    };

    fn ttl(pairs: &[(&'static str, &'static str)]) -> u64 {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        POLICY.ttl(&headers).as_secs()
    }

    #[test]
    fn honours_max_age_within_bounds() {
        assert_eq!(ttl(&[("cache-control", "public, max-age=7200")]), 7200);
        assert_eq!(ttl(&[("cache-control", "max-age=60")]), 300);
        assert_eq!(ttl(&[("cache-control", "max-age=999999999")]), 86_400);
        assert_eq!(
            ttl(&[("cache-control", "max-age=99999999999999999999999")]),
            86_400
        );
        assert_eq!(ttl(&[("cache-control", "MAX-AGE=\"900\"")]), 900);
    }

    #[test]
    fn subtracts_age() {
        assert_eq!(
            ttl(&[("cache-control", "max-age=7200"), ("age", "1200")]),
            6000
        );
        assert_eq!(
            ttl(&[("cache-control", "max-age=7200"), ("age", "9000")]),
            300
        );
    }

    #[test]
    fn no_store_and_no_cache_mean_the_minimum() {
        assert_eq!(ttl(&[("cache-control", "no-store")]), 300);
        assert_eq!(ttl(&[("cache-control", "max-age=7200, no-cache")]), 300);
    }

    #[test]
    fn default_without_max_age() {
        assert_eq!(ttl(&[]), 3600);
        assert_eq!(ttl(&[("cache-control", "public")]), 3600);
        assert_eq!(ttl(&[("cache-control", "max-age=-5")]), 3600);
        assert_eq!(ttl(&[("cache-control", "max-age=")]), 3600);
    }

    #[test]
    fn reads_every_cache_control_header() {
        assert_eq!(
            ttl(&[
                ("cache-control", "public"),
                ("cache-control", "max-age=1000")
            ]),
            1000
        );
    }
}
