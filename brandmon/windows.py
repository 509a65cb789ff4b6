"""Which time window a run processes (pure functions; nothing here reads the clock).

A scheduled or backfill run processes its data interval `[start, end)`. A manual run has no
data interval in Airflow 3, so it falls back to `params.start`/`params.end` when given, else to
the last whole interval before the run's `run_after`. Extraction then widens the start by the
look-back (late posts, edited posts), and detection re-checks the buckets the look-back touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from extractors.base import Window

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class WindowError(ValueError):
    """The run's window could not be determined (bad params)."""


@dataclass(frozen=True)
class RunWindow:
    """The run's own interval and the wider one its extraction covers."""

    interval: Window
    lookback: timedelta

    @property
    def extraction(self) -> Window:
        return Window(self.interval.start - self.lookback, self.interval.end)

    def to_json(self) -> dict[str, str]:
        return {"start": self.interval.start.isoformat(), "end": self.interval.end.isoformat(),
                "lookback_seconds": str(int(self.lookback.total_seconds()))}

    @classmethod
    def from_json(cls, row: dict[str, str]) -> RunWindow:
        return cls(Window(datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])),
                   timedelta(seconds=int(row["lookback_seconds"])))


def floor_time(moment: datetime, step: timedelta) -> datetime:
    """The start of the `step`-long bucket holding `moment` (buckets aligned to the Unix epoch)."""
    seconds = int((moment - EPOCH).total_seconds())
    size = int(step.total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % size)


def parse_param_time(value: str, name: str) -> datetime:
    """An ISO 8601 time from run params; naive values are rejected rather than guessed."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise WindowError(f"params.{name}={value!r} is not an ISO 8601 time such as 2026-11-26T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise WindowError(f"params.{name}={value!r} has no UTC offset; add one, e.g. +08:00")
    return moment


def resolve_window(
    *,
    interval: timedelta,
    lookback: timedelta,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    run_after: datetime | None,
    params: dict | None = None,
) -> RunWindow:
    """The window of one run: params first, then the data interval, then the manual fallback."""
    params = params or {}
    start_param, end_param = params.get("start"), params.get("end")
    if start_param or end_param:
        if not (start_param and end_param):
            raise WindowError("give both params.start and params.end, or neither")
        start, end = parse_param_time(start_param, "start"), parse_param_time(end_param, "end")
        if end <= start:
            raise WindowError(f"params.end {end_param} is not after params.start {start_param}")
        return RunWindow(Window(start, end), lookback)
    if data_interval_start is not None and data_interval_end is not None and data_interval_end > data_interval_start:
        return RunWindow(Window(data_interval_start, data_interval_end), lookback)
    if run_after is None:
        raise WindowError("the run has neither a data interval nor run_after; pass params.start and params.end")
    end = floor_time(run_after, interval)
    return RunWindow(Window(end - interval, end), lookback)


def buckets(window: Window, step: timedelta) -> list[datetime]:
    """Every bucket start overlapping the window."""
    current, out = floor_time(window.start, step), []
    while current < window.end:
        out.append(current)
        current += step
    return out
