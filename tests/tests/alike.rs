//! Every example answers every request alike: the same status, the same
//! headers that carry meaning, the same body, byte for byte, for the
//! suite's cases and the attacks the spec notes list. The first example in
//! `ALL` is the reference; a framework joins by being in `ALL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout_testkit::{TokenBuilder, b64};
use backchannel_logout_tests::examples::ALL;
use backchannel_logout_tests::{CLIENT_ID, FORM, ISSUER, Provider, Rp, form, now};

/// One request to the logout endpoint.
struct Case {
    name: &'static str,
    method: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn post(name: &'static str, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Case {
    Case {
        name,
        method: "POST",
        content_type,
        body: body.into(),
    }
}

fn token_case(name: &'static str, token: &str) -> Case {
    post(name, Some(FORM), form(&[("logout_token", token)]))
}

/// The cases, in order: the same tokens go to every example (a replay is
/// a replay everywhere).
fn cases() -> Vec<Case> {
    let rs = Provider::rs256();
    let token = || TokenBuilder::new(ISSUER, CLIENT_ID, now()).sid("s-1");
    let valid = token().sign(rs);
    let (head, rest) = valid.split_once('.').unwrap();
    let (claims, signature) = rest.split_once('.').unwrap();
    let mut tampered = valid.clone();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
    let unsigned = format!("{}.{claims}.", b64(br#"{"alg":"none","typ":"logout+jwt"}"#));
    vec![
        token_case("valid", &valid),
        token_case("replayed", &valid),
        token_case(
            "sub only",
            &TokenBuilder::new(ISSUER, CLIENT_ID, now()).sign(rs),
        ),
        token_case(
            "special sid",
            &token().sid("a b \"q\" & 100% + 'x'=y").sign(rs),
        ),
        token_case(
            "no sub, no sid",
            &token().without("sub").without("sid").sign(rs),
        ),
        token_case("expired", &token().claim("exp", now() - 3600).sign(rs)),
        token_case(
            "iat in the future",
            &token().claim("iat", now() + 3600).sign(rs),
        ),
        token_case(
            "too old",
            &token()
                .claim("iat", now() - 3600)
                .claim("exp", now() + 60)
                .sign(rs),
        ),
        token_case("no exp", &token().without("exp").sign(rs)),
        token_case("no jti", &token().without("jti").sign(rs)),
        token_case("nonce", &token().claim("nonce", "n").sign(rs)),
        token_case("no events", &token().without("events").sign(rs)),
        token_case(
            "other event",
            &token()
                .claim("events", serde_json::json!({"http://example/other": {}}))
                .sign(rs),
        ),
        token_case("wrong audience", &token().claim("aud", "other").sign(rs)),
        token_case(
            "azp not the client",
            &token()
                .claim("aud", serde_json::json!([CLIENT_ID, "other"]))
                .claim("azp", "other")
                .sign(rs),
        ),
        token_case(
            "wrong issuer",
            &TokenBuilder::new("https://op.example.test/", CLIENT_ID, now())
                .sid("s-1")
                .sign(rs),
        ),
        token_case("alg none", &unsigned),
        token_case("ES256 not allowed", &token().sign(Provider::es256())),
        token_case("HS256 header", &token().header("alg", "HS256").sign(rs)),
        token_case("unknown kid", &token().header("kid", "nope").sign(rs)),
        token_case("typ at+jwt", &token().header("typ", "at+jwt").sign(rs)),
        token_case(
            "unknown crit",
            &token()
                .header("crit", serde_json::json!(["x"]))
                .header("x", 1)
                .sign(rs),
        ),
        token_case(
            "jku header",
            &token().header("jku", "https://evil.example/jwks").sign(rs),
        ),
        token_case("tampered signature", &tampered),
        token_case("two segments", &format!("{head}.{claims}")),
        token_case("four segments", &format!("{valid}.{signature}")),
        token_case("five segments", &format!("{valid}.{signature}.{signature}")),
        token_case("padding", &format!("{head}=.{claims}.{signature}")),
        token_case(
            "header not JSON",
            &format!("{}.{claims}.{signature}", b64(b"{")),
        ),
        token_case("not a JWT", "not-a-jwt"),
        token_case("huge token", &"a".repeat(60 * 1024)),
        post("no logout_token", Some(FORM), form(&[("token", "x")])),
        post("empty body", Some(FORM), ""),
        post(
            "logout_token twice",
            Some(FORM),
            form(&[("logout_token", &valid), ("logout_token", &valid)]),
        ),
        post("empty logout_token", Some(FORM), "logout_token="),
        post("not UTF-8", Some(FORM), b"logout_token=\xff\xfe".to_vec()),
        post("over the limit", Some(FORM), {
            let mut body = b"logout_token=".to_vec();
            body.resize(64 * 1024 + 1, b'a');
            body
        }),
        post(
            "JSON content type",
            Some("application/json"),
            form(&[("logout_token", &valid)]),
        ),
        post("no content type", None, form(&[("logout_token", &valid)])),
        post(
            "charset",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            form(&[("logout_token", &token().sign(rs))]),
        ),
        Case {
            name: "GET",
            method: "GET",
            content_type: None,
            body: Vec::new(),
        },
        Case {
            name: "PUT",
            method: "PUT",
            content_type: Some(FORM),
            body: form(&[("logout_token", &valid)]).into_bytes(),
        },
        Case {
            name: "DELETE",
            method: "DELETE",
            content_type: None,
            body: Vec::new(),
        },
    ]
}

/// What an answer says: status, the headers that carry meaning, the body.
type Seen = (u16, Vec<(&'static str, Option<String>)>, String);

async fn send(rp: &Rp, case: &Case) -> Seen {
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, rp.server().url("/backchannel-logout"))
        .body(case.body.clone());
    if let Some(ct) = case.content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = ["cache-control", "content-type", "allow", "retry-after"]
        .into_iter()
        .map(|name| {
            let value = response.headers().get(name);
            (name, value.map(|v| v.to_str().unwrap().to_owned()))
        })
        .collect();
    let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
    (status, headers, body)
}

#[tokio::test]
async fn every_example_answers_every_case_alike() {
    let cases = cases();
    let mut reference: Option<(&str, Vec<Seen>)> = None;
    for example in ALL {
        let rp = Rp::start(example);
        let mut seen = Vec::new();
        for case in &cases {
            seen.push(send(&rp, case).await);
        }
        match &reference {
            None => reference = Some((example.name, seen)),
            Some((name, expected)) => {
                for ((case, seen), expected) in cases.iter().zip(&seen).zip(expected) {
                    assert_eq!(
                        seen, expected,
                        "{}: {} answers unlike {name}",
                        case.name, example.name
                    );
                }
            }
        }
    }
    // The reference itself answered as the spec says: only the valid,
    // sub-only, special-sid and charset cases succeed, and the validly
    // signed token whose `jku` header is never read (the keys are the
    // provider's own, not the header's).
    let (_, answers) = reference.unwrap();
    let ok: Vec<&str> = cases
        .iter()
        .zip(&answers)
        .filter(|(_, seen)| seen.0 == 200)
        .map(|(case, _)| case.name)
        .collect();
    assert_eq!(
        ok,
        ["valid", "sub only", "special sid", "jku header", "charset"]
    );
}
