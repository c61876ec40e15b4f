//! Behind a load balancer (issue 22): every TCP peer is the balancer, so the rules that
//! count by address must count by the client it names — and only when the balancer is
//! trusted, or anyone could name himself someone else. Served over a real socket.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xianfeng_testkit::backends;
use xianfeng_web::{TrustedProxies, WebConfig};

/// Serves a fresh database, trusting `proxies`; returns its address.
async fn server(
    proxies: &[&str],
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    xianfeng_testkit::TestDb,
) {
    let db = backends().await.pop().unwrap();
    let store = db.open().await;
    xianfeng_app::init::init(&store, Some("Pass-word-1"), false, &xianfeng_app::Silent)
        .await
        .unwrap();
    let config = WebConfig {
        trusted_proxies: TrustedProxies::parse(proxies).unwrap(),
        ..WebConfig::default()
    };
    let (addr, stop) = support::serve_on_socket(store, config).await;
    (addr, stop, db)
}

/// The status of a GET sent with `X-Forwarded-For: forwarded`.
async fn status(addr: &str, path: &str, forwarded: &str) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: {forwarded}\r\n\
         Connection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

/// A well-formed code nobody was given.
fn guess(i: u8) -> String {
    format!(
        "/p/b/{}",
        xianfeng_domain::ballot::BallotCode::from_random(&[i; 8]).as_str()
    )
}

#[tokio::test]
async fn mistyped_codes_behind_a_trusted_balancer_block_that_client_only() {
    let (addr, _stop, _db) = server(&["127.0.0.1"]).await;
    let limit = xianfeng_app::evaluation::GUESSES_PER_HOUR as u8;
    for i in 0..limit {
        assert_eq!(status(&addr, &guess(i), "203.0.113.7").await, 404);
    }
    assert_eq!(
        status(&addr, &guess(limit), "203.0.113.7").await,
        429,
        "the 31st mistyped code from one client is refused"
    );
    // Everyone else behind the same balancer is still told the code is unknown.
    assert_eq!(status(&addr, &guess(200), "198.51.100.4").await, 404);
    // The guesser cannot start afresh by writing a header of his own: the balancer
    // appends the address it saw, and that one counts.
    assert_eq!(
        status(&addr, &guess(201), "192.0.2.55, 203.0.113.7").await,
        429
    );
}

#[tokio::test]
async fn forwarding_headers_from_a_peer_not_trusted_are_ignored() {
    // No trusted proxies: the header is anyone's to write, so the peer is the client.
    let (addr, _stop, _db) = server(&[]).await;
    let limit = xianfeng_app::evaluation::GUESSES_PER_HOUR as u8;
    for i in 0..=limit {
        status(&addr, &guess(i), &format!("203.0.113.{i}")).await;
    }
    assert_eq!(
        status(&addr, &guess(250), "198.51.100.4").await,
        429,
        "a header that changes on every request does not reset the count"
    );
}

#[tokio::test]
async fn metrics_are_not_served_to_outsiders_through_a_balancer_on_this_machine() {
    let (addr, _stop, _db) = server(&["127.0.0.1"]).await;
    // A scraper on this machine, not going through the balancer.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    // Someone outside, forwarded by a balancer on loopback.
    assert_eq!(status(&addr, "/metrics", "203.0.113.7").await, 404);
}
