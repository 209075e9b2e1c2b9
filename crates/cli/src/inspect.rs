//! `bclogout inspect`: a token decoded without verification, and, given the
//! relying party's configuration, the verdict of the core's validator.

use backchannel_logout::{Error, UnixTime, verify_compact};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

use crate::args::InspectArgs;
use crate::exit::Failure;
use crate::{input, output};

/// What heads the report, so nobody mistakes it for a verified token.
const UNVERIFIED: &str = "decoded WITHOUT verification: nothing here is proven unless \
checks.validation.ok is true";

/// Decodes the token, runs the checks if configured, prints the report.
pub(crate) fn run(args: &InspectArgs) -> Result<(), Failure> {
    let token = input::read_token(args.token.as_deref())?;
    let (header, claims, signature_len) = decode(&token)?;
    let mut report = json!({
        // Upper case sorts first: the warning heads the output.
        "UNVERIFIED": UNVERIFIED,
        "verified": false,
        "header": header,
        "claims": claims,
        "signature_bytes": signature_len,
    });
    let (Some(issuer), Some(client_id)) = (&args.issuer, &args.client_id) else {
        return output::print_json(&report);
    };
    let hmac_secret = args.options.hmac_secret_file.as_deref();
    if args.jwks.is_none() && hmac_secret.is_none() {
        return Err(Failure::Usage(
            "the checks need the provider's keys: pass --jwks or --hmac-secret-file".to_owned(),
        ));
    }
    let validator = args.options.validator(issuer, client_id)?;
    let keys = input::load_key_files(args.jwks.as_deref(), hmac_secret)?;
    output::note_skipped_keys(&keys);
    let now = args.now.map_or_else(input::system_now, UnixTime::from_secs);
    // The signature alone (the core's signature layer), then the whole
    // validation, which stops at the first failing check.
    let signature = verify_compact(&token, &keys, validator.algorithms()).map(drop);
    let validation = validator.validate(&token, &keys, now);
    let mut checks = json!({
        "now": now.as_secs(),
        "signature": verdict(&signature),
        "validation": verdict(&validation.as_ref().map(drop).map_err(Clone::clone)),
    });
    if signature.is_err() {
        checks["note"] = json!("the claims are checked only once the signature verifies");
    }
    report["checks"] = checks;
    output::print_json(&report)?;
    match validation {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::Unsuccessful(format!(
            "token refused: {e} ({})",
            e.code()
        ))),
    }
}

fn verdict(result: &Result<(), Error>) -> Value {
    match result {
        Ok(()) => json!({ "ok": true }),
        Err(e) => json!({
            "ok": false,
            "error": e.code(),
            "error_description": e.to_string(),
        }),
    }
}

/// Header and claims as JSON, and the signature's length in bytes.
fn decode(token: &[u8]) -> Result<(Value, Value, usize), Failure> {
    let undecodable = |what: &str| Failure::Usage(format!("cannot decode the token: {what}"));
    let text = std::str::from_utf8(token).map_err(|_| undecodable("it is not text"))?;
    let segments: Vec<&str> = text.split('.').collect();
    let [header, claims, signature] = segments.as_slice() else {
        return Err(undecodable(&format!(
            "it has {} segments, a signed JWT has 3 (5 is an encrypted JWT)",
            segments.len()
        )));
    };
    let json_segment = |segment: &str, what: &str| -> Result<Value, Failure> {
        let bytes = Base64UrlUnpadded::decode_vec(segment)
            .map_err(|_| undecodable(&format!("the {what} is not unpadded base64url")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| undecodable(&format!("the {what} is not JSON: {e}")))
    };
    let signature = Base64UrlUnpadded::decode_vec(signature)
        .map_err(|_| undecodable("the signature is not unpadded base64url"))?;
    Ok((
        json_segment(header, "header")?,
        json_segment(claims, "claims")?,
        signature.len(),
    ))
}
