//! Accepting connections: the router served over HTTP/1 with the limits a server facing the
//! public needs against slow and many connections (issue 15, finding 8). axum's own `serve`
//! holds a connection that sends half a header, or nothing, for ever.
//!
//! - A client must send a request's whole header within `header_timeout`; the same clock
//!   closes a kept-alive connection that sends no next request (hyper starts it whenever it
//!   waits for a header).
//! - One address may hold at most `per_address` connections at once; the next is answered
//!   503 and closed. A trusted proxy carries many clients' requests and is not capped. The count is this process's own: it guards this process's sockets, and
//!   a client spread over several servers is held by each.
//! - A request that has its header but is slow to finish is cut by the request timeout
//!   (`TimeoutLayer` in the router).

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tower::ServiceExt;

/// The limits on connections.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub header_timeout: Duration,
    /// 0: no cap (behind a proxy every client has the proxy's address).
    pub per_address: usize,
    /// Addresses not capped: the trusted proxies.
    pub exempt: crate::kernel::client::TrustedProxies,
}

/// Serves `router` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    router: axum::Router,
    listener: tokio::net::TcpListener,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    // Every connection task holds a receiver; when all are dropped, all have finished.
    let (finished, in_flight) = watch::channel(());
    let open = OpenConnections::default();
    let mut stop_accepting = stopping.clone();
    let header_timeout = limits.header_timeout;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, most often: wait for some to close.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop_accepting) => break,
        };
        let cap = if limits.exempt.contains(peer.ip()) {
            0
        } else {
            limits.per_address
        };
        let Some(slot) = open.take(peer.ip(), cap) else {
            tracing::warn!(peer = %peer.ip(), "too many connections from one address");
            tokio::spawn(refuse(stream));
            continue;
        };
        let service = router
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let mut stopping = stopping.clone();
        let in_flight = in_flight.clone();
        tokio::spawn(async move {
            let _held = (slot, in_flight);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let conn =
                http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stopped(&mut stopping) => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(listener);
    drop(in_flight);
    finished.closed().await;
    Ok(())
}

/// Waits until shutdown was asked for.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Tells a client over its cap to come back later, and closes.
async fn refuse(mut stream: tokio::net::TcpStream) {
    let answer = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\n\
                   Content-Length: 0\r\nConnection: close\r\n\r\n";
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(answer)).await;
}

/// How many connections each address holds open.
#[derive(Default, Clone)]
struct OpenConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One open connection, counted until dropped.
struct Slot {
    open: OpenConnections,
    ip: IpAddr,
}

impl OpenConnections {
    fn take(&self, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if cap > 0 && *n >= cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            open: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.open.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}
