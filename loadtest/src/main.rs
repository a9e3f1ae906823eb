//! Sends synthetic page-view beacons to a collector at a fixed rate (open loop: requests
//! are started on schedule, not when the previous one returns) and prints what was accepted.

mod generate;

use clap::Parser;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Drive a collector with synthetic beacons.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    /// Collector base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    collector: String,
    /// Site key to send (must be accepted by the collector's config).
    #[arg(long, default_value = "demo")]
    site: String,
    /// Requests per second to start.
    #[arg(long, default_value_t = 200)]
    rate: u64,
    /// Beacons per request (1 sends a JSON object, more send an array).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/beacon", args.collector.trim_end_matches('/'));
    let tally = Arc::new(Tally::default());
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(1) as f64);
    let start = Instant::now();
    let mut next = start;
    let mut sent = 0u64;
    let mut tasks = Vec::new();
    while start.elapsed() < Duration::from_secs(args.seconds) {
        tokio::time::sleep_until(next.into()).await;
        next += interval;
        sent += 1;
        let body = generate::request_body(&args.site, args.batch);
        let (client, url, tally) = (client.clone(), url.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "text/plain")
                .body(body)
                .send()
                .await;
            let counter = match res {
                Ok(r) if r.status().is_success() => &tally.ok,
                Ok(_) => &tally.refused,
                Err(_) => &tally.failed,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "requests={sent} ok={} refused={} failed={} beacons={} seconds={secs:.1} rate={:.0}/s",
        tally.ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
        sent * args.batch as u64,
        sent as f64 / secs
    );
}
