//! Core Web Vitals ratings. The thresholds themselves are declared with their fields
//! ([`crate::FIELDS`]), the same as web-vitals'.

/// A rating bucket; the discriminant is the value stored in ClickHouse's `Enum8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i8)]
pub enum Rating {
    /// The metric did not happen.
    None = 0,
    /// At or below the "good" threshold.
    Good = 1,
    /// Between the thresholds.
    NeedsImprovement = 2,
    /// Above the "poor" threshold.
    Poor = 3,
}

/// A metric's thresholds: good is `<= good`, poor is `> poor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Largest good value.
    pub good: f64,
    /// Largest value that still needs improvement rather than being poor.
    pub poor: f64,
}

impl Thresholds {
    /// Rates a value the way web-vitals does.
    pub fn rate(self, value: Option<f64>) -> Rating {
        match value {
            None => Rating::None,
            Some(v) if v <= self.good => Rating::Good,
            Some(v) if v <= self.poor => Rating::NeedsImprovement,
            Some(_) => Rating::Poor,
        }
    }
}

/// `("lcp_good", "2500")`, `("lcp_poor", "4000")`, ... for every rated field: how SQL templates
/// (reports, the benchmarks' generators) name the declared thresholds, so they rate as we do.
pub fn threshold_vars() -> Vec<(String, String)> {
    crate::FIELDS
        .iter()
        .filter_map(|f| f.rating.map(|t| (f.wire, t)))
        .flat_map(|(wire, t)| {
            [
                (format!("{wire}_good"), t.good.to_string()),
                (format!("{wire}_poor"), t.poor.to_string()),
            ]
        })
        .collect()
}
