"""The pipeline's own health on a real warehouse: finished runs, and since when a source fails."""

from __future__ import annotations

from datetime import timedelta

from warehouse.load import load_staged
from warehouse.runs import RunRecord, last_live_run, record_run, source_states

from .conftest import BRANDS, BUCKET, T0, source_run, stage


def test_the_last_live_run_is_the_one_whose_interval_ends_latest_and_backfills_do_not_count(warehouse):
    assert last_live_run(warehouse) is None
    record_run(warehouse, RunRecord("scheduled__1", "scheduled", T0, T0 + BUCKET, T0 + BUCKET + timedelta(minutes=2), 0))
    record_run(warehouse, RunRecord("manual__2", "manual", T0 - BUCKET, T0, T0 + 3 * BUCKET, 4))
    record_run(warehouse, RunRecord("backfill__3", "backfill", T0 + BUCKET, T0 + 2 * BUCKET, T0 + 4 * BUCKET, 1))
    assert last_live_run(warehouse).run_id == "scheduled__1"
    record_run(warehouse, RunRecord("scheduled__1", "scheduled", T0, T0 + BUCKET, T0 + 5 * BUCKET, 2))  # a re-run
    assert last_live_run(warehouse) == ("scheduled__1", "scheduled", T0, T0 + BUCKET, T0 + 5 * BUCKET, 2)


def test_a_source_fails_since_its_first_failed_window_after_the_last_working_one(warehouse, tmp_path):
    rows = [source_run(T0 + k * BUCKET, status) for k, status in enumerate(("error", "ok", "partial", "error", "error"))]
    rows += [source_run(T0 + k * BUCKET, "ok", source="news") for k in range(3)]
    rows += [source_run(T0 + k * BUCKET, "error", "auth", source="forum") for k in range(2)]
    load_staged(warehouse, stage(tmp_path, source_runs=rows), BRANDS, [], BUCKET)
    states = {state.source: state for state in source_states(warehouse)}
    assert states["weibo"].failing_since == T0 + 3 * BUCKET and states["weibo"].status == "error"
    assert states["news"].failing_since is None and states["news"].last_window_end == T0 + 3 * BUCKET
    assert states["forum"].failing_since == T0 and states["forum"].error_kind == "auth"
