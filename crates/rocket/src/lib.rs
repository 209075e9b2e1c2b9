//! [Rocket](https://rocket.rs) 0.5 adapter for OpenID Connect Back-Channel
//! Logout 1.0: mount the logout endpoint in one line, and end logged-out
//! sessions on every later request, over Rocket's private cookies (its
//! `secrets` feature).
//!
//! The adapter only translates: the core's [`SharedReceiver`] makes every
//! decision about a logout request and the core's [`SessionCheck`] every
//! decision about a session; this crate copies their answers into Rocket
//! responses and removes the cookies of the sessions they say have ended.
//!
//! ```
//! use std::sync::Arc;
//!
//! use backchannel_logout::{
//!     Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
//!     StaticKeys, Validator,
//! };
//! use backchannel_logout_rocket::{LiveSession, LogoutCheck, logout_routes};
//! use backchannel_logout_testkit::{SigningKey, TokenBuilder};
//! use rocket::http::ContentType;
//! use rocket::local::asynchronous::Client;
//!
//! #[rocket::get("/whoami")]
//! fn whoami(session: LiveSession) -> String {
//!     format!("{:?}", session.0.as_ref().and_then(|s| s.sub()))
//! }
//!
//! # #[rocket::main]
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
//! let rocket = rocket::build()
//!     .mount("/", rocket::routes![whoami])
//!     .attach(LogoutCheck::new(markers))
//!     // No CSRF or authentication guard on this route.
//!     .manage(receiver.shared())
//!     .mount("/backchannel-logout", logout_routes());
//! let client = Client::untracked(rocket).await?;
//!
//! // The provider's POST.
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! let token = TokenBuilder::new("https://op.example", "client", now).sid("s-1").sign(&key);
//! let post = || {
//!     client
//!         .post("/backchannel-logout")
//!         .header(ContentType::Form)
//!         .body(format!("logout_token={token}"))
//! };
//! let response = post().dispatch().await;
//! assert_eq!(response.status().code, 200);
//! assert_eq!(response.headers().get_one("cache-control"), Some("no-store"));
//! // The same token again is a replay.
//! assert_eq!(post().dispatch().await.status().code, 400);
//! # Ok(())
//! # }
//! ```
//!
//! The pieces:
//!
//! - the endpoint, §2.5 and §2.8 of the
//!   [specification](https://openid.net/specs/openid-connect-backchannel-1_0.html):
//!   [`logout_routes`], mounted with the [`SharedReceiver`] as managed
//!   state, or [`logout_handler`] to mount yourself. Keep the route
//!   outside CSRF and authentication guards and fairings: the provider
//!   sends no cookie and no CSRF token.
//! - at login: [`record_login`] stores the session's issuer, `sid`, `sub`
//!   and login time in a private cookie named after the core's
//!   [`SESSION_KEY`].
//! - on every other request: the [`LogoutCheck`] fairing, attached once,
//!   and the [`LiveSession`] request guard, which ends a session a logout
//!   token named (or one older than the markers are kept) and tells the
//!   handler who, if anyone, is logged in.
//!
//! A forgotten `manage` or `attach` stops Rocket at launch (the guards'
//! [`Sentinel`](rocket::Sentinel)s), not at the provider's first call.
//!
//! # In production
//!
//! The provider's keys come from its discovery document (or its JWKS URL)
//! through `backchannel-logout-jwks`; the receiver's sink and the session
//! check share one marker store; the login callback records the session.
//! Rocket needs a `secret_key` (`ROCKET_SECRET_KEY`) to encrypt the session
//! cookies, the same on every instance. The logout body's limit is the
//! receiver's (64 KiB unless `Receiver::with_max_body` says otherwise);
//! Rocket's named limit [`LIMIT_NAME`] (`backchannel-logout`) can lower it,
//! and a larger body still gets the core's 400 answer, not a bare 413.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use backchannel_logout::{ClientId, Issuer, MemoryLogoutStore, MemoryReplayGuard, Receiver, Validator};
//! use backchannel_logout_jwks::JwksKeySource;
//! use backchannel_logout_rocket::{LogoutCheck, logout_routes};
//!
//! # #[rocket::get("/")] fn home() {}
//! # #[rocket::get("/oidc/callback")] fn login_callback() {}
//! #[rocket::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let issuer = Issuer::new("https://op.example.com");
//!     let validator = Validator::builder(issuer.clone(), ClientId::new("my-client")).build()?;
//!     let keys = JwksKeySource::builder().issuer_discovery(issuer).build()?;
//!     keys.start().await?; // fails fast on a wrong issuer or an unreachable provider
//!
//!     // One store: the receiver writes logged-out markers, the check reads
//!     // them. Its TTL (24 h by default) is also the longest a login lasts.
//!     let markers = Arc::new(MemoryLogoutStore::new());
//!     let receiver = Receiver::new(validator, keys, MemoryReplayGuard::new(), Arc::clone(&markers));
//!
//!     let _ = rocket::build()
//!         // `login_callback` calls `record_login` with the validated ID
//!         // token's iss, sid and sub; `home` takes `LiveSession`.
//!         .mount("/", rocket::routes![home, login_callback])
//!         .attach(LogoutCheck::new(markers))
//!         .manage(receiver.shared())
//!         .mount("/backchannel-logout", logout_routes())
//!         .launch()
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! Rocket 0.5 sets no timeout for reading a request: a client trickling its
//! headers or body holds a connection forever. Serve it behind a reverse
//! proxy that cuts such clients off (nginx's `client_header_timeout` and
//! `client_body_timeout`), as the Rocket example does in process.
//!
//! Logging goes through the core (the default `tracing` feature; Rocket
//! itself logs through `log`): one event per logout request in a
//! `backchannel_logout` span with the claimed issuer and `kid`, the
//! outcome, the failed check's code, or the `sid` or `sub` logged out; one
//! event per ended session. Never the token. Install a `tracing`
//! subscriber to see them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod endpoint;
mod session;

pub use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, SharedReceiver};
pub use endpoint::{
    CoreResponse, LIMIT_NAME, LogoutBody, MissingReceiver, logout_handler, logout_routes,
};
pub use session::{LiveSession, LogoutCheck, record_login, session_cookie};
