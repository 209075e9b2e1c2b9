#!/usr/bin/env bash
# The tests, as the README's second command runs them on a fresh machine:
# first what the tests need from outside Rust (Node.js and the pinned npm
# packages of the interop test, redis-server for the Redis stores' tests),
# then every crate's tests (unit, integration, doc tests), then the core
# again with the AWS-LC backend.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-interop.sh
scripts/install-redis.sh
cargo test --workspace
cargo test -p backchannel-logout --features aws-lc-rs
