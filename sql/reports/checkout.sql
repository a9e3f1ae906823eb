-- The merchant's KPI: tail latency of the purchase path (page groups cart and checkout, or
-- any path containing "checkout"): p95/p99 of TTFB and LCP.
SELECT
    page_group,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantilesTiming(0.95, 0.99)(ttfb_ms)[1] AS ttfb_p95,
    quantilesTiming(0.95, 0.99)(ttfb_ms)[2] AS ttfb_p99,
    quantilesTiming(0.95, 0.99)(lcp_ms)[1] AS lcp_p95,
    quantilesTiming(0.95, 0.99)(lcp_ms)[2] AS lcp_p99
FROM {db}.page_views FINAL
WHERE {page_view_filter}
  AND (page_group IN ('cart', 'checkout') OR positionCaseInsensitive(path, 'checkout') > 0)
GROUP BY page_group
ORDER BY page_group
