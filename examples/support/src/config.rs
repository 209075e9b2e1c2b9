//! The configuration, from the environment (the shared examples contract).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use backchannel_logout::{Algorithm, ClientId, Issuer, KeyKind, KeySet};
use backchannel_logout_jwks::Url;
use backchannel_logout_redis::RedisConfig;

/// Where the example listens unless `BCL_LISTEN` says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// The example's configuration.
#[derive(Debug)]
pub struct Config {
    /// `BCL_LISTEN`.
    pub listen: SocketAddr,
    /// `BCL_ALGS`: the allowed signature algorithms (demo mode signs with
    /// the first).
    pub algorithms: Vec<Algorithm>,
    /// A real provider, or demo mode.
    pub mode: Mode,
    /// `BCL_REDIS_URL`: the replay guard and the logged-out markers on
    /// this Redis, shared by every instance; without it, in memory.
    pub redis: Option<RedisConfig>,
}

/// Demo mode, or a configured provider.
#[derive(Debug)]
pub enum Mode {
    /// No `BCL_ISSUER`: the example is its own provider.
    Demo,
    /// A configured provider.
    Provider(Provider),
}

/// The provider this relying party trusts.
#[derive(Debug)]
pub struct Provider {
    /// `BCL_ISSUER`.
    pub issuer: Issuer,
    /// `BCL_CLIENT_ID`.
    pub client_id: ClientId,
    /// Where the provider's keys come from.
    pub keys: Keys,
    /// `BCL_DEMO_LOGIN=1`: serve `POST /login`.
    pub demo_login: bool,
}

/// Where the provider's keys come from.
#[derive(Debug)]
pub enum Keys {
    /// `BCL_JWKS_FILE`: a key set read at start.
    File(KeySet),
    /// `BCL_JWKS_URI`: the key set URL, fetched and cached.
    Uri(Url),
    /// Neither: discovery from `BCL_ISSUER`
    /// (`/.well-known/openid-configuration`), fetched and cached.
    Discovery,
}

/// A configuration variable is wrong: `VARIABLE: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn error(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

impl Config {
    /// The configuration from the process's environment.
    ///
    /// # Errors
    ///
    /// As [`Config::from_vars`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars_os())
    }

    /// The configuration from environment variables (`std::env::vars_os()`
    /// in `main`, a list in tests). Reads the `BCL_JWKS_FILE`.
    ///
    /// # Errors
    ///
    /// The first variable that is missing, malformed or inconsistent.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let vars = Vars::new(vars)?;
        let listen = vars
            .get("BCL_LISTEN")
            .unwrap_or(DEFAULT_LISTEN)
            .parse::<SocketAddr>()
            .map_err(|e| {
                error(
                    "BCL_LISTEN",
                    format!("not an address like {DEFAULT_LISTEN}: {e}"),
                )
            })?;
        let algorithms = algorithms(vars.get("BCL_ALGS"))?;
        let mode = match vars.get("BCL_ISSUER") {
            None => {
                for variable in ["BCL_CLIENT_ID", "BCL_JWKS_FILE", "BCL_JWKS_URI"] {
                    if vars.get(variable).is_some() {
                        return Err(error(
                            "BCL_ISSUER",
                            format!("required with {variable} (without both: demo mode)"),
                        ));
                    }
                }
                Mode::Demo
            }
            Some(issuer) => Mode::Provider(provider(&vars, issuer)?),
        };
        let redis = vars
            .get("BCL_REDIS_URL")
            .map(|url| {
                RedisConfig::new(url).map_err(|e| {
                    error(
                        "BCL_REDIS_URL",
                        format!("not a URL like redis://127.0.0.1:6379/: {e}"),
                    )
                })
            })
            .transpose()?;
        Ok(Config {
            listen,
            algorithms,
            mode,
            redis,
        })
    }
}

fn algorithms(value: Option<&str>) -> Result<Vec<Algorithm>, ConfigError> {
    let Some(value) = value else {
        return Ok(vec![Algorithm::RS256]);
    };
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim) {
        let alg: Algorithm = name
            .parse()
            .map_err(|e| error("BCL_ALGS", format!("{e}")))?;
        if alg.key_kind() == KeyKind::Hmac {
            return Err(error(
                "BCL_ALGS",
                format!("{name} is keyed by the client secret, which this example does not take"),
            ));
        }
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

fn read_jwks_file(file: &str) -> Result<KeySet, ConfigError> {
    let path = PathBuf::from(file);
    let document = std::fs::read(&path).map_err(|e| {
        error(
            "BCL_JWKS_FILE",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    KeySet::from_jwks(&document)
        .map_err(|e| error("BCL_JWKS_FILE", format!("{}: {e}", path.display())))
}

fn provider(vars: &Vars, issuer: &str) -> Result<Provider, ConfigError> {
    let client_id = vars
        .get("BCL_CLIENT_ID")
        .ok_or_else(|| error("BCL_CLIENT_ID", "required with BCL_ISSUER"))?;
    let keys = match (vars.get("BCL_JWKS_FILE"), vars.get("BCL_JWKS_URI")) {
        (Some(_), Some(_)) => {
            return Err(error(
                "BCL_JWKS_URI",
                "give the keys in BCL_JWKS_FILE or BCL_JWKS_URI, not both",
            ));
        }
        (Some(file), None) => Keys::File(read_jwks_file(file)?),
        (None, Some(uri)) => Keys::Uri(
            uri.parse::<Url>()
                .map_err(|e| error("BCL_JWKS_URI", format!("not a URL: {e}")))?,
        ),
        (None, None) => {
            Url::parse(issuer).map_err(|e| {
                error(
                    "BCL_ISSUER",
                    format!("not a URL to discover the keys from (or set BCL_JWKS_FILE): {e}"),
                )
            })?;
            Keys::Discovery
        }
    };
    let demo_login = match vars.get("BCL_DEMO_LOGIN") {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(error(
                "BCL_DEMO_LOGIN",
                format!("must be 1 or 0, not {other:?}"),
            ));
        }
    };
    Ok(Provider {
        issuer: Issuer::new(issuer),
        client_id: ClientId::new(client_id),
        keys,
        demo_login,
    })
}

/// The `BCL_` variables, checked to be UTF-8 and non-empty.
struct Vars(HashMap<String, String>);

impl Vars {
    fn new<I, K, V>(vars: I) -> Result<Vars, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut out = HashMap::new();
        for (name, value) in vars {
            let Ok(name) = name.into().into_string() else {
                continue;
            };
            let Some(variable) = KNOWN.iter().find(|k| **k == name) else {
                continue;
            };
            let value = value
                .into()
                .into_string()
                .map_err(|_| error(variable, "not valid UTF-8"))?;
            if value.trim().is_empty() {
                return Err(error(variable, "must not be empty"));
            }
            out.insert(name, value);
        }
        Ok(Vars(out))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

const KNOWN: [&str; 8] = [
    "BCL_ISSUER",
    "BCL_CLIENT_ID",
    "BCL_JWKS_FILE",
    "BCL_JWKS_URI",
    "BCL_ALGS",
    "BCL_LISTEN",
    "BCL_DEMO_LOGIN",
    "BCL_REDIS_URL",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn err(vars: &[(&str, &str)]) -> String {
        Config::from_vars(vars.iter().copied())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn no_configuration_is_demo_mode_on_the_default_address() {
        let c = Config::from_vars(Vec::<(String, String)>::new()).unwrap();
        assert!(matches!(c.mode, Mode::Demo));
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.algorithms, vec![Algorithm::RS256]);
        assert!(c.redis.is_none(), "memory stores without BCL_REDIS_URL");
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert!(err(&[("BCL_ISSUER", "https://op")]).starts_with("BCL_CLIENT_ID: "));
        assert!(
            err(&[("BCL_ISSUER", "not a url"), ("BCL_CLIENT_ID", "c")])
                .starts_with("BCL_ISSUER: not a URL")
        );
        assert!(
            err(&[
                ("BCL_ISSUER", "https://op"),
                ("BCL_CLIENT_ID", "c"),
                ("BCL_JWKS_URI", "::")
            ])
            .starts_with("BCL_JWKS_URI: not a URL")
        );
        assert!(
            err(&[
                ("BCL_ISSUER", "https://op"),
                ("BCL_CLIENT_ID", "c"),
                ("BCL_JWKS_URI", "https://op/jwks"),
                ("BCL_JWKS_FILE", "/tmp/x.json")
            ])
            .starts_with("BCL_JWKS_URI: give the keys")
        );
        assert!(
            err(&[
                ("BCL_ISSUER", "https://op"),
                ("BCL_CLIENT_ID", "c"),
                ("BCL_JWKS_FILE", "/nonexistent/jwks.json")
            ])
            .starts_with("BCL_JWKS_FILE: cannot read /nonexistent/jwks.json")
        );
        assert!(err(&[("BCL_CLIENT_ID", "c")]).starts_with("BCL_ISSUER: "));
        assert!(err(&[("BCL_LISTEN", "nowhere")]).starts_with("BCL_LISTEN: "));
        assert!(err(&[("BCL_ALGS", "RS256,none")]).starts_with("BCL_ALGS: "));
        assert!(err(&[("BCL_ALGS", "HS256")]).starts_with("BCL_ALGS: "));
        assert!(err(&[("BCL_ISSUER", " ")]).starts_with("BCL_ISSUER: must not be empty"));
        assert!(err(&[("BCL_REDIS_URL", "localhost:6379")]).starts_with("BCL_REDIS_URL: "));
    }

    #[test]
    fn keys_come_from_a_file_a_uri_or_discovery() {
        let c = Config::from_vars([
            ("BCL_ISSUER", "https://op.example.com"),
            ("BCL_CLIENT_ID", "c"),
            ("BCL_JWKS_URI", "https://op.example.com/jwks"),
        ])
        .unwrap();
        let Mode::Provider(p) = c.mode else {
            panic!("provider mode expected")
        };
        assert!(matches!(p.keys, Keys::Uri(u) if u.as_str() == "https://op.example.com/jwks"));
        let c = Config::from_vars([
            ("BCL_ISSUER", "https://op.example.com"),
            ("BCL_CLIENT_ID", "c"),
        ])
        .unwrap();
        let Mode::Provider(p) = c.mode else {
            panic!("provider mode expected")
        };
        assert!(matches!(p.keys, Keys::Discovery));
    }

    #[test]
    fn algorithms_are_a_comma_separated_list() {
        let c = Config::from_vars([("BCL_ALGS", "ES256, RS256,ES256")]).unwrap();
        assert_eq!(c.algorithms, vec![Algorithm::ES256, Algorithm::RS256]);
    }
}
