//! The Redis stores against the testkit's store conformance suite (the
//! same checks the in-memory stores pass), each check on its own
//! `redis-server`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::Duration;

use backchannel_logout_redis::{RedisConfig, RedisLogoutStore, RedisReplayGuard};
use backchannel_logout_testkit::redis_server::{Durability, RedisServer};

/// A fresh server, and stores on it for the suite's `make(ttl)`. The
/// closure owns the server: it stops when the check is done.
fn redis_stores()
-> impl Fn(Duration) -> std::pin::Pin<Box<dyn Future<Output = (RedisReplayGuard, RedisLogoutStore)>>>
{
    let server = RedisServer::start(Durability::Ephemeral);
    move |ttl| {
        let url = server.url();
        Box::pin(async move {
            let stores = RedisConfig::new(&url)
                .unwrap()
                .marker_ttl(ttl)
                .connect()
                .await
                .unwrap();
            (stores.replay_guard(), stores.logout_store())
        })
    }
}

backchannel_logout_testkit::store_conformance_tests!(redis_stores());
