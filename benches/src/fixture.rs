//! A realistic logout token per algorithm, its key, and the provider's key set.

use std::time::{SystemTime, UNIX_EPOCH};

use backchannel_logout::{Algorithm, ClientId, Issuer, KeySet, LOGOUT_EVENT, UnixTime, Validator};
use backchannel_logout_testkit::{SigningKey, TokenBuilder, random_id};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

/// The provider: a Keycloak realm.
pub const ISSUER: &str = "https://sso.example.com/realms/customer-portal";
/// The relying party.
pub const CLIENT_ID: &str = "account-console-backend";

/// Which backend our core verifies RSA, ECDSA and Ed25519 with in this build: the
/// feature `aws-lc` switches it to AWS-LC.
pub const OURS_BACKEND: &str = if cfg!(feature = "aws-lc") {
    "aws-lc"
} else {
    "rustcrypto"
};

/// The algorithms compared, in the order of the tables.
pub const ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::HS256,
];

/// Lifetime of the token. jsonwebtoken reads the system clock and offers
/// no way to pin it, so the token must stay unexpired for a whole bench
/// run; Keycloak's default access token lifespan is of the same order.
const LIFETIME_SECS: u64 = 3600;

/// One algorithm's token and everything needed to verify it.
pub struct Fixture {
    /// The algorithm.
    pub alg: Algorithm,
    /// The provider's signing key.
    pub key: SigningKey,
    /// Its public JWK; `None` for HS256 (the client secret).
    pub jwk: Option<Value>,
    /// The provider's JWKS document: three other keys, then this one (so
    /// the lookup walks the whole set). The HS256 secret is not in it.
    pub jwks: String,
    /// The key set parsed from [`Fixture::jwks`] (plus the HS256 secret).
    pub keys: KeySet,
    /// The compact token.
    pub token: String,
    /// `header.payload`: what the signature covers.
    pub signing_input: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
    /// The validator: this issuer and client, this algorithm only,
    /// otherwise the defaults (60 s leeway, 10 min max age, exp required).
    pub validator: Validator,
    /// The token's `iat`.
    pub issued_at: u64,
    /// The time the validations run at: one second after `iat`.
    pub now: UnixTime,
}

impl Fixture {
    /// Mints the token for `alg`, with a fresh key and a key set of four.
    ///
    /// # Panics
    ///
    /// If our own validator refuses the token (a broken fixture).
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(alg: Algorithm) -> Self {
        let key = SigningKey::generate(alg, &random_id(32));
        let issued_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1_767_225_600, |d| d.as_secs());
        let token = logout_token(issued_at).sign(&key);
        let decoys = decoy_keys(alg);
        let mut in_doc: Vec<&SigningKey> = decoys.iter().collect();
        in_doc.push(&key);
        let jwks = SigningKey::jwks(&in_doc);
        let mut keys = KeySet::from_jwks(jwks.as_bytes()).expect("the fixture's JWKS parses");
        if let Some(secret) = key.hmac_secret() {
            keys.add_hmac_secret(Some(key.kid()), secret)
                .expect("a 64-byte secret");
        }
        let validator = Validator::builder(Issuer::new(ISSUER), ClientId::new(CLIENT_ID))
            .algorithms([alg])
            .build()
            .expect("a valid configuration");
        let (signing_input, signature) = split(&token);
        let now = UnixTime::from_secs(issued_at + 1);
        validator
            .validate(token.as_bytes(), &keys, now)
            .expect("our validator accepts the fixture");
        Fixture {
            alg,
            jwk: key.public_jwk(),
            key,
            jwks,
            keys,
            token,
            signing_input,
            signature,
            validator,
            issued_at,
            now,
        }
    }

    /// A base64url member of the public JWK (`n`, `e`, `x`, `y`), decoded.
    ///
    /// # Panics
    ///
    /// If the JWK has no such member (HS256, or the wrong kind of key).
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn jwk_bytes(&self, member: &str) -> Vec<u8> {
        let value = self
            .jwk
            .as_ref()
            .and_then(|jwk| jwk.get(member))
            .and_then(Value::as_str)
            .expect("the JWK member");
        Base64UrlUnpadded::decode_vec(value).expect("base64url")
    }

    /// The uncompressed SEC1 point `04 || x || y` of an EC key.
    #[must_use]
    pub fn sec1_point(&self) -> Vec<u8> {
        let mut point = vec![4];
        point.extend(self.jwk_bytes("x"));
        point.extend(self.jwk_bytes("y"));
        point
    }

    /// The HS256 secret.
    ///
    /// # Panics
    ///
    /// If the fixture is not HS256.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn secret(&self) -> &[u8] {
        self.key.hmac_secret().expect("an HS256 fixture")
    }
}

/// The claims of a Keycloak logout token, issued at `issued_at`: about 480
/// bytes of JSON, so the compact token is 740 (EC) to 990 (RSA) bytes.
#[must_use]
pub fn logout_token(issued_at: u64) -> TokenBuilder {
    TokenBuilder::new(ISSUER, CLIENT_ID, issued_at)
        .claim("exp", issued_at + LIFETIME_SECS)
        .jti("4c1d2a93-7f6e-4b8a-9d21-0f5e3c7b8a61")
        .sub("f3b7c2d1-8a4e-4f9b-b6d2-1c0e9a7f5b33")
        // ~100 characters, as providers that pack state into it send.
        .sid("7d0f5b2e-91c4-4a6b-8e3f-2b9d6c1a0e47.Zx3kQ9mVbT2wRf8LhJ5nYp1sUcA7dGeK0oWiXq4MzNtH6vB.eu-west-1.node-07")
        .claim("typ", "Logout")
        .claim("azp", CLIENT_ID)
        .claim("tenant", "acme-corp")
        .claim("acr", "1")
        .claim(
            "events",
            json!({ LOGOUT_EVENT: { "revoke_offline_access": true } }),
        )
}

/// Three keys a provider publishes beside the signing key: the previous
/// RSA key (rotation) and keys of other kinds, none of them for `alg`'s key
/// kind except the rotated RSA one.
fn decoy_keys(alg: Algorithm) -> Vec<SigningKey> {
    let others: &[Algorithm] = match alg {
        Algorithm::ES256 => &[Algorithm::RS256, Algorithm::EdDSA, Algorithm::ES384],
        Algorithm::EdDSA => &[Algorithm::RS256, Algorithm::ES256, Algorithm::ES384],
        _ => &[Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA],
    };
    others
        .iter()
        .map(|a| SigningKey::shared(*a).with_alg(*a, &random_id(32)))
        .collect()
}

/// `header.payload` and the decoded signature of a compact token.
fn split(token: &str) -> (Vec<u8>, Vec<u8>) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or_default();
    (
        signing_input.as_bytes().to_vec(),
        Base64UrlUnpadded::decode_vec(signature).unwrap_or_default(),
    )
}

/// The four-key JWKS of the key-set benchmarks (two RSA keys, P-256,
/// Ed25519), and an RS256 token signed by its last key, issued at `issued_at`.
#[must_use]
pub fn four_key_provider(issued_at: u64) -> (String, String) {
    let current = SigningKey::generate(Algorithm::RS256, &random_id(32));
    let others = decoy_keys(Algorithm::RS256);
    let mut in_doc: Vec<&SigningKey> = others.iter().collect();
    in_doc.push(&current);
    let token = logout_token(issued_at).sign(&current);
    (SigningKey::jwks(&in_doc), token)
}
