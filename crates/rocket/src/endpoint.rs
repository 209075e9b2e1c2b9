//! The back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8):
//! a [`FromData`] guard reads the request's content type and body, the
//! core's [`SharedReceiver`] (Rocket managed state) judges them, and its
//! answer goes back unchanged through a [`Responder`].

use std::io::Cursor;
use std::time::SystemTime;

use backchannel_logout::request::BodyBuffer;
use backchannel_logout::{SharedReceiver, UnixTime};
use rocket::data::{self, ByteUnit, Data, FromData};
use rocket::http::{Header, Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::route::{self, Handler, Route};
use rocket::sentinel::Sentinel;
use rocket::{Ignite, Rocket, State, post};

/// The endpoint's routes, to mount at the path you registered as
/// `backchannel_logout_uri`, with the receiver as managed state:
///
/// ```
/// # fn app(receiver: backchannel_logout::SharedReceiver) -> rocket::Rocket<rocket::Build> {
/// use backchannel_logout_rocket::logout_routes;
///
/// rocket::build()
///     .manage(receiver)
///     .mount("/backchannel-logout", logout_routes())
/// # }
/// ```
///
/// `POST` goes to [`logout_handler`]; every other method gets the core's
/// 405 answer (with `Allow: POST` and `Cache-Control: no-store`). Without
/// the managed [`SharedReceiver`], Rocket refuses to launch (the routes'
/// [`Sentinel`]s), rather than failing the provider's first call.
///
/// The provider calls this route server to server, without cookies and
/// without a CSRF token: the signed logout token is the only proof. Keep
/// it **outside** CSRF protection and authentication (no such guard or
/// fairing may refuse it), and do not put [`LiveSession`](crate::LiveSession)
/// on it.
#[must_use]
pub fn logout_routes() -> Vec<Route> {
    // Rocket routes one method per route: the 405 answer takes one each.
    const OTHERS: [Method; 8] = [
        Method::Get,
        Method::Head,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Options,
        Method::Trace,
        Method::Connect,
    ];
    let mut routes = rocket::routes![logout_handler];
    routes.extend(
        OTHERS
            .into_iter()
            .map(|method| Route::new(method, "/", MethodNotAllowed)),
    );
    routes
}

/// The `POST` route of [`logout_routes`], for an application that mounts
/// its routes itself (`rocket::routes![backchannel_logout_rocket::logout_handler]`).
///
/// Hands the content type and the body that [`LogoutBody`] read to the
/// receiver with the current time. The answer is the core's, copied
/// unchanged, and so is the logging (one event per request, see
/// [`backchannel_logout::log`]).
#[post("/", data = "<body>")]
pub async fn logout_handler(receiver: &State<SharedReceiver>, body: LogoutBody) -> CoreResponse {
    let now = UnixTime::from_system_time(SystemTime::now());
    let outcome = receiver
        .receive_buffered(body.content_type.as_deref(), body.body, now)
        .await;
    CoreResponse(outcome.response)
}

/// The name of the Rocket limit that may lower the logout body's limit
/// below the receiver's (see [`LogoutBody`]).
pub const LIMIT_NAME: &str = "backchannel-logout";

/// The logout request as the receiver needs it: its `Content-Type` and its
/// body, read by this data guard up to the managed receiver's
/// [`max_body`](SharedReceiver::max_body) plus one byte (a
/// [`BodyBuffer`]), through Rocket's own limited reader ([`Data::open`]).
///
/// The limit is the receiver's (set it with `Receiver::with_max_body`),
/// lowered by Rocket's named limit [`LIMIT_NAME`] (`backchannel-logout`) when
/// the application sets a smaller one (`limits.backchannel-logout` in
/// `Rocket.toml`, or `ROCKET_LIMITS={backchannel-logout="16KiB"}`); a
/// larger named limit does not raise it. Either way a larger body is
/// refused by the core, with its 400 JSON answer (`body_too_large`), not
/// with Rocket's bare 413, and the provider sees the same answer from every
/// adapter.
#[derive(Debug)]
pub struct LogoutBody {
    content_type: Option<String>,
    /// An error when the body could not be read (the connection broke).
    body: Result<BodyBuffer, std::io::Error>,
}

#[rocket::async_trait]
impl<'r> FromData<'r> for LogoutBody {
    type Error = MissingReceiver;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let Some(receiver) = request.rocket().state::<SharedReceiver>() else {
            return data::Outcome::Error((Status::InternalServerError, MissingReceiver));
        };
        let max_body = request
            .limits()
            .get(LIMIT_NAME)
            .map_or(receiver.max_body(), |named| {
                usize::try_from(named.as_u64())
                    .map_or(receiver.max_body(), |named| named.min(receiver.max_body()))
            });
        // Rocket's reader stops one byte past the limit, as the buffer does.
        let limit = ByteUnit::from(max_body) + ByteUnit::from(1u8);
        let content_type = request.headers().get_one("content-type").map(str::to_owned);
        let body = data.open(limit).into_bytes().await.map(|capped| {
            let mut buffer = BodyBuffer::new(max_body);
            buffer.push(&capped);
            buffer
        });
        data::Outcome::Success(LogoutBody { content_type, body })
    }
}

impl Sentinel for LogoutBody {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<SharedReceiver>().is_none()
    }
}

/// [`LogoutBody`] was used without the [`SharedReceiver`] as managed state:
/// a programming error that the guard's [`Sentinel`] reports at launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the logout route needs the SharedReceiver as managed state: rocket.manage(receiver.shared())"
)]
pub struct MissingReceiver;

/// The core's answer ([`backchannel_logout::Response`]) as a Rocket
/// [`Responder`]: status, headers and body copied unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreResponse(pub backchannel_logout::Response);

impl<'r> Responder<'r, 'static> for CoreResponse {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(to_rocket(self.0))
    }
}

/// Copies the core's answer into a Rocket response, unchanged.
pub(crate) fn to_rocket(answer: backchannel_logout::Response) -> rocket::Response<'static> {
    let mut response = rocket::Response::build();
    response.status(Status::new(answer.status));
    for (name, value) in answer.headers {
        response.header_adjoin(Header::new(name, value));
    }
    response.sized_body(answer.body.len(), Cursor::new(answer.body));
    response.finalize()
}

/// Every method but `POST`: the core's 405.
#[derive(Debug, Clone, Copy)]
struct MethodNotAllowed;

#[rocket::async_trait]
impl Handler for MethodNotAllowed {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        route::Outcome::from(
            request,
            CoreResponse(backchannel_logout::Response::method_not_allowed()),
        )
    }
}
