//! The in-memory stores against the testkit's store conformance suite, the
//! same checks any shared store runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use backchannel_logout::{MemoryLogoutStore, MemoryReplayGuard};

async fn make(ttl: Duration) -> (MemoryReplayGuard, Arc<MemoryLogoutStore>) {
    (
        MemoryReplayGuard::new(),
        Arc::new(MemoryLogoutStore::with_limits(10_000, ttl)),
    )
}

backchannel_logout_testkit::store_conformance_tests!(make);
