-- Traffic per minute from the rollup: page views by people (re-weighted by sample rate) and,
-- separately, by crawlers and headless browsers. Minutes in UTC.
SELECT
    toTimeZone(minute, 'UTC') AS minute,
    toUInt64(round(sumIf(views / sample_rate, is_bot = 0))) AS page_views,
    toUInt64(round(sumIf(views / sample_rate, is_bot = 1))) AS bot_page_views
FROM
(
    SELECT minute, is_bot, sample_rate, countMerge(page_views) AS views
    FROM {db}.page_groups_minute
    WHERE {rollup_filter_with_bots}
    GROUP BY minute, is_bot, sample_rate
)
GROUP BY minute
ORDER BY minute
