//! The adapter's log lines. Alone in its own test binary: `tracing`'s
//! per-callsite interest cache is process-wide, and tests on other threads
//! without a subscriber would race with the global subscriber here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use backchannel_logout::MemoryLogoutStore;
use backchannel_logout_rocket::logout_routes;
use backchannel_logout_testkit::adapter_fixture::{
    CapturedLogs, assert_logged_once_per_request, receiver, token,
};
use rocket::http::ContentType;
use rocket::local::asynchronous::Client;

#[tokio::test]
async fn logs_one_line_per_request_without_the_token() {
    let logs = CapturedLogs::install_global();
    let token = token("s-1");
    let markers = Arc::new(MemoryLogoutStore::new());
    let rocket = rocket::build()
        .manage(receiver(&markers).shared())
        .mount("/backchannel-logout", logout_routes());
    let client = Client::untracked(rocket).await.unwrap();
    for _ in 0..2 {
        client
            .post("/backchannel-logout")
            .header(ContentType::Form)
            .body(format!("logout_token={token}"))
            .dispatch()
            .await;
    }
    assert_logged_once_per_request(&logs.text(), &token);
}
