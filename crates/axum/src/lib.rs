//! [Axum](https://docs.rs/axum) adapter for OpenID Connect Back-Channel
//! Logout 1.0: mount the logout endpoint in one line, and end logged-out
//! sessions on every later request, with
//! [`tower-sessions`](https://docs.rs/tower-sessions) 0.15 (re-exported as
//! [`tower_sessions`], so the versions always match).
//!
//! The adapter only translates: the core's [`SharedReceiver`] makes every
//! decision about a logout request and the core's [`SessionCheck`] every
//! decision about a session; this crate copies their answers into Axum
//! responses and purges the sessions they say have ended.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use backchannel_logout::{
//!     Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
//!     StaticKeys, Validator,
//! };
//! use backchannel_logout_axum::tower_sessions::{MemoryStore, SessionManagerLayer};
//! use backchannel_logout_axum::{LiveSession, LogoutCheckLayer, logout_route};
//! use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The provider's key set (here, a test key), loaded once.
//! let issuer = Issuer::new("https://op.example");
//! let key = SigningKey::generate(Algorithm::ES256, "k1");
//! let keys = KeySet::from_jwks(SigningKey::jwks(&[&key]).as_bytes())?;
//!
//! // The receiver: the core's endpoint. Its sink, the logged-out markers,
//! // is also what the per-request check reads.
//! let markers = Arc::new(MemoryLogoutStore::new());
//! let validator = Validator::builder(issuer.clone(), ClientId::new("client"))
//!     .algorithms([Algorithm::ES256])
//!     .build()?;
//! let receiver = Receiver::new(
//!     validator,
//!     StaticKeys::new(issuer, keys),
//!     MemoryReplayGuard::new(),
//!     Arc::clone(&markers),
//! );
//!
//! async fn whoami(LiveSession(session): LiveSession) -> String {
//!     format!("{:?}", session.as_ref().and_then(|s| s.sub()))
//! }
//!
//! let app = Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(LogoutCheckLayer::new(markers))
//!     .layer(SessionManagerLayer::new(MemoryStore::default()))
//!     // After the layers: no session, CSRF or auth middleware on this route.
//!     .route("/backchannel-logout", logout_route(receiver.shared()));
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
//!   or [`logout_handler`] for a [`SharedReceiver`] kept in your own state.
//!   Keep the route outside CSRF and authentication middleware: the
//!   provider sends no cookie and no CSRF token.
//! - at login: [`record_login`] stores the session's issuer, `sid`, `sub`
//!   and login time in the `tower_sessions` session, under the core's
//!   [`SESSION_KEY`].
//! - on every other request: [`LogoutCheckLayer`] ends a session a logout
//!   token named (or one older than the markers are kept), and
//!   [`LiveSession`] tells the handler who, if anyone, is logged in.
//!
//! # In production
//!
//! The provider's keys come from its discovery document (or its JWKS URL)
//! through `backchannel-logout-jwks`; the receiver's sink and the check
//! layer share one marker store; the login callback records the session;
//! the session cookie is `SameSite=Lax` (with `Strict` the browser drops it
//! on the provider's redirect back to your login callback) and expires no
//! later than the markers do.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use axum::{Router, routing::get};
//! use backchannel_logout::{ClientId, Issuer, MemoryLogoutStore, MemoryReplayGuard, Receiver, Validator};
//! use backchannel_logout_axum::tower_sessions::cookie::{SameSite, time::Duration};
//! use backchannel_logout_axum::tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};
//! use backchannel_logout_axum::{LogoutCheckLayer, logout_route};
//! use backchannel_logout_jwks::JwksKeySource;
//!
//! # async fn login_callback() {}
//! # async fn home() {}
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = Issuer::new("https://op.example.com");
//! let validator = Validator::builder(issuer.clone(), ClientId::new("my-client")).build()?;
//! // Discovery finds the JWKS URL. (`allowed_algorithms_for` is optional: it
//! // only warns when the provider does not advertise an allowed algorithm.)
//! let keys = JwksKeySource::builder().issuer_discovery(issuer).build()?;
//! keys.start().await?; // fails fast on a wrong issuer or an unreachable provider
//!
//! // One store: the receiver writes logged-out markers, the layer reads them.
//! // Its TTL (24 h by default) is also the longest a login lasts.
//! let markers = Arc::new(MemoryLogoutStore::new());
//! let receiver = Receiver::new(validator, keys, MemoryReplayGuard::new(), Arc::clone(&markers));
//!
//! let sessions = SessionManagerLayer::new(MemoryStore::default())
//!     .with_same_site(SameSite::Lax)
//!     .with_expiry(Expiry::OnInactivity(Duration::hours(8)));
//! let app: Router = Router::new()
//!     .route("/", get(home))
//!     // calls `record_login` with the validated ID token's iss, sid and sub
//!     .route("/oidc/callback", get(login_callback))
//!     .layer(LogoutCheckLayer::new(markers))
//!     .layer(sessions)
//!     .route("/backchannel-logout", logout_route(receiver.shared()));
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! `axum::serve` sets no timeout for reading a request: a client trickling
//! its headers or body holds a connection forever. Serve with hyper's own
//! setting instead (`hyper_util::server::conn::auto::Builder`, its
//! `http1().header_read_timeout(..)` with a `TokioTimer`) and a
//! whole-request limit (`tower_http::timeout::TimeoutLayer`), as the Axum
//! example's `serve_router` does (10 s for the headers, 30 s for the rest).
//!
//! Logging goes through the core (the default `tracing` feature): one event
//! per logout request in a `backchannel_logout` span with the claimed
//! issuer and `kid`, the outcome, the failed check's code, or the `sid` or
//! `sub` logged out; one event per ended session. Never the token.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod endpoint;
mod session;

pub use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, SharedReceiver};
pub use endpoint::{logout_handler, logout_route};
pub use session::{LiveSession, LogoutCheck, LogoutCheckLayer, MissingLogoutCheck, record_login};
/// The `tower-sessions` this adapter is built for (0.15): use this re-export
/// for the session layer so that the versions match.
pub use tower_sessions;
