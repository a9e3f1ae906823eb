-- {rows} generated page views over the last {hours} hours into {db}.page_views, for the
-- canary verdict's benchmark (bench-verdict.sh): site 'bench', ten releases taking turns
-- page view by page view (bench-a, the baseline, and bench-b, the canary, a tenth each),
-- ten page groups, log-normal TTFB, FCP, LCP (the canary's 5 % slower) and INP (60 % of
-- page views have one), CLS zero on half of them. One beacon per page view (seq = 1), as the
-- rollups count them. Inserted server-side so the materialized views fill releases_bins_minute as
-- in production.
INSERT INTO {db}.page_views (received_at, site, page_view_id, seq, url, host, path, page_group,
  navigation_type, release, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, ttfb_rating, fcp_rating, lcp_rating,
  cls_rating, inp_rating, country_code, device_class, browser, is_bot, sample_rate)
SELECT
  toDateTime(now() - {hours} * 3600 + intDiv(number * {hours} * 3600, {rows})) AS t,
  'bench',
  concat('verdict', toString(number)),
  1,
  'https://shop.example/p', 'shop.example', '/p',
  concat('group-', toString(intHash32(number) % 10)),
  'navigate',
  concat('bench-', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'][number % 10 + 1]) AS rel,
  exp(5.7 + 0.6 * (intHash32(number * 3) % 1000 - 500) / 250) AS ttfb,
  ttfb + exp(6.9 + 0.5 * (intHash32(number * 5) % 1000 - 500) / 250) AS fcp,
  (ttfb + exp(7.5 + 0.5 * (intHash32(number * 7) % 1000 - 500) / 250)) * if(rel = 'bench-b', 1.05, 1.0) AS lcp,
  if(intHash32(number * 11) % 2 = 0, 0, exp(-3 + (intHash32(number * 19) % 1000 - 500) / 250)) AS cls,
  if(intHash32(number * 23) % 10 < 6, exp(4.8 + 0.7 * (intHash32(number * 13) % 1000 - 500) / 250), NULL) AS inp,
  multiIf(ttfb <= {ttfb_good}, 'good', ttfb <= {ttfb_poor}, 'needs-improvement', 'poor'),
  multiIf(fcp <= {fcp_good}, 'good', fcp <= {fcp_poor}, 'needs-improvement', 'poor'),
  multiIf(lcp <= {lcp_good}, 'good', lcp <= {lcp_poor}, 'needs-improvement', 'poor'),
  multiIf(cls <= {cls_good}, 'good', cls <= {cls_poor}, 'needs-improvement', 'poor'),
  if(inp IS NULL, 'none', multiIf(inp <= {inp_good}, 'good', inp <= {inp_poor}, 'needs-improvement', 'poor')),
  ['US', 'DE', 'FR', 'GB', 'JP'][intHash32(number * 17) % 5 + 1],
  ['desktop', 'mobile'][number % 2 + 1], 'Chrome', 0, 1.0
FROM numbers({rows})
