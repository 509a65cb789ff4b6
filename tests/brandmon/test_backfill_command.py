"""`brandmon backfill`: clear refusals before anything starts, and the progress line ops read."""

from __future__ import annotations

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
