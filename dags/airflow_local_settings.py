"""Airflow cluster policy for brandmon (Airflow imports this module by name from the DAGs folder).

Live runs before backfills: Airflow hands out the one slot of the `duckdb_writer` pool by
priority weight, then by logical date, so without this the old intervals of a backfill would
always go before the live interval, and a week's backfill would hold back the live alert for
hours. Task instances of backfill runs get a weight below every live task's instead.
"""

from __future__ import annotations

BACKFILL_PRIORITY_WEIGHT = 0  # live tasks weigh at least 1 (Airflow's default weight rule)


def task_instance_mutation_hook(task_instance, dag_run=None) -> None:
    """Give backfill task instances the lowest priority (runs in the scheduler; no DB access)."""
    run_type = str(getattr(dag_run, "run_type", "") or "").rsplit(".", 1)[-1].lower()
    run_id = str(getattr(task_instance, "run_id", "") or "")
    if run_type == "backfill" or run_id.startswith("backfill__"):
        task_instance.priority_weight = BACKFILL_PRIORITY_WEIGHT
