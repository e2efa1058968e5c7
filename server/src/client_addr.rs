//! The client's address, for every limit keyed on it. Behind a reverse proxy the TCP
//! peer is the proxy, so every user would share one count: the address is then taken
//! from `X-Forwarded-For` (the rightmost hop that is not a trusted proxy) or
//! `X-Real-IP`, but only when the peer is one of the `trusted_proxies`. A client
//! talking to the server directly cannot choose its address with a header.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::error::AppError;

/// Why a `trusted_proxies` entry is not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyEntryError {
    /// Not an address.
    #[error("{0:?} is not an IP address or CIDR block (e.g. 127.0.0.1, 10.0.0.0/8, ::1)")]
    NotAnAddress(String),
    /// The prefix length does not fit the address family.
    #[error(
        "{0:?} has a prefix length longer than the address (at most 32 for IPv4, 128 for IPv6)"
    )]
    Prefix(String),
}

/// One trusted address or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    net: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(entry: &str) -> Result<Self, ProxyEntryError> {
        let entry = entry.trim();
        let bad = || ProxyEntryError::NotAnAddress(entry.to_owned());
        let (addr, prefix) = match entry.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (entry, None),
        };
        let net = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(ProxyEntryError::Prefix(entry.to_owned()));
        }
        Ok(Self { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                same_prefix(&n.octets(), &a.octets(), usize::from(self.prefix))
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                same_prefix(&n.octets(), &a.octets(), usize::from(self.prefix))
            }
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: usize) -> bool {
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// A dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`: compared and keyed
/// as the IPv4 address, so `127.0.0.1` in the setting matches them.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// The reverse proxies whose forwarding headers are believed (empty: none, the TCP
/// peer is the client).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// Parses the entries (addresses or CIDR blocks).
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, ProxyEntryError> {
        entries
            .into_iter()
            .filter(|e| !e.trim().is_empty())
            .map(Block::parse)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }

    /// The client behind `peer`. From an untrusted peer the headers are ignored. From a
    /// trusted one, `X-Forwarded-For` is read right to left (each proxy appends the
    /// address it saw) and the first hop that is not a trusted proxy is the client:
    /// whatever the client wrote further left is never reached. With no usable
    /// `X-Forwarded-For`, `X-Real-IP`; with neither, the peer itself.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let mut hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect::<Vec<_>>();
        let mut last_trusted = None;
        while let Some(hop) = hops.pop() {
            // A hop a trusted proxy wrote but cannot be read: stop at the last address known.
            let Some(ip) = parse_hop(hop) else {
                return last_trusted.unwrap_or(peer);
            };
            if !self.contains(ip) {
                return ip;
            }
            last_trusted = Some(ip);
        }
        if let Some(ip) = last_trusted {
            // Every hop is a proxy of ours: the leftmost is the closest to a client.
            return ip;
        }
        headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_hop(v.trim()))
            .unwrap_or(peer)
    }
}

/// `a.b.c.d`, `a.b.c.d:port`, `v6`, `[v6]` or `[v6]:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
        .map(canonical)
}

/// The client's address (an extractor): see [`TrustedProxies::client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.0
    }

    /// What a per-client limit counts on: the IPv4 address, or the IPv6 /64 (one
    /// subscriber's network, in which a host can pick any address it likes).
    pub fn key(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// Where [`ClientAddr`] finds the trusted proxies: the server's state implements it
/// (so this module needs neither the state nor the configuration).
pub trait HasTrustedProxies {
    /// The configured proxies.
    fn trusted_proxies(&self) -> &TrustedProxies;
}

impl<S: HasTrustedProxies + Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| {
                AppError::Internal(
                    "the peer address is missing: serve with into_make_service_with_connect_info"
                        .into(),
                )
            })?;
        Ok(Self(state.trusted_proxies().client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(list.iter().copied()).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        let none = TrustedProxies::default();
        let spoof = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-real-ip", "5.6.7.8")]);
        assert_eq!(none.client(ip("203.0.113.9"), &spoof), ip("203.0.113.9"));
        let lo = proxies(&["127.0.0.1"]);
        assert_eq!(lo.client(ip("203.0.113.9"), &spoof), ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        // The client wrote 1.1.1.1 itself; nginx appended what it saw.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.2.3.4")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("198.51.100.8"));
        // Ports and brackets are tolerated.
        let h = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("2001:db8::1"));
        // A dual-stack listener's mapped peer counts as the IPv4 proxy.
        let h = headers(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(p.client(ip("::ffff:127.0.0.1"), &h), ip("198.51.100.9"));
    }

    #[test]
    fn real_ip_and_fallbacks() {
        let p = proxies(&["127.0.0.1"]);
        let h = headers(&[("x-real-ip", "198.51.100.10")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("198.51.100.10"));
        assert_eq!(
            p.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        let h = headers(&[("x-forwarded-for", "nonsense")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        let h = headers(&[("x-forwarded-for", "198.51.100.1, nonsense, 127.0.0.1")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn entries_are_checked() {
        assert!(proxies(&["10.0.0.0/8"]).contains(ip("10.255.0.1")));
        assert!(!proxies(&["10.0.0.0/8"]).contains(ip("11.0.0.1")));
        assert!(proxies(&["192.168.1.128/25"]).contains(ip("192.168.1.200")));
        assert!(!proxies(&["192.168.1.128/25"]).contains(ip("192.168.1.100")));
        assert!(proxies(&["fd00::/8"]).contains(ip("fd12::1")));
        assert!(proxies(&["0.0.0.0/0"]).contains(ip("8.8.8.8")));
        assert!(!proxies(&["::1"]).contains(ip("127.0.0.1")));
        assert_eq!(
            TrustedProxies::parse(["10.0.0.0/33"]),
            Err(ProxyEntryError::Prefix("10.0.0.0/33".into()))
        );
        assert!(TrustedProxies::parse(["proxy.example"]).is_err());
        let err = TrustedProxies::from_settings(Some("127.0.0.1, x".into()), None).unwrap_err();
        assert!(
            err.to_string().contains("CERTRENEW_TRUSTED_PROXIES"),
            "{err}"
        );
        let ok = TrustedProxies::from_settings(None, Some(vec!["::1".into()])).unwrap();
        assert!(ok.contains(ip("::1")));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        assert_eq!(ClientAddr(ip("203.0.113.1")).key(), "203.0.113.1");
        assert_eq!(
            ClientAddr(ip("2001:db8:1:2:aaaa::1")).key(),
            ClientAddr(ip("2001:db8:1:2:bbbb::2")).key()
        );
        assert_ne!(
            ClientAddr(ip("2001:db8:1:2::1")).key(),
            ClientAddr(ip("2001:db8:1:3::1")).key()
        );
    }
}
