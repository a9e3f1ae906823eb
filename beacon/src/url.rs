//! URL helpers: privacy stripping and path extraction without a full URL parser.

/// Drops the query string and fragment: they often carry personal data (emails, tokens).
pub fn strip_query_and_fragment(url: &str) -> &str {
    // By bytes: these ASCII bytes never occur inside a multi-byte character.
    match url.bytes().position(|b| b == b'?' || b == b'#') {
        Some(i) => &url[..i],
        None => url,
    }
}

/// Splits an absolute `http(s)://host/path` URL into host and path (`/` when empty).
pub fn split_url(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = strip_query_and_fragment(rest);
    match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    }
}
