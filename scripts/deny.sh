#!/usr/bin/env bash
# Supply-chain checks (deny.toml): licenses, sources, duplicate versions and
# advisories, offline, against the vendored RustSec database in
# ../shared/advisory-db (the machines cannot fetch one).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
    echo "== installing cargo-deny"
    cargo install cargo-deny --locked
fi

snapshot=../shared/advisory-db
# cargo deny reads a database only from a git checkout in db-path (deny.toml),
# in a folder named after the hash of the database's URL; this one is the
# default URL's.
db=target/advisory-dbs/advisory-db-3157b0e258782691
if [ ! -d "$snapshot/crates" ]; then
    echo "deny: no advisory database at $snapshot" >&2
    exit 1
fi
rm -rf "$db"
mkdir -p "$db"
cp -R "$snapshot"/. "$db"/
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=snapshot -c user.email=snapshot@localhost \
    commit -q -m "vendored RustSec advisory database"

cargo deny --offline check "$@"
