-- The 20 pages with the slowest p75 LCP (at least 5 page views), with the element and
-- resource that were most often the LCP (among page views that named one): where to start
-- optimising.
SELECT
    path,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    topKIf(1)(lcp_element, lcp_element != '')[1] AS top_lcp_element,
    topKIf(1)(lcp_url, lcp_url != '')[1] AS top_lcp_resource
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY path
HAVING count() >= 5
ORDER BY lcp_p75 DESC
LIMIT 20
