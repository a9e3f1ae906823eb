-- The autoscaler's signals, as the collector refreshes them every few seconds (one query):
-- per site and page group ('' = all groups), for the windows of signals::WINDOWS (1, 5
-- and 15 minutes; the collector fills in the lists below) ending now (w minute buckets
-- including the current one) and the window before (prev = 1): page views (re-weighted),
-- p50/p75/p95/p99 of TTFB, LCP and INP, page views good on all Core Web Vitals, and the
-- newest minute with data. People only (bots excluded). From the rollup by page group
-- (0004_page_groups_minute.sql). The collector reads the columns by position into
-- signals::Row, so their order and types are part of that contract.
SELECT
    site,
    g AS page_group,
    toUInt32(w) AS window_minutes,
    prev,
    round(sum(v), 3) AS page_views,
    quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(t) AS ttfb,
    quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(l) AS lcp,
    quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(i) AS inp,
    round(sum(good), 3) AS good_page_views,
    toUInt32(max(newest)) AS newest_minute
FROM
(
    SELECT
        site,
        -- Every row also counts towards the all-groups row (''); a row of no group is
        -- already one of its rows, and counts once.
        arrayJoin(if(page_group = '', [''], [page_group, ''])) AS g,
        w,
        prev,
        countMerge(page_views) / sample_rate AS v,
        countIfMerge(cwv_good) / sample_rate AS good,
        quantilesTimingMergeState(0.5, 0.75, 0.95, 0.99)(ttfb) AS t,
        quantilesTimingMergeState(0.5, 0.75, 0.95, 0.99)(lcp) AS l,
        -- The window before is compared on traffic, TTFB and LCP only: its INP is not
        -- merged (NaN), which saves a sixth of the refresh.
        quantilesTimingMergeStateIf(0.5, 0.75, 0.95, 0.99)(inp, prev = 0) AS i,
        max(minute) AS newest
    FROM {db}.page_groups_minute
    ARRAY JOIN {signal_windows} AS w, {signal_previous} AS prev
    WHERE is_bot = 0
      AND minute >= toStartOfMinute(now()) - {signal_lookback_seconds}
      AND minute >= toStartOfMinute(now()) - ((w - 1) + prev * w) * 60
      AND minute < toStartOfMinute(now()) + 60 - prev * w * 60
    GROUP BY site, page_group, w, prev, sample_rate
)
GROUP BY site, g, w, prev
ORDER BY site, g, w, prev
