-- releases_minute: per minute, site, release, page group, bot flag and sample rate, the page
-- views, those good on all Core Web Vitals, and a histogram of each of TTFB, FCP, LCP, INP (ms)
-- and CLS (thousandths) as sumMap states: bin -> page views. The canary verdict (/v1/verdict)
-- and the `releases` report read it.
--
-- Why histograms and not quantile states: the Mann-Whitney U test needs the rank of every
-- value of one side among the other's, which a quantile sketch (quantileTiming, t-digest)
-- cannot give. Exact counts per bin can: U, its tie correction and the Hodges-Lehmann shift
-- are computed exactly on the binned values, so scipy given the same binned values agrees to
-- rounding (collector/tests/verdict.rs). Bins hold three significant digits (1 ms below 1 s,
-- 10 ms below 10 s, 100 ms below 100 s, 1 s above; CLS in thousandths alike): at most 0.5 %
-- from the value, under a twentieth of the default allowed increase (10 %), and at most
-- ~3600 bins per metric however many page views, so a verdict over 1 M page views per side
-- merges a few thousand (key, count) pairs per metric (BENCHMARKS.md).
-- Keyed by release first: a verdict reads two releases' rows of one site. Sample rate stays a
-- key so that the reader weighs each page view by 1 / sample_rate, bounded as at ingest.
-- Each page view counts once, with its first beacon (seq = 1), as in the other rollups.
-- Rows before this migration are copied in from page_views (only into an empty table, so a
-- re-run does not double them); rows inserted while it runs can miss: migrate first.
CREATE TABLE IF NOT EXISTS {db}.releases_minute_data
(
    minute DateTime,
    site String,
    release String,
    page_group String,
    is_bot UInt8,
    sample_rate Float64,
    page_views AggregateFunction(count),
    cwv_good AggregateFunction(countIf, UInt8),
    ttfb AggregateFunction(sumMap, Array(UInt32), Array(UInt64)),
    fcp AggregateFunction(sumMap, Array(UInt32), Array(UInt64)),
    lcp AggregateFunction(sumMap, Array(UInt32), Array(UInt64)),
    inp AggregateFunction(sumMap, Array(UInt32), Array(UInt64)),
    cls AggregateFunction(sumMap, Array(UInt32), Array(UInt64))
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (site, release, minute, page_group, is_bot, sample_rate)
SETTINGS index_granularity = 256;
INSERT INTO {db}.releases_minute_data (minute, site, release, page_group, is_bot, sample_rate, page_views, cwv_good, ttfb, fcp, lcp, inp, cls)
SELECT
    toStartOfMinute(received_at) AS minute,
    site,
    release,
    page_group,
    is_bot,
    sample_rate,
    countState() AS page_views,
    countIfState(lcp_rating = 'good' AND cls_rating = 'good'
        AND inp_rating IN ('good', 'none')) AS cwv_good,
    sumMapState(if(isNull(ttfb_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(ttfb_ms) < 1000, round(assumeNotNull(ttfb_ms)), assumeNotNull(ttfb_ms) < 10000, round(assumeNotNull(ttfb_ms) / 10) * 10,
            assumeNotNull(ttfb_ms) < 100000, round(assumeNotNull(ttfb_ms) / 100) * 100, round(assumeNotNull(ttfb_ms) / 1000) * 1000))]),
        if(isNull(ttfb_ms), emptyArrayUInt64(), [toUInt64(1)])) AS ttfb,
    sumMapState(if(isNull(fcp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(fcp_ms) < 1000, round(assumeNotNull(fcp_ms)), assumeNotNull(fcp_ms) < 10000, round(assumeNotNull(fcp_ms) / 10) * 10,
            assumeNotNull(fcp_ms) < 100000, round(assumeNotNull(fcp_ms) / 100) * 100, round(assumeNotNull(fcp_ms) / 1000) * 1000))]),
        if(isNull(fcp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS fcp,
    sumMapState(if(isNull(lcp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(lcp_ms) < 1000, round(assumeNotNull(lcp_ms)), assumeNotNull(lcp_ms) < 10000, round(assumeNotNull(lcp_ms) / 10) * 10,
            assumeNotNull(lcp_ms) < 100000, round(assumeNotNull(lcp_ms) / 100) * 100, round(assumeNotNull(lcp_ms) / 1000) * 1000))]),
        if(isNull(lcp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS lcp,
    sumMapState(if(isNull(inp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(inp_ms) < 1000, round(assumeNotNull(inp_ms)), assumeNotNull(inp_ms) < 10000, round(assumeNotNull(inp_ms) / 10) * 10,
            assumeNotNull(inp_ms) < 100000, round(assumeNotNull(inp_ms) / 100) * 100, round(assumeNotNull(inp_ms) / 1000) * 1000))]),
        if(isNull(inp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS inp,
    sumMapState(if(isNull(cls), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(cls) * 1000 < 1000, round(assumeNotNull(cls) * 1000), assumeNotNull(cls) * 1000 < 10000, round(assumeNotNull(cls) * 1000 / 10) * 10,
            assumeNotNull(cls) * 1000 < 100000, round(assumeNotNull(cls) * 1000 / 100) * 100, round(assumeNotNull(cls) * 1000 / 1000) * 1000))]),
        if(isNull(cls), emptyArrayUInt64(), [toUInt64(1)])) AS cls
FROM {db}.page_views
WHERE seq = 1 AND (SELECT count() FROM {db}.releases_minute_data) = 0
GROUP BY minute, site, release, page_group, is_bot, sample_rate;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.releases_minute TO {db}.releases_minute_data
AS SELECT
    toStartOfMinute(received_at) AS minute,
    site,
    release,
    page_group,
    is_bot,
    sample_rate,
    countState() AS page_views,
    countIfState(lcp_rating = 'good' AND cls_rating = 'good'
        AND inp_rating IN ('good', 'none')) AS cwv_good,
    sumMapState(if(isNull(ttfb_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(ttfb_ms) < 1000, round(assumeNotNull(ttfb_ms)), assumeNotNull(ttfb_ms) < 10000, round(assumeNotNull(ttfb_ms) / 10) * 10,
            assumeNotNull(ttfb_ms) < 100000, round(assumeNotNull(ttfb_ms) / 100) * 100, round(assumeNotNull(ttfb_ms) / 1000) * 1000))]),
        if(isNull(ttfb_ms), emptyArrayUInt64(), [toUInt64(1)])) AS ttfb,
    sumMapState(if(isNull(fcp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(fcp_ms) < 1000, round(assumeNotNull(fcp_ms)), assumeNotNull(fcp_ms) < 10000, round(assumeNotNull(fcp_ms) / 10) * 10,
            assumeNotNull(fcp_ms) < 100000, round(assumeNotNull(fcp_ms) / 100) * 100, round(assumeNotNull(fcp_ms) / 1000) * 1000))]),
        if(isNull(fcp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS fcp,
    sumMapState(if(isNull(lcp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(lcp_ms) < 1000, round(assumeNotNull(lcp_ms)), assumeNotNull(lcp_ms) < 10000, round(assumeNotNull(lcp_ms) / 10) * 10,
            assumeNotNull(lcp_ms) < 100000, round(assumeNotNull(lcp_ms) / 100) * 100, round(assumeNotNull(lcp_ms) / 1000) * 1000))]),
        if(isNull(lcp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS lcp,
    sumMapState(if(isNull(inp_ms), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(inp_ms) < 1000, round(assumeNotNull(inp_ms)), assumeNotNull(inp_ms) < 10000, round(assumeNotNull(inp_ms) / 10) * 10,
            assumeNotNull(inp_ms) < 100000, round(assumeNotNull(inp_ms) / 100) * 100, round(assumeNotNull(inp_ms) / 1000) * 1000))]),
        if(isNull(inp_ms), emptyArrayUInt64(), [toUInt64(1)])) AS inp,
    sumMapState(if(isNull(cls), emptyArrayUInt32(), [toUInt32(multiIf(assumeNotNull(cls) * 1000 < 1000, round(assumeNotNull(cls) * 1000), assumeNotNull(cls) * 1000 < 10000, round(assumeNotNull(cls) * 1000 / 10) * 10,
            assumeNotNull(cls) * 1000 < 100000, round(assumeNotNull(cls) * 1000 / 100) * 100, round(assumeNotNull(cls) * 1000 / 1000) * 1000))]),
        if(isNull(cls), emptyArrayUInt64(), [toUInt64(1)])) AS cls
FROM {db}.page_views
WHERE seq = 1
GROUP BY minute, site, release, page_group, is_bot, sample_rate;
