-- Issue #22: soft navigations and Long Animation Frame attribution of INP, beside the other
-- beacon fields where the beacon crate declares them (after release, before the enrichment
-- columns). A soft navigation's view has navigation_type 'soft_navigation' and names the
-- visit's hard-navigation view in root_page_view_id ('' on hard views and older rows);
-- loaded = 0 marks a view left before its load event (NULL when not told). The inp_script_*
-- columns describe the longest script of INP's Long Animation Frames; the inp_*_ms totals
-- are web-vitals' totalScriptDuration, totalStyleAndLayoutDuration, totalPaintDuration and
-- totalUnattributedDuration. Rows from before this migration have '' and NULL.
-- shard_key: sipHash64(page_view_id)
ALTER TABLE {db}.page_views
    ADD COLUMN root_page_view_id String AFTER release,
    ADD COLUMN loaded Nullable(UInt8) AFTER root_page_view_id,
    ADD COLUMN inp_script_url String AFTER loaded,
    ADD COLUMN inp_script_invoker_type String AFTER inp_script_url,
    ADD COLUMN inp_script_invoker String AFTER inp_script_invoker_type,
    ADD COLUMN inp_script_ms Nullable(Float64) AFTER inp_script_invoker,
    ADD COLUMN inp_script_phase String AFTER inp_script_ms,
    ADD COLUMN inp_total_script_ms Nullable(Float64) AFTER inp_script_phase,
    ADD COLUMN inp_style_layout_ms Nullable(Float64) AFTER inp_total_script_ms,
    ADD COLUMN inp_paint_ms Nullable(Float64) AFTER inp_style_layout_ms,
    ADD COLUMN inp_unattributed_ms Nullable(Float64) AFTER inp_paint_ms;
