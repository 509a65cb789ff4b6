"""Which window a run processes: data interval, params, or the manual fallback; never the clock."""

from datetime import datetime, timedelta, timezone

import pytest

from brandmon.windows import WindowError, buckets, floor_time, resolve_window
from extractors.base import Window

UTC = timezone.utc
Q = timedelta(minutes=15)


def at(hour, minute=0, day=26):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_scheduled_runs_use_their_data_interval():
    w = resolve_window(interval=Q, lookback=timedelta(minutes=30), data_interval_start=at(8), data_interval_end=at(8, 15),
                       run_after=at(8, 15))
    assert (w.interval.start, w.interval.end) == (at(8), at(8, 15))
    assert w.extraction.start == at(7, 30) and w.extraction.end == at(8, 15)


def test_manual_runs_without_interval_take_the_last_whole_interval_before_run_after():
    w = resolve_window(interval=Q, lookback=timedelta(0), data_interval_start=None, data_interval_end=None,
                       run_after=at(8, 22))
    assert (w.interval.start, w.interval.end) == (at(8), at(8, 15))


def test_a_zero_length_interval_counts_as_none():
    w = resolve_window(interval=Q, lookback=timedelta(0), data_interval_start=at(8, 22), data_interval_end=at(8, 22),
                       run_after=at(8, 22))
    assert w.interval.end == at(8, 15)


def test_params_override_everything_and_accept_offsets():
    w = resolve_window(interval=Q, lookback=timedelta(0), data_interval_start=at(8), data_interval_end=at(8, 15),
                       run_after=at(9), params={"start": "2026-11-20T08:00:00+08:00", "end": "2026-11-21T08:00:00+08:00"})
    assert w.interval.start == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert w.interval.end - w.interval.start == timedelta(days=1)


@pytest.mark.parametrize("params, words", [
    ({"start": "2026-11-20T08:00:00+08:00"}, "both"),
    ({"start": "2026-11-20T08:00:00", "end": "2026-11-21T08:00:00"}, "no UTC offset"),
    ({"start": "yesterday", "end": "today"}, "not an ISO 8601 time"),
    ({"start": "2026-11-21T08:00:00+08:00", "end": "2026-11-20T08:00:00+08:00"}, "is not after"),
])
def test_bad_params_are_explained(params, words):
    with pytest.raises(WindowError, match=words):
        resolve_window(interval=Q, lookback=timedelta(0), data_interval_start=None, data_interval_end=None,
                       run_after=at(9), params=params)


def test_no_interval_and_no_run_after_asks_for_params():
    with pytest.raises(WindowError, match="pass params.start"):
        resolve_window(interval=Q, lookback=timedelta(0), data_interval_start=None, data_interval_end=None, run_after=None)


def test_buckets_cover_every_overlapping_step():
    assert floor_time(at(8, 7), Q) == at(8)
    assert buckets(Window(at(8, 7), at(8, 31)), Q) == [at(8), at(8, 15), at(8, 30)]
