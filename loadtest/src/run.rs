//! `loadtest run`: open-loop traffic. Request n is due at a fixed time whatever happened to
//! earlier ones; latency is measured from that due time, so a stalled server shows up as
//! latency instead of silently lowering the offered rate (no coordinated omission).

use crate::generate::{self, Mix};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Options of `loadtest run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Collector base URL (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    collector: String,
    /// Site key (a tenth of the beacons use "<site>-sampled" at sample rate 0.1).
    #[arg(long, default_value = "demo")]
    site: String,
    /// Target arrival rate, requests per second.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Seconds of linear ramp from 0 to the rate.
    #[arg(long, default_value_t = 2)]
    ramp: u64,
    /// Seconds at full rate.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Upper bound on requests, whatever the rate and duration.
    #[arg(long, default_value_t = 10_000_000)]
    max_requests: u64,
    /// Requests in flight before the generator counts new ones as dropped (bounds memory).
    #[arg(long, default_value_t = 20_000)]
    max_in_flight: u64,
    /// Share of requests on a kept-alive connection (%); the rest open a new one.
    #[arg(long, default_value_t = 90)]
    keepalive_pct: u32,
    /// Share of bad bodies (%): broken JSON, invalid values, oversized.
    #[arg(long, default_value_t = 2)]
    bad_pct: u32,
    /// Share of gzip bodies (%).
    #[arg(long, default_value_t = 10)]
    gzip_pct: u32,
    /// Share of update beacons (%).
    #[arg(long, default_value_t = 5)]
    update_pct: u32,
    /// Share of beacons from a sampled site (%).
    #[arg(long, default_value_t = 10)]
    sampled_pct: u32,
    /// Where to write the acknowledged page-view ids (for `verify`).
    #[arg(long, default_value = ".state/loadtest")]
    dir: PathBuf,
    /// Run id (page-view id prefix); default: derived from the clock.
    #[arg(long)]
    run: Option<String>,
}

#[derive(Default)]
struct Tally {
    acked: Mutex<Vec<String>>,
    statuses: Mutex<BTreeMap<String, u64>>,
    latency: Mutex<Option<Histogram<u64>>>,
    window: Mutex<Option<Histogram<u64>>>,
    in_flight: AtomicU64,
    dropped: AtomicU64,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds")
}

/// Runs the load and prints the summary.
pub async fn run(a: Args) -> Result<(), String> {
    let host = a
        .collector
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split([':', '/'])
        .next()
        .unwrap_or("");
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(format!("refusing to load {host:?}: loopback targets only"));
    }
    let run = a.run.clone().unwrap_or_else(|| {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("lt{t}")
    });
    let url = format!("{}/v1/beacon", a.collector.trim_end_matches('/'));
    let pooled = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .map_err(|e| e.to_string())?;
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| e.to_string())?;
    let tally = Arc::new(Tally::default());
    *tally.latency.lock().unwrap() = Some(histogram());
    *tally.window.lock().unwrap() = Some(histogram());
    let mix = Mix {
        bad_pct: a.bad_pct,
        gzip_pct: a.gzip_pct,
        update_pct: a.update_pct,
        sampled_pct: a.sampled_pct,
    };

    eprintln!(
        "run {run}: {} req/s to {url} for {} s (+{} s ramp)",
        a.rate, a.seconds, a.ramp
    );
    let start = Instant::now();
    let total = Duration::from_secs(a.ramp + a.seconds);
    let mut due = start;
    let mut n = 0u64;
    let mut tasks = Vec::new();
    let mut next_report = start + Duration::from_secs(1);
    let mut sent_at_report = 0u64;
    while due.duration_since(start) < total && n < a.max_requests {
        let elapsed = due.duration_since(start).as_secs_f64();
        let ramp = if a.ramp == 0 {
            1.0
        } else {
            (elapsed / a.ramp as f64).clamp(0.02, 1.0)
        };
        due += Duration::from_secs_f64(1.0 / (a.rate.max(1) as f64 * ramp));
        tokio::time::sleep_until(due.into()).await;
        if Instant::now() >= next_report {
            progress(&tally, n - sent_at_report, start);
            sent_at_report = n;
            next_report += Duration::from_secs(1);
        }
        if tally.in_flight.load(Relaxed) >= a.max_in_flight {
            tally.dropped.fetch_add(1, Relaxed);
            n += 1;
            continue;
        }
        let req = generate::request(&run, n, &a.site, mix);
        n += 1;
        let client = if fastrand::u32(0..100) < a.keepalive_pct {
            pooled.clone()
        } else {
            fresh.clone()
        };
        let (url, tally, intended) = (url.clone(), tally.clone(), due);
        tally.in_flight.fetch_add(1, Relaxed);
        tasks.push(tokio::spawn(async move {
            let mut b = client
                .post(url)
                .header("content-type", "text/plain")
                .header("user-agent", req.user_agent)
                .header("x-forwarded-for", req.ip)
                .body(req.body);
            if req.gzip {
                b = b.header("content-encoding", "gzip");
            }
            let outcome = match b.send().await {
                Ok(r) => r.status().as_u16().to_string(),
                Err(e) if e.is_connect() => "connect_error".to_string(),
                Err(_) => "io_error".to_string(),
            };
            let micros = intended.elapsed().as_micros().max(1) as u64;
            for h in [&tally.latency, &tally.window] {
                if let Some(h) = h.lock().unwrap().as_mut() {
                    let _ = h.record(micros.min(120_000_000));
                }
            }
            if (outcome == "204" || outcome == "200") && req.page_view.is_some() {
                tally
                    .acked
                    .lock()
                    .unwrap()
                    .push(req.page_view.unwrap_or_default());
            }
            *tally.statuses.lock().unwrap().entry(outcome).or_default() += 1;
            tally.in_flight.fetch_sub(1, Relaxed);
        }));
        if tasks.len() > 4096 {
            tasks.retain(|t| !t.is_finished());
        }
    }
    let offered_secs = start.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }
    summary(&a, &run, &tally, n, offered_secs)
}

fn progress(t: &Tally, sent: u64, start: Instant) {
    let mut w = t.window.lock().unwrap();
    let p99 = w.as_ref().map_or(0, |h| h.value_at_quantile(0.99));
    if let Some(h) = w.as_mut() {
        h.reset();
    }
    eprintln!(
        "  t={:>4.0}s  rate={sent:>6}/s  p99={:>8.2} ms  in_flight={}",
        start.elapsed().as_secs_f64(),
        p99 as f64 / 1000.0,
        t.in_flight.load(Relaxed)
    );
}

fn summary(a: &Args, run: &str, t: &Tally, sent: u64, secs: f64) -> Result<(), String> {
    let acked = t.acked.lock().unwrap();
    std::fs::create_dir_all(&a.dir).map_err(|e| e.to_string())?;
    let path = a.dir.join(format!("{run}.acked"));
    std::fs::write(&path, acked.join("\n")).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = t.latency.lock().unwrap();
    let h = h.as_ref().expect("histogram");
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let statuses = t.statuses.lock().unwrap();
    let s = serde_json::json!({
        "run": run,
        "target_rate": a.rate,
        "sent": sent,
        "achieved_rate": (sent as f64 / secs).round(),
        "acknowledged_beacons": acked.len(),
        "dropped_by_generator": t.dropped.load(Relaxed),
        "statuses": *statuses,
        "latency_ms": { "p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "p999": ms(0.999), "max": h.max() as f64 / 1000.0 },
        "acked_ids": path.display().to_string(),
    });
    println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
    Ok(())
}
