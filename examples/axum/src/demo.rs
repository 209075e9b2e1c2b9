//! Demo mode's Axum side: the demo provider's routes, and the demo session
//! opened before the first request. Not needed in a real application.

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backchannel_logout_axum::record_login;
use backchannel_logout_axum::tower_sessions::{MemoryStore, Session};
use example_support::SESSION_COOKIE;
use example_support::demo::DemoProvider;
use serde::Deserialize;

/// The demo provider, shared by its routes.
pub(crate) struct Demo(pub(crate) DemoProvider);

impl Demo {
    /// Records the demo session in `sessions` and returns the banner with
    /// its cookie.
    pub(crate) async fn open_session(&self, sessions: MemoryStore) -> io::Result<String> {
        let session = Session::new(None, Arc::new(sessions), None);
        let record = self.0.demo_session().map_err(io::Error::other)?;
        record_login(&session, record)
            .await
            .map_err(io::Error::other)?;
        session.save().await.map_err(io::Error::other)?;
        let cookie = session
            .id()
            .map(|id| format!("{SESSION_COOKIE}={id}"))
            .unwrap_or_default();
        Ok(self.0.banner(&cookie))
    }
}

/// `GET /.well-known/jwks.json` and `GET /demo/logout-token`.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(demo: Arc<Demo>) -> Router<S> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/demo/logout-token", get(logout_token))
        .with_state(demo)
}

async fn jwks(State(demo): State<Arc<Demo>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        demo.0.jwks(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenQuery {
    sid: Option<String>,
    sub: Option<String>,
}

async fn logout_token(State(demo): State<Arc<Demo>>, Query(q): Query<TokenQuery>) -> Response {
    match demo.0.logout_token(q.sid.as_deref(), q.sub.as_deref()) {
        Some(token) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{token}\n"),
        )
            .into_response(),
        None => (StatusCode::BAD_REQUEST, "give sid, sub or both\n").into_response(),
    }
}
