//! Demo mode: the example plays its own provider, so a newcomer sees a
//! back-channel logout work without configuring one.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::SystemTime;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use backchannel_logout::{
    Algorithm, ClientId, ConfigError, Issuer, KeySet, SessionRecord, UnixTime, Validator,
};
use backchannel_logout_axum::record_login;
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{AppState, SESSION_COOKIE};

/// The demo client id.
const CLIENT_ID: &str = "demo-client";
/// The demo session.
const DEMO_SID: &str = "demo-session";
const DEMO_SUB: &str = "demo-user";
/// How long a demo token stays valid: the validator's default maximum age.
const TOKEN_LIFETIME: u64 = 600;

pub(crate) struct DemoProvider {
    issuer: String,
    key: SigningKey,
}

impl DemoProvider {
    /// A provider at `http://addr` with a fresh key for the first allowed
    /// algorithm.
    pub(crate) fn new(addr: SocketAddr, algorithms: &[Algorithm]) -> Self {
        let alg = algorithms.first().copied().unwrap_or(Algorithm::RS256);
        DemoProvider {
            issuer: format!("http://{addr}"),
            key: SigningKey::generate(alg, "demo-key"),
        }
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) fn validator(&self, algorithms: &[Algorithm]) -> Result<Validator, ConfigError> {
        Validator::builder(Issuer::new(&self.issuer), ClientId::new(CLIENT_ID))
            .algorithms(algorithms.iter().copied())
            .build()
    }

    fn jwks(&self) -> String {
        SigningKey::jwks(&[&self.key])
    }

    pub(crate) fn keys(&self) -> KeySet {
        // Our own freshly generated public key always parses.
        KeySet::from_jwks(self.jwks().as_bytes()).unwrap_or_default()
    }

    /// A fresh logout token for `sid` and/or `sub`.
    fn token(&self, sid: Option<&str>, sub: Option<&str>) -> String {
        let now = UnixTime::from_system_time(SystemTime::now()).as_secs();
        let mut token = TokenBuilder::new(&self.issuer, CLIENT_ID, now)
            .claim("exp", now + TOKEN_LIFETIME)
            .without("sub");
        if let Some(sid) = sid {
            token = token.sid(sid);
        }
        if let Some(sub) = sub {
            token = token.sub(sub);
        }
        token.sign(&self.key)
    }

    /// Records the demo session in `session` and saves it, so its cookie
    /// works from the first request.
    pub(crate) async fn open_demo_session(
        &self,
        session: &Session,
    ) -> Result<(), tower_sessions::session::Error> {
        let now = UnixTime::from_system_time(SystemTime::now());
        let record = SessionRecord::new(
            &self.issuer,
            Some(DEMO_SID.to_owned()),
            Some(DEMO_SUB.to_owned()),
            now,
        );
        record_login(session, record).await?;
        session.save().await
    }

    /// The ready-to-paste walk through.
    pub(crate) fn banner(&self, session: &Session) -> String {
        let base = &self.issuer;
        let cookie = session
            .id()
            .map(|id| format!("{SESSION_COOKIE}={id}"))
            .unwrap_or_default();
        let token = self.token(Some(DEMO_SID), Some(DEMO_SUB));
        let alg = self.key.alg();
        let mut b = String::new();
        let _ = writeln!(
            b,
            "Demo mode: this example is its own OpenID Provider (issuer {base}, client id {CLIENT_ID},"
        );
        let _ = writeln!(
            b,
            "{alg} key published at {base}/.well-known/jwks.json). A demo session is open for sub {DEMO_SUB}, sid {DEMO_SID}."
        );
        let _ = writeln!(b);
        let _ = writeln!(b, "# 1. the demo session is live:");
        let _ = writeln!(b, "curl -i -b '{cookie}' {base}/whoami");
        let _ = writeln!(b, "# 2. the provider logs it out (200, empty body):");
        let _ = writeln!(
            b,
            "curl -i --data-urlencode 'logout_token={token}' {base}/backchannel-logout"
        );
        let _ = writeln!(
            b,
            "# 3. the same token again is a replay (400, JSON error):"
        );
        let _ = writeln!(
            b,
            "curl -i --data-urlencode 'logout_token={token}' {base}/backchannel-logout"
        );
        let _ = writeln!(
            b,
            "# 4. the demo session is now logged out (anonymous, its cookie cleared):"
        );
        let _ = writeln!(b, "curl -i -b '{cookie}' {base}/whoami");
        let _ = writeln!(b);
        let _ = writeln!(
            b,
            "The token is valid for {} minutes. A fresh one: curl '{base}/demo/logout-token?sid={DEMO_SID}'",
            TOKEN_LIFETIME / 60
        );
        let _ = write!(
            b,
            "More sessions: curl -i -c jar -d sub=alice -d sid=s-1 {base}/login, then curl -b jar {base}/whoami"
        );
        b
    }
}

/// `GET /.well-known/jwks.json`: the demo provider's key set.
pub(crate) async fn jwks(State(state): State<AppState>) -> Response {
    match state.demo {
        Some(provider) => (
            [(header::CONTENT_TYPE, "application/jwk-set+json")],
            provider.jwks(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    sid: Option<String>,
    sub: Option<String>,
}

/// `GET /demo/logout-token?sid=..&sub=..`: a fresh logout token from the
/// demo provider, to POST to `/backchannel-logout`.
pub(crate) async fn logout_token(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(provider) = state.demo else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let sid = query.sid.filter(|s| !s.is_empty());
    let sub = query.sub.filter(|s| !s.is_empty());
    if sid.is_none() && sub.is_none() {
        return (StatusCode::BAD_REQUEST, "give sid, sub or both\n").into_response();
    }
    let token = provider.token(sid.as_deref(), sub.as_deref());
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{token}\n"),
    )
        .into_response()
}
