"""Detection's time series on a real warehouse: dense bucket counts, source failures, streaks, silence."""

from __future__ import annotations

from datetime import timedelta

from warehouse.load import load_staged
from warehouse.series import bucket_series, failed_sources, failure_streak, interval_posts

from .conftest import BRANDS, BUCKET, T0, load_posts, post, source_run, stage


def test_bucket_series_is_dense_from_the_first_stored_bucket_to_the_end(warehouse, tmp_path):
    load_posts(warehouse, tmp_path, [post("a", T0, label="neg"), post("b", T0 + timedelta(minutes=1), complaint=True),
                                     post("c", T0 + 2 * BUCKET)])
    series = bucket_series(warehouse, "acme", T0 - 4 * BUCKET, T0 + 4 * BUCKET, BUCKET)
    assert series.timestamps == [T0 + k * BUCKET for k in range(4)]
    assert series.counts == {"mentions": [2.0, 0.0, 1.0, 0.0], "neg": [1.0, 0.0, 0.0, 0.0],
                             "complaints": [1.0, 0.0, 0.0, 0.0]}


def test_bucket_series_reads_nothing_at_or_after_its_end(warehouse, tmp_path):
    load_posts(warehouse, tmp_path, [post("a", T0), post("late", T0 + BUCKET)])
    assert bucket_series(warehouse, "acme", T0, T0 + BUCKET, BUCKET).counts["mentions"] == [1.0]
    assert bucket_series(warehouse, "rival", T0, T0 + BUCKET, BUCKET) == ([], {"mentions": [], "neg": [],
                                                                             "complaints": []})


def runs(warehouse, folder, *rows):
    load_staged(warehouse, stage(folder, source_runs=rows), BRANDS, [], BUCKET)


def test_failed_sources_are_those_of_exactly_this_window_with_a_known_error(warehouse, tmp_path):
    runs(warehouse, tmp_path, source_run(T0, "error", "auth", 0), source_run(T0, "partial", "transient", source="news"),
         source_run(T0, "error", None, source="rss"), source_run(T0 - BUCKET, "error", "permanent", source="forum"),
         source_run(T0, "error", "permanent", end=T0 + 2 * BUCKET, source="wide"))
    assert sorted(failed_sources(warehouse, T0, T0 + BUCKET)) == [
        ("acme", "news", "transient", "boom"), ("acme", "weibo", "auth", "boom")]


def test_a_failure_streak_counts_scheduled_intervals_back_to_the_last_success(warehouse, tmp_path):
    runs(warehouse, tmp_path, source_run(T0 - 3 * BUCKET), source_run(T0 - 2 * BUCKET, "error", "transient"),
         source_run(T0 - BUCKET, "partial", "transient"), source_run(T0, "error", "transient"),
         source_run(T0 - timedelta(days=1), "error", "transient", end=T0 + BUCKET))  # a wide manual run
    assert failure_streak(warehouse, "acme", "weibo", T0 + BUCKET, BUCKET, cap=10) == 3
    assert failure_streak(warehouse, "acme", "weibo", T0 + BUCKET, BUCKET, cap=2) == 2
    assert failure_streak(warehouse, "acme", "weibo", T0 - 2 * BUCKET, BUCKET, cap=10) == 0


def test_interval_posts_are_the_scheduled_runs_counts_in_order(warehouse, tmp_path):
    runs(warehouse, tmp_path, source_run(T0, posts=7), source_run(T0 - BUCKET, posts=5),
         source_run(T0 - timedelta(days=1), posts=99, end=T0), source_run(T0 + BUCKET, posts=3))
    assert interval_posts(warehouse, "acme", "weibo", T0 - timedelta(days=2), T0 + BUCKET, BUCKET) == (
        [T0 - BUCKET, T0], [5.0, 7.0])
