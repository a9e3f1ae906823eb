use super::*;

#[path = "../../fuzz/seeds.rs"]
mod seeds;
use crate::fields::Kind;

fn good() -> String {
    r#"{"v":1,"site":"demo","pv":"abcdefgh1234","seq":1,"url":"https://shop.example/p/1?email=a@b.c#top",
        "group":"product","nav":"navigate","ttfb":120.5,"fcp":300,"lcp":800.25,"cls":0.05,
        "lcp_el":"img.hero","lcp_url":"https://cdn.example/h.jpg?v=2","dims":{"ab":"b"},"sample":0.5}"#
        .to_string()
}

#[test]
fn parses_and_validates_a_good_beacon_borrowing_strings() {
    let json = good();
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    assert_eq!(b.validate(), Ok(Validated::default()));
    assert_eq!(b.str(F::Url), "https://shop.example/p/1");
    assert_eq!(b.str(F::LcpUrl), "https://cdn.example/h.jpg");
    assert!(matches!(
        b.value(F::Site),
        Value::Str(Cow::Borrowed("demo"))
    ));
    assert!(matches!(b.dims().0[0].1, Cow::Borrowed("b")));
    assert_eq!(b.num(F::Lcp), Some(800.25));
    assert_eq!(b.num(F::Sample), Some(0.5));
    assert_eq!(b.str(F::Nav), "navigate");
    assert_eq!(b.cell(F::Host), Cell::String("shop.example"));
    assert_eq!(b.cell(F::Path), Cell::String("/p/1"));
    assert_eq!(b.cell(F::LcpRating), Cell::Rating(Rating::Good));
    assert_eq!(b.cell(F::InpRating), Cell::Rating(Rating::None));
    assert_eq!(b.cell(F::Vw), Cell::UInt16(0));
}

#[test]
fn escaped_url_is_stripped_too() {
    let json = good().replace("https://shop.example/p/1?", "https:\\/\\/shop.example/p/1?");
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    b.validate().unwrap();
    assert!(matches!(b.value(F::Url), Value::Str(Cow::Owned(_))));
    assert_eq!(b.str(F::Url), "https://shop.example/p/1");
}

#[test]
fn escaped_resource_url_is_stripped_too() {
    // `\/` is what PHP's json_encode writes: the string is then owned, not borrowed.
    let json = good().replace(
        "https://cdn.example/h.jpg?v=2",
        "https:\\/\\/cdn.example\\/i.jpg?token=SECRET4#f",
    );
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    b.validate().unwrap();
    assert!(matches!(b.value(F::LcpUrl), Value::Str(Cow::Owned(_))));
    assert_eq!(b.str(F::LcpUrl), "https://cdn.example/i.jpg");
}

#[test]
fn every_url_field_is_stripped() {
    let urls: Vec<F> = F::ALL
        .into_iter()
        .filter(|f| matches!(f.spec().kind, Kind::PageUrl | Kind::ResourceUrl))
        .collect();
    assert_eq!(urls, [F::Url, F::LcpUrl, F::InpScriptUrl]);
    // A third-party script's URL carries tokens as often as an image's does.
    let json = good().replace(
        r#""dims""#,
        r#""inp_script_url":"https://tags.example/t.js?uid=SECRET","dims""#,
    );
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    b.validate().unwrap();
    assert_eq!(b.str(F::InpScriptUrl), "https://tags.example/t.js");
}

#[test]
fn control_characters_are_refused_in_strings() {
    for (from, to) in [
        ("\"group\":\"product\"", "\"group\":\"pro\\u0000duct\""),
        ("\"lcp_el\":\"img.hero\"", "\"lcp_el\":\"img\\n.hero\""),
    ] {
        let json = good().replace(from, to);
        assert_ne!(json, good());
        assert_eq!(reject(&json), Reject::ControlCharacter, "{json}");
    }
}

#[test]
fn a_key_sent_twice_is_refused() {
    let json = good().replace("\"fcp\":300", "\"fcp\":300,\"fcp\":1");
    assert_eq!(reject(&json), Reject::InvalidJson);
}

fn reject(json: &str) -> Reject {
    match Beacon::parse(json.as_bytes()) {
        Err(r) => r,
        Ok(mut b) => b.validate().unwrap_err(),
    }
}

#[test]
fn each_reason_is_produced() {
    let g = good();
    assert_eq!(reject("{not json"), Reject::InvalidJson);
    assert_eq!(
        reject(&format!(r#"{{"x":{}"#, "[".repeat(20))),
        Reject::TooDeep
    );
    assert_eq!(
        reject(&g.replace("\"v\":1", "\"v\":7")),
        Reject::UnsupportedVersion
    );
    assert_eq!(reject(&g.replace("\"v\":1,", "")), Reject::MissingField);
    // A missing field outranks a malformed one declared before it.
    let no_url = g.replace(r#""url":"https://shop.example/p/1?email=a@b.c#top","#, "");
    assert_eq!(
        reject(&no_url.replace("\"site\":\"demo\"", "\"site\":\"de mo\"")),
        Reject::MissingField
    );
    assert_eq!(
        reject(&g.replace("\"site\":\"demo\"", "\"site\":\"de mo\"")),
        Reject::InvalidSite
    );
    assert_eq!(
        reject(&g.replace("abcdefgh1234", "abc")),
        Reject::InvalidPageViewId
    );
    assert_eq!(
        reject(&g.replace("\"seq\":1", "\"seq\":5000")),
        Reject::InvalidSequence
    );
    assert_eq!(
        reject(&g.replace("https://shop", "javascript://shop")),
        Reject::InvalidUrl
    );
    assert_eq!(
        reject(&g.replace("\"navigate\"", "\"teleport\"")),
        Reject::InvalidNavigationType
    );
    let long = format!("\"group\":\"{}\"", "g".repeat(65));
    assert_eq!(
        reject(&g.replace("\"group\":\"product\"", &long)),
        Reject::StringTooLong
    );
    assert_eq!(
        reject(&g.replace("\"ttfb\":120.5", "\"ttfb\":1e999")),
        Reject::InvalidJson,
        "a number that overflows is not JSON a browser writes"
    );
    assert_eq!(
        reject(&g.replace("\"sample\":0.5", "\"sample\":0")),
        Reject::InvalidSampleRate
    );
    let many = r#"{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6"}"#;
    assert_eq!(
        reject(&g.replace(r#"{"ab":"b"}"#, many)),
        Reject::TooManyDimensions
    );
    assert_eq!(
        reject(&g.replace(r#"{"ab":"b"}"#, r#"{"a b":"1"}"#)),
        Reject::InvalidDimension
    );
}

#[test]
fn absurd_metrics_are_dropped_not_kept() {
    let json = good().replace("\"lcp\":800.25", "\"lcp\":9e12");
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    assert_eq!(b.validate().unwrap().dropped_metrics, 1);
    assert_eq!(b.num(F::Lcp), None);
}

#[test]
fn negative_values_are_dropped_and_the_page_view_kept() {
    let json = good()
        .replace("\"lcp\":800.25", "\"lcp\":-2")
        .replace("\"ttfb\":120.5", "\"ttfb\":-0.5");
    let mut b = Beacon::parse(json.as_bytes()).unwrap();
    assert_eq!(b.validate().unwrap().dropped_metrics, 2);
    assert_eq!((b.num(F::Lcp), b.num(F::Ttfb)), (None, None));
    assert!(b.num(F::Fcp).is_some(), "the other metrics stay");
}

#[test]
fn array_bodies_keep_each_element_separate() {
    let body = format!("[{},{{\"v\":1}},{}]", good(), good());
    let Body::Many(items) = Body::parse(body.as_bytes(), 10).unwrap() else {
        panic!("not an array")
    };
    let ok: Vec<bool> = items
        .iter()
        .map(|raw| Beacon::parse(raw).and_then(|mut b| b.validate()).is_ok())
        .collect();
    assert_eq!(ok, [true, false, true]);
    assert_eq!(
        Body::parse(body.as_bytes(), 2).unwrap_err(),
        Reject::TooManyBeacons
    );
}

#[test]
fn nesting_is_limited_and_brackets_inside_strings_do_not_count() {
    let nested = |n: usize| with(&format!(r#""x":{}1{}"#, "[".repeat(n), "]".repeat(n)));
    // The beacon object is the first level.
    assert!(Beacon::parse(nested(MAX_JSON_DEPTH - 1).as_bytes()).is_ok());
    assert_eq!(
        Beacon::parse(nested(MAX_JSON_DEPTH).as_bytes()).unwrap_err(),
        Reject::TooDeep
    );
    let in_string = with(&format!(r#""x":"\"{}""#, "[{".repeat(40)));
    assert!(Beacon::parse(in_string.as_bytes()).is_ok());
    let array = |n: usize| format!("[{}1{}]", "[".repeat(n), "]".repeat(n));
    assert!(Body::parse(array(MAX_JSON_DEPTH - 1).as_bytes(), 10).is_ok());
    assert_eq!(
        Body::parse(array(MAX_JSON_DEPTH).as_bytes(), 10).unwrap_err(),
        Reject::TooDeep
    );
}

/// `good()` with one more field.
fn with(field: &str) -> String {
    good().replace(r#""v":1,"#, &format!(r#""v":1,{field},"#))
}

/// Inputs at the edges of JSON's grammar, each inside a beacon (as a known or unknown field).
const TRICKY_VALUES: &[&str] = &[
    "0",
    "-0",
    "1.0",
    "1e2",
    "1E+2",
    "1e-400",
    "1e400",
    "-1",
    "01",
    "1.",
    ".5",
    "+1",
    "1e",
    "4294967295",
    "4294967296",
    "99999999999999999999",
    "0.1e1",
    "-0.0",
    "2.5e-3",
    "123456789012345678901234567890",
    "0.30000000000000004",
    "null",
    "true",
    "false",
    "nul",
    "tru",
    "\"\"",
    "\"a\\\"b\"",
    "\"\\u00e9\"",
    "\"\\u00E9\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud83d\"",
    "\"\\ude00\"",
    "\"\\ud83dx\"",
    "\"\\u12\"",
    "\"\\x\"",
    "\"\\/\\b\\f\\n\\r\\t\"",
    "\"\u{1}\"",
    "\"\u{7f}\"",
    "\"é\"",
    "{}",
    "[]",
    "[1,]",
    "{\"a\":1,}",
    "[1 2]",
    "{\"a\" 1}",
    "{\"a\":{\"b\":[]}}",
    "\"ok\" ",
    " \t\n\r1",
    "{\"\\ud83d\":1}",
    "[\"\\ud83d\"]",
];

/// Byte strings no `&str` literal can hold: invalid UTF-8 in known and unknown strings.
fn invalid_utf8() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for key in ["group", "x"] {
        let mut b = with(&format!(r#""{key}":"ab__""#)).into_bytes();
        let at = b.windows(2).position(|w| w == b"__").unwrap();
        b[at] = 0xff;
        b[at + 1] = 0xc3;
        out.push(b);
    }
    out
}

/// The fuzz corpus's bodies sent as is (the first byte picks the encoding).
fn corpus() -> Vec<Vec<u8>> {
    seeds::corpus()
        .into_iter()
        .filter(|d| d.first().is_some_and(|m| m % 3 != 1))
        .map(|d| d[1..].to_vec())
        .collect()
}

/// Same fields, same values; numbers to the last bit but one (serde_json's fast float path
/// is not always correctly rounded, the standard library's is).
fn same(a: &Beacon<'_>, b: &Beacon<'_>) -> bool {
    F::ALL.iter().all(|&f| match (a.value(f), b.value(f)) {
        (Value::Num(x), Value::Num(y)) => x == y || ((x - y) / x).abs() < 1e-15,
        (x, y) => x == y,
    })
}

/// The parser against serde_json's (src/reference.rs): the same beacons and item texts
/// accepted, the same reasons refused. One difference is allowed: serde's version scanned
/// the depth first, so a body both malformed and too deep was `too_deep` there and may be
/// `invalid_json` here, whichever comes first.
fn agrees(input: &[u8]) -> Result<(), String> {
    let ours = Body::parse(input, 8);
    let theirs = reference::body(input, 8);
    let show = || String::from_utf8_lossy(input).into_owned();
    match (ours, theirs) {
        (Ok(Body::One(a)), Ok(reference::RefBody::One(b))) if same(&a, &b) => Ok(()),
        (Ok(Body::Many(a)), Ok(reference::RefBody::Many(b))) if a == b => {
            for item in a {
                agrees(item)?;
            }
            Ok(())
        }
        (Err(x), Err(y)) if x == y || (x == Reject::InvalidJson && y == Reject::TooDeep) => Ok(()),
        (ours, theirs) => Err(format!(
            "{}\n  ours:   {:?}\n  serde's: {:?}",
            show(),
            ours.map(|b| format!("{b:?}")),
            theirs.map(|b| match b {
                reference::RefBody::One(b) => format!("One({b:?})"),
                reference::RefBody::Many(m) => format!("Many({} items)", m.len()),
            })
        )),
    }
}

#[test]
fn the_parser_agrees_with_serde_json() {
    let mut inputs: Vec<Vec<u8>> = vec![good().into_bytes()];
    for v in TRICKY_VALUES {
        for key in ["ttfb", "seq", "group", "dims", "bf", "x"] {
            inputs.push(with(&format!(r#""{key}":{v}"#)).into_bytes());
        }
        inputs.push(v.as_bytes().to_vec());
        inputs.push(format!("[{v}]").into_bytes());
    }
    inputs.extend(invalid_utf8());
    inputs.extend(corpus());
    assert!(inputs.len() > 300, "{}", inputs.len());
    let mut failures: Vec<String> = inputs.iter().filter_map(|i| agrees(i).err()).collect();
    // Then mutations of those: byte flips, truncations, JSON punctuation runs.
    let mut next = seeds::rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..50_000 {
        let mut input = inputs[next() as usize % inputs.len()].clone();
        for _ in 0..1 + next() % 3 {
            let at = next() as usize % input.len().max(1);
            match next() % 3 {
                0 if !input.is_empty() => input[at] ^= 1 << (next() % 8),
                1 => input.truncate(at),
                _ => {
                    let byte = b"[{\"\\:,]}0-.eE+u \x00\xff"[next() as usize % 18];
                    input.splice(at..at, std::iter::repeat_n(byte, 1 + (next() % 9) as usize));
                }
            }
        }
        if let Err(e) = agrees(&input) {
            failures.push(e);
        }
    }
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures[..failures.len().min(12)].join("\n")
    );
}

#[test]
fn ratings_use_core_web_vitals_thresholds() {
    // web-vitals' own thresholds (TTFBThresholds, FCPThresholds, ... in its src/), typed
    // here from that source: the declaration must equal them.
    let rated: Vec<(F, f64, f64)> = F::ALL
        .into_iter()
        .filter_map(|f| f.spec().rating.map(|t| (f, t.good, t.poor)))
        .collect();
    assert_eq!(
        rated,
        [
            (F::Ttfb, 800.0, 1800.0),
            (F::Fcp, 1800.0, 3000.0),
            (F::Lcp, 2500.0, 4000.0),
            (F::Cls, 0.1, 0.25),
            (F::Inp, 200.0, 500.0),
            (F::Fid, 100.0, 300.0),
        ]
    );
    let rate = |f: F, v| f.spec().rating.unwrap().rate(v);
    assert_eq!(rate(F::Lcp, Some(2500.0)), Rating::Good);
    assert_eq!(rate(F::Lcp, Some(2500.1)), Rating::NeedsImprovement);
    assert_eq!(rate(F::Lcp, Some(4000.1)), Rating::Poor);
    assert_eq!(rate(F::Cls, Some(0.1)), Rating::Good);
    assert_eq!(rate(F::Fcp, None), Rating::None);
}

#[test]
fn url_helpers() {
    assert_eq!(split_url("https://a.b/c/d?x=1#y"), ("a.b", "/c/d"));
    assert_eq!(split_url("https://a.b"), ("a.b", "/"));
    assert_eq!(strip_query_and_fragment("https://a.b/#x"), "https://a.b/");
}

/// The field rows of `docs/beacon.md`'s table: (names in the first cell, the whole row).
fn docs_rows() -> Vec<(Vec<String>, String)> {
    let docs = include_str!("../../docs/beacon.md");
    let table = docs
        .split("## Fields")
        .nth(1)
        .expect("a Fields section")
        .split("\n## ")
        .next()
        .unwrap();
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let first = l.split('|').nth(1).unwrap();
            let names = first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            (names, l.to_string())
        })
        .collect()
}

#[test]
fn the_docs_table_lists_every_wire_field_with_its_string_limit() {
    let rows = docs_rows();
    let documented: Vec<&str> = rows
        .iter()
        .flat_map(|(n, _)| n.iter().map(String::as_str))
        .collect();
    for f in FIELDS.iter().filter(|f| f.on_wire()) {
        let Some((_, row)) = rows.iter().find(|(n, _)| n.iter().any(|n| n == f.wire)) else {
            panic!("docs/beacon.md has no row for `{}`", f.wire);
        };
        if let Kind::Text { max } = f.kind {
            assert!(
                row.contains(&max.to_string()),
                "limit {max} of `{}` in {row}",
                f.wire
            );
        }
    }
    for name in documented {
        assert!(
            F::from_wire(name).is_some(),
            "docs/beacon.md documents `{name}`, which is not declared"
        );
    }
}

#[test]
fn the_control_character_check_is_unicodes() {
    for c in (0..=0x10ffff).filter_map(char::from_u32) {
        let s = format!("a{c}b");
        assert_eq!(has_control(&s), c.is_control(), "{:?}", c);
    }
}
