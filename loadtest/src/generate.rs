//! Synthetic beacons shaped like real traffic: log-normal timings per page group.

use rum_beacon::PROTOCOL_VERSION;
use serde_json::{json, Value};

const GROUPS: [(&str, &str, f64); 5] = [
    ("home", "/", 1.0),
    ("category", "/category/coffee", 1.3),
    ("product", "/product/espresso-blend", 1.6),
    ("cart", "/cart", 0.8),
    ("checkout", "/checkout", 2.0),
];

/// A log-normal sample with the given median: page-load times are long-tailed.
fn lognormal(median: f64) -> f64 {
    // Box-Muller for a standard normal.
    let (u1, u2) = (fastrand::f64().max(1e-12), fastrand::f64());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median * (0.6 * z).exp() * 10.0).round() / 10.0
}

/// One beacon for a random page view.
pub fn beacon(site: &str) -> Value {
    let (group, path, scale) = GROUPS[fastrand::usize(..GROUPS.len())];
    let ttfb = lognormal(150.0 * scale);
    let fcp = ttfb + lognormal(400.0);
    let lcp = fcp + lognormal(300.0 * scale);
    json!({
        "v": PROTOCOL_VERSION,
        "site": site,
        "pv": format!("lt{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        "seq": 1,
        "url": format!("https://shop.example{path}"),
        "group": group,
        "nav": "navigate",
        "ttfb": ttfb,
        "fcp": fcp,
        "lcp": lcp,
        "cls": (fastrand::f64() * fastrand::f64() * 0.3 * 1000.0).round() / 1000.0,
        "inp": lognormal(120.0),
    })
}

/// The body of one request: an object, or an array of `batch` objects.
pub fn request_body(site: &str, batch: usize) -> String {
    if batch <= 1 {
        beacon(site).to_string()
    } else {
        Value::Array((0..batch).map(|_| beacon(site)).collect()).to_string()
    }
}
