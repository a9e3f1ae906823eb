-- Which scripts make interactions slow, from the Long Animation Frame attribution of INP:
-- per script origin (the host[:port] of the interaction's longest script; party `first` when
-- that is the page's own host, else `third`) and per script (its URL, query stripped), the
-- page views whose INP was not good with that script the longest (slow_page_views), their
-- share of every page view whose INP was not good, attributed or not (slow_pct), the page
-- views it was the longest script in at all, and over those the p75 of INP and of the
-- script's own duration. Origins come first, then scripts, each ranked by slow page views,
-- then p75 INP. Counts are re-weighted by sample rate; percentiles are of page views, as in
-- the other reports.
SELECT
    level,
    origin,
    party,
    script,
    slow_page_views,
    if(slow_total = 0, 0, round(100 * slow_page_views / slow_total, 1)) AS slow_pct,
    page_views,
    inp_p75,
    script_p75
FROM
(
    SELECT
        'origin' AS level,
        splitByChar('/', inp_script_url)[3] AS origin,
        if(origin = host, 'first', 'third') AS party,
        '' AS script,
        toUInt64(round(sumIf(1 / sample_rate, inp_rating IN ('needs-improvement', 'poor')))) AS slow_page_views,
        toUInt64(round(sum(1 / sample_rate))) AS page_views,
        quantileTiming(0.75)(inp_ms) AS inp_p75,
        quantileTiming(0.75)(inp_script_ms) AS script_p75
    FROM {db}.page_views FINAL
    WHERE {page_view_filter} AND inp_ms IS NOT NULL AND inp_script_url != ''
    GROUP BY origin, party
    UNION ALL
    SELECT
        'script' AS level,
        splitByChar('/', inp_script_url)[3] AS origin,
        if(origin = host, 'first', 'third') AS party,
        inp_script_url AS script,
        toUInt64(round(sumIf(1 / sample_rate, inp_rating IN ('needs-improvement', 'poor')))) AS slow_page_views,
        toUInt64(round(sum(1 / sample_rate))) AS page_views,
        quantileTiming(0.75)(inp_ms) AS inp_p75,
        quantileTiming(0.75)(inp_script_ms) AS script_p75
    FROM {db}.page_views FINAL
    WHERE {page_view_filter} AND inp_ms IS NOT NULL AND inp_script_url != ''
    GROUP BY origin, party, script
) AS ranked
CROSS JOIN
(
    SELECT sumIf(1 / sample_rate, inp_rating IN ('needs-improvement', 'poor')) AS slow_total
    FROM {db}.page_views FINAL
    WHERE {page_view_filter}
) AS slow
ORDER BY level = 'script', slow_page_views DESC, inp_p75 DESC, origin, party, script
LIMIT 20 BY level
