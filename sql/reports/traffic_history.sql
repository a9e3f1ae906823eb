-- Page views (re-weighted, people only) per site and minute over the last 8 days, up to the
-- last complete minute: the input of the traffic forecast in /v1/signals (read by position
-- into signals::TrafficRow).
SELECT
    site,
    toUInt32(minute) AS minute,
    round(sum(v), 3) AS page_views
FROM
(
    SELECT site, minute, countMerge(page_views) / sample_rate AS v
    FROM {db}.page_groups_minute
    WHERE is_bot = 0
      AND minute >= toStartOfMinute(now()) - 8 * 86400
      AND minute < toStartOfMinute(now())
    GROUP BY site, minute, sample_rate
)
GROUP BY site, minute
ORDER BY site, minute
