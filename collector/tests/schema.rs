//! The declaration against the real table: `DESCRIBE TABLE page_views` after every
//! migration has the collector's columns (beacon crate's `FIELDS`, then the enrichment's), with
//! their declared types, in their declared order; and one beacon with a distinct value in
//! every field lands with each value in its own column (expectations written by hand, not
//! derived from the declaration, so a swapped pair of columns or wire names shows).

mod support;

use rum_collector::row;
use support::{query, wait_for, Collector};

#[tokio::test]
async fn the_table_has_the_declared_columns_types_and_order() {
    let db = support::fresh_database("schema");
    // Starting the collector applies the migrations.
    let _c = Collector::start(&db).await;
    let described = query(&format!("DESCRIBE TABLE {db}.page_views FORMAT TSV")).await;
    let got: Vec<(String, String)> = described
        .lines()
        .map(|l| {
            let mut cols = l.split('\t');
            let (n, t) = (cols.next().unwrap(), cols.next().expect("a type"));
            // 18.16 keeps these types; a current server wraps strings in LowCardinality
            // (migration 0003), which is storage, not a different type.
            let t = t
                .strip_prefix("LowCardinality(")
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(t);
            (n.to_string(), t.replace("\\'", "'"))
        })
        .collect();
    let want: Vec<(String, String)> = row::columns()
        .map(|(n, t)| (n.to_string(), t.clickhouse().to_string()))
        .chain(
            [("wal_id", "UInt64"), ("wal_pos", "UInt64")]
                .map(|(n, t)| (n.to_string(), t.to_string())),
        )
        .collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "column {i}");
    }
    assert_eq!(got.len(), want.len(), "column count\n{got:?}");
    query(&format!("DROP DATABASE {db}")).await;
}

/// Every wire field with a value no other field has.
const EVERY_FIELD: &str = r#"{"v":1,"site":"demo","pv":"everyfield0001","seq":3,
  "url":"https://shop.example/p/7?q=1","group":"product","nav":"reload",
  "ttfb":801.5,"fcp":1801.5,"lcp":2501.5,"cls":0.11,"inp":201.5,"fid":101.5,
  "dom_interactive":11.5,"dcl":12.5,"load":13.5,"redirect":14.5,"dns":15.5,"connect":16.5,
  "tls":17.5,"request":18.5,"response":19.5,
  "lcp_el":"img.hero","lcp_url":"https://cdn.example/h.jpg?v=2","lcp_ttfb":21.5,
  "lcp_delay":22.5,"lcp_load":23.5,"lcp_render":24.5,
  "inp_target":"button#buy","inp_type":"pointerup","inp_delay":25.5,"inp_proc":26.5,
  "inp_pres":27.5,"cls_target":"div.banner","cls_time":28.5,
  "ect":"4g","rtt":29.5,"downlink":3.5,"save_data":true,"mem":4,"cpus":6,"vw":1280,"vh":720,
  "sample":0.5,"dims":{"ab":"B","plan":"gold"},"release":"2026.12.01-3",
  "root":"hardview0001","loaded":false,"inp_script_url":"https://tags.example/t.js?uid=1",
  "inp_script_type":"event-listener","inp_script_invoker":"BUTTON#buy.onclick",
  "inp_script_ms":30.5,"inp_script_phase":"processing-duration","inp_script_total":31.5,
  "inp_style_layout":32.5,"inp_paint":33.5,"inp_unattributed":34.5}"#;

#[tokio::test]
async fn every_field_lands_in_its_own_column() {
    let db = support::fresh_database("everyfield");
    let c = Collector::start(&db).await;
    let (status, body) = c.post(EVERY_FIELD).await;
    assert_eq!(status, 204, "{body}");
    wait_for(
        &format!("SELECT count() FROM {db}.page_views WHERE page_view_id = 'everyfield0001'"),
        "1",
    )
    .await;
    let want: &[(&str, &str)] = &[
        ("site", "demo"),
        ("page_view_id", "everyfield0001"),
        ("seq", "3"),
        ("url", "https://shop.example/p/7"),
        ("host", "shop.example"),
        ("path", "/p/7"),
        ("page_group", "product"),
        ("navigation_type", "reload"),
        ("ttfb_ms", "801.5"),
        ("fcp_ms", "1801.5"),
        ("lcp_ms", "2501.5"),
        ("cls", "0.11"),
        ("inp_ms", "201.5"),
        ("fid_ms", "101.5"),
        ("dom_interactive_ms", "11.5"),
        ("dom_content_loaded_ms", "12.5"),
        ("load_ms", "13.5"),
        ("redirect_ms", "14.5"),
        ("dns_ms", "15.5"),
        ("connect_ms", "16.5"),
        ("tls_ms", "17.5"),
        ("request_ms", "18.5"),
        ("response_ms", "19.5"),
        // Each just above its "good" threshold.
        ("ttfb_rating", "needs-improvement"),
        ("fcp_rating", "needs-improvement"),
        ("lcp_rating", "needs-improvement"),
        ("cls_rating", "needs-improvement"),
        ("inp_rating", "needs-improvement"),
        ("lcp_element", "img.hero"),
        ("lcp_url", "https://cdn.example/h.jpg"),
        ("lcp_ttfb_ms", "21.5"),
        ("lcp_resource_delay_ms", "22.5"),
        ("lcp_resource_duration_ms", "23.5"),
        ("lcp_render_delay_ms", "24.5"),
        ("inp_target", "button#buy"),
        ("inp_event", "pointerup"),
        ("inp_input_delay_ms", "25.5"),
        ("inp_processing_ms", "26.5"),
        ("inp_presentation_ms", "27.5"),
        ("cls_target", "div.banner"),
        ("cls_time_ms", "28.5"),
        ("effective_type", "4g"),
        ("rtt_ms", "29.5"),
        ("downlink_mbps", "3.5"),
        ("save_data", "1"),
        ("device_memory_gb", "4"),
        ("cpu_cores", "6"),
        ("viewport_width", "1280"),
        ("viewport_height", "720"),
        ("sample_rate", "0.5"),
        ("dim_keys", "['ab','plan']"),
        ("dim_values", "['B','gold']"),
        ("release", "2026.12.01-3"),
        ("root_page_view_id", "hardview0001"),
        ("loaded", "0"),
        ("inp_script_url", "https://tags.example/t.js"),
        ("inp_script_invoker_type", "event-listener"),
        ("inp_script_invoker", "BUTTON#buy.onclick"),
        ("inp_script_ms", "30.5"),
        ("inp_script_phase", "processing-duration"),
        ("inp_total_script_ms", "31.5"),
        ("inp_style_layout_ms", "32.5"),
        ("inp_paint_ms", "33.5"),
        ("inp_unattributed_ms", "34.5"),
        ("browser", "Chrome"),
        ("device_class", "desktop"),
        ("is_bot", "0"),
    ];
    let names: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
    let got = query(&format!(
        "SELECT {} FROM {db}.page_views WHERE page_view_id = 'everyfield0001' FORMAT TSV",
        names.join(", ")
    ))
    .await;
    let got: Vec<&str> = got.trim_end_matches('\n').split('\t').collect();
    assert_eq!(got.len(), want.len());
    for ((name, w), g) in want.iter().zip(&got) {
        assert_eq!(g, w, "column {name}");
    }
    // Every stored column of the beacon is covered above, except geography (loopback has
    // none) and the user agent's versions, which change with the test client.
    let skipped = [
        "received_at",
        "country_code",
        "country",
        "continent",
        "subdivision",
        "city",
        "asn",
        "as_org",
        "browser_version",
        "os",
        "os_version",
    ];
    for (column, _) in row::columns() {
        assert!(
            names.contains(&column) || skipped.contains(&column),
            "column {column} has no expectation here"
        );
    }
    query(&format!("DROP DATABASE {db}")).await;
}

/// The benchmarks' generators write rows server-side: every column they name must be one
/// the collector writes, with the rating it stores only where the declaration rates.
#[test]
fn the_page_view_generators_name_only_declared_columns() {
    for (file, sql) in [
        (
            "generate-page-views.sql",
            include_str!("../../loadtest/generate-page-views.sql"),
        ),
        (
            "generate-releases.sql",
            include_str!("../../loadtest/generate-releases.sql"),
        ),
    ] {
        let list = sql
            .split("page_views (")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .expect("an INSERT column list");
        let declared: Vec<&str> = row::columns().map(|(n, _)| n).collect();
        let named: Vec<&str> = list.split(',').map(str::trim).collect();
        assert!(named.len() > 10, "{file}: {named:?}");
        for column in named {
            assert!(declared.contains(&column), "{file} names {column}");
        }
    }
}
