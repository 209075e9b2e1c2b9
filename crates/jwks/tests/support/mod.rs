//! A stand-in OpenID Provider on loopback whose discovery document and key
//! set the test changes, counting the requests it serves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backchannel_logout::{
    Algorithm, ClientId, Issuer, MemoryLogoutStore, MemoryReplayGuard, Receiver, UnixTime,
    Validator, ValidatorSet,
};
use backchannel_logout_jwks::{JwksKeySource, JwksKeySourceBuilder};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub(crate) const CLIENT: &str = "client-1";
/// Bound on any wait in these tests.
pub(crate) const LIMIT: Duration = Duration::from_secs(10);

/// What the provider answers on one route.
#[derive(Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) delay: Duration,
    pub(crate) cache_control: Option<String>,
    pub(crate) location: Option<String>,
}

impl Reply {
    pub(crate) fn ok(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
            cache_control: None,
            location: None,
        }
    }

    pub(crate) fn status(status: u16) -> Self {
        Reply {
            status,
            ..Reply::ok("")
        }
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub(crate) fn cache_control(mut self, value: &str) -> Self {
        self.cache_control = Some(value.to_owned());
        self
    }

    pub(crate) fn redirect(location: &str) -> Self {
        Reply {
            location: Some(location.to_owned()),
            ..Reply::status(302)
        }
    }
}

struct Shared {
    discovery: Mutex<Reply>,
    jwks: Mutex<Reply>,
    discovery_hits: AtomicUsize,
    jwks_hits: AtomicUsize,
}

pub(crate) struct Provider {
    pub(crate) issuer: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Provider {
    /// A provider on 127.0.0.1 serving `jwks` and a discovery document that
    /// names itself, advertises ES256 and back-channel logout.
    pub(crate) async fn start(jwks: String) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            discovery: Mutex::new(Reply::ok(discovery_doc(&issuer))),
            jwks: Mutex::new(Reply::ok(jwks)),
            discovery_hits: AtomicUsize::new(0),
            jwks_hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks_route))
            .with_state(Arc::clone(&shared));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Provider {
            issuer,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub(crate) fn issuer(&self) -> Issuer {
        Issuer::new(self.issuer.clone())
    }

    pub(crate) fn url(&self, path: &str) -> backchannel_logout_jwks::Url {
        format!("{}{path}", self.issuer).parse().unwrap()
    }

    pub(crate) fn set_jwks(&self, reply: Reply) {
        *self.shared.jwks.lock().unwrap() = reply;
    }

    pub(crate) fn set_discovery(&self, reply: Reply) {
        *self.shared.discovery.lock().unwrap() = reply;
    }

    pub(crate) fn jwks_hits(&self) -> usize {
        self.shared.jwks_hits.load(Ordering::SeqCst)
    }

    pub(crate) fn discovery_hits(&self) -> usize {
        self.shared.discovery_hits.load(Ordering::SeqCst)
    }

    /// Stops the server: its port then refuses connections.
    pub(crate) async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(LIMIT, task).await.unwrap().unwrap();
        }
    }
}

pub(crate) fn discovery_doc(issuer: &str) -> String {
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    })
    .to_string()
}

async fn discovery(State(s): State<Arc<Shared>>) -> Response {
    s.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let reply = s.discovery.lock().unwrap().clone();
    answer(reply).await
}

async fn jwks_route(State(s): State<Arc<Shared>>) -> Response {
    s.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let reply = s.jwks.lock().unwrap().clone();
    answer(reply).await
}

async fn answer(reply: Reply) -> Response {
    tokio::time::sleep(reply.delay).await;
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
        .into_response();
    if let Some(cc) = reply.cache_control {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_str(&cc).unwrap());
    }
    if let Some(location) = reply.location {
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_str(&location).unwrap());
    }
    response
}

/// An ES256 key (fast to generate).
pub(crate) fn key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::ES256, kid)
}

pub(crate) fn jwks(keys: &[&SigningKey]) -> String {
    SigningKey::jwks(keys)
}

pub(crate) fn now() -> u64 {
    UnixTime::from_system_time(SystemTime::now()).as_secs()
}

/// A valid logout token from `issuer`, signed by `key`.
pub(crate) fn token(issuer: &str, key: &SigningKey) -> String {
    TokenBuilder::new(issuer, CLIENT, now())
        .sid("s-1")
        .sign(key)
}

pub(crate) fn validator(issuer: &str) -> Validator {
    Validator::builder(Issuer::new(issuer), ClientId::new(CLIENT))
        .algorithms([Algorithm::ES256])
        .build()
        .unwrap()
}

pub(crate) type TestReceiver = Receiver<JwksKeySource, MemoryReplayGuard, MemoryLogoutStore>;

pub(crate) fn receiver(source: &JwksKeySource, issuers: &[&str]) -> TestReceiver {
    let mut set = ValidatorSet::new();
    for issuer in issuers {
        set.insert(validator(issuer)).unwrap();
    }
    Receiver::new(
        set,
        source.clone(),
        MemoryReplayGuard::new(),
        MemoryLogoutStore::new(),
    )
}

/// Posts `token` to the receiver; the HTTP status of the answer.
pub(crate) async fn post(receiver: &TestReceiver, token: &str) -> u16 {
    let body = format!("logout_token={token}");
    let outcome = tokio::time::timeout(
        LIMIT,
        receiver.receive(
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
            UnixTime::from_system_time(SystemTime::now()),
        ),
    )
    .await
    .unwrap();
    if let Err(e) = &outcome.result {
        eprintln!("refused: {e:?}");
    }
    outcome.response.status
}

/// A key source for `provider` by discovery, with short limits for tests.
pub(crate) fn source_for(provider: &Provider) -> JwksKeySourceBuilder {
    JwksKeySource::builder()
        .issuer_discovery(provider.issuer())
        .timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(1))
}

/// Waits until `cond` holds, polling; fails the test after [`LIMIT`].
pub(crate) async fn eventually(mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < LIMIT,
            "condition not met within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
