-- The regression check of /v1/signals (collector/src/signals/regression.rs fills the lists
-- from its declarations): page views per site and page group ('' = all groups), span (0 =
-- the last 15 minutes, then each baseline: the same minutes a day earlier, the hours before),
-- metric (TTFB, FCP, LCP, INP, CLS in thousandths) and log-scale bin of 1 % width. The
-- collector runs a rank test on these histograms, so the answer stays small at any traffic.
-- Raw rows, because the rollups' percentile states cannot give ranks; people only. FINAL:
-- each page view once with its latest beacon, as the other raw-row reports. (Not seq = 1:
-- merges keep only a page view's highest seq, so a view that sent an update would leave the
-- check once its parts merged.) Read by position into signals::regression::Row.
SELECT
    site,
    g AS page_group,
    toUInt8(s) AS span,
    toUInt8(m - 1) AS metric,
    toUInt16(round(log(1 + assumeNotNull(x)) * {regression_bins_per_e})) AS bin,
    count() AS page_views
FROM
(
    SELECT
        site,
        arrayJoin([page_group, '']) AS g,
        toUInt32(now() - received_at) AS age,
        {regression_span} AS s,
        {regression_values} AS xs
    FROM {db}.page_views FINAL
    WHERE is_bot = 0
      AND received_at > now() - {regression_lookback_seconds}
      AND received_at <= now()
      AND s != 255
)
ARRAY JOIN xs AS x, arrayEnumerate(xs) AS m
WHERE isNotNull(x) AND x >= 0
GROUP BY site, page_group, span, metric, bin
ORDER BY site, page_group, span, metric, bin
