//! The OpenID Provider's keys for back-channel logout, fetched over HTTP:
//! discovery and JWKS, cached, rotation-safe, stale-if-error.
//!
//! [`JwksKeySource`] is the [`KeySource`](backchannel_logout::KeySource) a
//! [`Receiver`](backchannel_logout::Receiver) asks for the keys that verify
//! logout tokens. Give it the issuer (its keys are found through
//! `/.well-known/openid-configuration`) or the key set URL, start it once,
//! and it keeps the keys current: refreshed before they expire, refetched
//! when a token names an unknown `kid` (at most once per cooldown, one fetch
//! shared by concurrent requests), and kept in use while the provider is
//! unreachable. Several issuers can share one key source, each with its own
//! cache.
//!
//! ```
//! use backchannel_logout::{Algorithm, ClientId, Issuer, Receiver, UnixTime, Validator};
//! use backchannel_logout::{MemoryLogoutStore, MemoryReplayGuard};
//! use backchannel_logout_jwks::JwksKeySource;
//! # use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // A stand-in provider on loopback, serving discovery and its key set.
//! # let key = SigningKey::generate(Algorithm::ES256, "k1");
//! # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let provider = format!("http://{}", listener.local_addr()?);
//! # let discovery = serde_json::json!({
//! #     "issuer": provider, "jwks_uri": format!("{provider}/jwks"),
//! #     "id_token_signing_alg_values_supported": ["RS256", "ES256"],
//! #     "backchannel_logout_supported": true,
//! # }).to_string();
//! # let jwks = SigningKey::jwks(&[&key]);
//! # let app = axum::Router::new()
//! #     .route("/.well-known/openid-configuration", axum::routing::get(|| async move { discovery }))
//! #     .route("/jwks", axum::routing::get(|| async move { jwks }));
//! # tokio::spawn(async move { axum::serve(listener, app).await });
//! // The issuer, exactly as the provider's discovery document spells it
//! // ("https://op.example.com" in production; a loopback server here).
//! let issuer = Issuer::new(provider);
//! let validator = Validator::builder(issuer.clone(), ClientId::new("client-1"))
//!     .algorithms([Algorithm::ES256])
//!     .build()?;
//!
//! // Keys by discovery (or `.jwks_uri(issuer, url)` to name the key set).
//! let keys = JwksKeySource::builder()
//!     .issuer_discovery(issuer.clone())
//!     .allowed_algorithms_for(&issuer, validator.algorithms())
//!     .build()?;
//! // At startup: the first fetch, failing fast on a wrong issuer or an
//! // unreachable provider, then the background refresher.
//! keys.start().await?;
//!
//! let receiver = Receiver::new(
//!     validator,
//!     keys.clone(),
//!     MemoryReplayGuard::new(),
//!     MemoryLogoutStore::new(),
//! );
//! # let now = UnixTime::from_system_time(std::time::SystemTime::now());
//! # let token = TokenBuilder::new(issuer.as_str(), "client-1", now.as_secs()).sid("s-1").sign(&key);
//! // In the endpoint, for each POST from the provider:
//! let body = format!("logout_token={token}");
//! let outcome = receiver
//!     .receive(Some("application/x-www-form-urlencoded"), body.as_bytes(), now)
//!     .await;
//! assert_eq!(outcome.response.status, 200);
//! assert_eq!(keys.metrics().fetches, 1);
//! # Ok(())
//! # }
//! ```
//!
//! Only `https` URLs are fetched, except `http` to a loopback address
//! (127.0.0.0/8, `[::1]`, `localhost`) where tests and local providers run;
//! redirects are held to the same rule. Every request has a connect and a
//! total timeout and a response size limit.
//!
//! Observability: [`JwksKeySource::metrics`] returns counters (fetches,
//! failures, unknown-`kid` refreshes, refreshes held back by the cooldown,
//! stale keys served) to export; [`JwksKeySource::status`] tells one
//! issuer's state for a health check; and every fetch, failure and refresh
//! is a `tracing` event (target `backchannel_logout_jwks`): failures and
//! discovery warnings at `WARN`, fetches and refreshes at `INFO`, the rest at
//! `DEBUG`.
//!
//! Specifications: [OpenID Connect Discovery 1.0](https://openid.net/specs/openid-connect-discovery-1_0.html)
//! (§4: the discovery URL and the issuer check), [RFC 7517](https://www.rfc-editor.org/rfc/rfc7517)
//! (JWK sets), [Back-Channel Logout 1.0](https://openid.net/specs/openid-connect-backchannel-1_0.html)
//! §2.1 (`backchannel_logout_supported`), OpenID Connect Core 1.0 §10.1.1
//! (key rotation), [RFC 9111](https://www.rfc-editor.org/rfc/rfc9111) §5.2
//! (`Cache-Control`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod discovery;
mod error;
mod fetch;
mod metrics;
mod provider_keys;
mod source;

pub use discovery::DiscoveryWarning;
pub use error::{BuildError, Error};
pub use metrics::MetricsSnapshot;
pub use provider_keys::ProviderKeys;
pub use source::{IssuerStatus, JwksKeySource, JwksKeySourceBuilder};
/// The URL type of [`JwksKeySourceBuilder::jwks_uri`], re-exported.
pub use url::Url;
