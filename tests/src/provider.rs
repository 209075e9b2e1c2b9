//! The OpenID Provider the examples are configured to trust, played by the
//! testkit.

use std::io::Write;
use std::time::SystemTime;

use backchannel_logout::{Algorithm, UnixTime};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};

/// The issuer the examples are configured with.
pub const ISSUER: &str = "https://op.example.test";
/// The client id the examples are configured with.
pub const CLIENT_ID: &str = "rp-client";

/// The provider: an RS256 key (the algorithm the examples allow) and an
/// ES256 key, both published in its JWKS file.
#[derive(Debug)]
pub struct Provider {
    jwks: tempfile::NamedTempFile,
}

impl Provider {
    /// Writes the provider's JWKS to a temporary file.
    ///
    /// # Panics
    ///
    /// When the file cannot be written.
    #[must_use]
    pub fn new() -> Self {
        let mut jwks = tempfile::NamedTempFile::new().expect("a temporary file");
        jwks.write_all(SigningKey::jwks(&[Self::rs256(), Self::es256()]).as_bytes())
            .expect("JWKS written");
        Provider { jwks }
    }

    /// The RS256 key.
    #[must_use]
    pub fn rs256() -> &'static SigningKey {
        SigningKey::shared(Algorithm::RS256)
    }

    /// The ES256 key: published, but not an algorithm the examples allow.
    #[must_use]
    pub fn es256() -> &'static SigningKey {
        SigningKey::shared(Algorithm::ES256)
    }

    /// The environment that configures an example for this provider, on a
    /// free loopback port, with `POST /login`.
    #[must_use]
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("BCL_ISSUER", ISSUER),
            ("BCL_CLIENT_ID", CLIENT_ID),
            ("BCL_JWKS_FILE", &self.jwks.path().to_string_lossy()),
            ("BCL_DEMO_LOGIN", "1"),
            ("BCL_LISTEN", "127.0.0.1:0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// A valid logout token (before signing) issued now, for `sub`
    /// `"user-1"` and no `sid` until one is set.
    #[must_use]
    pub fn token(&self) -> TokenBuilder {
        TokenBuilder::new(ISSUER, CLIENT_ID, now())
    }

    /// A valid token for session `sid` of `sub`, signed.
    #[must_use]
    pub fn session_token(&self, sub: &str, sid: &str) -> String {
        self.token().sub(sub).sid(sid).sign(Self::rs256())
    }
}

impl Default for Provider {
    fn default() -> Self {
        Self::new()
    }
}

/// The current time in seconds.
#[must_use]
pub fn now() -> u64 {
    UnixTime::from_system_time(SystemTime::now()).as_secs()
}

/// Waits into the next second. Times are whole seconds: a token issued
/// after this comes after a login recorded before it.
pub async fn next_second() {
    let into_second = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let rest =
        std::time::Duration::from_secs(1) - std::time::Duration::from_nanos(u64::from(into_second));
    tokio::time::sleep(rest + std::time::Duration::from_millis(20)).await;
}

/// The provider served over HTTP on loopback, for the examples that fetch
/// keys: its discovery document at `/.well-known/openid-configuration`
/// (issuer `http://ADDR`) and its key set at `/jwks`. Runs on its own
/// thread, so a test may block while an example starts; stops when dropped.
#[derive(Debug)]
pub struct HttpProvider {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    jwks_fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl HttpProvider {
    /// Starts serving.
    ///
    /// # Panics
    ///
    /// When no loopback port can be had.
    #[must_use]
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("an address");
        let issuer = format!("http://{addr}");
        let discovery = serde_json::json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/jwks"),
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
        })
        .to_string();
        let jwks = SigningKey::jwks(&[Provider::rs256(), Provider::es256()]);
        let jwks_fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&jwks_fetches);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let json = |body: String| {
                    move || async move { ([("content-type", "application/json")], body) }
                };
                let app = axum::Router::new()
                    .route(
                        "/.well-known/openid-configuration",
                        axum::routing::get(json(discovery)),
                    )
                    .route(
                        "/jwks",
                        axum::routing::get(move || {
                            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            json(jwks.clone())()
                        }),
                    );
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        HttpProvider {
            addr,
            stop: Some(stop),
            jwks_fetches,
        }
    }

    /// How many times its key set was fetched so far.
    #[must_use]
    pub fn jwks_fetches(&self) -> usize {
        self.jwks_fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The issuer: `http://ADDR`, as the discovery document says.
    #[must_use]
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The key set URL.
    #[must_use]
    pub fn jwks_uri(&self) -> String {
        format!("{}/jwks", self.issuer())
    }
}

impl Drop for HttpProvider {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
