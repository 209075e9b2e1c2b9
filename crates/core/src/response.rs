//! The answer to the provider (Back-Channel Logout 1.0 §2.8), framework-neutral.

/// An HTTP answer: status, headers, body. Adapters copy it into their
/// framework's response type and decide nothing themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code: 200 or 400 for the logout endpoint (405 for
    /// another method); 500 or 503 from the per-request session check.
    pub status: u16,
    /// The headers, always including `Cache-Control: no-store`.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body: empty on success, a JSON error object on failure.
    pub body: Vec<u8>,
}

impl Response {
    /// Success: exactly 200 with an empty body. (Not 204: the OpenID
    /// Foundation's RP conformance suite fails a 204.)
    #[must_use]
    pub fn ok() -> Self {
        Response {
            status: 200,
            headers: vec![("cache-control", "no-store")],
            body: Vec::new(),
        }
    }

    /// Failure: 400 with `{"error": "invalid_request", "error_description": ...}`.
    #[must_use]
    pub fn bad_request(description: &str) -> Self {
        let body = serde_json::json!({
            "error": "invalid_request",
            "error_description": description,
        });
        Response {
            status: 400,
            headers: vec![
                ("cache-control", "no-store"),
                ("content-type", "application/json"),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// Answer to a request with a method other than `POST`: 405 with an
    /// `Allow: POST` header.
    #[must_use]
    pub fn method_not_allowed() -> Self {
        Response {
            status: 405,
            headers: vec![("cache-control", "no-store"), ("allow", "POST")],
            body: Vec::new(),
        }
    }

    /// The per-request session check could not tell whether a session was
    /// logged out (its marker store is unreachable): 503 with
    /// `Retry-After: 5`, rather than let a possibly ended session through.
    #[must_use]
    pub fn service_unavailable() -> Self {
        Response {
            status: 503,
            headers: vec![("cache-control", "no-store"), ("retry-after", "5")],
            body: Vec::new(),
        }
    }

    /// The framework's own session layer failed during the per-request
    /// check: 500, rather than let a possibly ended session through.
    #[must_use]
    pub fn internal_error() -> Self {
        Response {
            status: 500,
            headers: vec![("cache-control", "no-store")],
            body: Vec::new(),
        }
    }

    /// Whether this is the success answer.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.status == 200
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_body_is_escaped_json() {
        let r = Response::bad_request("issuer \"x\" is not expected");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"], "invalid_request");
        assert_eq!(v["error_description"], "issuer \"x\" is not expected");
        assert!(r.headers.contains(&("cache-control", "no-store")));
        assert!(r.headers.contains(&("content-type", "application/json")));
    }

    #[test]
    fn success_is_200_empty_no_store() {
        let r = Response::ok();
        assert_eq!(r.status, 200);
        assert!(r.body.is_empty());
        assert_eq!(r.headers, vec![("cache-control", "no-store")]);
    }
}
