//! A real, independent OpenID Provider: node `oidc-provider`, pinned in
//! `tests/interop/` and installed by `scripts/install-interop.sh`, started
//! on a loopback port (`tests/interop/provider.mjs`) and driven over HTTP
//! as a browser and a client would drive it. Also the provider's own JOSE
//! library, `jose`, as an independent verifier (`tests/interop/verify-jws.mjs`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::client::client;
use crate::{Answer, FORM, form};

/// How long the provider may take to start (it generates ten keys).
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long any one step may take: a request, a line from the provider.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// The redirect URI registered for the code flow. Never fetched: the
/// browser stops at the redirect and reads the code from it.
pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// `tests/interop`: the pinned Node project.
#[must_use]
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Checks that Node.js and the pinned packages are installed.
///
/// # Panics
///
/// When they are not, saying how to install them: a missing dependency
/// fails the test, it never passes silently.
pub fn require_node() {
    let install =
        "run scripts/install-interop.sh (Node.js, npm and the pinned packages of tests/interop)";
    let version = match std::process::Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        Ok(output) => panic!("`node --version` failed ({}): {install}", output.status),
        Err(e) => panic!("Node.js is not installed (`node`: {e}): {install}"),
    };
    // oidc-provider 9 calls `crypto.hash`: Node.js 20.12 and later.
    let numbers: Vec<u32> = version
        .trim_start_matches('v')
        .split('.')
        .map_while(|n| n.parse().ok())
        .collect();
    assert!(
        numbers.get(..2).is_some_and(|n| n >= [20, 12].as_slice()),
        "Node.js {version} is too old for oidc-provider 9: it needs 20.12 or later"
    );
    for package in ["oidc-provider", "jose"] {
        let manifest = interop_dir()
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "the npm package {package} is not installed in tests/interop: {install}"
        );
    }
}

/// A running `oidc-provider`; killed when dropped.
#[derive(Debug)]
pub struct OidcProvider {
    issuer: String,
    version: String,
    events: mpsc::UnboundedReceiver<Value>,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
    // Last: its stdin closes when it drops, which ends the script too.
    _child: Child,
}

/// A client registered at the provider (dynamic registration, RFC 7591).
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// `client_id`.
    pub id: String,
    /// `client_secret`.
    pub secret: String,
    /// The metadata it registered.
    pub metadata: Value,
    /// `registration_access_token` (RFC 7592).
    pub access_token: String,
    /// `registration_client_uri` (RFC 7592).
    pub uri: String,
}

/// A user's session at the provider: the browser that holds its cookie,
/// and the ID token the client received at sign-in.
#[derive(Debug)]
pub struct ProviderSession {
    /// The browser (its cookie jar holds the provider's session cookie).
    pub browser: reqwest::Client,
    /// The ID token's header.
    pub id_token_header: Value,
    /// The ID token's claims.
    pub id_token: Value,
}

impl ProviderSession {
    /// The ID token's `sub`.
    #[must_use]
    pub fn sub(&self) -> &str {
        self.id_token["sub"].as_str().unwrap_or_default()
    }

    /// The ID token's `sid`.
    #[must_use]
    pub fn sid(&self) -> &str {
        self.id_token["sid"].as_str().unwrap_or_default()
    }
}

impl OidcProvider {
    /// Starts `tests/interop/provider.mjs` on a free loopback port and waits
    /// for its ready line.
    ///
    /// # Panics
    ///
    /// When Node.js or the packages are missing (see [`require_node`]), or
    /// the provider does not start in time.
    pub async fn start() -> OidcProvider {
        require_node();
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .args(["--port", "0"])
            .current_dir(interop_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("node provider.mjs did not start: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let (sender, events) = mpsc::unbounded_channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        tokio::spawn(collect(stderr_pipe, Arc::clone(&stderr)));
        // The script's events are JSON lines; oidc-provider's own notices
        // also come on stdout: they join stderr, for messages.
        let notices = Arc::clone(&stderr);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(event) if event.get("event").is_some() => {
                        if sender.send(event).is_err() {
                            break;
                        }
                    }
                    _ => {
                        if let Ok(mut text) = notices.lock() {
                            text.push_str(&line);
                            text.push('\n');
                        }
                    }
                }
            }
        });
        let mut op = OidcProvider {
            issuer: String::new(),
            version: String::new(),
            events,
            stderr,
            http: client(false),
            _child: child,
        };
        let ready = op.event_within("ready", START_TIMEOUT).await;
        op.issuer = ready["issuer"].as_str().unwrap_or_default().to_owned();
        op.version = ready["oidc_provider"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        op
    }

    /// The issuer: `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The version of `oidc-provider` running.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What the provider wrote so far besides its events: its warnings,
    /// notices and errors.
    #[must_use]
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The next event the provider reports on stdout, which must be named
    /// `name` (what came instead is in the message).
    ///
    /// # Panics
    ///
    /// When another event comes, or none within a few seconds.
    pub async fn event(&mut self, name: &str) -> Value {
        self.event_within(name, STEP_TIMEOUT).await
    }

    async fn event_within(&mut self, name: &str, timeout: Duration) -> Value {
        match tokio::time::timeout(timeout, self.events.recv()).await {
            Ok(Some(event)) if event["event"] == name => event,
            Ok(Some(event)) => panic!(
                "oidc-provider reported {event} where {name} was expected; stderr:\n{}",
                self.stderr()
            ),
            Ok(None) => panic!(
                "oidc-provider exited before reporting {name}; stderr:\n{}",
                self.stderr()
            ),
            Err(_) => panic!(
                "oidc-provider reported no {name} within {timeout:?}; stderr:\n{}",
                self.stderr()
            ),
        }
    }

    /// The discovery document.
    pub async fn discovery(&self) -> Value {
        let answer = self
            .send(
                self.http
                    .get(format!("{}/.well-known/openid-configuration", self.issuer)),
            )
            .await;
        assert_eq!(answer.status, 200, "discovery: {answer:?}");
        answer.json()
    }

    /// The provider's key set, as served at its `jwks_uri`.
    pub async fn jwks(&self) -> String {
        let answer = self
            .send(self.http.get(format!("{}/jwks", self.issuer)))
            .await;
        assert_eq!(answer.status, 200, "jwks: {answer:?}");
        String::from_utf8_lossy(&answer.body).into_owned()
    }

    /// Registers a confidential client (`client_secret_basic`) for the
    /// code flow whose ID tokens, and so its logout tokens, are signed with
    /// `alg`, and that requires `sid` in its logout tokens. It has no
    /// back-channel logout URI until [`OidcProvider::set_backchannel_logout_uri`].
    pub async fn register(&self, alg: &str) -> RegisteredClient {
        let metadata = json!({
            "redirect_uris": [REDIRECT_URI],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "id_token_signed_response_alg": alg,
            "backchannel_logout_session_required": true,
        });
        let answer = self
            .send(
                self.http
                    .post(format!("{}/reg", self.issuer))
                    .header(CONTENT_TYPE, "application/json")
                    .body(metadata.to_string()),
            )
            .await;
        assert_eq!(answer.status, 201, "registration: {answer:?}");
        let registered = answer.json();
        let text = |name: &str| registered[name].as_str().unwrap_or_default().to_owned();
        RegisteredClient {
            id: text("client_id"),
            secret: text("client_secret"),
            access_token: text("registration_access_token"),
            uri: text("registration_client_uri"),
            metadata,
        }
    }

    /// Points the client's `backchannel_logout_uri` at `uri`, through the
    /// client configuration endpoint (RFC 7592): the relying party's address
    /// is known only once it runs, and it runs only once the provider does.
    pub async fn set_backchannel_logout_uri(&self, client: &mut RegisteredClient, uri: &str) {
        let mut metadata = client.metadata.clone();
        metadata["client_id"] = client.id.clone().into();
        metadata["client_secret"] = client.secret.clone().into();
        metadata["backchannel_logout_uri"] = uri.into();
        let answer = self
            .send(
                self.http
                    .put(&client.uri)
                    .bearer_auth(&client.access_token)
                    .header(CONTENT_TYPE, "application/json")
                    .body(metadata.to_string()),
            )
            .await;
        assert_eq!(answer.status, 200, "client update: {answer:?}");
        let updated = answer.json();
        assert_eq!(updated["backchannel_logout_uri"], uri, "{updated}");
        if let Some(token) = updated["registration_access_token"].as_str() {
            token.clone_into(&mut client.access_token);
        }
        client.metadata["backchannel_logout_uri"] = uri.into();
    }

    /// Signs `login` in at the provider in a new browser, for `client`: the
    /// authorization request, the login and consent pages, the redirect
    /// with the code, and the code exchanged at the token endpoint for the
    /// ID token.
    pub async fn sign_in(&self, client: &RegisteredClient, login: &str) -> ProviderSession {
        let browser = crate::client::client(true);
        let state = backchannel_logout_testkit::random_id(16);
        let mut authorize = self.url("/auth");
        authorize
            .query_pairs_mut()
            .append_pair("client_id", &client.id)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid")
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("state", &state);
        let mut location = self.redirect(browser.get(authorize.as_str())).await;
        // Two interactions: the login page, then the consent page. Each
        // answers its form with a redirect back to the authorization
        // endpoint, which redirects to the next page or to the client.
        for prompt in ["login", "consent"] {
            assert!(
                location.path().starts_with("/interaction/"),
                "expected the {prompt} page, redirected to {location}"
            );
            let page = self.send(browser.get(location.as_str())).await;
            let marker = format!("name=\"prompt\" value=\"{prompt}\"");
            assert!(
                page.status == 200 && String::from_utf8_lossy(&page.body).contains(&marker),
                "the {prompt} page: {page:?}"
            );
            let fields: &[(&str, &str)] = match prompt {
                "login" => &[("prompt", "login"), ("login", login), ("password", "x")],
                _ => &[("prompt", "consent")],
            };
            let resume = self
                .redirect(
                    browser
                        .post(location.as_str())
                        .header(CONTENT_TYPE, FORM)
                        .body(form(fields)),
                )
                .await;
            location = self.redirect(browser.get(resume.as_str())).await;
        }
        assert!(
            location.as_str().starts_with(REDIRECT_URI),
            "expected the redirect to the client, got {location}"
        );
        let query = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(
            query("state").as_deref(),
            Some(state.as_str()),
            "{location}"
        );
        let code = query("code").unwrap_or_else(|| panic!("no code in {location}"));

        let answer = self
            .send(
                self.http
                    .post(format!("{}/token", self.issuer))
                    .basic_auth(&client.id, Some(&client.secret))
                    .header(CONTENT_TYPE, FORM)
                    .body(form(&[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", REDIRECT_URI),
                    ])),
            )
            .await;
        assert_eq!(answer.status, 200, "token endpoint: {answer:?}");
        let id_token = answer.json()["id_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (id_token_header, id_token) = decode_unverified(&id_token);
        ProviderSession {
            browser,
            id_token_header,
            id_token,
        }
    }

    /// Ends `session` at the provider's end-session endpoint
    /// (RP-initiated logout), confirming on its logout page as the user
    /// would. The provider sends its back-channel logouts before it answers.
    pub async fn end_session(&self, session: &ProviderSession, client: &RegisteredClient) {
        let mut end = self.url("/session/end");
        end.query_pairs_mut().append_pair("client_id", &client.id);
        let page = self.send(session.browser.get(end.as_str())).await;
        assert_eq!(page.status, 200, "the logout page: {page:?}");
        let page = String::from_utf8_lossy(&page.body).into_owned();
        let xsrf = hidden_input(&page, "xsrf")
            .unwrap_or_else(|| panic!("no xsrf field on the logout page: {page}"));
        let done = self
            .redirect(
                session
                    .browser
                    .post(format!("{}/session/end/confirm", self.issuer))
                    .header(CONTENT_TYPE, FORM)
                    .body(form(&[("xsrf", &xsrf), ("logout", "yes")])),
            )
            .await;
        assert!(
            done.path().starts_with("/session/end/success"),
            "after the logout: {done}"
        );
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.issuer)).expect("a URL on the issuer")
    }

    /// Sends `request`, expects a redirect, and returns where it leads.
    async fn redirect(&self, request: reqwest::RequestBuilder) -> Url {
        let answer = self.send(request).await;
        let location = answer
            .header(LOCATION.as_str())
            .filter(|_| (300..400).contains(&answer.status))
            .unwrap_or_else(|| panic!("expected a redirect, got {answer:?}"));
        self.url("")
            .join(location)
            .unwrap_or_else(|e| panic!("redirect to {location:?}: {e}"))
    }

    /// Sends `request` and reads the answer.
    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let answer = Answer::from(request.send().await, "oidc-provider");
        tokio::time::timeout(STEP_TIMEOUT, answer)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "oidc-provider did not answer within {STEP_TIMEOUT:?}; stderr:\n{}",
                    self.stderr()
                )
            })
    }
}

async fn collect(mut pipe: impl AsyncRead + Unpin, into: Arc<Mutex<String>>) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        if let Ok(mut text) = into.lock() {
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(body)))
}

/// A compact JWS's header and claims, decoded without verification.
///
/// # Panics
///
/// When it is not three segments of base64url JSON.
#[must_use]
pub fn decode_unverified(token: &str) -> (Value, Value) {
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "not a compact JWS: {token:?}");
    let part = |s: &str| json_of(&backchannel_logout_testkit::b64_decode(s));
    (part(segments[0]), part(segments[1]))
}

/// The value of `<input type="hidden" name="NAME" value="...">` on an
/// oidc-provider page (its pages write exactly this form).
fn hidden_input(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let len = page.get(start..)?.find('"')?;
    page.get(start..start + len).map(str::to_owned)
}

/// Verifies the compact JWS `token` with the key set `jwks` using `jose`,
/// oidc-provider's JOSE library, through `tests/interop/verify-jws.mjs`.
///
/// # Errors
///
/// What `jose` said when it refused the token.
///
/// # Panics
///
/// When Node.js or the packages are missing, or the script cannot run.
pub async fn verify_with_jose(jwks: &str, token: &str) -> Result<Value, String> {
    require_node();
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::io::Write::write_all(&mut file, jwks.as_bytes()).expect("JWKS written");
    let run = Command::new("node")
        .arg(interop_dir().join("verify-jws.mjs"))
        .arg(file.path())
        .arg(token)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(STEP_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("verify-jws.mjs took over {STEP_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("node verify-jws.mjs did not run: {e}"));
    if output.status.success() {
        Ok(json_of(&output.stdout))
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}
