"""
### brand_monitor: collect, score, store and alert, one data interval at a time

Every interval (default 15 minutes, Asia/Shanghai; see `config/brands.yaml`) this DAG:

1. **plan**: lists brand × source pairs from the config;
2. **extract** (mapped, one per pair): fetches the interval plus a look-back for late posts and
   writes a staged file; a failing source is recorded, never fails the run; transient errors
   (timeouts, 429, 5xx) are retried;
3. **transform**: dedupes by `(platform, native_id)`, matches every brand (share of voice), scores
   sentiment and complaints;
4. **load**: the only DuckDB writer (pool `duckdb_writer`, one slot), idempotent per window, then
   publishes the read-only copy analysts query;
5. **detect**: causal spike detection per brand; alerts go to the outbox;
6. **deliver**: sends pending alerts once per channel. Backfill runs store alerts as
   suppressed and deliver nothing.

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
from brandmon_edges import WRITER_POOL, channel_secrets, run_info, run_window, source_secrets, utc_now

from brandmon import pipeline
from brandmon.config import load_config

CONFIG = load_config()


@dag(
    dag_id="brand_monitor",
    schedule=CronDataIntervalTimetable(CONFIG.schedule.cron, timezone=CONFIG.timezone.key),
    start_date=pendulum.datetime(2026, 1, 1, tz=CONFIG.timezone.key),
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
        return pipeline.plan(CONFIG, only_brand=(get_current_context().get("params") or {}).get("brand"))

    # The HTTP client already retries with backoff; one more try later, then the next run's
    # look-back (longer than an interval) re-reads the window anyway.
    @task(max_active_tis_per_dagrun=2, retries=1, retry_delay=timedelta(seconds=30))
    def extract(item: dict[str, str]):
        context = get_current_context()
        source = CONFIG.sources[item["source"]]
        staged = pipeline.extract(CONFIG, item["brand"], item["source"], run_window(context, CONFIG),
                                  context["run_id"], fetched_at=utc_now(), secrets=source_secrets(source.connection))
        ti = context["ti"]
        if staged["error_kind"] == "transient" and ti.try_number <= ti.max_tries:
            raise AirflowException(f"{item['source']} for {item['brand']}: {staged['message']} (will retry)")
        return staged

    @task(trigger_rule="all_done")
    def transform(staged: list[dict]):
        context = get_current_context()
        return pipeline.transform(CONFIG, [s for s in staged if s], run_window(context, CONFIG), context["run_id"])

    @task(pool=WRITER_POOL)
    def load(transformed: dict):
        return pipeline.load(CONFIG, transformed, run_window(get_current_context(), CONFIG))

    @task(pool=WRITER_POOL)
    def detect(loaded: dict):
        context = get_current_context()
        window = run_window(context, CONFIG)
        return pipeline.detect(CONFIG, window, run_info(context, window))

    @task(pool=WRITER_POOL, retries=4, retry_delay=timedelta(seconds=30), retry_exponential_backoff=True)
    def deliver(detected: dict):
        context = get_current_context()
        info = run_info(context, run_window(context, CONFIG))
        if info.run_type == "backfill":
            return {"skipped": "backfill runs never deliver"}
        report = pipeline.deliver(CONFIG, channel_secrets(CONFIG), now=utc_now())
        if report["retryable_failures"]:
            raise AirflowException(f"{report['retryable_failures']} deliveries failed and will be retried: {report}")
        return report

    staged = extract.expand(item=plan())
    deliver(detect(load(transform(staged))))


brand_monitor()
