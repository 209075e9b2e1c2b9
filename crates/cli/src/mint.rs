//! `bclogout mint`: one logout token, valid or with one chosen defect.

use crate::args::{DefectArgs, MintArgs};
use crate::exit::Failure;
use crate::token::{Defect, ProviderKeys, TokenSpec, mint};
use crate::{input, output};

/// Mints the token and prints it.
pub(crate) fn run(args: &MintArgs) -> Result<(), Failure> {
    let defect = args.defect.defect();
    let t = &args.token;
    if t.sid.is_none() && t.sub.is_none() && defect != Some(Defect::NoSidSub) {
        return Err(Failure::Usage(
            "a logout token names a session or a subject: pass --sid, --sub or both \
             (--no-sid-sub makes a token without either on purpose)"
                .to_owned(),
        ));
    }
    let keys = ProviderKeys::load(&args.key, args.key_alg.alg)?;
    let now = args.now.unwrap_or_else(|| input::system_now().as_secs());
    let spec = TokenSpec {
        issuer: &t.issuer,
        client_id: &t.client_id,
        sid: t.sid.as_deref(),
        sub: t.sub.as_deref(),
        jti: args.jti.as_deref(),
        now,
        ttl: args.ttl,
    };
    output::print_text(&mint(&keys, &spec, defect))
}

impl DefectArgs {
    /// The defect asked for; clap lets at most one flag through.
    pub(crate) fn defect(&self) -> Option<Defect> {
        let flags = [
            (self.no_events, Defect::NoEvents),
            (self.wrong_event, Defect::WrongEvent),
            (self.nonce, Defect::Nonce),
            (self.expired, Defect::Expired),
            (self.old_iat, Defect::OldIat),
            (self.wrong_aud, Defect::WrongAud),
            (self.wrong_iss, Defect::WrongIss),
            (self.no_sid_sub, Defect::NoSidSub),
            (self.alg_none, Defect::AlgNone),
            (self.wrong_alg, Defect::WrongAlg),
            (self.bad_signature, Defect::BadSignature),
        ];
        flags
            .into_iter()
            .find_map(|(set, defect)| set.then_some(defect))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    #[test]
    fn every_defect_has_the_flag_of_its_name() {
        for defect in Defect::ALL {
            let flag = format!("--{}", defect.name());
            let cli = Cli::try_parse_from([
                "bclogout",
                "mint",
                "--key",
                "k",
                "--issuer",
                "i",
                "--client-id",
                "c",
                &flag,
            ])
            .unwrap_or_else(|e| panic!("{flag}: {e}"));
            let Command::Mint(args) = cli.command else {
                panic!("not mint")
            };
            assert_eq!(args.defect.defect(), Some(defect), "{flag}");
        }
    }
}
