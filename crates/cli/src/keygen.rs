//! `bclogout keygen`: a provider's signing key, private to a file, public
//! on stdout.

use std::io::{self, Write};
use std::path::Path;

use backchannel_logout_testkit::SigningKey;

use crate::args::KeygenArgs;
use crate::exit::Failure;
use crate::output;
use crate::token::ProviderKeys;

/// Generates the key, writes it, prints the key set.
pub(crate) fn run(args: &KeygenArgs) -> Result<(), Failure> {
    if !args.force && args.out.exists() {
        // Checked again, atomically, when the file is put in place; this
        // only saves generating a key for nothing.
        return Err(Failure::Exists(args.out.clone()));
    }
    let key = SigningKey::try_generate(args.alg, args.bits).map_err(Failure::KeyGen)?;
    let keys = ProviderKeys::new(key)?;
    let pem = keys.key.to_pkcs8_pem().map_err(Failure::KeyGen)?;
    write_private(&args.out, pem.as_bytes(), args.force)?;
    output::note(&format!(
        "wrote the {} private key to {} (owner-only); its kid is {}",
        keys.key.alg(),
        args.out.display(),
        keys.key.kid()
    ));
    output::print_json(&keys.jwks())
}

/// Writes `contents` to `path` readable by the owner only: a temporary file
/// created with mode 0600 in the same directory, then renamed into place,
/// so the key is never readable by others nor seen half-written. Without
/// `force`, an existing file is kept (the rename refuses to replace it).
fn write_private(path: &Path, contents: &[u8], force: bool) -> Result<(), Failure> {
    let failed = |source| Failure::WriteFile {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bclogout-key-");
    // tempfile's default is 0600 too; said here because it matters.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder.tempfile_in(dir).map_err(failed)?;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .map_err(failed)?;
    let placed = if force {
        file.persist(path)
    } else {
        file.persist_noclobber(path)
    };
    // A failed persist drops, and so deletes, the temporary file.
    placed.map(drop).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            Failure::Exists(path.to_owned())
        } else {
            failed(e.error)
        }
    })
}
