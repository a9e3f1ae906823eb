//! The alert rules of `deploy/prometheus-rules.yaml`: promtool (Debian's `prometheus`
//! package, installed by `scripts/setup.sh`) checks them and runs their unit tests, and every
//! gauge they and their test series name is one the collector exports, so a renamed gauge
//! fails here instead of silencing an alert.

use rum_beacon::F;
use rum_collector::http::health::signal_gauge_names;
use std::process::Command;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DEPLOY}/{name}")).unwrap()
}

/// Runs `promtool ARGS` in deploy/; fails when promtool is missing or says no.
fn promtool(args: &[&str]) -> String {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(DEPLOY)
        .output()
        .unwrap_or_else(|e| {
            panic!("promtool not runnable ({e}): scripts/setup.sh installs Debian's prometheus")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

#[test]
fn the_rules_pass_promtool_check_and_their_unit_tests() {
    let checked = promtool(&["check", "rules", "prometheus-rules.yaml"]);
    assert!(checked.contains("SUCCESS: 4 rules found"), "{checked}");
    let tested = promtool(&["test", "rules", "prometheus-rules.test.yaml"]);
    assert!(tested.contains("SUCCESS"), "{tested}");
}

/// Every `rum_signal_*` name in `text`.
fn gauges_named(text: &str) -> Vec<&str> {
    text.match_indices("rum_signal_")
        .map(|(i, _)| {
            let rest = &text[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn the_rules_and_their_test_series_name_only_exported_gauges() {
    let exported = signal_gauge_names();
    for file in ["prometheus-rules.yaml", "prometheus-rules.test.yaml"] {
        let text = read(file);
        let names = gauges_named(&text);
        assert!(names.len() >= 5, "{file}: {names:?}");
        for name in names {
            // `rum_signal_<metric>_...` in an annotation's prose is a template, not a name.
            if name.ends_with('_') {
                continue;
            }
            assert!(
                exported.iter().any(|g| g == name),
                "{file} names {name}, which /metrics does not export"
            );
        }
    }
    // Every regression gauge is alerted on.
    let rules = read("prometheus-rules.yaml");
    for g in exported.iter().filter(|g| g.ends_with("_regressed")) {
        assert!(rules.contains(g.as_str()), "no alert reads {g}");
    }
}

#[test]
fn the_poor_thresholds_are_the_declared_core_web_vitals() {
    let rules = read("prometheus-rules.yaml");
    for (gauge, field) in [
        ("rum_signal_lcp_p75_ms", F::Lcp),
        ("rum_signal_inp_p75_ms", F::Inp),
    ] {
        let poor = field.spec().rating.expect("rated").poor;
        let expr = format!("> {poor}");
        let line = rules
            .lines()
            .find(|l| l.contains("expr:") && l.contains(gauge))
            .unwrap_or_else(|| panic!("an alert on {gauge}"));
        assert!(line.ends_with(&expr), "{line}: poor is {expr}");
    }
}
