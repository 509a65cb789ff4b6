"""Airflow-facing helpers shared by our DAGs: run window, run identity, Connection secrets.

This is the only place besides the DAG files that imports Airflow; everything it returns is
plain data handed to the Airflow-free pipeline in `brandmon.pipeline`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from brandmon.connections import secrets_from_fields
from brandmon.windows import RunWindow, resolve_window

if TYPE_CHECKING:
    from alerts.settings import AlertSettings
    from brandmon.config import Config
    from brandmon.pipeline import RunInfo

WRITER_POOL = "duckdb_writer"


def run_window(context: Any, config: Config) -> RunWindow:
    """The run's window: data interval, else params, else the interval before run_after."""
    dag_run = context["dag_run"]
    return resolve_window(
        interval=config.schedule.interval,
        lookback=config.schedule.lookback,
        data_interval_start=context.get("data_interval_start"),
        data_interval_end=context.get("data_interval_end"),
        run_after=getattr(dag_run, "run_after", None),
        params={k: v for k, v in (context.get("params") or {}).items() if k in ("start", "end") and v},
    )


def run_type(context: Any) -> str:
    """'scheduled', 'manual', 'backfill' or 'asset_triggered', from the DagRun."""
    return str(getattr(context["dag_run"], "run_type", "manual")).rsplit(".", 1)[-1].lower()


def run_info(context: Any, window: RunWindow) -> RunInfo:
    """Run id and type; the reference time is the interval's end, or run_after for manual runs."""
    from brandmon.pipeline import RunInfo  # the pipeline loads inside tasks, never when a DAG is parsed

    kind = run_type(context)
    run_after = getattr(context["dag_run"], "run_after", None)
    reference = window.interval.end if kind in ("scheduled", "backfill") or run_after is None else run_after
    return RunInfo(run_id=context["run_id"], run_type=kind, reference_time=reference)


def connection_fields(conn_id: str) -> dict[str, Any]:
    """A Connection as a plain dict (conn_type, host, port, login, password, schema, extra)."""
    conn = BaseHook.get_connection(conn_id)
    return {"conn_type": conn.conn_type, "host": conn.host, "port": conn.port, "login": conn.login,
            "password": conn.password, "schema": conn.schema, "extra": conn.extra_dejson}


def source_secrets(conn_id: str | None) -> dict[str, str]:
    """Secrets for an extractor: the Connection's password, login and extra keys; {} if none is set.

    A missing Connection yields no secrets; the extractor then reports an auth error naming it.
    """
    if not conn_id:
        return {}
    try:
        return secrets_from_fields(connection_fields(conn_id))
    except Exception:  # AirflowNotFoundException and friends: the extractor explains what to create
        return {}


def channel_secrets(alerting: AlertSettings) -> dict[str, dict[str, Any] | None]:
    """Each alert channel's Connection fields; None where the Connection is missing, so the
    outbox records a retryable error naming the Connection to create instead of failing all."""
    found: dict[str, dict[str, Any] | None] = {}
    for name, channel in alerting.channels.items():
        if channel.connection:
            try:
                found[name] = connection_fields(channel.connection)
            except Exception:  # AirflowNotFoundException: reported per delivery by the outbox
                found[name] = None
    return found


def utc_now() -> datetime:
    """Wall-clock time at the edge: when a fetch happened or a delivery was attempted."""
    return datetime.now(timezone.utc)
