//! The validator: every check of Back-Channel Logout 1.0 §2.6, in order.

use std::collections::HashMap;
use std::time::Duration;

use crate::alg::{Algorithm, AlgorithmSet};
use crate::claims::{Claims, LogoutToken, Text};
use crate::error::{ConfigError, Error, Part, truncated};
use crate::jwk::KeySet;
use crate::jws::{
    Compact, Header, HeaderBuf, HeaderRef, decode_segment, parse_header, read_header,
};
use crate::time::UnixTime;

/// The issuer identifier of the OpenID Provider, compared exactly with `iss`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Issuer(String);

impl Issuer {
    /// Wraps an issuer identifier, exactly as the provider's discovery
    /// document spells it (a trailing `/` matters).
    pub fn new(issuer: impl Into<String>) -> Self {
        Issuer(issuer.into())
    }

    /// The identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// This relying party's client id at the provider: the expected `aud`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    pub fn new(client_id: impl Into<String>) -> Self {
        ClientId(client_id.into())
    }

    /// The client id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which JOSE header `typ` values are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypPolicy {
    /// `logout+jwt`, `application/logout+jwt`, `JWT`, `application/jwt` or
    /// no `typ` at all, case-insensitively: what providers in the field send
    /// (WSO2, Keycloak before 25, Auth0 send `JWT` or nothing). Any other
    /// type (`at+jwt`, `secevent+jwt`, ...) is refused.
    #[default]
    Default,
    /// Only `logout+jwt` (or `application/logout+jwt`), as the spec
    /// recommends for explicit typing (§4.1).
    Strict,
}

impl TypPolicy {
    fn accepts(self, typ: Option<&str>) -> bool {
        let Some(typ) = typ else {
            return self == TypPolicy::Default;
        };
        let bare = strip_application(typ);
        bare.eq_ignore_ascii_case("logout+jwt")
            || (self == TypPolicy::Default && bare.eq_ignore_ascii_case("jwt"))
    }
}

/// `application/x` and `x` name the same type (RFC 7515 §4.1.9).
fn strip_application(typ: &str) -> &str {
    match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
            typ.get(12..).unwrap_or_default()
        }
        _ => typ,
    }
}

/// How to treat a token without `exp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ExpPolicy {
    #[default]
    Required,
    AllowMissing,
}

/// Builds a [`Validator`]; start with [`Validator::builder`].
///
/// The defaults are the strict, spec-complete behaviour; every leniency a
/// real provider needs is a named method.
#[derive(Debug, Clone)]
#[must_use]
pub struct ValidatorBuilder {
    issuer: Issuer,
    client_id: ClientId,
    algorithms: AlgorithmSet,
    leeway: Duration,
    max_age: Duration,
    typ: TypPolicy,
    exp: ExpPolicy,
    require_sid: bool,
    max_token_size: usize,
}

impl ValidatorBuilder {
    /// The algorithms this client registered (`id_token_signed_response_alg`).
    /// Default: RS256 only. A token validly signed by a published key with
    /// an algorithm outside this set is refused.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `iat`, `exp` and `nbf`. Default: 60 s.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How old `iat` may be. Default: 10 minutes. It bounds how long a `jti`
    /// must be remembered; raise it only if the provider's clock or queue
    /// delays logout tokens by more.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Which header `typ` values are accepted. Default: [`TypPolicy::Default`].
    pub fn typ_policy(mut self, typ: TypPolicy) -> Self {
        self.typ = typ;
        self
    }

    /// Require a `sid`: set it when the client registered
    /// `backchannel_logout_session_required: true`.
    pub fn require_sid(mut self, required: bool) -> Self {
        self.require_sid = required;
        self
    }

    /// Largest token accepted, in bytes. Default: 16 KiB.
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Accepts tokens without `exp`, as older drafts allowed and Ory Hydra
    /// still sends. Such tokens are still bounded by the maximum age of
    /// `iat`. This weakens validation; use it only for such a provider.
    pub fn legacy_allow_missing_exp(mut self) -> Self {
        self.exp = ExpPolicy::AllowMissing;
        self
    }

    /// Checks the configuration and builds the validator.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an empty issuer or client id, no algorithm, a
    /// zero maximum age or a zero maximum token size.
    pub fn build(self) -> Result<Validator, ConfigError> {
        if self.issuer.0.is_empty() {
            return Err(ConfigError::EmptyIssuer);
        }
        if self.client_id.0.is_empty() {
            return Err(ConfigError::EmptyClientId);
        }
        if self.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithm);
        }
        if self.max_age.is_zero() {
            return Err(ConfigError::ZeroMaxAge);
        }
        if self.max_token_size == 0 {
            return Err(ConfigError::ZeroMaxTokenSize);
        }
        Ok(Validator { config: self })
    }
}

/// Validates logout tokens for one issuer and one client.
///
/// Built once, immutable, cheap to clone and share across threads.
///
/// ```
/// use backchannel_logout::{Algorithm, ClientId, Issuer, Validator};
/// use std::time::Duration;
///
/// let validator = Validator::builder(
///     Issuer::new("https://op.example.com"),
///     ClientId::new("my-client"),
/// )
/// .algorithms([Algorithm::RS256, Algorithm::ES256])
/// .leeway(Duration::from_secs(30))
/// .build()?;
/// assert_eq!(validator.issuer().as_str(), "https://op.example.com");
/// # Ok::<(), backchannel_logout::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Validator {
    config: ValidatorBuilder,
}

impl Validator {
    /// Default maximum token size, 16 KiB.
    pub const DEFAULT_MAX_TOKEN_SIZE: usize = 16 * 1024;
    /// Default clock-skew leeway, 60 s.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
    /// Default maximum age of `iat`, 10 minutes.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);

    /// Starts a configuration for tokens from `issuer` to `client_id`, with
    /// the secure defaults.
    pub fn builder(issuer: Issuer, client_id: ClientId) -> ValidatorBuilder {
        ValidatorBuilder {
            issuer,
            client_id,
            algorithms: AlgorithmSet::default(),
            leeway: Self::DEFAULT_LEEWAY,
            max_age: Self::DEFAULT_MAX_AGE,
            typ: TypPolicy::Default,
            exp: ExpPolicy::Required,
            require_sid: false,
            max_token_size: Self::DEFAULT_MAX_TOKEN_SIZE,
        }
    }

    /// The configured issuer.
    #[must_use]
    pub fn issuer(&self) -> &Issuer {
        &self.config.issuer
    }

    /// The configured client id.
    #[must_use]
    pub fn client_id(&self) -> &ClientId {
        &self.config.client_id
    }

    /// The allowed algorithms.
    #[must_use]
    pub fn algorithms(&self) -> AlgorithmSet {
        self.config.algorithms
    }

    /// The configured maximum age of `iat`.
    #[must_use]
    pub fn max_age(&self) -> Duration {
        self.config.max_age
    }

    /// The configured leeway.
    #[must_use]
    pub fn leeway(&self) -> Duration {
        self.config.leeway
    }

    /// The configured maximum token size, in bytes.
    #[must_use]
    pub fn max_token_size(&self) -> usize {
        self.config.max_token_size
    }

    /// Verifies the signature and validates the claims of a logout token
    /// (Back-Channel Logout 1.0 §2.6), with `now` as the current time.
    ///
    /// The checks run cheapest-for-a-forger first: size and form, header
    /// (`alg` allowed and not `none`, `typ`, `crit`), key selection by
    /// `kid`, signature, then the claims (`iss`, `aud`/`azp`, `iat`, `exp`,
    /// `nbf`, `jti`, `events`, `sub`/`sid`, no `nonce`). Replay of the `jti`
    /// is the caller's to check, using [`LogoutToken::remember_jti_until`].
    ///
    /// # Errors
    ///
    /// The [`Error`] variant of the first check that failed. An
    /// [`Error::KeyNotFound`] means the key set may be stale: refresh it
    /// once and retry.
    pub fn validate(
        &self,
        token: &[u8],
        keys: &KeySet,
        now: UnixTime,
    ) -> Result<LogoutToken, Error> {
        let c = &self.config;
        if token.len() > c.max_token_size {
            crate::error::refusing();
            return Err(Error::TokenTooLarge {
                len: token.len(),
                max: c.max_token_size,
            });
        }
        let compact = Compact::split(token)?;
        let mut header_buf = HeaderBuf::new();
        let header = read_header(compact.header, &mut header_buf)?;
        self.check_header(&header)?;
        verify_signature(&header, &compact, keys)?;
        // The claims are decoded straight into the text the token keeps.
        let text = decode_segment(compact.payload, Part::Claims)?;
        let text =
            String::from_utf8(text).map_err(|_| Error::NotJsonObject { part: Part::Claims })?;
        self.check_claims(text, header.alg, header.kid.map(Into::into), now)
    }

    fn check_header(&self, header: &HeaderRef<'_>) -> Result<(), Error> {
        if !self.config.algorithms.contains(header.alg) {
            crate::error::refusing();
            return Err(Error::AlgorithmNotAllowed {
                alg: header.alg.name().to_owned(),
            });
        }
        if !self.config.typ.accepts(header.typ.as_deref()) {
            crate::error::refusing();
            return Err(Error::InvalidType {
                typ: truncated(header.typ.as_deref().unwrap_or("(absent)")),
            });
        }
        Ok(())
    }

    /// Reads and checks the claims `text`, which the token then keeps.
    ///
    /// Each refusal here and in the claims reader calls `refusing()`, a
    /// cold function, so that the compiler lays the accepting path out in
    /// one piece: it runs right after the signature verification has
    /// filled the instruction cache with its own code, and the fewer lines
    /// it spans, the fewer it reloads (222 → 209 instruction-cache misses
    /// outside the verification per RS256 validation in callgrind's cache
    /// simulation; see `docs/benchmarks.md`, item 16).
    fn check_claims(
        &self,
        text: String,
        algorithm: Algorithm,
        kid: Option<String>,
        now: UnixTime,
    ) -> Result<LogoutToken, Error> {
        let claims = Claims::parse(&text)?;
        let c = &self.config;
        if claims.iss != c.issuer.0 {
            crate::error::refusing();
            return Err(Error::IssuerMismatch {
                found: truncated(&claims.iss),
            });
        }
        if !claims.aud.contains(&c.client_id.0) {
            crate::error::refusing();
            return Err(Error::AudienceMismatch);
        }
        if claims.aud.len() > 1
            && let Some(azp) = &claims.azp
            && **azp != c.client_id.0
        {
            crate::error::refusing();
            return Err(Error::AuthorizedPartyMismatch);
        }
        let leeway = c.leeway.as_secs();
        let (iat, now_s) = (claims.iat.as_secs(), now.as_secs());
        if iat > now_s.saturating_add(leeway) {
            crate::error::refusing();
            return Err(Error::IssuedInFuture { iat, now: now_s });
        }
        let oldest = iat
            .saturating_add(c.max_age.as_secs())
            .saturating_add(leeway);
        if now_s > oldest {
            crate::error::refusing();
            return Err(Error::TooOld {
                iat,
                max_age: c.max_age.as_secs(),
            });
        }
        match (claims.exp, c.exp) {
            (None, ExpPolicy::Required) => {
                crate::error::refusing();
                return Err(Error::MissingClaim { name: "exp" });
            }
            (Some(exp), _) if now_s >= exp.as_secs().saturating_add(leeway) => {
                crate::error::refusing();
                return Err(Error::Expired {
                    exp: exp.as_secs(),
                    now: now_s,
                });
            }
            _ => {}
        }
        if let Some(nbf) = claims.nbf
            && nbf.as_secs() > now_s.saturating_add(leeway)
        {
            crate::error::refusing();
            return Err(Error::NotYetValid {
                nbf: nbf.as_secs(),
                now: now_s,
            });
        }
        if claims.sub.is_none() && claims.sid.is_none() {
            crate::error::refusing();
            return Err(Error::MissingSubjectAndSession);
        }
        if c.require_sid && claims.sid.is_none() {
            crate::error::refusing();
            return Err(Error::MissingSessionId);
        }
        if claims.nonce {
            crate::error::refusing();
            return Err(Error::NoncePresent);
        }
        // Past this, the token is refused as expired or too old anyway.
        let until = claims.exp.map_or(oldest, |exp| {
            exp.as_secs().saturating_add(leeway).min(oldest)
        });
        Ok(LogoutToken {
            // The spans index the text, which is moved in last.
            issuer: Text::new(claims.iss, &text),
            audiences: claims.aud,
            subject: claims.sub.map(|s| Text::new(s, &text)),
            session_id: claims.sid.map(|s| Text::new(s, &text)),
            issued_at: claims.iat,
            expires_at: claims.exp,
            jti: Text::new(claims.jti, &text),
            extras: claims.extras,
            algorithm,
            kid,
            remember_until: UnixTime::from_secs(until),
            claims: text,
        })
    }
}

/// Largest signature segment decoded: an RSA-8192 signature (1024 bytes).
const MAX_SIGNATURE: usize = RSA_MAX_SIGNATURE;
const RSA_MAX_SIGNATURE: usize = crate::jwk::RSA_MAX_BITS / 8;

fn verify_signature(
    header: &HeaderRef<'_>,
    compact: &Compact<'_>,
    keys: &KeySet,
) -> Result<(), Error> {
    let segment = compact.signature;
    let verify = |signature: &[u8]| {
        keys.verify_signature(
            header.alg,
            header.kid.as_deref(),
            compact.signing_input,
            signature,
        )
        .map(|_| ())
    };
    if segment.len() <= SHORT_SIGNATURE_SEGMENT {
        // HMAC, ECDSA and EdDSA signatures: a small buffer to clear.
        decoded_in::<SHORT_SIGNATURE, _>(segment, verify)
    } else if segment.len() <= RSA_2048_SIGNATURE_SEGMENT {
        // RSA-2048, the most common key: a quarter of the largest buffer.
        decoded_in::<RSA_2048_SIGNATURE, _>(segment, verify)
    } else if segment.len() <= (MAX_SIGNATURE * 4).div_ceil(3) {
        // Room for any decoding of the longest segment accepted.
        decoded_in::<MAX_SIGNATURE, _>(segment, verify)
    } else {
        // Longer than any signature we verify: select the key first so an
        // unknown kid still reads as such, then refuse.
        verify(&[])
    }
}

/// Decodes the signature `segment` in an `N`-byte buffer and hands it to `f`
/// (a segment that decodes to more than `N` bytes is refused as base64).
fn decoded_in<const N: usize, T>(
    segment: &[u8],
    f: impl FnOnce(&[u8]) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut buf = [0u8; N];
    f(crate::jws::decode_segment_into(
        segment,
        &mut buf,
        Part::Signature,
    )?)
}

/// The longest non-RSA signature: ES512's 132 bytes.
const SHORT_SIGNATURE: usize = 132;
/// The length of its base64url encoding.
const SHORT_SIGNATURE_SEGMENT: usize = (SHORT_SIGNATURE * 4).div_ceil(3);
/// An RSA-2048 signature.
const RSA_2048_SIGNATURE: usize = 256;
/// The length of its base64url encoding.
const RSA_2048_SIGNATURE_SEGMENT: usize = (RSA_2048_SIGNATURE * 4).div_ceil(3);

/// Verifies the signature of a compact JWS with `keys`, allowing only
/// `algorithms`, and returns the header and the decoded payload. No claim
/// is checked: this is the signature layer of [`Validator::validate`], for
/// tools and tests.
///
/// # Errors
///
/// Form, header, key-selection and signature errors, as for
/// [`Validator::validate`].
pub fn verify_compact(
    token: &[u8],
    keys: &KeySet,
    algorithms: AlgorithmSet,
) -> Result<(Header, Vec<u8>), Error> {
    let compact = Compact::split(token)?;
    let mut header_buf = HeaderBuf::new();
    let header = read_header(compact.header, &mut header_buf)?;
    if !algorithms.contains(header.alg) {
        crate::error::refusing();
        return Err(Error::AlgorithmNotAllowed {
            alg: header.alg.name().to_owned(),
        });
    }
    verify_signature(&header, &compact, keys)?;
    let payload = decode_segment(compact.payload, Part::Claims)?;
    Ok((header.into_owned(), payload))
}

/// What [`peek_unverified`] reads from a token without verifying it.
///
/// **Nothing here is verified.** Use it only to pick which key set or which
/// validator to use; never to decide anything about a session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnverifiedToken {
    /// The JOSE header (`alg`, `kid`, `typ`), unverified.
    pub header: Header,
    /// The `iss` claim, unverified; `None` when absent or not a string.
    pub issuer: Option<String>,
}

/// Reads the header and the `iss` claim of a token **without verifying
/// anything**, for key sources (which key set, which `kid`) and for routing
/// among issuers. Validate the token before trusting any of it.
///
/// # Errors
///
/// Form and header errors, and [`Error::TokenTooLarge`] over
/// [`Validator::DEFAULT_MAX_TOKEN_SIZE`] (see
/// [`peek_unverified_with_limit`] for another limit).
pub fn peek_unverified(token: &[u8]) -> Result<UnverifiedToken, Error> {
    peek_unverified_with_limit(token, Validator::DEFAULT_MAX_TOKEN_SIZE)
}

/// [`peek_unverified`] for tokens of up to `max_token_size` bytes (the
/// validators' configured [`Validator::max_token_size`]).
///
/// # Errors
///
/// Form and header errors, and [`Error::TokenTooLarge`] over
/// `max_token_size`.
pub fn peek_unverified_with_limit(
    token: &[u8],
    max_token_size: usize,
) -> Result<UnverifiedToken, Error> {
    if token.len() > max_token_size {
        crate::error::refusing();
        return Err(Error::TokenTooLarge {
            len: token.len(),
            max: max_token_size,
        });
    }
    let compact = Compact::split(token)?;
    let header = parse_header(compact.header)?;
    let payload = decode_segment(compact.payload, Part::Claims)?;
    let map = crate::json::parse_object(&payload, Part::Claims)?;
    let issuer = map
        .get("iss")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok(UnverifiedToken { header, issuer })
}

impl From<Validator> for ValidatorSet {
    fn from(validator: Validator) -> Self {
        let mut by_issuer = HashMap::new();
        by_issuer.insert(validator.issuer().as_str().to_owned(), validator);
        ValidatorSet { by_issuer }
    }
}

/// Validators for several issuers (a multi-tenant application): routes a
/// token by its unverified `iss` to that issuer's validator, which then
/// validates it fully.
#[derive(Debug, Clone, Default)]
pub struct ValidatorSet {
    by_issuer: HashMap<String, Validator>,
}

impl ValidatorSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        ValidatorSet::default()
    }

    /// Adds a validator.
    ///
    /// # Errors
    ///
    /// [`ConfigError::DuplicateIssuer`] if a validator for the same issuer
    /// is already in the set.
    pub fn insert(&mut self, validator: Validator) -> Result<(), ConfigError> {
        let issuer = validator.issuer().as_str().to_owned();
        if self.by_issuer.contains_key(&issuer) {
            return Err(ConfigError::DuplicateIssuer { issuer });
        }
        self.by_issuer.insert(issuer, validator);
        Ok(())
    }

    /// The validator, when the set holds exactly one.
    #[must_use]
    pub fn only(&self) -> Option<&Validator> {
        match self.by_issuer.len() {
            1 => self.by_issuer.values().next(),
            _ => None,
        }
    }

    /// Number of issuers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_issuer.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_issuer.is_empty()
    }

    /// The validator for `issuer`, if configured.
    #[must_use]
    pub fn get(&self, issuer: &str) -> Option<&Validator> {
        self.by_issuer.get(issuer)
    }

    /// The configured issuers.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.by_issuer.keys().map(String::as_str)
    }

    /// The largest [`Validator::max_token_size`] in the set: the limit up
    /// to which a token is read to route it (its validator then applies
    /// its own).
    #[must_use]
    pub fn max_token_size(&self) -> usize {
        self.by_issuer
            .values()
            .map(Validator::max_token_size)
            .max()
            .unwrap_or(Validator::DEFAULT_MAX_TOKEN_SIZE)
    }

    /// Finds the validator for the token's (unverified) issuer.
    ///
    /// # Errors
    ///
    /// Form and header errors; [`Error::MissingClaim`] without an `iss`;
    /// [`Error::UnknownIssuer`] for an issuer not in the set.
    pub fn route(&self, token: &[u8]) -> Result<&Validator, Error> {
        let peeked = peek_unverified_with_limit(token, self.max_token_size())?;
        let issuer = peeked.issuer.ok_or(Error::MissingClaim { name: "iss" })?;
        self.by_issuer
            .get(&issuer)
            .ok_or_else(|| Error::UnknownIssuer {
                found: truncated(&issuer),
            })
    }

    /// Routes the token to its issuer's validator and validates it with
    /// `keys`, which must be that issuer's key set.
    ///
    /// # Errors
    ///
    /// As [`ValidatorSet::route`] and [`Validator::validate`].
    pub fn validate(
        &self,
        token: &[u8],
        keys_for: impl FnOnce(&Issuer) -> Option<std::sync::Arc<KeySet>>,
        now: UnixTime,
    ) -> Result<LogoutToken, Error> {
        let validator = self.route(token)?;
        let keys = keys_for(validator.issuer()).unwrap_or_default();
        validator.validate(token, &keys, now)
    }
}
