//! Short-term traffic forecast: additive Holt-Winters over per-minute page views with a
//! daily season (1440 minutes), so the autoscaler can scale before the daily rush; a high
//! level smoothing (α = 0.4 per minute) follows a flash sale within a few minutes. With less
//! than two days of history it falls back to Holt's linear trend. The trend is damped
//! (φ = 0.9 per minute), so a short slope is not extrapolated to zero or to the sky an hour
//! ahead. The band is ±1.96 σ √h of the one-step-ahead errors.

/// Minutes per season (a day).
pub const DAY: usize = 1440;
const ALPHA: f64 = 0.4;
const BETA: f64 = 0.01;
const GAMMA: f64 = 0.1;
const PHI: f64 = 0.9;

/// A forecast `h` minutes ahead: expected value and a 95 % band, per minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Expected value.
    pub value: f64,
    /// Lower bound of the band (never below 0).
    pub low: f64,
    /// Upper bound of the band.
    pub high: f64,
}

/// The fitted model.
#[derive(Debug, Clone)]
pub struct Model {
    level: f64,
    trend: f64,
    season: Vec<f64>,
    /// Index of the next minute within the season.
    t: usize,
    /// EWMA of squared one-step errors.
    err2: f64,
}

impl Model {
    /// Fits the model to a series of per-minute values (oldest first); `None` without
    /// at least 30 minutes of history.
    pub fn fit(xs: &[f64]) -> Option<Model> {
        if xs.len() < 30 {
            return None;
        }
        let seasonal = xs.len() >= 2 * DAY;
        let m = if seasonal { DAY } else { 1 };
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let (level, trend, season) = if seasonal {
            let (a, b) = (mean(&xs[..m]), mean(&xs[m..2 * m]));
            (
                a,
                (b - a) / m as f64,
                xs[..m].iter().map(|x| x - a).collect(),
            )
        } else {
            (xs[0], 0.0, vec![0.0])
        };
        let mut model = Model {
            level,
            trend,
            season,
            t: 0,
            err2: 0.0,
        };
        let start = if seasonal { m } else { 1 };
        model.t = start % m;
        for &x in &xs[start..] {
            model.update(x, seasonal);
        }
        Some(model)
    }

    fn update(&mut self, x: f64, seasonal: bool) {
        let m = self.season.len();
        let s = if seasonal { self.season[self.t] } else { 0.0 };
        let predicted = self.level + PHI * self.trend + s;
        let e = x - predicted;
        self.err2 = if self.err2 == 0.0 {
            e * e
        } else {
            0.95 * self.err2 + 0.05 * e * e
        };
        let level = ALPHA * (x - s) + (1.0 - ALPHA) * (self.level + PHI * self.trend);
        let beta = if seasonal { BETA } else { 0.05 };
        self.trend = beta * (level - self.level) + (1.0 - beta) * PHI * self.trend;
        self.level = level;
        if seasonal {
            self.season[self.t] = GAMMA * (x - level) + (1.0 - GAMMA) * s;
        }
        self.t = (self.t + 1) % m;
    }

    /// The forecast `h` minutes after the last value fitted.
    pub fn forecast(&self, h: usize) -> Forecast {
        let m = self.season.len();
        let s = self.season[(self.t + h - 1) % m];
        // φ + φ² + … + φ^h: the trend fades instead of running on for ever.
        let damped = PHI * (1.0 - PHI.powi(h as i32)) / (1.0 - PHI);
        let value = (self.level + damped * self.trend + s).max(0.0);
        let band = 1.96 * self.err2.sqrt() * (h as f64).sqrt();
        Forecast {
            value,
            low: (value - band).max(0.0),
            high: value + band,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storefront's day: quiet at night, busy in the evening, with noise.
    fn daily(minute: usize) -> f64 {
        let phase = (minute % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
        let noise = ((minute * 7919) % 97) as f64 / 97.0 - 0.5;
        (600.0 - 450.0 * phase.cos() + 40.0 * noise).max(0.0)
    }

    #[test]
    fn a_replayed_daily_pattern_is_forecast_within_ten_percent_of_mean_traffic() {
        let history: Vec<f64> = (0..3 * DAY).map(daily).collect();
        let mut worst: f64 = 0.0;
        // Check +15 min forecasts from many points of the fourth day.
        for cut in (3 * DAY..4 * DAY - 15).step_by(97) {
            let series: Vec<f64> = (0..cut).map(daily).collect();
            let f = Model::fit(&series).unwrap().forecast(15);
            let truth = daily(cut + 14);
            // Error relative to the day's mean traffic (600/min): what decides replicas.
            worst = worst.max((f.value - truth).abs() / 600.0);
        }
        eprintln!(
            "worst +15 min error: {:.1} % of mean traffic",
            worst * 100.0
        );
        assert!(worst < 0.10, "worst error {worst:.3} of mean traffic");
        let f = Model::fit(&history).unwrap().forecast(15);
        assert!(f.low <= f.value && f.value <= f.high);
    }

    #[test]
    fn a_flash_sale_is_followed_within_a_few_minutes() {
        let mut series: Vec<f64> = (0..2 * DAY + 600).map(daily).collect();
        let before = Model::fit(&series).unwrap().forecast(5).value;
        // Traffic jumps to four times normal and stays there.
        let base = series.len();
        for i in 0..5 {
            series.push(4.0 * daily(base + i));
        }
        let f = Model::fit(&series).unwrap().forecast(1);
        let truth = 4.0 * daily(base + 5);
        eprintln!(
            "flash sale, next minute: {:.1} % off",
            (f.value - truth).abs() / truth * 100.0
        );
        assert!(
            (f.value - truth).abs() / truth < 0.15,
            "after 5 minutes of sale: forecast {:.0} vs {truth:.0} (was {before:.0})",
            f.value
        );
    }

    #[test]
    fn a_short_slope_fades_instead_of_running_to_zero() {
        // 40 minutes falling by 10 per minute: an undamped trend would reach 0 within 40
        // minutes more; a slope this short says little about the next hour.
        let falling: Vec<f64> = (0..40).map(|i| 800.0 - 10.0 * i as f64).collect();
        let last = falling[39];
        let f = Model::fit(&falling).unwrap();
        assert!(f.forecast(5).value < last, "still falling at +5 min");
        assert!(
            f.forecast(60).value > 0.6 * last,
            "+60 min: {:?} from {last}",
            f.forecast(60)
        );
    }

    #[test]
    fn short_history_falls_back_to_a_trend_and_too_short_to_none() {
        assert!(Model::fit(&[1.0; 10]).is_none());
        let ramp: Vec<f64> = (0..120).map(|i| 100.0 + i as f64).collect();
        let f = Model::fit(&ramp).unwrap().forecast(10);
        assert!((f.value - 229.0).abs() < 15.0, "{f:?}");
    }
}
