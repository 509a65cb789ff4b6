"""
### brand_digest: the PR team's daily digest

Every morning at 09:00 (config time zone) this DAG sends, per brand, yesterday's digest:
mentions, sentiment mix, complaints, top terms, the day's alerts (including those held by quiet
hours) and an hourly chart. The digest goes through the same outbox as alerts, so it is sent once
per channel however often the task is retried or the run repeated. The day comes from the run's
data interval (the day that just ended); a manual run without one digests the day before its
trigger time, or the day given in `params.day` (YYYY-MM-DD). Backfill runs store, never send.
"""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowException
from brandmon_edges import WRITER_POOL, channel_secrets, run_type, utc_now

from brandmon.config import load_config, read_schedule

_, TIMEZONE = read_schedule()  # parsing reads only the time zone; the task loads the whole config


@dag(
    dag_id="brand_digest",
    schedule=CronDataIntervalTimetable("0 9 * * *", timezone=TIMEZONE.key),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE.key),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    tags=["brandmon"],
    doc_md=__doc__,
    default_args={"retries": 4, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": True},
    params={"day": Param(None, type=["null", "string"], description="Manual runs: the local day to digest, YYYY-MM-DD")},
)
def brand_digest():
    @task(pool=WRITER_POOL)
    def send():
        from alerts.digest import previous_day, send_digest
        from warehouse.db import writer

        context, config = get_current_context(), load_config()
        now = utc_now()
        day_param = (context.get("params") or {}).get("day")
        reference = context.get("data_interval_end") or context["dag_run"].run_after
        day = date.fromisoformat(day_param) if day_param else previous_day(reference, config.alerting)
        with writer(config.duckdb_path, config.published_path, config.timezone.key) as conn:
            report = send_digest(conn, config.alerting, day, channel_secrets(config.alerting), now,
                                 run_id=context["run_id"], run_type=run_type(context))
        if report.delivery.retryable_failures:
            raise AirflowException(f"digest for {day}: {report.delivery.retryable_failures} deliveries will be retried")
        return {"day": day.isoformat(), "digests": report.digests, "released": report.released,
                "sent": report.delivery.sent}

    send()


brand_digest()
