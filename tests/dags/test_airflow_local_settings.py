"""The cluster policy: backfill task instances weigh less than any live one, so the one-slot
DuckDB writer pool serves the live run first."""

from __future__ import annotations

from types import SimpleNamespace


def mutated(run_type: str | None, run_id: str, weight: int = 5) -> int:
    # Airflow and the policy module (from the DAGs folder) are imported inside the test, after this
    # folder's conftest has pointed Airflow at its own settings.
    import airflow_local_settings as policy
    from airflow.utils.types import DagRunType

    ti = SimpleNamespace(run_id=run_id, priority_weight=weight)
    policy.task_instance_mutation_hook(ti, SimpleNamespace(run_type=DagRunType(run_type)) if run_type else None)
    return ti.priority_weight


def test_backfill_task_instances_get_the_lowest_weight():
    assert mutated("backfill", "backfill__2026-11-20T00:00:00+00:00") == 0
    assert mutated(None, "backfill__2026-11-20T00:00:00+00:00") == 0  # no run at hand: its id says it


def test_live_task_instances_keep_their_weight():
    assert mutated("scheduled", "scheduled__2026-11-20T00:00:00+00:00") == 5
    assert mutated("manual", "manual__make_run_20261120T000000") == 5
    assert mutated(None, "manual__x") == 5
