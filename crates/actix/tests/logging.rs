//! The adapter's log lines. Alone in its own test binary: `tracing`'s
//! per-callsite interest cache is process-wide, and tests on other threads
//! without a subscriber would race with the global subscriber here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_web::App;
use actix_web::dev::Service;
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use backchannel_logout::MemoryLogoutStore;
use backchannel_logout_actix::logout_route;
use backchannel_logout_testkit::adapter_fixture::{
    CapturedLogs, assert_logged_once_per_request, receiver, token,
};

#[actix_rt::test]
async fn logs_one_line_per_request_without_the_token() {
    let logs = CapturedLogs::install_global();
    let token = token("s-1");
    let markers = Arc::new(MemoryLogoutStore::new());
    let app = test::init_service(
        App::new().service(logout_route("/backchannel-logout", receiver(&markers))),
    )
    .await;
    for _ in 0..2 {
        let request = TestRequest::post()
            .uri("/backchannel-logout")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(format!("logout_token={token}"))
            .to_request();
        app.call(request).await.unwrap();
    }
    assert_logged_once_per_request(&logs.text(), &token);
}
