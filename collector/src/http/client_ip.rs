//! The client's IP: the socket peer, or what a trusted proxy says it forwarded for.

use actix_web::http::header::{HeaderMap, HeaderValue};
use std::net::{IpAddr, SocketAddr};

/// Picks the client address. Forwarding headers are only believed when the peer is a trusted
/// proxy. Then `X-Forwarded-For` (all its lines, in order) is walked from the right, past
/// trusted proxies, to the first untrusted address: everything left of that is whatever the
/// client chose to send. Without `X-Forwarded-For`, `Forwarded: for=` is walked the same way.
/// An entry that cannot be read (`unknown`, an obfuscated name, garbage) ends the walk at the
/// proxy that wrote it: walking past it would hand the choice to the client.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let xff = headers.get_all("x-forwarded-for");
    if xff.len() > 0 {
        return Some(walk(
            peer,
            entries(xff).map(|e| e.and_then(xff_entry)),
            trusted,
        ));
    }
    let fwd = headers.get_all("forwarded");
    Some(walk(
        peer,
        entries(fwd).map(|e| e.and_then(forwarded_for)),
        trusted,
    ))
}

/// The right-most untrusted address, or the last trusted hop before an unreadable entry (or
/// before the end of the list).
fn walk(peer: IpAddr, hops: impl Iterator<Item = Option<IpAddr>>, trusted: &[IpAddr]) -> IpAddr {
    let mut nearest = peer;
    for hop in hops {
        match hop {
            Some(ip) if trusted.contains(&ip) => nearest = ip,
            Some(ip) => return ip,
            None => return nearest,
        }
    }
    nearest
}

/// The comma-separated entries of every line of a header, right to left; a line that is not
/// text is one unreadable entry.
fn entries<'h>(lines: std::slice::Iter<'h, HeaderValue>) -> impl Iterator<Item = Option<&'h str>> {
    lines.rev().flat_map(|v| {
        let text = v.to_str().ok();
        let parts = text.map(|t| t.rsplit(','));
        parts
            .into_iter()
            .flatten()
            .map(Some)
            .chain(text.is_none().then_some(None))
    })
}

/// One `X-Forwarded-For` entry: `IP`, `IP:port`, `[v6]` or `[v6]:port`.
fn xff_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    e.parse::<IpAddr>()
        .ok()
        .or_else(|| e.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| e.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// The `for=` of one `Forwarded` element (`for=1.2.3.4;proto=https`, `for="[v6]:port"`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let value = element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
    })?;
    let v = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    xff_entry(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn got(peer: &str, lines: &[(&'static str, &str)], trusted: &[&str]) -> IpAddr {
        let mut h = HeaderMap::new();
        for (k, v) in lines {
            h.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let t: Vec<IpAddr> = trusted.iter().map(|s| ip(s)).collect();
        client_ip(Some(ip(peer)), &h, &t).unwrap()
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        let x = got("1.2.3.4", &[("x-forwarded-for", "9.9.9.9")], &["10.0.0.1"]);
        assert_eq!(x, ip("1.2.3.4"));
    }

    #[test]
    fn trusted_proxy_forwards_rightmost_untrusted() {
        let t = ["10.0.0.1", "10.0.0.2"];
        let xff = [("x-forwarded-for", "6.6.6.6, 5.5.5.5, 10.0.0.2")];
        assert_eq!(got("10.0.0.1", &xff, &t), ip("5.5.5.5"));
        let fwd = [("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")];
        assert_eq!(got("10.0.0.1", &fwd, &t), ip("2001:db8::1"));
        assert_eq!(
            got("10.0.0.1", &[("forwarded", "For=7.7.7.7:123")], &t),
            ip("7.7.7.7")
        );
    }

    #[test]
    fn a_proxy_that_appends_ip_and_port_is_read_not_skipped() {
        // The proxy appended what it saw (with the port); the left entry is the client's own.
        let t = ["127.0.0.1"];
        let cases = [
            ("10.1.2.3, 203.0.113.5:4711", "203.0.113.5"),
            ("10.1.2.3, [2001:db8::7]:4711", "2001:db8::7"),
            ("10.1.2.3, [2001:db8::7]", "2001:db8::7"),
            ("10.1.2.3,203.0.113.5", "203.0.113.5"),
        ];
        for (xff, want) in cases {
            assert_eq!(
                got("127.0.0.1", &[("x-forwarded-for", xff)], &t),
                ip(want),
                "{xff}"
            );
        }
        let fwd = [("forwarded", "for=10.1.2.3, for=\"203.0.113.5:4711\"")];
        assert_eq!(got("127.0.0.1", &fwd, &t), ip("203.0.113.5"));
    }

    #[test]
    fn the_walk_stops_at_an_entry_it_cannot_read() {
        let t = ["127.0.0.1", "10.0.0.2"];
        // Unreadable right-most entry: the peer that wrote it is the best we know.
        for xff in [
            "10.9.9.9, unknown",
            "10.9.9.9, 1.2.3.4:x",
            "10.9.9.9,",
            "10.9.9.9, _hidden",
        ] {
            assert_eq!(
                got("127.0.0.1", &[("x-forwarded-for", xff)], &t),
                ip("127.0.0.1"),
                "{xff}"
            );
        }
        // Behind a second trusted proxy: that proxy is the answer.
        let two = [("x-forwarded-for", "10.9.9.9, garbage, 10.0.0.2")];
        assert_eq!(got("127.0.0.1", &two, &t), ip("10.0.0.2"));
        let fwd = [("forwarded", "for=10.9.9.9, for=unknown")];
        assert_eq!(got("127.0.0.1", &fwd, &t), ip("127.0.0.1"));
        // A client-written Forwarded is not consulted when X-Forwarded-For exists.
        let both = [
            ("x-forwarded-for", "127.0.0.1"),
            ("forwarded", "for=10.9.9.9"),
        ];
        assert_eq!(got("127.0.0.1", &both, &t), ip("127.0.0.1"));
    }

    #[test]
    fn every_header_line_counts_the_last_one_nearest() {
        // A proxy adding its own line (HAProxy) after the client's: the last line is read first.
        let lines = [
            ("x-forwarded-for", "10.9.9.9"),
            ("x-forwarded-for", "203.0.113.5"),
        ];
        assert_eq!(got("127.0.0.1", &lines, &["127.0.0.1"]), ip("203.0.113.5"));
    }
}
