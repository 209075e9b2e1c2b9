//! The example relying party for Axum: OpenID Connect Back-Channel Logout
//! with `backchannel-logout-axum`, behaving as the shared examples contract
//! says (`EXAMPLES.md`): the same environment, demo mode and routes as the
//! Actix and Rocket examples, so that one test suite drives all three.
//!
//! `main` reads the environment into a [`Config`], binds the listener and
//! calls [`serve`]; the tests build the same [`app`] in process.
#![forbid(unsafe_code)]

mod config;
mod demo;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use backchannel_logout::{
    MemoryLogoutStore, MemoryReplayGuard, Receiver, SessionRecord, UnixTime, Validator,
};
use backchannel_logout_axum::{LiveSession, LogoutCheckLayer, logout_route, record_login};
use backchannel_logout_jwks::{JwksKeySource, ProviderKeys};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer};

pub use config::{Config, ConfigError, DEFAULT_LISTEN, Keys, Mode, Provider};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "id";

/// Sessions end after this long without a request. Keep it shorter than the
/// logged-out markers' lifetime (24 hours by default): a marker must outlive
/// every session it ends, or that session would come back to life.
const SESSION_INACTIVITY: tower_sessions::cookie::time::Duration =
    tower_sessions::cookie::time::Duration::hours(8);

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

#[derive(Clone)]
struct AppState {
    /// The issuer recorded at login.
    issuer: Arc<str>,
    /// The demo provider, in demo mode.
    demo: Option<Arc<demo::DemoProvider>>,
}

/// Builds the application for a listener bound to `addr` (demo mode is its
/// own provider at `http://addr`), and in demo mode opens the demo session.
///
/// # Errors
///
/// When the demo session cannot be stored.
pub async fn app(config: Config, addr: SocketAddr) -> io::Result<App> {
    let markers = Arc::new(MemoryLogoutStore::new());
    let sessions = MemoryStore::default();
    let (validator, keys, state, login, mode) = match config.mode {
        Mode::Demo => {
            let provider = demo::DemoProvider::new(addr, &config.algorithms);
            let validator = provider.validator(&config.algorithms);
            let keys = ProviderKeys::from_key_set(provider.keys());
            let state = AppState {
                issuer: Arc::from(provider.issuer()),
                demo: Some(Arc::new(provider)),
            };
            (validator, keys, state, true, "demo mode".to_owned())
        }
        Mode::Provider(p) => {
            let validator = Validator::builder(p.issuer.clone(), p.client_id.clone())
                .algorithms(config.algorithms.iter().copied())
                .build();
            let mode = format!(
                "issuer {}, client id {}",
                p.issuer.as_str(),
                p.client_id.as_str()
            );
            let state = AppState {
                issuer: Arc::from(p.issuer.as_str()),
                demo: None,
            };
            let validator = validator.map_err(io::Error::other)?;
            let keys = provider_keys(&p, &validator).await?;
            (Ok(validator), keys, state, p.demo_login, mode)
        }
    };
    let validator = validator.map_err(io::Error::other)?;
    let receiver = Arc::new(Receiver::new(
        validator,
        keys,
        MemoryReplayGuard::new(),
        Arc::clone(&markers),
    ));

    let banner = match &state.demo {
        Some(provider) => {
            let session = Session::new(
                None,
                Arc::new(sessions.clone()),
                Some(Expiry::OnInactivity(SESSION_INACTIVITY)),
            );
            provider
                .open_demo_session(&session)
                .await
                .map_err(io::Error::other)?;
            provider.banner(&session)
        }
        None => String::new(),
    };

    let mut routes = Router::new().route("/whoami", get(whoami));
    if login {
        routes = routes.route("/login", post(login_callback));
    }
    if state.demo.is_some() {
        routes = routes
            .route("/.well-known/jwks.json", get(demo::jwks))
            .route("/demo/logout-token", get(demo::logout_token));
    }
    let router = routes
        .with_state(state)
        // Every route above: a logged-out session is ended here.
        .layer(LogoutCheckLayer::new(markers))
        .layer(
            SessionManagerLayer::new(sessions)
                .with_name(SESSION_COOKIE)
                // Plain HTTP on loopback for the example; behind HTTPS keep
                // the default (secure cookies).
                .with_secure(false)
                // The OpenID Connect login callback arrives from the
                // provider's site: Strict would drop the cookie there.
                .with_same_site(SameSite::Lax)
                .with_expiry(Expiry::OnInactivity(SESSION_INACTIVITY)),
        )
        // After the layers: the provider's call carries no cookie and no
        // CSRF token, and must not be checked as a browser session.
        .route("/backchannel-logout", logout_route(receiver));
    Ok(App {
        router,
        mode,
        banner,
    })
}

/// The key source the configuration names: the JWKS file, or the key set
/// URL or discovery, fetched once now so that a wrong issuer or an
/// unreachable provider stops the program at start.
async fn provider_keys(p: &Provider, validator: &Validator) -> io::Result<ProviderKeys> {
    let (variable, builder) = match &p.keys {
        Keys::File(keys) => return Ok(ProviderKeys::from_key_set(keys.clone())),
        Keys::Uri(uri) => (
            "BCL_JWKS_URI",
            JwksKeySource::builder().jwks_uri(p.issuer.clone(), uri.clone()),
        ),
        Keys::Discovery => (
            "BCL_ISSUER",
            JwksKeySource::builder().issuer_discovery(p.issuer.clone()),
        ),
    };
    // A configuration error: `main` exits with status 2 on InvalidInput.
    let bad = |e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{variable}: {e}"))
    };
    let source = builder
        .allowed_algorithms_for(&p.issuer, validator.algorithms())
        .build()
        .map_err(|e| bad(&e))?;
    source.start().await.map_err(|e| bad(&e))?;
    Ok(ProviderKeys::Fetched(source))
}

/// Serves the application on `listener` until `shutdown` completes: logs
/// the address and mode, prints the demo banner on standard output.
///
/// # Errors
///
/// When the demo session cannot be stored, or serving fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let app = app(config, addr).await?;
    tracing::info!("example-axum listening on http://{addr} ({})", app.mode);
    if !app.banner.is_empty() {
        println!("{}", app.banner);
    }
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn whoami(LiveSession(session): LiveSession) -> Json<serde_json::Value> {
    Json(match session {
        Some(s) => json!({
            "authenticated": true,
            "iss": s.issuer,
            "sub": s.sub,
            "sid": s.sid,
        }),
        None => json!({ "authenticated": false }),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    sub: String,
    sid: Option<String>,
}

/// Stands in for the OpenID Connect login callback: a real one records the
/// validated ID token's `iss`, `sid` and `sub` the same way.
async fn login_callback(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = UnixTime::from_system_time(SystemTime::now());
    let sid = form.sid.filter(|s| !s.is_empty());
    let record = SessionRecord::new(&*state.issuer, sid, Some(form.sub), now);
    match record_login(&session, record).await {
        Ok(()) => Redirect::to("/whoami").into_response(),
        Err(error) => {
            tracing::error!(%error, "login failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
