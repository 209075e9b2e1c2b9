//! What the adapters log, decided once: one event per logout request, one
//! per ended session, each with the same fields whatever the framework.
//!
//! The events need the `tracing` feature (on by default in the adapter
//! crates); [`unverified`], the rule for printing a value nobody has
//! verified, is always available to crates that log one (the JWKS crate
//! logs the `kid` that made it refetch).
//!
//! A logout request is logged in a `backchannel_logout` span with the
//! fields `issuer` and `kid` (what the token claimed, cut and escaped by
//! [`unverified`]), `outcome` (`logged_out` or `rejected`) and `check` (the
//! failed check's stable code); the event names the `sid` or the `sub`
//! logged out, or the error: a backend's cause (key source, replay store,
//! sink) at error level, a refused token or request at warn. Never the
//! token.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The longest unverified value logged, in characters.
pub const MAX_UNVERIFIED_CHARS: usize = 64;

/// A value taken from a token nobody has verified yet (the claimed issuer,
/// the header's `kid`), made safe to log: cut to
/// [`MAX_UNVERIFIED_CHARS`] characters (a `…` marks the cut) and control
/// characters escaped, so a hostile token can neither flood the logs nor
/// forge a log line.
///
/// ```
/// use backchannel_logout::log::unverified;
///
/// assert_eq!(unverified("k1"), "k1");
/// assert_eq!(unverified("a\nforged line"), "a\\nforged line");
/// assert_eq!(unverified(&"x".repeat(1000)).chars().count(), 65);
/// ```
#[must_use]
pub fn unverified(value: &str) -> Cow<'_, str> {
    let long = value.chars().nth(MAX_UNVERIFIED_CHARS).is_some();
    if !long && !value.chars().any(char::is_control) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(MAX_UNVERIFIED_CHARS + 8);
    for c in value.chars().take(MAX_UNVERIFIED_CHARS) {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    if long {
        out.push('…');
    }
    Cow::Owned(out)
}

#[cfg(feature = "tracing")]
pub(crate) use events::*;

#[cfg(feature = "tracing")]
mod events {
    use std::fmt;

    use tracing::{Span, field};

    use super::unverified;
    use crate::claims::LogoutScope;
    use crate::receive::{Outcome, Rejection};
    use crate::session::SessionDecision;

    /// The span one logout request runs in (key fetches included).
    pub(crate) fn request_span() -> Span {
        tracing::info_span!(
            "backchannel_logout",
            issuer = field::Empty,
            kid = field::Empty,
            outcome = field::Empty,
            check = field::Empty,
        )
    }

    /// The one event of a logout request, in `span`.
    pub(crate) fn outcome(span: &Span, outcome: &Outcome) {
        let _entered = span.enter();
        if let Some(issuer) = &outcome.issuer {
            span.record("issuer", &*unverified(issuer));
        }
        if let Some(kid) = &outcome.kid {
            span.record("kid", &*unverified(kid));
        }
        match &outcome.result {
            Ok(logout) => {
                span.record("outcome", "logged_out");
                match logout.scope() {
                    LogoutScope::Session { sid, .. } => {
                        tracing::info!(sid = &*unverified(sid), "back-channel logout");
                    }
                    LogoutScope::Subject { sub } => {
                        tracing::info!(sub = &*unverified(sub), "back-channel logout");
                    }
                }
            }
            Err(rejection) => {
                span.record("outcome", "rejected");
                span.record("check", rejection.code());
                match rejection {
                    // The provider only learns the code; the cause is for
                    // the logs.
                    Rejection::KeySource(e) | Rejection::ReplayGuard(e) | Rejection::Sink(e) => {
                        tracing::error!(error = %e, "back-channel logout failed");
                    }
                    _ => tracing::warn!(error = %rejection, "back-channel logout refused"),
                }
            }
        }
    }

    /// An ended session (info) or an unavailable marker store (error).
    pub(crate) fn session_decision(decision: &SessionDecision) {
        match decision {
            SessionDecision::Ended(record, reason) => tracing::info!(
                issuer = &*unverified(record.issuer()),
                sid = record.sid().map(unverified).as_deref(),
                sub = record.sub().map(unverified).as_deref(),
                reason = reason.code(),
                "session ended by a back-channel logout"
            ),
            SessionDecision::Unavailable(error) => {
                tracing::error!(%error, "logged-out marker store failed");
            }
            _ => {}
        }
    }

    /// The framework's session layer failed during the per-request check.
    pub(crate) fn session_layer_failed(error: &dyn fmt::Display) {
        tracing::error!(%error, "session store failed during the logged-out check");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_values_are_cut_on_char_boundaries_and_escaped() {
        let long = "é".repeat(100);
        let cut = unverified(&long);
        assert_eq!(cut.chars().count(), MAX_UNVERIFIED_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(unverified("a\u{1b}[31m"), "a\\u{1b}[31m");
        assert!(matches!(unverified("plain"), Cow::Borrowed("plain")));
        let exactly = "y".repeat(MAX_UNVERIFIED_CHARS);
        assert_eq!(unverified(&exactly), exactly);
    }
}
