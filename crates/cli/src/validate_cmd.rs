//! `bclogout validate`: one token, its claims or the failed check.

use backchannel_logout::UnixTime;

use crate::args::ValidateArgs;
use crate::exit::Failure;
use crate::{input, output};

/// Validates the token and prints its claims.
pub(crate) fn run(args: &ValidateArgs) -> Result<(), Failure> {
    let validator = args.validation.validator()?;
    let keys = input::load_keys(&args.validation)?;
    output::note_skipped_keys(&keys);
    let token = input::read_token(args.token.as_deref())?;
    let now = args.now.map_or_else(input::system_now, UnixTime::from_secs);
    let logout = validator
        .validate(&token, &keys, now)
        .map_err(Failure::Refused)?;
    output::print_json(&output::claims_json(&logout))
}
