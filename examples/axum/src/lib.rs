//! The example relying party for Axum: OpenID Connect Back-Channel Logout
//! with `backchannel-logout-axum`, keeping the examples' contract
//! (`examples/README.md`): the same environment, demo mode and routes as the
//! other frameworks' examples, so that one test suite drives them all.
//!
//! [`app`] is the wiring a real application copies: validator, key
//! source, receiver, session layer, check layer, routes. Demo mode (the
//! example playing its own provider) lives apart, in `demo.rs` and the
//! `example-support` crate; a real application needs neither.
#![forbid(unsafe_code)]

mod demo;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use backchannel_logout::{Receiver, SessionRecord, UnixTime, Validator};
use backchannel_logout_axum::tower_sessions::cookie::SameSite;
use backchannel_logout_axum::tower_sessions::cookie::time::Duration;
use backchannel_logout_axum::tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer};
use backchannel_logout_axum::{LiveSession, LogoutCheckLayer, logout_route, record_login};
pub use example_support::{Config, ConfigError};
use example_support::{SESSION_COOKIE, key_source, stores};
use serde::Deserialize;

/// The application, ready to serve.
#[derive(Debug)]
pub struct App {
    /// The routes.
    pub router: Router,
    /// One line naming the mode, for the start-up log.
    pub mode: String,
    /// What to print at start: in demo mode, the ready-to-paste `curl`
    /// commands; otherwise empty.
    pub banner: String,
}

/// Builds the application for a listener bound to `addr` (demo mode is its
/// own provider at `http://addr`).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] for a configuration error (the
/// provider's keys unreachable at start, say); another error when the demo
/// session cannot be stored.
pub async fn app(config: Config, addr: SocketAddr) -> io::Result<App> {
    let (provider, demo, mode) = example_support::provider(config.mode, addr, &config.algorithms);
    let demo = demo.map(|d| Arc::new(demo::Demo(d)));

    // The provider's tokens: its issuer, this client, the algorithms it
    // registered; keys by discovery, from a JWKS URL or a file.
    let validator = Validator::builder(provider.issuer.clone(), provider.client_id.clone())
        .algorithms(config.algorithms.iter().copied())
        .build()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let keys = key_source(&provider, &validator).await?;

    // The replay guard, and one marker store: the receiver writes a logout
    // to it, the check layer reads it on every request. Its TTL (24 h) is
    // the longest a login lasts. In memory for one instance; on Redis
    // (`BCL_REDIS_URL`) shared by every instance, with
    // `backchannel_logout_redis::RedisConfig::connect`.
    let (replay, markers) = stores(config.redis.as_ref()).await?;
    let receiver = Receiver::new(validator, keys, replay, markers.clone());

    let sessions = MemoryStore::default();
    let session_layer = SessionManagerLayer::new(sessions.clone())
        .with_name(SESSION_COOKIE)
        // Plain HTTP on loopback for the example; behind HTTPS keep the
        // default (secure cookies).
        .with_secure(false)
        // The OpenID Connect login callback arrives from the provider's
        // site: Strict would drop the cookie there.
        .with_same_site(SameSite::Lax)
        // Idle sessions end well before the markers' 24 hours.
        .with_expiry(Expiry::OnInactivity(Duration::hours(8)));

    let state = LoginState {
        issuer: Arc::from(provider.issuer.as_str()),
    };
    let mut routes = Router::new().route("/whoami", get(whoami));
    if provider.demo_login {
        routes = routes.route("/login", post(login));
    }
    let mut banner = String::new();
    if let Some(demo) = &demo {
        banner = demo.open_session(sessions).await?;
        routes = routes.merge(demo::routes(Arc::clone(demo)));
    }
    let router = routes
        .with_state(state)
        // Every route above: a logged-out session is ended here.
        .layer(LogoutCheckLayer::new(markers))
        .layer(session_layer)
        // After the layers: the provider's call carries no cookie and no
        // CSRF token, and must not be checked as a browser session.
        .route("/backchannel-logout", logout_route(receiver.shared()));
    Ok(App {
        router,
        mode,
        banner,
    })
}

/// How long a client may take to send a request, so that a slow or stalled
/// client (headers or body trickled byte by byte) cannot hold a
/// connection, and a task, forever. `axum::serve` sets no such limit:
/// [`serve_router`] does, with hyper's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the connection's first byte (or the previous request) to the
    /// end of the request's headers; then the connection is closed.
    pub header: std::time::Duration,
    /// For the whole request once its headers are in: reading the body
    /// and answering. A client still sending its body then gets 408 and the
    /// connection is closed.
    pub request: std::time::Duration,
}

impl Default for Timeouts {
    /// 10 s for the headers, 30 s for the rest: a provider sends a few
    /// kilobytes at once, and the answer waits at most for a key fetch
    /// (whose own timeout is shorter).
    fn default() -> Self {
        Timeouts {
            header: std::time::Duration::from_secs(10),
            request: std::time::Duration::from_secs(30),
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes: logs
/// the address and mode, prints the demo banner on standard output.
///
/// # Errors
///
/// As [`app`], and when serving fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let app = app(config, addr).await?;
    example_support::announce("example-axum", addr, &app.mode, &app.banner);
    serve_router(listener, app.router, Timeouts::default(), shutdown).await
}

/// Serves `router` on `listener` with [`Timeouts`], HTTP/1.1 and HTTP/2,
/// until `shutdown` completes; then lets the requests in flight finish (at
/// most 5 s).
///
/// # Errors
///
/// None today: a failed `accept` (too many open files, say) is logged and
/// retried after a pause.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower_http::timeout::TimeoutLayer;

    let router = router.layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        timeouts.request,
    ));
    let service = TowerToHyperService::new(router);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            stream = example_support::accept(&listener) => stream,
            () = &mut shutdown => break,
        };
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service.clone())
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that stalls or goes away ends its own connection.
            let _ = connection.await;
        });
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
}

/// `GET /whoami`: the live session, if any.
async fn whoami(LiveSession(session): LiveSession) -> Json<serde_json::Value> {
    Json(example_support::whoami(session.as_ref()))
}

#[derive(Clone)]
struct LoginState {
    /// The issuer recorded at login.
    issuer: Arc<str>,
}

#[derive(Deserialize)]
struct LoginForm {
    sub: String,
    sid: Option<String>,
}

/// `POST /login`: stands in for the OpenID Connect login callback, which
/// records the validated ID token's `iss`, `sid` and `sub` the same way.
async fn login(
    State(state): State<LoginState>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = UnixTime::from_system_time(SystemTime::now());
    let record = match SessionRecord::new(&*state.issuer, form.sid, Some(form.sub), now) {
        Ok(record) => record,
        Err(error) => {
            return (axum::http::StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };
    match record_login(&session, record).await {
        Ok(()) => Redirect::to("/whoami").into_response(),
        Err(error) => {
            tracing::error!(%error, "login failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
