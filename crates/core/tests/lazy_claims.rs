//! The logout event's value and the unregistered claims are checked during
//! validation but built into maps only when first read: what is refused,
//! and what the maps hold, is as when they were built during validation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use backchannel_logout::error::Part;
use backchannel_logout::{
    Algorithm, ClientId, Error, Issuer, KeySet, LOGOUT_EVENT, LogoutToken, UnixTime, Validator,
};
use backchannel_logout_testkit::SigningKey;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const IAT: u64 = 1_767_225_600;
const HEADER: &[u8] = br#"{"alg":"HS256","typ":"logout+jwt"}"#;

const TOO_DEEP: Error = Error::JsonTooDeep {
    part: Part::Claims,
    max: 16,
};

fn hs256() -> &'static SigningKey {
    SigningKey::shared(Algorithm::HS256)
}

fn validate(claims: &str) -> Result<LogoutToken, Error> {
    let mut keys = KeySet::default();
    keys.add_hmac_secret(None, hs256().hmac_secret().unwrap())
        .unwrap();
    let validator = Validator::builder(Issuer::new(ISS), ClientId::new(CLIENT))
        .algorithms([Algorithm::HS256])
        .build()
        .unwrap();
    let token = hs256().sign_bytes(HEADER, claims.as_bytes());
    validator.validate(token.as_bytes(), &keys, UnixTime::from_secs(IAT + 1))
}

/// The registered claims of a valid token, then `event` as the logout
/// event's value, then `extra` (`,"name":value...` or empty), as raw JSON.
fn claims(event: &str, extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISS}","aud":"{CLIENT}","iat":{IAT},"exp":{},"jti":"j-1","sid":"s-1","events":{{"{LOGOUT_EVENT}":{event}}}{extra}}}"#,
        IAT + 120
    )
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

#[test]
fn maps_hold_what_the_claims_say() {
    let extra = r#","\u0074race":"t-1","nested":{"a":[1,{"b":null}],"e":{}},"empty":{},"list":[],"azp":"client-1","n":-1.5e3,"s":"\u00e9\ud83d\ude00\n""#;
    let logout = validate(&claims(
        r#"{"revoke_offline_access":true,"x":{"y":[[]]}}"#,
        extra,
    ))
    .unwrap();
    assert_eq!(
        *logout.other_claims(),
        object(json!({
            "trace": "t-1",
            "nested": {"a": [1, {"b": null}], "e": {}},
            "empty": {},
            "list": [],
            "azp": "client-1",
            "n": -1500.0,
            "s": "é😀\n",
        }))
    );
    assert_eq!(
        *logout.event(),
        object(json!({"revoke_offline_access": true, "x": {"y": [[]]}}))
    );
}

#[test]
fn empty_maps_without_extras() {
    let logout = validate(&claims("{}", "")).unwrap();
    assert!(logout.event().is_empty());
    assert!(logout.other_claims().is_empty());
    // `azp` alone is kept.
    let logout = validate(&claims("{}", r#","azp":"client-1""#)).unwrap();
    assert_eq!(*logout.other_claims(), object(json!({"azp": "client-1"})));
    assert!(logout.event().is_empty());
    // An event alone is kept.
    let logout = validate(&claims(r#"{"a":{}}"#, "")).unwrap();
    assert_eq!(*logout.event(), object(json!({"a": {}})));
    assert!(logout.other_claims().is_empty());
}

#[test]
fn duplicated_names_are_refused_however_spelled() {
    for extra in [
        r#","a":1,"a":2"#,
        r#","a":1,"\u0061":2"#,
        r#","\u0061":{},"a":[]"#,
    ] {
        assert_eq!(
            validate(&claims("{}", extra)).unwrap_err(),
            Error::DuplicateMember {
                part: Part::Claims,
                name: "a".into()
            },
            "{extra}"
        );
    }
    // Many names: a duplicate is found among the first ones or the later ones.
    let many: String = (0..20).map(|i| format!(r#","n{i}":{i}"#)).collect();
    let logout = validate(&claims("{}", &many)).unwrap();
    assert_eq!(logout.other_claims().len(), 20);
    for (dup, at) in [(0, 8), (3, 15), (7, 8), (7, 19), (8, 9), (12, 19), (19, 20)] {
        let mut names: Vec<String> = (0..20).map(|i| format!(r#","n{i}":{i}"#)).collect();
        names.insert(at, format!(r#","\u00{:x}{dup}":0"#, u32::from('n')));
        assert_eq!(
            validate(&claims("{}", &names.concat())).unwrap_err(),
            Error::DuplicateMember {
                part: Part::Claims,
                name: format!("n{dup}")
            },
            "n{dup} at {at}"
        );
    }
    // Inside a value, the last of a duplicated name is kept, as by serde_json.
    let logout = validate(&claims(r#"{"a":1,"a":2}"#, r#","o":{"b":1,"\u0062":[2]}"#)).unwrap();
    assert_eq!(*logout.other_claims(), object(json!({"o": {"b": [2]}})));
    assert_eq!(*logout.event(), object(json!({"a": 2})));
}

#[test]
fn nesting_is_bounded_as_the_built_values_were() {
    // An unregistered claim: 15 levels inside the claims, not 16.
    assert!(validate(&claims("{}", &format!(r#","d":{}"#, nested(15)))).is_ok());
    assert_eq!(
        validate(&claims("{}", &format!(r#","d":{}"#, nested(16)))).unwrap_err(),
        TOO_DEEP
    );
    // Deeper than serde_json's own limit: not JSON it reads.
    assert_eq!(
        validate(&claims("{}", &format!(r#","d":{}"#, nested(200)))).unwrap_err(),
        Error::NotJsonObject { part: Part::Claims }
    );
    // Too deep, then a duplicated name: the nesting is reported.
    assert_eq!(
        validate(&claims("{}", &format!(r#","d":1,"d":{}"#, nested(16)))).unwrap_err(),
        TOO_DEEP
    );
    // A deep value replaced by a later one of the same name does not count,
    // as it was not kept.
    let replaced = format!(r#","d":{{"a":{},"a":1}}"#, nested(20));
    let logout = validate(&claims("{}", &replaced)).unwrap();
    assert_eq!(*logout.other_claims(), object(json!({"d": {"a": 1}})));
    let kept = format!(r#","d":{{"a":1,"a":{}}}"#, nested(20));
    assert_eq!(validate(&claims("{}", &kept)).unwrap_err(), TOO_DEEP);
    // The logout event: members 13 levels deep, not 14.
    assert!(validate(&claims(&format!(r#"{{"a":{}}}"#, nested(13)), "")).is_ok());
    assert_eq!(
        validate(&claims(&format!(r#"{{"a":{}}}"#, nested(14)), "")).unwrap_err(),
        TOO_DEEP
    );
    let replaced = format!(r#"{{"a":{},"a":{{}}}}"#, nested(20));
    let logout = validate(&claims(&replaced, "")).unwrap();
    assert_eq!(*logout.event(), object(json!({"a": {}})));
}

#[test]
fn strings_are_checked_at_any_depth() {
    for extra in [
        r#","s":"\ud800""#,
        r#","s":[[[{"k":"\udc00"}]]]"#,
        r#","s":{"\ud800":1}"#,
        r#","s":1e400"#,
    ] {
        assert_eq!(
            validate(&claims("{}", extra)).unwrap_err(),
            Error::NotJsonObject { part: Part::Claims },
            "{extra}"
        );
    }
    let deep = format!(r#","s":{}"\ud800"{}"#, "[".repeat(20), "]".repeat(20));
    assert_eq!(
        validate(&claims("{}", &deep)).unwrap_err(),
        Error::NotJsonObject { part: Part::Claims }
    );
    assert_eq!(
        validate(&claims(r#"{"a":["\ud800"]}"#, "")).unwrap_err(),
        Error::NotJsonObject { part: Part::Claims }
    );
}

/// serde_json's `Value` (with its `raw_value` feature) reads an object whose
/// first member is `$serde_json::private::RawValue` as the JSON text of its
/// string: the checks and the maps follow it.
#[test]
fn the_raw_value_marker_is_read_as_serde_json_reads_it() {
    let marker = |text: &str| {
        format!(
            r#"{{"$serde_json::private::RawValue":{}}}"#,
            serde_json::to_string(text).unwrap()
        )
    };
    let logout = validate(&claims(
        &marker(r#"{"a":[1]}"#),
        &format!(",\"r\":{}", marker("[1,[2]]")),
    ))
    .unwrap();
    assert_eq!(*logout.other_claims(), object(json!({"r": [1, [2]]})));
    assert_eq!(*logout.event(), object(json!({"a": [1]})));
    assert_eq!(
        validate(&claims(&marker("[1]"), "")).unwrap_err(),
        Error::InvalidLogoutEvent
    );
    for extra in [
        format!(",\"r\":{}", marker("[1,")),
        r#","r":{"$serde_json::private::RawValue":"1","b":2}"#.to_owned(),
        r#","r":{"$serde_json::private::RawValue":1}"#.to_owned(),
    ] {
        assert_eq!(
            validate(&claims("{}", &extra)).unwrap_err(),
            Error::NotJsonObject { part: Part::Claims },
            "{extra}"
        );
    }
    assert_eq!(
        validate(&claims("{}", &format!(",\"r\":{}", marker(&nested(16))))).unwrap_err(),
        TOO_DEEP
    );
    // Not the first member: an ordinary name.
    let logout = validate(&claims(
        "{}",
        r#","r":{"b":1,"$serde_json::private::RawValue":"1"}"#,
    ))
    .unwrap();
    assert_eq!(
        *logout.other_claims(),
        object(json!({"r": {"b": 1, "$serde_json::private::RawValue": "1"}}))
    );
}

#[test]
fn clones_debug_and_equality_do_not_depend_on_first_use() {
    let text = claims(
        r#"{"revoke_offline_access":true}"#,
        r#","typ":"Logout","o":{"a":[1]}"#,
    );
    let unread = validate(&text).unwrap();
    let cloned_before = unread.clone();
    let read = validate(&text).unwrap();
    assert_eq!(read.other_claims().len(), 2);
    let cloned_after = read.clone();
    for t in [&unread, &cloned_before, &read, &cloned_after] {
        assert_eq!(t, &read);
        assert_eq!(&read, t);
    }
    assert_eq!(*cloned_before.event(), *read.event());
    assert_eq!(*cloned_after.other_claims(), *read.other_claims());
    let debug = format!("{read:?}");
    assert_eq!(format!("{:?}", validate(&text).unwrap()), debug);
    assert!(
        debug.contains(r#"event: {"revoke_offline_access": Bool(true)}, other: {"o": Object {"a": Array [Number(1)]}, "typ": String("Logout")}, algorithm: HS256"#),
        "{debug}"
    );
    // A token with other claims differs from one without.
    let plain = validate(&claims(r#"{"revoke_offline_access":true}"#, "")).unwrap();
    assert_ne!(plain, read);
    // Shared across threads, read from several at once.
    let shared = std::sync::Arc::new(validate(&text).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let t = std::sync::Arc::clone(&shared);
            std::thread::spawn(move || t.other_claims().len())
        })
        .collect();
    for h in threads {
        assert_eq!(h.join().unwrap(), 2);
    }
}

/// Unregistered claims: names (some escaped, some registered-looking) and
/// values of every kind.
fn extra_member() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("a"),
        Just("b"),
        Just("\\u0061"),
        Just("azp"),
        Just("typ"),
        Just("$serde_json::private::RawValue"),
    ];
    let leaf = prop_oneof![
        Just("1".to_owned()),
        Just("-2.5".to_owned()),
        Just("null".to_owned()),
        Just("false".to_owned()),
        Just("\"client-1\"".to_owned()),
        Just(r#""\u00e9""#.to_owned()),
        Just(r#""\ud800""#.to_owned()),
    ];
    let value = leaf.prop_recursive(20, 64, 3, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((name.clone(), inner.clone()), 0..3).prop_map(|v| {
                let m: Vec<String> = v.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect();
                format!("{{{}}}", m.join(","))
            }),
            inner.prop_map(|v| serde_json::to_string(&v).unwrap_or_default()),
        ]
    });
    let top = prop_oneof![
        Just("x"),
        Just("y"),
        Just("\\u0078"),
        Just("azp"),
        Just("typ")
    ];
    (top, value).prop_map(|(n, v)| format!(",\"{n}\":{v}"))
}

/// What the maps held when they were built during validation: the claims
/// read as a `Value`, less the registered claims but `azp`.
fn reference(text: &str) -> (Map<String, Value>, Map<String, Value>) {
    let mut all = object(serde_json::from_str(text).unwrap());
    let event = all
        .get("events")
        .and_then(|e| e.get(LOGOUT_EVENT))
        .cloned()
        .map(object)
        .unwrap();
    for registered in [
        "iss", "aud", "iat", "exp", "nbf", "jti", "sub", "sid", "events", "nonce",
    ] {
        all.remove(registered);
    }
    (event, all)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn maps_are_what_building_them_gave(
        event in prop::collection::vec(extra_member(), 0..3),
        extra in prop::collection::vec(extra_member(), 0..4),
    ) {
        let event = format!("{{{}}}", event.concat().trim_start_matches(','));
        let text = claims(&event, &extra.concat());
        if let Ok(logout) = validate(&text) {
            let (event, other) = reference(&text);
            prop_assert_eq!(logout.event(), &event);
            prop_assert_eq!(logout.other_claims(), &other);
        }
    }
}

/// The token's strings are spans of the kept claims text, or copies when
/// escapes made them differ from it: both read the same.
#[test]
fn strings_read_the_same_escaped_or_not() {
    let plain = format!(
        r#"{{"iss":"{ISS}","aud":"{CLIENT}","iat":{IAT},"exp":{},"jti":"j-1","sub":"u-1","sid":"s-1","events":{{"{LOGOUT_EVENT}":{{}}}}}}"#,
        IAT + 120
    );
    let escaped = format!(
        r#"{{"iss":"https:\/\/op.example.com","aud":"client\u002d1","iat":{IAT},"exp":{},"jti":"j\u002d1","sub":"u\u002d1","sid":"s\u002d1","events":{{"{LOGOUT_EVENT}":{{}}}}}}"#,
        IAT + 120
    );
    let (plain, escaped) = (validate(&plain).unwrap(), validate(&escaped).unwrap());
    for t in [&plain, &escaped] {
        assert_eq!(t.issuer(), ISS);
        assert_eq!(t.audiences(), [CLIENT]);
        assert_eq!(t.jti(), "j-1");
        assert_eq!(t.subject(), Some("u-1"));
        assert_eq!(t.session_id(), Some("s-1"));
        assert_eq!(
            t.scope(),
            backchannel_logout::LogoutScope::Session {
                sid: "s-1",
                sub: Some("u-1")
            }
        );
    }
    assert_eq!(plain, escaped);
    assert_eq!(format!("{plain:?}"), format!("{escaped:?}"));
    let cloned = escaped.clone();
    drop(escaped);
    assert_eq!(cloned.jti(), "j-1");
    // One escaped, the others not; a subject without a session.
    let mixed = format!(
        r#"{{"iss":"{ISS}","aud":"{CLIENT}","iat":{IAT},"exp":{},"jti":"\u00e9t\u00e9","sub":"u-\ud83d\ude00","events":{{"{LOGOUT_EVENT}":{{}}}},"x":"y"}}"#,
        IAT + 120
    );
    let mixed = validate(&mixed).unwrap();
    assert_eq!(mixed.jti(), "été");
    assert_eq!(mixed.subject(), Some("u-😀"));
    assert_eq!(mixed.session_id(), None);
    assert_eq!(
        mixed.scope(),
        backchannel_logout::LogoutScope::Subject { sub: "u-😀" }
    );
    assert_eq!(*mixed.other_claims(), object(json!({"x": "y"})));
}
