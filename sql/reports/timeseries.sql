-- Per minute, from the rollup (fast over long windows): page views (re-weighted) and p75/p95
-- of TTFB, LCP and INP, for charts. Uses each page view's first beacon (see
-- 0002_page_views_minute.sql). Minutes are printed in UTC whatever the server's time zone.
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
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(ttfb) AS ttfb_q,
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(lcp) AS lcp_q,
        quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(inp) AS inp_q
    FROM {db}.page_views_minute
    WHERE {rollup_filter}
    GROUP BY minute
) AS q
ANY LEFT JOIN
(
    SELECT minute, toUInt64(round(sum(views / sample_rate))) AS page_views
    FROM
    (
        SELECT minute, sample_rate, uniqExactMerge(page_views) AS views
        FROM {db}.page_views_minute
        WHERE {rollup_filter}
        GROUP BY minute, sample_rate
    )
    GROUP BY minute
) AS v USING minute
ORDER BY minute
