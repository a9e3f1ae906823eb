-- Per minute, from the rollup (fast over long windows): page views (re-weighted) and p75/p95
-- of TTFB, LCP and INP, for charts. Uses each page view's first beacon (see
-- 0004_page_groups_minute.sql). Minutes are printed in UTC whatever the server's time zone.
-- One pass over the rollup: states are merged per sample rate (to re-weight the counts),
-- then per minute.
SELECT
    toTimeZone(minute, 'UTC') AS minute,
    page_views,
    ttfb_q[2] AS ttfb_p75,
    ttfb_q[3] AS ttfb_p95,
    lcp_q[2] AS lcp_p75,
    lcp_q[3] AS lcp_p95,
    inp_q[2] AS inp_p75,
    inp_q[3] AS inp_p95
FROM
(
    SELECT
        minute,
        toUInt64(round(sum(v))) AS page_views,
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(t) AS ttfb_q,
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(l) AS lcp_q,
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(i) AS inp_q
    FROM
    (
        SELECT
            minute,
            countMerge(page_views) / sample_rate AS v,
            quantilesTimingMergeState(0.5, 0.75, 0.95, 0.99)(ttfb) AS t,
            quantilesTimingMergeState(0.5, 0.75, 0.95, 0.99)(lcp) AS l,
            quantilesTimingMergeState(0.5, 0.75, 0.95, 0.99)(inp) AS i
        FROM {db}.page_groups_minute
        WHERE {rollup_filter}
        GROUP BY minute, sample_rate
    )
    GROUP BY minute
)
ORDER BY minute
