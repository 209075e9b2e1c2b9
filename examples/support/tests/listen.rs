//! The examples' listener holds a burst of connections until they are
//! accepted: a thousand clients connecting at once are not made to wait for
//! their connection attempts to be sent again.

use std::time::Duration;

/// 600 clients connect while nobody accepts: every connection completes,
/// because the queue is [`example_support::BACKLOG`] long, not the 128 of
/// `TcpListener::bind` (with which the 130th and later never complete
/// here, as nothing ever accepts them).
#[tokio::test]
async fn a_burst_of_connections_waits_in_the_queue_until_accepted() {
    let listener = example_support::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut clients = Vec::new();
    for _ in 0..600 {
        let connected = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        clients.push(
            connected
                .expect("the connection completed while the queue had room")
                .unwrap(),
        );
    }
    assert_eq!(clients.len(), 600);
    // They are all there to accept.
    for _ in 0..600 {
        listener.accept().await.unwrap();
    }
}
