-- Per release and sample rate: page views, those good on all Core Web Vitals, and the
-- histogram of TTFB, FCP, LCP, INP (ms) and CLS (thousandths) as bins (three significant
-- digits, ascending) with their page views, from the releases_minute rollup (0010). The
-- canary verdict, the `releases` and `compare` reports and the dashboard's releases view read
-- it, and weigh each row's page views by 1 / sample_rate themselves (bounded as at ingest).
-- `--release` (repeatable) keeps only those releases.
SELECT
    release,
    sample_rate,
    min(minute) AS first_minute,
    max(minute) AS last_minute,
    countMerge(page_views) AS page_views,
    countIfMerge(cwv_good) AS cwv_good,
    tupleElement(sumMapMerge(ttfb), 1) AS ttfb_bins,
    tupleElement(sumMapMerge(ttfb), 2) AS ttfb_counts,
    tupleElement(sumMapMerge(fcp), 1) AS fcp_bins,
    tupleElement(sumMapMerge(fcp), 2) AS fcp_counts,
    tupleElement(sumMapMerge(lcp), 1) AS lcp_bins,
    tupleElement(sumMapMerge(lcp), 2) AS lcp_counts,
    tupleElement(sumMapMerge(inp), 1) AS inp_bins,
    tupleElement(sumMapMerge(inp), 2) AS inp_counts,
    tupleElement(sumMapMerge(cls), 1) AS cls_bins,
    tupleElement(sumMapMerge(cls), 2) AS cls_counts
FROM {db}.releases_minute
WHERE {rollup_filter} AND {release_filter}
GROUP BY release, sample_rate
ORDER BY release, sample_rate
