-- Per page group: page views (re-weighted by sample rate) and p50/p75/p95/p99 of TTFB, FCP,
-- LCP and INP (ms) and p75 CLS. Each page view counts once with its latest beacon: FINAL
-- collapses the beacons of a page view to the highest seq, before merges too (measured
-- faster than argMax per page view at 10 M rows, and bounded in memory; BENCHMARKS.md).
SELECT
    page_group,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.50)(ttfb_ms) AS ttfb_p50,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    quantileTiming(0.95)(ttfb_ms) AS ttfb_p95,
    quantileTiming(0.99)(ttfb_ms) AS ttfb_p99,
    quantileTiming(0.50)(fcp_ms) AS fcp_p50,
    quantileTiming(0.75)(fcp_ms) AS fcp_p75,
    quantileTiming(0.95)(fcp_ms) AS fcp_p95,
    quantileTiming(0.99)(fcp_ms) AS fcp_p99,
    quantileTiming(0.50)(lcp_ms) AS lcp_p50,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.95)(lcp_ms) AS lcp_p95,
    quantileTiming(0.99)(lcp_ms) AS lcp_p99,
    quantileTiming(0.50)(inp_ms) AS inp_p50,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    quantileTiming(0.95)(inp_ms) AS inp_p95,
    quantileTiming(0.99)(inp_ms) AS inp_p99,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY page_group
ORDER BY page_views DESC, page_group
