-- Per page group: page views (re-weighted by sample rate) and p50/p75/p95/p99 of TTFB, FCP,
-- LCP and INP (ms) and p75 CLS. Each page view counts once: its row with the highest seq
-- wins (argMax), before and after merges.
SELECT
    grp AS page_group,
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
FROM
(
    SELECT
        argMax(page_group, seq) AS grp,
        argMax(sample_rate, seq) AS sample_rate,
        argMax(ttfb_ms, seq) AS ttfb_ms,
        argMax(fcp_ms, seq) AS fcp_ms,
        argMax(lcp_ms, seq) AS lcp_ms,
        argMax(inp_ms, seq) AS inp_ms,
        argMax(cls, seq) AS cls
    FROM {db}.page_views
    WHERE {page_view_filter}
    GROUP BY site, page_view_id
)
GROUP BY grp
ORDER BY page_views DESC, page_group
