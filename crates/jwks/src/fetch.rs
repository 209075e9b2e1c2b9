//! HTTP GET with the rules of this crate: `https` only (or `http` to a
//! loopback address), timeouts, a size limit, redirects held to the same rules.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap};
use reqwest::redirect;
use url::{Host, Url};

use crate::error::{BuildError, Error};

const MAX_REDIRECTS: usize = 5;

/// Whether `url` may be fetched: `https`, or `http` to 127.0.0.0/8, `[::1]`
/// or `localhost`, where tests and local providers run.
pub(crate) fn url_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => is_loopback(url),
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The HTTP side: one client for the world, one without proxies for
/// loopback addresses (a proxy cannot reach this machine's loopback).
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    loopback: reqwest::Client,
    max_size: usize,
}

/// A successful response: its body and headers.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) headers: HeaderMap,
}

impl Http {
    pub(crate) fn new(
        timeout: Duration,
        connect_timeout: Duration,
        max_size: usize,
    ) -> Result<Self, BuildError> {
        let builder = || {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .user_agent(concat!(
                    env!("CARGO_PKG_NAME"),
                    "/",
                    env!("CARGO_PKG_VERSION")
                ))
                .redirect(redirect::Policy::custom(|attempt| {
                    if attempt.previous().len() >= MAX_REDIRECTS {
                        attempt.error("too many redirects")
                    } else if !url_allowed(attempt.url()) {
                        let url = attempt.url().to_string();
                        attempt.error(format!(
                            "redirect to {url} refused: only https, or http to a loopback address"
                        ))
                    } else {
                        attempt.follow()
                    }
                }))
        };
        let client = builder()
            .build()
            .map_err(|e| BuildError::HttpClient(Arc::new(e)))?;
        let loopback = builder()
            .no_proxy()
            .build()
            .map_err(|e| BuildError::HttpClient(Arc::new(e)))?;
        Ok(Http {
            client,
            loopback,
            max_size,
        })
    }

    /// GETs `url`, asking for `accept`; refuses non-2xx answers and bodies
    /// over the size limit.
    pub(crate) async fn get(&self, url: &Url, accept: &str) -> Result<Fetched, Error> {
        if !url_allowed(url) {
            return Err(Error::InsecureUrl {
                url: url.to_string(),
            });
        }
        let client = if is_loopback(url) {
            &self.loopback
        } else {
            &self.client
        };
        let mut response = client
            .get(url.clone())
            .header(ACCEPT, accept)
            .send()
            .await
            .map_err(|e| transport(url, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let too_large = || Error::TooLarge {
            url: url.to_string(),
            max: self.max_size,
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_size as u64)
        {
            return Err(too_large());
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        // Read chunk by chunk: a body without Content-Length (or lying about
        // it) is cut off at the limit, not buffered whole.
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(url, e))? {
            if body.len() + chunk.len() > self.max_size {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { body, headers })
    }
}

fn transport(url: &Url, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            url: url.to_string(),
        }
    } else {
        Error::Transport {
            url: url.to_string(),
            source: Arc::new(e),
        }
    }
}

/// The discovery URL of `issuer` (OpenID Connect Discovery 1.0 §4.1):
/// `/.well-known/openid-configuration` appended after removing a trailing `/`.
pub(crate) fn discovery_url(issuer: &str) -> Result<Url, BuildError> {
    let invalid = |detail: String| BuildError::InvalidIssuer {
        issuer: issuer.to_owned(),
        detail,
    };
    let parsed = Url::parse(issuer).map_err(|e| invalid(format!("not a URL: {e}")))?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("an issuer has no query or fragment".to_owned()));
    }
    if !url_allowed(&parsed) {
        return Err(BuildError::InsecureUrl {
            url: issuer.to_owned(),
        });
    }
    let base = issuer.strip_suffix('/').unwrap_or(issuer);
    Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| invalid(format!("discovery URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(s: &str) -> bool {
        url_allowed(&Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn https_is_allowed_anywhere() {
        assert!(allowed("https://op.example.com/jwks"));
        assert!(allowed("https://10.0.0.1/jwks"));
    }

    #[test]
    fn http_is_allowed_only_to_loopback() {
        assert!(allowed("http://127.0.0.1:8080/jwks"));
        assert!(allowed("http://127.1.2.3/jwks"));
        assert!(allowed("http://[::1]:9000/jwks"));
        assert!(allowed("http://localhost/jwks"));
        assert!(allowed("http://LOCALHOST:1/jwks"));
        assert!(!allowed("http://op.example.com/jwks"));
        assert!(!allowed("http://10.0.0.1/jwks"));
        assert!(!allowed("http://localhost.op.example.com/jwks"));
        assert!(!allowed("http://[::ffff:127.0.0.1]/jwks"));
        assert!(!allowed("http://128.0.0.1/jwks"));
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(!allowed("ftp://127.0.0.1/jwks"));
        assert!(!allowed("file:///etc/jwks.json"));
    }

    #[test]
    fn discovery_url_drops_one_trailing_slash() {
        let url = |s| discovery_url(s).map(|u| u.to_string());
        assert_eq!(
            url("https://op.example.com").ok().as_deref(),
            Some("https://op.example.com/.well-known/openid-configuration")
        );
        assert_eq!(
            url("https://op.example.com/").ok().as_deref(),
            Some("https://op.example.com/.well-known/openid-configuration")
        );
        assert_eq!(
            url("https://op.example.com/realms/a/").ok().as_deref(),
            Some("https://op.example.com/realms/a/.well-known/openid-configuration")
        );
    }

    #[test]
    fn discovery_refuses_bad_issuers() {
        assert!(matches!(
            discovery_url("http://op.example.com"),
            Err(BuildError::InsecureUrl { .. })
        ));
        assert!(matches!(
            discovery_url("https://op.example.com?x=1"),
            Err(BuildError::InvalidIssuer { .. })
        ));
        assert!(matches!(
            discovery_url("op.example.com"),
            Err(BuildError::InvalidIssuer { .. })
        ));
    }
}
