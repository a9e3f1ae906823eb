-- page_views_minute again, by device class and country as before, with page views and the
-- good / needs-improvement / poor counts as countState of first beacons instead of
-- uniqExact: exact since inserts are exactly-once (0005), and cheap to merge (a tenth of a
-- rollup query's time, and of ClickHouse's background merges under load).
-- Rebuilt with POPULATE from page_views: minutes whose raw rows are past retention are not
-- rebuilt (export them first if you keep the rollup longer than page_views). Rows inserted
-- while it runs are not in the view: migrate before starting collectors.
DROP TABLE IF EXISTS {db}.page_views_minute;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.page_views_minute
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, page_group, device_class, country_code, is_bot, sample_rate)
POPULATE
AS SELECT
    toStartOfMinute(received_at) AS minute,
    site,
    page_group,
    device_class,
    country_code,
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
GROUP BY minute, site, page_group, device_class, country_code, is_bot, sample_rate;
