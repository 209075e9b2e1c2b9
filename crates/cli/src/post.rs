//! POSTing a logout token as a provider does (Back-Channel Logout 1.0
//! §2.5), for `send` and `check`.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;

use crate::exit::Failure;

/// Most bytes of an answer's body kept: error bodies are small.
const MAX_BODY: usize = 64 * 1024;

/// A relying party's answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub(crate) version: String,
    pub(crate) status: u16,
    /// The canonical reason phrase, if the status has one.
    pub(crate) reason: &'static str,
    /// Header names (lower case) and values, in order.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, cut at 64 KiB.
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The first value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The answer as `curl -i` shows it: status line, headers, blank line,
    /// body.
    pub(crate) fn text(&self) -> String {
        let mut text = format!("{} {} {}", self.version, self.status, self.reason)
            .trim_end()
            .to_owned();
        for (name, value) in &self.headers {
            text.push_str(&format!("\n{name}: {value}"));
        }
        text.push_str("\n\n");
        text.push_str(&String::from_utf8_lossy(&self.body));
        text
    }
}

/// Posts logout tokens to one endpoint.
#[derive(Debug)]
pub(crate) struct Poster {
    client: reqwest::Client,
    url: Url,
}

impl Poster {
    /// A poster for `url` (http or https), each request bounded by
    /// `timeout`. Redirects are not followed: a provider does not follow
    /// them either, and anything but 200 is a failure.
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Self, Failure> {
        let parsed =
            Url::parse(url).map_err(|e| Failure::Usage(format!("invalid URL {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Failure::Usage(format!(
                "invalid URL {url:?}: only http and https are posted to"
            )));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bclogout/", env!("CARGO_PKG_VERSION")));
        if is_loopback(&parsed) {
            // A proxy from the environment cannot reach this machine's
            // loopback address.
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| Failure::Usage(format!("cannot make an HTTP client: {e}")))?;
        Ok(Poster {
            client,
            url: parsed,
        })
    }

    /// The URL posted to.
    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    /// POSTs `logout_token=TOKEN`, then the `extra` form parameters, as
    /// `application/x-www-form-urlencoded`.
    pub(crate) async fn post(&self, token: &str, extra: &[(&str, &str)]) -> Result<Answer, String> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("logout_token", token)
            .extend_pairs(extra)
            .finish();
        let mut response = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            if body.len() >= MAX_BODY {
                break;
            }
        }
        Ok(Answer {
            version: format!("{:?}", response.version()),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or(""),
            headers,
            body,
        })
    }
}

/// The error and its causes, on one line (reqwest's own message alone says
/// only "error sending request").
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
