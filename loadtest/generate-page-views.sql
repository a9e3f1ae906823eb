-- {rows} generated page views over the last 24 hours into {db}.page_views, 5 % of them with
-- an update beacon 30 s later (a grown CLS and INP): log-normal timings, three sites, five
-- page groups, five countries, two device classes, each value rated by the declared
-- thresholds ({lcp_good}, ...: `loadtest fill-sql` fills them). Inserted server-side so the
-- materialized views fill the rollups as in production. Used by bench-clickhouse.sh
-- (ClickHouse 18.16 over HTTP) and bench-current-engine.py (a current engine in process).
INSERT INTO {db}.page_views (received_at, site, page_view_id, seq, url, host, path, page_group,
  navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, ttfb_rating, fcp_rating, lcp_rating, cls_rating,
  inp_rating, country_code, device_class, browser, is_bot, sample_rate)
SELECT
  toDateTime(now() - 86400 + intDiv(number * 86400, {rows}) + (seq - 1) * 30) AS t,
  ['shop-a', 'shop-b', 'shop-c'][number % 3 + 1],
  concat('bench', toString(number)),
  arrayJoin(if(number % 20 = 0, [1, 2], [1])) AS seq,
  'https://shop.example/p', 'shop.example', '/p',
  ['home', 'category', 'product', 'cart', 'checkout'][intHash32(number) % 5 + 1],
  'navigate',
  exp(4.8 + 0.6 * (intHash32(number * 3) % 1000 - 500) / 250) AS ttfb,
  ttfb + exp(5.9 + 0.5 * (intHash32(number * 5) % 1000 - 500) / 250) AS fcp,
  ttfb + exp(6.7 + 0.6 * (intHash32(number * 7) % 1000 - 500) / 250) AS lcp,
  (intHash32(number * 11) % 1000) / 4000 + (seq - 1) * 0.05 AS cls,
  exp(4.5 + 0.8 * (intHash32(number * 13) % 1000 - 500) / 250) * seq AS inp,
  multiIf(ttfb <= {ttfb_good}, 'good', ttfb <= {ttfb_poor}, 'needs-improvement', 'poor'),
  multiIf(fcp <= {fcp_good}, 'good', fcp <= {fcp_poor}, 'needs-improvement', 'poor'),
  multiIf(lcp <= {lcp_good}, 'good', lcp <= {lcp_poor}, 'needs-improvement', 'poor'),
  multiIf(cls <= {cls_good}, 'good', cls <= {cls_poor}, 'needs-improvement', 'poor'),
  multiIf(inp <= {inp_good}, 'good', inp <= {inp_poor}, 'needs-improvement', 'poor'),
  ['US', 'DE', 'FR', 'GB', 'JP'][intHash32(number * 17) % 5 + 1],
  ['desktop', 'mobile'][number % 2 + 1], 'Chrome', 0, 1.0
FROM numbers({rows})
