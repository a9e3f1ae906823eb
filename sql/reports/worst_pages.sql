-- The 20 pages with the slowest p75 LCP (at least 5 page views), with the element and
-- resource that were most often the LCP: where to start optimising.
SELECT
    p AS path,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    topK(1)(el)[1] AS top_lcp_element,
    topK(1)(res)[1] AS top_lcp_resource
FROM
(
    SELECT
        argMax(path, seq) AS p,
        argMax(sample_rate, seq) AS sample_rate,
        argMax(lcp_ms, seq) AS lcp_ms,
        argMax(ttfb_ms, seq) AS ttfb_ms,
        argMax(lcp_element, seq) AS el,
        argMax(lcp_url, seq) AS res
    FROM {db}.page_views
    WHERE {page_view_filter}
    GROUP BY site, page_view_id
)
GROUP BY p
HAVING count() >= 5
ORDER BY lcp_p75 DESC
LIMIT 20
