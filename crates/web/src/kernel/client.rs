//! The client's address (客户端地址), which every per-address rule counts by: sign-in
//! lockout, ballot-code guessing, the open-mode ballot rate, the connection cap and the
//! security log.
//!
//! Behind a load balancer every TCP peer is the balancer. Its `X-Forwarded-For` (or
//! `X-Real-IP`) names the client, but a header is only as true as whoever wrote it: it is
//! read only when the peer is one of the configured `trusted_proxies`, and then from the
//! right, skipping hops that are themselves trusted, so that a client cannot name itself
//! someone else by sending the header first (docs/CONFIG.md, decision 121).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// One address or a block of them (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    base: IpAddr,
    prefix: u8,
}

impl AddressBlock {
    /// Reads `addr` or `addr/prefix`; the error is the text that is neither.
    pub fn parse(text: &str) -> Result<AddressBlock, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let base: IpAddr = addr.parse().map_err(|_| text.to_string())?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= bits => n,
                _ => return Err(text.to_string()),
            },
        };
        Ok(AddressBlock { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                same_prefix(u32::from(b) as u128, u32::from(a) as u128, self.prefix, 32)
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                same_prefix(u128::from(b), u128::from(a), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u8, bits: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = u32::from(bits - prefix);
    (a >> shift) == (b >> shift)
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<AddressBlock>);

impl TrustedProxies {
    /// Reads a list of addresses and blocks; the error is the first item that is neither.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<TrustedProxies, String> {
        items
            .iter()
            .map(|s| s.as_ref())
            .filter(|s| !s.trim().is_empty())
            .map(AddressBlock::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client behind `peer`: the peer itself unless it is trusted; then the rightmost
    /// address of `X-Forwarded-For` that is not a trusted hop, or `X-Real-IP`. A value
    /// that is not an address stops the walk at the last hop known to be true.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        if !forwarded.is_empty() {
            let mut client = peer;
            for hop in forwarded.iter().rev() {
                let Some(ip) = address_of(hop) else {
                    return client;
                };
                client = ip;
                if !self.contains(ip) {
                    break;
                }
            }
            return client;
        }
        headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(address_of)
            .unwrap_or(peer)
    }
}

/// An address as proxies write it: bare, `[v6]:port` or `v4:port`.
fn address_of(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    text.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// The client's IP, put on every request by [`resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client's IP, or the TCP peer's where [`resolve`] did not run.
    pub fn of(extensions: &axum::http::Extensions) -> Option<IpAddr> {
        extensions.get::<ClientIp>().map(|c| c.0).or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
    }
}

/// The client's address as text, for the rules that count by it; "unknown" when not
/// served over TCP (tests in memory).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ClientAddress(
            ClientIp::of(&parts.extensions).map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        ))
    }
}

/// Works out the client's address once per request, before anything counts by it.
pub async fn resolve(
    State(trusted): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = trusted.client(peer.ip(), req.headers());
        req.extensions_mut().insert(ClientIp(client));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn blocks_are_read_and_bad_ones_named() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "127.0.0.1", "fd00::/8", " "]).unwrap();
        assert!(t.contains(ip("10.200.3.4")));
        assert!(t.contains(ip("127.0.0.1")));
        assert!(
            t.contains(ip("::ffff:10.1.1.1")),
            "IPv4 on a dual-stack socket"
        );
        assert!(t.contains(ip("fd12::1")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(
            TrustedProxies::parse(&["0.0.0.0/0"])
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
        let e = TrustedProxies::parse(&["10.0.0.0/33"]).unwrap_err();
        assert_eq!(e, "10.0.0.0/33");
        let e = TrustedProxies::parse(&["127.0.0.1", " proxy.local"]).unwrap_err();
        assert_eq!(e, "proxy.local");
    }

    #[test]
    fn the_client_is_read_only_from_a_trusted_peer_and_from_the_right() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = headers(&[("x-forwarded-for", "1.1.1.1")]);
        // Anyone else may write the header: it is ignored.
        assert_eq!(t.client(ip("203.0.113.9"), &h), ip("203.0.113.9"));
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("1.1.1.1"));
        // A client that sends its own header cannot hide behind it: the balancer appends
        // the address it saw, and that one counts.
        let h = headers(&[("x-forwarded-for", "9.9.9.9, 203.0.113.9")]);
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("203.0.113.9"));
        // Two trusted hops are walked past; headers repeated are one list.
        let h = headers(&[
            ("x-forwarded-for", "9.9.9.9"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.7"),
        ]);
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("203.0.113.9"));
        // Garbage stops the walk at the last true hop.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown")]);
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("10.0.0.2"));
        // Ports are dropped; X-Real-IP when there is no X-Forwarded-For.
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:4711")]);
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("2001:db8::1"));
        let h = headers(&[("x-real-ip", "198.51.100.4")]);
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("198.51.100.4"));
        assert_eq!(t.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        // With no proxies configured, headers never count.
        let none = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(none.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }
}
