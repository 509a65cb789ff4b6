"""Which data a day has, from the spans the pipeline's runs covered (pure: plain values in and out).

The digest asks three things: has the day's last interval loaded (then the day can be digested),
which parts of the day did no run cover (said in the digest and shaded in its chart), and which
earlier days were covered whole (only those count in the prior mean, so a day before monitoring
began is not a day of zero mentions). Sources that failed during the day are listed apart: a run
can finish while one of its sources is down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.model import Coverage, SourceOutage
from warehouse.runs import SourceWindow

Span = tuple[datetime, datetime]


def merged(spans: Iterable[Span]) -> list[Span]:
    """The spans sorted, with overlapping or touching ones joined."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def uncovered(spans: Iterable[Span], start: datetime, end: datetime) -> list[Span]:
    """The parts of [start, end) that no span covers, in order."""
    gaps, cursor = [], start
    for s, e in merged(spans):
        if e <= cursor or s >= end:
            continue
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def covers(spans: Iterable[Span], start: datetime, end: datetime) -> bool:
    """Whether the spans cover [start, end) whole."""
    return not uncovered(spans, start, end)


def last_interval_loaded(spans: Iterable[Span], end: datetime) -> bool:
    """Whether some run's interval reaches the day's `end`: the day's last interval has loaded."""
    return any(s < end <= e for s, e in spans)


def outages(windows: Iterable[SourceWindow]) -> list[SourceOutage]:
    """Sources with runs that did not succeed, each with how many of its runs failed, the latest
    error kind and message; sources that always worked are left out."""
    by_source: dict[str, list[SourceWindow]] = {}
    for window in sorted(windows, key=lambda w: (w.source, w.window_end)):
        by_source.setdefault(window.source, []).append(window)
    found = []
    for source, runs in by_source.items():
        failed = [r for r in runs if r.status != "ok"]
        if failed:
            found.append(SourceOutage(source=source, error_kind=failed[-1].error_kind, failed=len(failed),
                                      runs=len(runs), message=failed[-1].message))
    return found


def day_coverage(spans: Sequence[Span], windows: Iterable[SourceWindow], start: datetime, end: datetime,
                 tz: ZoneInfo, prior_days: int) -> Coverage:
    """The Coverage of the day [start, end): `spans` are the intervals of finished runs, `windows`
    the brand's source runs over the day, `prior_days` the complete days the prior mean uses."""
    reached = [min(e, end) for s, e in spans if s < end and e > start]
    until = max(reached, default=None)
    return Coverage(
        complete=covers(spans, start, end),
        loaded_until=None if until is None else _clock(until, end, tz),
        gaps=[(_clock(s, end, tz), _clock(e, end, tz)) for s, e in uncovered(spans, start, end)],
        sources_down=outages(windows), prior_days=prior_days)


def _clock(moment: datetime, day_end: datetime, tz: ZoneInfo) -> str:
    """A moment of the day as local 'HH:MM'; the day's end reads '24:00'."""
    return "24:00" if moment >= day_end else f"{moment.astimezone(tz):%H:%M}"
