-- Per page group: page views (re-weighted by sample rate) and p50/p75/p95/p99 of TTFB, FCP,
-- LCP and INP (ms) and p75 CLS. Each page view counts once with its latest beacon: FINAL
-- collapses the beacons of a page view to the highest seq, before merges too (measured
-- faster than argMax per page view at 10 M rows, and bounded in memory; BENCHMARKS.md).
-- One `quantilesTiming` state per metric: ClickHouse computes identical aggregates once, so
-- the four levels cost one pass (a `quantileTiming` per level was 25 % slower at 10 M rows).
-- A group without a metric gives nan here (NULL with the single-level function); the CLI and
-- the API show both as missing.
SELECT
    page_group,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(ttfb_ms)[1] AS ttfb_p50,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(ttfb_ms)[2] AS ttfb_p75,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(ttfb_ms)[3] AS ttfb_p95,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(ttfb_ms)[4] AS ttfb_p99,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(fcp_ms)[1] AS fcp_p50,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(fcp_ms)[2] AS fcp_p75,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(fcp_ms)[3] AS fcp_p95,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(fcp_ms)[4] AS fcp_p99,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(lcp_ms)[1] AS lcp_p50,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(lcp_ms)[2] AS lcp_p75,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(lcp_ms)[3] AS lcp_p95,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(lcp_ms)[4] AS lcp_p99,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(inp_ms)[1] AS inp_p50,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(inp_ms)[2] AS inp_p75,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(inp_ms)[3] AS inp_p95,
    quantilesTiming(0.50, 0.75, 0.95, 0.99)(inp_ms)[4] AS inp_p99,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY page_group
ORDER BY page_views DESC, page_group
