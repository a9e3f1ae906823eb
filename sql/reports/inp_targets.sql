-- Which interactions make pages feel slow: INP by target element and event type, with the
-- average input delay, processing and presentation delay of those interactions.
SELECT
    inp_target,
    inp_event,
    toUInt64(round(sum(1 / sample_rate))) AS page_views,
    quantilesTiming(0.75, 0.95)(inp_ms)[1] AS inp_p75,
    quantilesTiming(0.75, 0.95)(inp_ms)[2] AS inp_p95,
    round(avg(inp_input_delay_ms), 1) AS avg_input_delay,
    round(avg(inp_processing_ms), 1) AS avg_processing,
    round(avg(inp_presentation_ms), 1) AS avg_presentation
FROM {db}.page_views FINAL
WHERE {page_view_filter} AND inp_ms IS NOT NULL
GROUP BY inp_target, inp_event
ORDER BY inp_p75 DESC
LIMIT 20
