//! Demo mode: the example plays its own provider, so a newcomer sees a
//! back-channel logout work without configuring one. Framework-neutral:
//! each example serves [`DemoProvider::jwks`] and
//! [`DemoProvider::logout_token`] on its own routes and opens the demo
//! session with its own login helper.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::SystemTime;

use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, SessionRecord, UnixTime};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};

use crate::config::{Keys, Provider};

/// The demo client id.
pub const CLIENT_ID: &str = "demo-client";
/// The demo session's `sid`.
pub const DEMO_SID: &str = "demo-session";
/// The demo session's `sub`.
pub const DEMO_SUB: &str = "demo-user";
/// How long a demo token stays valid: the validator's default maximum age.
const TOKEN_LIFETIME: u64 = 600;

/// The example's own provider: an issuer at the example's address and a
/// freshly generated signing key.
pub struct DemoProvider {
    issuer: String,
    key: SigningKey,
}

impl std::fmt::Debug for DemoProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoProvider")
            .field("issuer", &self.issuer)
            .field("alg", &self.key.alg())
            .finish_non_exhaustive()
    }
}

impl DemoProvider {
    /// A provider at `http://addr` with a fresh key for the first allowed
    /// algorithm.
    #[must_use]
    pub fn new(addr: SocketAddr, algorithms: &[Algorithm]) -> Self {
        let alg = algorithms.first().copied().unwrap_or(Algorithm::RS256);
        DemoProvider {
            issuer: format!("http://{addr}"),
            key: SigningKey::generate(alg, "demo-key"),
        }
    }

    /// The configuration a real provider would have: this issuer, the demo
    /// client, its key set, and `POST /login` on.
    #[must_use]
    pub fn provider(&self) -> Provider {
        // Our own freshly generated public key always parses.
        let keys = KeySet::from_jwks(self.jwks().as_bytes()).unwrap_or_default();
        Provider {
            issuer: Issuer::new(&self.issuer),
            client_id: ClientId::new(CLIENT_ID),
            keys: Keys::File(keys),
            demo_login: true,
        }
    }

    /// The issuer, `http://addr`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `GET /.well-known/jwks.json`: the public key set.
    #[must_use]
    pub fn jwks(&self) -> String {
        SigningKey::jwks(&[&self.key])
    }

    /// The demo session, authenticated now.
    ///
    /// # Errors
    ///
    /// Never for the demo's constants; the type is the core's.
    pub fn demo_session(&self) -> Result<SessionRecord, backchannel_logout::SessionRecordError> {
        let now = UnixTime::from_system_time(SystemTime::now());
        SessionRecord::new(
            &self.issuer,
            Some(DEMO_SID.to_owned()),
            Some(DEMO_SUB.to_owned()),
            now,
        )
    }

    /// `GET /demo/logout-token?sid=..&sub=..`: a fresh logout token for
    /// `sid` and/or `sub`; `None` with neither (empty strings count as
    /// absent).
    #[must_use]
    pub fn logout_token(&self, sid: Option<&str>, sub: Option<&str>) -> Option<String> {
        let sid = sid.filter(|s| !s.is_empty());
        let sub = sub.filter(|s| !s.is_empty());
        if sid.is_none() && sub.is_none() {
            return None;
        }
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
        Some(token.sign(&self.key))
    }

    /// The ready-to-paste walk through, for the demo session whose cookie
    /// is `cookie` (`name=value`).
    #[must_use]
    pub fn banner(&self, cookie: &str) -> String {
        let base = &self.issuer;
        let token = self
            .logout_token(Some(DEMO_SID), Some(DEMO_SUB))
            .unwrap_or_default();
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
