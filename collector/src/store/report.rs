//! Runs the analysts' report queries (`sql/reports/*.sql`) and renders their results as an
//! aligned table, CSV or JSON.

use super::{sql, REPORTS};
use thiserror::Error;

/// Why a report could not be produced.
#[derive(Debug, Error)]
pub enum ReportError {
    /// No report of that name.
    #[error("unknown report {0:?}; known: {1}")]
    Unknown(String, String),
    /// The query template is malformed.
    #[error("report {0}: {1}")]
    Template(String, String),
    /// ClickHouse failed.
    #[error("report {0}: {1}")]
    Query(String, clickhouse::error::Error),
}

/// Filters every report understands.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Only this site; empty for all.
    pub site: String,
    /// Only this page group; empty for all.
    pub group: String,
    /// Window start, Unix seconds (inclusive).
    pub from: u64,
    /// Window end, Unix seconds (exclusive).
    pub to: u64,
    /// Keep crawler and headless traffic.
    pub include_bots: bool,
    /// Only these releases (the release reports); empty for all.
    pub releases: Vec<String>,
}

/// A result set, every value as ClickHouse printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of values.
    pub rows: Vec<Vec<String>>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV.
    Csv,
    /// A JSON array of objects; numeric values as numbers.
    Json,
}

/// Names of the reports the binary carries (with those computed from the release rollup).
pub fn names() -> Vec<&'static str> {
    let computed = crate::verdict::reports::NAMES.iter().copied();
    REPORTS.iter().map(|(n, _)| *n).chain(computed).collect()
}

/// The SQL template of report `name` (`None` for the computed release reports).
fn template(name: &str) -> Option<&'static str> {
    REPORTS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The SQL of report `name` with the parameters filled in. For a release report, the
/// queries it runs (see [`crate::verdict::histograms`]).
pub fn render_sql(db: &str, name: &str, p: &Params) -> Result<String, ReportError> {
    if crate::verdict::reports::NAMES.contains(&name) {
        return crate::verdict::histograms::print_sql(db, p, &crate::verdict::Metric::ALL);
    }
    let text =
        template(name).ok_or_else(|| ReportError::Unknown(name.into(), names().join(", ")))?;
    fill(name, text, &vars(db, p))
}

/// Fills `template` (of report `name`, for errors) with `vars`.
pub fn fill(name: &str, template: &str, vars: &[(&str, String)]) -> Result<String, ReportError> {
    sql::fill(template, vars).map_err(|e| ReportError::Template(name.into(), e))
}

/// The placeholders every report template may use, filled for `p`.
pub fn vars(db: &str, p: &Params) -> Vec<(&'static str, String)> {
    let (site, group) = (sql::quote(&p.site), sql::quote(&p.group));
    let (from, to) = (
        format!("toDateTime({})", p.from),
        format!("toDateTime({})", p.to),
    );
    // A rollup row stands for its whole minute: every minute the window overlaps counts,
    // the one it starts in too. Keeping only minutes that start inside the window dropped
    // the page views of its first (partial) minute, such as those of a release deployed
    // at the window's start.
    let first_minute = format!("toDateTime({})", p.from - p.from % 60);
    let bots = u8::from(p.include_bots);
    // The filters every report shares: the window, site, page group and bots.
    let scope =
        format!("({site} = '' OR site = {site}) AND ({group} = '' OR page_group = {group})");
    let mut vars = vec![
        ("db", db.to_string()),
        ("site", site.clone()),
        ("group", group.clone()),
        ("from", from.clone()),
        ("to", to.clone()),
        ("include_bots", bots.to_string()),
        (
            "page_view_filter",
            format!("received_at >= {from} AND received_at < {to} AND {scope} AND (is_bot = 0 OR {bots} = 1)"),
        ),
        (
            "rollup_filter",
            format!("minute >= {first_minute} AND minute < {to} AND {scope} AND (is_bot = 0 OR {bots} = 1)"),
        ),
        (
            "rollup_filter_with_bots",
            format!("minute >= {first_minute} AND minute < {to} AND {scope}"),
        ),
    ];
    let release_filter = if p.releases.is_empty() {
        "1".to_string()
    } else {
        let list: Vec<String> = p.releases.iter().map(|r| sql::quote(r)).collect();
        format!("release IN ({})", list.join(", "))
    };
    vars.push(("release_filter", release_filter));
    vars.extend(crate::signals::sql_vars());
    vars.extend(THRESHOLD_VARS.iter().map(|(k, v)| (k.as_str(), v.clone())));
    vars
}

/// `{lcp_good}`, `{lcp_poor}`, ... from the beacon crate's declaration, worked out once.
static THRESHOLD_VARS: std::sync::LazyLock<Vec<(String, String)>> =
    std::sync::LazyLock::new(rum_beacon::threshold_vars);

/// Runs report `name`.
pub async fn run(
    client: &clickhouse::Client,
    db: &str,
    name: &str,
    p: &Params,
) -> Result<Table, ReportError> {
    fetch(client, name, &render_sql(db, name, p)?).await
}

/// Runs the filled SQL of report `name` (from [`render_sql`]).
pub async fn fetch(
    client: &clickhouse::Client,
    name: &str,
    query: &str,
) -> Result<Table, ReportError> {
    let bytes = client
        .query(query)
        .fetch_bytes("TabSeparatedWithNames")
        .map_err(|e| ReportError::Query(name.into(), e))?
        .collect()
        .await
        .map_err(|e| ReportError::Query(name.into(), e))?;
    Ok(parse_tsv(&String::from_utf8_lossy(&bytes)))
}

/// Undoes TSV escaping; a NULL stays the marker `\N`, which rendering turns into `-` or null.
fn unescape(field: &str) -> String {
    if field == "\\N" {
        return field.to_string();
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses `TabSeparatedWithNames` output.
pub fn parse_tsv(text: &str) -> Table {
    let mut lines = text.lines();
    let columns = lines
        .next()
        .map(|l| l.split('\t').map(unescape).collect())
        .unwrap_or_default();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(unescape).collect())
        .collect();
    Table { columns, rows }
}

impl Table {
    /// Renders in the chosen format.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.aligned(),
            Format::Csv => self.csv(),
            Format::Json => self.json(),
        }
    }

    fn display(v: &str) -> String {
        if v == "\\N" || v == "nan" {
            return "-".into();
        }
        // Round long floats for people; CSV and JSON keep full precision. Below 1 (CLS,
        // shares) one decimal would show a real 0.04 as 0.0: keep three there.
        match v.parse::<f64>() {
            Ok(x) if v.contains('.') && x.abs() < 1.0 => format!("{x:.3}"),
            Ok(x) if v.contains('.') => format!("{x:.1}"),
            _ => v.to_string(),
        }
    }

    fn aligned(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|v| Self::display(v)).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &cells {
            for (w, v) in widths.iter_mut().zip(r) {
                *w = (*w).max(v.chars().count());
            }
        }
        let numeric = |i: usize| {
            cells
                .iter()
                .all(|r| r[i] == "-" || r[i].parse::<f64>().is_ok())
                && !cells.is_empty()
        };
        let mut out = String::new();
        let line = |vals: &[String], out: &mut String| {
            let parts: Vec<String> = vals
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if numeric(i) {
                        format!("{v:>w$}", w = widths[i])
                    } else {
                        format!("{v:<w$}", w = widths[i])
                    }
                })
                .collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.columns, &mut out);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for r in &cells {
            line(r, &mut out);
        }
        if cells.is_empty() {
            out.push_str("(no rows)\n");
        }
        out
    }

    fn csv(&self) -> String {
        let field = |v: &str| {
            // NULL and NaN (an empty group's percentile) are missing: an empty field, as
            // spreadsheets and CSV readers expect, not `\N` or `nan`.
            if v == "\\N" || v == "nan" {
                String::new()
            } else if v.contains([',', '"', '\n']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_string()
            }
        };
        let mut out = String::new();
        for r in std::iter::once(&self.columns).chain(&self.rows) {
            out.push_str(&r.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }

    fn json(&self) -> String {
        let rows = serde_json::Value::Array(self.json_rows());
        serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
    }

    /// The rows as JSON objects: numbers as numbers, NULL and NaN (an empty group's
    /// percentile or share) as null, everything else as strings.
    pub fn json_rows(&self) -> Vec<serde_json::Value> {
        self.rows
            .iter()
            .map(|r| {
                let obj = self
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.clone(), json_value(v)));
                serde_json::Value::Object(obj.collect())
            })
            .collect()
    }
}

fn json_value(v: &str) -> serde_json::Value {
    use serde_json::Value;
    if v == "\\N" {
        return Value::Null;
    }
    match v.parse::<f64>() {
        Ok(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        Err(_) => Value::String(v.to_string()),
    }
}

/// Parses a window length such as `90s`, `15m`, `1h` or `7d` (a bare number is minutes).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit (s, m, h, d)"))?;
    let secs = match unit {
        "s" => n,
        "m" | "" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m, h, d)")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        parse_tsv("page_group\tpage_views\tlcp_p75\tcls_p75\nproduct\t12\t812.5\t0.0402464\ncart\\tx\t3\t\\N\t0\n")
    }

    #[test]
    fn renders_all_formats() {
        let t = table();
        assert_eq!(t.rows[1][0], "cart\tx");
        let aligned = t.render(Format::Table);
        let lines: Vec<&str> = aligned.lines().collect();
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["product", "12", "812.5", "0.040"],
            "a CLS keeps its third decimal in the table"
        );
        // Numbers are right-aligned under their header.
        let end = |l: &str, w: &str| l.find(w).unwrap() + w.len();
        assert_eq!(
            end(lines[0], "page_views"),
            end(lines[2], "12"),
            "{aligned}"
        );
        let csv = t.render(Format::Csv);
        assert!(
            csv.starts_with("page_group,page_views,lcp_p75,cls_p75\nproduct,12,812.5,0.0402464\n")
        );
        assert!(
            csv.ends_with("cart\tx,3,,0\n"),
            "NULL is an empty field: {csv:?}"
        );
        assert_eq!(parse_tsv("share\nnan\n").render(Format::Csv), "share\n\n");
        let json: serde_json::Value = serde_json::from_str(&t.render(Format::Json)).unwrap();
        assert_eq!(json[0]["page_views"], 12.0);
        assert_eq!(json[1]["lcp_p75"], serde_json::Value::Null);
        let nan = parse_tsv("share\nnan\n").json_rows();
        assert_eq!(nan[0]["share"], serde_json::Value::Null, "NaN is no number");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("15").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("7d").unwrap().as_secs(), 7 * 86_400);
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn every_report_fills_its_placeholders() {
        for name in names() {
            let sql = render_sql(
                "rum",
                name,
                &Params {
                    site: "o'hare".into(),
                    ..Default::default()
                },
            )
            .unwrap();
            // Reports scoped by site quote it; `signals` covers every site on purpose.
            let text = template(name).unwrap_or("{site}");
            if text.contains("{site}") || text.contains("_filter}") {
                assert!(sql.contains("'o\\'hare'"), "{name}");
            }
        }
        assert!(matches!(
            render_sql("rum", "nope", &Params::default()),
            Err(ReportError::Unknown(..))
        ));
    }
}
