//! Errors: [`BuildError`] for a configuration refused by
//! [`crate::JwksKeySourceBuilder::build`], [`Error`] for a fetch that failed.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use backchannel_logout::JwksError;

/// A key source configuration was refused by
/// [`JwksKeySourceBuilder::build`](crate::JwksKeySourceBuilder::build).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No issuer was configured.
    #[error("no issuer configured: add one with issuer_discovery or jwks_uri")]
    NoIssuer,
    /// The same issuer was configured twice.
    #[error("issuer {issuer:?} is configured twice")]
    DuplicateIssuer {
        /// The issuer.
        issuer: String,
    },
    /// Algorithms were given for an issuer that is not configured.
    #[error("allowed algorithms given for issuer {issuer:?}, which is not configured")]
    UnknownIssuer {
        /// The issuer.
        issuer: String,
    },
    /// An issuer used for discovery is not a URL without query or fragment.
    #[error("issuer {issuer:?} cannot be used for discovery: {detail}")]
    InvalidIssuer {
        /// The issuer.
        issuer: String,
        /// What is wrong.
        detail: String,
    },
    /// A URL is neither `https` nor `http` to a loopback address.
    #[error("{url} is refused: only https is allowed, and http only to a loopback address")]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// `min_ttl` is greater than `max_ttl`.
    #[error("min_ttl ({min:?}) is greater than max_ttl ({max:?})")]
    TtlBounds {
        /// The minimum TTL.
        min: Duration,
        /// The maximum TTL.
        max: Duration,
    },
    /// A duration or size option that must be positive is zero.
    #[error("{option} must not be zero")]
    Zero {
        /// The option's name.
        option: &'static str,
    },
    /// The HTTP client could not be created (its TLS setup failed).
    #[error("the HTTP client could not be created")]
    HttpClient(#[source] Arc<dyn StdError + Send + Sync>),
}

impl BuildError {
    /// A stable short code naming the problem.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            BuildError::NoIssuer => "no_issuer",
            BuildError::DuplicateIssuer { .. } => "duplicate_issuer",
            BuildError::UnknownIssuer { .. } => "unknown_issuer",
            BuildError::InvalidIssuer { .. } => "invalid_issuer",
            BuildError::InsecureUrl { .. } => "insecure_url",
            BuildError::TtlBounds { .. } => "ttl_bounds",
            BuildError::Zero { .. } => "zero_option",
            BuildError::HttpClient(_) => "http_client",
        }
    }
}

/// Keys could not be had from the provider.
///
/// Cheap to clone: concurrent callers waiting on one fetch each get a copy
/// of its error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Keys were asked for an issuer this key source was not configured with.
    #[error("issuer {issuer:?} is not configured in this key source")]
    UnknownIssuer {
        /// The issuer.
        issuer: String,
    },
    /// No key set was fetched for this issuer yet (the first fetch was
    /// interrupted, or has not happened).
    #[error("no key set was fetched for issuer {issuer:?} yet")]
    NotFetched {
        /// The issuer.
        issuer: String,
    },
    /// The key source was used outside a tokio runtime.
    #[error("the JWKS key source must run inside a tokio runtime")]
    NoRuntime,
    /// The request did not complete within the configured timeout.
    #[error("request to {url} timed out")]
    Timeout {
        /// The URL requested.
        url: String,
    },
    /// The request failed: DNS, connection, TLS, a refused redirect, a
    /// broken response.
    #[error("request to {url} failed")]
    Transport {
        /// The URL requested.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: Arc<dyn StdError + Send + Sync>,
    },
    /// The server answered with a status other than 2xx.
    #[error("{url} answered HTTP status {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The response body exceeds the configured size limit.
    #[error("response from {url} exceeds the limit of {max} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The limit.
        max: usize,
    },
    /// A URL from the discovery document is neither `https` nor `http` to
    /// a loopback address.
    #[error("{url} is refused: only https is allowed, and http only to a loopback address")]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// The discovery document is not a JSON object with a valid `jwks_uri`.
    #[error("discovery document at {url} is invalid: {detail}")]
    InvalidDiscovery {
        /// The discovery URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// The discovery document names another issuer than the configured one
    /// (OpenID Connect Discovery 1.0 §4.3: they must be identical).
    #[error("discovery document at {url} names issuer {found:?}, not the configured {expected:?}")]
    IssuerMismatch {
        /// The discovery URL.
        url: String,
        /// The configured issuer.
        expected: String,
        /// The issuer the document names.
        found: String,
    },
    /// The key set is not a JWKS, or has no usable key (the source lists
    /// each key skipped and why).
    #[error("key set at {url} is unusable")]
    Jwks {
        /// The JWKS URL.
        url: String,
        /// Why.
        #[source]
        source: JwksError,
    },
}

impl Error {
    /// A stable short code naming the failure.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownIssuer { .. } => "unknown_issuer",
            Error::NotFetched { .. } => "not_fetched",
            Error::NoRuntime => "no_runtime",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Status { .. } => "http_status",
            Error::TooLarge { .. } => "too_large",
            Error::InsecureUrl { .. } => "insecure_url",
            Error::InvalidDiscovery { .. } => "invalid_discovery",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::Jwks { .. } => "invalid_jwks",
        }
    }
}

/// The error and its sources, `: `-separated, for log lines.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        out.push_str(": ");
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}
