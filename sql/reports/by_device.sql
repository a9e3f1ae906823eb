-- Experience by device class and browser: page views and p75 of TTFB, LCP, INP and CLS.
SELECT
    dev AS device_class,
    br AS browser,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75
FROM
(
    SELECT
        argMax(device_class, seq) AS dev,
        argMax(browser, seq) AS br,
        argMax(sample_rate, seq) AS sample_rate,
        argMax(ttfb_ms, seq) AS ttfb_ms,
        argMax(lcp_ms, seq) AS lcp_ms,
        argMax(inp_ms, seq) AS inp_ms,
        argMax(cls, seq) AS cls
    FROM {db}.page_views
    WHERE {page_view_filter}
    GROUP BY site, page_view_id
)
GROUP BY dev, br
ORDER BY page_views DESC, device_class, browser
