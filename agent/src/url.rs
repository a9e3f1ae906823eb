//! URL privacy: query strings and fragments often carry personal data and are never sent.

/// `url` without its query and fragment.
pub fn without_query(url: &str) -> &str {
    url.find(['?', '#'])
        .and_then(|i| url.get(..i))
        .unwrap_or(url)
}
