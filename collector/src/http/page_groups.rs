//! Per-site URL-path rules that name a page view's group when its beacon names none: how a
//! single-page storefront gets one group per route without tagging each one.

use crate::config::PageGroupRule;

/// A site's path rules in configuration order; the first whose pattern matches wins.
#[derive(Debug, Clone, Default)]
pub struct PathRules {
    rules: Vec<(Pattern, String)>,
}

/// A path pattern: literal text with `*` matching any run of characters (`/` included),
/// split once at load so matching allocates nothing.
#[derive(Debug, Clone)]
struct Pattern {
    /// The literal pieces between the `*`s; one piece means no `*` (an exact path).
    pieces: Vec<String>,
}

impl Pattern {
    fn new(p: &str) -> Pattern {
        Pattern {
            pieces: p.split('*').map(str::to_string).collect(),
        }
    }

    /// Whether the whole of `path` matches: the first piece is a prefix, the last a suffix,
    /// and the middle ones appear in order between them (leftmost match is enough for `*`).
    fn matches(&self, path: &str) -> bool {
        let (first, rest) = self.pieces.split_first().expect("split yields one piece");
        let Some(mut tail) = path.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return tail.is_empty();
        };
        for piece in middle {
            match tail.find(piece.as_str()) {
                Some(i) => tail = &tail[i + piece.len()..],
                None => return false,
            }
        }
        tail.ends_with(last.as_str())
    }
}

impl PathRules {
    /// Compiles a site's `page_groups` (checked by the configuration).
    pub fn new(rules: &[PageGroupRule]) -> PathRules {
        PathRules {
            rules: rules
                .iter()
                .map(|r| (Pattern::new(&r.path), r.group.clone()))
                .collect(),
        }
    }

    /// The group of the first rule matching `path`, if any.
    pub fn group_of(&self, path: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|(p, _)| p.matches(path))
            .map(|(_, g)| g.as_str())
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, &str)]) -> PathRules {
        let r: Vec<PageGroupRule> = pairs
            .iter()
            .map(|(p, g)| PageGroupRule {
                path: p.to_string(),
                group: g.to_string(),
            })
            .collect();
        PathRules::new(&r)
    }

    #[test]
    fn first_matching_rule_names_the_group() {
        let r = rules(&[
            ("/spa/product/*", "product"),
            ("/spa/cart", "cart"),
            ("/spa/*/reviews", "reviews"),
            ("/spa/*", "spa"),
            ("*.html", "static"),
        ]);
        let g = |p| r.group_of(p);
        assert_eq!(g("/spa/product/sencha"), Some("product"));
        assert_eq!(g("/spa/product/"), Some("product"), "* matches nothing too");
        assert_eq!(g("/spa/product/a/b"), Some("product"), "* crosses /");
        assert_eq!(g("/spa/cart"), Some("cart"));
        assert_eq!(g("/spa/cart/x"), Some("spa"), "an exact rule is exact");
        assert_eq!(g("/spa/x/reviews"), Some("reviews"));
        assert_eq!(
            g("/spa/x/reviews/2"),
            Some("spa"),
            "a suffix must end the path"
        );
        assert_eq!(g("/spa/"), Some("spa"));
        assert_eq!(g("/spa"), None, "the prefix includes its /");
        assert_eq!(g("/about.html"), Some("static"));
        assert_eq!(g("/"), None);
        assert!(rules(&[]).is_empty() && rules(&[]).group_of("/").is_none());
    }

    #[test]
    fn pieces_do_not_overlap() {
        let r = rules(&[("/a*a", "aa")]);
        assert_eq!(
            r.group_of("/a"),
            None,
            "prefix and suffix need their own characters"
        );
        assert_eq!(r.group_of("/aa"), Some("aa"));
        let r = rules(&[("/x*yy*y", "g")]);
        assert_eq!(r.group_of("/xyyy"), Some("g"));
        assert_eq!(r.group_of("/xyy"), None);
    }
}
