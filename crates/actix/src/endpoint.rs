//! The back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8):
//! the request's content type and body go to the core's
//! [`SharedReceiver`], its answer comes back as an Actix response.

use std::time::SystemTime;

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, Resource, web};
use backchannel_logout::request::BodyBuffer;
use backchannel_logout::{SharedReceiver, UnixTime};
use futures_util::StreamExt;

/// The endpoint as a [`Resource`] carrying its receiver (in
/// [`web::Data`], so your application names no type parameters): register
/// it at the path you registered as `backchannel_logout_uri`, in one line.
///
/// `POST` goes to [`logout_handler`]; any other method gets the core's 405
/// answer (with `Allow: POST` and `Cache-Control: no-store`).
///
/// The provider calls this route server to server, without cookies and
/// without a CSRF token: the signed logout token is the only proof.
/// Register it **outside** CSRF protection, authentication, the session
/// middleware and the [`LogoutCheck`](crate::LogoutCheck) (with Actix,
/// `App::wrap` applies to every service: wrap a `web::scope` holding the
/// other routes instead, as below).
///
/// ```
/// # use actix_web::{App, web};
/// # use backchannel_logout::SharedReceiver;
/// # async fn home() -> &'static str { "" }
/// # fn app(receiver: SharedReceiver) {
/// use backchannel_logout_actix::logout_route;
///
/// App::new()
///     .service(logout_route("/backchannel-logout", receiver))
///     .service(web::scope("").route("/", web::get().to(home))); // wrap this scope
/// # }
/// ```
pub fn logout_route(path: &str, receiver: impl Into<SharedReceiver>) -> Resource {
    web::resource(path)
        .app_data(web::Data::new(receiver.into()))
        .route(web::post().to(logout_handler))
        .default_service(web::to(|| async {
            to_actix(backchannel_logout::Response::method_not_allowed())
        }))
}

/// The endpoint as a handler, for an application that keeps the
/// [`SharedReceiver`] in its own `app_data` as `web::Data<SharedReceiver>`:
/// `.route("/backchannel-logout", web::post().to(logout_handler))`.
/// [`logout_route`] is the same, carrying its own receiver and answering
/// other methods.
///
/// Reads the body up to the receiver's
/// [`max_body`](SharedReceiver::max_body) plus one byte, and hands the
/// content type and those bytes to the receiver with the current time. A
/// larger body is therefore refused by the core, with its 400 JSON answer
/// (`body_too_large`), not with Actix's bare 413: the provider sees the
/// same answer from every adapter. The answer is the core's, copied
/// unchanged, and so is the logging (one event per request, see
/// [`backchannel_logout::log`]).
pub async fn logout_handler(
    receiver: web::Data<SharedReceiver>,
    request: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = read_limited(body, BodyBuffer::new(receiver.max_body())).await;
    let now = UnixTime::from_system_time(SystemTime::now());
    let outcome = receiver.receive_buffered(content_type, body, now).await;
    to_actix(outcome.response)
}

/// Reads the body into `buffer` until it is full: at most the limit plus
/// one byte.
async fn read_limited(
    mut body: web::Payload,
    mut buffer: BodyBuffer,
) -> Result<BodyBuffer, PayloadError> {
    while let Some(chunk) = body.next().await {
        if buffer.push(&chunk?) {
            break;
        }
    }
    Ok(buffer)
}

/// Copies the core's answer into an Actix response, unchanged.
pub(crate) fn to_actix(answer: backchannel_logout::Response) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for header in answer.headers {
        response.append_header(header);
    }
    response.body(answer.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_the_core_answer() {
        let r = to_actix(backchannel_logout::Response::bad_request("x"));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
        assert_eq!(r.headers().get("content-type").unwrap(), "application/json");
        let r = to_actix(backchannel_logout::Response::ok());
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().len(), 1);
        let r = to_actix(backchannel_logout::Response::service_unavailable());
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers().get("retry-after").unwrap(), "5");
    }
}
