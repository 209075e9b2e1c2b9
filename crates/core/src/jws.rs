//! The JWS compact serialization (RFC 7515 §7.1) and the JOSE header.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use serde::de::MapAccess;
use serde_json::Value;

use crate::alg::Algorithm;
use crate::error::{Error, Expected, Part};
use crate::json::{Members, Name, Shape, skip};

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
        let mut dots = memchr::memchr_iter(b'.', token);
        let (first, second) = match (dots.next(), dots.next(), dots.next()) {
            (Some(a), Some(b), None) => (a, b),
            _ => {
                let found = memchr::memchr_iter(b'.', token).count() + 1;
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
    decode_base64url(src).ok_or(Error::Base64 { part })
}

/// Decodes strict unpadded base64url ([`BASE64URL`]) into a new vector:
/// a token's segments and a JWK's members alike.
pub(crate) fn decode_base64url(src: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; decoded_len_bound(src.len())];
    let len = BASE64URL.decode_slice(src, &mut out).ok()?;
    out.truncate(len);
    Some(out)
}

/// Decodes one segment into `buf`, returning the decoded prefix: strict
/// unpadded base64url (the URL-safe alphabet only, no padding, no
/// whitespace, the unused bits of the last character zero), so each token
/// has exactly one encoding. A segment that decodes to more than `buf`
/// holds is refused.
pub(crate) fn decode_segment_into<'b>(
    src: &[u8],
    buf: &'b mut [u8],
    part: Part,
) -> Result<&'b [u8], Error> {
    // Matched rather than `map_err`: an error built eagerly is dropped on
    // the way out of every valid token.
    match BASE64URL.decode_slice(src, buf) {
        Ok(len) => buf.get(..len).ok_or(Error::Base64 { part }),
        Err(_) => Err(Error::Base64 { part }),
    }
}

/// Strict unpadded base64url, the crate's one base64 codec: no padding,
/// the unused bits of the last character zero, so each byte string has
/// exactly one encoding. It decodes a token's segments and a JWK's members
/// (`n`, `e`, `x`, `y`) and encodes the stores' keys.
///
/// It is the `base64` crate's, not `base64ct`'s. Everything it decodes is
/// public: a token is sent by whoever calls the endpoint, a JWK is a
/// public key (an HMAC secret is given as bytes, never decoded here). A
/// decoder whose time does not depend on the data protects nothing there,
/// and `base64ct`'s constant-time decoding cost about 1 µs per token (half
/// of what the validator adds to an HS256 verification) and 1.5 µs per
/// JWKS document of four keys (`docs/benchmarks.md`).
pub(crate) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Room enough for the decoding of `len` base64 characters (at most 3
/// bytes for 4 characters, rounded up).
const fn decoded_len_bound(len: usize) -> usize {
    len.div_ceil(4) * 3
}

/// Largest header decoded on the stack; larger ones (an `x5c` chain) go to the heap.
pub(crate) const HEADER_STACK: usize = 1024;

/// Room for a decoded segment: `N` bytes on the stack, or the heap when
/// the segment needs more.
pub(crate) struct SegmentBuf<const N: usize> {
    stack: [u8; N],
    heap: Vec<u8>,
}

/// Room for a decoded header.
pub(crate) type HeaderBuf = SegmentBuf<HEADER_STACK>;

impl<const N: usize> SegmentBuf<N> {
    /// An empty buffer.
    pub(crate) const fn new() -> Self {
        SegmentBuf {
            stack: [0; N],
            heap: Vec::new(),
        }
    }

    /// Decodes `segment` into the buffer.
    pub(crate) fn decode(&mut self, segment: &[u8], part: Part) -> Result<&[u8], Error> {
        let needed = decoded_len_bound(segment.len());
        let room: &mut [u8] = if needed <= N {
            &mut self.stack
        } else {
            self.heap.resize(needed, 0);
            &mut self.heap
        };
        decode_segment_into(segment, room, part)
    }
}

/// The header as read, its strings borrowed from the decoded bytes: the
/// validator allocates only the `kid` it returns.
pub(crate) struct HeaderRef<'a> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
}

impl HeaderRef<'_> {
    pub(crate) fn into_owned(self) -> Header {
        Header {
            alg: self.alg,
            kid: self.kid.map(Cow::into_owned),
            typ: self.typ.map(Cow::into_owned),
        }
    }
}

/// Decodes and parses the header segment into `buf`.
pub(crate) fn read_header<'b>(
    segment: &[u8],
    buf: &'b mut HeaderBuf,
) -> Result<HeaderRef<'b>, Error> {
    let bytes: &'b [u8] = buf.decode(segment, Part::Header)?;
    let mut h = HeaderMembers::default();
    crate::json::parse_members(bytes, Part::Header, &mut h)?;
    let alg = match h.alg {
        None => return Err(Error::MissingAlgorithm),
        Some(alg) => Algorithm::from_header(&alg)?,
    };
    Ok(HeaderRef {
        alg,
        kid: h.kid,
        typ: h.typ,
    })
}

/// Decodes and parses the header segment.
pub(crate) fn parse_header(segment: &[u8]) -> Result<Header, Error> {
    let mut buf = HeaderBuf::new();
    read_header(segment, &mut buf).map(HeaderRef::into_owned)
}

/// The header parameters read; every other parameter (including `jwk`,
/// `jku`, `x5u`, `x5c`) is skipped unread.
#[derive(Default)]
struct HeaderMembers<'de> {
    alg: Option<Cow<'de, str>>,
    kid: Option<Cow<'de, str>>,
    typ: Option<Cow<'de, str>>,
}

impl<'de> Members<'de> for HeaderMembers<'de> {
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: Name<'de>,
        access: &mut A,
    ) -> Result<Result<(), Error>, A::Error> {
        let (slot, name) = match &*name.0 {
            "alg" => (&mut self.alg, "alg"),
            "kid" => (&mut self.kid, "kid"),
            "typ" => (&mut self.typ, "typ"),
            "crit" => {
                let crit: Value = access.next_value()?;
                return Ok(Err(crit_error(&crit)));
            }
            _ => return skip(access).map(Ok),
        };
        if slot.is_some() {
            return Ok(Err(Error::DuplicateMember {
                part: Part::Header,
                name: name.to_owned(),
            }));
        }
        match access.next_value::<Shape<'de>>()? {
            Shape::Str(s) => {
                *slot = Some(s);
                Ok(Ok(()))
            }
            _ => Ok(Err(Error::InvalidHeader {
                name,
                expected: Expected::String,
            })),
        }
    }
}

/// No extension is understood, so any `crit` means: reject (RFC 7515 §4.1.11).
fn crit_error(crit: &Value) -> Error {
    let invalid = Error::InvalidHeader {
        name: "crit",
        expected: Expected::StringArray,
    };
    match crit {
        Value::Array(names) => match names.first().and_then(Value::as_str) {
            Some(first) if names.iter().all(Value::is_string) => Error::UnsupportedCritical {
                name: crate::error::truncated(first),
            },
            _ => invalid,
        },
        _ => invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

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
            Error::SegmentCount { found: 1 }.to_string(),
            "token has 1 segment, a signed JWT has exactly 3"
        );
        assert_eq!(
            Error::SegmentCount { found: 2 }.to_string(),
            "token has 2 segments, a signed JWT has exactly 3"
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
