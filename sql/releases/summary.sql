-- The canary verdict's first query, and that of the `releases`, `compare` and
-- `release_histograms` reports: per release and sample rate in the window, the first and
-- last minute with page views (Unix seconds), the page views and those good on all Core Web
-- Vitals, from the releases_bins_minute rollup (0011). The sample rate is given as
-- ClickHouse prints it: histogram.sql names the same (release, sample rate) parts by that
-- text. The collector weighs page views by 1 / sample rate (bounded as at ingest).
-- `--release` (repeatable) keeps only those releases. min/max of the minute as a number:
-- through a cluster's Distributed table, 18.16 refuses to merge the shards' min(DateTime)
-- states (DateTime('Etc/UTC') against DateTime).
SELECT
    release,
    toString(sample_rate) AS rate,
    min(toUInt32(minute)) AS first_minute,
    max(toUInt32(minute)) AS last_minute,
    sum(page_views) AS page_views,
    sum(cwv_good) AS cwv_good
FROM {db}.releases_bins_minute
WHERE {rollup_filter} AND {release_filter}
GROUP BY release, rate
ORDER BY release, rate
