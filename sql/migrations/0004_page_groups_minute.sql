-- Per-minute rollup by site and page group only: what the time-series, traffic and signals
-- reports and the autoscaler's refresh read. page_views_minute (0002) stays for questions by
-- device class or country.
--
-- Why a second rollup: merging percentile states costs per row merged, and
-- page_views_minute has a row per device class and country in every minute (150 per minute
-- for 3 sites in the benchmark, 10 here); and page views are counted with countState of
-- first beacons (seq = 1) instead of uniqExact, whose merge was most of a query's time.
-- A count is exact because the collector inserts every beacon exactly once (the write-ahead
-- log's progress marker, see 0005); a page view's update beacons (seq > 1) are not folded in,
-- so CLS/INP here are the values at the first hide, as in page_views_minute.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.page_groups_minute
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, page_group, is_bot, sample_rate)
-- POPULATE: history from before this migration (the forecast reads 8 days). Rows inserted
-- while it runs are not in the view (ClickHouse's documented caveat): migrate, then start
-- collectors, or accept a few seconds missing from this rollup.
POPULATE
AS SELECT
    toStartOfMinute(received_at) AS minute,
    site,
    page_group,
    is_bot,
    sample_rate,
    countState() AS page_views,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(ttfb_ms) AS ttfb,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(fcp_ms) AS fcp,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(lcp_ms) AS lcp,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(inp_ms) AS inp,
    quantilesTDigestState(0.5, 0.75, 0.95, 0.99)(cls) AS cls,
    countIfState(ttfb_rating = 'good') AS ttfb_good,
    countIfState(ttfb_rating = 'needs-improvement') AS ttfb_ni,
    countIfState(ttfb_rating = 'poor') AS ttfb_poor,
    countIfState(fcp_rating = 'good') AS fcp_good,
    countIfState(fcp_rating = 'needs-improvement') AS fcp_ni,
    countIfState(fcp_rating = 'poor') AS fcp_poor,
    countIfState(lcp_rating = 'good') AS lcp_good,
    countIfState(lcp_rating = 'needs-improvement') AS lcp_ni,
    countIfState(lcp_rating = 'poor') AS lcp_poor,
    countIfState(inp_rating = 'good') AS inp_good,
    countIfState(inp_rating = 'needs-improvement') AS inp_ni,
    countIfState(inp_rating = 'poor') AS inp_poor,
    countIfState(cls_rating = 'good') AS cls_good,
    countIfState(cls_rating = 'needs-improvement') AS cls_ni,
    countIfState(cls_rating = 'poor') AS cls_poor,
    countIfState(lcp_rating = 'good' AND cls_rating = 'good'
        AND inp_rating IN ('good', 'none')) AS cwv_good
FROM {db}.page_views
WHERE seq = 1
GROUP BY minute, site, page_group, is_bot, sample_rate;
