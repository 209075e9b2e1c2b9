//! What the type-erased `SharedReceiver` costs per request, beside the
//! generic `Receiver` it wraps: the same request through both, in one run.
//! HS256 keeps the signature cheap so that the difference (one boxed
//! future) is not lost in it; the replay guard and the sink do nothing, so
//! every request is a first use.
//!
//! `cargo bench -p backchannel-logout-benches --bench receiver -- --noplot`

// A benchmark's setup failing is a bug to see at once.
#![allow(clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use backchannel_logout::{
    Algorithm, BackendError, ClientId, Freshness, Issuer, KeySet, LogoutSink, LogoutToken,
    Receiver, ReplayGuard, StaticKeys, UnixTime, Validator,
};
use backchannel_logout_testkit::{SigningKey, TokenBuilder};
use criterion::{Criterion, criterion_group, criterion_main};

const ISSUER: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// Every token is fresh, every logout succeeds: only the receiver is measured.
struct Nothing;

impl ReplayGuard for Nothing {
    async fn first_use(
        &self,
        _: &str,
        _: &str,
        _: UnixTime,
        _: UnixTime,
    ) -> Result<Freshness, BackendError> {
        Ok(Freshness::First)
    }

    async fn release(&self, _: &str, _: &str) -> Result<(), BackendError> {
        Ok(())
    }
}

impl LogoutSink for Nothing {
    async fn end_sessions(&self, _: &LogoutToken, _: UnixTime) -> Result<(), BackendError> {
        Ok(())
    }
}

fn receiver(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    for alg in [Algorithm::HS256, Algorithm::ES256] {
        let key = SigningKey::shared(alg);
        let keys = match key.hmac_secret() {
            Some(secret) => {
                let mut keys = KeySet::new();
                keys.add_hmac_secret(Some(key.kid()), secret)
                    .unwrap_or_else(|e| panic!("secret: {e}"));
                keys
            }
            None => KeySet::from_jwks(SigningKey::jwks(&[key]).as_bytes())
                .unwrap_or_else(|e| panic!("key set: {e}")),
        };
        let issuer = Issuer::new(ISSUER);
        let validator = Validator::builder(issuer.clone(), ClientId::new(CLIENT))
            .algorithms([alg])
            .build()
            .unwrap_or_else(|e| panic!("validator: {e}"));
        let generic = Receiver::new(validator, StaticKeys::new(issuer, keys), Nothing, Nothing);
        let now = UnixTime::from_system_time(SystemTime::now());
        let token = TokenBuilder::new(ISSUER, CLIENT, now.as_secs())
            .sid("s-1")
            .sign(key);
        let body = format!("logout_token={token}");
        let mut group = c.benchmark_group(format!("receiver/{}", alg.name()));
        group.bench_function("generic", |b| {
            b.iter(|| {
                let out = runtime.block_on(generic.receive(FORM, black_box(body.as_bytes()), now));
                assert_eq!(out.response.status, 200);
            });
        });
        let shared = generic.shared();
        group.bench_function("shared", |b| {
            b.iter(|| {
                let out = runtime.block_on(shared.receive(FORM, black_box(body.as_bytes()), now));
                assert_eq!(out.response.status, 200);
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = receiver
}
criterion_main!(benches);
