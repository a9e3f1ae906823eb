-- The storefront's release on every page view (`release` on the wire: `data-release` or
-- rum.push(['release', ...])), beside the other beacon fields: the column sits where the
-- beacon crate declares it (after dim_values, before the enrichment columns).
-- Rows from before this migration have release ''.
-- shard_key: sipHash64(page_view_id)
ALTER TABLE {db}.page_views
    ADD COLUMN release String AFTER dim_values;
