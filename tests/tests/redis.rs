//! Several instances of an example on one Redis (`BCL_REDIS_URL`), as
//! behind a load balancer: what one instance learns, every instance
//! knows; and while Redis is down, every instance fails closed.
//!
//! Each case starts its own `redis-server` (the testkit's, stopped when the
//! case ends); without the binary the cases fail saying how to install it
//! (scripts/install-redis.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use backchannel_logout_testkit::redis_server::{Durability, RedisServer};
use backchannel_logout_tests::{Example, Provider, Rp, next_second};

/// Instantiates every case for one example.
macro_rules! redis_suite {
    ($module:ident, $example:expr) => {
        mod $module {
            redis_suite!(@cases $example;
                token_accepted_by_one_instance_is_a_replay_on_the_other,
                session_on_one_instance_ends_when_the_other_gets_its_logout,
                sub_logout_on_one_instance_ends_the_subjects_sessions_on_both,
                redis_down_fails_closed_then_the_retry_succeeds_and_nothing_is_lost,
            );
        }
    };
    (@cases $example:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                super::$case(&$example).await;
            }
        )*
    };
}

redis_suite!(axum, backchannel_logout_tests::examples::AXUM);
redis_suite!(actix, backchannel_logout_tests::examples::ACTIX);
redis_suite!(rocket, backchannel_logout_tests::examples::ROCKET);

/// Two instances, `a` and `b`, of `example` on the Redis at `server`.
fn two_instances(example: &Example, server: &RedisServer) -> (Rp, Rp) {
    let url = server.url();
    let env = [("BCL_REDIS_URL", url.as_str())];
    (Rp::start_with(example, &env), Rp::start_with(example, &env))
}

async fn token_accepted_by_one_instance_is_a_replay_on_the_other(example: &Example) {
    let redis = RedisServer::start(Durability::Ephemeral);
    let (a, b) = two_instances(example, &redis);
    let token = a.provider.session_token("user-1", "s-1");
    a.logout(&token).await.assert_logged_out();
    b.logout(&token).await.assert_rejected("replayed_token");
    a.logout(&token).await.assert_rejected("replayed_token");
}

async fn session_on_one_instance_ends_when_the_other_gets_its_logout(example: &Example) {
    let redis = RedisServer::start(Durability::Ephemeral);
    let (a, b) = two_instances(example, &redis);
    let alice = b.browser();
    let bob = b.browser();
    alice.login("alice", Some("a-1")).await;
    bob.login("bob", Some("b-1")).await;
    assert!(alice.is_authenticated().await);

    a.logout(&a.provider.session_token("alice", "a-1"))
        .await
        .assert_logged_out();
    assert!(!alice.is_authenticated().await, "ended on b by a's logout");
    assert!(bob.is_authenticated().await);
}

async fn sub_logout_on_one_instance_ends_the_subjects_sessions_on_both(example: &Example) {
    let redis = RedisServer::start(Durability::Ephemeral);
    let (a, b) = two_instances(example, &redis);
    let carol_on_a = a.browser();
    let carol_on_b = b.browser();
    let dave_on_b = b.browser();
    carol_on_a.login("carol", Some("c-1")).await;
    carol_on_b.login("carol", Some("c-2")).await;
    dave_on_b.login("dave", Some("d-1")).await;
    // Times are whole seconds: let the token's iat come after the logins.
    next_second().await;

    let token = a.provider.token().sub("carol").sign(Provider::rs256());
    a.logout(&token).await.assert_logged_out();
    assert!(!carol_on_a.is_authenticated().await);
    assert!(!carol_on_b.is_authenticated().await);
    assert!(dave_on_b.is_authenticated().await);
    let carol_later = b.browser();
    carol_later.login("carol", Some("c-3")).await;
    assert!(carol_later.is_authenticated().await, "a later login lives");
}

async fn redis_down_fails_closed_then_the_retry_succeeds_and_nothing_is_lost(example: &Example) {
    let mut redis = RedisServer::start(Durability::AppendOnly);
    let (a, b) = two_instances(example, &redis);
    let ended_before = b.browser();
    let live = b.browser();
    ended_before.login("erin", Some("e-1")).await;
    live.login("frank", Some("f-1")).await;
    a.logout(&a.provider.session_token("erin", "e-1"))
        .await
        .assert_logged_out();

    redis.stop();
    let token = a.provider.session_token("frank", "f-1");
    let refused = a.logout(&token).await;
    refused.assert_rejected("replay_store_unavailable");
    let answer = live.whoami().await;
    assert_eq!(
        answer.status, 503,
        "the session check fails closed: {answer:?}"
    );
    let answer = ended_before.whoami().await;
    assert_eq!(answer.status, 503, "{answer:?}");

    redis.restart();
    // The provider retries; the connection comes back by itself (the
    // first attempts may still meet the broken one, and fail closed).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answer = a.logout(&token).await;
        if answer.status == 200 {
            answer.assert_logged_out();
            break;
        }
        answer.assert_rejected("replay_store_unavailable");
        assert!(Instant::now() < deadline, "no recovery: {answer:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.logout(&token).await.assert_rejected("replayed_token");
    let deadline = Instant::now() + Duration::from_secs(15);
    while live.whoami().await.status == 503 {
        assert!(
            Instant::now() < deadline,
            "the session check did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !live.is_authenticated().await,
        "the retried logout ended it"
    );
    assert!(
        !ended_before.is_authenticated().await,
        "the logout from before the outage survived the restart"
    );
}
