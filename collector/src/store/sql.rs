//! SQL text helpers: literal quoting, placeholder filling and statement splitting.

/// Quotes a string as a ClickHouse string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Replaces `{name}` placeholders with the given SQL fragments (already quoted where needed).
/// An unknown placeholder is an error so that a typo cannot silently run. Names and values
/// may be borrowed or owned, so lists built at run time need no second, borrowed copy.
pub fn fill<K: AsRef<str>, V: AsRef<str>>(
    template: &str,
    vars: &[(K, V)],
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| "unclosed '{' in SQL".to_string())?;
        let name = &after[..end];
        let value = vars
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
            .ok_or_else(|| format!("unknown placeholder {{{name}}}"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Splits a file into statements at `;` ending a line; comment-only lines are dropped.
pub fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.trim_end().ends_with(';') {
            let stmt = cur.trim().trim_end_matches(';').trim().to_string();
            if !stmt.is_empty() {
                out.push(stmt);
            }
            cur.clear();
        }
    }
    let tail = cur.trim();
    if !tail.is_empty() {
        out.push(tail.to_string());
    }
    out
}

/// The value of a `-- key: value` header line, if the text has one.
pub fn header<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines()
        .map_while(|l| l.trim().strip_prefix("--"))
        .find_map(|l| {
            l.trim()
                .strip_prefix(key)?
                .trim()
                .strip_prefix(':')
                .map(str::trim)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_hostile_strings() {
        assert_eq!(quote("a'b\\c"), "'a\\'b\\\\c'");
    }

    #[test]
    fn fills_and_rejects_unknown() {
        let v = [("db", "rum".to_string()), ("site", quote("x"))];
        assert_eq!(
            fill("SELECT {site} FROM {db}.t", &v).unwrap(),
            "SELECT 'x' FROM rum.t"
        );
        assert!(fill("{nope}", &v).is_err());
    }

    #[test]
    fn splits_statements_and_reads_headers() {
        let text = "-- min_version: 19.6\n-- why\nCREATE A;\n\nALTER B\n  x;\nSELECT 1";
        assert_eq!(statements(text), ["CREATE A", "ALTER B\n  x", "SELECT 1"]);
        assert_eq!(header(text, "min_version"), Some("19.6"));
        assert_eq!(header(text, "other"), None);
    }
}
