//! The command line: subcommands, flags and their help texts.

use std::path::PathBuf;
use std::time::Duration;

use backchannel_logout::{Algorithm, ClientId, Issuer, TypPolicy, Validator};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::Failure;

const EXIT_STATUS: &str = "\
Exit status:
  0  the token is valid (validate prints its claims as JSON on stdout)
  1  the token is refused: stdout holds {\"error\": CODE, \"error_description\": TEXT},
     stderr names the check that failed
  2  usage error, or a file (JWKS, token, HMAC secret) cannot be read or used";

/// Validate OpenID Connect Back-Channel Logout tokens offline, as a relying
/// party would.
#[derive(Debug, Parser)]
#[command(
    name = "bclogout",
    version,
    long_about = "Validate OpenID Connect Back-Channel Logout 1.0 tokens offline, exactly as a \
relying party's logout endpoint would: signature against the provider's JWKS, algorithm \
allow-list, typ, iss, aud/azp, iat/exp/nbf with leeway and a maximum age, the logout event, \
sub/sid, no nonce. Nothing is fetched: the key set comes from a file.",
    after_long_help = EXIT_STATUS
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate a logout token and print its claims as JSON.
    #[command(
        long_about = "Validate a logout token and print its verified claims as JSON on stdout \
(issuer, audiences, subject, session_id, issued_at, expires_at, jti, event, other_claims, \
algorithm, kid, scope, remember_jti_until). A refused token prints \
{\"error\": CODE, \"error_description\": TEXT}, the body a relying party answers with, and \
exits 1. Replay of the jti is not checked: there is no store to check it against.",
        after_long_help = EXIT_STATUS
    )]
    Validate(ValidateArgs),
    /// Time the validation of a token (signature and claims) on this machine.
    #[command(
        long_about = "Time the full validation of a logout token (signature and claims) on this \
machine, with the clock pinned to the token's iat so that an old token still passes. The \
token is validated once first: a refused token exits 1 with the same output as validate. \
Then, after a warm-up, validations run in batches; the median time per validation, the \
spread of the batch means and the validations per second on one core are printed. Build \
with --release for representative numbers.",
        after_long_help = EXIT_STATUS
    )]
    Bench(BenchArgs),
}

/// Which header `typ` values to accept (`--typ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Typ {
    /// logout+jwt, JWT or no typ (what providers in the field send)
    Default,
    /// only logout+jwt, as the specification recommends
    Strict,
}

impl From<Typ> for TypPolicy {
    fn from(typ: Typ) -> Self {
        match typ {
            Typ::Default => TypPolicy::Default,
            Typ::Strict => TypPolicy::Strict,
        }
    }
}

/// The relying party's configuration: who issues tokens, to whom, with
/// which keys and how leniently.
#[derive(Debug, Args)]
pub(crate) struct ValidatorArgs {
    /// The provider's issuer identifier, exactly as its discovery document
    /// spells it (a trailing / matters); compared with the token's iss.
    #[arg(long, value_name = "ISS")]
    pub(crate) issuer: String,

    /// This relying party's client id at the provider; the token's aud must
    /// contain it.
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: String,

    /// The provider's key set (the JSON document at its jwks_uri). Keys that
    /// cannot verify signatures are skipped with a note on stderr. Optional
    /// only with --hmac-secret-file.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "hmac_secret_file"
    )]
    pub(crate) jwks: Option<PathBuf>,

    /// A signature algorithm this client registered
    /// (id_token_signed_response_alg); repeat the flag to allow several.
    /// Default: RS256 only. A token validly signed with any other algorithm
    /// is refused.
    #[arg(
        long = "alg",
        value_name = "ALG",
        value_parser = PossibleValuesParser::new(Algorithm::ALL.map(Algorithm::name))
            .try_map(|name| name.parse::<Algorithm>())
    )]
    pub(crate) algorithms: Vec<Algorithm>,

    /// Clock skew tolerated on iat, exp and nbf, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = Validator::DEFAULT_LEEWAY.as_secs())]
    pub(crate) leeway: u64,

    /// How old the token's iat may be, in seconds (plus the leeway).
    #[arg(long, value_name = "SECS", default_value_t = Validator::DEFAULT_MAX_AGE.as_secs())]
    pub(crate) max_age: u64,

    /// Which JOSE header typ values are accepted.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = Typ::Default)]
    pub(crate) typ: Typ,

    /// Accept tokens without exp, as older drafts allowed and Ory Hydra
    /// still sends (iat's maximum age still bounds them). Weakens
    /// validation: use it only for such a provider.
    #[arg(long)]
    pub(crate) allow_missing_exp: bool,

    /// Refuse tokens without sid, as a client registered with
    /// backchannel_logout_session_required must.
    #[arg(long)]
    pub(crate) require_sid: bool,

    /// A file holding the client secret, for providers that sign logout
    /// tokens with HS256/384/512 (also pass --alg HS256 or the like). One
    /// trailing newline is ignored; at least 32 bytes are required.
    #[arg(long, value_name = "FILE")]
    pub(crate) hmac_secret_file: Option<PathBuf>,
}

impl ValidatorArgs {
    /// The validator these flags describe.
    pub(crate) fn validator(&self) -> Result<Validator, Failure> {
        let mut builder = Validator::builder(
            Issuer::new(self.issuer.as_str()),
            ClientId::new(self.client_id.as_str()),
        )
        .leeway(Duration::from_secs(self.leeway))
        .max_age(Duration::from_secs(self.max_age))
        .typ_policy(self.typ.into())
        .require_sid(self.require_sid);
        if !self.algorithms.is_empty() {
            builder = builder.algorithms(self.algorithms.iter().copied());
        }
        if self.allow_missing_exp {
            builder = builder.legacy_allow_missing_exp();
        }
        builder.build().map_err(Failure::Config)
    }
}

/// `bclogout validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) validation: ValidatorArgs,

    /// The current time, in seconds since the Unix epoch, to replay a
    /// captured token at the time it arrived. Default: the system clock.
    #[arg(long, value_name = "UNIX")]
    pub(crate) now: Option<u64>,

    /// The logout token. `-` reads it from standard input, `@FILE` from a
    /// file; surrounding whitespace is ignored. When omitted, it is read
    /// from standard input unless that is a terminal.
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,
}

/// `bclogout bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    pub(crate) validation: ValidatorArgs,

    /// Number of timed validations. Default: as many as fit in about two
    /// seconds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) iterations: Option<u64>,

    /// Print the result as one JSON object instead of lines of text.
    #[arg(long)]
    pub(crate) json: bool,

    /// The logout token, as for validate: TOKEN, `-` for standard input or
    /// `@FILE`.
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
