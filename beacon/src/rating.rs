//! Core Web Vitals ratings with the standard thresholds (the same as web-vitals v5).

/// A metric that has a Core Web Vitals rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Time to first byte.
    Ttfb,
    /// First contentful paint.
    Fcp,
    /// Largest contentful paint.
    Lcp,
    /// Cumulative layout shift.
    Cls,
    /// Interaction to next paint.
    Inp,
    /// First input delay.
    Fid,
}

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

impl Metric {
    /// The (good, poor) thresholds: good is `<= good`, poor is `> poor`.
    pub fn thresholds(self) -> (f64, f64) {
        match self {
            Metric::Ttfb => (800.0, 1800.0),
            Metric::Fcp => (1800.0, 3000.0),
            Metric::Lcp => (2500.0, 4000.0),
            Metric::Cls => (0.1, 0.25),
            Metric::Inp => (200.0, 500.0),
            Metric::Fid => (100.0, 300.0),
        }
    }

    /// Rates a value the way web-vitals does.
    pub fn rate(self, value: Option<f64>) -> Rating {
        let Some(v) = value else { return Rating::None };
        let (good, poor) = self.thresholds();
        if v <= good {
            Rating::Good
        } else if v <= poor {
            Rating::NeedsImprovement
        } else {
            Rating::Poor
        }
    }
}
