-- The regression check of /v1/signals (collector/src/signals/regression.rs fills the lists
-- from its declarations): page views per site and page group, span (0 = the last 15
-- minutes, then each baseline: the same minutes a day earlier, the hours before; whole
-- minutes, the current one counting as the newest), metric (TTFB, FCP, LCP, INP, CLS in
-- thousandths) and bin. The collector runs a rank test on these histograms, so the answer
-- stays small at any traffic. People only. No rows for all groups: the collector adds each
-- group's rows into its site's check (a page view of no group, '', counts there once).
-- From the rollup that the release verdict reads (0011_releases_bins_minute.sql), summed
-- over releases and sample rates: its bins (three significant digits) are as fine as the
-- test needs, and the query reads a few rows per minute instead of every page view. Each
-- page view counts once, with its first beacon, as in every rollup.
-- Why grouped by numbers: grouping by (site, page group) strings and then (span, metric,
-- bin) took most of the time; one 64-bit hash of the pair, and metric and bin packed into
-- one number, halve it, and the names are joined back onto the few distinct keys
-- (BENCHMARKS.md, "Regression check": 1.0 s a refresh reading page_views FINAL at 2 M page
-- views a day, 0.16 s like this).
-- Read by position into signals::regression::Row.
SELECT
    site,
    page_group,
    span,
    metric,
    bin,
    page_views
FROM
(
    SELECT
        k,
        toUInt8(s) AS span,
        toUInt8(mb % {regression_metric_slots}) AS metric,
        toUInt32(intDiv(mb, {regression_metric_slots})) AS bin,
        sum(v) AS page_views
    FROM
    (
        SELECT
            cityHash64(site, page_group) AS k,
            toUInt32(toStartOfMinute(now()) - minute) AS age,
            {regression_span} AS s,
            {regression_bins} AS mbs,
            {regression_views} AS vs
        FROM {db}.releases_bins_minute
        WHERE is_bot = 0
          AND minute > now() - {regression_lookback_seconds}
          AND minute <= now()
          AND s != {regression_no_span}
    )
    ARRAY JOIN mbs AS mb, vs AS v
    GROUP BY k, s, mb
) AS histograms
ANY INNER JOIN
(
    SELECT DISTINCT
        cityHash64(site, page_group) AS k,
        site,
        page_group
    FROM {db}.releases_bins_minute
    WHERE is_bot = 0
      AND minute > now() - {regression_lookback_seconds}
      AND minute <= now()
) AS names USING k
