//! Keys from a file or fetched: one key source type for an application
//! whose configuration chooses.

use std::sync::Arc;

use backchannel_logout::{BackendError, Issuer, KeySet, KeySource, StaticKeys};

use crate::JwksKeySource;

/// The provider's keys as an application configured them: a key set it
/// loaded itself (a JWKS file), or fetched and cached by a
/// [`JwksKeySource`] (a key set URL, or discovery from the issuer).
///
/// ```
/// use backchannel_logout::{Algorithm, Issuer, KeySet};
/// use backchannel_logout_jwks::ProviderKeys;
/// # use backchannel_logout_testkit::SigningKey;
/// # let jwks = SigningKey::jwks(&[SigningKey::shared(Algorithm::RS256)]);
/// let issuer = Issuer::new("https://op.example.com");
/// let keys = ProviderKeys::from_key_set(issuer, KeySet::from_jwks(jwks.as_bytes())?);
/// assert!(matches!(keys, ProviderKeys::Static(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum ProviderKeys {
    /// A fixed key set.
    Static(StaticKeys),
    /// Keys fetched over HTTP, cached and refreshed.
    Fetched(JwksKeySource),
}

impl ProviderKeys {
    /// Serves a fixed key set for `issuer`'s tokens.
    #[must_use]
    pub fn from_key_set(issuer: Issuer, keys: KeySet) -> Self {
        ProviderKeys::Static(StaticKeys::new(issuer, keys))
    }

    /// The fetching key source, if the keys are fetched (for its metrics
    /// and status).
    #[must_use]
    pub fn fetched(&self) -> Option<&JwksKeySource> {
        match self {
            ProviderKeys::Fetched(source) => Some(source),
            ProviderKeys::Static(_) => None,
        }
    }
}

impl From<JwksKeySource> for ProviderKeys {
    fn from(source: JwksKeySource) -> Self {
        ProviderKeys::Fetched(source)
    }
}

impl KeySource for ProviderKeys {
    async fn keys(&self, issuer: &Issuer) -> Result<Arc<KeySet>, BackendError> {
        match self {
            ProviderKeys::Static(keys) => keys.keys(issuer).await,
            ProviderKeys::Fetched(source) => source.keys(issuer).await,
        }
    }

    async fn refresh(
        &self,
        issuer: &Issuer,
        kid: Option<&str>,
    ) -> Result<Arc<KeySet>, BackendError> {
        match self {
            ProviderKeys::Static(keys) => keys.refresh(issuer, kid).await,
            ProviderKeys::Fetched(source) => source.refresh(issuer, kid).await,
        }
    }
}
