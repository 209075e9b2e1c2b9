//! The same cases against every framework's example relying party.
//!
//! Each case is an `async fn(&Example)`; `example_suite!` instantiates all
//! of them, as `#[tokio::test]`s in a module named after the framework, for
//! one [`Example`]. A framework joins with one line at the bottom.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use backchannel_logout_testkit::TokenBuilder;
use backchannel_logout_tests::{
    CLIENT_ID, Example, FORM, HttpProvider, Provider, Rp, form, next_second, now,
};

/// Instantiates every case for one example.
macro_rules! example_suite {
    ($module:ident, $example:expr) => {
        mod $module {
            example_suite!(@cases $example;
                valid_token_is_exactly_200_no_store,
                replayed_token_is_400,
                get_is_refused,
                body_without_logout_token_is_400_json,
                empty_body_is_400_json,
                duplicate_logout_token_is_400_json,
                empty_logout_token_is_400_json,
                wrong_content_type_is_400_json,
                missing_content_type_is_400_json,
                token_that_is_not_a_jwt_is_400_json,
                body_over_the_limit_is_refused,
                huge_body_is_refused,
                charset_in_content_type_is_accepted,
                ignored_parameter_is_ignored,
                wrong_algorithm_is_400,
                alg_none_is_400,
                nonce_is_400,
                missing_events_is_400,
                wrong_event_member_is_400,
                wrong_audience_is_400,
                wrong_issuer_is_400,
                login_records_the_session,
                logged_out_session_is_anonymous_and_others_untouched,
                sid_with_special_characters_is_logged_out,
                sub_only_logout_ends_sessions_from_before_its_iat,
                sub_only_logout_with_past_iat_spares_a_later_session,
                demo_mode_walkthrough_works,
                bad_configuration_is_refused_with_the_variable_named,
                keys_from_jwks_uri_are_fetched,
                keys_by_discovery_from_the_issuer,
                unreachable_key_set_stops_the_example_naming_the_variable,
                slow_clients_are_cut_off_while_others_are_answered,
                a_flood_of_unknown_kids_fetches_the_keys_once_per_cooldown,
                a_thousand_concurrent_valid_requests_are_all_answered,
            );
        }
    };
    (@cases $example:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                super::$case(&$example).await;
            }
        )*
    };
}

example_suite!(axum, backchannel_logout_tests::examples::AXUM);
example_suite!(actix, backchannel_logout_tests::examples::ACTIX);
example_suite!(rocket, backchannel_logout_tests::examples::ROCKET);

// --- The endpoint: answers (Back-Channel Logout 1.0 §2.8) ---

async fn valid_token_is_exactly_200_no_store(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.logout(&token).await.assert_logged_out();
}

async fn replayed_token_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.logout(&token).await.assert_logged_out();
    rp.logout(&token).await.assert_rejected("replayed_token");
}

async fn get_is_refused(example: &Example) {
    let rp = Rp::start(example);
    let answer = rp.get("/backchannel-logout").await;
    assert_eq!(answer.status, 405, "{answer:?}");
}

// --- The request (§2.5): malformed bodies ---

async fn body_without_logout_token_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    rp.post(Some(FORM), form(&[("token", "x")]))
        .await
        .assert_rejected("missing_logout_token");
}

async fn empty_body_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    rp.post(Some(FORM), "")
        .await
        .assert_rejected("missing_logout_token");
}

async fn duplicate_logout_token_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.post(
        Some(FORM),
        form(&[("logout_token", &token), ("logout_token", &token)]),
    )
    .await
    .assert_rejected("duplicate_logout_token");
}

async fn empty_logout_token_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    rp.post(Some(FORM), "logout_token=")
        .await
        .assert_rejected("empty_logout_token");
}

async fn wrong_content_type_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.post(Some("application/json"), form(&[("logout_token", &token)]))
        .await
        .assert_rejected("unsupported_content_type");
}

async fn missing_content_type_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.post(None, form(&[("logout_token", &token)]))
        .await
        .assert_rejected("unsupported_content_type");
}

async fn token_that_is_not_a_jwt_is_400_json(example: &Example) {
    let rp = Rp::start(example);
    rp.logout("not-a-jwt")
        .await
        .assert_rejected("malformed_token");
}

/// The core's default limit: 64 KiB.
const MAX_BODY: usize = 64 * 1024;

async fn body_over_the_limit_is_refused(example: &Example) {
    let rp = Rp::start(example);
    let mut body = b"logout_token=".to_vec();
    body.resize(MAX_BODY + 1, b'a');
    rp.post(Some(FORM), body)
        .await
        .assert_rejected("body_too_large");
}

async fn huge_body_is_refused(example: &Example) {
    // 4 MiB: the example must stop reading and refuse, without taking it
    // all in. The refusal may come before the upload ends, in which case the
    // server may close the connection while the client is still sending.
    let rp = Rp::start(example);
    let mut body = b"logout_token=".to_vec();
    body.resize(4 * 1024 * 1024, b'a');
    let response = reqwest::Client::new()
        .post(rp.server().url("/backchannel-logout"))
        .header("content-type", FORM)
        .body(body)
        .send()
        .await;
    if let Ok(response) = response {
        assert!(
            matches!(response.status().as_u16(), 400 | 413),
            "{response:?}"
        );
    }
    // Still serving.
    rp.logout(&rp.provider.session_token("user-1", "s-1"))
        .await
        .assert_logged_out();
}

async fn charset_in_content_type_is_accepted(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.post(
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        form(&[("logout_token", &token)]),
    )
    .await
    .assert_logged_out();
}

async fn ignored_parameter_is_ignored(example: &Example) {
    let rp = Rp::start(example);
    let token = rp.provider.session_token("user-1", "s-1");
    rp.post(
        Some(FORM),
        form(&[
            ("ignored_parameter", "x"),
            ("logout_token", &token),
            ("state", "y"),
        ]),
    )
    .await
    .assert_logged_out();
}

// --- The token (§2.4, §2.6): the OpenID Foundation's RP conformance cases ---

async fn wrong_algorithm_is_400(example: &Example) {
    // Validly signed by a key the provider publishes, but with ES256 while
    // the client registered RS256.
    let rp = Rp::start(example);
    let token = rp.provider.token().sid("s-1").sign(Provider::es256());
    rp.logout(&token).await.assert_rejected("alg_not_allowed");
}

async fn alg_none_is_400(example: &Example) {
    let rp = Rp::start(example);
    let signed = rp
        .provider
        .token()
        .sid("s-1")
        .header("alg", "none")
        .sign(Provider::rs256());
    let unsigned = match signed.rsplit_once('.') {
        Some((input, _)) => format!("{input}."),
        None => signed,
    };
    rp.logout(&unsigned).await.assert_rejected("alg_none");
}

async fn nonce_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = rp
        .provider
        .token()
        .sid("s-1")
        .claim("nonce", "n-0S6_WzA2Mj")
        .sign(Provider::rs256());
    rp.logout(&token).await.assert_rejected("nonce_present");
}

async fn missing_events_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = rp
        .provider
        .token()
        .sid("s-1")
        .without("events")
        .sign(Provider::rs256());
    rp.logout(&token).await.assert_rejected("missing_claim");
}

async fn wrong_event_member_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = rp
        .provider
        .token()
        .sid("s-1")
        .claim(
            "events",
            serde_json::json!({ "http://schemas.openid.net/event/other": {} }),
        )
        .sign(Provider::rs256());
    rp.logout(&token)
        .await
        .assert_rejected("missing_logout_event");
}

async fn wrong_audience_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = rp
        .provider
        .token()
        .sid("s-1")
        .claim("aud", "another-client")
        .sign(Provider::rs256());
    rp.logout(&token).await.assert_rejected("invalid_audience");
}

async fn wrong_issuer_is_400(example: &Example) {
    let rp = Rp::start(example);
    let token = TokenBuilder::new("https://op.example.test/", CLIENT_ID, now())
        .sid("s-1")
        .sign(Provider::rs256());
    rp.logout(&token).await.assert_rejected("invalid_issuer");
}

// --- Sessions: the login helper and the per-request check ---

async fn login_records_the_session(example: &Example) {
    let rp = Rp::start(example);
    let browser = rp.browser();
    assert!(!browser.is_authenticated().await);
    browser.login("alice", Some("a-1")).await;
    let who = browser.who().await;
    assert_eq!(who["authenticated"], true, "{who}");
    assert_eq!(who["iss"], backchannel_logout_tests::ISSUER, "{who}");
    assert_eq!(who["sub"], "alice", "{who}");
    assert_eq!(who["sid"], "a-1", "{who}");
}

async fn logged_out_session_is_anonymous_and_others_untouched(example: &Example) {
    let rp = Rp::start(example);
    let alice = rp.browser();
    let bob = rp.browser();
    alice.login("alice", Some("a-1")).await;
    bob.login("bob", Some("b-1")).await;

    rp.logout(&rp.provider.session_token("alice", "a-1"))
        .await
        .assert_logged_out();

    let answer = alice.whoami().await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["authenticated"], false, "{answer:?}");
    assert!(
        answer.header("set-cookie").is_some(),
        "the ended session's cookie is cleared: {answer:?}"
    );
    assert!(!alice.is_authenticated().await);
    assert!(bob.is_authenticated().await);
    assert_eq!(bob.who().await["sub"], "bob");
}

async fn sid_with_special_characters_is_logged_out(example: &Example) {
    let rp = Rp::start(example);
    let sid = "a b \"quoted\" & 100% + 'more'=x";
    let user = rp.browser();
    let other = rp.browser();
    user.login("user-1", Some(sid)).await;
    other.login("user-1", Some("a b")).await;
    assert_eq!(user.who().await["sid"], sid);

    rp.logout(&rp.provider.session_token("user-1", sid))
        .await
        .assert_logged_out();
    assert!(!user.is_authenticated().await);
    assert!(other.is_authenticated().await);
}

async fn sub_only_logout_ends_sessions_from_before_its_iat(example: &Example) {
    let rp = Rp::start(example);
    let earlier = rp.browser();
    let someone_else = rp.browser();
    earlier.login("carol", Some("c-1")).await;
    someone_else.login("dave", Some("d-1")).await;
    // Times are whole seconds: let the token's iat come after the login.
    next_second().await;

    let token = rp.provider.token().sub("carol").sign(Provider::rs256());
    rp.logout(&token).await.assert_logged_out();
    let later = rp.browser();
    later.login("carol", Some("c-2")).await;

    assert!(!earlier.is_authenticated().await);
    assert!(later.is_authenticated().await);
    assert!(someone_else.is_authenticated().await);
}

async fn sub_only_logout_with_past_iat_spares_a_later_session(example: &Example) {
    let rp = Rp::start(example);
    let browser = rp.browser();
    browser.login("erin", None).await;
    let token = rp
        .provider
        .token()
        .sub("erin")
        .claim("iat", now() - 120)
        .sign(Provider::rs256());
    rp.logout(&token).await.assert_logged_out();
    assert!(browser.is_authenticated().await);
}

// --- Start: demo mode and configuration ---

async fn demo_mode_walkthrough_works(example: &Example) {
    let server = (example.start)(vec![("BCL_LISTEN".into(), "127.0.0.1:0".into())])
        .unwrap_or_else(|e| panic!("{}: demo mode did not start: {e}", example.name));
    let commands: Vec<Curl> = server
        .banner()
        .lines()
        .filter(|l| l.starts_with("curl "))
        .map(Curl::parse)
        .collect();
    assert_eq!(commands.len(), 4, "banner: {}", server.banner());
    let http = reqwest::Client::new();
    let mut answers = Vec::new();
    for command in &commands {
        assert!(
            command.url.starts_with(&server.url("/")),
            "{} is not on {}",
            command.url,
            server.url("/")
        );
        answers.push(command.run(&http).await);
    }
    let json = |i: usize| -> serde_json::Value {
        serde_json::from_slice(&answers[i].1).unwrap_or_default()
    };
    assert_eq!(answers[0].0, 200);
    assert_eq!(json(0)["authenticated"], true, "before: {:?}", json(0));
    assert_eq!(answers[1].0, 200, "logout");
    assert_eq!(answers[2].0, 400, "replay");
    assert_eq!(json(2)["error"], "invalid_request");
    assert_eq!(answers[3].0, 200);
    assert_eq!(json(3)["authenticated"], false, "after: {:?}", json(3));
}

async fn bad_configuration_is_refused_with_the_variable_named(example: &Example) {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([("BCL_LISTEN".to_owned(), "127.0.0.1:0".to_owned())])
            .collect()
    };
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("BCL_ISSUER", "https://op.example.test")],
            "BCL_CLIENT_ID",
        ),
        (&[("BCL_ALGS", "RS256,none")], "BCL_ALGS"),
        (
            &[
                ("BCL_ISSUER", "https://op.example.test"),
                ("BCL_CLIENT_ID", "c"),
                ("BCL_JWKS_FILE", "/nonexistent/jwks.json"),
            ],
            "BCL_JWKS_FILE",
        ),
    ];
    for (vars, variable) in cases {
        match (example.start)(env(vars)) {
            Ok(_) => panic!("{}: started with {vars:?}", example.name),
            Err(message) => assert!(
                message.starts_with(&format!("{variable}: ")),
                "{}: {message:?} should name {variable}",
                example.name
            ),
        }
    }
}

// --- Keys fetched from the provider (BCL_JWKS_URI, discovery) ---

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("BCL_LISTEN".to_owned(), "127.0.0.1:0".to_owned())])
        .collect()
}

async fn post_token(server: &backchannel_logout_tests::Server, token: &str) -> u16 {
    reqwest::Client::new()
        .post(server.url("/backchannel-logout"))
        .header("content-type", FORM)
        .body(form(&[("logout_token", token)]))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn keys_from_jwks_uri_are_fetched(example: &Example) {
    let op = HttpProvider::start();
    let server = (example.start)(env_of(&[
        ("BCL_ISSUER", backchannel_logout_tests::ISSUER),
        ("BCL_CLIENT_ID", CLIENT_ID),
        ("BCL_JWKS_URI", &op.jwks_uri()),
    ]))
    .unwrap_or_else(|e| panic!("{}: {e}", example.name));
    let token = Provider::new().session_token("user-1", "s-1");
    assert_eq!(post_token(&server, &token).await, 200);
    assert_eq!(post_token(&server, &token).await, 400);
}

async fn keys_by_discovery_from_the_issuer(example: &Example) {
    let op = HttpProvider::start();
    let issuer = op.issuer();
    let server = (example.start)(env_of(&[
        ("BCL_ISSUER", &issuer),
        ("BCL_CLIENT_ID", CLIENT_ID),
    ]))
    .unwrap_or_else(|e| panic!("{}: {e}", example.name));
    let token = TokenBuilder::new(&issuer, CLIENT_ID, now())
        .sid("s-1")
        .sign(Provider::rs256());
    assert_eq!(post_token(&server, &token).await, 200);
    // Signed by a key the provider does not publish: refused.
    let stranger = backchannel_logout_testkit::SigningKey::generate(
        backchannel_logout::Algorithm::RS256,
        "stranger",
    );
    let forged = TokenBuilder::new(&issuer, CLIENT_ID, now())
        .sid("s-2")
        .sign(&stranger);
    assert_eq!(post_token(&server, &forged).await, 400);
}

async fn unreachable_key_set_stops_the_example_naming_the_variable(example: &Example) {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}/jwks", closed.local_addr().unwrap());
    drop(closed);
    match (example.start)(env_of(&[
        ("BCL_ISSUER", backchannel_logout_tests::ISSUER),
        ("BCL_CLIENT_ID", CLIENT_ID),
        ("BCL_JWKS_URI", &uri),
    ])) {
        Ok(_) => panic!("{}: started without reachable keys", example.name),
        Err(message) => assert!(message.starts_with("BCL_JWKS_URI: "), "{message}"),
    }
}

/// One of the demo banner's `curl` commands, understood well enough to run
/// it: `-i`, `-b COOKIE`, `--data-urlencode NAME=VALUE`, the URL.
struct Curl {
    cookie: Option<String>,
    data: Vec<(String, String)>,
    url: String,
}

impl Curl {
    fn parse(line: &str) -> Curl {
        let words = shell_words(line);
        let mut curl = Curl {
            cookie: None,
            data: Vec::new(),
            url: String::new(),
        };
        let mut words = words.into_iter().skip(1);
        while let Some(word) = words.next() {
            match word.as_str() {
                "-i" => {}
                "-b" => curl.cookie = words.next(),
                "--data-urlencode" => {
                    let pair = words.next().unwrap_or_default();
                    let (name, value) = pair.split_once('=').unwrap_or((&pair, ""));
                    curl.data.push((name.to_owned(), value.to_owned()));
                }
                other if other.starts_with('-') => panic!("unexpected curl option {other}"),
                url => curl.url = url.to_owned(),
            }
        }
        curl
    }

    async fn run(&self, http: &reqwest::Client) -> (u16, Vec<u8>) {
        let mut request = if self.data.is_empty() {
            http.get(&self.url)
        } else {
            let pairs: Vec<(&str, &str)> = self
                .data
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            http.post(&self.url)
                .header("content-type", FORM)
                .body(form(&pairs))
        };
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("the demo answers");
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap_or_default().to_vec())
    }
}

/// Splits a command line on spaces, honouring single quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

// --- Abuse of the endpoint ---

/// Opens a connection, sends `head` at once, then trickles `slow` one byte
/// every 300 ms. Returns how long until the server answered or closed the
/// connection, and what it sent; `None` if it waited 15 s for the client.
async fn trickle(
    addr: std::net::SocketAddr,
    head: &'static str,
    slow: &'static str,
) -> Option<(Duration, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.split();
    let writer = async {
        let _ = write.write_all(head.as_bytes()).await;
        for b in slow.bytes() {
            if write.write_all(&[b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        std::future::pending::<()>().await;
    };
    let reader = async {
        let mut buf = vec![0u8; 4096];
        // An answer, or the server closing (0 bytes or an error).
        let n = read.read(&mut buf).await.unwrap_or(0);
        String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned()
    };
    tokio::time::timeout(Duration::from_secs(15), async {
        tokio::select! {
            () = writer => unreachable!("the writer never ends"),
            answer = reader => answer,
        }
    })
    .await
    .ok()
    .map(|answer| (started.elapsed(), answer))
}

async fn slow_clients_are_cut_off_while_others_are_answered(example: &Example) {
    use backchannel_logout_tests::SLOW_CLIENT_TIMEOUT;
    let rp = Rp::start(example);
    let addr = rp.server().addr();
    const HEADERS: &str = "POST /backchannel-logout HTTP/1.1\r\nHost: rp\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\n";
    const BODY: &str = "logout_token=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl";
    // Headers trickled byte by byte, and a body trickled after whole headers.
    let slow_headers = tokio::spawn(trickle(addr, "", HEADERS));
    let slow_body = tokio::spawn(trickle(addr, HEADERS, BODY));
    // Meanwhile, others are answered promptly.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let answer = rp.get("/whoami").await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    let limit = SLOW_CLIENT_TIMEOUT + Duration::from_secs(3);
    let (took, answer) = slow_headers.await.unwrap().expect("slow headers kept open");
    assert!(took < limit, "slow headers cut after {took:?}: {answer:?}");
    let (took, answer) = slow_body.await.unwrap().expect("slow body kept open");
    assert!(took < limit, "slow body cut after {took:?}: {answer:?}");
    // A body that stalls gets an error answer, or the connection closed.
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer:?}"
    );
}

async fn a_flood_of_unknown_kids_fetches_the_keys_once_per_cooldown(example: &Example) {
    let op = HttpProvider::start();
    let server = (example.start)(env_of(&[
        ("BCL_ISSUER", backchannel_logout_tests::ISSUER),
        ("BCL_CLIENT_ID", CLIENT_ID),
        ("BCL_JWKS_URI", &op.jwks_uri()),
    ]))
    .unwrap_or_else(|e| panic!("{}: {e}", example.name));
    let at_start = op.jwks_fetches();
    assert!(at_start >= 1, "the keys are fetched at start");
    // 300 tokens naming keys the provider never published, all at once.
    let stranger = backchannel_logout_testkit::SigningKey::generate(
        backchannel_logout::Algorithm::RS256,
        "unused",
    );
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..300 {
        let token = TokenBuilder::new(backchannel_logout_tests::ISSUER, CLIENT_ID, now())
            .sid(&format!("s-{i}"))
            .header("kid", format!("made-up-{i}"))
            .sign(&stranger);
        let url = server.url("/backchannel-logout");
        flood.spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", FORM)
                .body(form(&[("logout_token", &token)]))
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    while let Some(status) = flood.join_next().await {
        assert_eq!(status.unwrap().unwrap(), 400);
    }
    // One refetch for the first unknown kid; the rest wait for the cooldown.
    let refetches = op.jwks_fetches() - at_start;
    assert!(
        refetches <= 1,
        "{refetches} key fetches for 300 unknown kids"
    );
    // The provider's own tokens still pass.
    let token = Provider::new().session_token("user-1", "s-ok");
    assert_eq!(post_token(&server, &token).await, 200);
}

/// Opens a connection, waits for `start`, sends one request on it and
/// returns the status line.
async fn raw_post(
    addr: std::net::SocketAddr,
    body: String,
    start: std::sync::Arc<tokio::sync::Barrier>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    start.wait().await;
    let request = format!(
        "POST /backchannel-logout HTTP/1.1\r\nHost: rp\r\nContent-Type: {FORM}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_owned()
}

async fn a_thousand_concurrent_valid_requests_are_all_answered(example: &Example) {
    let rp = Rp::start(example);
    let addr = rp.server().addr();
    let bodies: Vec<String> = (0..1000)
        .map(|i| {
            let token = rp.provider.session_token("user-1", &format!("s-{i}"));
            form(&[("logout_token", &token)])
        })
        .collect();
    // Every connection opened before any request is answered, then all fired.
    for expected in ["HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request"] {
        let mut all = tokio::task::JoinSet::new();
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(bodies.len()));
        for body in bodies.iter().cloned() {
            let start = std::sync::Arc::clone(&start);
            all.spawn(raw_post(addr, body, start));
        }
        let mut answered = 0;
        while let Some(status) = all.join_next().await {
            assert_eq!(status.unwrap(), expected);
            answered += 1;
        }
        assert_eq!(answered, 1000);
        // Then each once more, as many at once: every one a replay.
    }
}
