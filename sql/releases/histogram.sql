-- The histogram of one metric ({metric}: ttfb, fcp, lcp, inp in ms, cls in thousandths) of
-- one (release, sample rate) part that summary.sql found, merged in ClickHouse: one row per
-- distinct bin with its page views. The collector runs one of these per metric asked and
-- part, joined by UNION ALL, after summary.sql; {part} is the part's position in its answer.
-- Why this shape: the answer is O(distinct bins), a few thousand rows per metric whatever
-- the page views, and each branch groups by the bin alone, which ClickHouse 18.16 does
-- faster than one GROUP BY over a key made of the part and the bin (71 against 92 ms for a
-- verdict over 1 M page views per side, BENCHMARKS.md).
SELECT
    '{metric}' AS metric,
    {part} AS part,
    bin,
    sum(views) AS page_views
FROM {db}.releases_bins_minute
ARRAY JOIN `{metric}Map.bin` AS bin, `{metric}Map.views` AS views
WHERE {rollup_filter} AND release = {release} AND toString(sample_rate) = {rate}
GROUP BY bin
