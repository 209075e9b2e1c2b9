//! Demo mode's Actix side: the demo provider's routes, and the demo session
//! opened before the first request. Not needed in a real application.

use std::io;

use actix_web::dev::{Service, ServiceRequest, Transform, fn_service};
use actix_web::{HttpResponse, test, web};
use backchannel_logout_actix::actix_session::storage::CookieSessionStore;
use backchannel_logout_actix::actix_session::{SessionExt, SessionMiddleware};
use backchannel_logout_actix::record_login;
use example_support::SESSION_COOKIE;
use example_support::demo::DemoProvider;
use serde::Deserialize;

/// The demo provider, shared by its routes.
pub(crate) struct Demo(pub(crate) DemoProvider);

impl Demo {
    /// Opens the demo session through `sessions`, the application's own
    /// session middleware (so that its cookie is sealed with the
    /// application's key), and returns the banner with its cookie.
    pub(crate) async fn open_session(
        &self,
        sessions: SessionMiddleware<CookieSessionStore>,
    ) -> io::Result<String> {
        let record = self.0.demo_session().map_err(io::Error::other)?;
        let login = fn_service(move |request: ServiceRequest| {
            let stored = record_login(&request.get_session(), record.clone());
            let response = match stored {
                Ok(()) => HttpResponse::NoContent().finish(),
                Err(_) => HttpResponse::InternalServerError().finish(),
            };
            std::future::ready(Ok::<_, actix_web::Error>(request.into_response(response)))
        });
        let service = sessions
            .new_transform(login)
            .await
            .map_err(|()| io::Error::other("the session middleware did not start"))?;
        let response = service
            .call(test::TestRequest::post().to_srv_request())
            .await
            .map_err(|e| io::Error::other(e.to_string()))?;
        let cookie = response
            .response()
            .cookies()
            .find(|c| c.name() == SESSION_COOKIE)
            .map(|c| format!("{}={}", c.name(), c.value()))
            .ok_or_else(|| io::Error::other("the demo session was not stored"))?;
        Ok(self.0.banner(&cookie))
    }
}

/// `GET /.well-known/jwks.json` and `GET /demo/logout-token`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig, demo: web::Data<Demo>) {
    cfg.app_data(demo)
        .route("/.well-known/jwks.json", web::get().to(jwks))
        .route("/demo/logout-token", web::get().to(logout_token));
}

async fn jwks(demo: web::Data<Demo>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .body(demo.0.jwks())
}

#[derive(Deserialize)]
struct TokenQuery {
    sid: Option<String>,
    sub: Option<String>,
}

async fn logout_token(demo: web::Data<Demo>, q: web::Query<TokenQuery>) -> HttpResponse {
    match demo.0.logout_token(q.sid.as_deref(), q.sub.as_deref()) {
        Some(token) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("{token}\n")),
        None => HttpResponse::BadRequest().body("give sid, sub or both\n"),
    }
}
