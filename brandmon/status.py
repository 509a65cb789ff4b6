"""Is the pipeline alive and are its sources working? The judgement behind `brandmon status`.

Pure: it takes what the warehouse holds and the time of asking. Unhealthy when the last live run's
interval ended more than `stale_after` ago (two intervals by default: the scheduler or the whole
machine has stopped, or runs fail), or when a configured source has been failing for
`source_failing` (an hour by default).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warehouse.runs import RunRecord, SourceState


@dataclass
class Health:
    """The verdict: `problems` empty means healthy; `facts` are the lines an operator reads."""

    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"healthy": self.healthy, "problems": self.problems, "facts": self.facts}


def assess(now: datetime, last_run: RunRecord | None, sources: Sequence[SourceState],
           configured: Collection[tuple[str, str]], stale_after: timedelta, source_failing: timedelta) -> Health:
    """The pipeline's health at `now`; only configured brand × source pairs are judged."""
    health = Health()
    if last_run is None:
        health.problems.append("no run has finished yet: is the scheduler running (make up)?")
    else:
        age = now - last_run.interval_end
        line = (f"last run {last_run.run_id} ({last_run.run_type}) covered up to "
                f"{last_run.interval_end.isoformat()}, {_minutes(age)} ago")
        if age > stale_after:
            health.problems.append(f"{line}; more than {_minutes(stale_after)} without a finished interval: "
                                   "the scheduler, its tasks or the machine may have stopped")
        else:
            health.facts.append(line)
    for state in sources:
        if (state.brand, state.source) not in configured:
            continue
        if state.failing_since is not None and now - state.failing_since >= source_failing:
            health.problems.append(
                f"source {state.source} for {state.brand} failing for {_minutes(now - state.failing_since)} "
                f"({state.error_kind}: {(state.message or '')[:200]})")
        else:
            health.facts.append(f"source {state.source} for {state.brand}: {state.status} "
                                f"(latest window ends {state.last_window_end.isoformat()})")
    return health


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
