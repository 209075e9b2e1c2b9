//! The JWS compact serialization (RFC 7515 §7.1) and the JOSE header.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::error::{Error, Expected, Part};

/// The JOSE header of a signed token, as far as this library reads it.
///
/// Keys carried in the header (`jwk`, `jku`, `x5u`, `x5c`) are never read:
/// keys come only from the key set the application trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// `alg`: the signature algorithm.
    pub alg: Algorithm,
    /// `kid`: which key of the provider's key set signed the token.
    pub kid: Option<String>,
    /// `typ`: the media type of the token (`logout+jwt` recommended).
    pub typ: Option<String>,
}

/// A compact JWS split into its three segments, nothing decoded yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact<'a> {
    /// `header "." payload`: the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) header: &'a [u8],
    pub(crate) payload: &'a [u8],
    pub(crate) signature: &'a [u8],
}

impl<'a> Compact<'a> {
    /// Splits a compact serialization into exactly three segments.
    pub(crate) fn split(token: &'a [u8]) -> Result<Self, Error> {
        let mut dots = token
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'.')
            .map(|(i, _)| i);
        let (first, second) = match (dots.next(), dots.next(), dots.next()) {
            (Some(a), Some(b), None) => (a, b),
            _ => {
                let found = token.iter().filter(|&&b| b == b'.').count() + 1;
                return Err(if found == 5 {
                    Error::EncryptedToken
                } else {
                    Error::SegmentCount { found }
                });
            }
        };
        let (signing_input, rest) = token.split_at(second);
        let (header, dot_payload) = signing_input.split_at(first);
        Ok(Compact {
            signing_input,
            header,
            payload: dot_payload.get(1..).unwrap_or_default(),
            signature: rest.get(1..).unwrap_or_default(),
        })
    }
}

/// Decodes one segment as strict unpadded base64url into a new vector.
pub(crate) fn decode_segment(src: &[u8], part: Part) -> Result<Vec<u8>, Error> {
    let s = std::str::from_utf8(src).map_err(|_| Error::Base64 { part })?;
    Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::Base64 { part })
}

/// Decodes one segment into `buf`, returning the decoded prefix.
pub(crate) fn decode_segment_into<'b>(
    src: &[u8],
    buf: &'b mut [u8],
    part: Part,
) -> Result<&'b [u8], Error> {
    Base64UrlUnpadded::decode(src, buf).map_err(|_| Error::Base64 { part })
}

/// Largest header decoded on the stack; larger ones (an `x5c` chain) go to the heap.
const HEADER_STACK: usize = 1024;

/// Decodes and parses the header segment.
pub(crate) fn parse_header(segment: &[u8]) -> Result<Header, Error> {
    let mut stack = [0u8; HEADER_STACK];
    let heap;
    let bytes = if segment.len() / 4 * 3 + 3 <= HEADER_STACK {
        decode_segment_into(segment, &mut stack, Part::Header)?
    } else {
        heap = decode_segment(segment, Part::Header)?;
        heap.as_slice()
    };
    let map = crate::json::parse_object(bytes, Part::Header)?;
    header_from_map(&map)
}

fn header_from_map(map: &Map<String, Value>) -> Result<Header, Error> {
    let alg = match map.get("alg") {
        None => return Err(Error::MissingAlgorithm),
        Some(Value::String(s)) => Algorithm::from_header(s)?,
        Some(_) => {
            return Err(Error::InvalidHeader {
                name: "alg",
                expected: Expected::String,
            });
        }
    };
    let kid = optional_string(map, "kid")?;
    let typ = optional_string(map, "typ")?;
    if let Some(crit) = map.get("crit") {
        let names = match crit {
            Value::Array(a) if !a.is_empty() => a,
            _ => {
                return Err(Error::InvalidHeader {
                    name: "crit",
                    expected: Expected::StringArray,
                });
            }
        };
        // No extension is understood, so any named one means: reject.
        let first = names
            .first()
            .and_then(Value::as_str)
            .ok_or(Error::InvalidHeader {
                name: "crit",
                expected: Expected::StringArray,
            })?;
        return Err(Error::UnsupportedCritical {
            name: crate::error::truncated(first),
        });
    }
    Ok(Header { alg, kid, typ })
}

fn optional_string(map: &Map<String, Value>, name: &'static str) -> Result<Option<String>, Error> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::InvalidHeader {
            name,
            expected: Expected::String,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        Base64UrlUnpadded::encode_string(s.as_bytes())
    }

    #[test]
    fn splits_three_segments() {
        let c = Compact::split(b"aa.bb.cc").unwrap();
        assert_eq!(c.header, b"aa");
        assert_eq!(c.payload, b"bb");
        assert_eq!(c.signature, b"cc");
        assert_eq!(c.signing_input, b"aa.bb");
    }

    #[test]
    fn refuses_other_segment_counts() {
        assert_eq!(
            Compact::split(b"aa.bb").unwrap_err(),
            Error::SegmentCount { found: 2 }
        );
        assert_eq!(
            Compact::split(b"aa").unwrap_err(),
            Error::SegmentCount { found: 1 }
        );
        assert_eq!(
            Compact::split(b"a.b.c.d").unwrap_err(),
            Error::SegmentCount { found: 4 }
        );
        assert_eq!(
            Compact::split(b"a.b.c.d.e").unwrap_err(),
            Error::EncryptedToken
        );
    }

    #[test]
    fn parses_header_members() {
        let h = parse_header(b64(r#"{"alg":"RS256","kid":"k1","typ":"logout+jwt"}"#).as_bytes())
            .unwrap();
        assert_eq!(h.alg, Algorithm::RS256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.typ.as_deref(), Some("logout+jwt"));
    }

    #[test]
    fn refuses_crit_and_bad_types() {
        let crit = b64(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#);
        assert_eq!(
            parse_header(crit.as_bytes()).unwrap_err(),
            Error::UnsupportedCritical { name: "exp".into() }
        );
        let kid = b64(r#"{"alg":"RS256","kid":7}"#);
        assert_eq!(
            parse_header(kid.as_bytes()).unwrap_err(),
            Error::InvalidHeader {
                name: "kid",
                expected: Expected::String
            }
        );
        let no_alg = b64(r#"{"kid":"a"}"#);
        assert_eq!(
            parse_header(no_alg.as_bytes()).unwrap_err(),
            Error::MissingAlgorithm
        );
    }

    #[test]
    fn large_headers_decode_on_the_heap() {
        let big = format!(r#"{{"alg":"RS256","x5c":["{}"]}}"#, "A".repeat(4000));
        let h = parse_header(b64(&big).as_bytes()).unwrap();
        assert_eq!(h.alg, Algorithm::RS256);
    }
}
