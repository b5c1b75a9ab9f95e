//! Who a request comes from, for per-client rate limits: the peer's
//! address, or behind trusted reverse proxies the client they forwarded.
//! IPv6 clients are counted per /64, the block one subscriber gets, so
//! rotating addresses within it does not dodge a limit.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use super::error::ApiError;
use super::AppState;

/// The client a request is counted against: an IPv4 address, or the /64
/// network of an IPv6 one (its host bits zero). Rate-limit keys format it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let peer = peer.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientIp(rate_limit_group(client_address(peer, forwarded, &state.settings.trusted_proxies))))
    }
}

/// The client's address: the peer itself unless it is a trusted proxy;
/// then, walking `X-Forwarded-For` (all its headers, in order) from the
/// right, the first address that is not a trusted proxy. Addresses left of
/// it were written by the client and prove nothing. A malformed entry ends
/// the walk at the last proxy seen.
pub fn client_address<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are IPv4 clients.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// What a rate limit counts: an IPv4 address as is, an IPv6 address by
/// its /64 network.
pub fn rate_limit_group(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// One `--trust-proxy` entry: an address (a network of one) or a CIDR range.
pub fn parse_proxy(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    if let Ok(net) = value.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    value
        .parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("'{value}' is not an IP address or a CIDR range (e.g. 10.0.0.0/8)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &str) -> Vec<IpNet> {
        list.split(',').map(|s| parse_proxy(s).unwrap()).collect()
    }

    // See: issue 13, point 9.
    #[test]
    fn ipv6_clients_are_grouped_by_their_64_and_ipv4_stays_per_address() {
        assert_eq!(rate_limit_group(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(rate_limit_group(ip("2001:db8:1:2:ffff:1:2:3")), ip("2001:db8:1:2::"));
        assert_ne!(rate_limit_group(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(rate_limit_group(ip("192.0.2.77")), ip("192.0.2.77"));
        assert_eq!(rate_limit_group(ip("::ffff:192.0.2.77")), ip("192.0.2.77"));
    }

    // See: issue 13, point 9.
    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = nets("10.0.0.0/8,192.0.2.7");
        let xff = |v: &'static str| std::iter::once(v);
        // Not from a proxy: the header is the client's own invention.
        assert_eq!(client_address(ip("203.0.113.9"), xff("198.51.100.1"), &trusted), ip("203.0.113.9"));
        // From a proxy: the right-most address that is not a proxy.
        assert_eq!(client_address(ip("10.1.2.3"), xff("198.51.100.1"), &trusted), ip("198.51.100.1"));
        assert_eq!(
            client_address(ip("10.1.2.3"), xff("6.6.6.6, 198.51.100.1, 192.0.2.7, 10.9.9.9"), &trusted),
            ip("198.51.100.1")
        );
        // Several headers are one list; ports are dropped.
        let two = ["6.6.6.6, 198.51.100.1:5000", "10.0.0.2"].into_iter();
        assert_eq!(client_address(ip("10.1.2.3"), two, &trusted), ip("198.51.100.1"));
        // A proxy with no header, or garbage, is taken at its word only that far.
        assert_eq!(client_address(ip("192.0.2.7"), std::iter::empty(), &trusted), ip("192.0.2.7"));
        assert_eq!(client_address(ip("10.1.2.3"), xff("nonsense, 10.0.0.2"), &trusted), ip("10.0.0.2"));
        // Nothing trusted: never believed.
        assert_eq!(client_address(ip("10.1.2.3"), xff("198.51.100.1"), &[]), ip("10.1.2.3"));
    }

    #[test]
    fn proxy_lists_take_addresses_and_ranges() {
        assert_eq!(parse_proxy(" 192.0.2.7 ").unwrap(), "192.0.2.7/32".parse::<IpNet>().unwrap());
        assert_eq!(parse_proxy("10.1.2.3/8").unwrap(), "10.0.0.0/8".parse::<IpNet>().unwrap());
        assert_eq!(parse_proxy("2001:db8::/32").unwrap(), "2001:db8::/32".parse::<IpNet>().unwrap());
        assert!(parse_proxy("true").is_err());
    }
}
