-- Core Web Vitals assessment per page group, the way Google judges a site: it passes when
-- the p75 of LCP, INP and CLS are all good (thresholds from the beacon crate's declaration); plus the share
-- of page views that were good on all three (a page view without interaction has no INP).
-- FINAL: each page view once, with its latest beacon.
SELECT
    page_group,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(lcp_ms) AS lcp_p75,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    round(quantileTDigest(0.75)(cls), 3) AS cls_p75,
    if(lcp_p75 <= {lcp_good} AND (inp_p75 <= {inp_good} OR count(inp_ms) = 0) AND cls_p75 <= {cls_good}, 'pass', 'fail') AS cwv,
    round(100 * sumIf(1 / sample_rate, lcp_rating = 'good' AND cls_rating = 'good'
        AND inp_rating IN ('good', 'none')) / sum(1 / sample_rate), 1) AS good_pct
FROM {db}.page_views FINAL
WHERE {page_view_filter}
GROUP BY page_group
ORDER BY page_views DESC, page_group
