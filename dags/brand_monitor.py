"""
### brand_monitor: collect, score, store and alert, one data interval at a time

Every interval (default 15 minutes, Asia/Shanghai; see `config/brands.yaml`) this DAG:

1. **plan**: lists brand × source pairs from the config;
2. **extract** (mapped, one per pair): fetches the interval plus a look-back for late posts and
   writes a staged file; a failing source is recorded, never fails the run; transient errors
   (timeouts, 429, 5xx) are retried;
3. **transform**: dedupes by `(platform, native_id)`, matches every brand (share of voice), scores
   sentiment and complaints;
4. **load**: the only DuckDB writer (pool `duckdb_writer`, one slot), idempotent per window; in
   the same session it picks the posts that matter (reach, severe complaints) for spread;
5. **spread**: fetches those posts' reposts and hot comments where the platform shows them
   (m.weibo.cn), within a per-run request budget, into a staged file; it opens no database and
   never holds the writer;
6. **detect**: stores the spread and its metrics, then causal spike detection per brand; alerts go
   to the outbox, naming the top amplifiers of their posts' spread;
7. **deliver**: sends pending alerts once per channel, then publishes the read-only copy analysts
   query, once per run, with the run's posts, alerts and deliveries (load and detect do not
   publish). Backfill runs store alerts as suppressed and deliver nothing, but still publish. If
   detect or deliver fails for good, the next run's publish carries this run's data.
8. **heartbeat**: pings the outside monitor named by `monitoring.heartbeat_connection` (a dead
   man's switch: no ping, and the monitor alarms); `brandmon status` tells the same from inside.

Manual runs have no data interval: pass `start`/`end` (ISO 8601 with offset) to process a chosen
window, or leave them empty to process the last whole interval before the trigger time. `brand`
limits a run to one brand (`brandmon backfill --brand`). Backfill tasks yield the writer pool to
live runs (`airflow_local_settings.py`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowException
from brandmon_edges import (
    WRITER_POOL,
    channel_secrets,
    connection_fields,
    run_info,
    run_type,
    run_window,
    source_secrets,
    utc_now,
)

from brandmon.config import load_config, read_schedule

# Parsing reads only the schedule and time zone; each task loads (and validates) the whole config
# and imports the pipeline, so the scheduler never imports the source kinds, httpx, bs4 or duckdb.
SCHEDULE, TIMEZONE = read_schedule()


@dag(
    dag_id="brand_monitor",
    schedule=CronDataIntervalTimetable(SCHEDULE.cron, timezone=TIMEZONE.key),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE.key),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    tags=["brandmon"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "start": Param(None, type=["null", "string"], description="Manual runs: window start, ISO 8601 with offset"),
        "end": Param(None, type=["null", "string"], description="Manual runs: window end, ISO 8601 with offset"),
        "brand": Param(None, type=["null", "string"], description="Only this brand (brandmon backfill --brand)"),
    },
)
def brand_monitor():
    @task
    def plan():
        from brandmon import pipeline

        return pipeline.plan(load_config(), only_brand=(get_current_context().get("params") or {}).get("brand"))

    # The HTTP client already retries with backoff; one more try later, then the next run's
    # look-back (longer than an interval) re-reads the window anyway.
    # Named in the grid by brand/source, not by map index.
    @task(max_active_tis_per_dagrun=2, retries=1, retry_delay=timedelta(seconds=30),
          map_index_template="{{ task.op_kwargs['item']['brand'] }}/{{ task.op_kwargs['item']['source'] }}")
    def extract(item: dict[str, str]):
        from brandmon import pipeline

        context, config = get_current_context(), load_config()
        source = config.sources[item["source"]]
        staged = pipeline.extract(config, item["brand"], item["source"], run_window(context, config),
                                  context["run_id"], fetched_at=utc_now(), secrets=source_secrets(source.connection))
        ti = context["ti"]
        if staged["error_kind"] == "transient" and ti.try_number <= ti.max_tries:
            raise AirflowException(f"{item['source']} for {item['brand']}: {staged['message']} (will retry)")
        return staged

    @task(trigger_rule="all_done")
    def transform(staged: list[dict]):
        from brandmon import pipeline

        context, config = get_current_context(), load_config()
        return pipeline.transform(config, [s for s in staged if s], run_window(context, config), context["run_id"])

    @task(pool=WRITER_POOL)
    def load(transformed: dict):
        from brandmon import pipeline

        config = load_config()
        return pipeline.load(config, transformed, run_window(get_current_context(), config), publish=False)

    # Fetching is I/O: no writer slot, no database (load chose the posts). It never raises (failures
    # are reported), so detect always runs.
    @task(retries=1, retry_delay=timedelta(seconds=30))
    def spread(loaded: dict):
        from brandmon.spread import fetch

        context, config = get_current_context(), load_config()
        window = run_window(context, config)
        secrets = {name: source_secrets(platform.connection) for name, platform in config.spread.platforms.items()}
        targets = loaded.get("spread_targets") or []  # none from a load that ran before an upgrade
        return fetch(config, targets, window, run_info(context, window), fetched_at=utc_now(), secrets=secrets)

    @task(pool=WRITER_POOL)
    def detect(loaded: dict, spread: dict):
        from brandmon import pipeline

        context, config = get_current_context(), load_config()
        window = run_window(context, config)
        return pipeline.detect(config, window, run_info(context, window), finished_at=utc_now(), spread=spread,
                               publish=False)

    @task(pool=WRITER_POOL, retries=4, retry_delay=timedelta(seconds=30), retry_exponential_backoff=True)
    def deliver(detected: dict):
        from brandmon import pipeline

        context, config = get_current_context(), load_config()
        info = run_info(context, run_window(context, config))
        if info.run_type == "backfill":
            pipeline.publish_only(config)
            return {"skipped": "backfill runs never deliver", "published": True}
        report = pipeline.deliver(config, channel_secrets(config.alerting), now=utc_now())
        if report["retryable_failures"]:
            raise AirflowException(f"{report['retryable_failures']} deliveries failed and will be retried: {report}")
        return report

    @task(retries=2, retry_delay=timedelta(seconds=30))
    def heartbeat(delivered: dict):
        from brandmon.heartbeat import heartbeat_url, ping

        context, config = get_current_context(), load_config()
        conn_id = config.monitoring.heartbeat_connection
        if run_type(context) == "backfill" or not conn_id:
            return {"skipped": "backfill run" if conn_id else "no monitoring.heartbeat_connection"}
        try:
            fields = connection_fields(conn_id)
        except Exception:  # AirflowNotFoundException: say which Connection to create
            raise AirflowException(f"monitoring.heartbeat_connection {conn_id!r} is not defined: create it "
                                   f"(AIRFLOW_CONN_{conn_id.upper()}) with the monitor's URL in extra.url") from None
        return {"status": ping(heartbeat_url(fields, conn_id))}

    staged = extract.expand(item=plan())
    loaded = load(transform(staged))
    heartbeat(deliver(detect(loaded, spread(loaded))))


brand_monitor()
