-- Which interactions make pages feel slow: INP by target element and event type, with the
-- average input delay, processing and presentation delay of those interactions.
SELECT
    target AS inp_target,
    ev AS inp_event,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantileTiming(0.75)(inp_ms) AS inp_p75,
    quantileTiming(0.95)(inp_ms) AS inp_p95,
    round(avg(delay_ms), 1) AS avg_input_delay,
    round(avg(proc_ms), 1) AS avg_processing,
    round(avg(pres_ms), 1) AS avg_presentation
FROM
(
    SELECT
        argMax(inp_target, seq) AS target,
        argMax(inp_event, seq) AS ev,
        argMax(sample_rate, seq) AS sample_rate,
        argMax(inp_ms, seq) AS inp_ms,
        argMax(inp_input_delay_ms, seq) AS delay_ms,
        argMax(inp_processing_ms, seq) AS proc_ms,
        argMax(inp_presentation_ms, seq) AS pres_ms
    FROM {db}.page_views
    WHERE {page_view_filter}
    GROUP BY site, page_view_id
)
WHERE inp_ms IS NOT NULL
GROUP BY target, ev
ORDER BY inp_p75 DESC
LIMIT 20
