//! The provider's discovery document (OpenID Connect Discovery 1.0 §3, §4):
//! the members this crate reads, checked.

use std::fmt;

use backchannel_logout::{Algorithm, AlgorithmSet, Issuer};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::error::Error;
use crate::fetch::url_allowed;

/// Something in the provider's discovery document that does not prevent
/// fetching its keys but deserves a look: logged as a warning when the
/// document is first read, and kept in
/// [`IssuerStatus::warnings`](crate::IssuerStatus::warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryWarning {
    /// An algorithm the application allows is not in
    /// `id_token_signing_alg_values_supported`. The allowed algorithms are
    /// never widened from the document; this only hints at a
    /// misconfiguration.
    AlgorithmNotAdvertised {
        /// The allowed algorithm.
        alg: Algorithm,
    },
    /// `id_token_signing_alg_values_supported` is absent or not an array of
    /// strings (it is required by Discovery §3).
    AlgorithmsNotAdvertised,
    /// `backchannel_logout_supported` is `false`: the provider says it will
    /// send no logout tokens.
    BackchannelLogoutNotSupported,
    /// `backchannel_logout_supported` is absent (which means `false`,
    /// Back-Channel Logout §2.1), though some providers that do send logout
    /// tokens omit it.
    BackchannelLogoutSupportAbsent,
}

impl fmt::Display for DiscoveryWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryWarning::AlgorithmNotAdvertised { alg } => write!(
                f,
                "allowed algorithm {alg} is not in the provider's id_token_signing_alg_values_supported"
            ),
            DiscoveryWarning::AlgorithmsNotAdvertised => f.write_str(
                "the provider's discovery document has no id_token_signing_alg_values_supported",
            ),
            DiscoveryWarning::BackchannelLogoutNotSupported => {
                f.write_str("the provider declares backchannel_logout_supported: false")
            }
            DiscoveryWarning::BackchannelLogoutSupportAbsent => f.write_str(
                "the provider's discovery document does not declare backchannel_logout_supported",
            ),
        }
    }
}

/// What this crate takes from a discovery document.
#[derive(Debug)]
pub(crate) struct Discovered {
    pub(crate) jwks_uri: Url,
    pub(crate) warnings: Vec<DiscoveryWarning>,
}

#[derive(Deserialize)]
struct Doc {
    issuer: Option<Value>,
    jwks_uri: Option<Value>,
    id_token_signing_alg_values_supported: Option<Value>,
    backchannel_logout_supported: Option<Value>,
}

/// Reads a discovery document fetched from `url` for `issuer`; `allowed`
/// are the application's algorithms, if it told them, for the warnings.
pub(crate) fn parse(
    body: &[u8],
    url: &Url,
    issuer: &Issuer,
    allowed: Option<AlgorithmSet>,
) -> Result<Discovered, Error> {
    let invalid = |detail: String| Error::InvalidDiscovery {
        url: url.to_string(),
        detail,
    };
    let doc: Doc =
        serde_json::from_slice(body).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
    let found = match &doc.issuer {
        Some(Value::String(s)) => s,
        Some(_) => return Err(invalid("issuer is not a string".to_owned())),
        None => return Err(invalid("issuer is missing".to_owned())),
    };
    if found != issuer.as_str() {
        return Err(Error::IssuerMismatch {
            url: url.to_string(),
            expected: issuer.as_str().to_owned(),
            found: found.clone(),
        });
    }
    let jwks_uri = match &doc.jwks_uri {
        Some(Value::String(s)) => {
            Url::parse(s).map_err(|e| invalid(format!("jwks_uri {s:?} is not a URL: {e}")))?
        }
        Some(_) => return Err(invalid("jwks_uri is not a string".to_owned())),
        None => return Err(invalid("jwks_uri is missing".to_owned())),
    };
    if !url_allowed(&jwks_uri) {
        return Err(Error::InsecureUrl {
            url: jwks_uri.to_string(),
        });
    }

    let mut warnings = Vec::new();
    match advertised(doc.id_token_signing_alg_values_supported.as_ref()) {
        Some(names) => {
            for alg in allowed.into_iter().flat_map(AlgorithmSet::iter) {
                if !names.contains(&alg.name()) {
                    warnings.push(DiscoveryWarning::AlgorithmNotAdvertised { alg });
                }
            }
        }
        None => warnings.push(DiscoveryWarning::AlgorithmsNotAdvertised),
    }
    match doc.backchannel_logout_supported {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => warnings.push(DiscoveryWarning::BackchannelLogoutNotSupported),
        _ => warnings.push(DiscoveryWarning::BackchannelLogoutSupportAbsent),
    }
    Ok(Discovered { jwks_uri, warnings })
}

fn advertised(value: Option<&Value>) -> Option<Vec<&str>> {
    value?.as_array()?.iter().map(Value::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "https://op.example.com";

    fn parse_doc(doc: &Value, allowed: Option<AlgorithmSet>) -> Result<Discovered, Error> {
        let url = Url::parse("https://op.example.com/.well-known/openid-configuration").unwrap();
        parse(
            doc.to_string().as_bytes(),
            &url,
            &Issuer::new(ISSUER),
            allowed,
        )
    }

    #[test]
    fn reads_jwks_uri_of_a_complete_document() {
        let d = parse_doc(
            &json!({"issuer": ISSUER, "jwks_uri": "https://op.example.com/jwks",
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "backchannel_logout_supported": true}),
            Some(AlgorithmSet::default()),
        )
        .unwrap();
        assert_eq!(d.jwks_uri.as_str(), "https://op.example.com/jwks");
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn refuses_issuer_differing_by_a_trailing_slash() {
        let err = parse_doc(
            &json!({"issuer": "https://op.example.com/", "jwks_uri": "https://op.example.com/jwks"}),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
    }

    #[test]
    fn refuses_missing_or_insecure_jwks_uri() {
        let missing = parse_doc(&json!({"issuer": ISSUER}), None).unwrap_err();
        assert!(matches!(missing, Error::InvalidDiscovery { .. }));
        let insecure = parse_doc(
            &json!({"issuer": ISSUER, "jwks_uri": "http://op.example.com/jwks"}),
            None,
        )
        .unwrap_err();
        assert!(matches!(insecure, Error::InsecureUrl { .. }));
    }

    #[test]
    fn refuses_a_document_that_is_not_an_object() {
        let err = parse_doc(&json!(["issuer"]), None).unwrap_err();
        assert!(matches!(err, Error::InvalidDiscovery { .. }));
    }

    #[test]
    fn warns_about_unadvertised_algorithm_without_widening() {
        let allowed: AlgorithmSet = [Algorithm::RS256, Algorithm::ES256].into_iter().collect();
        let d = parse_doc(
            &json!({"issuer": ISSUER, "jwks_uri": "https://op.example.com/jwks",
                "id_token_signing_alg_values_supported": ["RS256", "PS256"],
                "backchannel_logout_supported": true}),
            Some(allowed),
        )
        .unwrap();
        assert_eq!(
            d.warnings,
            vec![DiscoveryWarning::AlgorithmNotAdvertised {
                alg: Algorithm::ES256
            }]
        );
    }

    #[test]
    fn warns_when_backchannel_logout_is_not_supported() {
        let doc = |v: Value| {
            let mut d = json!({"issuer": ISSUER, "jwks_uri": "https://op.example.com/jwks",
                "id_token_signing_alg_values_supported": ["RS256"]});
            if !v.is_null() {
                d["backchannel_logout_supported"] = v;
            }
            parse_doc(&d, None).unwrap().warnings
        };
        assert_eq!(
            doc(json!(false)),
            vec![DiscoveryWarning::BackchannelLogoutNotSupported]
        );
        assert_eq!(
            doc(Value::Null),
            vec![DiscoveryWarning::BackchannelLogoutSupportAbsent]
        );
    }

    #[test]
    fn warns_when_algorithms_are_not_advertised() {
        let d = parse_doc(
            &json!({"issuer": ISSUER, "jwks_uri": "https://op.example.com/jwks",
                "id_token_signing_alg_values_supported": "RS256",
                "backchannel_logout_supported": true}),
            None,
        )
        .unwrap();
        assert_eq!(d.warnings, vec![DiscoveryWarning::AlgorithmsNotAdvertised]);
    }
}
