"""
### brand_digest: the PR team's daily digest

Every morning at 09:00 (config time zone) this DAG sends, per brand, yesterday's digest:
mentions against the mean of the complete days among the 7 before, sentiment mix, complaints,
top terms, the day's alerts (including those held by quiet hours), what data is missing (the day
not loaded to its end, spans no run covered, sources that failed) and a 7-day hourly chart. The
day comes from the run's data interval (the day that just ended); a manual run without one digests
the day before its trigger time, or the day given in `params.day` (YYYY-MM-DD).

**wait_for_day** waits (a sensor in reschedule mode: no worker slot held, poked every 5 minutes)
until a finished brand_monitor run's interval reaches the day's end, i.e. the day's last interval
has loaded, for up to 6 hours; then **send** goes ahead anyway and the digest says the day is
incomplete. A day no run touched gets no digest (the first morning after installing).
**send** goes through the same outbox as alerts, so it is sent once per channel however often the
task is retried or the run repeated; backfill runs store, never send. To re-send a corrected digest
for a day, use `brandmon digest --send --day YYYY-MM-DD`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, PokeReturnValue, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowException
from brandmon_edges import WRITER_POOL, channel_secrets, run_type, utc_now

from brandmon.config import Config, load_config, read_schedule

_, TIMEZONE = read_schedule()  # parsing reads only the time zone; the task loads the whole config
WAIT_FOR_DATA = timedelta(hours=6)
POKE_EVERY = timedelta(minutes=5)


def digest_day(context: Any, config: Config) -> date:
    """`params.day`, else the day before the run's data interval end (or its trigger time)."""
    from alerts.digest import previous_day

    day_param = (context.get("params") or {}).get("day")
    reference = context.get("data_interval_end") or context["dag_run"].run_after
    return date.fromisoformat(day_param) if day_param else previous_day(reference, config.alerting)


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
    @task.sensor(poke_interval=POKE_EVERY, timeout=WAIT_FOR_DATA, mode="reschedule", soft_fail=True)
    def wait_for_day() -> PokeReturnValue:
        from alerts.digest import day_loaded
        from warehouse.db import WarehouseMissing, reader

        config = load_config()
        day = digest_day(get_current_context(), config)
        try:
            conn = reader(config.warehouse)
        except WarehouseMissing:
            return PokeReturnValue(is_done=False)
        with conn:
            return PokeReturnValue(is_done=day_loaded(conn, config.alerting, day), xcom_value=day.isoformat())

    @task(pool=WRITER_POOL, trigger_rule="none_failed")  # after the wait, or after it timed out (skipped)
    def send():
        from alerts.digest import send_digest
        from warehouse.db import writer

        context, config = get_current_context(), load_config()
        now = utc_now()
        day = digest_day(context, config)
        with writer(config.warehouse, config.timezone.key) as conn:
            report = send_digest(conn, config.alerting, day, channel_secrets(config.alerting), now,
                                 run_id=context["run_id"], run_type=run_type(context))
        if report.delivery.retryable_failures:
            raise AirflowException(f"digest for {day}: {report.delivery.retryable_failures} deliveries will be retried")
        return {"day": day.isoformat(), "digests": report.digests, "released": report.released,
                "sent": report.delivery.sent, "no_data": report.no_data}

    wait_for_day() >> send()


brand_digest()
