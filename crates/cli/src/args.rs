//! The command line: subcommands, flags and their help texts.

use std::net::SocketAddr;
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

const EXIT_STATUS_ANY: &str = "\
Exit status (each command's help says more):
  0  done: a valid token, an answer 200, every case passed
  1  the outcome is a failure: a refused token, an answer other than 200, a failed case
  2  usage error, a file that cannot be read, used or written, no answer";

const EXIT_STATUS_TOOL: &str = "\
Exit status:
  0  done
  2  usage error, or a file cannot be read, used or written";

const EXIT_STATUS_SEND: &str = "\
Exit status:
  0  the relying party answered exactly 200 OK
  1  it answered anything else (the answer is printed all the same)
  2  usage error, an unreadable token, or no answer (connection refused, timeout)";

const EXIT_STATUS_INSPECT: &str = "\
Exit status:
  0  the token was decoded (and, with --issuer, passed every check)
  1  with --issuer: a check fails (the report names it)
  2  usage error, or the token or a file cannot be read or decoded";

const EXIT_STATUS_CHECK: &str = "\
Exit status:
  0  every case passed (warnings allowed)
  1  at least one case failed
  2  usage error, a key file that cannot be used, or the port cannot be opened";

/// Algorithms `keygen` makes keys for and `check` generates keys for.
const KEY_ALGORITHMS: [&str; 5] = ["RS256", "PS256", "ES256", "ES384", "EdDSA"];

fn key_alg_parser() -> impl TypedValueParser<Value = Algorithm> {
    PossibleValuesParser::new(KEY_ALGORITHMS).try_map(|name| name.parse::<Algorithm>())
}

/// Test OpenID Connect Back-Channel Logout relying parties; validate logout
/// tokens offline, as a relying party would.
#[derive(Debug, Parser)]
#[command(
    name = "bclogout",
    version,
    long_about = "Test OpenID Connect Back-Channel Logout 1.0 relying parties, and validate \
logout tokens. `check` runs the conformance cases against any relying party's logout endpoint, \
with bclogout as the provider; `keygen`, `mint`, `send` and `inspect` are the pieces, for \
tests of your own. `validate` checks a token offline exactly as a relying party's endpoint \
would (signature against the provider's JWKS, algorithm allow-list, typ, iss, aud/azp, \
iat/exp/nbf with leeway and a maximum age, the logout event, sub/sid, no nonce), and `bench` \
times that.",
    after_long_help = EXIT_STATUS_ANY
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
    /// Generate a provider's signing key: the private key to a file, the
    /// public JWKS on stdout.
    #[command(
        long_about = "Generate a provider's signing key. The private key is written as \
unencrypted PKCS #8 PEM to a new file readable by its owner only (mode 0600, created so); an \
existing file is kept unless --force. The public key set (JWKS) is printed on stdout: \
configure the relying party with it. Its first key is the new key, with kid the RFC 7638 \
thumbprint and alg as asked; its second is the wrong-algorithm key derived from it (ES256, \
or EdDSA for an ES256 key), which `mint --wrong-alg` signs with, as the OpenID Foundation's \
wrong-algorithm test does: a key the provider really publishes, for an algorithm the relying \
party did not register. The same KEY.pem always gives the same JWKS.",
        after_long_help = EXIT_STATUS_TOOL
    )]
    Keygen(KeygenArgs),
    /// Mint a signed logout token (or, with a flag, a specific bad one).
    #[command(
        long_about = "Mint a logout token signed with KEY.pem, as a provider would: header \
typ logout+jwt, alg from the key (RS256 for RSA unless --alg PS256), kid the key's RFC 7638 \
thumbprint; claims iss, aud, iat, exp, jti, events, sid and/or sub. One of the flags under \
\"Bad tokens\" makes a token with exactly that defect, for negative tests; each is refused by \
`bclogout validate` with its own error. The token is printed on stdout.",
        after_long_help = EXIT_STATUS_TOOL
    )]
    Mint(MintArgs),
    /// POST a logout token to a relying party, as a provider would.
    #[command(
        long_about = "POST a logout token to a relying party's back-channel logout endpoint \
as a provider would (application/x-www-form-urlencoded, logout_token=TOKEN) and print the \
answer: status line, headers and body. Only exactly 200 counts as success, as the \
specification and the OpenID Foundation's tests require (not 204).",
        after_long_help = EXIT_STATUS_SEND
    )]
    Send(SendArgs),
    /// Decode a token WITHOUT verifying it; optionally, say which check fails.
    #[command(
        long_about = "Decode a logout token's header and claims WITHOUT verifying anything, \
and print them as JSON marked \"verified\": false. With --issuer, --client-id and --jwks (and \
the other validate flags) it also reports the signature check and the first failing \
validation check, exactly as validate would.",
        after_long_help = EXIT_STATUS_INSPECT
    )]
    Inspect(InspectArgs),
    /// Run the conformance cases against a relying party's logout endpoint.
    #[command(
        long_about = "Test a relying party's back-channel logout endpoint (any language, any \
framework), after the OpenID Foundation's RP back-channel logout tests. bclogout plays the \
provider: without --key it generates a key and serves a discovery document \
(/.well-known/openid-configuration) and the JWKS on --serve, printing the issuer to configure; \
with --key it uses that key and prints the JWKS to configure. Then it sends: a valid token \
(expects exactly 200), the same token again (a replay: 400), one token per kind of defect \
(each 400, with a JSON error body), and a valid token with an extra form parameter (200). It \
prints one line per case, or one JSON document with --json. A 400 without a JSON error body, \
or an answer without Cache-Control: no-store, passes with a warning (the specification only \
recommends them).",
        after_long_help = EXIT_STATUS_CHECK
    )]
    Check(CheckArgs),
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

    #[command(flatten)]
    pub(crate) options: ValidatorOptions,
}

/// How the relying party validates, apart from whom it trusts: shared by
/// `validate`, `bench` and `inspect`.
#[derive(Debug, Args)]
pub(crate) struct ValidatorOptions {
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
        self.options.validator(&self.issuer, &self.client_id)
    }
}

impl ValidatorOptions {
    /// The validator for `issuer` and `client_id` with these options.
    pub(crate) fn validator(&self, issuer: &str, client_id: &str) -> Result<Validator, Failure> {
        let mut builder = Validator::builder(Issuer::new(issuer), ClientId::new(client_id))
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

/// `bclogout keygen`.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// The algorithm the key signs with.
    #[arg(long, value_name = "ALG", value_parser = key_alg_parser())]
    pub(crate) alg: Algorithm,

    /// The file to write the private key to (PKCS #8 PEM, mode 0600).
    #[arg(long, value_name = "KEY.pem")]
    pub(crate) out: PathBuf,

    /// RSA modulus size in bits (2048 to 8192).
    #[arg(long, value_name = "BITS", default_value_t = 2048)]
    pub(crate) bits: usize,

    /// Replace the file if it exists (atomically: a new file is renamed
    /// over it).
    #[arg(long)]
    pub(crate) force: bool,
}

/// The provider's key: from a file, signing with which algorithm.
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// The algorithm to sign with. For an RSA key RS256 (default) or
    /// PS256; other keys have one algorithm, which is the default.
    #[arg(long, value_name = "ALG", value_parser = key_alg_parser())]
    pub(crate) alg: Option<Algorithm>,
}

/// What a token says: who issues it to whom, about which session.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The provider's issuer identifier (the token's iss).
    #[arg(long, value_name = "ISS")]
    pub(crate) issuer: String,

    /// The relying party's client id (the token's aud).
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: String,

    /// The session id (sid claim).
    #[arg(long, value_name = "SID")]
    pub(crate) sid: Option<String>,

    /// The subject (sub claim).
    #[arg(long, value_name = "SUB")]
    pub(crate) sub: Option<String>,
}

/// One flag per kind of bad token (Back-Channel Logout 1.0 §2.4 and §2.6,
/// and the OpenID Foundation's RP tests).
#[derive(Debug, Default, Args)]
#[group(multiple = false)]
#[command(next_help_heading = "Bad tokens (at most one)")]
pub(crate) struct DefectArgs {
    /// No events claim.
    #[arg(long)]
    pub(crate) no_events: bool,
    /// An events claim with another event instead of the logout event.
    #[arg(long)]
    pub(crate) wrong_event: bool,
    /// A nonce claim, which logout tokens must not carry.
    #[arg(long)]
    pub(crate) nonce: bool,
    /// Expired: issued 8 minutes ago, expired 6 minutes ago.
    #[arg(long)]
    pub(crate) expired: bool,
    /// Issued an hour ago (exp still in the future).
    #[arg(long)]
    pub(crate) old_iat: bool,
    /// aud is another client ("not-" and the client id).
    #[arg(long)]
    pub(crate) wrong_aud: bool,
    /// iss is another issuer (the issuer with "-wrong" appended).
    #[arg(long)]
    pub(crate) wrong_iss: bool,
    /// Neither sid nor sub.
    #[arg(long)]
    pub(crate) no_sid_sub: bool,
    /// Unsigned: alg none, empty signature.
    #[arg(long)]
    pub(crate) alg_none: bool,
    /// Validly signed by the published wrong-algorithm key (ES256, or
    /// EdDSA for an ES256 key): an algorithm the relying party did not
    /// register.
    #[arg(long)]
    pub(crate) wrong_alg: bool,
    /// The signature altered (one bit flipped).
    #[arg(long)]
    pub(crate) bad_signature: bool,
}

/// `bclogout mint`.
#[derive(Debug, Args)]
pub(crate) struct MintArgs {
    /// The provider's private key (PKCS #8 PEM, as keygen writes).
    #[arg(long, value_name = "KEY.pem")]
    pub(crate) key: PathBuf,

    #[command(flatten)]
    pub(crate) key_alg: KeyArgs,

    #[command(flatten)]
    pub(crate) token: TokenArgs,

    /// Seconds from iat to exp.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub(crate) ttl: u64,

    /// The jti. Default: 16 random bytes, base64url.
    #[arg(long, value_name = "JTI")]
    pub(crate) jti: Option<String>,

    /// The time of issue, in seconds since the Unix epoch. Default: the
    /// system clock.
    #[arg(long, value_name = "UNIX")]
    pub(crate) now: Option<u64>,

    #[command(flatten)]
    pub(crate) defect: DefectArgs,
}

/// `bclogout send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The relying party's back-channel logout endpoint.
    #[arg(value_name = "URL")]
    pub(crate) url: String,

    /// The logout token: TOKEN, `-` for standard input or `@FILE`.
    #[arg(value_name = "TOKEN")]
    pub(crate) token: String,

    /// Seconds to wait for the answer.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub(crate) timeout: u64,
}

/// `bclogout inspect`.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The provider's issuer identifier, as the relying party expects it:
    /// with it (and --client-id, --jwks or --hmac-secret-file), the checks
    /// are run.
    #[arg(long, value_name = "ISS", requires = "client_id")]
    pub(crate) issuer: Option<String>,

    /// The relying party's client id.
    #[arg(long, value_name = "ID", requires = "issuer")]
    pub(crate) client_id: Option<String>,

    /// The provider's key set (the JSON document at its jwks_uri).
    #[arg(long, value_name = "FILE", requires = "issuer")]
    pub(crate) jwks: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) options: ValidatorOptions,

    /// The current time for the checks, in seconds since the Unix epoch.
    /// Default: the system clock.
    #[arg(long, value_name = "UNIX")]
    pub(crate) now: Option<u64>,

    /// The logout token: TOKEN, `-` for standard input or `@FILE`.
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,
}

/// `bclogout check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The relying party's back-channel logout endpoint.
    #[arg(value_name = "URL")]
    pub(crate) url: String,

    /// The relying party's client id at the provider (the tokens' aud).
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: String,

    /// The issuer the relying party expects. Default with --serve: the
    /// served URL; required with --key.
    #[arg(long, value_name = "ISS")]
    pub(crate) issuer: Option<String>,

    /// Use this private key instead of a generated one, and serve nothing:
    /// the JWKS to configure is printed.
    #[arg(long, value_name = "KEY.pem", requires = "issuer")]
    pub(crate) key: Option<PathBuf>,

    /// The algorithm to sign with (and, without --key, of the generated
    /// key).
    #[arg(long, value_name = "ALG", value_parser = key_alg_parser())]
    pub(crate) alg: Option<Algorithm>,

    /// Where to serve discovery and the JWKS (without --key). Port 0 picks
    /// a free port; a relying party configured beforehand needs a fixed one.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:0",
        conflicts_with = "key"
    )]
    pub(crate) serve: SocketAddr,

    /// The sid of every token. Default: a fresh random sid per token.
    #[arg(long, value_name = "SID")]
    pub(crate) sid: Option<String>,

    /// The sub of every token.
    #[arg(long, value_name = "SUB", default_value = "bclogout-check")]
    pub(crate) sub: String,

    /// Wait for Enter on standard input before sending (time to configure
    /// the relying party with the printed issuer or JWKS).
    #[arg(long)]
    pub(crate) wait: bool,

    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub(crate) timeout: u64,

    /// Print one JSON document instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
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
