//! `bclogout check`: a conformance run against a relying party's
//! back-channel logout endpoint, after the OpenID Foundation's RP
//! back-channel logout tests, with bclogout as the provider.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use axum::Router;
use axum::routing::get;
use backchannel_logout::Algorithm;
use backchannel_logout_testkit::{SigningKey, random_id};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::args::CheckArgs;
use crate::exit::Failure;
use crate::post::{Answer, Poster};
use crate::send::runtime;
use crate::token::{Defect, ProviderKeys, TokenSpec, mint};
use crate::{input, output};

/// The form parameter a provider may add and a relying party must ignore
/// (the OpenID Foundation's test uses this name).
const IGNORED_PARAMETER: (&str, &str) = ("ignored_parameter", "ignored");

/// Runs every case and prints the results.
pub(crate) fn run(args: &CheckArgs) -> Result<(), Failure> {
    runtime()?.block_on(run_cases(args))
}

/// What the relying party must be configured with.
struct Setup {
    issuer: String,
    /// The URL discovery and the key set are served at, if served.
    served: Option<String>,
    keys: ProviderKeys,
}

async fn run_cases(args: &CheckArgs) -> Result<(), Failure> {
    let keys = match &args.key {
        Some(path) => ProviderKeys::load(path, args.alg)?,
        None => {
            let alg = args.alg.unwrap_or(Algorithm::RS256);
            ProviderKeys::new(SigningKey::try_generate(alg, 2048).map_err(Failure::KeyGen)?)?
        }
    };
    let poster = Poster::new(&args.url, Duration::from_secs(args.timeout))?;
    let setup = match &args.key {
        // clap requires --issuer with --key.
        Some(_) => Setup {
            issuer: args.issuer.clone().unwrap_or_default(),
            served: None,
            keys,
        },
        None => serve(args, keys).await?,
    };
    if !args.json {
        output::print_text(&setup.text(args))?;
    } else if args.wait {
        // Stdout is kept for the JSON document; the user still needs this.
        let _ = writeln!(io::stderr(), "{}", setup.text(args));
    }
    if args.wait {
        wait_for_enter().await;
    }
    let results = Cases {
        args,
        setup: &setup,
        poster: &poster,
    }
    .run()
    .await;
    let failed = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    if args.json {
        output::print_json(&json_report(args, &setup, &results))?;
    } else {
        output::print_text(&table(&results, colours()))?;
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::Unsuccessful(format!(
            "{failed} of {} cases failed",
            results.len()
        )))
    }
}

/// Serves discovery and the key set on `--serve` until the run ends.
async fn serve(args: &CheckArgs, keys: ProviderKeys) -> Result<Setup, Failure> {
    let listener = TcpListener::bind(args.serve)
        .await
        .map_err(|source| Failure::Serve {
            addr: args.serve.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Failure::Serve {
        addr: args.serve.to_string(),
        source,
    })?;
    let served = format!("http://{addr}");
    let issuer = args.issuer.clone().unwrap_or_else(|| served.clone());
    let discovery = json!({
        "issuer": issuer,
        "jwks_uri": format!("{served}/jwks"),
        "id_token_signing_alg_values_supported": [keys.key.alg().name()],
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    });
    let jwks = keys.jwks();
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/jwks", get(move || async move { axum::Json(jwks) }));
    // Stops with the runtime, when the run ends.
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Setup {
        issuer,
        served: Some(served),
        keys,
    })
}

/// Lets the user configure the relying party first.
async fn wait_for_enter() {
    let _ = writeln!(
        io::stderr(),
        "bclogout: configure the relying party as above, then press Enter"
    );
    let _ = tokio::task::spawn_blocking(|| io::stdin().read_line(&mut String::new())).await;
}

impl Setup {
    fn text(&self, args: &CheckArgs) -> String {
        let key = &self.keys.key;
        let mut text = format!(
            "relying party: {}\nissuer:        {}\nclient id:     {}\nsigning key:   {} (kid {})",
            args.url,
            self.issuer,
            args.client_id,
            key.alg(),
            key.kid()
        );
        match &self.served {
            Some(served) => text.push_str(&format!(
                "\ndiscovery:     {served}/.well-known/openid-configuration\n\
                 jwks_uri:      {served}/jwks\n"
            )),
            None => {
                let jwks = serde_json::to_string_pretty(&self.keys.jwks()).unwrap_or_default();
                text.push_str(&format!("\nJWKS to configure:\n{jwks}\n"));
            }
        }
        text
    }
}

/// What a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Exactly 200.
    Accepted,
    /// 400, with a JSON error body.
    Refused,
}

impl Expect {
    fn status(self) -> u16 {
        match self {
            Expect::Accepted => 200,
            Expect::Refused => 400,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Expect::Accepted => "200",
            Expect::Refused => "400 + error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    /// Passed, with something the specification only recommends missing.
    Warn,
    Fail,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One case's outcome.
#[derive(Debug)]
struct CaseResult {
    case: &'static str,
    description: &'static str,
    expect: Expect,
    /// The status, or why there was none.
    received: Result<u16, String>,
    verdict: Verdict,
    note: Option<String>,
}

struct Cases<'a> {
    args: &'a CheckArgs,
    setup: &'a Setup,
    poster: &'a Poster,
}

impl Cases<'_> {
    async fn run(&self) -> Vec<CaseResult> {
        let mut results = Vec::new();
        let valid = self.token(None);
        let first = self.send("valid", "a valid token", Expect::Accepted, &valid, &[]);
        let first = first.await;
        let accepted = first.verdict != Verdict::Fail;
        results.push(first);
        let mut replay = self
            .send(
                "replay",
                "the valid token again (same jti)",
                Expect::Refused,
                &valid,
                &[],
            )
            .await;
        if !accepted && replay.verdict != Verdict::Fail {
            replay.verdict = Verdict::Fail;
            replay.note = Some("proves nothing: the first use was not accepted".to_owned());
        }
        results.push(replay);
        for defect in Defect::ALL {
            let token = self.token(Some(defect));
            results.push(
                self.send(
                    defect.name(),
                    defect.description(),
                    Expect::Refused,
                    &token,
                    &[],
                )
                .await,
            );
        }
        let token = self.token(None);
        results.push(
            self.send(
                "ignored-param",
                "a valid token and an extra form parameter",
                Expect::Accepted,
                &token,
                &[IGNORED_PARAMETER],
            )
            .await,
        );
        results
    }

    /// A fresh token (new jti; new sid unless `--sid`).
    fn token(&self, defect: Option<Defect>) -> String {
        let sid = self.args.sid.clone().unwrap_or_else(|| random_id(12));
        let spec = TokenSpec {
            issuer: &self.setup.issuer,
            client_id: &self.args.client_id,
            sid: Some(&sid),
            sub: Some(&self.args.sub),
            jti: None,
            now: input::system_now().as_secs(),
            ttl: 120,
        };
        mint(&self.setup.keys, &spec, defect)
    }

    async fn send(
        &self,
        case: &'static str,
        description: &'static str,
        expect: Expect,
        token: &str,
        extra: &[(&str, &str)],
    ) -> CaseResult {
        let answer = self.poster.post(token, extra).await;
        let (verdict, note) = judge(expect, &answer);
        CaseResult {
            case,
            description,
            expect,
            received: answer.map(|a| a.status),
            verdict,
            note,
        }
    }
}

/// The verdict on an answer, and what to say about it.
fn judge(expect: Expect, answer: &Result<Answer, String>) -> (Verdict, Option<String>) {
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => return (Verdict::Fail, Some(format!("no answer: {error}"))),
    };
    if answer.status != expect.status() {
        let note = match (expect, answer.status) {
            (Expect::Refused, 200) => "accepted".to_owned(),
            (Expect::Refused, _) => "a refusal must be 400".to_owned(),
            (Expect::Accepted, 204) => {
                "success must be exactly 200 (the OpenID Foundation's tests fail 204)".to_owned()
            }
            (Expect::Accepted, _) => match error_code(&answer.body) {
                Some(code) => format!("refused a valid token: {code}"),
                None => "refused a valid token".to_owned(),
            },
        };
        return (Verdict::Fail, Some(note));
    }
    let no_store = answer
        .header("cache-control")
        .is_some_and(|v| v.to_ascii_lowercase().contains("no-store"));
    match expect {
        Expect::Refused if error_code(&answer.body).is_none() => (
            Verdict::Warn,
            Some("no JSON error body {\"error\": ...}".to_owned()),
        ),
        _ if !no_store => (Verdict::Warn, Some("no Cache-Control: no-store".to_owned())),
        Expect::Refused => (Verdict::Pass, error_summary(&answer.body)),
        Expect::Accepted => (Verdict::Pass, None),
    }
}

/// The `error` member of a JSON error body.
fn error_code(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("error")?.as_str().map(str::to_owned)
}

/// Longest `error_description` shown in the table.
const MAX_DESCRIPTION: usize = 80;

/// `error CODE: DESCRIPTION` from a JSON error body, the description cut
/// short: what the relying party said was wrong.
fn error_summary(body: &[u8]) -> Option<String> {
    let code = error_code(body)?;
    let value: Value = serde_json::from_slice(body).ok()?;
    let Some(description) = value.get("error_description").and_then(Value::as_str) else {
        return Some(format!("error {code}"));
    };
    let mut short: String = description.chars().take(MAX_DESCRIPTION).collect();
    if short.len() < description.len() {
        short.push('…');
    }
    Some(format!("error {code}: {short}"))
}

/// Styles for a terminal, or none.
#[derive(Debug, Clone, Copy, Default)]
struct Colours {
    pass: Style,
    warn: Style,
    fail: Style,
    dim: Style,
}

/// Colours only on a terminal, and not when `NO_COLOR` is set
/// (<https://no-color.org>).
fn colours() -> Colours {
    let wanted =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if !wanted {
        return Colours::default();
    }
    Colours {
        pass: AnsiColor::Green.on_default(),
        warn: AnsiColor::Yellow.on_default(),
        fail: AnsiColor::Red.on_default().bold(),
        dim: Style::new().dimmed(),
    }
}

fn table(results: &[CaseResult], colours: Colours) -> String {
    let width = results
        .iter()
        .map(|r| r.case.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut text = format!(
        "\n{dim}{:<width$}  {:<11}  {:<8}  result{dim:#}",
        "case",
        "expected",
        "received",
        dim = colours.dim,
    );
    for r in results {
        let received = match &r.received {
            Ok(status) => status.to_string(),
            Err(_) => "none".to_owned(),
        };
        let style = match r.verdict {
            Verdict::Pass => colours.pass,
            Verdict::Warn => colours.warn,
            Verdict::Fail => colours.fail,
        };
        let note = match &r.note {
            Some(note) => format!("{}: {note}", r.description),
            None => r.description.to_owned(),
        };
        text.push_str(&format!(
            "\n{:<width$}  {:<11}  {:<8}  {style}{:<6}{style:#}  {dim}{note}{dim:#}",
            r.case,
            r.expect.label(),
            received,
            r.verdict.name(),
            dim = colours.dim,
        ));
    }
    let count = |v| results.iter().filter(|r| r.verdict == v).count();
    let (failed, warned) = (count(Verdict::Fail), count(Verdict::Warn));
    let summary = format!(
        "\n\n{} of {} cases passed{}",
        results.len() - failed,
        results.len(),
        if warned > 0 {
            format!(" ({warned} with a warning)")
        } else {
            String::new()
        }
    );
    let style = if failed > 0 {
        colours.fail
    } else {
        colours.pass
    };
    text.push_str(&format!("{style}{summary}{style:#}"));
    if failed > 0 {
        text.push_str(&format!("; {failed} failed"));
    }
    text
}

fn json_report(args: &CheckArgs, setup: &Setup, results: &[CaseResult]) -> Value {
    let cases: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "case": r.case,
                "description": r.description,
                "expected": r.expect.status(),
                "received": r.received.as_ref().ok(),
                "error": r.received.as_ref().err(),
                "result": r.verdict.name().to_ascii_lowercase(),
                "note": r.note,
            })
        })
        .collect();
    let count = |v| results.iter().filter(|r| r.verdict == v).count();
    json!({
        "url": args.url,
        "issuer": setup.issuer,
        "client_id": args.client_id,
        "served": setup.served,
        "jwks": setup.keys.jwks(),
        "cases": cases,
        "passed": count(Verdict::Pass) + count(Verdict::Warn),
        "warnings": count(Verdict::Warn),
        "failed": count(Verdict::Fail),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Answer, String> {
        Ok(Answer {
            version: "HTTP/1.1".to_owned(),
            status,
            reason: "",
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    const NO_STORE: (&str, &str) = ("cache-control", "no-store");

    #[test]
    fn refusal_needs_exactly_400() {
        let ok = judge(
            Expect::Refused,
            &answer(400, &[NO_STORE], r#"{"error":"x"}"#),
        );
        assert_eq!(ok, (Verdict::Pass, Some("error x".to_owned())));
        assert_eq!(
            judge(Expect::Refused, &answer(200, &[NO_STORE], "")).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(Expect::Refused, &answer(401, &[NO_STORE], "")).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(Expect::Refused, &answer(400, &[NO_STORE], "bad")).0,
            Verdict::Warn
        );
    }

    #[test]
    fn success_needs_exactly_200() {
        assert_eq!(
            judge(Expect::Accepted, &answer(200, &[NO_STORE], "")).0,
            Verdict::Pass
        );
        assert_eq!(
            judge(Expect::Accepted, &answer(200, &[], "")).0,
            Verdict::Warn
        );
        assert_eq!(
            judge(Expect::Accepted, &answer(204, &[NO_STORE], "")).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(Expect::Accepted, &Err("timed out".to_owned())).0,
            Verdict::Fail
        );
    }

    #[test]
    fn table_without_colours_has_no_escapes() {
        let results = [CaseResult {
            case: "valid",
            description: "a valid token",
            expect: Expect::Accepted,
            received: Ok(200),
            verdict: Verdict::Pass,
            note: None,
        }];
        let text = table(&results, Colours::default());
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(
            text.contains("valid  200          200       pass"),
            "{text}"
        );
        assert!(text.ends_with("1 of 1 cases passed"), "{text}");
    }
}
