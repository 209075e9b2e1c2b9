// A real OpenID Provider for the interop test: node oidc-provider, on a
// loopback port, with back-channel logout, open dynamic client registration
// (and its management, so a client can be pointed at a relying party that
// started after the provider), the development login and consent pages, and
// fresh signing keys for every algorithm below.
//
//   node provider.mjs [--port N]        (or OP_PORT=N; default 0: any free port)
//
// Writes one JSON object per line on stdout:
//   {"event":"ready","issuer":...,"oidc_provider":VERSION,"node":VERSION,"algorithms":[...]}
//   {"event":"backchannel.request","url":...,"logout_token":...}  the token it is about to POST
//   {"event":"backchannel.response","url":...,"status":200}        the relying party's answer
//   {"event":"backchannel.success"|"backchannel.error","client_id":...,"sub":...,"sid":...[,"error":...]}
// Diagnostics go to stderr. Exits when stdin closes, so it never outlives
// the test that started it.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

// Every signature algorithm oidc-provider offers that the Rust core verifies.
const ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA', 'Ed25519',
];

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function port() {
  const i = process.argv.indexOf('--port');
  const value = i === -1 ? (process.env.OP_PORT ?? '0') : process.argv[i + 1];
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`--port: not a port number: ${value}`);
  }
  return n;
}

// Keys as providers commonly hold them: one RSA key serving all six RSA
// algorithms and one Ed25519 key serving both EdDSA names, published
// without `alg`; the EC keys, one per curve, published with theirs. The
// relying party picks each by `kid`.
async function signingKeys() {
  const generate = async (alg, options, publishAlg) => {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
    const jwk = await exportJWK(privateKey);
    return publishAlg ? { ...jwk, alg, use: 'sig' } : { ...jwk, use: 'sig' };
  };
  return Promise.all([
    generate('RS256', { modulusLength: 2048 }, false),
    generate('ES256', {}, true),
    generate('ES384', {}, true),
    generate('EdDSA', { crv: 'Ed25519' }, false),
  ]);
}

const version = JSON.parse(readFileSync(
  new URL('./node_modules/oidc-provider/package.json', import.meta.url),
  'utf8',
)).version;

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port(), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  jwks: { keys: await signingKeys() },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  enabledJWA: { idTokenSigningAlgValues: ALGORITHMS },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    registration: { enabled: true },
    registrationManagement: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // Any login name is an account whose `sub` is that name.
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  // oidc-provider refuses outgoing requests to special-use addresses
  // (its SSRF guard, a dispatcher passed in `options`); the relying party
  // under test listens on loopback, so the guard is left out here. This is
  // also where the logout token is seen on its way out.
  fetch: async (url, { dispatcher, ...options }) => {
    if (options.body instanceof URLSearchParams && options.body.has('logout_token')) {
      emit({ event: 'backchannel.request', url, logout_token: options.body.get('logout_token') });
    }
    const response = await globalThis.fetch(url, options);
    emit({ event: 'backchannel.response', url, status: response.status });
    return response;
  },
});

provider.on('backchannel.success', (ctx, client, sub, sid) => {
  emit({
    event: 'backchannel.success', client_id: client.clientId, sub, sid,
  });
});
provider.on('backchannel.error', (ctx, error, client, sub, sid) => {
  emit({
    event: 'backchannel.error', client_id: client.clientId, sub, sid, error: error.message,
  });
});
provider.on('server_error', (ctx, error) => {
  process.stderr.write(`oidc-provider server_error: ${error.stack}\n`);
});

server.on('request', provider.callback());
emit({
  event: 'ready', issuer, oidc_provider: version, node: process.version, algorithms: ALGORITHMS,
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
