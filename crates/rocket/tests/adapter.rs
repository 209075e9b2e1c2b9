//! The adapter through Rocket's local client: the endpoint's answers are
//! the core's, the session check ends logged-out sessions, and a missing
//! piece stops Rocket at launch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use backchannel_logout::{MemoryLogoutStore, SESSION_KEY, SessionStatus};
use backchannel_logout_rocket::{LiveSession, LogoutCheck, logout_routes, record_login};
use backchannel_logout_testkit::adapter_fixture::{
    UnreachableMarkers, login_record, receiver, token,
};
use rocket::http::{ContentType, CookieJar, SameSite, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Rocket, get, post, routes};

#[get("/whoami")]
fn whoami(session: LiveSession) -> String {
    session
        .0
        .and_then(|s| s.sub().map(str::to_owned))
        .unwrap_or_else(|| "anonymous".to_owned())
}

#[post("/login/<sid>")]
fn login(cookies: &CookieJar<'_>, sid: &str) {
    record_login(cookies, login_record(sid.to_owned())).unwrap();
}

/// The whole application: the receiver ends sessions in `markers`, the
/// session check asks `status`.
fn app(markers: &Arc<MemoryLogoutStore>, status: impl SessionStatus + 'static) -> Rocket<Build> {
    rocket::build()
        .mount("/", routes![whoami, login])
        .attach(LogoutCheck::new(status))
        .manage(receiver(markers).shared())
        .mount("/backchannel-logout", logout_routes())
}

/// The application whose check reads the markers its receiver writes.
fn shared_markers_app() -> Rocket<Build> {
    let markers = Arc::new(MemoryLogoutStore::new());
    app(&markers, Arc::clone(&markers))
}

async fn json(response: LocalResponse<'_>) -> serde_json::Value {
    serde_json::from_str(&response.into_string().await.unwrap()).unwrap()
}

#[tokio::test]
async fn body_over_the_limit_gets_the_core_400_json_not_413() {
    let client = Client::untracked(shared_markers_app()).await.unwrap();
    let body = format!("logout_token={}", "a".repeat(200 * 1024));
    let response = client
        .post("/backchannel-logout")
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(
        response.headers().get_one("cache-control"),
        Some("no-store")
    );
    let answer = json(response).await;
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .starts_with("body_too_large"),
        "{answer}"
    );
}

/// Rocket's named limit `backchannel-logout` lowers the body limit (the
/// core's 400 `body_too_large`, naming it), and never raises it past the
/// receiver's.
#[tokio::test]
async fn rockets_named_limit_lowers_the_body_limit_but_never_raises_it() {
    use rocket::data::{Limits, ToByteUnit};

    let with_limit = |limit: rocket::data::ByteUnit| {
        let markers = Arc::new(MemoryLogoutStore::new());
        let limits = Limits::default().limit(backchannel_logout_rocket::LIMIT_NAME, limit);
        let figment = rocket::Config::figment().merge(("limits", limits));
        app(&markers, Arc::clone(&markers)).configure(figment)
    };
    fn post(client: &Client, body: String) -> rocket::local::asynchronous::LocalRequest<'_> {
        client
            .post("/backchannel-logout")
            .header(ContentType::Form)
            .body(body)
    }
    let description =
        |answer: serde_json::Value| answer["error_description"].as_str().unwrap().to_owned();

    let client = Client::untracked(with_limit(2.kibibytes())).await.unwrap();
    let padded = format!("logout_token={}&pad={}", token("s-1"), "a".repeat(4096));
    let response = post(&client, padded).dispatch().await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(
        description(json(response).await),
        "body_too_large: request body exceeds the limit of 2048 bytes"
    );
    let response = post(&client, format!("logout_token={}", token("s-1")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);

    // A larger named limit: the receiver's 64 KiB still holds.
    let client = Client::untracked(with_limit(1.mebibytes())).await.unwrap();
    let response = post(&client, format!("logout_token={}", "a".repeat(100 * 1024)))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::BadRequest);
    assert_eq!(
        description(json(response).await),
        "body_too_large: request body exceeds the limit of 65536 bytes"
    );
}

#[tokio::test]
async fn other_methods_get_the_core_405() {
    let client = Client::untracked(shared_markers_app()).await.unwrap();
    for response in [
        client.get("/backchannel-logout").dispatch().await,
        client.put("/backchannel-logout").dispatch().await,
        client.delete("/backchannel-logout").dispatch().await,
    ] {
        assert_eq!(response.status(), Status::MethodNotAllowed);
        assert_eq!(response.headers().get_one("allow"), Some("POST"));
        assert_eq!(
            response.headers().get_one("cache-control"),
            Some("no-store")
        );
    }
}

/// Rocket refuses to launch `rocket`: a guard's sentinel found its state
/// missing.
async fn assert_launch_refused(rocket: Rocket<Build>) {
    let Err(error) = Client::untracked(rocket).await else {
        panic!("launched");
    };
    assert!(
        matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)),
        "{error}"
    );
}

#[tokio::test]
async fn without_the_managed_receiver_rocket_does_not_launch() {
    assert_launch_refused(rocket::build().mount("/backchannel-logout", logout_routes())).await;
}

#[tokio::test]
async fn without_the_check_fairing_rocket_does_not_launch() {
    assert_launch_refused(rocket::build().mount("/", routes![whoami])).await;
}

#[tokio::test]
async fn login_cookie_is_private_lax_and_http_only() {
    let client = Client::tracked(shared_markers_app()).await.unwrap();
    let response = client.post("/login/s-1").dispatch().await;
    let cookie = response.cookies().get(SESSION_KEY).unwrap().clone();
    assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.path(), Some("/"));
    assert!(!cookie.value().contains("s-1"), "encrypted: {cookie}");
    assert!(response.cookies().get_private(SESSION_KEY).is_some());
}

#[tokio::test]
async fn logged_out_session_becomes_anonymous_and_its_cookie_is_removed() {
    let client = Client::tracked(shared_markers_app()).await.unwrap();
    client.post("/login/s-1").dispatch().await;
    let live = client.get("/whoami").dispatch().await;
    assert_eq!(live.into_string().await.unwrap(), "user");

    let token = token("s-1");
    let response = client
        .post("/backchannel-logout")
        .header(ContentType::Form)
        .body(format!("logout_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);

    let ended = client.get("/whoami").dispatch().await;
    let removal = ended.cookies().get(SESSION_KEY).unwrap().clone();
    assert_eq!(removal.max_age(), Some(rocket::time::Duration::ZERO));
    assert_eq!(ended.into_string().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn unavailable_marker_store_answers_the_core_503_not_the_catcher() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let client = Client::tracked(app(&markers, UnreachableMarkers))
        .await
        .unwrap();
    client.post("/login/s-1").dispatch().await;
    let response = client.get("/whoami").dispatch().await;
    assert_eq!(response.status(), Status::ServiceUnavailable);
    assert_eq!(response.headers().get_one("retry-after"), Some("5"));
    assert_eq!(
        response.headers().get_one("cache-control"),
        Some("no-store")
    );
    assert_eq!(response.content_type(), None, "not Rocket's HTML catcher");
    assert!(response.into_string().await.unwrap_or_default().is_empty());
    // Without a session there is nothing to ask the store.
    let anonymous = Client::untracked(app(&markers, UnreachableMarkers))
        .await
        .unwrap();
    let response = anonymous.get("/whoami").dispatch().await;
    assert_eq!(response.into_string().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn a_logged_out_session_stays_anonymous_after_its_marker_expires() {
    // The session is the cookie: the browser may send it again after its
    // logout marker is gone.
    let markers = Arc::new(MemoryLogoutStore::with_limits(
        1000,
        std::time::Duration::from_secs(2),
    ));
    let client = Client::untracked(app(&markers, Arc::clone(&markers)))
        .await
        .unwrap();
    let login = client.post("/login/s-1").dispatch().await;
    let cookie = login.cookies().get(SESSION_KEY).unwrap().clone();
    let whoami = || client.get("/whoami").cookie(cookie.clone()).dispatch();
    assert_eq!(whoami().await.into_string().await.unwrap(), "user");
    let response = client
        .post("/backchannel-logout")
        .header(ContentType::Form)
        .body(format!("logout_token={}", token("s-1")))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(whoami().await.into_string().await.unwrap(), "anonymous");
}
