//! [Actix Web](https://docs.rs/actix-web) adapter for OpenID Connect
//! Back-Channel Logout 1.0: register the logout endpoint in one line, and
//! end logged-out sessions on every later request, with
//! [`actix-session`](https://docs.rs/actix-session) 0.11 (re-exported as
//! [`actix_session`], so the versions always match).
//!
//! The adapter only translates: the core's [`SharedReceiver`] makes every
//! decision about a logout request and the core's [`SessionCheck`] every
//! decision about a session; this crate copies their answers into Actix
//! responses and purges the sessions they say have ended.
//!
//! ```
//! use std::sync::Arc;
//!
//! use actix_web::{App, cookie::Key, test, web};
//! use backchannel_logout::{
//!     Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
//!     StaticKeys, Validator,
//! };
//! use backchannel_logout_actix::actix_session::{SessionMiddleware, storage::CookieSessionStore};
//! use backchannel_logout_actix::{LiveSession, LogoutCheck, logout_route};
//! use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # actix_web::rt::System::new().block_on(async {
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
//! )
//! .shared();
//!
//! async fn whoami(LiveSession(session): LiveSession) -> String {
//!     format!("{:?}", session.as_ref().and_then(|s| s.sub()))
//! }
//!
//! let app = test::init_service(
//!     App::new()
//!         // Outside the scope's middleware: no session, CSRF or auth on this route.
//!         .service(logout_route("/backchannel-logout", receiver))
//!         .service(
//!             web::scope("")
//!                 .route("/whoami", web::get().to(whoami))
//!                 .wrap(LogoutCheck::new(markers))
//!                 .wrap(SessionMiddleware::new(CookieSessionStore::default(), Key::generate())),
//!         ),
//! )
//! .await;
//!
//! // The provider's POST.
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! let token = TokenBuilder::new("https://op.example", "client", now).sid("s-1").sign(&key);
//! let request = || {
//!     test::TestRequest::post()
//!         .uri("/backchannel-logout")
//!         .insert_header(("content-type", "application/x-www-form-urlencoded"))
//!         .set_payload(format!("logout_token={token}"))
//!         .to_request()
//! };
//! let response = test::call_service(&app, request()).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
//! // The same token again is a replay.
//! let response = test::call_service(&app, request()).await;
//! assert_eq!(response.status(), 400);
//! # Ok(())
//! # })
//! # }
//! ```
//!
//! The pieces:
//!
//! - the endpoint, §2.5 and §2.8 of the
//!   [specification](https://openid.net/specs/openid-connect-backchannel-1_0.html):
//!   [`logout_route`] (a ready [`Resource`](actix_web::Resource)), or
//!   [`logout_handler`] for a [`SharedReceiver`] kept in your own
//!   `app_data`. Keep the route outside CSRF and authentication middleware
//!   (and the session middleware): the provider sends no cookie and no CSRF
//!   token.
//! - at login: [`record_login`] stores the session's issuer, `sid`, `sub`
//!   and login time in the `actix_session` session, under the core's
//!   [`SESSION_KEY`].
//! - on every other request: the [`LogoutCheck`] middleware ends a session
//!   a logout token named (or one older than the markers are kept), and
//!   [`LiveSession`] tells the handler who, if anyone, is logged in.
//!
//! # In production
//!
//! The provider's keys come from its discovery document (or its JWKS URL)
//! through `backchannel-logout-jwks`; the receiver's sink and the check
//! share one marker store; the login callback records the session; the
//! session cookie is `SameSite=Lax` (with `Strict` the browser drops it on
//! the provider's redirect back to your login callback), expires no later
//! than the markers do, and its key is loaded, not generated, so that
//! sessions survive a restart and every instance reads them.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use actix_web::body::MessageBody;
//! use actix_web::cookie::{Key, SameSite, time};
//! use actix_web::dev::{ServiceRequest, ServiceResponse};
//! use actix_web::middleware::{Next, from_fn};
//! use actix_web::{App, HttpServer, web};
//! use backchannel_logout::{ClientId, Issuer, MemoryLogoutStore, MemoryReplayGuard, Receiver, Validator};
//! use backchannel_logout_actix::actix_session::config::PersistentSession;
//! use backchannel_logout_actix::actix_session::{SessionMiddleware, storage::CookieSessionStore};
//! use backchannel_logout_actix::{LogoutCheck, logout_route};
//! use backchannel_logout_jwks::JwksKeySource;
//!
//! # async fn login_callback() -> &'static str { "" }
//! # async fn home() -> &'static str { "" }
//! # fn session_key() -> Key { Key::generate() }
//! /// 408 for a request, its body included, slower than 30 s.
//! async fn within_30s(
//!     request: ServiceRequest,
//!     next: Next<impl MessageBody>,
//! ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
//!     actix_web::rt::time::timeout(Duration::from_secs(30), next.call(request))
//!         .await
//!         .map_err(|_| actix_web::error::ErrorRequestTimeout("request timed out"))?
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # actix_web::rt::System::new().block_on(async {
//! let issuer = Issuer::new("https://op.example.com");
//! let validator = Validator::builder(issuer.clone(), ClientId::new("my-client")).build()?;
//! // Discovery finds the JWKS URL. (`allowed_algorithms_for` is optional: it
//! // only warns when the provider does not advertise an allowed algorithm.)
//! let keys = JwksKeySource::builder().issuer_discovery(issuer).build()?;
//! keys.start().await?; // fails fast on a wrong issuer or an unreachable provider
//!
//! // One store: the receiver writes logged-out markers, the middleware reads
//! // them. Its TTL (24 h by default) is also the longest a login lasts.
//! let markers = Arc::new(MemoryLogoutStore::new());
//! let receiver = Receiver::new(validator, keys, MemoryReplayGuard::new(), Arc::clone(&markers)).shared();
//! let key = session_key(); // 64 bytes from your secrets
//!
//! HttpServer::new(move || {
//!     let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
//!         .cookie_same_site(SameSite::Lax)
//!         .session_lifecycle(PersistentSession::default().session_ttl(time::Duration::hours(8)))
//!         .build();
//!     App::new()
//!         .wrap(from_fn(within_30s))
//!         .service(logout_route("/backchannel-logout", receiver.clone()))
//!         .service(
//!             web::scope("")
//!                 .route("/", web::get().to(home))
//!                 // calls `record_login` with the validated ID token's iss, sid and sub
//!                 .route("/oidc/callback", web::get().to(login_callback))
//!                 .wrap(LogoutCheck::new(Arc::clone(&markers)))
//!                 .wrap(sessions),
//!         )
//! })
//! // Clients trickling their headers are cut off after 10 s, their body
//! // after 30 s (`within_30s`).
//! .client_request_timeout(Duration::from_secs(10))
//! .bind("0.0.0.0:3000")?
//! .run()
//! .await?;
//! # Ok(())
//! # })
//! # }
//! ```
//!
//! Actix cuts off a client trickling its headers
//! (`HttpServer::client_request_timeout`, 5 s by default) but sets no limit
//! on reading a body: a client trickling the body of a logout request holds
//! a connection until it stops. Hence the whole-request timeout middleware
//! above, as in the Actix example's `serve_routes`. (It answers with an
//! error rather than building a response: a response needs the
//! `HttpRequest`, which must not be cloned before Actix routes it.)
//!
//! Logging goes through the core (the default `tracing` feature): one event
//! per logout request in a `backchannel_logout` span with the claimed
//! issuer and `kid`, the outcome, the failed check's code, or the `sid` or
//! `sub` logged out; one event per ended session. Never the token.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod endpoint;
mod session;

/// The `actix-session` this adapter is built for (0.11): use this
/// re-export for the session middleware so that the versions match.
pub use actix_session;
pub use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, SharedReceiver};
pub use endpoint::{logout_handler, logout_route};
pub use session::{
    LiveSession, LogoutCheck, LogoutCheckMiddleware, MissingLogoutCheck, record_login,
};
