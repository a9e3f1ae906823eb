//! `loadtest verify`: every acknowledged beacon must be in ClickHouse, once.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

async fn query(url: &str, sql: String) -> Result<String, String> {
    let r = reqwest::Client::new()
        .post(url)
        .body(sql)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = r.status().is_success();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if ok {
        Ok(text)
    } else {
        Err(text)
    }
}

/// A single count from ClickHouse (0 when the answer is not a number).
async fn count(url: &str, sql: String) -> Result<u64, String> {
    Ok(query(url, sql).await?.trim().parse().unwrap_or(0))
}

/// Waits until the run's rows stop growing (or `wait` s pass), then compares.
pub async fn verify(run: &str, dir: &Path, ch: &str, db: &str, wait: u64) -> Result<(), String> {
    if !run
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("run ids are letters, digits, '-' and '_'".into());
    }
    let path = dir.join(format!("{run}.acked"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let acked: HashSet<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let like = format!("page_view_id LIKE '{run}-%'");
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut landed: HashSet<String>;
    loop {
        let rows = query(
            ch,
            format!("SELECT DISTINCT page_view_id FROM {db}.page_views WHERE {like}"),
        )
        .await?;
        landed = rows.lines().map(str::to_string).collect();
        if acked.iter().all(|a| landed.contains(*a)) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let missing = acked.iter().filter(|a| !landed.contains(**a)).count();
    // One row per page view and seq after collapsing; more rows than that are duplicates
    // that the table has not merged away yet (they do not count twice in reports).
    let raw = count(
        ch,
        format!("SELECT count() FROM {db}.page_views WHERE {like}"),
    )
    .await?;
    let distinct = count(
        ch,
        format!("SELECT uniqExact(page_view_id, seq) FROM {db}.page_views WHERE {like}"),
    )
    .await?;
    let once = count(
        ch,
        format!("SELECT count() FROM {db}.page_views FINAL WHERE {like}"),
    )
    .await?;
    let report = serde_json::json!({
        "run": run,
        "acknowledged": acked.len(),
        "landed": landed.len(),
        "missing": missing,
        "raw_rows": raw,
        "duplicate_rows_before_merge": raw.saturating_sub(distinct),
        "page_views_counted": once,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    if missing > 0 {
        return Err(format!("{missing} acknowledged page views missing"));
    }
    if once != landed.len() as u64 {
        return Err(format!(
            "{once} page views counted for {} landed",
            landed.len()
        ));
    }
    Ok(())
}
