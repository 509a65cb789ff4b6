-- Posts a source delivered inside the run's own interval (not its look-back), per window:
-- the series silence detection reads. Older rows default to NULL and are ignored by it.
ALTER TABLE source_runs ADD COLUMN interval_posts BIGINT;

CREATE OR REPLACE VIEW v_source_health AS
SELECT
    brand,
    source,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), window_start) AS window_start_local,
    window_start,
    window_end,
    status,
    error_kind,
    message,
    posts,
    interval_posts,
    quarantined,
    requests,
    pages,
    page_cap_hits,
    notes
FROM source_runs;
