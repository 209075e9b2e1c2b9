//! Logout tokens shaped like those of real OpenID Providers (SPEC-NOTES,
//! "Providers in the field"). Each is accepted under the default configuration
//! plus only what that provider needs: its signing algorithm when it is not
//! RS256, and for Ory Hydra (no `exp`) the named legacy option. For node
//! oidc-provider, also the tokens it really sent in the interop test
//! (`tests/data/oidc-provider/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::{
    Algorithm, ClientId, Error, Issuer, KeySet, LOGOUT_EVENT, LogoutScope, LogoutToken, UnixTime,
    Validator,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

/// When the provider issued the tokens.
const IAT: u64 = 1_767_225_600;
/// When the relying party receives them: a few seconds later.
const RECEIVED: u64 = IAT + 3;
/// The defaults, which every remember-until below follows from.
const MAX_AGE: u64 = Validator::DEFAULT_MAX_AGE.as_secs();
const LEEWAY: u64 = Validator::DEFAULT_LEEWAY.as_secs();

/// A key for `alg` with the provider's `kid` (the key material is shared
/// across tests: RSA generation is slow).
fn provider_key(alg: Algorithm, kid: &str) -> SigningKey {
    SigningKey::shared(alg).with_alg(alg, kid)
}

fn jwks_of(key: &SigningKey) -> KeySet {
    KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes()).unwrap()
}

/// The default validator; `alg` replaces the default RS256 when given.
fn validator(issuer: &str, client_id: &str, alg: Option<Algorithm>) -> Validator {
    let builder = Validator::builder(Issuer::new(issuer), ClientId::new(client_id));
    match alg {
        Some(alg) => builder.algorithms([alg]).build().unwrap(),
        None => builder.build().unwrap(),
    }
}

fn validate(validator: &Validator, token: &str, keys: &KeySet) -> Result<LogoutToken, Error> {
    validator.validate(token.as_bytes(), keys, UnixTime::from_secs(RECEIVED))
}

fn accept(validator: &Validator, token: &str, keys: &KeySet) -> LogoutToken {
    validate(validator, token, keys).unwrap_or_else(|e| panic!("refused: {e} ({e:?})"))
}

/// Signs `builder`'s claims under exactly `header` (no `kid` unless given).
fn sign_with_header(key: &SigningKey, header: Value, builder: &TokenBuilder) -> String {
    key.sign_compact(&header, &Value::Object(builder.claims().clone()))
}

// ---------------------------------------------------------------------------
// WSO2 Identity Server

const WSO2_ISSUER: &str = "https://localhost:9443/oauth2/token";
const WSO2_CLIENT: &str = "w_Hwp05dFRwcRs_WFHv9SNwpflAa";
const WSO2_KID: &str = "NTAxZmMxNDMyZDg3MTU1ZGM0MzEzODJhZWI4NDNlZDU1OGFkNjFiMQ_RS256";
const WSO2_X5T: &str = "NTAxZmMxNDMyZDg3MTU1ZGM0MzEzODJhZWI4NDNlZDU1OGFkNjFiMQ";
const WSO2_SID: &str = "15043ffc-877d-420c-9b7e-7d9e6a3c6b8d";

/// WSO2: thumbprint-like `kid` plus `x5t`, `aud` a one-element array,
/// `exp` = `iat` + 120 s.
fn wso2_token() -> TokenBuilder {
    TokenBuilder::new(WSO2_ISSUER, WSO2_CLIENT, IAT)
        .header("x5t", WSO2_X5T)
        .claim("aud", json!([WSO2_CLIENT]))
        .claim("exp", IAT + 120)
        .sub("admin")
        .sid(WSO2_SID)
        .jti("8a3f4c1e-2b9d-4e7a-9c61-0f5d2e8b7a34")
}

fn assert_wso2_accessors(logout: &LogoutToken) {
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: WSO2_SID,
            sub: Some("admin")
        }
    );
    assert_eq!(logout.issuer(), WSO2_ISSUER);
    assert_eq!(logout.audiences(), [WSO2_CLIENT]);
    assert_eq!(logout.kid(), Some(WSO2_KID));
    assert_eq!(logout.algorithm(), Algorithm::RS256);
    assert_eq!(logout.jti(), "8a3f4c1e-2b9d-4e7a-9c61-0f5d2e8b7a34");
    assert_eq!(logout.expires_at(), Some(UnixTime::from_secs(IAT + 120)));
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(IAT + 120 + LEEWAY)
    );
    assert!(logout.event().is_empty());
    assert!(logout.other_claims().is_empty());
}

#[test]
fn wso2_token_without_typ_is_accepted() {
    let key = provider_key(Algorithm::RS256, WSO2_KID);
    let token = wso2_token().without_header("typ").sign(&key);
    let logout = accept(
        &validator(WSO2_ISSUER, WSO2_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_wso2_accessors(&logout);
}

#[test]
fn wso2_token_with_typ_jwt_is_accepted() {
    let key = provider_key(Algorithm::RS256, WSO2_KID);
    let token = wso2_token().header("typ", "JWT").sign(&key);
    let logout = accept(
        &validator(WSO2_ISSUER, WSO2_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_wso2_accessors(&logout);
}

#[test]
fn rejects_wso2_5_10_token_with_event_instead_of_events() {
    // WSO2 up to 5.10 named the claim `event`: not a logout token.
    let key = provider_key(Algorithm::RS256, WSO2_KID);
    let token = wso2_token()
        .without_header("typ")
        .without("events")
        .claim("event", json!({ LOGOUT_EVENT: {} }))
        .sign(&key);
    let err = validate(
        &validator(WSO2_ISSUER, WSO2_CLIENT, None),
        &token,
        &jwks_of(&key),
    )
    .unwrap_err();
    assert_eq!(err, Error::MissingClaim { name: "events" });
}

// ---------------------------------------------------------------------------
// Keycloak

const KEYCLOAK_ISSUER: &str = "https://sso.example.com/realms/demo";
const KEYCLOAK_CLIENT: &str = "demo-app";
const KEYCLOAK_SUB: &str = "f1b7a0c2-63e4-4d1f-9b8a-2c5e7d9f0a13";
const KEYCLOAK_SID: &str = "6c2b0d4e-1f3a-4b5c-8d7e-9f0a1b2c3d4e";

/// Keycloak: a payload claim `typ: "Logout"`, and the event may ask to
/// revoke offline access.
fn keycloak_token(header_typ: &str) -> TokenBuilder {
    TokenBuilder::new(KEYCLOAK_ISSUER, KEYCLOAK_CLIENT, IAT)
        .header("typ", header_typ)
        .claim("typ", "Logout")
        .claim(
            "events",
            json!({ LOGOUT_EVENT: { "revoke_offline_access": true } }),
        )
        .sub(KEYCLOAK_SUB)
        .sid(KEYCLOAK_SID)
}

fn assert_keycloak_accessors(logout: &LogoutToken) {
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: KEYCLOAK_SID,
            sub: Some(KEYCLOAK_SUB)
        }
    );
    assert_eq!(logout.event()["revoke_offline_access"], json!(true));
    assert_eq!(logout.event().len(), 1);
    // The payload `typ` is not the header's: kept for the application.
    assert_eq!(logout.other_claims()["typ"], json!("Logout"));
    assert_eq!(logout.other_claims().len(), 1);
    assert_eq!(logout.audiences(), [KEYCLOAK_CLIENT]);
}

#[test]
fn keycloak_24_token_with_header_typ_jwt_is_accepted() {
    let key = provider_key(Algorithm::RS256, "kc-rsa-2026");
    let token = keycloak_token("JWT").sign(&key);
    let logout = accept(
        &validator(KEYCLOAK_ISSUER, KEYCLOAK_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_keycloak_accessors(&logout);
}

#[test]
fn keycloak_25_token_with_header_typ_logout_jwt_is_accepted() {
    let key = provider_key(Algorithm::RS256, "kc-rsa-2026");
    let token = keycloak_token("logout+jwt").sign(&key);
    let logout = accept(
        &validator(KEYCLOAK_ISSUER, KEYCLOAK_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_keycloak_accessors(&logout);
}

// ---------------------------------------------------------------------------
// Ory Hydra

const HYDRA_ISSUER: &str = "https://hydra.example.com/";
const HYDRA_CLIENT: &str = "7c1a4f2e-5b3d-4c6e-8f9a-0b1c2d3e4f5a";
const HYDRA_SID: &str = "a3d9e1f0-7b2c-4d5e-9f8a-1b2c3d4e5f60";

/// Hydra: `sid` only (no `sub`), no `exp`, `aud` an array.
fn hydra_token() -> String {
    let key = provider_key(Algorithm::RS256, "public:hydra.openid.id-token");
    TokenBuilder::new(HYDRA_ISSUER, HYDRA_CLIENT, IAT)
        .header("typ", "JWT")
        .without("sub")
        .without("exp")
        .claim("aud", json!([HYDRA_CLIENT]))
        .sid(HYDRA_SID)
        .sign(&key)
}

fn hydra_keys() -> KeySet {
    jwks_of(&provider_key(
        Algorithm::RS256,
        "public:hydra.openid.id-token",
    ))
}

#[test]
fn hydra_token_without_exp_is_accepted_with_legacy_allow_missing_exp() {
    let validator = Validator::builder(Issuer::new(HYDRA_ISSUER), ClientId::new(HYDRA_CLIENT))
        .legacy_allow_missing_exp()
        .build()
        .unwrap();
    let logout = accept(&validator, &hydra_token(), &hydra_keys());
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: HYDRA_SID,
            sub: None
        }
    );
    assert_eq!(logout.subject(), None);
    assert_eq!(logout.session_id(), Some(HYDRA_SID));
    assert_eq!(logout.expires_at(), None);
    // Without exp, the maximum age of iat bounds the replay window.
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(IAT + MAX_AGE + LEEWAY)
    );
    assert_eq!(logout.audiences(), [HYDRA_CLIENT]);
    assert!(logout.other_claims().is_empty());
}

#[test]
fn rejects_hydra_token_without_exp_by_default() {
    let err = validate(
        &validator(HYDRA_ISSUER, HYDRA_CLIENT, None),
        &hydra_token(),
        &hydra_keys(),
    )
    .unwrap_err();
    assert_eq!(err, Error::MissingClaim { name: "exp" });
}

// ---------------------------------------------------------------------------
// node oidc-provider

const NODE_ISSUER: &str = "https://op.example.com";
const NODE_CLIENT: &str = "node-client";

#[test]
fn node_oidc_provider_token_with_typ_logout_jwt_is_accepted() {
    let key = provider_key(Algorithm::RS256, "node-oidc-sig-1");
    let token = TokenBuilder::new(NODE_ISSUER, NODE_CLIENT, IAT)
        .header("typ", "logout+jwt")
        .sub("23121d3c-84df-44ac-b458-3d63a9a05497")
        .sid("FV2W2P8J6wG0Gm9zZmCTq")
        .sign(&key);
    let logout = accept(
        &validator(NODE_ISSUER, NODE_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "FV2W2P8J6wG0Gm9zZmCTq",
            sub: Some("23121d3c-84df-44ac-b458-3d63a9a05497")
        }
    );
    assert_eq!(logout.expires_at(), Some(UnixTime::from_secs(IAT + 120)));
    assert!(logout.other_claims().is_empty());
}

#[test]
fn node_oidc_provider_token_without_sid_ends_all_sessions_of_the_subject() {
    // oidc-provider sends `sid` only when the client asked for it.
    let key = provider_key(Algorithm::RS256, "node-oidc-sig-1");
    let token = TokenBuilder::new(NODE_ISSUER, NODE_CLIENT, IAT)
        .header("typ", "logout+jwt")
        .sub("23121d3c-84df-44ac-b458-3d63a9a05497")
        .sign(&key);
    let logout = accept(
        &validator(NODE_ISSUER, NODE_CLIENT, None),
        &token,
        &jwks_of(&key),
    );
    assert_eq!(
        logout.scope(),
        LogoutScope::Subject {
            sub: "23121d3c-84df-44ac-b458-3d63a9a05497"
        }
    );
    assert!(!logout.ends_one_session());
}

/// The logout tokens oidc-provider really sent in the interop test, with
/// its key set and the receiving time (`tests/data/oidc-provider/`).
fn captured_node_oidc_provider_tokens() -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oidc-provider");
    let mut fixtures: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
        .collect();
    fixtures.sort_by_key(|f| f["alg"].to_string());
    // RS256..512, PS256..512, ES256, ES384, EdDSA, Ed25519.
    assert_eq!(fixtures.len(), 10, "fixtures in {}", dir.display());
    fixtures
}

/// The fixture's token, validated as the example validated it: its issuer,
/// client id and algorithm, at the time it arrived.
fn validate_captured(fixture: &Value, now: u64) -> Result<LogoutToken, Error> {
    let text = |name: &str| fixture[name].as_str().unwrap();
    let alg: Algorithm = text("alg").parse().unwrap();
    let keys = KeySet::from_jwks(fixture["jwks"].to_string().as_bytes()).unwrap();
    validator(text("issuer"), text("client_id"), Some(alg)).validate(
        text("logout_token").as_bytes(),
        &keys,
        UnixTime::from_secs(now),
    )
}

#[test]
fn node_oidc_provider_captured_tokens_are_accepted() {
    for fixture in captured_node_oidc_provider_tokens() {
        let alg = fixture["alg"].as_str().unwrap();
        let claims = &fixture["claims"];
        let received = fixture["received_at"].as_u64().unwrap();
        let logout = validate_captured(&fixture, received)
            .unwrap_or_else(|e| panic!("{alg}: refused: {e} ({e:?})"));
        let header = fixture["logout_token"]
            .as_str()
            .unwrap()
            .split('.')
            .next()
            .unwrap();
        let header: Value =
            serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).unwrap()).unwrap();
        assert_eq!(header["typ"], json!("logout+jwt"), "{alg}");
        assert_eq!(logout.algorithm().name(), alg);
        assert_eq!(logout.kid(), header["kid"].as_str(), "{alg}");
        assert_eq!(logout.issuer(), fixture["issuer"].as_str().unwrap());
        assert_eq!(logout.audiences(), [fixture["client_id"].as_str().unwrap()]);
        assert_eq!(
            logout.scope(),
            LogoutScope::Session {
                sid: claims["sid"].as_str().unwrap(),
                sub: Some("alice")
            },
            "{alg}"
        );
        assert_eq!(logout.jti(), claims["jti"].as_str().unwrap());
        let iat = claims["iat"].as_u64().unwrap();
        assert_eq!(logout.expires_at(), Some(UnixTime::from_secs(iat + 120)));
        assert_eq!(
            logout.remember_jti_until(),
            UnixTime::from_secs(iat + 120 + LEEWAY)
        );
        assert!(logout.event().is_empty(), "{alg}");
        assert!(logout.other_claims().is_empty(), "{alg}");
    }
}

#[test]
fn rejects_node_oidc_provider_captured_token_received_after_exp_and_leeway() {
    for fixture in captured_node_oidc_provider_tokens() {
        let exp = fixture["claims"]["exp"].as_u64().unwrap();
        let late = exp + LEEWAY + 1;
        assert_eq!(
            validate_captured(&fixture, late).unwrap_err(),
            Error::Expired { exp, now: late },
            "{}",
            fixture["alg"]
        );
    }
}

// ---------------------------------------------------------------------------
// Janssen / Gluu

#[test]
fn janssen_token_expiring_an_hour_after_iat_is_accepted() {
    let issuer = "https://janssen.example.com";
    let client = "1800.4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d";
    let key = provider_key(Algorithm::RS256, "connect_4f5a6b7c_sig_rs256");
    let token = TokenBuilder::new(issuer, client, IAT)
        .header("typ", "JWT")
        .claim("exp", IAT + 3600)
        .sid("d2c1b0a9-8f7e-4d6c-b5a4-93f2e1d0c9b8")
        .sign(&key);
    let logout = accept(&validator(issuer, client, None), &token, &jwks_of(&key));
    assert_eq!(logout.expires_at(), Some(UnixTime::from_secs(IAT + 3600)));
    // The maximum age of iat, not the distant exp, ends the replay window.
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(IAT + MAX_AGE + LEEWAY)
    );
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "d2c1b0a9-8f7e-4d6c-b5a4-93f2e1d0c9b8",
            sub: Some("user-1")
        }
    );
}

// ---------------------------------------------------------------------------
// Auth0

const AUTH0_ISSUER: &str = "https://example-tenant.eu.auth0.com/";
const AUTH0_CLIENT: &str = "Xv7pQ3kLmN9sT2wY5zA8bC1dE4fG6hJ0";

fn auth0_token(key: &SigningKey) -> String {
    TokenBuilder::new(AUTH0_ISSUER, AUTH0_CLIENT, IAT)
        .header("typ", "JWT")
        .claim("exp", IAT + 120)
        .sub("auth0|64f1c2d3e4b5a69788796a5b")
        .sid("pLtIX9yqK3f2bS8vN1mR4wZ7cH0jD5eA")
        .claim("trace_id", "6c5b4a39281706f5e4d3c2b1a0f9e8d7")
        .sign(key)
}

#[test]
fn auth0_token_with_trailing_slash_issuer_and_trace_id_is_accepted() {
    let key = provider_key(Algorithm::RS256, "Nz3hQ8cK1vB6xL0pR4tY7uW2sE9aD5fG");
    let logout = accept(
        &validator(AUTH0_ISSUER, AUTH0_CLIENT, None),
        &auth0_token(&key),
        &jwks_of(&key),
    );
    assert_eq!(logout.issuer(), AUTH0_ISSUER);
    assert_eq!(logout.audiences(), [AUTH0_CLIENT]);
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "pLtIX9yqK3f2bS8vN1mR4wZ7cH0jD5eA",
            sub: Some("auth0|64f1c2d3e4b5a69788796a5b")
        }
    );
    assert_eq!(
        logout.other_claims()["trace_id"],
        json!("6c5b4a39281706f5e4d3c2b1a0f9e8d7")
    );
    assert_eq!(logout.other_claims().len(), 1);
}

#[test]
fn rejects_auth0_token_when_the_issuer_is_configured_without_its_trailing_slash() {
    let key = provider_key(Algorithm::RS256, "Nz3hQ8cK1vB6xL0pR4tY7uW2sE9aD5fG");
    let err = validate(
        &validator(AUTH0_ISSUER.trim_end_matches('/'), AUTH0_CLIENT, None),
        &auth0_token(&key),
        &jwks_of(&key),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::IssuerMismatch {
            found: AUTH0_ISSUER.into()
        }
    );
}

// ---------------------------------------------------------------------------
// GOV.UK One Login

#[test]
fn gov_uk_one_login_es256_subject_only_token_is_accepted() {
    let issuer = "https://oidc.account.gov.uk/";
    let client = "HrJ5q2xKqYm4n7pS9tV1wZ3bC6dF8gH0";
    let sub = "urn:fdc:gov.uk:2022:JG0RJI1pYbnanbvPs-j4j5-a-PFcmhry9Qu9NCEp5d4";
    let key = provider_key(
        Algorithm::ES256,
        "644af598b780f54106ca0f3c017341bc230c4f8373f35f32e18e3e40cc7acff6",
    );
    // The published key carries its alg.
    assert_eq!(key.public_jwk().unwrap()["alg"], json!("ES256"));
    let token = TokenBuilder::new(issuer, client, IAT)
        .header("typ", "logout+jwt")
        .sub(sub)
        .sign(&key);
    let logout = accept(
        &validator(issuer, client, Some(Algorithm::ES256)),
        &token,
        &jwks_of(&key),
    );
    assert_eq!(logout.scope(), LogoutScope::Subject { sub });
    assert_eq!(logout.session_id(), None);
    assert_eq!(logout.algorithm(), Algorithm::ES256);
    assert_eq!(logout.issuer(), issuer);
}

// ---------------------------------------------------------------------------
// idpyoidc and pyoidc (Python OPs)

#[test]
fn idpyoidc_ed25519_token_with_long_sid_and_no_sub_is_accepted() {
    let issuer = "https://idpy.example.org";
    let client = "client_3e8f1a";
    // sid values are opaque: long, with spaces, quotes, &, % and +.
    let sid = format!(
        "{} \"quoted\" & 100% + more",
        "Z0FBQUFBQm1hM2Y0a1pXN2x6NnZ0UXh5OUJkR2J3".repeat(8)
    );
    assert!(sid.len() > 300);
    let key = provider_key(Algorithm::Ed25519, "idpy-ed25519-1");
    let token = TokenBuilder::new(issuer, client, IAT)
        .without_header("typ")
        .without("sub")
        .claim("aud", json!([client]))
        .claim("exp", IAT + 86_400)
        .sid(&sid)
        .sign(&key);
    let header = token.split('.').next().unwrap();
    let header = Base64UrlUnpadded::decode_vec(header).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&header).unwrap()["alg"],
        json!("Ed25519")
    );
    let logout = accept(
        &validator(issuer, client, Some(Algorithm::Ed25519)),
        &token,
        &jwks_of(&key),
    );
    assert_eq!(logout.algorithm(), Algorithm::Ed25519);
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: &sid,
            sub: None
        }
    );
    // exp a day away: the maximum age of iat decides.
    assert_eq!(
        logout.remember_jti_until(),
        UnixTime::from_secs(IAT + MAX_AGE + LEEWAY)
    );
}

#[test]
fn pyoidc_token_with_kid_copied_into_the_claims_is_accepted() {
    let issuer = "https://pyoidc.example.org:8092";
    let client = "pyoidc-client";
    let kid = "b42fac9a0c2b4a0f8d6e5c4b3a291807";
    let key = provider_key(Algorithm::RS256, kid);
    let token = TokenBuilder::new(issuer, client, IAT)
        .without_header("typ")
        .claim("aud", json!([client]))
        .claim("exp", IAT + 86_400)
        .claim("kid", kid)
        .sid("0a1b2c3d4e5f")
        .sign(&key);
    let logout = accept(&validator(issuer, client, None), &token, &jwks_of(&key));
    assert_eq!(logout.other_claims()["kid"], json!(kid));
    assert_eq!(logout.other_claims().len(), 1);
    assert_eq!(logout.kid(), Some(kid));
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "0a1b2c3d4e5f",
            sub: Some("user-1")
        }
    );
}

// ---------------------------------------------------------------------------
// authentik (and other OPs that sign with the client secret)

#[test]
fn authentik_hs256_token_keyed_by_the_client_secret_is_accepted() {
    let issuer = "https://authentik.example.com/application/o/demo/";
    let client = "Qm9hY2xpZW50aWQxMjM0NTY3ODkw";
    // The client secret (authentik generates 128 random characters; any
    // secret of 32 bytes or more will do).
    let key = SigningKey::generate(Algorithm::HS256, "client-secret");
    let mut keys = KeySet::new();
    keys.add_hmac_secret(None, key.hmac_secret().unwrap())
        .unwrap();
    let builder = TokenBuilder::new(issuer, client, IAT)
        .sub("8f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a")
        .sid("c6d5e4f3a2b1c0d9");
    // No kid: there is only the one secret.
    let token = sign_with_header(&key, json!({"alg": "HS256", "typ": "JWT"}), &builder);
    let logout = accept(
        &validator(issuer, client, Some(Algorithm::HS256)),
        &token,
        &keys,
    );
    assert_eq!(logout.algorithm(), Algorithm::HS256);
    assert_eq!(logout.kid(), None);
    assert_eq!(
        logout.scope(),
        LogoutScope::Session {
            sid: "c6d5e4f3a2b1c0d9",
            sub: Some("8f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a")
        }
    );
}
