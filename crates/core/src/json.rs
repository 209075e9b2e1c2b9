//! Strict JSON object parsing: one object, member names unique, bounded depth.
//!
//! The header and the claims are read by visitors that look at each member
//! once, in place: registered members are type-checked as they stream past
//! (names borrowed from the input, no map built for them); unregistered
//! claims and the logout event's value are checked as building them would
//! check them ([`Checked`]), and built into maps only when the application
//! reads them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Part};

/// Maximum nesting of arrays and objects in the claims.
pub(crate) const MAX_DEPTH: usize = 16;

/// A member name, borrowed from the input when it has no escapes.
pub(crate) struct Name<'de>(pub(crate) Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// What a member visitor does with one member.
pub(crate) trait Members<'de> {
    /// Handles the member `name`, reading its value from `access`. Returns
    /// `Ok(Err(e))` to stop with a specific validation error.
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: Name<'de>,
        access: &mut A,
    ) -> Result<Result<(), Error>, A::Error>;
}

/// Parses `bytes` as exactly one JSON object, feeding each member to
/// `sink`; returns the object's text.
pub(crate) fn parse_members<'de, M: Members<'de>>(
    bytes: &'de [u8],
    part: Part,
    sink: &mut M,
) -> Result<&'de str, Error> {
    // JSON text is UTF-8 (RFC 8259 §8.1): checked once for the whole
    // object, so the parser need not check each string again.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(Error::NotJsonObject { part });
    };
    parse_members_str(text, part, sink)
}

/// [`parse_members`] on text already known to be UTF-8.
pub(crate) fn parse_members_str<'de, M: Members<'de>>(
    text: &'de str,
    part: Part,
    sink: &mut M,
) -> Result<&'de str, Error> {
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = ObjectSeed {
        sink,
        failure: &mut failure,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match (parsed, failure) {
        (Ok(()), _) => Ok(text),
        (Err(_), Some(e)) => Err(e),
        (Err(_), None) => Err(Error::NotJsonObject { part }),
    }
}

struct ObjectSeed<'s, M> {
    sink: &'s mut M,
    failure: &'s mut Option<Error>,
}

impl<'de, M: Members<'de>> DeserializeSeed<'de> for ObjectSeed<'_, M> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Members<'de>> Visitor<'de> for ObjectSeed<'_, M> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        while let Some(name) = access.next_key::<Name<'de>>()? {
            if let Err(e) = self.sink.member(name, &mut access)? {
                *self.failure = Some(e);
                return Err(serde::de::Error::custom("invalid member"));
            }
        }
        Ok(())
    }
}

/// A member's value read for its type only: strings and numbers are kept,
/// an array is kept only if all its items are strings, anything else is
/// skipped (read to its end, never built).
pub(crate) enum Shape<'de> {
    /// A string, borrowed from the input when it has no escapes.
    Str(Cow<'de, str>),
    /// A number, as `serde_json::Number::as_f64` would give it.
    Number(f64),
    /// An array of strings only (possibly empty).
    Strings(Vec<String>),
    /// Anything else: `null`, a boolean, an object, a mixed array.
    Other,
}

impl<'de> serde::Deserialize<'de> for Shape<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Shape::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Shape::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Shape::Str(Cow::Owned(v)))
    }
    #[allow(clippy::cast_precision_loss)] // as serde_json's `as_f64`
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Shape::Number(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Shape::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Shape::Number(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Shape::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut strings = Vec::new();
        let mut only_strings = true;
        while let Some(item) = seq.next_element::<StrItem>()? {
            match item {
                StrItem(Some(s)) if only_strings => strings.push(s),
                _ => only_strings = false,
            }
        }
        Ok(if only_strings {
            Shape::Strings(strings)
        } else {
            Shape::Other
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Shape::Other)
    }
}

/// An array item: a string (owned), or `None` for anything else (skipped).
struct StrItem(Option<String>);

impl<'de> serde::Deserialize<'de> for StrItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(StrItem(match Shape::deserialize(d)? {
            Shape::Str(s) => Some(s.into_owned()),
            _ => None,
        }))
    }
}

/// Skips a value unread, but for its nesting: deserializes to `true` when
/// the value nests more than `levels` arrays or objects (the rest of it is
/// then skipped without counting). Keeps [`MAX_DEPTH`] for values that are
/// skipped rather than returned, without building them.
pub(crate) struct DepthSkip {
    pub(crate) levels: usize,
}

impl<'de> DeserializeSeed<'de> for DepthSkip {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DepthSkip {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let Some(inner) = self.levels.checked_sub(1) else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(true);
        };
        let mut too_deep = false;
        while let Some(deep) = seq.next_element_seed(DepthSkip { levels: inner })? {
            too_deep |= deep;
        }
        Ok(too_deep)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let Some(inner) = self.levels.checked_sub(1) else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(true);
        };
        let mut too_deep = false;
        while map.next_key::<IgnoredAny>()?.is_some() {
            too_deep |= map.next_value_seed(DepthSkip { levels: inner })?;
        }
        Ok(too_deep)
    }
}

/// A value checked as building a [`Value`] from it would check it, without
/// building it: what the value would be is summed up by its nesting depth
/// ([`depth`] of that `Value`), whether it is an object and whether it is
/// empty.
///
/// Every string (member names included) is parsed and its escapes checked,
/// as for a `Value`; duplicate names inside the value are not refused, and
/// as a `Value` keeps the last, only the last counts for the depth. Like the `Value` deserializer of serde_json
/// with its `raw_value` feature (enabled here), an object whose first
/// member is named `$serde_json::private::RawValue` stands for the JSON
/// text of that member's string value, parsed in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The nesting depth of the value.
    pub(crate) depth: usize,
    /// The value is an object (possibly empty).
    pub(crate) object: bool,
    /// The value is an object or an array with at least one item.
    pub(crate) non_empty: bool,
}

impl Checked {
    pub(crate) const SCALAR: Checked = Checked {
        depth: 0,
        object: false,
        non_empty: false,
    };
}

/// The member name serde_json's `Value` reads as "raw JSON text follows".
pub(crate) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'de> serde::Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked::SCALAR)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let (mut inner, mut non_empty) = (0, false);
        while let Some(item) = seq.next_element::<Checked>()? {
            inner = inner.max(item.depth);
            non_empty = true;
        }
        Ok(Checked {
            depth: inner + 1,
            object: false,
            non_empty,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let Some(first) = map.next_key::<Name<'de>>()? else {
            return Ok(Checked {
                depth: 1,
                object: true,
                non_empty: false,
            });
        };
        if first.0 == RAW_VALUE_TOKEN {
            // As `Value` does: the member's string is JSON text, parsed on
            // its own; the object must end after it (serde_json checks).
            let raw = map.next_value::<Name<'de>>()?;
            return serde_json::from_str::<Checked>(&raw.0).map_err(serde::de::Error::custom);
        }
        // A `Value` keeps the last of duplicated members, so the depth is
        // that of the last value of each name. Names of nested values are
        // remembered (a later scalar of the same name replaces them); scalars
        // count for nothing, so plain objects remember nothing.
        let mut nested: BTreeMap<Cow<'de, str>, usize> = BTreeMap::new();
        let mut name = first;
        loop {
            let value = map.next_value::<Checked>()?;
            if value.depth > 0 {
                nested.insert(name.0, value.depth);
            } else if !nested.is_empty() {
                nested.remove(&name.0);
            }
            match map.next_key::<Name<'de>>()? {
                Some(next) => name = next,
                None => break,
            }
        }
        Ok(Checked {
            depth: nested.values().copied().max().unwrap_or(0) + 1,
            object: true,
            non_empty: true,
        })
    }
}

/// Skips a member's value.
pub(crate) fn skip<'de, A: MapAccess<'de>>(access: &mut A) -> Result<(), A::Error> {
    access.next_value::<IgnoredAny>().map(|_| ())
}

/// Nesting depth of a value: 0 for a scalar.
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Parses `bytes` as one JSON object into a map, refusing duplicate member
/// names and nesting deeper than [`MAX_DEPTH`]. For the unverified peek;
/// validation uses the streaming visitors.
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, Error> {
    struct Collect(Map<String, Value>, Part);
    impl<'de> Members<'de> for Collect {
        fn member<A: MapAccess<'de>>(
            &mut self,
            name: Name<'de>,
            access: &mut A,
        ) -> Result<Result<(), Error>, A::Error> {
            let value: Value = access.next_value()?;
            if depth(&value) >= MAX_DEPTH {
                return Ok(Err(Error::JsonTooDeep {
                    part: self.1,
                    max: MAX_DEPTH,
                }));
            }
            let name = name.0.into_owned();
            if self.0.contains_key(&name) {
                return Ok(Err(Error::DuplicateMember {
                    part: self.1,
                    name: crate::error::truncated(&name),
                }));
            }
            self.0.insert(name, value);
            Ok(Ok(()))
        }
    }
    let mut c = Collect(Map::new(), part);
    parse_members(bytes, part, &mut c)?;
    Ok(c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_duplicate_members() {
        let err = parse_object(br#"{"a":1,"b":2,"a":3}"#, Part::Claims).unwrap_err();
        assert_eq!(
            err,
            Error::DuplicateMember {
                part: Part::Claims,
                name: "a".into()
            }
        );
        // An escaped spelling of the same name is the same name.
        let err = parse_object(br#"{"a":1,"\u0061":3}"#, Part::Claims).unwrap_err();
        assert!(matches!(err, Error::DuplicateMember { .. }));
    }

    #[test]
    fn refuses_non_objects_and_trailing_data() {
        for bad in [&b"[1]"[..], b"1", b"\"x\"", b"{} {}", b"{", b"null", b""] {
            assert_eq!(
                parse_object(bad, Part::Header).unwrap_err(),
                Error::NotJsonObject { part: Part::Header },
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_deep_nesting_but_not_brackets_in_strings() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        assert!(matches!(
            parse_object(deep.as_bytes(), Part::Claims),
            Err(Error::JsonTooDeep { .. })
        ));
        // Beyond serde_json's own recursion limit: refused, never a stack overflow.
        let deeper = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_object(deeper.as_bytes(), Part::Claims).is_err());
        let brackets = format!("{{\"a\":\"{}\"}}", "[{".repeat(40));
        assert!(parse_object(brackets.as_bytes(), Part::Claims).is_ok());
    }

    /// What building a `Value` from `text` gives, as a [`Checked`].
    fn as_value(text: &str) -> Option<Checked> {
        let value: Value = serde_json::from_str(text).ok()?;
        Some(Checked {
            depth: depth(&value),
            object: value.is_object(),
            non_empty: match &value {
                Value::Object(o) => !o.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            },
        })
    }

    fn agree(text: &str) {
        let checked = serde_json::from_str::<Checked>(text).ok();
        assert_eq!(checked, as_value(text), "{text}");
    }

    #[test]
    fn checked_values_agree_with_built_ones() {
        let deep =
            |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
        for text in [
            "1",
            "-0",
            "1.5e3",
            "1e400",
            "-1e400",
            "18446744073709551616",
            "null",
            "true",
            "\"x\"",
            "[]",
            "{}",
            "[[]]",
            "[{}]",
            r#"{"a":[]}"#,
            r#"{"a":{"b":{}}}"#,
            r#"{"a":1,"a":[[2]]}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"[1,"a",{"b":[null]}]"#,
            // escapes, valid and not, in names and in values
            r#""\u00e9\ud83d\ude00\n""#,
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\x""#,
            r#"{"\ud800":1}"#,
            r#"{"a":1,"\ud800":1}"#,
            r#"[[[["\ud800"]]]]"#,
            r#"{"a":[[1]],"a":1}"#,
            r#"{"a":1,"a":[[1]]}"#,
            r#"{"a":[[1]],"\u0061":2}"#,
            r#"{"a":[[[1]]],"b":[1],"a":[1]}"#,
            r#"{"a":[[1]],"b":2,"a":{}}"#,
            r#"{"a\"b":1}"#,
            "[1,]",
            r#"{"a":1,}"#,
            "[1 2]",
            "{\"a\"}",
            "[",
            "]",
            "",
            // serde_json's raw-value marker, first member or not, escaped or not
            r#"{"$serde_json::private::RawValue":"[1,[2]]"}"#,
            r#"{"$serde_json::private::RawValue":"{\"a\":{}}"}"#,
            r#"{"$serde_json::private::RawValue":"{}"}"#,
            r#"{"$serde_json::private::RawValue":"[1,"}"#,
            r#"{"$serde_json::private::RawValue":"1 2"}"#,
            r#"{"$serde_json::private::RawValue":1}"#,
            r#"{"$serde_json::private::RawValue":"1","b":2}"#,
            r#"{"\u0024serde_json::private::RawValue":"[[1]]"}"#,
            r#"{"b":2,"$serde_json::private::RawValue":"1"}"#,
            r#"[{"$serde_json::private::RawValue":"\"\\ud800\""}]"#,
            r#"{"$serde_json::private::RawValue":"{\"$serde_json::private::RawValue\":\"[[]]\"}"}"#,
        ] {
            agree(text);
        }
        for n in [1, 15, 16, 17, 126, 127, 128, 129, 300] {
            agree(&deep(n, "[", "]"));
            agree(&deep(n, "{\"a\":", "}"));
            agree(&format!("[{}\"\\ud800\"{}]", "[".repeat(n), "]".repeat(n)));
            let inner = deep(n, "[", "]");
            agree(&format!(
                r#"{{"$serde_json::private::RawValue":"{inner}"}}"#
            ));
        }
    }

    fn json_ish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("1".to_owned()),
            Just("-2.5e3".to_owned()),
            Just("1e999".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("\"s\"".to_owned()),
            Just(r#""\ud800""#.to_owned()),
            Just(r#""\u00e9""#.to_owned()),
            Just("\"\\\"\"".to_owned()),
            "[ -~]{0,3}",
        ];
        let name = prop_oneof![
            Just("a"),
            Just("\\u0061"),
            Just("$serde_json::private::RawValue"),
            Just("\\ud800"),
        ];
        leaf.prop_recursive(24, 96, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((name.clone(), inner.clone()), 0..4).prop_map(|v| {
                    let members: Vec<String> =
                        v.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
                // JSON text inside a string, for the raw-value marker.
                inner.prop_map(|v| serde_json::to_string(&v).unwrap_or_default()),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn checked_agrees_with_value_on_json_ish_text(text in json_ish()) {
            agree(&text);
        }
    }
}
