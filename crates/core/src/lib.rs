//! OpenID Connect Back-Channel Logout 1.0 for relying parties: verify and
//! validate logout tokens, with no I/O.
//!
//! When a user logs out at the OpenID Provider, the provider POSTs a signed
//! *logout token* to every relying party the user used. This crate proves
//! such a token genuine and valid, exactly as §2.6 of the
//! [specification](https://openid.net/specs/openid-connect-backchannel-1_0.html)
//! requires, from the raw bytes, a [`KeySet`] and the current time passed
//! in. It opens no file or socket, reads no clock and spawns nothing: the
//! framework adapters, the JWKS fetcher and the stores live in other crates.
//!
//! ```
//! use backchannel_logout::{ClientId, Error, Issuer, KeySet, LogoutScope, UnixTime, Validator};
//!
//! // The provider's key set, parsed and checked once.
//! let keys = KeySet::from_jwks(include_bytes!("../tests/data/doc-jwks.json"))?;
//! // The validator, built once: issuer, client id, and secure defaults
//! // (RS256 only, 60 s leeway, 10 minutes max age, exp required).
//! let validator = Validator::builder(
//!     Issuer::new("https://op.example.com"),
//!     ClientId::new("client-1"),
//! )
//! .build()?;
//!
//! let token = include_str!("../tests/data/doc-token.txt").trim();
//! let now = UnixTime::from_secs(1_767_225_630); // pass the real time in
//! let logout = validator.validate(token.as_bytes(), &keys, now)?;
//! assert_eq!(logout.issuer(), "https://op.example.com");
//! match logout.scope() {
//!     LogoutScope::Session { sid, .. } => assert_eq!(sid, "session-42"),
//!     LogoutScope::Subject { .. } => unreachable!("the token has a sid"),
//! }
//! // Remember the jti until then to refuse a replay.
//! assert!(logout.remember_jti_until() > now);
//!
//! // Any failed check is a typed error with a stable code.
//! let later = UnixTime::from_secs(1_767_225_630 + 3600);
//! let err = validator.validate(token.as_bytes(), &keys, later).unwrap_err();
//! assert!(matches!(err, Error::TooOld { .. }));
//! assert_eq!(err.code(), "token_too_old");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules follow the specifications: [`jws`] (compact form, header),
//! [`jwk`] (keys and key sets), [`alg`] (algorithms), [`claims`] (the logout
//! token), [`validate`] (the validator and its configuration), [`error`];
//! then the HTTP side: [`request`] (the form body), [`response`] (the
//! answer), [`receive`] (the whole endpoint, driving a key source, a replay
//! guard and a logout sink), [`session`] (what a login records, and the
//! per-request decision about a session), [`store`] (the stores' key
//! derivation and in-memory stores) and [`log`] (what gets logged).
//!
//! # What does the cryptography and the parsing
//!
//! Nothing in this crate is arithmetic, an encoder or a parser of its own:
//!
//! - **Signatures**, through the crates' own public verify APIs, with each
//!   key prepared once and kept: by default RustCrypto (`rsa`'s PKCS #1
//!   v1.5 and PSS `VerifyingKey`, `p256`/`p384`'s `ecdsa::VerifyingKey`,
//!   `ed25519-dalek`'s `verify_strict`); with the **`aws-lc-rs`** feature,
//!   AWS-LC for RSA, ECDSA and Ed25519 (faster, but a C library). HMAC is
//!   `hmac`'s constant-time `verify_slice` on both. Ed25519 is strict on
//!   both: keys and `R` of small order, and a non-canonical `S`, are
//!   refused.
//! - **base64url**: the `base64` crate, strict (no padding, no trailing
//!   bits), for a token's segments and a JWK's members alike.
//! - **JSON**: `serde_json` only, through visitors that refuse a member
//!   given twice and bound the nesting.
//!
//! The **`tracing`** feature logs each request the [`Receiver`] handles.
//!
//! # Writing a framework adapter
//!
//! An adapter translates and decides nothing; every choice of status code,
//! log level or session rule is here, so that all adapters answer alike.
//!
//! 1. **The endpoint.** Take a [`SharedReceiver`] (the application builds a
//!    [`Receiver`] and calls [`Receiver::shared`]; no type parameters to
//!    name in your framework's state). For `POST`, read the body up to
//!    [`SharedReceiver::max_body`] plus one byte (into a
//!    [`request::BodyBuffer`], chunk by chunk, until it is full), call
//!    [`SharedReceiver::receive_buffered`] with the `Content-Type`, that
//!    buffer (or the error if reading failed) and the current time, and
//!    copy [`Outcome::response`] into the framework's response
//!    unchanged. Any other method gets [`Response::method_not_allowed`].
//!    The receiver logs the request (with the `tracing` feature).
//! 2. **The login helper.** Store the application's [`SessionRecord`] in
//!    the framework's session under [`SESSION_KEY`], renewing the session
//!    id.
//! 3. **The per-request check.** Hold a [`SessionCheck`] built from the
//!    marker store; on each request read the record stored under
//!    [`SESSION_KEY`], call [`SessionCheck::check`], and
//!    [`SessionDecision::resolve`] the decision: answer its `Err` (503)
//!    instead of calling the handler, or purge the session if it says so
//!    and hand the handler the live record (or none). When the framework's
//!    session layer itself fails, answer
//!    [`SessionCheck::session_layer_failed`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::indexing_slicing)]

pub mod alg;
pub mod claims;
pub mod error;
mod json;
pub mod jwk;
pub mod jws;
pub mod log;
pub mod receive;
pub mod request;
pub mod response;
pub mod session;
pub mod store;
pub mod time;
pub mod validate;
mod verify;

pub use alg::{Algorithm, AlgorithmSet, KeyKind, UnknownAlgorithm};
pub use claims::{LOGOUT_EVENT, LogoutScope, LogoutToken};
pub use error::{ConfigError, Error, JwksError};
pub use jwk::{HmacSecretTooShort, Key, KeySet, SkippedKey};
pub use jws::Header;
pub use receive::{
    BackendError, Freshness, KeySource, LogoutSink, Outcome, Receiver, Rejection, ReplayGuard,
    SharedReceiver, StaticKeys,
};
pub use response::Response;
pub use session::{
    EndReason, SESSION_KEY, SessionCheck, SessionDecision, SessionRecord, SessionRecordError,
    SessionStatus,
};
pub use store::{MarkerKind, MemoryLogoutStore, MemoryReplayGuard, StoreKey};
pub use time::UnixTime;
pub use validate::{
    ClientId, Issuer, TypPolicy, UnverifiedToken, Validator, ValidatorBuilder, ValidatorSet,
    peek_unverified, peek_unverified_with_limit, verify_compact,
};

/// The README's quick start, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
