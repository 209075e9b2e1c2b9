//! The back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8):
//! the request's content type and body go to the core's
//! [`SharedReceiver`], its answer comes back as an Axum response.

use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use backchannel_logout::request::BodyBuffer;
use backchannel_logout::{SharedReceiver, UnixTime};
use http_body_util::BodyExt;

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
/// # use axum::Router;
/// # use backchannel_logout::SharedReceiver;
/// # fn app(receiver: SharedReceiver) -> Router {
/// use backchannel_logout_axum::logout_route;
///
/// Router::new().route("/backchannel-logout", logout_route(receiver))
/// # }
/// ```
pub fn logout_route<T>(receiver: impl Into<SharedReceiver>) -> MethodRouter<T>
where
    T: Clone + Send + Sync + 'static,
{
    post(logout_handler)
        .fallback(method_not_allowed)
        .with_state(receiver.into())
}

/// The endpoint as a handler, for an application that keeps the
/// [`SharedReceiver`] in its own state (reached through
/// [`FromRef`](axum::extract::FromRef)):
/// `.route("/backchannel-logout", post(logout_handler))`. [`logout_route`]
/// is the same, carrying its own state.
///
/// Reads the body up to the receiver's
/// [`max_body`](SharedReceiver::max_body) plus one byte, and hands the
/// content type and those bytes to the receiver with the current time. A
/// larger body is therefore refused by the core, with its 400 JSON answer
/// (`body_too_large`), not with a bare 413: the provider sees the same
/// answer from every adapter. The answer is the core's, copied unchanged,
/// and so is the logging (one event per request, see
/// [`backchannel_logout::log`]).
pub async fn logout_handler(State(receiver): State<SharedReceiver>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = read_limited(body, BodyBuffer::new(receiver.max_body())).await;
    let now = UnixTime::from_system_time(SystemTime::now());
    let outcome = receiver.receive_buffered(content_type, body, now).await;
    to_axum(outcome.response)
}

/// Reads the body into `buffer` until it is full: at most the limit plus
/// one byte.
async fn read_limited(mut body: Body, mut buffer: BodyBuffer) -> Result<BodyBuffer, axum::Error> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data()
            && buffer.push(&data)
        {
            break;
        }
    }
    Ok(buffer)
}

async fn method_not_allowed() -> Response {
    to_axum(backchannel_logout::Response::method_not_allowed())
}

/// Copies the core's answer into an Axum response, unchanged.
pub(crate) fn to_axum(answer: backchannel_logout::Response) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Body::from(answer.body)).into_response();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_at_most_one_byte_over_the_limit() {
        let read = |body: Body| async {
            let buffer = read_limited(body, BodyBuffer::new(10)).await.unwrap();
            buffer.as_bytes().len()
        };
        assert_eq!(read(Body::from(vec![b'a'; 1000])).await, 11);
        assert_eq!(read(Body::from(vec![b'a'; 10])).await, 10);
        assert_eq!(read(Body::empty()).await, 0);
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
        let r = to_axum(backchannel_logout::Response::service_unavailable());
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "5");
    }
}
