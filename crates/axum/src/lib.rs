//! [Axum](https://docs.rs/axum) adapter for OpenID Connect Back-Channel
//! Logout 1.0: mount the logout endpoint in one line, and end logged-out
//! sessions on every later request, with
//! [`tower-sessions`](https://docs.rs/tower-sessions).
//!
//! The adapter is thin: it hands the request's content type and body to the
//! core's [`Receiver`](backchannel_logout::Receiver), which makes every
//! decision, and copies its answer into an Axum response.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use backchannel_logout::{
//!     Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
//!     StaticKeys, Validator,
//! };
//! use backchannel_logout_axum::{LiveSession, LogoutCheckLayer, logout_route};
//! use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//! use tower::ServiceExt;
//! use tower_sessions::{MemoryStore, SessionManagerLayer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The provider's key set (here, a test key), loaded once.
//! let key = SigningKey::generate(Algorithm::ES256, "k1");
//! let keys = KeySet::from_jwks(SigningKey::jwks(&[&key]).as_bytes())?;
//!
//! // The receiver: the core's endpoint. Its sink, the logged-out markers,
//! // is also what the per-request check reads.
//! let markers = Arc::new(MemoryLogoutStore::new());
//! let validator = Validator::builder(Issuer::new("https://op.example"), ClientId::new("client"))
//!     .algorithms([Algorithm::ES256])
//!     .build()?;
//! let receiver = Arc::new(Receiver::new(
//!     validator,
//!     StaticKeys::new(keys),
//!     MemoryReplayGuard::new(),
//!     Arc::clone(&markers),
//! ));
//!
//! async fn whoami(LiveSession(session): LiveSession) -> String {
//!     format!("{:?}", session.and_then(|s| s.sub))
//! }
//!
//! let app = Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(LogoutCheckLayer::new(markers))
//!     .layer(SessionManagerLayer::new(MemoryStore::default()))
//!     // After the layers: no session, CSRF or auth middleware on this route.
//!     .route("/backchannel-logout", logout_route(receiver));
//!
//! // The provider's POST.
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! let token = TokenBuilder::new("https://op.example", "client", now).sid("s-1").sign(&key);
//! let request = || {
//!     Request::post("/backchannel-logout")
//!         .header("content-type", "application/x-www-form-urlencoded")
//!         .body(Body::from(format!("logout_token={token}")))
//! };
//! let response = app.clone().oneshot(request()?).await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["cache-control"], "no-store");
//! // The same token again is a replay.
//! let response = app.oneshot(request()?).await?;
//! assert_eq!(response.status(), 400);
//! # Ok(())
//! # }
//! ```
//!
//! The pieces:
//!
//! - the endpoint, §2.5 and §2.8 of the
//!   [specification](https://openid.net/specs/openid-connect-backchannel-1_0.html):
//!   [`logout_route`] (a ready [`MethodRouter`](axum::routing::MethodRouter)),
//!   or [`logout_handler`] for a receiver kept in your own state. Keep the
//!   route outside CSRF and authentication middleware: the provider sends
//!   no cookie and no CSRF token.
//! - at login: [`record_login`] stores the session's issuer, `sid`, `sub`
//!   and login time in the `tower_sessions` session.
//! - on every other request: [`LogoutCheckLayer`] ends a session a logout
//!   token named, and [`LiveSession`] tells the handler who, if anyone, is
//!   logged in.
//!
//! Logging goes through [`tracing`]: one event per logout request, in a
//! `backchannel_logout` span with the claimed issuer and `kid`; the outcome,
//! the failed check's code, or the `sid` or `sub` logged out. Never the token.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod endpoint;
mod session;

pub use endpoint::{logout_handler, logout_route};
pub use session::{
    LiveSession, LogoutCheck, LogoutCheckLayer, MissingLogoutCheck, SESSION_KEY, record_login,
};
