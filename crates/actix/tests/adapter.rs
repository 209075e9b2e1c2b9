//! The adapter through its public API, in process (`actix_web::test`). The
//! HTTP behaviour end to end is in the workspace suite (`tests/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::Key;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use backchannel_logout::{MemoryLogoutStore, SessionRecord, SharedReceiver, UnixTime};
use backchannel_logout_actix::{
    LiveSession, LogoutCheck, SESSION_KEY, logout_handler, logout_route, record_login,
};
use backchannel_logout_testkit::adapter_fixture::{
    ISSUER, UnreachableMarkers, login_record, receiver, token,
};

fn logout_request(body: String) -> actix_http::Request {
    TestRequest::post()
        .uri("/backchannel-logout")
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body)
        .to_request()
}

async fn body(response: ServiceResponse<impl MessageBody>) -> String {
    String::from_utf8(test::read_body(response).await.to_vec()).unwrap()
}

async fn whoami(LiveSession(session): LiveSession) -> String {
    session
        .and_then(|s| s.sid().map(str::to_owned))
        .unwrap_or_else(|| "anonymous".into())
}

async fn login(session: Session, sid: String) -> HttpResponse {
    match record_login(&session, login_record(sid)) {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

fn sessions(key: &Key) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
        .cookie_secure(false)
        .build()
}

/// The example's shape: the logout route, then the checked routes in a
/// scope wrapped by the check and the session middleware.
macro_rules! app {
    ($markers:expr, $status:expr) => {{
        let key = Key::generate();
        test::init_service(
            App::new()
                .service(logout_route("/backchannel-logout", receiver($markers)))
                .service(
                    web::scope("")
                        .route("/whoami", web::get().to(whoami))
                        .route("/login", web::post().to(login))
                        .wrap(LogoutCheck::new($status))
                        .wrap(sessions(&key)),
                ),
        )
        .await
    }};
    ($markers:expr) => {
        app!($markers, Arc::clone($markers))
    };
}

fn cookie_of(response: &ServiceResponse<impl MessageBody>) -> String {
    let set_cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

fn get_with_cookie(path: &str, cookie: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(path)
        .insert_header((header::COOKIE, cookie))
        .to_request()
}

fn login_request(sid: &str) -> actix_http::Request {
    TestRequest::post()
        .uri("/login")
        .set_payload(sid.to_owned())
        .to_request()
}

#[actix_rt::test]
async fn logout_route_answers_with_the_core_response() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app!(&markers);
    let body_text = format!("logout_token={}", token("s-1"));
    let response = app.call(logout_request(body_text.clone())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    assert!(body(response).await.is_empty());
    assert_eq!(markers.len(), 1);

    let response = app.call(logout_request(body_text)).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    assert!(body(response).await.contains("replayed_token"));
}

#[actix_rt::test]
async fn other_methods_get_the_core_405() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app!(&markers);
    for method in [
        TestRequest::get(),
        TestRequest::put(),
        TestRequest::delete(),
    ] {
        let response = app
            .call(method.uri("/backchannel-logout").to_request())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "POST");
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
    }
}

#[actix_rt::test]
async fn body_over_the_receivers_limit_gets_the_core_400_not_413() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let receiver = receiver(&markers).with_max_body(100);
    let app =
        test::init_service(App::new().service(logout_route("/backchannel-logout", receiver))).await;
    // A megabyte, far over Actix's own default payload limits too.
    let response = app
        .call(logout_request(format!(
            "logout_token={}",
            "a".repeat(1 << 20)
        )))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body(response).await.contains("body_too_large"));
}

#[actix_rt::test]
async fn logout_handler_takes_the_receiver_from_app_data() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let shared: SharedReceiver = receiver(&markers).shared();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(shared))
            .route("/backchannel-logout", web::post().to(logout_handler)),
    )
    .await;
    let response = app
        .call(logout_request(format!("logout_token={}", token("s-1"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(markers.len(), 1);
}

#[actix_rt::test]
async fn logged_out_session_is_purged_and_anonymous() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app!(&markers);
    let alice = cookie_of(&app.call(login_request("a-1")).await.unwrap());
    let bob = cookie_of(&app.call(login_request("b-1")).await.unwrap());
    let response = app.call(get_with_cookie("/whoami", &alice)).await.unwrap();
    assert_eq!(body(response).await, "a-1");

    let response = app
        .call(logout_request(format!("logout_token={}", token("a-1"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = app.call(get_with_cookie("/whoami", &alice)).await.unwrap();
    let cleared = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(body(response).await, "anonymous");
    // The old cookie, sent again, stays anonymous (the marker ends it).
    let response = app.call(get_with_cookie("/whoami", &alice)).await.unwrap();
    assert_eq!(body(response).await, "anonymous");
    let response = app.call(get_with_cookie("/whoami", &bob)).await.unwrap();
    assert_eq!(body(response).await, "b-1");
}

#[actix_rt::test]
async fn record_login_renews_the_session_and_keeps_its_data() {
    let request = TestRequest::default().to_srv_request();
    let session = request.get_session();
    session.insert("cart", 3).unwrap();
    let record =
        SessionRecord::new(ISSUER, Some("s".into()), None, UnixTime::from_secs(1)).unwrap();
    record_login(&session, record.clone()).unwrap();
    assert_eq!(session.status(), actix_session::SessionStatus::Renewed);
    assert_eq!(
        session.get::<SessionRecord>(SESSION_KEY).unwrap(),
        Some(record)
    );
    assert_eq!(session.get::<u32>("cart").unwrap(), Some(3));
}

#[actix_rt::test]
async fn live_session_without_the_check_is_500() {
    let app = test::init_service(
        App::new()
            .route("/whoami", web::get().to(whoami))
            .wrap(sessions(&Key::generate())),
    )
    .await;
    let response = app
        .call(TestRequest::get().uri("/whoami").to_request())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
}

#[actix_rt::test]
async fn unreadable_session_record_is_500_not_a_live_session() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let key = Key::generate();
    let app = test::init_service(
        App::new().service(
            web::scope("")
                .route("/whoami", web::get().to(whoami))
                .route(
                    "/corrupt",
                    web::post().to(|session: Session| async move {
                        // Neither sid nor sub: the core refuses the record.
                        let bad = serde_json::json!({"issuer": ISSUER, "authenticated_at": 1});
                        session.insert(SESSION_KEY, bad).unwrap();
                        HttpResponse::NoContent().finish()
                    }),
                )
                .wrap(LogoutCheck::new(markers))
                .wrap(sessions(&key)),
        ),
    )
    .await;
    let request = TestRequest::post().uri("/corrupt").to_request();
    let cookie = cookie_of(&app.call(request).await.unwrap());
    let response = app.call(get_with_cookie("/whoami", &cookie)).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[actix_rt::test]
async fn failing_marker_store_is_503_not_a_live_session() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app!(&markers, UnreachableMarkers);
    // Logging in works (no record yet to check); the next request cannot
    // be checked.
    let cookie = cookie_of(&app.call(login_request("s-1")).await.unwrap());
    let response = app.call(get_with_cookie("/whoami", &cookie)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "5");
}

/// Markers kept 2 s; login, logout 200, idle 3 s (the marker is gone): the
/// session, older than the markers' lifetime, stays anonymous.
#[actix_rt::test]
async fn a_logged_out_session_stays_anonymous_after_its_marker_expires() {
    let markers = Arc::new(MemoryLogoutStore::with_limits(
        1000,
        std::time::Duration::from_secs(2),
    ));
    let app = app!(&markers);
    let cookie = cookie_of(&app.call(login_request("s-1")).await.unwrap());
    let response = app.call(get_with_cookie("/whoami", &cookie)).await.unwrap();
    assert_eq!(body(response).await, "s-1");
    let response = app
        .call(logout_request(format!("logout_token={}", token("s-1"))))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    actix_rt::time::sleep(std::time::Duration::from_secs(3)).await;
    let response = app.call(get_with_cookie("/whoami", &cookie)).await.unwrap();
    assert_eq!(body(response).await, "anonymous");
}
