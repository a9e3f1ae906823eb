-- The histogram of one metric ({metric}: ttfb, fcp, lcp, inp in ms, cls in thousandths) of the
-- (release, sample rate) parts that summary.sql found, merged in ClickHouse: one row per part
-- and distinct bin, with its page views. The collector runs one of these per metric asked,
-- joined by UNION ALL, after summary.sql; {parts} is its (release, rate) list, and `part` is
-- the position in that list (1-based).
-- Why this shape: the answer is O(distinct bins), a few thousand rows per metric whatever the
-- page views, and the GROUP BY is on one integer key (part * 2^32 + bin), which ClickHouse
-- 18.16 aggregates several times faster than a key of a string and numbers. Rows of a part
-- summary.sql did not see (a release's first beacon landing in between) are left out.
SELECT
    '{metric}' AS metric,
    intDiv(key, 4294967296) AS part,
    key % 4294967296 AS bin,
    sum(views) AS page_views
FROM
(
    SELECT
        indexOf({parts}, (release, toString(sample_rate))) * 4294967296 AS part_key,
        `{metric}Map.bin` AS bins,
        `{metric}Map.views` AS counts
    FROM {db}.releases_bins_minute
    WHERE {rollup_filter} AND {release_filter} AND part_key > 0
)
ARRAY JOIN bins AS bin_, counts AS views
GROUP BY part_key + bin_ AS key
