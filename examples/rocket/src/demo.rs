//! Demo mode's Rocket side: the demo provider's routes, and the demo
//! session's cookie, made before the first request. Not needed in a real
//! application.

use std::io;

use backchannel_logout::SESSION_KEY;
use backchannel_logout_rocket::session_cookie;
use example_support::demo::DemoProvider;
use rocket::http::{ContentType, Status};
use rocket::{Route, State, get};

/// The demo provider, managed state for its routes.
pub(crate) struct Demo(pub(crate) DemoProvider);

impl Demo {
    /// The banner, with the demo session's cookie as Rocket would set it:
    /// the adapter's [`session_cookie`], encrypted with Rocket's secret
    /// `key` (by the cookie crate, as Rocket's private cookies are).
    pub(crate) fn banner(&self, key: &cookie::Key) -> io::Result<String> {
        let record = self.0.demo_session().map_err(io::Error::other)?;
        let mut jar = cookie::CookieJar::new();
        jar.private_mut(key)
            .add(session_cookie(&record).map_err(io::Error::other)?);
        let cookie = jar
            .get(SESSION_KEY)
            .map(|c| c.stripped().encoded().to_string())
            .unwrap_or_default();
        Ok(self.0.banner(&cookie))
    }
}

/// `GET /.well-known/jwks.json` and `GET /demo/logout-token`.
pub(crate) fn routes() -> Vec<Route> {
    rocket::routes![jwks, logout_token]
}

#[get("/.well-known/jwks.json")]
fn jwks(demo: &State<Demo>) -> (ContentType, String) {
    (
        ContentType::new("application", "jwk-set+json"),
        demo.0.jwks(),
    )
}

#[get("/demo/logout-token?<sid>&<sub>")]
fn logout_token(
    demo: &State<Demo>,
    sid: Option<&str>,
    sub: Option<&str>,
) -> Result<(ContentType, String), (Status, &'static str)> {
    match demo.0.logout_token(sid, sub) {
        Some(token) => Ok((ContentType::Plain, format!("{token}\n"))),
        None => Err((Status::BadRequest, "give sid, sub or both\n")),
    }
}
