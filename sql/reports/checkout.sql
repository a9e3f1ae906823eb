-- The merchant's KPI: tail latency of the purchase path (page groups cart and checkout, or
-- any path containing "checkout"): p95/p99 of TTFB and LCP.
SELECT
    grp AS page_group,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.95)(ttfb_ms) AS ttfb_p95,
    quantileTiming(0.99)(ttfb_ms) AS ttfb_p99,
    quantileTiming(0.95)(lcp_ms) AS lcp_p95,
    quantileTiming(0.99)(lcp_ms) AS lcp_p99
FROM
(
    SELECT
        argMax(page_group, seq) AS grp,
        argMax(path, seq) AS p,
        argMax(sample_rate, seq) AS sample_rate,
        argMax(ttfb_ms, seq) AS ttfb_ms,
        argMax(lcp_ms, seq) AS lcp_ms
    FROM {db}.page_views
    WHERE {page_view_filter}
    GROUP BY site, page_view_id
)
WHERE grp IN ('cart', 'checkout') OR positionCaseInsensitive(p, 'checkout') > 0
GROUP BY grp
ORDER BY page_group
