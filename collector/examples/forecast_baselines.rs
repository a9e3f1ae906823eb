//! The traffic forecast against baselines on one replay: prints the error table of
//! BENCHMARKS.md ("Forecast vs baselines").
//!
//!     cargo run --release -p rum-collector --features forecast-baselines \
//!         --example forecast_baselines
//!
//! Three generated per-minute page-view series (a daily pattern; a daily pattern with busier
//! weekends; a flash sale at three times the traffic for two hours), each forecast from many
//! origins at +5, +15 and +60 minutes by: the collector's Holt-Winters (`forecast::Model`),
//! seasonal naive (the same minute a day, or a week, earlier), and `augurs` (Grafana): AutoETS
//! (non-seasonal: augurs has no seasonal ETS yet) and MSTL with a daily season and a naive
//! trend (with an AutoETS trend one fit on eight days took over ten seconds here, too slow to
//! refit every minute). Every model sees the eight days the collector reads (`traffic_history.sql`);
//! AutoETS the last day of them (its states only need recent history, and a fit on eight
//! days takes seconds). Errors: MAE (page views per minute) and sMAPE (%), over the origins.

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use rum_collector::forecast::{Model, DAY};

const WEEK: usize = 7 * DAY;
/// History every model may use: what the collector's forecast query reads.
const HISTORY: usize = 8 * DAY;
const HORIZONS: [usize; 3] = [5, 15, 60];

/// splitmix64: seeded noise without a dependency.
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A storefront's day: quiet at night, busy in the evening (page views per minute).
fn day_shape(minute: usize) -> f64 {
    let phase = (minute % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
    600.0 - 450.0 * phase.cos() + 80.0 * (2.0 * phase).sin()
}

/// Poisson-like noise around `mean` (standard deviation √mean, plus 3 % of it).
fn noisy(mean: f64, noise: &mut Noise) -> f64 {
    (mean + (mean.sqrt() + 0.03 * mean) * noise.normal())
        .max(0.0)
        .round()
}

struct Scenario {
    name: &'static str,
    series: Vec<f64>,
    /// Forecast origins: the number of minutes known.
    origins: Vec<usize>,
}

fn scenarios() -> Vec<Scenario> {
    let mut noise = Noise(23);
    // Daily: forecast over day 9 from the eight days before, every 47 minutes.
    let daily: Vec<f64> = (0..10 * DAY)
        .map(|m| noisy(day_shape(m), &mut noise))
        .collect();
    // Weekly: day 0 is a Monday; Saturdays 1.6×, Sundays 1.3× a weekday. Forecast over the
    // weekend of days 12 and 13 and the Monday after.
    let weekday = |m: usize| match (m / DAY) % 7 {
        5 => 1.6,
        6 => 1.3,
        _ => 1.0,
    };
    let weekly: Vec<f64> = (0..15 * DAY)
        .map(|m| noisy(day_shape(m) * weekday(m), &mut noise))
        .collect();
    // Flash sale: day 8 from 18:00, three times the traffic for two hours (a 3-minute ramp).
    let start = 8 * DAY + 18 * 60;
    let sale = |m: usize| {
        let into = m as f64 - start as f64;
        if (0.0..120.0).contains(&into) {
            1.0 + 2.0 * (into / 3.0).min(1.0)
        } else {
            1.0
        }
    };
    let flash: Vec<f64> = (0..9 * DAY + 60)
        .map(|m| noisy(day_shape(m) * sale(m), &mut noise))
        .collect();
    vec![
        Scenario {
            name: "daily",
            series: daily,
            origins: (8 * DAY..9 * DAY).step_by(47).collect(),
        },
        Scenario {
            name: "weekly",
            series: weekly,
            origins: (12 * DAY..15 * DAY - 60).step_by(97).collect(),
        },
        Scenario {
            name: "flash sale",
            series: flash,
            // From 5 minutes into the sale to an hour after it.
            origins: (start + 5..start + 180).step_by(5).collect(),
        },
    ]
}

type Forecaster = fn(&[f64], usize) -> f64;

fn holt_winters(history: &[f64], h: usize) -> f64 {
    Model::fit(history).map_or(f64::NAN, |m| m.forecast(h).value)
}

fn naive_day(history: &[f64], h: usize) -> f64 {
    history[history.len() + h - 1 - DAY]
}

fn naive_week(history: &[f64], h: usize) -> f64 {
    history[history.len() + h - 1 - WEEK]
}

fn ets(history: &[f64], h: usize) -> f64 {
    let recent = &history[history.len() - DAY..];
    let fit = AutoETS::non_seasonal().fit(recent).expect("AutoETS fits");
    fit.predict(h, None).expect("AutoETS predicts").point[h - 1]
}

fn mstl(history: &[f64], h: usize) -> f64 {
    let fit = MSTLModel::naive(vec![DAY]).fit(history).expect("MSTL fits");
    fit.predict(h, None).expect("MSTL predicts").point[h - 1]
}

const MODELS: [(&str, Forecaster); 5] = [
    ("Holt-Winters (collector)", holt_winters),
    ("seasonal naive, a day", naive_day),
    ("seasonal naive, a week", naive_week),
    ("augurs AutoETS", ets),
    ("augurs MSTL (day), naive trend", mstl),
];

fn main() {
    println!("| replay | model | MAE +5m | MAE +15m | MAE +60m | sMAPE +5m | sMAPE +15m | sMAPE +60m | fit+forecast ms |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for sc in scenarios() {
        for (name, model) in MODELS {
            let mut abs = [0.0; HORIZONS.len()];
            let mut smape = [0.0; HORIZONS.len()];
            let started = std::time::Instant::now();
            for &origin in &sc.origins {
                let history = &sc.series[origin - HISTORY..origin];
                for (i, &h) in HORIZONS.iter().enumerate() {
                    let (f, y) = (model(history, h), sc.series[origin + h - 1]);
                    abs[i] += (f - y).abs();
                    if f.abs() + y.abs() > 0.0 {
                        smape[i] += 2.0 * (f - y).abs() / (f.abs() + y.abs());
                    }
                }
            }
            let n = sc.origins.len() as f64;
            let per_fit = started.elapsed().as_secs_f64() * 1000.0 / (n * 3.0);
            let mae = abs.map(|a| format!("{:.1}", a / n));
            let smape = smape.map(|s| format!("{:.1} %", 100.0 * s / n));
            println!(
                "| {} ({} origins) | {name} | {} | {} | {per_fit:.1} |",
                sc.name,
                sc.origins.len(),
                mae.join(" | "),
                smape.join(" | ")
            );
        }
    }
}
