//! Slow and many connections (issue 15, finding 8): a half-sent header and an idle
//! kept-alive connection are closed after the header timeout; one address holds no more
//! than its share of connections. Served over a real socket, as in production.

mod support;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xianfeng_testkit::backends;
use xianfeng_web::WebConfig;

/// Serves a fresh database with these limits; returns its address.
async fn server(
    header_timeout: Duration,
    per_address: usize,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    xianfeng_testkit::TestDb,
) {
    let db = backends().await.remove(0);
    let store = db.open().await;
    let config = WebConfig {
        header_timeout,
        connections_per_address: per_address,
        ..WebConfig::default()
    };
    let (addr, stop) = support::serve_on_socket(store, config).await;
    (addr, stop, db)
}

/// Reads until the server closes the connection; `None` if it is still open after `wait`.
async fn read_to_close(s: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&all).into_owned()),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
        }
    }
}

const GET: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[tokio::test]
async fn half_a_header_and_an_idle_connection_are_closed() {
    let (addr, _stop, _db) = server(Duration::from_millis(600), 64).await;

    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    assert!(
        read_to_close(&mut half, Duration::from_secs(10))
            .await
            .is_some(),
        "a connection that never finishes its header is closed"
    );

    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(
        read_to_close(&mut silent, Duration::from_secs(10))
            .await
            .is_some()
    );

    // A kept-alive connection is answered, then closed when no next request comes.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(GET).await.unwrap();
    let answer = read_to_close(&mut idle, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
}

#[tokio::test]
async fn one_address_holds_only_its_share_of_connections() {
    let (addr, _stop, _db) = server(Duration::from_secs(30), 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    // Let the server count them before the fourth arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(&addr).await.unwrap();
    let answer = read_to_close(&mut fourth, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");

    // A connection freed is a place for the next one, which is served in full.
    held.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut next = TcpStream::connect(&addr).await.unwrap();
    next.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut next, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn sign_in_attempts_are_counted_against_the_real_peer_address() {
    let (addr, _stop, db) = server(Duration::from_secs(5), 64).await;
    let body = r#"{"username":"nobody","password":"wrong-password-1"}"#;
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut s, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let (address,): (String,) = sqlx::query_as("SELECT address FROM login_attempts")
        .fetch_one(&db.raw().await)
        .await
        .unwrap();
    assert_eq!(address, "127.0.0.1");
}

/// A body that breaks off in a malformed chunk is a bad request, not one too large: the
/// person's form was not refused for its size.
#[tokio::test]
async fn a_body_broken_mid_way_is_a_bad_request_not_too_large() {
    let (addr, _stop, _db) = server(Duration::from_secs(5), 64).await;
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: localhost\r\n\
          Content-Type: application/x-www-form-urlencoded\r\n\
          Transfer-Encoding: chunked\r\n\r\n5\r\nuser=\r\nzz\r\n",
    )
    .await
    .unwrap();
    let answer = read_to_close(&mut s, Duration::from_secs(10))
        .await
        .expect("closed");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}
