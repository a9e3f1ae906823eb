//! The client's IP: the socket peer, or what a trusted proxy says it forwarded for.

use std::net::IpAddr;

/// Picks the client address. Forwarding headers are only believed when the peer is a trusted
/// proxy; then the right-most untrusted address of `X-Forwarded-For` wins (the left-most ones
/// are whatever the client chose to send), falling back to `Forwarded: for=`.
pub fn client_ip(
    peer: Option<IpAddr>,
    xff: Option<&str>,
    forwarded: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    if let Some(xff) = xff {
        let hop = xff
            .rsplit(',')
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .find(|ip| !trusted.contains(ip));
        if hop.is_some() {
            return hop;
        }
    }
    if let Some(fwd) = forwarded {
        let hop = fwd
            .split([',', ';'])
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("for=")
                    .or_else(|| p.trim().strip_prefix("For="))
            })
            .filter_map(|v| {
                let v = v.trim_matches('"');
                let v = v
                    .strip_prefix('[')
                    .map_or(v, |x| x.split(']').next().unwrap_or(x));
                v.parse::<IpAddr>()
                    .ok()
                    .or_else(|| v.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
            })
            .rfind(|ip| !trusted.contains(ip));
        if hop.is_some() {
            return hop;
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        let got = client_ip(
            Some(ip("1.2.3.4")),
            Some("9.9.9.9"),
            None,
            &[ip("10.0.0.1")],
        );
        assert_eq!(got, Some(ip("1.2.3.4")));
    }

    #[test]
    fn trusted_proxy_forwards_rightmost_untrusted() {
        let t = [ip("10.0.0.1"), ip("10.0.0.2")];
        let got = client_ip(
            Some(ip("10.0.0.1")),
            Some("6.6.6.6, 5.5.5.5, 10.0.0.2"),
            None,
            &t,
        );
        assert_eq!(got, Some(ip("5.5.5.5")));
        let fwd = client_ip(
            Some(ip("10.0.0.1")),
            None,
            Some("for=\"[2001:db8::1]:4711\";proto=https"),
            &t,
        );
        assert_eq!(fwd, Some(ip("2001:db8::1")));
        let plain = client_ip(Some(ip("10.0.0.1")), None, Some("for=7.7.7.7:123"), &t);
        assert_eq!(plain, Some(ip("7.7.7.7")));
    }
}
