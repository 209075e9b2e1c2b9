//! Strict JSON object parsing: bounded depth, duplicate member names refused.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Part};

/// Maximum nesting of arrays and objects in a header or claims set.
pub(crate) const MAX_DEPTH: usize = 16;

/// Parses `bytes` as one JSON object, refusing duplicate member names at the
/// top level and nesting deeper than [`MAX_DEPTH`].
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, Error> {
    check_depth(bytes, part)?;
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = UniqueObject {
        duplicate: &mut duplicate,
    }
    .deserialize(&mut de)
    .and_then(|map| de.end().map(|()| map));
    match parsed {
        Ok(map) => Ok(map),
        Err(_) => match duplicate {
            Some(name) => Err(Error::DuplicateMember {
                part,
                name: crate::error::truncated(&name),
            }),
            None => Err(Error::NotJsonObject { part }),
        },
    }
}

/// Rejects input whose arrays and objects nest deeper than [`MAX_DEPTH`],
/// before serde_json recurses into it. Brackets inside strings do not count.
fn check_depth(bytes: &[u8], part: Part) -> Result<(), Error> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::JsonTooDeep {
                        part,
                        max: MAX_DEPTH,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct UniqueObject<'s> {
    duplicate: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for UniqueObject<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for UniqueObject<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if map.contains_key(&key) {
                *self.duplicate = Some(key);
                return Err(serde::de::Error::custom("duplicate member"));
            }
            map.insert(key, value);
        }
        Ok(map)
    }
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
        let brackets = format!("{{\"a\":\"{}\"}}", "[{".repeat(40));
        assert!(parse_object(brackets.as_bytes(), Part::Claims).is_ok());
    }
}
