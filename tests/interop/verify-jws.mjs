// Verifies a compact JWS with `jose` (the JOSE library oidc-provider uses),
// independently of the Rust crates: the key is chosen from the key set by
// the token's `kid` and `alg`, exactly as jose's own users do.
//
//   node verify-jws.mjs JWKS_FILE TOKEN      (TOKEN "-": read it from stdin)
//
// Prints the verified payload (the JSON claims) on stdout and exits 0;
// exits 1 with jose's reason on stderr when the token does not verify, 2 on
// a usage error. Checks the signature only, not the claims or the time.

import { readFileSync } from 'node:fs';

import { compactVerify, createLocalJWKSet } from 'jose';

const [jwksFile, tokenArgument] = process.argv.slice(2);
if (!jwksFile || !tokenArgument) {
  process.stderr.write('usage: node verify-jws.mjs JWKS_FILE TOKEN|-\n');
  process.exit(2);
}

let keys;
let token;
try {
  keys = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, 'utf8')));
  token = (tokenArgument === '-' ? readFileSync(0, 'utf8') : tokenArgument).trim();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

try {
  const { payload, protectedHeader } = await compactVerify(token, keys);
  process.stderr.write(`verified: ${JSON.stringify(protectedHeader)}\n`);
  process.stdout.write(`${new TextDecoder().decode(payload)}\n`);
} catch (error) {
  process.stderr.write(`${error.code ?? error.name}: ${error.message}\n`);
  process.exit(1);
}
