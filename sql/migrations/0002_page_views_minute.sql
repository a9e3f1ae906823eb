-- Per-minute rollup for dashboards and the autoscaler's signals: page views and percentile
-- states by site, page group, device class, country and bot flag.
--
-- A page view counts once here too. The rollup takes each page view's first beacon
-- (seq = 1) and counts page views with uniqExact(page_view_id), so a beacon replayed after
-- a collector crash or an insert retry is not counted twice. Update beacons (seq > 1, the
-- final CLS/INP after the shopper returned to the tab) are not folded in: the rollup's
-- CLS/INP are the values at the first hide; reports over page_views use the final ones.
-- sample_rate is part of the key so page views can be re-weighted: sum(views / sample_rate).
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.page_views_minute
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, page_group, device_class, country_code, is_bot, sample_rate)
AS SELECT
    toStartOfMinute(received_at) AS minute,
    site,
    page_group,
    device_class,
    country_code,
    is_bot,
    sample_rate,
    uniqExactState(page_view_id) AS page_views,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(ttfb_ms) AS ttfb,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(fcp_ms) AS fcp,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(lcp_ms) AS lcp,
    quantilesTimingState(0.5, 0.75, 0.95, 0.99)(inp_ms) AS inp,
    quantilesTDigestState(0.5, 0.75, 0.95, 0.99)(cls) AS cls,
    uniqExactIfState(page_view_id, ttfb_rating = 'good') AS ttfb_good,
    uniqExactIfState(page_view_id, ttfb_rating = 'poor') AS ttfb_poor,
    uniqExactIfState(page_view_id, lcp_rating = 'good') AS lcp_good,
    uniqExactIfState(page_view_id, lcp_rating = 'poor') AS lcp_poor,
    uniqExactIfState(page_view_id, inp_rating = 'good') AS inp_good,
    uniqExactIfState(page_view_id, inp_rating = 'poor') AS inp_poor,
    uniqExactIfState(page_view_id, cls_rating = 'good') AS cls_good,
    uniqExactIfState(page_view_id, cls_rating = 'poor') AS cls_poor,
    uniqExactIfState(page_view_id, fcp_rating = 'good') AS fcp_good,
    uniqExactIfState(page_view_id, fcp_rating = 'poor') AS fcp_poor,
    -- Good on all Core Web Vitals; a page view without an interaction has no INP to fail.
    uniqExactIfState(page_view_id, lcp_rating = 'good' AND cls_rating = 'good'
        AND inp_rating IN ('good', 'none')) AS cwv_good
FROM {db}.page_views
WHERE seq = 1
GROUP BY minute, site, page_group, device_class, country_code, is_bot, sample_rate;
