//! The provider's part, shared by `keygen`, `mint` and `check`: its keys
//! (the signing key and the published wrong-algorithm key) and its logout
//! tokens, valid or with one chosen defect.

use std::path::Path;

use backchannel_logout::{Algorithm, KeyKind};
use backchannel_logout_testkit::{SigningKey, TokenBuilder, b64, b64_decode, random_id};
use serde_json::{Value, json};

use crate::exit::Failure;
use crate::input;

/// The HKDF label of the wrong-algorithm key: changing it changes the key
/// set every existing key file publishes.
const WRONG_ALG_LABEL: &str = "bclogout wrong-alg key v1";

/// Most bytes read from a key file (an RSA-8192 PEM is about 6.5 KB).
const MAX_KEY_FILE: usize = 64 * 1024;

/// Another event of the Security Event Token family (RISC "sessions
/// revoked"): a real event, just not the logout event.
const OTHER_EVENT: &str = "https://schemas.openid.net/secevent/risc/event-type/sessions-revoked";

/// The signing key and the wrong-algorithm key derived from it; both are
/// published in the key set.
#[derive(Debug)]
pub(crate) struct ProviderKeys {
    /// Signs the valid tokens and every defect but `wrong-alg`.
    pub(crate) key: SigningKey,
    /// Signs the `wrong-alg` token: ES256, or EdDSA when the key is ES256.
    /// Like the OpenID Foundation's test, a key the provider really
    /// publishes, for an algorithm the relying party did not register.
    pub(crate) wrong_alg: SigningKey,
}

impl ProviderKeys {
    /// The keys for `key`.
    pub(crate) fn new(key: SigningKey) -> Result<Self, Failure> {
        let alg = if key.alg().key_kind() == KeyKind::P256 {
            Algorithm::EdDSA
        } else {
            Algorithm::ES256
        };
        let wrong_alg = key.derive(alg, WRONG_ALG_LABEL).map_err(Failure::KeyGen)?;
        Ok(ProviderKeys { key, wrong_alg })
    }

    /// Reads the key file; `alg` picks RS256 or PS256 for an RSA key.
    pub(crate) fn load(path: &Path, alg: Option<Algorithm>) -> Result<Self, Failure> {
        let key_error = |error| Failure::Key {
            path: path.to_owned(),
            error,
        };
        let pem = input::read_file("key file", path, MAX_KEY_FILE)?;
        let pem = String::from_utf8(pem).map_err(|_| {
            key_error(backchannel_logout_testkit::KeyError::NotPem(
                "not UTF-8 text".to_owned(),
            ))
        })?;
        let key = SigningKey::from_pkcs8_pem(&pem, alg).map_err(key_error)?;
        Self::new(key)
    }

    /// The public key set: the signing key, then the wrong-algorithm key.
    pub(crate) fn jwks(&self) -> Value {
        let keys: Vec<Value> = [&self.key, &self.wrong_alg]
            .iter()
            .filter_map(|k| k.public_jwk())
            .collect();
        json!({ "keys": keys })
    }
}

/// A kind of bad token: one defect, everything else valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defect {
    NoEvents,
    WrongEvent,
    Nonce,
    Expired,
    OldIat,
    WrongAud,
    WrongIss,
    NoSidSub,
    AlgNone,
    WrongAlg,
    BadSignature,
}

impl Defect {
    /// Every defect, in the order `check` sends them.
    pub(crate) const ALL: [Defect; 11] = [
        Defect::AlgNone,
        Defect::NoEvents,
        Defect::WrongEvent,
        Defect::Nonce,
        Defect::WrongAlg,
        Defect::WrongAud,
        Defect::WrongIss,
        Defect::BadSignature,
        Defect::Expired,
        Defect::OldIat,
        Defect::NoSidSub,
    ];

    /// The name: `mint`'s flag without the dashes, `check`'s case.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Defect::NoEvents => "no-events",
            Defect::WrongEvent => "wrong-event",
            Defect::Nonce => "nonce",
            Defect::Expired => "expired",
            Defect::OldIat => "old-iat",
            Defect::WrongAud => "wrong-aud",
            Defect::WrongIss => "wrong-iss",
            Defect::NoSidSub => "no-sid-sub",
            Defect::AlgNone => "alg-none",
            Defect::WrongAlg => "wrong-alg",
            Defect::BadSignature => "bad-signature",
        }
    }

    /// What is wrong with the token.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Defect::NoEvents => "no events claim",
            Defect::WrongEvent => "events holds another event, not the logout event",
            Defect::Nonce => "a nonce claim",
            Defect::Expired => "expired 6 minutes ago",
            Defect::OldIat => "issued an hour ago, exp still ahead",
            Defect::WrongAud => "aud is another client",
            Defect::WrongIss => "iss is another issuer",
            Defect::NoSidSub => "neither sid nor sub",
            Defect::AlgNone => "unsigned (alg none)",
            Defect::WrongAlg => "validly signed with an algorithm not registered",
            Defect::BadSignature => "signature altered",
        }
    }
}

/// What a token says, apart from its defect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenSpec<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) sid: Option<&'a str>,
    pub(crate) sub: Option<&'a str>,
    /// `jti`; `None` for 16 random bytes.
    pub(crate) jti: Option<&'a str>,
    /// The time of issue, seconds since the epoch.
    pub(crate) now: u64,
    /// Seconds from `iat` to `exp`.
    pub(crate) ttl: u64,
}

/// A logout token as `spec` says, signed by `keys`, with `defect` if any.
pub(crate) fn mint(keys: &ProviderKeys, spec: &TokenSpec<'_>, defect: Option<Defect>) -> String {
    let now = spec.now;
    let (iat, exp) = match defect {
        // Fresh enough for any maximum age, past any leeway.
        Some(Defect::Expired) => (now.saturating_sub(480), now.saturating_sub(360)),
        // Past the usual maximum ages (10 minutes here and in
        // mod_auth_openidc), while exp alone would accept it.
        Some(Defect::OldIat) => (now.saturating_sub(3600), now.saturating_add(spec.ttl)),
        _ => (now, now.saturating_add(spec.ttl)),
    };
    let issuer = match defect {
        // Also catches a prefix comparison.
        Some(Defect::WrongIss) => format!("{}-wrong", spec.issuer),
        _ => spec.issuer.to_owned(),
    };
    let mut token = TokenBuilder::new(&issuer, spec.client_id, iat)
        .claim("exp", exp)
        .without("sub");
    if let Some(sid) = spec.sid {
        token = token.sid(sid);
    }
    if let Some(sub) = spec.sub {
        token = token.sub(sub);
    }
    if let Some(jti) = spec.jti {
        token = token.jti(jti);
    }
    token = match defect {
        Some(Defect::NoEvents) => token.without("events"),
        Some(Defect::WrongEvent) => token.claim("events", json!({ OTHER_EVENT: {} })),
        Some(Defect::Nonce) => token.claim("nonce", random_id(16)),
        // Also catches a substring comparison.
        Some(Defect::WrongAud) => token.claim("aud", format!("not-{}", spec.client_id)),
        Some(Defect::NoSidSub) => token.without("sid").without("sub"),
        _ => token,
    };
    match defect {
        Some(Defect::AlgNone) => {
            let header = json!({ "alg": "none", "typ": "logout+jwt" });
            let claims = Value::Object(token.claims().clone());
            format!(
                "{}.{}.",
                b64(header.to_string().as_bytes()),
                b64(claims.to_string().as_bytes())
            )
        }
        Some(Defect::WrongAlg) => token.sign(&keys.wrong_alg),
        Some(Defect::BadSignature) => altered_signature(&token.sign(&keys.key)),
        _ => token.sign(&keys.key),
    }
}

/// The token with one bit of its signature flipped.
fn altered_signature(token: &str) -> String {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let mut signature = b64_decode(signature);
    let middle = signature.len() / 2;
    if let Some(byte) = signature.get_mut(middle) {
        *byte ^= 0x01;
    }
    format!("{signing_input}.{}", b64(&signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn altered_signature_differs_in_one_bit() {
        let token = format!("a.b.{}", b64(&[0u8; 64]));
        let altered = altered_signature(&token);
        let (_, sig) = altered.rsplit_once('.').unwrap_or_default();
        let sig = b64_decode(sig);
        assert_eq!(sig.len(), 64);
        assert_eq!(sig.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    }

    #[test]
    fn defect_names_are_distinct() {
        let mut names: Vec<_> = Defect::ALL.iter().map(|d| d.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Defect::ALL.len());
    }
}
