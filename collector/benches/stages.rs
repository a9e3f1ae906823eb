//! What each stage of `POST /v1/beacon` costs, in µs per beacon, on the pinned script's
//! beacon (`../shared/bench/pinned-ingest.sh`): body read, parse and validate, site and origin
//! checks, user-agent lookup, geo lookup, row encoding, log append (fsync off: the hand-off to
//! the writer thread and its write), fsync wait, response. Each figure is the median of
//! rounds; run with `cargo bench -p rum-collector --bench stages` (pin it with
//! `taskset -c 0`). What a micro-benchmark cannot see (wake-ups, syscalls of the HTTP layer)
//! comes from perf on the pinned run (BENCHMARKS.md).

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use futures_util::FutureExt;
use rum_beacon::{Body, F};
use rum_collector::config::{SiteConfig, WalConfig};
use rum_collector::enrich::{Enricher, RequestFacts};
use rum_collector::http::admission::Admission;
use rum_collector::http::beacon::{check_site, request_origin};
use rum_collector::http::{body, sites};
use rum_collector::sink::{wal, Rows};
use rum_collector::telemetry::Telemetry;
use std::hint::black_box;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The pinned script's beacon.
const BEACON: &str = r#"{"v":1,"site":"bench","pv":"benchbench0001","seq":1,"url":"https://shop.example/product/1","group":"product","nav":"navigate","ttfb":120.5,"fcp":480.2,"lcp":1210.7,"cls":0.02,"inp":96,"ect":"4g","vw":1280,"vh":720}"#;
const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const ROUNDS: usize = 7;

/// CPU time of the whole process (the log's writer thread included), in µs: steadier than
/// wall time on a shared machine, and what the pinned script counts.
fn cpu_us() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e6 + t.tv_nsec as f64 / 1e3
}

/// Median over [`ROUNDS`] of the process CPU time per call of `f`, called `n` times a round
/// (and the wall time, which includes waiting).
fn measure(name: &str, n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f(); // warm caches and allocator
    }
    let (mut cpu, mut wall): (Vec<f64>, Vec<f64>) = (0..ROUNDS)
        .map(|_| {
            let (c, t) = (cpu_us(), Instant::now());
            for _ in 0..n {
                f();
            }
            let per = |x: f64| x / n as f64;
            (per(cpu_us() - c), per(t.elapsed().as_secs_f64() * 1e6))
        })
        .unzip();
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    let (lo, med, hi) = (cpu[0], cpu[ROUNDS / 2], cpu[ROUNDS - 1]);
    let w = wall[ROUNDS / 2];
    println!("{name:<48} {med:>8.3} µs CPU (rounds {lo:.3} – {hi:.3}), wall {w:.3} µs");
    med
}

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("content-type", "text/plain"),
        ("origin", "https://shop.example"),
        ("user-agent", UA),
        ("content-length", "246"),
    ] {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    }
    h
}

fn main() {
    let headers = headers();
    let limits = body::BodyLimits {
        max_body_bytes: 64 * 1024,
        max_inflated_bytes: 256 * 1024,
        timeout: Duration::from_secs(10),
        min_bytes_per_second: 1000,
    };
    let admission = Admission::new(64 << 20, 64);
    let ip: IpAddr = "81.2.69.142".parse().unwrap();
    let wire = Bytes::from_static(BEACON.as_bytes());
    println!("stage (one beacon of {} bytes)", BEACON.len());

    measure("body read (one chunk, within limits)", 200_000, || {
        let chunks = futures_util::stream::iter([Ok(wire.clone())]);
        let b = body::read(&headers, chunks, &limits, &admission, Some(ip))
            .now_or_never()
            .unwrap()
            .unwrap();
        black_box(b);
    });

    measure("parse", 200_000, || {
        black_box(Body::parse(black_box(BEACON.as_bytes()), 1000).unwrap());
    });

    measure("parse + validate", 200_000, || {
        let Ok(Body::One(mut b)) = Body::parse(black_box(BEACON.as_bytes()), 1000) else {
            panic!("one beacon")
        };
        black_box(b.validate().unwrap());
        black_box(b);
    });

    let site: SiteConfig =
        toml::from_str("key = \"bench\"\norigins = [\"https://shop.example\"]").unwrap();
    let rules = sites::rules(&[site]);
    let cors = sites::cors_origins(rules.as_ref());
    measure("site and origin checks", 1_000_000, || {
        let origin = request_origin(black_box(&headers))
            .filter(|o| cors.as_ref().is_none_or(|c| c.contains(*o)));
        let rule = check_site(rules.as_ref(), black_box("bench"), origin).unwrap();
        black_box(rule);
    });

    let geo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.state/geoip/GeoLite2-City.mmdb");
    let geoip = rum_collector::config::GeoIpConfig {
        path: if geo.exists() {
            geo
        } else {
            Default::default()
        },
    };
    let enricher = Enricher::new(&geoip, &Default::default());
    let stage = enricher.current();
    measure("user-agent lookup (cache hit)", 1_000_000, || {
        black_box(stage.enrich(&RequestFacts {
            ip: None,
            user_agent: black_box(UA),
        }));
    });
    measure("user-agent parse (cache miss: woothee)", 20_000, || {
        black_box(rum_collector::enrich::UaInfo::parse(black_box(UA)));
    });
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    for (what, ip) in [
        ("81.2.69.142, in GeoLite2", ip),
        ("127.0.0.1, as pinned", loopback),
    ] {
        measure(&format!("geo lookup + UA hit ({what})"), 200_000, || {
            black_box(stage.enrich(&RequestFacts {
                ip: Some(black_box(ip)),
                user_agent: UA,
            }));
        });
    }

    let Ok(Body::One(mut beacon)) = Body::parse(BEACON.as_bytes(), 1000) else {
        panic!("one beacon")
    };
    beacon.validate().unwrap();
    let enrichment = stage.enrich(&RequestFacts {
        ip: Some(ip),
        user_agent: UA,
    });
    measure("row encoding (RowBinary + record CRC)", 1_000_000, || {
        let mut rows = Rows::with_capacity(512);
        rows.push(|buf| rum_collector::row::encode(buf, 1_700_000_000, &beacon, &enrichment));
        black_box(rows);
    });
    black_box(beacon.str(F::Site));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for fsync in [false, true] {
        let dir =
            std::env::temp_dir().join(format!("rum-bench-stages-{}-{fsync}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = WalConfig {
            dir: dir.clone(),
            fsync,
            ..WalConfig::default()
        };
        let (wal, _log) = wal::open(
            &cfg,
            &rum_collector::row::COLUMNS,
            Arc::new(Telemetry::default()),
        )
        .unwrap();
        let mut row = Rows::with_capacity(512);
        row.push(|buf| rum_collector::row::encode(buf, 1_700_000_000, &beacon, &enrichment));
        let name = if fsync {
            "log append, fsync on (one at a time: wait)"
        } else {
            "log append, fsync off (hand-off + write)"
        };
        measure(name, if fsync { 2_000 } else { 50_000 }, || {
            rt.block_on(wal.append(row.clone())).unwrap();
        });
        drop(wal);
        std::thread::sleep(Duration::from_millis(50));
        let _ = std::fs::remove_dir_all(&dir);
    }

    measure("response (204 with CORS headers)", 1_000_000, || {
        let r = actix_web::HttpResponse::NoContent()
            .insert_header((
                "access-control-allow-origin",
                black_box("https://shop.example"),
            ))
            .insert_header(("vary", "Origin"))
            .finish();
        black_box(r);
    });
}
