#!/usr/bin/env bash
# Installs what the interop test (tests/tests/interop.rs) needs: Node.js and
# npm (the Debian packages, only when missing), then the npm packages pinned
# in tests/interop/package-lock.json (skipped when node_modules already
# matches the lockfile). Idempotent; run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/interop

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-interop: installing nodejs and npm (Debian packages)"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi

# oidc-provider 9 calls crypto.hash (Node.js 20.12 and later).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)'; then
    echo "install-interop: Node.js $(node --version) is too old: oidc-provider 9 needs 20.12 or later" >&2
    exit 1
fi

# npm records the tree it installed in node_modules/.package-lock.json; when
# that equals the lockfile (its packages), there is nothing to do.
if [ -f "$dir/node_modules/.package-lock.json" ] \
    && [ -f "$dir/node_modules/oidc-provider/package.json" ] \
    && [ -f "$dir/node_modules/jose/package.json" ] \
    && node -e '
    const fs = require("fs");
    const [lock, installed] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")).packages);
    delete lock[""];
    process.exit(JSON.stringify(lock) === JSON.stringify(installed) ? 0 : 1);
' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json"; then
    echo "install-interop: $dir/node_modules matches the lockfile"
else
    echo "install-interop: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
fi
echo "install-interop: node $(node --version), oidc-provider $(node -p 'require("./'"$dir"'/node_modules/oidc-provider/package.json").version'), jose $(node -p 'require("./'"$dir"'/node_modules/jose/package.json").version')"
