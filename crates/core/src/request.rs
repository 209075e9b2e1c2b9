//! The back-channel logout request (Back-Channel Logout 1.0 §2.5): from a
//! content type and body bytes to the one `logout_token`.

/// Default limit on the request body, checked before decoding: 64 KiB.
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

/// A request body as an adapter reads it for the receiver: at most the
/// limit plus one byte, enough for the core to refuse a larger body with
/// its own answer (`body_too_large`, not the framework's bare 413) and
/// never more in memory, however much the client sends.
///
/// Feed it the body's chunks as they arrive, stop reading once
/// [`push`](Self::push) says it is full, and hand
/// [`as_bytes`](Self::as_bytes) to
/// [`SharedReceiver::receive`](crate::SharedReceiver::receive).
///
/// ```
/// use backchannel_logout::request::BodyBuffer;
///
/// let mut body = BodyBuffer::new(10);
/// assert!(!body.push(b"logout_"));
/// assert!(body.push(b"token=abcdef")); // full: stop reading
/// assert_eq!(body.as_bytes(), b"logout_toke"); // the limit plus one byte
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyBuffer {
    bytes: Vec<u8>,
    cap: usize,
}

impl BodyBuffer {
    /// A buffer for a receiver whose body limit is `max_body`
    /// ([`SharedReceiver::max_body`](crate::SharedReceiver::max_body)).
    #[must_use]
    pub fn new(max_body: usize) -> Self {
        BodyBuffer {
            bytes: Vec::new(),
            cap: max_body.saturating_add(1),
        }
    }

    /// Appends what fits of `chunk`; `true` once the buffer is full (the
    /// body is over the limit): read no more.
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.cap.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        self.bytes.len() >= self.cap
    }

    /// The bytes read so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The limit this buffer was made for.
    #[must_use]
    pub fn max_body(&self) -> usize {
        self.cap.saturating_sub(1)
    }

    /// Whether the body went past the limit (the buffer holds the limit
    /// plus one byte).
    #[must_use]
    pub fn is_over_limit(&self) -> bool {
        self.bytes.len() >= self.cap
    }
}

/// The request is not a well-formed back-channel logout request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is larger than the limit.
    #[error("request body exceeds the limit of {max} bytes")]
    BodyTooLarge {
        /// Bytes received (adapters stop reading one byte past the limit,
        /// so this is a lower bound).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The content type is not `application/x-www-form-urlencoded`.
    #[error("content type must be application/x-www-form-urlencoded")]
    UnsupportedContentType,
    /// The body has no `logout_token` parameter.
    #[error("logout_token parameter is missing")]
    MissingToken,
    /// The body has more than one `logout_token` parameter.
    #[error("logout_token parameter appears more than once")]
    DuplicateToken,
    /// The `logout_token` parameter is empty.
    #[error("logout_token parameter is empty")]
    EmptyToken,
    /// The body could not be read (the connection broke mid-body): the
    /// adapter reports it so that every framework answers alike.
    #[error("the request body could not be read")]
    UnreadableBody,
}

impl RequestError {
    /// A stable short code, as [`crate::Error::code`].
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::BodyTooLarge { .. } => "body_too_large",
            RequestError::UnsupportedContentType => "unsupported_content_type",
            RequestError::MissingToken => "missing_logout_token",
            RequestError::DuplicateToken => "duplicate_logout_token",
            RequestError::EmptyToken => "empty_logout_token",
            RequestError::UnreadableBody => "unreadable_body",
        }
    }
}

/// Extracts the `logout_token` from a form-encoded body.
///
/// The content type must be `application/x-www-form-urlencoded`, with any
/// parameters (`charset=UTF-8` arrives in the field). The body size is
/// checked before decoding. Other form parameters are ignored (§2.5); the
/// `logout_token` must appear exactly once and be non-empty.
///
/// ```
/// use backchannel_logout::request::{logout_token_from_form, DEFAULT_MAX_BODY};
/// let token = logout_token_from_form(
///     Some("application/x-www-form-urlencoded; charset=UTF-8"),
///     b"logout_token=eyJ.eyJ.sig&ignored_parameter=1",
///     DEFAULT_MAX_BODY,
/// )?;
/// assert_eq!(token, "eyJ.eyJ.sig");
/// # Ok::<(), backchannel_logout::request::RequestError>(())
/// ```
///
/// # Errors
///
/// A [`RequestError`] naming what is wrong.
pub fn logout_token_from_form(
    content_type: Option<&str>,
    body: &[u8],
    max_body: usize,
) -> Result<String, RequestError> {
    if body.len() > max_body {
        return Err(RequestError::BodyTooLarge {
            len: body.len(),
            max: max_body,
        });
    }
    if !is_form_urlencoded(content_type) {
        return Err(RequestError::UnsupportedContentType);
    }
    let mut token = None;
    for (name, value) in form_urlencoded::parse(body) {
        if name == "logout_token" {
            if token.is_some() {
                return Err(RequestError::DuplicateToken);
            }
            token = Some(value.into_owned());
        }
    }
    match token {
        None => Err(RequestError::MissingToken),
        Some(t) if t.is_empty() => Err(RequestError::EmptyToken),
        Some(t) => Ok(t),
    }
}

fn is_form_urlencoded(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn body_buffer_keeps_at_most_one_byte_over_the_limit() {
        let mut body = BodyBuffer::new(10);
        assert!(body.push(&[b'a'; 1000]));
        assert_eq!(body.as_bytes().len(), 11);
        assert!(body.push(b"more"));
        assert_eq!(body.as_bytes().len(), 11);

        let mut body = BodyBuffer::new(10);
        assert!(!body.push(&[b'a'; 4]));
        assert!(!body.push(&[b'a'; 6]));
        assert_eq!(body.as_bytes().len(), 10);
        assert!(!body.push(b""));
        assert!(BodyBuffer::new(10).as_bytes().is_empty());
        assert!(BodyBuffer::new(usize::MAX).as_bytes().is_empty());
    }

    #[test]
    fn decodes_percent_and_plus() {
        let t = logout_token_from_form(FORM, b"logout_token=a%2Bb+c%26d", 100).unwrap();
        assert_eq!(t, "a+b c&d");
    }

    #[test]
    fn accepts_charset_and_case() {
        for ct in [
            "application/x-www-form-urlencoded; charset=UTF-8",
            "Application/X-WWW-Form-Urlencoded;charset=utf-8",
        ] {
            assert_eq!(
                logout_token_from_form(Some(ct), b"logout_token=x", 100).unwrap(),
                "x"
            );
        }
    }

    #[test]
    fn refuses_bad_requests() {
        assert_eq!(
            logout_token_from_form(FORM, b"logout_token=a&logout_token=b", 100),
            Err(RequestError::DuplicateToken)
        );
        assert_eq!(
            logout_token_from_form(FORM, b"token=a", 100),
            Err(RequestError::MissingToken)
        );
        assert_eq!(
            logout_token_from_form(FORM, b"logout_token=", 100),
            Err(RequestError::EmptyToken)
        );
        assert_eq!(
            logout_token_from_form(Some("application/json"), b"logout_token=a", 100),
            Err(RequestError::UnsupportedContentType)
        );
        assert_eq!(
            logout_token_from_form(None, b"logout_token=a", 100),
            Err(RequestError::UnsupportedContentType)
        );
        assert_eq!(
            logout_token_from_form(FORM, &[b'a'; 101], 100),
            Err(RequestError::BodyTooLarge { len: 101, max: 100 })
        );
    }
}
