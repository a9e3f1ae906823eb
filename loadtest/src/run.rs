//! `loadtest run`: open-loop traffic. Request n is due at a fixed time whatever happened to
//! earlier ones; latency is measured from that due time, so a stalled server shows up as
//! latency instead of silently lowering the offered rate (no coordinated omission).

use crate::generate::{self, Mix};
use crate::http;
use crate::progress::Progress;
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
    /// Upper bound on requests, whatever the rate and duration (all are built in memory
    /// before the clock starts, about 1 KB each).
    #[arg(long, default_value_t = 2_000_000)]
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

struct Tally {
    acked: Mutex<Vec<String>>,
    statuses: Mutex<BTreeMap<String, u64>>,
    /// Every request records into all four at once: one lock per request.
    times: Mutex<Times>,
    in_flight: AtomicU64,
    dropped: AtomicU64,
}

/// Latency histograms, microseconds.
struct Times {
    /// From the intended send time to the reply, over the run.
    latency: Histogram<u64>,
    /// The same over the current second (the progress line's p99).
    window: Histogram<u64>,
    /// From the intended send time to the moment the request's task starts sending: the
    /// generator's own lateness (on shared cores, part of what `latency` reports).
    lag: Histogram<u64>,
    /// From that moment to the reply: the server's part, without the generator's lateness.
    service: Histogram<u64>,
}

impl Times {
    fn record(&mut self, total: u64, service: u64) {
        for (h, v) in [
            (&mut self.latency, total),
            (&mut self.window, total),
            (&mut self.lag, total.saturating_sub(service)),
            (&mut self.service, service),
        ] {
            let _ = h.record(v.clamp(1, 120_000_000));
        }
    }
}

/// Counts a request in flight until dropped, so a request that ends in any way (even a
/// panic) lets the run finish.
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds")
}

/// One request, built before the clock starts.
struct Prepared {
    bytes: Vec<u8>,
    keep_alive: bool,
    page_view: Option<String>,
}

/// The due times of the run, as offsets from its start: a linear ramp, then the full rate.
fn schedule(a: &Args) -> Vec<Duration> {
    let total = Duration::from_secs(a.ramp + a.seconds);
    let mut due = Duration::ZERO;
    let mut out = Vec::new();
    while due < total && (out.len() as u64) < a.max_requests {
        let ramp = if a.ramp == 0 {
            1.0
        } else {
            (due.as_secs_f64() / a.ramp as f64).clamp(0.02, 1.0)
        };
        due += Duration::from_secs_f64(1.0 / (a.rate.max(1) as f64 * ramp));
        out.push(due);
    }
    out
}

/// Runs the load and prints the summary.
pub async fn run(a: Args) -> Result<(), String> {
    let rest = a.collector.split("://").nth(1).unwrap_or("");
    let (authority, base) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = format!("{}/v1/beacon", base.trim_end_matches('/'));
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !port.ends_with(']') => h,
        _ => authority,
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(format!("refusing to load {host:?}: loopback targets only"));
    }
    let with_port = if authority.ends_with(']') || !authority.contains(':') {
        format!("{authority}:80")
    } else {
        authority.to_string()
    };
    let addr = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    // "localhost" could be made to resolve elsewhere.
    if !addr.ip().is_loopback() {
        return Err(format!("refusing to load {addr}: loopback targets only"));
    }
    let run = a.run.clone().unwrap_or_else(|| {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("lt{t}")
    });
    let mix = Mix {
        bad_pct: a.bad_pct,
        gzip_pct: a.gzip_pct,
        update_pct: a.update_pct,
        sampled_pct: a.sampled_pct,
    };
    // Every request is built before the clock starts, so JSON and gzip work does not compete
    // with the server for the cores while it is measured.
    let due = schedule(&a);
    let prepared: Vec<Prepared> = (0..due.len() as u64)
        .map(|n| {
            let req = generate::request(&run, n, &a.site, mix);
            let keep_alive = fastrand::u32(0..100) < a.keepalive_pct;
            let mut headers = vec![
                ("content-type", "text/plain"),
                ("user-agent", req.user_agent),
                ("x-forwarded-for", req.ip.as_str()),
            ];
            if req.gzip {
                headers.push(("content-encoding", "gzip"));
            }
            Prepared {
                bytes: http::post(authority, &path, &headers, &req.body, keep_alive),
                keep_alive,
                page_view: req.page_view,
            }
        })
        .collect();
    let pool = Arc::new(http::Pool::new(addr));
    let tally = Arc::new(Tally {
        acked: Mutex::default(),
        statuses: Mutex::default(),
        times: Mutex::new(Times {
            latency: histogram(),
            window: histogram(),
            lag: histogram(),
            service: histogram(),
        }),
        in_flight: AtomicU64::default(),
        dropped: AtomicU64::default(),
    });

    eprintln!(
        "run {run}: {} req/s to {authority} for {} s (+{} s ramp), {} requests prepared",
        a.rate,
        a.seconds,
        a.ramp,
        prepared.len()
    );
    let progress = Progress::new(prepared.len() as u64);
    let start = Instant::now();
    let mut next_report = start + Duration::from_secs(1);
    let mut sent_at_report = 0u64;
    let mut n = 0u64;
    for (offset, req) in due.into_iter().zip(prepared) {
        let intended = start + offset;
        // Requests already due go out at once: sleeping would wait for the timer's next
        // millisecond tick and add that to every request at high rates.
        if intended > Instant::now() {
            tokio::time::sleep_until(intended.into()).await;
        }
        if Instant::now() >= next_report {
            second(&progress, &tally, n, n - sent_at_report, start);
            sent_at_report = n;
            next_report += Duration::from_secs(1);
        }
        n += 1;
        if tally.in_flight.load(Relaxed) >= a.max_in_flight {
            tally.dropped.fetch_add(1, Relaxed);
            continue;
        }
        let (pool, tally) = (pool.clone(), tally.clone());
        tally.in_flight.fetch_add(1, Relaxed);
        tokio::spawn(async move {
            let _in_flight = InFlight(&tally.in_flight);
            let began = Instant::now();
            let outcome = pool.send(&req.bytes, req.keep_alive).await;
            // One clock reading for both, so the service time never exceeds the total.
            let now = Instant::now();
            let micros = |since: Instant| now.saturating_duration_since(since).as_micros() as u64;
            tally
                .times
                .lock()
                .unwrap()
                .record(micros(intended), micros(began));
            let ok = matches!(outcome, Ok(200 | 204));
            if let (true, Some(pv)) = (ok, req.page_view) {
                tally.acked.lock().unwrap().push(pv);
            }
            let key = match outcome {
                Ok(status) => status.to_string(),
                Err(f) => f.name().to_string(),
            };
            *tally.statuses.lock().unwrap().entry(key).or_default() += 1;
        });
    }
    let offered_secs = start.elapsed().as_secs_f64();
    // Every request ends (reply, error or the server closing), so in-flight reaches zero;
    // counting beats keeping a handle per request, which cost a scan per send when
    // thousands were in flight.
    while tally.in_flight.load(Relaxed) > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    progress.finish();
    summary(&a, &run, &tally, n, offered_secs)
}

/// Reports the second that just ended and starts the next one's p99.
fn second(progress: &Progress, t: &Tally, sent: u64, rate: u64, start: Instant) {
    let p99 = {
        let w = &mut t.times.lock().unwrap().window;
        let p99 = w.value_at_quantile(0.99);
        w.reset();
        p99
    };
    progress.second(
        start.elapsed().as_secs_f64(),
        sent,
        rate,
        p99 as f64 / 1000.0,
        t.in_flight.load(Relaxed),
    );
}

fn summary(a: &Args, run: &str, t: &Tally, sent: u64, secs: f64) -> Result<(), String> {
    let acked = t.acked.lock().unwrap();
    std::fs::create_dir_all(&a.dir).map_err(|e| e.to_string())?;
    let path = a.dir.join(format!("{run}.acked"));
    std::fs::write(&path, acked.join("\n")).map_err(|e| format!("{}: {e}", path.display()))?;
    let times = t.times.lock().unwrap();
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let max_ms = |h: &Histogram<u64>| h.max() as f64 / 1000.0;
    let spread = |h| serde_json::json!({ "p50": ms(h, 0.5), "p99": ms(h, 0.99), "max": max_ms(h) });
    let h = &times.latency;
    let statuses = t.statuses.lock().unwrap();
    let s = serde_json::json!({
        "run": run,
        "target_rate": a.rate,
        "sent": sent,
        "achieved_rate": (sent as f64 / secs).round(),
        "acknowledged_beacons": acked.len(),
        "dropped_by_generator": t.dropped.load(Relaxed),
        "statuses": *statuses,
        "latency_ms": { "p50": ms(h, 0.5), "p90": ms(h, 0.9), "p99": ms(h, 0.99), "p999": ms(h, 0.999), "max": max_ms(h) },
        "generator_lag_ms": spread(&times.lag),
        "service_ms": spread(&times.service),
        "acked_ids": path.display().to_string(),
    });
    println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
    Ok(())
}
