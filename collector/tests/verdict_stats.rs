//! The verdict's statistics against scipy: the Mann-Whitney U and its p-value equal
//! `scipy.stats.mannwhitneyu` (two-sided and "greater", tie-corrected, continuity-corrected)
//! within 1e-9 relative on the same binned samples, and the Hodges-Lehmann shift and interval equal a
//! brute-force computation over every pairwise difference. Python runs from `.state/venv`
//! (`scripts/setup.sh` installs `tests/sql/requirements.txt`); without it this test fails.

use rum_collector::verdict::stats::{hodges_lehmann, mann_whitney, Sample};
use std::path::PathBuf;
use std::process::Command;

/// SplitMix64: a seeded generator, so every run sees the same samples.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-normal with median `median` and log-sd `sigma` (Box-Muller).
    fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        median * (sigma * z).exp()
    }
}

/// The rollup's bins (migration 0010): three significant digits.
fn bin(v: f64) -> u32 {
    let step = if v < 1000.0 {
        1.0
    } else if v < 10_000.0 {
        10.0
    } else if v < 100_000.0 {
        100.0
    } else {
        1000.0
    };
    ((v / step).round() * step) as u32
}

struct Case {
    name: &'static str,
    /// (bin, page views weighing `weight` each) per side.
    x: Vec<u32>,
    y: Vec<u32>,
    /// Each page view's weight (an integer, so scipy can be given the repeated sample).
    weight: u32,
    hl: bool,
}

fn sample(values: &[u32], weight: u32) -> Sample {
    Sample::from_pairs(values.iter().map(|&v| (v, weight as f64)).collect())
}

fn expanded(values: &[u32], weight: u32) -> Vec<u32> {
    values
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, weight as usize))
        .collect()
}

fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let py = root.join(".state/venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: run scripts/setup.sh (installs tests/sql/requirements.txt, with scipy)",
        py.display()
    );
    py
}

fn close(a: f64, b: f64, what: &str) {
    let rel = (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    assert!(
        rel <= 1e-9,
        "{what}: ours {a:e}, reference {b:e} (relative {rel:e})"
    );
}

#[test]
fn mann_whitney_and_hodges_lehmann_equal_the_references() {
    let mut rng = Rng(23);
    let lcp = |rng: &mut Rng, n: usize, factor: f64| -> Vec<u32> {
        (0..n)
            .map(|_| bin(rng.log_normal(2400.0 * factor, 0.5)))
            .collect()
    };
    let cases = [
        Case {
            name: "lcp 10 % slower",
            x: lcp(&mut rng, 400, 1.0),
            y: lcp(&mut rng, 300, 1.1),
            weight: 1,
            hl: true,
        },
        Case {
            name: "lcp same",
            x: lcp(&mut rng, 500, 1.0),
            y: lcp(&mut rng, 500, 1.0),
            weight: 1,
            hl: true,
        },
        Case {
            name: "cls-like, mostly zeros",
            x: (0..600)
                .map(|_| (rng.next() * 8.0) as u32 / 3 * 40)
                .collect(),
            y: (0..500)
                .map(|_| (rng.next() * 9.0) as u32 / 3 * 40)
                .collect(),
            weight: 1,
            hl: true,
        },
        Case {
            name: "weights of 2 (sample rate 0.5)",
            x: lcp(&mut rng, 200, 1.0),
            y: lcp(&mut rng, 250, 1.3),
            weight: 2,
            hl: true,
        },
        Case {
            name: "all tied",
            x: vec![100; 50],
            y: vec![100; 60],
            weight: 1,
            hl: true,
        },
        Case {
            name: "lcp 20 % slower, 20 000 per side (p far in the tail)",
            x: lcp(&mut rng, 20_000, 1.0),
            y: lcp(&mut rng, 20_000, 1.2),
            weight: 1,
            hl: false,
        },
    ];
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "x": expanded(&c.x, c.weight),
                "y": expanded(&c.y, c.weight),
                "confidence": 0.98,
                "hl": c.hl,
            })
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("verdict-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cases.json");
    std::fs::write(&file, serde_json::to_vec(&input).unwrap()).unwrap();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/sql/mannwhitney_reference.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for (c, r) in cases.iter().zip(&reference) {
        let (x, y) = (sample(&c.x, c.weight), sample(&c.y, c.weight));
        let t = mann_whitney(&x, &y).unwrap();
        close(t.u, r["u"].as_f64().unwrap(), &format!("{}: U", c.name));
        close(t.p, r["p"].as_f64().unwrap(), &format!("{}: p", c.name));
        close(
            t.p_greater,
            r["p_greater"].as_f64().unwrap(),
            &format!("{}: one-sided p", c.name),
        );
        if c.hl {
            let h = hodges_lehmann(&x, &y, 0.98).unwrap();
            let s = &r["shift"];
            for (ours, key) in [(h.estimate, "estimate"), (h.low, "low"), (h.high, "high")] {
                assert_eq!(ours, s[key].as_f64().unwrap(), "{}: shift {key}", c.name);
            }
        }
    }
    // The tail case is far past 1e-9: the test checks the erfc tail, not a rounded zero.
    assert!(reference[5]["p"].as_f64().unwrap() < 1e-50);
}
