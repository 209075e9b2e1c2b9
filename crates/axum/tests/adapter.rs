//! The adapter through its public API, in process (`tower::ServiceExt::oneshot`).
//! The HTTP behaviour end to end is in the workspace suite (`tests/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Router, body::to_bytes};
use backchannel_logout::{MemoryLogoutStore, SessionRecord, SharedReceiver, UnixTime};
use backchannel_logout_axum::{
    LiveSession, LogoutCheckLayer, SESSION_KEY, logout_handler, logout_route, record_login,
};
use backchannel_logout_testkit::adapter_fixture::{
    ISSUER, UnreachableMarkers, login_record, receiver, token,
};
use tower::ServiceExt;
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

fn logout_request(body: String) -> Request<Body> {
    Request::post("/backchannel-logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

async fn body(response: Response) -> String {
    String::from_utf8(
        to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

async fn whoami(LiveSession(session): LiveSession) -> String {
    session
        .and_then(|s| s.sid().map(str::to_owned))
        .unwrap_or_else(|| "anonymous".into())
}

async fn login(session: Session, sid: String) -> StatusCode {
    match record_login(&session, login_record(sid)).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The example's shape: checked routes, then the logout route outside.
fn app(markers: &Arc<MemoryLogoutStore>) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/login", post(login))
        .layer(LogoutCheckLayer::new(Arc::clone(markers)))
        .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false))
        .route("/backchannel-logout", logout_route(receiver(markers)))
}

fn cookie_of(response: &Response) -> String {
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn call(app: &Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

fn get_with_cookie(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn logout_route_answers_with_the_core_response() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app(&markers);
    let body_text = format!("logout_token={}", token("s-1"));
    let response = call(&app, logout_request(body_text.clone())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert!(body(response).await.is_empty());
    assert_eq!(markers.len(), 1);

    let response = call(&app, logout_request(body_text)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert!(body(response).await.contains("replayed_token"));
}

#[tokio::test]
async fn other_methods_get_the_core_405() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let response = call(
        &app(&markers),
        Request::get("/backchannel-logout")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "POST");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn body_over_the_receivers_limit_gets_the_core_400() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let receiver = receiver(&markers).with_max_body(100);
    let app: Router = Router::new().route("/backchannel-logout", logout_route(receiver));
    let response = call(
        &app,
        logout_request(format!("logout_token={}", "a".repeat(200))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body(response).await.contains("body_too_large"));
}

#[derive(Clone)]
struct AppState {
    receiver: SharedReceiver,
}

impl FromRef<AppState> for SharedReceiver {
    fn from_ref(state: &AppState) -> Self {
        state.receiver.clone()
    }
}

#[tokio::test]
async fn logout_handler_takes_the_receiver_from_app_state() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let state = AppState {
        receiver: receiver(&markers).shared(),
    };
    let app = Router::new()
        .route("/backchannel-logout", post(logout_handler))
        .with_state(state);
    let response = call(
        &app,
        logout_request(format!("logout_token={}", token("s-1"))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn logged_out_session_is_flushed_and_anonymous() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = app(&markers);
    let login = |sid: &str| {
        Request::post("/login")
            .body(Body::from(sid.to_owned()))
            .unwrap()
    };
    let alice = cookie_of(&call(&app, login("a-1")).await);
    let bob = cookie_of(&call(&app, login("b-1")).await);
    assert_eq!(
        body(call(&app, get_with_cookie("/whoami", &alice)).await).await,
        "a-1"
    );

    let response = call(
        &app,
        logout_request(format!("logout_token={}", token("a-1"))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = call(&app, get_with_cookie("/whoami", &alice)).await;
    let cleared = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(body(response).await, "anonymous");
    // Deleted from the store: the old cookie stays anonymous.
    assert_eq!(
        body(call(&app, get_with_cookie("/whoami", &alice)).await).await,
        "anonymous"
    );
    assert_eq!(
        body(call(&app, get_with_cookie("/whoami", &bob)).await).await,
        "b-1"
    );
}

#[tokio::test]
async fn record_login_gives_the_session_a_new_id() {
    let store = Arc::new(MemoryStore::default());
    let session = Session::new(None, Arc::clone(&store), None);
    session.insert("cart", 3).await.unwrap();
    session.save().await.unwrap();
    let before = session.id();
    let record =
        SessionRecord::new(ISSUER, Some("s".into()), None, UnixTime::from_secs(1)).unwrap();
    record_login(&session, record.clone()).await.unwrap();
    session.save().await.unwrap();
    assert_ne!(session.id(), before);
    assert_eq!(
        session.get::<SessionRecord>(SESSION_KEY).await.unwrap(),
        Some(record)
    );
    assert_eq!(session.get::<u32>("cart").await.unwrap(), Some(3));
}

#[tokio::test]
async fn check_without_the_session_layer_is_500() {
    let markers = Arc::new(MemoryLogoutStore::new());
    let app: Router = Router::new()
        .route("/whoami", get(whoami))
        .layer(LogoutCheckLayer::new(markers));
    let response = call(&app, Request::get("/whoami").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn live_session_without_the_check_is_500() {
    let app: Router = Router::new()
        .route("/whoami", get(whoami))
        .layer(SessionManagerLayer::new(MemoryStore::default()));
    let response = call(&app, Request::get("/whoami").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn failing_marker_store_is_503_not_a_live_session() {
    let store = MemoryStore::default();
    let app: Router = Router::new()
        .route("/whoami", get(whoami))
        .route("/login", post(login))
        .layer(LogoutCheckLayer::new(UnreachableMarkers))
        .layer(SessionManagerLayer::new(store).with_secure(false));
    // Logging in works (no record yet to check); the next request cannot
    // be checked.
    let cookie = cookie_of(
        &call(
            &app,
            Request::post("/login").body(Body::from("s-1")).unwrap(),
        )
        .await,
    );
    let response = call(&app, get_with_cookie("/whoami", &cookie)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// Reproduces what a new user found: markers kept 2 s; login, logout 200,
/// idle 3 s (the marker is gone): the session stays anonymous.
#[tokio::test]
async fn a_logged_out_session_stays_anonymous_after_its_marker_expires() {
    let markers = Arc::new(MemoryLogoutStore::with_limits(
        1000,
        std::time::Duration::from_secs(2),
    ));
    let app = app(&markers);
    let login = Request::post("/login").body(Body::from("s-1")).unwrap();
    let cookie = cookie_of(&call(&app, login).await);
    assert_eq!(
        body(call(&app, get_with_cookie("/whoami", &cookie)).await).await,
        "s-1"
    );
    let response = call(
        &app,
        logout_request(format!("logout_token={}", token("s-1"))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        markers.is_empty()
            || !markers.is_logged_out_now(
                &SessionRecord::new(ISSUER, Some("s-1".into()), None, UnixTime::from_secs(0))
                    .unwrap(),
                UnixTime::from_system_time(SystemTime::now()),
            )
    );
    assert_eq!(
        body(call(&app, get_with_cookie("/whoami", &cookie)).await).await,
        "anonymous"
    );
}
