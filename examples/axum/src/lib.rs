//! The example relying party for Axum: OpenID Connect Back-Channel Logout
//! with `backchannel-logout-axum`, keeping the examples' contract
//! (`examples/README.md`): the same environment, demo mode and routes as the
//! other frameworks' examples, so that one test suite drives them all.
//!
//! [`app`] is the Axum wiring a real application copies: session layer,
//! check layer, routes. The validator, key source, receiver and stores are
//! the same in every framework's example: `example_support::setup` builds
//! them (and the adapter's crate docs show them in production). Demo mode
//! (the example playing its own provider) lives apart, in `demo.rs` and
//! the `example-support` crate; a real application needs neither.
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
use backchannel_logout::{SessionRecord, UnixTime};
use backchannel_logout_axum::tower_sessions::cookie::SameSite;
use backchannel_logout_axum::tower_sessions::cookie::time::Duration;
use backchannel_logout_axum::tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer};
use backchannel_logout_axum::{LiveSession, LogoutCheckLayer, logout_route, record_login};
pub use example_support::{Config, ConfigError, Timeouts};
use example_support::{SESSION_COOKIE, Setup, setup};
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
    // The provider, the receiver and the marker store: the same in every
    // example (`example_support::setup` says how they are built).
    let Setup {
        demo,
        provider,
        mode,
        receiver,
        markers,
    } = setup(config, addr).await?;
    let demo = demo.map(|d| Arc::new(demo::Demo(d)));

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
        .route("/backchannel-logout", logout_route(receiver));
    Ok(App {
        router,
        mode,
        banner,
    })
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
/// most 5 s). `axum::serve` sets no timeout: this uses hyper's own header
/// timeout and a whole-request timeout layer.
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
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
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
