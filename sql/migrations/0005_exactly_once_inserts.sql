-- Exactly-once inserts. The collector writes each row with the id of its write-ahead log
-- (wal_id) and the row's position in that log (wal_pos); wal_progress keeps the highest
-- position per log. After a crash or an insert that failed on the way back, the collector
-- asks wal_progress how far its rows landed and sends only the rest, so no beacon is
-- inserted twice and the rollups can count rows (0004). Rows from before this migration,
-- or written by other tools, have wal_id = 0.
-- shard_key: sipHash64(page_view_id)
-- (With --cluster the Distributed page_views is re-created with the new columns.)
ALTER TABLE {db}.page_views
    ADD COLUMN wal_id UInt64,
    ADD COLUMN wal_pos UInt64;
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.wal_progress
ENGINE = AggregatingMergeTree()
ORDER BY wal_id
AS SELECT
    wal_id,
    maxState(wal_pos) AS pos
FROM {db}.page_views
GROUP BY wal_id;
