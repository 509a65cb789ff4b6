"""The verdict behind `brandmon status`: alive when the last live interval is recent and no
configured source has been failing for long."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from brandmon.status import assess
from warehouse.runs import RunRecord, SourceState

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)
STALE, FAILING = timedelta(minutes=30), timedelta(hours=1)
CONFIGURED = {("acme", "weibo"), ("acme", "news")}


def run_ending(ago: timedelta) -> RunRecord:
    end = NOW - ago
    return RunRecord("scheduled__x", "scheduled", end - timedelta(minutes=15), end, end + timedelta(minutes=1), 0)


def source(name: str, failing_for: timedelta | None, brand: str = "acme") -> SourceState:
    since = None if failing_for is None else NOW - failing_for
    return SourceState(brand, name, NOW - timedelta(minutes=5), "ok" if since is None else "error", since,
                       None if since is None else "auth", None if since is None else "cookie expired")


def test_a_recent_interval_and_working_sources_are_healthy():
    health = assess(NOW, run_ending(timedelta(minutes=20)), [source("weibo", None)], CONFIGURED, STALE, FAILING)
    assert health.healthy and any("20 min ago" in fact for fact in health.facts)


def test_no_finished_interval_for_two_intervals_is_unhealthy():
    health = assess(NOW, run_ending(timedelta(minutes=31)), [], CONFIGURED, STALE, FAILING)
    assert not health.healthy and "the scheduler" in health.problems[0]


def test_nothing_finished_yet_is_unhealthy():
    assert "no run has finished yet" in assess(NOW, None, [], CONFIGURED, STALE, FAILING).problems[0]


def test_a_source_failing_for_an_hour_is_unhealthy_but_not_after_half_an_hour():
    late = assess(NOW, run_ending(timedelta(0)), [source("weibo", timedelta(minutes=60))], CONFIGURED, STALE, FAILING)
    assert late.problems == ["source weibo for acme failing for 60 min (auth: cookie expired)"]
    early = assess(NOW, run_ending(timedelta(0)), [source("weibo", timedelta(minutes=30))], CONFIGURED, STALE, FAILING)
    assert early.healthy


def test_a_source_no_longer_configured_is_not_judged():
    health = assess(NOW, run_ending(timedelta(0)), [source("old_forum", timedelta(days=3))], CONFIGURED, STALE, FAILING)
    assert health.healthy and health.facts == [health.facts[0]]
