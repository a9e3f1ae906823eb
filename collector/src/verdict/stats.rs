//! Rank statistics on binned, weighted samples: the Mann-Whitney U test (two-sided,
//! tie-corrected normal approximation with continuity correction, as
//! `scipy.stats.mannwhitneyu(method="asymptotic")`), the Hodges-Lehmann shift with its
//! distribution-free confidence interval, and weighted quantiles.
//!
//! A sample is a sorted list of distinct integer bins with a weight each: a bin's page views
//! are tied at the bin's value. With unit weights this is exactly the textbook computation
//! on the expanded sample (every page view its bin's value), in O(bins) instead of
//! O(n log n), and O(bins · log range) for the shift instead of O(n1 · n2).

/// Distinct integer bins in ascending order with a positive weight each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    keys: Vec<u32>,
    weights: Vec<f64>,
    total: f64,
}

impl Sample {
    /// A sample from (bin, weight) pairs in any order; pairs of one bin are added up and
    /// non-positive weights dropped.
    pub fn from_pairs(mut pairs: Vec<(u32, f64)>) -> Sample {
        pairs.sort_unstable_by_key(|p| p.0);
        let mut s = Sample::default();
        for (k, w) in pairs {
            if w.is_nan() || w <= 0.0 {
                continue;
            }
            match s.keys.last() {
                Some(&last) if last == k => *s.weights.last_mut().expect("same length") += w,
                _ => {
                    s.keys.push(k);
                    s.weights.push(w);
                }
            }
            s.total += w;
        }
        s
    }

    /// The sum of the weights: the sample size.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Whether the sample holds nothing.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The bins and their weights, ascending.
    pub fn bins(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.keys.iter().copied().zip(self.weights.iter().copied())
    }

    /// The weighted `q`-quantile: the smallest bin whose cumulative weight reaches `q` of the
    /// total (`None` when empty).
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let target = q * self.total;
        let mut cum = 0.0;
        for (k, w) in self.bins() {
            cum += w;
            if cum >= target {
                return Some(k);
            }
        }
        self.keys.last().copied()
    }
}

/// The result of a two-sided Mann-Whitney U test of `y` against `x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample (`y`): the weight of pairs where `y` is larger, ties counting
    /// half. scipy's `statistic` for `mannwhitneyu(y, x)`.
    pub u: f64,
    /// The standardized statistic (continuity-corrected, of max(U, n1·n2 − U)).
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// One-sided p-value of "`y` is larger": scipy's `alternative="greater"` for
    /// `mannwhitneyu(y, x)` (the regression check's question).
    pub p_greater: f64,
}

/// The tie-corrected standard deviation of U under the null hypothesis.
fn sigma_u(x: &Sample, y: &Sample) -> f64 {
    let (n1, n2) = (y.total, x.total);
    let n = n1 + n2;
    let mut ties = 0.0;
    merge(x, y, |_, a, b| {
        let t = a + b;
        ties += t * t * t - t;
    });
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    var.max(0.0).sqrt()
}

/// Walks the union of both samples' bins in ascending order: `f(bin, weight in x, weight in y)`.
fn merge(x: &Sample, y: &Sample, mut f: impl FnMut(u32, f64, f64)) {
    let (mut i, mut j) = (0, 0);
    while i < x.keys.len() || j < y.keys.len() {
        let kx = x.keys.get(i).copied().unwrap_or(u32::MAX);
        let ky = y.keys.get(j).copied().unwrap_or(u32::MAX);
        let take_x = i < x.keys.len() && (j >= y.keys.len() || kx <= ky);
        let take_y = j < y.keys.len() && (i >= x.keys.len() || ky <= kx);
        let k = if take_x { kx } else { ky };
        let a = if take_x { x.weights[i] } else { 0.0 };
        let b = if take_y { y.weights[j] } else { 0.0 };
        f(k, a, b);
        i += usize::from(take_x);
        j += usize::from(take_y);
    }
}

/// Two-sided Mann-Whitney U test of `y` against `x` (`None` when either is empty).
pub fn mann_whitney(x: &Sample, y: &Sample) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let (n1, n2) = (y.total, x.total);
    // U of y: for each bin, y's weight times x's weight below it, plus half the ties.
    let (mut u, mut x_below) = (0.0, 0.0);
    merge(x, y, |_, a, b| {
        u += b * (x_below + 0.5 * a);
        x_below += a;
    });
    let big = u.max(n1 * n2 - u);
    let s = sigma_u(x, y);
    let z = (big - n1 * n2 / 2.0 - 0.5) / s;
    // All values tied (s = 0): no evidence at all, as scipy's clipped answer.
    let tail = |z: f64| {
        if s > 0.0 {
            0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
        } else {
            1.0
        }
    };
    let p = (2.0 * tail(z)).min(1.0);
    let p_greater = tail((u - n1 * n2 / 2.0 - 0.5) / s).min(1.0);
    Some(MannWhitney { u, z, p, p_greater })
}

/// The Hodges-Lehmann estimate of the shift `y − x` with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// The (weighted) median of all pairwise differences `y − x`, in bins.
    pub estimate: f64,
    /// Lower end of the interval, in bins.
    pub low: f64,
    /// Upper end of the interval, in bins.
    pub high: f64,
}

/// The weight of pairs with `y − x ≤ d`, in one pass over both samples.
fn pairs_at_most(x: &Sample, y: &Sample, d: i64) -> f64 {
    // For each y ascending, the x below y − d are those the difference exceeds d for.
    let (mut i, mut x_below, mut total) = (0, 0.0, 0.0);
    for (ky, wy) in y.bins() {
        let bound = ky as i64 - d;
        while i < x.keys.len() && (x.keys[i] as i64) < bound {
            x_below += x.weights[i];
            i += 1;
        }
        total += wy * (x.total - x_below);
    }
    total
}

/// The smallest difference `d` whose pairs up to it weigh at least `target` (`strict`:
/// more than `target`), by bisection over the integer range of differences.
fn difference_quantile(x: &Sample, y: &Sample, target: f64, strict: bool) -> i64 {
    let reaches = |d: i64| {
        let f = pairs_at_most(x, y, d);
        if strict {
            f > target
        } else {
            f >= target
        }
    };
    let (mut lo, mut hi) = (
        y.keys[0] as i64 - *x.keys.last().expect("not empty") as i64,
        *y.keys.last().expect("not empty") as i64 - x.keys[0] as i64,
    );
    if !reaches(hi) {
        return hi;
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_euclid(2);
        if reaches(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The Hodges-Lehmann shift of `y` against `x` and its `confidence` interval (Lehmann's,
/// from the normal approximation of U with the same tie correction as the test): between
/// the (k+1)-th and the (n1·n2 − k)-th smallest difference, k = ⌊n1·n2/2 − z·σ_U⌋.
/// `None` when either sample is empty.
pub fn hodges_lehmann(x: &Sample, y: &Sample, confidence: f64) -> Option<Shift> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let pairs = x.total * y.total;
    let estimate = (difference_quantile(x, y, pairs / 2.0, false)
        + difference_quantile(x, y, pairs / 2.0, true)) as f64
        / 2.0;
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let k = (pairs / 2.0 - z * sigma_u(x, y)).floor().max(0.0);
    let low = difference_quantile(x, y, k + 1.0, false) as f64;
    let high = difference_quantile(x, y, pairs - k, false) as f64;
    Some(Shift {
        estimate,
        low,
        high,
    })
}

/// The standard normal quantile function (Acklam's approximation refined by one Halley step
/// on `erfc`, about 1e-15 relative).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step on Φ(x) − p, with Φ from erfc.
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[u32]) -> Sample {
        Sample::from_pairs(values.iter().map(|&v| (v, 1.0)).collect())
    }

    #[test]
    fn quantiles_and_merging() {
        let s = Sample::from_pairs(vec![(5, 1.0), (1, 2.0), (5, 1.0), (3, 0.0)]);
        assert_eq!(s.bins().collect::<Vec<_>>(), [(1, 2.0), (5, 2.0)]);
        assert_eq!((s.quantile(0.5), s.quantile(0.75)), (Some(1), Some(5)));
        assert_eq!(Sample::default().quantile(0.5), None);
    }

    #[test]
    fn normal_quantile_matches_known_values() {
        // scipy.stats.norm.ppf
        for (p, z) in [
            (0.99, 2.326_347_874_040_840_8),
            (0.975, 1.959_963_984_540_054),
            (0.5, 0.0),
            (1e-10, -6.361_340_902_404_056),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() <= 1e-13 * z.abs().max(1.0),
                "{p}"
            );
        }
    }

    #[test]
    fn shift_of_a_shifted_sample_is_the_shift() {
        let x = unit(&[10, 20, 30, 40, 50]);
        let y = unit(&[17, 27, 37, 47, 57]);
        let s = hodges_lehmann(&x, &y, 0.9).unwrap();
        assert_eq!(s.estimate, 7.0);
        assert!(s.low <= 7.0 && s.high >= 7.0);
        let same = mann_whitney(&x, &x).unwrap();
        assert_eq!((same.u, same.p), (12.5, 1.0));
    }
}
