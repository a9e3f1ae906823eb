//! URL privacy: query strings and fragments often carry personal data and are never sent.

/// `url` without its query and fragment.
pub fn without_query(url: &str) -> &str {
    url.find(['?', '#']).map_or(url, |i| &url[..i])
}
