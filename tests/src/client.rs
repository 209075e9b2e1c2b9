//! Driving a running example over HTTP: as the provider (no cookies) and
//! as browsers (each with its own cookie jar).

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::redirect::Policy;
use serde_json::Value;

use crate::{Example, Provider, Server};

/// The form content type the provider sends.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// An example under test, configured for a [`Provider`], and an HTTP
/// client playing that provider.
#[derive(Debug)]
pub struct Rp {
    /// The provider the example trusts.
    pub provider: Provider,
    server: Server,
    http: reqwest::Client,
    name: &'static str,
}

impl Rp {
    /// Starts `example`, configured for a fresh [`Provider`].
    ///
    /// # Panics
    ///
    /// When it does not start.
    #[must_use]
    pub fn start(example: &Example) -> Rp {
        Rp::start_with(example, &[])
    }

    /// Starts `example`, configured for a fresh [`Provider`] and with these
    /// variables besides (`BCL_REDIS_URL`, say).
    ///
    /// # Panics
    ///
    /// When it does not start.
    #[must_use]
    pub fn start_with(example: &Example, extra: &[(&str, &str)]) -> Rp {
        let provider = Provider::new();
        let mut env = provider.env();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let server = (example.start)(env)
            .unwrap_or_else(|e| panic!("{} example did not start: {e}", example.name));
        Rp {
            provider,
            server,
            http: client(false),
            name: example.name,
        }
    }

    /// The running server.
    #[must_use]
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// POSTs `body` to `/backchannel-logout`, with this content type.
    pub async fn post(&self, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Answer {
        let mut request = self
            .http
            .post(self.server.url("/backchannel-logout"))
            .body(body.into());
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        Answer::from(request.send().await, self.name).await
    }

    /// POSTs the form `logout_token=<token>`, as a provider does.
    pub async fn logout(&self, token: &str) -> Answer {
        self.post(Some(FORM), form(&[("logout_token", token)]))
            .await
    }

    /// GETs `path`, without cookies.
    pub async fn get(&self, path: &str) -> Answer {
        Answer::from(self.http.get(self.server.url(path)).send().await, self.name).await
    }

    /// A browser: its own cookie jar.
    #[must_use]
    pub fn browser(&self) -> Browser {
        Browser::new(&self.server, self.name)
    }
}

/// A form body, encoded.
#[must_use]
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// An HTTP client that does not follow redirects (each step is checked),
/// with a cookie jar when `cookies`.
pub(crate) fn client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(Policy::none())
        .build()
        .expect("an HTTP client")
}

/// A user's browser: a cookie jar against one example.
#[derive(Debug)]
pub struct Browser {
    http: reqwest::Client,
    base: String,
    name: &'static str,
}

impl Browser {
    /// A browser with an empty cookie jar, against `server`.
    #[must_use]
    pub fn new(server: &Server, name: &'static str) -> Self {
        Browser {
            http: client(true),
            base: server.url(""),
            name,
        }
    }

    /// `POST /login` with `sub` and maybe `sid`: the stand-in for the
    /// OpenID Connect login callback.
    ///
    /// # Panics
    ///
    /// Unless it answers 303 to `/whoami`.
    pub async fn login(&self, sub: &str, sid: Option<&str>) {
        let mut pairs = vec![("sub", sub)];
        if let Some(sid) = sid {
            pairs.push(("sid", sid));
        }
        let answer = Answer::from(
            self.http
                .post(format!("{}/login", self.base))
                .header(CONTENT_TYPE, FORM)
                .body(form(&pairs))
                .send()
                .await,
            self.name,
        )
        .await;
        assert_eq!(answer.status, 303, "{}: POST /login: {answer:?}", self.name);
        assert_eq!(answer.header(LOCATION.as_str()), Some("/whoami"));
    }

    /// `GET /whoami`.
    pub async fn whoami(&self) -> Answer {
        Answer::from(
            self.http.get(format!("{}/whoami", self.base)).send().await,
            self.name,
        )
        .await
    }

    /// `GET /whoami`, as JSON.
    ///
    /// # Panics
    ///
    /// Unless it answers 200 with a JSON body.
    pub async fn who(&self) -> Value {
        let answer = self.whoami().await;
        assert_eq!(answer.status, 200, "{}: GET /whoami: {answer:?}", self.name);
        answer.json()
    }

    /// Whether `GET /whoami` says the session is live.
    pub async fn is_authenticated(&self) -> bool {
        self.who().await["authenticated"] == Value::Bool(true)
    }
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// Reads `response` whole; `name` (who answered) is for messages.
    pub(crate) async fn from(response: reqwest::Result<reqwest::Response>, name: &str) -> Answer {
        let response = response.unwrap_or_else(|e| panic!("{name}: request failed: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{name}: reading the answer failed: {e}"));
        Answer {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    /// A header's value, if present and text.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON.
    ///
    /// # Panics
    ///
    /// When it is not JSON.
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts the success answer: exactly 200, `Cache-Control: no-store`,
    /// an empty body.
    ///
    /// # Panics
    ///
    /// When it is not.
    pub fn assert_logged_out(&self) {
        assert_eq!(self.status, 200, "{self:?}");
        assert_eq!(self.header("cache-control"), Some("no-store"), "{self:?}");
        assert!(self.body.is_empty(), "{self:?}");
    }

    /// Asserts the failure answer: 400, `Cache-Control: no-store`, a JSON
    /// body `{"error": "invalid_request", "error_description": "<code>: ..."}`.
    ///
    /// # Panics
    ///
    /// When it is not.
    pub fn assert_rejected(&self, code: &str) {
        assert_eq!(self.status, 400, "{self:?}");
        assert_eq!(self.header("cache-control"), Some("no-store"), "{self:?}");
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "content type {content_type:?}"
        );
        let body = self.json();
        assert_eq!(body["error"], "invalid_request", "{body}");
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(
            description.starts_with(&format!("{code}: ")),
            "expected {code}, got {description:?}"
        );
    }
}
