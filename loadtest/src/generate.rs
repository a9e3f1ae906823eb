//! Synthetic traffic shaped like real storefronts: page groups with their own latency,
//! devices and real user agents (and some bots), countries through forwarded IPs, log-normal
//! timings with heavy tails, update beacons, sampled sites, and a share of bad bodies.

use rum_beacon::PROTOCOL_VERSION;
use serde_json::{json, Value};

/// Page groups: name, path, latency scale, share of traffic (%).
const GROUPS: [(&str, &str, f64, u32); 5] = [
    ("home", "/", 1.0, 30),
    ("category", "/category/coffee", 1.3, 25),
    ("product", "/product/espresso-blend", 1.6, 30),
    ("cart", "/cart", 0.8, 10),
    ("checkout", "/checkout", 2.0, 5),
];

/// What the LCP usually is on each page group: element selector and resource URL ("" for a
/// text block), in the order of GROUPS.
const LCP_ELEMENTS: [(&str, &str); 5] = [
    ("img.hero", "https://shop.example/img/hero-autumn.webp"),
    (
        "ul.grid>li:nth-child(1)>img",
        "https://shop.example/img/p/espresso-blend-400.webp",
    ),
    (
        "div.gallery>img.main",
        "https://shop.example/img/p/espresso-blend-1200.webp",
    ),
    ("table.cart>tbody", ""),
    ("form#payment>h2", ""),
];

/// Interactions that end up as the INP: target selector and event type.
const INTERACTIONS: [(&str, &str); 5] = [
    ("button#add-to-cart", "pointerup"),
    ("nav.menu>button", "click"),
    ("input#search", "keydown"),
    ("select#variant", "pointerdown"),
    ("button.checkout", "click"),
];

/// User agents: real desktop and mobile browsers, and crawlers.
const AGENTS: [(&str, f64); 5] = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", 1.0),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 1.8),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", 2.2),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:127.0) Gecko/20100101 Firefox/127.0", 1.0),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 1.0),
];

/// Public IPs in a few countries (first octets of well-known ranges), sent through
/// `X-Forwarded-For` so the collector's geo lookup has something to find.
const IPS: [[u8; 2]; 6] = [[8, 8], [81, 2], [133, 242], [185, 60], [200, 160], [41, 77]];

/// A log-normal sample with the given median: page-load times are long-tailed.
fn lognormal(median: f64, sigma: f64) -> f64 {
    let (u1, u2) = (fastrand::f64().max(1e-12), fastrand::f64());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median * (sigma * z).exp() * 10.0).round() / 10.0
}

/// A page group by traffic share: its index in GROUPS.
fn pick_group() -> usize {
    let mut r = fastrand::u32(0..100);
    for (i, (_, _, _, share)) in GROUPS.iter().enumerate() {
        if r < *share {
            return i;
        }
        r -= share;
    }
    0
}

/// One request of a run.
pub struct Request {
    /// Body bytes.
    pub body: Vec<u8>,
    /// Sent gzip-encoded.
    pub gzip: bool,
    /// User agent.
    pub user_agent: &'static str,
    /// Forwarded client IP.
    pub ip: String,
    /// Page-view id, when the body is a well-formed beacon expected to be accepted.
    pub page_view: Option<String>,
}

/// Mix of a run, in percent.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    /// Bad bodies (broken JSON, invalid values, oversized).
    pub bad_pct: u32,
    /// Gzip-encoded bodies.
    pub gzip_pct: u32,
    /// Update beacons (seq 2 of an earlier page view).
    pub update_pct: u32,
    /// Beacons from a site sampling at 10 %.
    pub sampled_pct: u32,
}

/// Builds request number `n` of run `run` for `site`.
pub fn request(run: &str, n: u64, site: &str, mix: Mix) -> Request {
    let (ua, ua_scale) = AGENTS[fastrand::usize(..AGENTS.len())];
    let o = IPS[fastrand::usize(..IPS.len())];
    let ip = format!(
        "{}.{}.{}.{}",
        o[0],
        o[1],
        fastrand::u8(1..255),
        fastrand::u8(1..255)
    );
    let roll = fastrand::u32(0..100);
    if roll < mix.bad_pct {
        let body = match fastrand::u8(0..3) {
            0 => br#"{"v":1,"site":"#.to_vec(),
            1 => format!(r#"{{"v":1,"site":"{site}","pv":"x","seq":1,"url":"https://a/"}}"#)
                .into_bytes(),
            _ => vec![b' '; 70 * 1024],
        };
        return Request {
            body,
            gzip: false,
            user_agent: ua,
            ip,
            page_view: None,
        };
    }
    let g = pick_group();
    let (group, path, scale, _) = GROUPS[g];
    let s = scale * ua_scale;
    let ttfb = lognormal(120.0 * s, 0.6);
    let fcp = ttfb + lognormal(350.0 * ua_scale, 0.5);
    let lcp = fcp + lognormal(250.0 * s, 0.7);
    let update = roll < mix.bad_pct + mix.update_pct && n > 0;
    // An update repeats an earlier page view of this run with seq 2 and grown CLS/INP.
    let (id, seq) = if update {
        // A recent page view; seq grows with n so two updates rarely share (pv, seq).
        (n - 1 - fastrand::u64(0..n.min(100)), 2 + (n % 900) as u32)
    } else {
        (n, 1)
    };
    let pv = format!("{run}-{id}");
    // Decided by the page view, so its updates go to the same site (one row per page view).
    let sampled = (id % 100) < mix.sampled_pct as u64;
    let mut beacon = json!({
        "v": PROTOCOL_VERSION, "site": if sampled { format!("{site}-sampled") } else { site.to_string() },
        "pv": pv, "seq": seq, "url": format!("https://shop.example{path}"), "group": group,
        "nav": "navigate", "ttfb": ttfb, "fcp": fcp, "lcp": lcp,
        "cls": (fastrand::f64().powi(3) * 0.4 * 1000.0).round() / 1000.0,
        "inp": lognormal(90.0 * ua_scale, 0.8), "ect": "4g", "vw": 1280, "vh": 720,
    });
    // Attribution, as the agent sends it: the LCP element and resource, the interaction
    // behind the INP and how its time splits into input delay, processing and presentation.
    let (lcp_el, lcp_url) = LCP_ELEMENTS[g];
    beacon["lcp_el"] = Value::from(lcp_el);
    if !lcp_url.is_empty() {
        beacon["lcp_url"] = Value::from(lcp_url);
    }
    let (target, event) = INTERACTIONS[fastrand::usize(..INTERACTIONS.len())];
    let inp = beacon["inp"].as_f64().unwrap_or(0.0);
    let delay = (inp * 0.2 * fastrand::f64() * 10.0).round() / 10.0;
    let processing = (inp * 0.5 * fastrand::f64() * 10.0).round() / 10.0;
    beacon["inp_target"] = Value::from(target);
    beacon["inp_type"] = Value::from(event);
    beacon["inp_delay"] = Value::from(delay);
    beacon["inp_proc"] = Value::from(processing);
    beacon["inp_pres"] = Value::from(((inp - delay - processing) * 10.0).round() / 10.0);
    if sampled {
        beacon["sample"] = Value::from(0.1);
    }
    let body = beacon.to_string().into_bytes();
    let gzip = fastrand::u32(0..100) < mix.gzip_pct;
    let body = if gzip { gzip_bytes(&body) } else { body };
    Request {
        body,
        gzip,
        user_agent: ua,
        ip,
        page_view: Some(pv),
    }
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rum_beacon::{Beacon, F};

    /// What the generator sends as a good beacon is what the declaration accepts: every key
    /// declared, every beacon valid, and the fields the agent sends all exercised.
    #[test]
    fn generated_beacons_use_the_declared_fields() {
        let mix = Mix {
            bad_pct: 0,
            gzip_pct: 0,
            update_pct: 10,
            sampled_pct: 10,
        };
        let mut sent = std::collections::HashSet::new();
        for n in 0..500 {
            let r = request("checkrun1", n, "demo", mix);
            assert!(r.page_view.is_some());
            let obj: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(&r.body).expect("one beacon object");
            for k in obj.keys() {
                assert!(F::from_wire(k).is_some(), "undeclared key {k}");
                sent.insert(k.clone());
            }
            let mut b = Beacon::parse(&r.body).unwrap();
            b.validate().unwrap();
        }
        for key in [
            "ttfb",
            "fcp",
            "lcp",
            "cls",
            "inp",
            "lcp_el",
            "inp_target",
            "inp_pres",
        ] {
            assert!(sent.contains(key), "the generator never sends {key}");
        }
    }
}
