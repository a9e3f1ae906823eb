//! The configured sites as the beacon endpoint checks them: allowed origins, sampling, rate
//! limit, the page groups with their own signal series, and the path rules naming groups.

use super::page_groups::PathRules;
use super::rate_limit::Limiter;
use crate::config::SiteConfig;
use std::collections::{HashMap, HashSet};

/// What one configured site may send.
pub struct SiteRule {
    /// Any origin may send (server-side forwarders, development).
    pub any_origin: bool,
    /// Exact `scheme://host[:port]` origins allowed.
    pub origins: Vec<String>,
    /// Share of page views kept (server-side sampling).
    pub sample: f64,
    /// Lowest sample rate a beacon may declare, if the site sets its own.
    pub min_sample: Option<f64>,
    /// The site's beacon rate limit, if any.
    pub limiter: Option<Limiter>,
    /// Page groups with their own signal series on `/metrics`.
    pub signal_groups: Vec<String>,
    /// URL-path rules for beacons that name no group.
    pub page_groups: PathRules,
    /// Release stored for page views that send none; empty: none.
    pub default_release: String,
}

impl SiteRule {
    /// The rule of one `[[sites]]` entry.
    pub fn new(s: &SiteConfig) -> SiteRule {
        SiteRule {
            any_origin: s.origins.iter().any(|o| o == "*"),
            // Browsers send origins without a trailing slash; a configured one must match.
            origins: s
                .origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_string())
                .collect(),
            sample: s.sample,
            min_sample: s.min_sample,
            limiter: Limiter::new(s.max_beacons_per_second, 2.0 * s.max_beacons_per_second),
            signal_groups: s.groups.clone(),
            page_groups: PathRules::new(&s.page_groups),
            default_release: s.release.clone(),
        }
    }
}

/// The rules by site key; `None` without configured sites (any site is accepted).
pub fn rules(sites: &[SiteConfig]) -> Option<HashMap<String, SiteRule>> {
    (!sites.is_empty()).then(|| {
        sites
            .iter()
            .map(|s| (s.key.clone(), SiteRule::new(s)))
            .collect()
    })
}

/// Origins some site accepts, for the CORS answer; `None` when any origin is (no sites
/// configured, or a site with `*`).
pub fn cors_origins(rules: Option<&HashMap<String, SiteRule>>) -> Option<HashSet<String>> {
    let rules = rules?;
    (!rules.values().any(|r| r.any_origin)).then(|| {
        rules
            .values()
            .flat_map(|r| r.origins.iter().cloned())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(key: &str, origins: &[&str]) -> SiteConfig {
        SiteConfig {
            key: key.into(),
            origins: origins.iter().map(|o| o.to_string()).collect(),
            sample: 0.5,
            min_sample: None,
            max_beacons_per_second: 0.0,
            groups: vec!["cart".into()],
            page_groups: Vec::new(),
            release: String::new(),
        }
    }

    #[test]
    fn rules_and_cors_origins_come_from_the_sites() {
        assert!(rules(&[]).is_none(), "no sites: any site");
        assert!(cors_origins(None).is_none());
        let r = rules(&[
            site("shop", &["https://shop.example/"]),
            site("blog", &["https://blog.example"]),
        ])
        .unwrap();
        let shop = &r["shop"];
        assert_eq!(
            shop.origins,
            ["https://shop.example"],
            "trailing slash dropped"
        );
        assert!(!shop.any_origin && shop.limiter.is_none());
        assert_eq!(
            (shop.sample, &shop.signal_groups[..]),
            (0.5, &["cart".to_string()][..])
        );
        let cors = cors_origins(Some(&r)).unwrap();
        assert!(cors.contains("https://shop.example") && cors.contains("https://blog.example"));
        let any = rules(&[site("shop", &["https://shop.example"]), site("api", &["*"])]);
        assert!(any.as_ref().unwrap()["api"].any_origin);
        assert!(
            cors_origins(any.as_ref()).is_none(),
            "one site takes any origin"
        );
    }
}
