-- Core Web Vitals per site, the way Google's tools show them: the p75 of each metric and the
-- share of page views rated good / needs improvement / poor, out of the page views that have
-- the metric (a page view without an interaction has no INP). Shares are weighted by
-- 1 / sample_rate. FINAL: each page view once, with its latest beacon (the final CLS/INP).
SELECT
    site,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    round(100 * sumIf(1 / sample_rate, lcp_rating = 'good') / sumIf(1 / sample_rate, lcp_rating != 'none'), 1) AS lcp_good_pct,
    round(100 * sumIf(1 / sample_rate, lcp_rating = 'needs-improvement') / sumIf(1 / sample_rate, lcp_rating != 'none'), 1) AS lcp_ni_pct,
    round(100 * sumIf(1 / sample_rate, lcp_rating = 'poor') / sumIf(1 / sample_rate, lcp_rating != 'none'), 1) AS lcp_poor_pct,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    round(100 * sumIf(1 / sample_rate, inp_rating = 'good') / sumIf(1 / sample_rate, inp_rating != 'none'), 1) AS inp_good_pct,
    round(100 * sumIf(1 / sample_rate, inp_rating = 'needs-improvement') / sumIf(1 / sample_rate, inp_rating != 'none'), 1) AS inp_ni_pct,
    round(100 * sumIf(1 / sample_rate, inp_rating = 'poor') / sumIf(1 / sample_rate, inp_rating != 'none'), 1) AS inp_poor_pct,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75,
    round(100 * sumIf(1 / sample_rate, cls_rating = 'good') / sumIf(1 / sample_rate, cls_rating != 'none'), 1) AS cls_good_pct,
    round(100 * sumIf(1 / sample_rate, cls_rating = 'needs-improvement') / sumIf(1 / sample_rate, cls_rating != 'none'), 1) AS cls_ni_pct,
    round(100 * sumIf(1 / sample_rate, cls_rating = 'poor') / sumIf(1 / sample_rate, cls_rating != 'none'), 1) AS cls_poor_pct,
    quantileTiming(0.75)(fcp_ms) AS fcp_p75,
    round(100 * sumIf(1 / sample_rate, fcp_rating = 'good') / sumIf(1 / sample_rate, fcp_rating != 'none'), 1) AS fcp_good_pct,
    round(100 * sumIf(1 / sample_rate, fcp_rating = 'needs-improvement') / sumIf(1 / sample_rate, fcp_rating != 'none'), 1) AS fcp_ni_pct,
    round(100 * sumIf(1 / sample_rate, fcp_rating = 'poor') / sumIf(1 / sample_rate, fcp_rating != 'none'), 1) AS fcp_poor_pct,
    quantileTiming(0.75)(ttfb_ms) AS ttfb_p75,
    round(100 * sumIf(1 / sample_rate, ttfb_rating = 'good') / sumIf(1 / sample_rate, ttfb_rating != 'none'), 1) AS ttfb_good_pct,
    round(100 * sumIf(1 / sample_rate, ttfb_rating = 'needs-improvement') / sumIf(1 / sample_rate, ttfb_rating != 'none'), 1) AS ttfb_ni_pct,
    round(100 * sumIf(1 / sample_rate, ttfb_rating = 'poor') / sumIf(1 / sample_rate, ttfb_rating != 'none'), 1) AS ttfb_poor_pct
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY site
ORDER BY page_views DESC, site
