-- min_version: 20.1
-- shard_key: sipHash64(page_view_id)
-- On servers that have them: LowCardinality for the repetitive strings analysts group by,
-- compression codecs for the big columns, and retention (TTL, clickhouse.retention_days).
-- Debian's 18.16 skips this migration and says so; it is applied after an upgrade.
-- Keys (site, page_view_id) keep their types: ClickHouse cannot alter key columns.
-- Changing retention later: ALTER TABLE rum.page_views MODIFY TTL received_at + INTERVAL N DAY.
ALTER TABLE {db}.page_views
    MODIFY COLUMN page_group LowCardinality(String),
    MODIFY COLUMN navigation_type LowCardinality(String),
    MODIFY COLUMN host LowCardinality(String),
    MODIFY COLUMN effective_type LowCardinality(String),
    MODIFY COLUMN country_code LowCardinality(String),
    MODIFY COLUMN country LowCardinality(String),
    MODIFY COLUMN continent LowCardinality(String),
    MODIFY COLUMN subdivision LowCardinality(String),
    MODIFY COLUMN city LowCardinality(String),
    MODIFY COLUMN browser LowCardinality(String),
    MODIFY COLUMN browser_version LowCardinality(String),
    MODIFY COLUMN os LowCardinality(String),
    MODIFY COLUMN os_version LowCardinality(String),
    MODIFY COLUMN device_class LowCardinality(String),
    MODIFY COLUMN url String CODEC(ZSTD(3)),
    MODIFY COLUMN path String CODEC(ZSTD(3)),
    MODIFY COLUMN lcp_url String CODEC(ZSTD(3));
ALTER TABLE {db}.page_views MODIFY TTL received_at + INTERVAL {retention_days} DAY;
