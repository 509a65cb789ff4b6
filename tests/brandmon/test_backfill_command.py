"""`brandmon backfill`: clear refusals before anything starts, and the progress line ops read."""

from __future__ import annotations

from brandmon.airflow_setup import AirflowApi
from brandmon.cli import main
from brandmon.commands.backfill import progress_line


def test_bad_ranges_and_unknown_brands_are_refused_before_airflow_starts(capsys):
    assert main(["backfill", "--from", "2026-11-20T00:00+08:00", "--to", "2026-11-19T00:00+08:00"]) == 2
    assert "is not after --from" in capsys.readouterr().err
    assert main(["backfill", "--from", "2026-11-20T00:00", "--to", "2026-11-21T00:00+08:00"]) == 2
    assert "no UTC offset" in capsys.readouterr().err
    assert main(["backfill", "--from", "2026-11-20T00:00+08:00", "--to", "2026-11-21T00:00+08:00",
                 "--brand", "nope"]) == 2
    assert "unknown brand 'nope'" in capsys.readouterr().err


def test_progress_says_how_far_and_how_long_is_left():
    assert progress_line(97, 0, 0, 1, 5.0) == "0/97 runs done, 1 running"
    assert progress_line(97, 12, 1, 1, 600.0) == "12/97 runs done (1 failed), 1 running, about 71 min left"
    assert progress_line(4, 3, 0, 1, 30.0) == "3/4 runs done, 1 running, about 10 s left"
    assert progress_line(4, 4, 0, 0, 40.0) == "4/4 runs done, 0 running"


def test_a_backfill_needs_a_range_unless_it_cancels(capsys):
    assert main(["backfill", "--from", "2026-11-20T00:00+08:00"]) == 2
    assert "give --from and --to (or --cancel)" in capsys.readouterr().err


class RecordedApi(AirflowApi):
    """The REST calls create_backfill makes, answered as a busy SQLite Airflow does: the POST
    went through but answered 503, its repeat says 409, and the running backfill is listed."""

    def __init__(self, running: list[dict]) -> None:  # no server, no token
        self.running = running

    def _call(self, method: str, path: str, **kwargs):
        import httpx

        request = httpx.Request(method, f"http://127.0.0.1/api/v2{path}")
        if method == "POST":
            return httpx.Response(409, json={"detail": "There is already a running backfill for dag brand_monitor"},
                                  request=request)
        return httpx.Response(200, json={"backfills": self.running}, request=request)


def test_a_repeated_request_finds_its_own_running_backfill_and_another_one_is_named():
    from datetime import datetime, timezone

    import pytest

    from brandmon.airflow_setup import BackfillRunning

    start, end = datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 21, tzinfo=timezone.utc)
    ours = {"id": 3, "from_date": "2026-11-20T00:00:00Z", "to_date": "2026-11-21T00:00:00Z", "dag_run_conf": {},
            "completed_at": None}
    api = RecordedApi([ours])
    assert api.create_backfill("brand_monitor", start, end, max_active_runs=1, reprocess="none", conf={}) == ours
    with pytest.raises(BackfillRunning, match=r"backfill 3 over .* is still running.*--cancel"):
        api.create_backfill("brand_monitor", start, end, max_active_runs=1, reprocess="none", conf={"brand": "acme"})


def test_a_long_range_is_handed_over_in_consecutive_parts_that_cover_it_exactly():
    from datetime import datetime, timedelta, timezone

    from brandmon.commands.backfill import CHUNK_RUNS, chunks

    start = datetime(2026, 11, 23, 20, 15, tzinfo=timezone.utc)
    end = start + timedelta(days=7) - timedelta(minutes=45)
    size = timedelta(minutes=15) * CHUNK_RUNS
    parts = chunks(start, end, size)
    assert parts[0][0] == start and parts[-1][1] == end
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    assert all(b - a == size for a, b in parts[:-1]) and parts[-1][1] - parts[-1][0] <= size
    assert len(parts) == 28
    assert chunks(start, start + timedelta(hours=2), size) == [(start, start + timedelta(hours=2))]
    assert chunks(start, start, size) == []
