//! The back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8):
//! the request's content type and body go to the core's [`Receiver`], its
//! answer comes back as an Axum response.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use backchannel_logout::request::RequestError;
use backchannel_logout::{
    KeySource, LogoutScope, LogoutSink, Outcome, Receiver, Rejection, ReplayGuard, UnixTime,
};
use http_body_util::BodyExt;
use tracing::{Instrument, field};

/// The endpoint as a [`MethodRouter`] carrying its receiver: mount it at the
/// path you registered as `backchannel_logout_uri`, in one line, whatever
/// your application's state.
///
/// `POST` goes to [`logout_handler`]; any other method gets the core's 405
/// answer (with `Allow: POST` and `Cache-Control: no-store`).
///
/// The provider calls this route server to server, without cookies and
/// without a CSRF token: the signed logout token is the only proof. Mount it
/// **outside** CSRF protection, authentication and the
/// [`LogoutCheckLayer`](crate::LogoutCheckLayer) (with Axum, add the route
/// after the `.layer(..)` calls that must not apply to it).
///
/// ```
/// # use std::sync::Arc;
/// # use axum::Router;
/// # use backchannel_logout::{ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver, StaticKeys, Validator};
/// # fn app(receiver: Arc<Receiver<StaticKeys, MemoryReplayGuard, MemoryLogoutStore>>) -> Router {
/// use backchannel_logout_axum::logout_route;
///
/// Router::new().route("/backchannel-logout", logout_route(receiver))
/// # }
/// ```
pub fn logout_route<K, R, S, T>(receiver: Arc<Receiver<K, R, S>>) -> MethodRouter<T>
where
    K: KeySource + 'static,
    R: ReplayGuard + 'static,
    S: LogoutSink + 'static,
    T: Clone + Send + Sync + 'static,
{
    post(logout_handler::<K, R, S>)
        .fallback(method_not_allowed)
        .with_state(receiver)
}

/// The endpoint as a handler, for an application that keeps the receiver
/// in its own state (reached through [`FromRef`](axum::extract::FromRef)):
/// `.route("/backchannel-logout", post(logout_handler::<K, R, S>))`.
/// [`logout_route`] is the same without naming the types.
///
/// Reads the body up to the receiver's [`max_body`](Receiver::max_body)
/// plus one byte, and hands the content type and those bytes to
/// [`Receiver::receive`] with the current time. A larger body is therefore
/// refused by the core, with its 400 JSON answer (`body_too_large`), not with
/// a bare 413: the provider sees the same answer from every adapter. The
/// answer is the core's, copied unchanged: exactly 200 with an empty body, or
/// 400 with a JSON error, both with `Cache-Control: no-store`.
///
/// Logs one event per request in a `backchannel_logout` span whose fields
/// are the claimed `issuer` and `kid`, the `outcome` (`logged_out` or
/// `rejected`) and the failed `check` (the core's code); the event names the
/// session (`sid`) or user (`sub`) logged out, or the error (a backend's at
/// error level, the cause the provider does not see). Never the token.
pub async fn logout_handler<K, R, S>(
    State(receiver): State<Arc<Receiver<K, R, S>>>,
    request: Request,
) -> Response
where
    K: KeySource,
    R: ReplayGuard,
    S: LogoutSink,
{
    let span = tracing::info_span!(
        "backchannel_logout",
        issuer = field::Empty,
        kid = field::Empty,
        outcome = field::Empty,
        check = field::Empty,
    );
    receive(&receiver, request).instrument(span).await
}

async fn receive<K, R, S>(receiver: &Receiver<K, R, S>, request: Request) -> Response
where
    K: KeySource,
    R: ReplayGuard,
    S: LogoutSink,
{
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = match read_limited(body, receiver.max_body()).await {
        Ok(body) => body,
        Err(error) => {
            // The connection broke mid-body: there is nothing for the core
            // to judge, and the provider is likely gone already.
            let span = tracing::Span::current();
            span.record("outcome", "rejected");
            span.record("check", "unreadable_body");
            tracing::warn!(%error, "back-channel logout refused");
            return to_axum(Rejection::from(RequestError::UnreadableBody).response());
        }
    };
    let now = UnixTime::from_system_time(SystemTime::now());
    let outcome = receiver.receive(content_type, &body, now).await;
    log(&outcome);
    to_axum(outcome.response)
}

/// Reads at most `max + 1` bytes: enough for the core to see that the body
/// is over the limit, never more.
async fn read_limited(mut body: Body, max: usize) -> Result<Vec<u8>, axum::Error> {
    let cap = max.saturating_add(1);
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let room = cap - bytes.len();
            bytes.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
            if bytes.len() >= cap {
                break;
            }
        }
    }
    Ok(bytes)
}

fn log(outcome: &Outcome) {
    let span = tracing::Span::current();
    if let Some(issuer) = &outcome.issuer {
        span.record("issuer", issuer.as_str());
    }
    if let Some(kid) = &outcome.kid {
        span.record("kid", kid.as_str());
    }
    match &outcome.result {
        Ok(logout) => {
            span.record("outcome", "logged_out");
            match logout.scope() {
                LogoutScope::Session { sid, .. } => tracing::info!(sid, "back-channel logout"),
                LogoutScope::Subject { sub } => tracing::info!(sub, "back-channel logout"),
            }
        }
        Err(rejection) => {
            span.record("outcome", "rejected");
            span.record("check", rejection.code());
            match rejection {
                // The provider only learns the code; the cause is for the logs.
                Rejection::KeySource(e) | Rejection::ReplayGuard(e) | Rejection::Sink(e) => {
                    tracing::error!(error = %e, "back-channel logout failed");
                }
                _ => tracing::warn!(error = %rejection, "back-channel logout refused"),
            }
        }
    }
}

async fn method_not_allowed() -> Response {
    to_axum(backchannel_logout::Response::method_not_allowed())
}

/// Copies the core's answer into an Axum response, unchanged.
fn to_axum(answer: backchannel_logout::Response) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Body::from(answer.body)).into_response();
    for (name, value) in answer.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => tracing::error!(
                header = name,
                "invalid header in the core's answer, dropped"
            ),
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_at_most_one_byte_over_the_limit() {
        let body = Body::from(vec![b'a'; 1000]);
        assert_eq!(read_limited(body, 10).await.unwrap().len(), 11);
        let body = Body::from(vec![b'a'; 10]);
        assert_eq!(read_limited(body, 10).await.unwrap().len(), 10);
        assert!(read_limited(Body::empty(), 10).await.unwrap().is_empty());
    }

    #[test]
    fn copies_the_core_answer() {
        let r = to_axum(backchannel_logout::Response::bad_request("x"));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["content-type"], "application/json");
        let r = to_axum(backchannel_logout::Response::ok());
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().len(), 1);
    }
}
