//! The logout token's claims (Back-Channel Logout 1.0 §2.4).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::error::{Error, Expected, Part};
use crate::json::{Checked, DepthSkip, MAX_DEPTH, Members, Name, Shape, skip};
use crate::time::UnixTime;

/// The member of `events` that makes a JWT a back-channel logout token.
pub const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// What a validated logout token ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutScope<'a> {
    /// One session: the token has a `sid` (and maybe a `sub`).
    Session {
        /// The session id.
        sid: &'a str,
        /// The subject, if the token names one.
        sub: Option<&'a str>,
    },
    /// Every session of a subject at this issuer that was authenticated
    /// before the token's `iat`: the token has a `sub` and no `sid`.
    Subject {
        /// The subject.
        sub: &'a str,
    },
}

/// A logout token whose signature and claims passed every check.
///
/// Produced only by [`crate::Validator::validate`]; every accessor returns
/// verified data.
#[derive(Clone)]
pub struct LogoutToken {
    /// The claims' JSON text: the strings below and the maps of
    /// [`Extras`] are read from it.
    pub(crate) claims: String,
    pub(crate) issuer: Text,
    pub(crate) audiences: Vec<String>,
    pub(crate) subject: Option<Text>,
    pub(crate) session_id: Option<Text>,
    pub(crate) issued_at: UnixTime,
    pub(crate) expires_at: Option<UnixTime>,
    pub(crate) jti: Text,
    pub(crate) extras: Extras,
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) remember_until: UnixTime,
}

impl fmt::Debug for LogoutToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutToken")
            .field("issuer", &self.issuer())
            .field("audiences", &self.audiences)
            .field("subject", &self.subject())
            .field("session_id", &self.session_id())
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("jti", &self.jti())
            .field("event", self.event())
            .field("other", self.other_claims())
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .field("remember_until", &self.remember_until)
            .finish()
    }
}

impl PartialEq for LogoutToken {
    fn eq(&self, other: &Self) -> bool {
        self.issuer() == other.issuer()
            && self.audiences == other.audiences
            && self.subject() == other.subject()
            && self.session_id() == other.session_id()
            && self.issued_at == other.issued_at
            && self.expires_at == other.expires_at
            && self.jti() == other.jti()
            && self.event() == other.event()
            && self.other_claims() == other.other_claims()
            && self.algorithm == other.algorithm
            && self.kid == other.kid
            && self.remember_until == other.remember_until
    }
}

/// A claim's string in the kept claims text: its span there, or its own
/// copy when escapes made it differ from its JSON spelling.
#[derive(Clone)]
pub(crate) enum Text {
    Span(u32, u32),
    Own(Box<str>),
}

impl Text {
    /// `s`, read from `text`: a span of it when `s` is borrowed from it.
    pub(crate) fn new(s: Cow<'_, str>, text: &str) -> Text {
        if let Cow::Borrowed(b) = s {
            let start = (b.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
            let end = start.wrapping_add(b.len());
            if text.get(start..end).is_some_and(|t| std::ptr::eq(t, b))
                && let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end))
            {
                return Text::Span(start, end);
            }
        }
        Text::Own(s.into())
    }

    /// The string, given the text it was read from.
    fn get<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Text::Span(start, end) => text.get(*start as usize..*end as usize).unwrap_or_default(),
            Text::Own(s) => s,
        }
    }
}

/// The logout event's value and the claims kept for the application, built
/// on first use: validation checks them as it would build them (well-formed,
/// nesting bounded, names unique) and keeps only the claims' JSON text.
#[derive(Clone, Default)]
pub(crate) struct Extras {
    /// Whether there is anything to build: otherwise both maps are empty.
    any: bool,
    maps: OnceLock<ExtraMaps>,
}

#[derive(Clone, Default)]
struct ExtraMaps {
    event: Map<String, Value>,
    other: Map<String, Value>,
}

impl Extras {
    /// The maps, built from `text` (the claims object validated by
    /// [`Claims::parse`]) on the first call.
    fn maps(&self, text: &str) -> &ExtraMaps {
        self.maps.get_or_init(|| {
            if self.any {
                ExtraMaps::build(text)
            } else {
                ExtraMaps::default()
            }
        })
    }
}

impl ExtraMaps {
    /// Reads the logout event's value and the unregistered claims (and
    /// `azp`) of claims that [`Claims::parse`] accepted. That parse checked
    /// everything that could fail here, so this does not fail; if it did,
    /// the maps would be empty rather than a panic.
    fn build(text: &str) -> Self {
        let Ok(claims) = crate::json::parse_object(text.as_bytes(), Part::Claims) else {
            return ExtraMaps::default();
        };
        let mut maps = ExtraMaps::default();
        for (name, value) in claims {
            match registered_index(&name) {
                None | Some(AZP) => {
                    maps.other.insert(name, value);
                }
                Some(EVENTS) => {
                    if let Value::Object(mut events) = value
                        && let Some(Value::Object(event)) = events.remove(LOGOUT_EVENT)
                    {
                        maps.event = event;
                    }
                }
                Some(_) => {}
            }
        }
        maps
    }
}

impl LogoutToken {
    /// `iss`: the issuer, equal to the validator's.
    #[must_use]
    pub fn issuer(&self) -> &str {
        self.issuer.get(&self.claims)
    }

    /// `aud`: the audiences (one of them is this client).
    #[must_use]
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// `sub`: the subject, if present.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_ref().map(|s| s.get(&self.claims))
    }

    /// `sid`: the session id, if present.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_ref().map(|s| s.get(&self.claims))
    }

    /// `iat`: when the provider issued the token.
    #[must_use]
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// `exp`: when the token expires (absent only under the legacy option).
    #[must_use]
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.expires_at
    }

    /// `jti`: the token's unique identifier, the replay key.
    #[must_use]
    pub fn jti(&self) -> &str {
        self.jti.get(&self.claims)
    }

    /// The value of the back-channel logout event (usually `{}`; Keycloak
    /// may send `{"revoke_offline_access": true}`).
    #[must_use]
    pub fn event(&self) -> &Map<String, Value> {
        &self.extras.maps(&self.claims).event
    }

    /// Every claim not listed above (for instance Keycloak's `typ`, Auth0's
    /// `trace_id`, `azp`), for the application to read.
    #[must_use]
    pub fn other_claims(&self) -> &Map<String, Value> {
        &self.extras.maps(&self.claims).other
    }

    /// The algorithm that signed the token.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The `kid` of the key that verified the token, if the header named one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// What the token ends: one session (it has a `sid`) or all of a
    /// subject's sessions (only a `sub`).
    #[must_use]
    pub fn scope(&self) -> LogoutScope<'_> {
        match (self.session_id(), self.subject()) {
            (Some(sid), sub) => LogoutScope::Session { sid, sub },
            (None, Some(sub)) => LogoutScope::Subject { sub },
            // The validator refuses tokens with neither.
            (None, None) => LogoutScope::Session { sid: "", sub: None },
        }
    }

    /// Whether the token ends a single session (it carries a `sid`).
    #[must_use]
    pub fn ends_one_session(&self) -> bool {
        self.session_id.is_some()
    }

    /// Until when the `jti` must be remembered to refuse a replay: past
    /// this time the validator refuses the token anyway, as expired or too
    /// old. It is `min(exp, iat + max age) + leeway`.
    #[must_use]
    pub fn remember_jti_until(&self) -> UnixTime {
        self.remember_until
    }
}

/// The registered claims, type-checked, before the policy checks; the
/// strings are borrowed from the claims text unless they had escapes.
pub(crate) struct Claims<'de> {
    pub(crate) iss: Cow<'de, str>,
    pub(crate) aud: Vec<String>,
    pub(crate) azp: Option<Cow<'de, str>>,
    pub(crate) iat: UnixTime,
    pub(crate) exp: Option<UnixTime>,
    pub(crate) nbf: Option<UnixTime>,
    pub(crate) jti: Cow<'de, str>,
    pub(crate) sub: Option<Cow<'de, str>>,
    pub(crate) sid: Option<Cow<'de, str>>,
    pub(crate) nonce: bool,
    pub(crate) extras: Extras,
}

impl<'de> Claims<'de> {
    /// Parses the decoded claims segment, checking each registered claim's
    /// JSON type as it streams past. Wrong types are errors, never silently
    /// ignored; duplicate names are refused; unregistered claims are
    /// checked, and kept as text for [`LogoutToken::other_claims`].
    pub(crate) fn parse(text: &'de str) -> Result<Self, Error> {
        let mut m = ClaimMembers::default();
        crate::json::parse_members_str(text, Part::Claims, &mut m)?;
        let extras = Extras {
            any: m.keep_text || m.azp.is_some(),
            maps: OnceLock::new(),
        };
        Ok(Claims {
            iss: required(m.iss, "iss")?,
            aud: required(m.aud, "aud")?,
            azp: m.azp,
            iat: required(m.iat, "iat")?,
            exp: m.exp,
            nbf: m.nbf,
            jti: required(m.jti, "jti")?,
            sub: m.sub,
            sid: m.sid,
            nonce: m.nonce,
            extras: required(m.event.then_some(()), "events").map(|()| extras)?,
        })
    }
}

/// Registered claims seen so far, one bit each, to refuse duplicates.
const REGISTERED: [&str; 11] = [
    "iss", "aud", "azp", "iat", "exp", "nbf", "jti", "sub", "sid", "events", "nonce",
];

/// The index of `aud` in [`REGISTERED`].
const AUD: usize = 1;
/// The index of `azp` in [`REGISTERED`].
const AZP: usize = 2;
/// The index of `events` in [`REGISTERED`].
const EVENTS: usize = 9;
/// The index of `nonce` in [`REGISTERED`].
const NONCE: usize = 10;

/// The index of a registered claim in [`REGISTERED`].
fn registered_index(name: &str) -> Option<usize> {
    // By length first: most names have three letters.
    Some(match *name.as_bytes() {
        [a, b, c] => match [a, b, c] {
            [b'i', b's', b's'] => 0,
            [b'a', b'u', b'd'] => AUD,
            [b'a', b'z', b'p'] => AZP,
            [b'i', b'a', b't'] => 3,
            [b'e', b'x', b'p'] => 4,
            [b'n', b'b', b'f'] => 5,
            [b'j', b't', b'i'] => 6,
            [b's', b'u', b'b'] => 7,
            [b's', b'i', b'd'] => 8,
            _ => return None,
        },
        [b'e', b'v', b'e', b'n', b't', b's'] => EVENTS,
        [b'n', b'o', b'n', b'c', b'e'] => NONCE,
        _ => return None,
    })
}

#[derive(Default)]
struct ClaimMembers<'de> {
    seen: u16,
    iss: Option<Cow<'de, str>>,
    aud: Option<Vec<String>>,
    azp: Option<Cow<'de, str>>,
    iat: Option<UnixTime>,
    exp: Option<UnixTime>,
    nbf: Option<UnixTime>,
    jti: Option<Cow<'de, str>>,
    sub: Option<Cow<'de, str>>,
    sid: Option<Cow<'de, str>>,
    /// A valid logout event was read.
    event: bool,
    nonce: bool,
    /// The names of the unregistered claims, to refuse duplicates.
    other: NameSet<'de>,
    /// Something to keep for [`LogoutToken::other_claims`] or
    /// [`LogoutToken::event`]: an unregistered claim or a non-empty event.
    keep_text: bool,
}

impl<'de> Members<'de> for ClaimMembers<'de> {
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: Name<'de>,
        access: &mut A,
    ) -> Result<Result<(), Error>, A::Error> {
        let Some(index) = registered_index(&name.0) else {
            let value: Checked = access.next_value()?;
            return Ok(self.other_claim(name.0, value));
        };
        let name = match self.mark(index) {
            Ok(name) => name,
            Err(e) => return Ok(Err(e)),
        };
        // Each registered claim is read straight into its type: strings
        // borrowed from the input until kept, nothing built for a value of
        // the wrong type but the error.
        Ok(match index {
            AUD => access
                .next_value::<Shape<'de>>()
                .map(|v| audiences(v).map(|aud| self.aud = Some(aud)))?,
            EVENTS => access.next_value::<Events>().map(|v| {
                logout_event(v).map(|non_empty| {
                    self.event = true;
                    self.keep_text |= non_empty;
                })
            })?,
            NONCE => {
                skip(access)?;
                self.nonce = true;
                Ok(())
            }
            _ => {
                let value = access.next_value::<Shape<'de>>()?;
                self.scalar(index, name, value)
            }
        })
    }
}

impl<'de> ClaimMembers<'de> {
    /// Marks the registered claim `index` as seen, refusing a second one;
    /// returns its name.
    fn mark(&mut self, index: usize) -> Result<&'static str, Error> {
        let name: &'static str = REGISTERED.get(index).copied().unwrap_or_default();
        let bit = 1u16 << index;
        if self.seen & bit != 0 {
            crate::error::refusing();
            return Err(Error::DuplicateMember {
                part: Part::Claims,
                name: name.to_owned(),
            });
        }
        self.seen |= bit;
        Ok(name)
    }

    /// An unregistered claim, checked as when it was built into the map:
    /// nesting first, then the name.
    fn other_claim(&mut self, name: Cow<'de, str>, value: Checked) -> Result<(), Error> {
        if value.depth >= MAX_DEPTH {
            crate::error::refusing();
            return Err(Error::JsonTooDeep {
                part: Part::Claims,
                max: MAX_DEPTH,
            });
        }
        if let Err(name) = self.other.insert(name) {
            crate::error::refusing();
            return Err(Error::DuplicateMember {
                part: Part::Claims,
                name: crate::error::truncated(&name),
            });
        }
        self.keep_text = true;
        Ok(())
    }

    /// A registered string or date claim, by its index in [`REGISTERED`].
    fn scalar(&mut self, index: usize, name: &'static str, value: Shape<'de>) -> Result<(), Error> {
        if let Some((slot, must_not_be_empty)) = self.string_slot(index) {
            let v = string(value, name)?;
            *slot = Some(if must_not_be_empty {
                non_empty(v, name)?
            } else {
                v
            });
        } else if let Some(slot) = self.date_slot(index) {
            *slot = Some(numeric_date(&value, name)?);
        }
        Ok(())
    }

    /// The slot of the registered string claim `index` (in [`REGISTERED`]),
    /// and whether it must not be empty; `None` for other claims.
    fn string_slot(&mut self, index: usize) -> Option<(&mut Option<Cow<'de, str>>, bool)> {
        Some(match index {
            0 => (&mut self.iss, false),
            AZP => (&mut self.azp, false),
            6 => (&mut self.jti, true),
            7 => (&mut self.sub, true),
            8 => (&mut self.sid, true),
            _ => return None,
        })
    }

    /// The slot of the registered date claim `index`; `None` for others.
    fn date_slot(&mut self, index: usize) -> Option<&mut Option<UnixTime>> {
        Some(match index {
            3 => &mut self.iat,
            4 => &mut self.exp,
            5 => &mut self.nbf,
            _ => return None,
        })
    }
}

/// Member names seen: the first few in place, the rest in a tree (a
/// hostile token may have thousands).
#[derive(Default)]
struct NameSet<'de> {
    few: [Option<Cow<'de, str>>; NameSet::FEW],
    many: BTreeSet<Cow<'de, str>>,
}

impl<'de> NameSet<'de> {
    const FEW: usize = 8;

    /// Adds `name`, or gives it back if it was already there.
    fn insert(&mut self, name: Cow<'de, str>) -> Result<(), Cow<'de, str>> {
        for slot in &mut self.few {
            match slot {
                Some(seen) if *seen == name => return Err(name),
                Some(_) => {}
                None => {
                    *slot = Some(name);
                    return Ok(());
                }
            }
        }
        if self.many.contains(&name) {
            return Err(name);
        }
        self.many.insert(name);
        Ok(())
    }
}

fn audiences(value: Shape<'_>) -> Result<Vec<String>, Error> {
    match value {
        Shape::Str(s) => Ok(vec![s.into_owned()]),
        Shape::Strings(items) => Ok(items),
        _ => {
            crate::error::refusing();
            Err(Error::InvalidClaimType {
                name: "aud",
                expected: Expected::StringOrArray,
            })
        }
    }
}

/// `events` as read: an object of which only the logout event's value is
/// kept (the other events are skipped unread), or something else.
enum Events {
    Object {
        /// The logout event's value, checked as when it was built.
        logout: Option<Checked>,
        duplicate: bool,
        /// Another event nests deeper than the logout event may.
        too_deep: bool,
    },
    NotObject,
}

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventsVisitor)
    }
}

struct EventsVisitor;

impl<'de> Visitor<'de> for EventsVisitor {
    type Value = Events;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the events object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Events, A::Error> {
        let (mut logout, mut duplicate, mut too_deep) = (None, false, false);
        while let Some(name) = map.next_key::<Name<'de>>()? {
            if name.0 == LOGOUT_EVENT {
                duplicate |= logout.is_some();
                logout = Some(map.next_value::<Checked>()?);
            } else {
                // Skipped unbuilt, within the depth the logout event may have.
                too_deep |= map.next_value_seed(DepthSkip {
                    levels: MAX_DEPTH - 2,
                })?;
            }
        }
        Ok(Events::Object {
            logout,
            duplicate,
            too_deep,
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Events, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Events::NotObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
    fn visit_unit<E>(self) -> Result<Events, E> {
        Ok(Events::NotObject)
    }
}

/// Checks `events`; returns whether the logout event's value (an object)
/// has members.
fn logout_event(events: Events) -> Result<bool, Error> {
    let logout = match events {
        Events::NotObject => {
            crate::error::refusing();
            return Err(Error::InvalidClaimType {
                name: "events",
                expected: Expected::Object,
            });
        }
        // Two logout events in one token: ambiguous, refused.
        Events::Object {
            duplicate: true, ..
        } => {
            crate::error::refusing();
            return Err(Error::DuplicateMember {
                part: Part::Claims,
                name: LOGOUT_EVENT.to_owned(),
            });
        }
        Events::Object { too_deep: true, .. } => {
            crate::error::refusing();
            return Err(Error::JsonTooDeep {
                part: Part::Claims,
                max: MAX_DEPTH,
            });
        }
        Events::Object { logout, .. } => logout,
    };
    match logout {
        None => Err(Error::MissingLogoutEvent),
        Some(event) if event.object => {
            // A member of the event nesting `MAX_DEPTH - 2` levels or more
            // (the claims and `events` are two more): the event, one deeper.
            if event.depth + 1 >= MAX_DEPTH {
                crate::error::refusing();
                return Err(Error::JsonTooDeep {
                    part: Part::Claims,
                    max: MAX_DEPTH,
                });
            }
            Ok(event.non_empty)
        }
        Some(_) => Err(Error::InvalidLogoutEvent),
    }
}

fn required<T>(v: Option<T>, name: &'static str) -> Result<T, Error> {
    // Matched rather than `ok_or`: an error built eagerly is dropped on
    // the way out of every valid token.
    match v {
        Some(v) => Ok(v),
        None => {
            crate::error::refusing();
            Err(Error::MissingClaim { name })
        }
    }
}

fn non_empty<'de>(s: Cow<'de, str>, name: &'static str) -> Result<Cow<'de, str>, Error> {
    if s.is_empty() {
        crate::error::refusing();
        Err(Error::EmptyClaim { name })
    } else {
        Ok(s)
    }
}

fn string<'de>(value: Shape<'de>, name: &'static str) -> Result<Cow<'de, str>, Error> {
    match value {
        Shape::Str(s) => Ok(s),
        _ => {
            crate::error::refusing();
            Err(Error::InvalidClaimType {
                name,
                expected: Expected::String,
            })
        }
    }
}

fn numeric_date(value: &Shape<'_>, name: &'static str) -> Result<UnixTime, Error> {
    match value {
        Shape::Number(n) => match UnixTime::from_numeric_date(*n) {
            Some(t) => Ok(t),
            None => {
                crate::error::refusing();
                Err(Error::InvalidNumericDate { name })
            }
        },
        _ => {
            crate::error::refusing();
            Err(Error::InvalidClaimType {
                name,
                expected: Expected::Number,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_index_matches_the_table() {
        for (i, name) in REGISTERED.iter().enumerate() {
            assert_eq!(registered_index(name), Some(i), "{name}");
        }
        assert_eq!(registered_index("typ"), None);
        assert_eq!(registered_index("ISS"), None);
    }

    #[test]
    fn texts_are_spans_only_of_their_own_text() {
        let text = r#"{"a":"bcd"}"#;
        let inner = text.get(6..9).unwrap();
        assert!(matches!(
            Text::new(Cow::Borrowed(inner), text),
            Text::Span(6, 9)
        ));
        assert_eq!(Text::new(Cow::Borrowed(inner), text).get(text), "bcd");
        // The same bytes elsewhere, or a copy: kept as a copy.
        let elsewhere = String::from(text);
        let t = Text::new(Cow::Borrowed(inner), &elsewhere);
        assert!(matches!(t, Text::Own(_)));
        assert_eq!(t.get(&elsewhere), "bcd");
        let t = Text::new(Cow::Owned("bcd".to_owned()), text);
        assert!(matches!(t, Text::Own(_)));
        assert_eq!(t.get(text), "bcd");
    }

    const EVENT: &str = r#""events":{"http://schemas.openid.net/event/backchannel-logout":{}}"#;

    /// Claims with `members` added to a valid set (`iss`, `aud`, `iat`,
    /// `jti`, `events`, `sub`).
    fn parse_with(members: &str) -> Result<String, Error> {
        let text = format!(r#"{{"iss":"i","aud":"a","iat":1,"jti":"j",{EVENT},{members}}}"#);
        Claims::parse(&text).map(|c| {
            format!(
                "iss {} sub {:?} sid {:?} iat {}",
                c.iss,
                c.sub,
                c.sid,
                c.iat.as_secs()
            )
        })
    }

    /// A name spelled with escapes is the same name: a second `sid`, `sub`
    /// or unregistered claim under any spelling is a duplicate.
    #[test]
    fn duplicates_are_refused_under_any_spelling() {
        let duplicate = |name: &str| Error::DuplicateMember {
            part: Part::Claims,
            name: name.to_owned(),
        };
        for (members, name) in [
            (r#""sid":"a","\u0073id":"b""#, "sid"),
            (r#""\u0073\u0069\u0064":"a","sid":"b""#, "sid"),
            (r#""sub":"a","s\u0075b":"b""#, "sub"),
            (r#""x":1,"\u0078":2"#, "x"),
            (r#""\ud83d\ude00":1,"😀":2"#, "😀"),
        ] {
            assert_eq!(parse_with(members), Err(duplicate(name)), "{members}");
        }
        // An escaped registered name is read as that claim.
        assert_eq!(
            parse_with(r#""s\u0069d":"s\u0031""#).unwrap(),
            r#"iss i sub None sid Some("s1") iat 1"#
        );
        // Two logout events, one spelled with an escape.
        let text = r#"{"iss":"i","aud":"a","iat":1,"jti":"j","sub":"s","events":{"http://schemas.openid.net/event/backchannel-logout":{},"http://schemas.openid.net/event/backchannel-logou\u0074":{}}}"#;
        assert_eq!(Claims::parse(text).err(), Some(duplicate(LOGOUT_EVENT)));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_without_bound() {
        let too_deep = Err(Error::JsonTooDeep {
            part: Part::Claims,
            max: MAX_DEPTH,
        });
        let nested = |n: usize| format!(r#""x":{}1{}"#, "[".repeat(n), "]".repeat(n));
        assert!(parse_with(&nested(MAX_DEPTH - 1)).is_ok());
        assert_eq!(parse_with(&nested(MAX_DEPTH)), too_deep);
        // Past serde_json's recursion limit: refused as not JSON, never a
        // stack overflow.
        assert_eq!(
            parse_with(&nested(100_000)),
            Err(Error::NotJsonObject { part: Part::Claims })
        );
        // Brackets inside strings are not nesting.
        assert!(parse_with(&format!(r#""x":"{}""#, "[{".repeat(100))).is_ok());
    }

    #[test]
    fn huge_and_odd_numbers_are_read_as_serde_json_reads_them() {
        let invalid_date = Err(Error::InvalidNumericDate { name: "exp" });
        // Beyond u64: a float, too large for a date.
        assert_eq!(parse_with(r#""exp":18446744073709551616"#), invalid_date);
        assert_eq!(parse_with(r#""exp":1e300"#), invalid_date);
        // Beyond f64: serde_json refuses the text.
        assert_eq!(
            parse_with(r#""exp":1e400"#),
            Err(Error::NotJsonObject { part: Part::Claims })
        );
        // Not JSON numbers at all.
        for bad in [r#""exp":01"#, r#""exp":+1"#, r#""exp":.5"#, r#""exp":NaN"#] {
            assert_eq!(
                parse_with(bad),
                Err(Error::NotJsonObject { part: Part::Claims }),
                "{bad}"
            );
        }
        // In an unregistered claim, a huge number is checked as serde_json
        // reads any number: up to what an f64 holds.
        assert!(parse_with(&format!(r#""x":{}"#, "9".repeat(300))).is_ok());
        assert_eq!(
            parse_with(&format!(r#""x":{}"#, "9".repeat(400))),
            Err(Error::NotJsonObject { part: Part::Claims })
        );
    }

    #[test]
    fn lone_surrogates_are_refused() {
        for bad in [
            r#""sub2":"\ud800""#,
            r#""x":"\udc00x""#,
            r#""\ud800":1"#,
            r#""x":[[["\ud83d"]]]"#,
        ] {
            assert_eq!(
                parse_with(bad),
                Err(Error::NotJsonObject { part: Part::Claims }),
                "{bad}"
            );
        }
        // A pair is one character.
        assert!(parse_with(r#""x":"\ud83d\ude00""#).is_ok());
    }
}
