-- Experience by country: page views and p75 of TTFB, LCP, INP and CLS.
SELECT
    country_code,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY country_code
ORDER BY page_views DESC, country_code
