//! Which Oscar addresses the service may call. An admin types the address,
//! so without rules the service would fetch whatever they name: plain http
//! across the internet, or the clinic host's own private network. Oscar must
//! be `https` unless it is on this machine (loopback, for the demo and the
//! tests), and private-network addresses need the operator's
//! `--oscar-private-network`, checked on every call (a name's addresses are
//! checked when it is resolved, so DNS cannot lead around the rule).

use std::net::{IpAddr, SocketAddr};

use super::ConnectorError;

/// `https://emr.clinic.ca/oscar/` or `…/oscar/provider/providercontrol.jsp`
/// → `https://emr.clinic.ca/oscar`: admins paste what their address bar shows.
pub fn normalize_base_url(input: &str) -> Result<String, ConnectorError> {
    let bad = || ConnectorError::Invalid("Enter Oscar's address, like https://emr.clinic.ca/oscar".into());
    let mut url = url::Url::parse(input.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || !url.username().is_empty() {
        return Err(bad());
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().to_owned();
    // Keep the context path: everything before a known Oscar page.
    let context = ["/provider/", "/casemgmt/", "/oscarEncounter/", "/ws/", "/index.jsp", "/login.do", "/admin/"]
        .iter()
        .filter_map(|marker| path.find(marker))
        .min()
        .map_or(path.as_str(), |i| &path[..i]);
    let context = context.trim_end_matches('/').to_owned();
    url.set_path(&context);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Refuses an address the rules above do not allow.
pub fn check(base_url: &str, private_network: bool) -> Result<(), ConnectorError> {
    let url = url::Url::parse(base_url).map_err(|_| ConnectorError::Invalid("That is not an address.".into()))?;
    let host = url.host();
    if url.scheme() != "https" && !host.as_ref().is_some_and(is_loopback_host) {
        return Err(ConnectorError::Invalid(
            "Oscar's address must start with https:// (plain http only for an Oscar on this machine).".into(),
        ));
    }
    let ip = match host {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if ip.is_some_and(is_private) && !private_network {
        return Err(private_refused());
    }
    Ok(())
}

fn private_refused() -> ConnectorError {
    ConnectorError::Invalid(
        "Oscar's address is on a private network. The service's operator must allow that \
         (--oscar-private-network) before it can be used."
            .into(),
    )
}

/// This machine: 127.0.0.0/8, ::1 or exactly `localhost` (`localhost.evil.test` is not).
pub fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// 10/8, 172.16/12, 192.168/16, fc00::/7, link-local (169.254/16, fe80::/10),
/// and the unspecified address; IPv4-mapped IPv6 is judged as IPv4.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || v6.is_unspecified()
            }
        },
    }
}

/// Resolves names for the Oscar client, keeping only allowed addresses.
pub(super) struct GuardedResolver {
    /// The operator allowed private networks.
    pub private_network: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let private_network = self.private_network;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| private_network || !is_private(a.ip())).collect();
            if allowed.is_empty() {
                return Err("no allowed address (private network, or none)".into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_the_context_path_only() {
        let n = |s| normalize_base_url(s).unwrap();
        assert_eq!(n("https://emr.clinic.ca/oscar/"), "https://emr.clinic.ca/oscar");
        assert_eq!(
            n("https://emr.clinic.ca/oscar_15/provider/providercontrol.jsp?x=1"),
            "https://emr.clinic.ca/oscar_15"
        );
        assert_eq!(n("http://127.0.0.1:8080/oscar"), "http://127.0.0.1:8080/oscar");
        assert_eq!(n("https://emr.clinic.ca/"), "https://emr.clinic.ca");
        assert!(normalize_base_url("ftp://x/oscar").is_err());
        assert!(normalize_base_url("emr.clinic.ca").is_err());
        assert!(normalize_base_url("https://user:pw@emr/oscar").is_err());
    }

    #[test]
    fn https_except_loopback_and_private_networks_only_when_allowed() {
        let ok = |u: &str, p| check(u, p).is_ok();
        assert!(ok("https://emr.clinic.ca/oscar", false));
        assert!(ok("http://127.0.0.1:8080/oscar", false));
        assert!(ok("http://127.9.9.9/oscar", false));
        assert!(ok("http://[::1]:8080/oscar", false));
        assert!(ok("http://LOCALHOST/oscar", false));
        assert!(!ok("http://emr.clinic.ca/oscar", false));
        assert!(!ok("http://localhost.evil.test/oscar", false), "not loopback: an exact match only");
        for private in [
            "https://10.1.2.3/oscar",
            "https://172.16.0.1/oscar",
            "https://172.31.255.1/oscar",
            "https://192.168.1.10/oscar",
            "https://169.254.169.254/oscar",
            "https://[fd00::1]/oscar",
            "https://[fe80::1]/oscar",
            "https://[::ffff:10.0.0.1]/oscar",
        ] {
            assert!(!ok(private, false), "{private}");
            assert!(ok(private, true), "{private}");
        }
        assert!(ok("https://172.32.0.1/oscar", false), "outside 172.16/12");
        assert!(!ok("http://192.168.1.10/oscar", true), "still https");
    }
}
