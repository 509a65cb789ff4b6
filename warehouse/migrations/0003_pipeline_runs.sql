-- One row per run that finished detection: what `brandmon status` reads to tell a live pipeline
-- from a stopped one.

CREATE TABLE pipeline_runs (
    run_id VARCHAR PRIMARY KEY,
    run_type VARCHAR NOT NULL,
    interval_start TIMESTAMPTZ NOT NULL,
    interval_end TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    alerts_new BIGINT NOT NULL
);

CREATE VIEW v_runs AS
SELECT
    run_id,
    run_type,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), interval_start) AS interval_start_local,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), interval_end) AS interval_end_local,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), finished_at) AS finished_local,
    interval_start,
    interval_end,
    finished_at,
    alerts_new
FROM pipeline_runs;
