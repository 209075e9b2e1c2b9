//! What every framework adapter's tests start from: one issuer, one
//! client, one ES256 key, a receiver writing to a marker store, tokens
//! signed now, the record a login stores, a marker store that is down, and
//! the log lines a logout request must leave.
//!
//! ```
//! use std::sync::Arc;
//!
//! use backchannel_logout::MemoryLogoutStore;
//! use backchannel_logout_testkit::adapter_fixture::{receiver, token};
//!
//! let markers = Arc::new(MemoryLogoutStore::new());
//! let receiver = receiver(&markers); // mount it with the adapter
//! let body = format!("logout_token={}", token("s-1"));
//! # let _ = (receiver, body);
//! ```

// A test helper: fixtures that cannot be built fail the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use backchannel_logout::{
    Algorithm, BackendError, ClientId, Issuer, KeySet, MemoryLogoutStore, MemoryReplayGuard,
    Receiver, SessionRecord, SessionStatus, StaticKeys, UnixTime, Validator,
};

use crate::{SigningKey, TokenBuilder};

/// The issuer.
pub const ISSUER: &str = "https://op.example";
/// The client id.
pub const CLIENT: &str = "client";

/// The receiver of [`receiver`].
pub type FixtureReceiver = Receiver<StaticKeys, MemoryReplayGuard, Arc<MemoryLogoutStore>>;

/// The provider's ES256 key (shared by the whole test binary).
#[must_use]
pub fn key() -> &'static SigningKey {
    SigningKey::shared(Algorithm::ES256)
}

/// A receiver for [`ISSUER`] and [`CLIENT`], ES256 only, with [`key`],
/// ending sessions in `markers`.
#[must_use]
pub fn receiver(markers: &Arc<MemoryLogoutStore>) -> FixtureReceiver {
    let keys = KeySet::from_jwks(SigningKey::jwks(&[key()]).as_bytes()).unwrap();
    let validator = Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT))
        .algorithms([Algorithm::ES256])
        .build()
        .unwrap();
    Receiver::new(
        validator,
        StaticKeys::new(Issuer::new(ISSUER), keys),
        MemoryReplayGuard::new(),
        Arc::clone(markers),
    )
}

/// The current time, in whole seconds.
#[must_use]
pub fn now() -> u64 {
    UnixTime::from_system_time(SystemTime::now()).as_secs()
}

/// A valid logout token for session `sid`, issued now.
#[must_use]
pub fn token(sid: &str) -> String {
    TokenBuilder::new(ISSUER, CLIENT, now())
        .sid(sid)
        .sign(key())
}

/// What a login stores for session `sid` of the subject `user`,
/// authenticated now.
#[must_use]
pub fn login_record(sid: String) -> SessionRecord {
    SessionRecord::new(
        ISSUER,
        Some(sid),
        Some("user".into()),
        UnixTime::from_system_time(SystemTime::now()),
    )
    .unwrap()
}

/// A marker store that cannot be reached: every check fails.
#[derive(Debug, Clone, Copy)]
pub struct UnreachableMarkers;

impl SessionStatus for UnreachableMarkers {
    async fn is_logged_out(&self, _: &SessionRecord, _: UnixTime) -> Result<bool, BackendError> {
        Err(BackendError::msg("marker store unreachable"))
    }

    fn logout_retention(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

/// Log output captured in memory.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Captures every log line of the process from now on, as the
    /// examples print them (`tracing_subscriber`'s format, no colours).
    ///
    /// Installs the global subscriber: call it once, in a test binary of
    /// its own (`tracing`'s per-callsite interest cache is process-wide).
    ///
    /// # Panics
    ///
    /// When a global subscriber is already installed.
    #[must_use]
    pub fn install_global() -> Self {
        let logs = CapturedLogs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    }

    /// What was written so far.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Asserts the log of `token` (for session `s-1`) posted twice: one line
/// per request (logged out, then refused as a replay) with the issuer and
/// `kid`, and never the token's claims or signature.
///
/// # Panics
///
/// When the log is otherwise.
pub fn assert_logged_once_per_request(text: &str, token: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("outcome=\"logged_out\""), "{}", lines[0]);
    assert!(lines[0].contains("sid=\"s-1\""), "{}", lines[0]);
    assert!(
        lines[0].contains(&format!("issuer=\"{ISSUER}\"")),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("kid=\"{}\"", key().kid())),
        "{}",
        lines[0]
    );
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
