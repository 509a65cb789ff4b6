"""Detection's edge on a real warehouse: source errors and silent sources become ops alerts; the
`detection:` settings of the severe-complaint rule."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from brandmon.config import load_config
from brandmon.detection import SevereComplaintRule, detector_config, find_source_alerts, severe_complaint_rule
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import writer
from warehouse.merge import upsert_sql
from warehouse.schema import STAGED_COLUMNS

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai, a busy hour
Q = timedelta(minutes=15)


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["weibo"]}},
        "sources": {"weibo": {"kind": "weibo_search"}},
    }))
    return load_config(tmp_path / "brands.yaml")


def record(conn, start, status="ok", error_kind=None, posts=20):
    conn.execute(upsert_sql("source_runs", "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, 1, 0, [], 'r', ?)",
                            STAGED_COLUMNS["source_runs"]),
                 ["acme", "weibo", start, start + Q, status, error_kind, "boom" if error_kind else "", posts, posts])


def alerts_for(config, fill):
    with writer(config.warehouse, "Asia/Shanghai") as conn:
        fill(conn)
        return find_source_alerts(conn, config, RunWindow(Window(END - Q, END), timedelta(minutes=30)))


def test_an_expired_cookie_alerts_ops_at_once_naming_the_source(config):
    (alert,) = alerts_for(config, lambda conn: record(conn, END - Q, "error", "auth", 0))
    assert (alert.kind, alert.audience, alert.severity, alert.subject) == ("source_error", "ops", "critical", "weibo:auth")
    assert alert.bucket_start == datetime(2026, 11, 20, tzinfo=config.timezone)  # once per local day


def test_transient_errors_alert_only_when_they_persist_over_scheduled_intervals(config):
    def week_import(conn):  # a manual run over a wide window failed too: it is not an interval
        conn.execute("INSERT INTO source_runs VALUES ('acme', 'weibo', ?, ?, 'error', 'transient', 'boom', "
                     "0, 0, 1, 1, 0, [], 'm', 0)", [END - timedelta(days=7), END - 3 * Q])

    assert alerts_for(config, lambda conn: [week_import(conn)] + [
        record(conn, END - k * Q, "error", "transient", 0) for k in (1, 2, 3)]) == []
    persisting = alerts_for(config, lambda conn: record(conn, END - 4 * Q, "error", "transient", 0))
    assert [a.subject for a in persisting] == ["weibo:transient"]


def test_a_busy_source_gone_silent_alerts_ops(config):
    def history(conn):
        start = END - timedelta(days=5)
        moment = start
        while moment < END:
            silent = moment >= END - timedelta(minutes=90)
            record(conn, moment, posts=0 if silent else 20)
            moment += Q

    alerts = alerts_for(config, history)
    silent = [a for a in alerts if a.kind == "source_silent"]
    assert len(silent) <= 1  # at most one alert per stretch
    assert silent and silent[0].subject == "weibo:silent" and silent[0].expected > 10


def test_severe_complaint_thresholds_default_to_10000_followers_or_200_engagement(config):
    assert severe_complaint_rule(config) == SevereComplaintRule(followers=10_000, engagement=200)
    tuned = replace(config, detection={"severe_complaint_followers": 50_000, "severe_complaint_engagement": 0,
                                       "cooldown": "6h"})
    assert severe_complaint_rule(tuned) == SevereComplaintRule(followers=50_000, engagement=0)
    assert detector_config(tuned).cooldown == timedelta(hours=6)  # the spike detector's keys are its own


@pytest.mark.parametrize("value", ["10k", -1, 2.5, True, None])
def test_a_bad_severe_complaint_threshold_names_the_key(config, value):
    bad = replace(config, detection={"severe_complaint_engagement": value})
    with pytest.raises(ValueError, match=r"brands.yaml: detection: severe_complaint_engagement: expected a whole number"):
        severe_complaint_rule(bad)


def test_a_growing_story_is_one_topic_alert_though_its_strongest_term_changed(config, tmp_path):
    from brandmon.detection import find_topics
    from tests.warehouse.conftest import load_posts, post

    first_end, second_end = END - timedelta(hours=1), END
    everyday = [post(f"b{i}", END - timedelta(days=2, minutes=7 * i), terms=("咖啡", "好喝", "|", "拿", "铁"))
                for i in range(60)] + [post("b60", END - timedelta(days=3), terms=("新品", "推荐"))]
    opening = [post(f"o{i}", first_end - timedelta(minutes=4 * i + 1), terms=("新品", "|", "好喝")) for i in range(12)]
    grown = [post(f"g{i}", second_end - timedelta(minutes=2 * i + 1), terms=("新品", "生", "椰", "拿", "铁"))
             for i in range(24)]
    with writer(config.warehouse, "Asia/Shanghai") as conn:
        for n, rows in enumerate((everyday, opening, grown)):
            (tmp_path / f"load{n}").mkdir()
            load_posts(conn, tmp_path / f"load{n}", rows, touched=set())
        runs = [find_topics(conn, config, RunWindow(Window(end - Q, end), timedelta(minutes=30)))
                for end in (first_end, second_end)]
        stored = conn.execute("SELECT window_end, topic_key, label FROM topics ORDER BY window_end").fetchall()
    (first,), (second,) = runs
    assert (first.subject, first.details.topic_label) == ("新品", "新品")
    assert second.details.topic_label == "新品生椰拿铁"  # seeded by 新品生 now: the same story
    assert second.subject == "新品" and second.alert_id == first.alert_id  # so the outbox sends it once
    assert [key for _, key, _ in stored] == ["新品", "新品"]


def test_topics_and_alert_terms_read_from_the_term_counts_are_those_read_from_every_post(config, tmp_path):
    """The week before a window is read from the counts kept per quarter hour, its cut ends from the
    posts: the same topics and the same terms as counting every post of the week (migration 0008)."""
    import random
    from collections import Counter
    from functools import partial

    from brandmon.detection import TERM_BASELINE, TOPIC_BASELINE, explain
    from tests.warehouse.conftest import load_posts, post
    from transforms.terms import burst_terms
    from transforms.topics import detect_topics, detect_topics_against
    from warehouse.posts import PostSelection, post_facts, topic_docs
    from warehouse.term_counts import unit_baseline

    rng = random.Random(5)
    words = ["咖啡", "拿铁", "好喝", "排队", "门店", "新品", "推荐", "生", "椰", "拿", "铁", "|", "会员", "外卖", "杯子"]
    story = ("门店", "发现", "偷", "拍摄", "像", "头", "|", "报警")
    end = END + timedelta(minutes=7)  # no window edge on a quarter hour

    def everyday(name, at):
        return post(name, at, terms=tuple(rng.choices(words, k=rng.randint(2, 8))),
                    keywords=tuple(rng.sample(words[:11], 3)))

    week = [everyday(f"b{i}", end - timedelta(hours=1, seconds=rng.randrange(1, 8 * 86_400))) for i in range(1500)]
    echoes = [post(f"e{i}", end - timedelta(days=rng.randint(2, 6)), terms=story, keywords=("偷拍",)) for i in range(2)]
    hour = [everyday(f"h{i}", end - timedelta(seconds=rng.randrange(1, 3600))) for i in range(40)]
    hour += [post(f"s{i}", end - timedelta(seconds=rng.randrange(1, 3600)), terms=story, keywords=("偷拍", "报警"))
             for i in range(15)]
    with writer(config.warehouse, "Asia/Shanghai") as conn:
        for day in range(9):
            rows = [r for r in week + echoes + hour
                    if end - timedelta(days=day + 1) <= datetime.fromisoformat(r["published_at"]) < end - timedelta(days=day)]
            load_posts(conn, tmp_path / f"day{day}", rows)
        brand = config.brands["acme"]
        start = end - timedelta(hours=1)
        current = topic_docs(conn, "acme", start, end)
        read = detect_topics_against(current, partial(unit_baseline, conn, "acme", start - TOPIC_BASELINE, start))
        counted = detect_topics(current, topic_docs(conn, "acme", start - TOPIC_BASELINE, start))
        assert read == counted and read[0].alert and read[0].baseline_volume == 2

        selection = PostSelection("acme", start, end)
        baseline = [f.keywords for f in post_facts(conn, PostSelection("acme", start - TERM_BASELINE, start))]
        words_now = Counter(k for f in post_facts(conn, selection) for k in set(f.keywords))
        expected = burst_terms(words_now, Counter(k for keywords in baseline for k in set(keywords)))
        assert explain(conn, config, brand, selection, 2.0).top_terms == expected and "报警" in expected
