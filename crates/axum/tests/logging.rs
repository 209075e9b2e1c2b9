//! The adapter's log lines. Alone in its own test binary: `tracing`'s
//! per-callsite interest cache is process-wide, and tests on other threads
//! without a subscriber would race with the thread-local subscriber here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use backchannel_logout::{
    Algorithm, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard, Receiver,
    StaticKeys, UnixTime, Validator,
};
use backchannel_logout_axum::logout_route;
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use tower::ServiceExt;

const ISSUER: &str = "https://op.example";
const CLIENT: &str = "client";

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn app() -> Router {
    let key = SigningKey::shared(Algorithm::ES256);
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes()).unwrap();
    let validator = Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT))
        .algorithms([Algorithm::ES256])
        .build()
        .unwrap();
    let receiver = Receiver::new(
        validator,
        StaticKeys::new(Issuer::new(ISSUER), keys),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    );
    Router::new().route("/backchannel-logout", logout_route(receiver))
}

fn logout_request(body: String) -> Request<Body> {
    Request::post("/backchannel-logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[test]
fn logs_one_line_per_request_without_the_token() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The only test in this binary: a global subscriber is safe here.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let now = UnixTime::from_system_time(SystemTime::now()).as_secs();
    let token = TokenBuilder::new(ISSUER, CLIENT, now)
        .sid("s-1")
        .sign(SigningKey::shared(Algorithm::ES256));
    let body_text = format!("logout_token={token}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = app();
        for _ in 0..2 {
            app.clone()
                .oneshot(logout_request(body_text.clone()))
                .await
                .unwrap();
        }
    });

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("outcome=\"logged_out\""), "{}", lines[0]);
    assert!(lines[0].contains("sid=\"s-1\""), "{}", lines[0]);
    assert!(
        lines[0].contains(&format!("issuer=\"{ISSUER}\"")),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("kid=\"shared-ES256\""), "{}", lines[0]);
    assert!(
        lines[1].contains("check=\"replayed_token\""),
        "{}",
        lines[1]
    );
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    assert!(
        !text.contains(signature) && !text.contains(payload),
        "{text}"
    );
}
