//! The logout token's claims (Back-Channel Logout 1.0 §2.4).

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::error::{Error, Expected};
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
#[derive(Debug, Clone, PartialEq)]
pub struct LogoutToken {
    pub(crate) issuer: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) subject: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) issued_at: UnixTime,
    pub(crate) expires_at: Option<UnixTime>,
    pub(crate) jti: String,
    pub(crate) event: Map<String, Value>,
    pub(crate) other: Map<String, Value>,
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) remember_until: UnixTime,
}

impl LogoutToken {
    /// `iss`: the issuer, equal to the validator's.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `aud`: the audiences (one of them is this client).
    #[must_use]
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// `sub`: the subject, if present.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// `sid`: the session id, if present.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
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
        &self.jti
    }

    /// The value of the back-channel logout event (usually `{}`; Keycloak
    /// may send `{"revoke_offline_access": true}`).
    #[must_use]
    pub fn event(&self) -> &Map<String, Value> {
        &self.event
    }

    /// Every claim not listed above (for instance Keycloak's `typ`, Auth0's
    /// `trace_id`, `azp`), for the application to read.
    #[must_use]
    pub fn other_claims(&self) -> &Map<String, Value> {
        &self.other
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
        match (&self.session_id, &self.subject) {
            (Some(sid), sub) => LogoutScope::Session {
                sid,
                sub: sub.as_deref(),
            },
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

/// The registered claims, type-checked, before the policy checks.
pub(crate) struct Claims {
    pub(crate) iss: String,
    pub(crate) aud: Vec<String>,
    pub(crate) azp: Option<String>,
    pub(crate) iat: UnixTime,
    pub(crate) exp: Option<UnixTime>,
    pub(crate) nbf: Option<UnixTime>,
    pub(crate) jti: String,
    pub(crate) sub: Option<String>,
    pub(crate) sid: Option<String>,
    pub(crate) event: Map<String, Value>,
    pub(crate) nonce: bool,
    pub(crate) other: Map<String, Value>,
}

impl Claims {
    /// Takes the registered claims out of the parsed object, checking each
    /// one's JSON type. Wrong types are errors, never silently ignored.
    pub(crate) fn from_map(mut map: Map<String, Value>) -> Result<Self, Error> {
        let iss = required(string(&mut map, "iss")?, "iss")?;
        let aud = match map.remove("aud") {
            None => return Err(Error::MissingClaim { name: "aud" }),
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(Error::InvalidClaimType {
                        name: "aud",
                        expected: Expected::StringOrArray,
                    }),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(Error::InvalidClaimType {
                    name: "aud",
                    expected: Expected::StringOrArray,
                });
            }
        };
        let azp = string(&mut map, "azp")?;
        let iat = required(numeric_date(&mut map, "iat")?, "iat")?;
        let exp = numeric_date(&mut map, "exp")?;
        let nbf = numeric_date(&mut map, "nbf")?;
        let jti = non_empty(required(string(&mut map, "jti")?, "jti")?, "jti")?;
        let sub = string(&mut map, "sub")?
            .map(|s| non_empty(s, "sub"))
            .transpose()?;
        let sid = string(&mut map, "sid")?
            .map(|s| non_empty(s, "sid"))
            .transpose()?;
        let event = match map.remove("events") {
            None => return Err(Error::MissingClaim { name: "events" }),
            Some(Value::Object(mut events)) => match events.remove(LOGOUT_EVENT) {
                None => return Err(Error::MissingLogoutEvent),
                Some(Value::Object(event)) => event,
                Some(_) => return Err(Error::InvalidLogoutEvent),
            },
            Some(_) => {
                return Err(Error::InvalidClaimType {
                    name: "events",
                    expected: Expected::Object,
                });
            }
        };
        let nonce = map.remove("nonce").is_some();
        Ok(Claims {
            iss,
            aud,
            azp,
            iat,
            exp,
            nbf,
            jti,
            sub,
            sid,
            event,
            nonce,
            other: map,
        })
    }
}

fn required<T>(v: Option<T>, name: &'static str) -> Result<T, Error> {
    v.ok_or(Error::MissingClaim { name })
}

fn non_empty(s: String, name: &'static str) -> Result<String, Error> {
    if s.is_empty() {
        Err(Error::EmptyClaim { name })
    } else {
        Ok(s)
    }
}

fn string(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidClaimType {
            name,
            expected: Expected::String,
        }),
    }
}

fn numeric_date(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<UnixTime>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(UnixTime::from_numeric_date)
            .map(Some)
            .ok_or(Error::InvalidNumericDate { name }),
        Some(_) => Err(Error::InvalidClaimType {
            name,
            expected: Expected::Number,
        }),
    }
}
