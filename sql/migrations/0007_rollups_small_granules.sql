-- Both rollups again, now writing into tables with index granules of 256 rows instead of
-- ClickHouse's default 8192, keeping their rows.
--
-- Why: a rollup has a few dozen rows per minute, so one 8192-row granule spans hours, and a
-- query for the last minutes reads and decodes the percentile states of every row of the
-- granules it touches. Once background merges have made one part of the recent rows (the
-- steady state of a running system), the signals refresh took 58 ms and an hour's time
-- series 55 ms on 10 M page views (18.16), against 16 ms each with 256-row granules
-- (BENCHMARKS.md). Fresh, unmerged small parts had hidden this in earlier benchmarks.
--
-- How: each view now writes into a table of its own (`*_data`, the usual `TO` form, which
-- lets later changes swap the view without copying rows); the view keeps its name, and
-- selecting from it reads that table, so reports and analysts' queries are unchanged.
-- The copy runs only into an empty table, so a re-run after a failure does not double it.
-- Rows inserted while this runs can miss the rollups: migrate before starting collectors.

CREATE TABLE IF NOT EXISTS {db}.page_groups_minute_data AS {db}.page_groups_minute
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, page_group, is_bot, sample_rate)
SETTINGS index_granularity = 256;
INSERT INTO {db}.page_groups_minute_data SELECT * FROM {db}.page_groups_minute
WHERE (SELECT count() FROM {db}.page_groups_minute_data) = 0;
DROP TABLE IF EXISTS {db}.page_groups_minute;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.page_groups_minute TO {db}.page_groups_minute_data
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

CREATE TABLE IF NOT EXISTS {db}.page_views_minute_data AS {db}.page_views_minute
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, minute, page_group, device_class, country_code, is_bot, sample_rate)
SETTINGS index_granularity = 256;
INSERT INTO {db}.page_views_minute_data SELECT * FROM {db}.page_views_minute
WHERE (SELECT count() FROM {db}.page_views_minute_data) = 0;
DROP TABLE IF EXISTS {db}.page_views_minute;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.page_views_minute TO {db}.page_views_minute_data
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
