//! The adapter's log lines. Alone in its own test binary: `tracing`'s
//! per-callsite interest cache is process-wide, and tests on other threads
//! without a subscriber would race with the thread-local subscriber here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use backchannel_logout::MemoryLogoutStore;
use backchannel_logout_axum::logout_route;
use backchannel_logout_testkit::adapter_fixture::{
    CapturedLogs, assert_logged_once_per_request, receiver, token,
};
use tower::ServiceExt;

fn logout_request(body: String) -> Request<Body> {
    Request::post("/backchannel-logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[test]
fn logs_one_line_per_request_without_the_token() {
    let logs = CapturedLogs::install_global();
    let token = token("s-1");
    let body_text = format!("logout_token={token}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let markers = Arc::new(MemoryLogoutStore::new());
        let app: Router =
            Router::new().route("/backchannel-logout", logout_route(receiver(&markers)));
        for _ in 0..2 {
            app.clone()
                .oneshot(logout_request(body_text.clone()))
                .await
                .unwrap();
        }
    });
    assert_logged_once_per_request(&logs.text(), &token);
}
