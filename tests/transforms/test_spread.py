"""transforms.spread: depth, large-reach share, speed, amplifiers and the acceleration rule, on the
recorded cascade (the hand-built m.weibo.cn answers in tests/extractors/fixtures/weibo_spread,
parsed by the spread source) and on made-up series."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from math import comb
from pathlib import Path

import pytest

from extractors.weibo.spread import parse_reposts
from transforms.spread import (
    ACCELERATING,
    STEADY,
    TOO_FEW,
    TOO_YOUNG,
    Node,
    SpreadRule,
    acceleration,
    parents,
    reason,
    spread_metrics,
)

FIXTURES = Path(__file__).parent.parent / "extractors" / "fixtures" / "weibo_spread"
AS_OF = datetime(2024, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
PUBLISHED = datetime(2024, 11, 26, 4, 0, tzinfo=timezone.utc)  # 12:00


def recorded_cascade() -> list[Node]:
    """The fourteen readable reposts of the two recorded pages, as the warehouse hands them over."""
    reposts = [r for name in ("reposts_page1.json", "reposts_page2.json")
               for r in parse_reposts((FIXTURES / name).read_text(encoding="utf-8"), fetched_at=AS_OF).items]
    return [Node(r.repost_id, r.reposted_at, r.user_id, r.user_name, r.followers, r.verified, r.chain, r.reposts)
            for r in reposts]


def test_the_recorded_cascade_s_shape():
    metrics = spread_metrics(PUBLISHED, AS_OF, recorded_cascade(), total=15, complete=True)
    assert metrics.reposts_seen == 14 and metrics.reposts_total == 15
    assert metrics.depth == 5  # 夜跑的猫 ← 阿杰不吃香菜 ← 本地新闻速递 ← 消费维权观察 ← 美食记者老李
    assert metrics.large_reach_share == pytest.approx(3 / 14)  # the journalist, the blogger, the news account
    assert metrics.early_rate == pytest.approx(3.0)  # 12:10, 12:25, 12:50 in the first hour


def test_the_recorded_cascade_s_parents_follow_the_chains():
    nodes = recorded_cascade()
    name = {n.repost_id: n.user_name for n in nodes}
    found = {name[child]: name.get(parent) for child, parent in parents(nodes).items()}
    assert found["路人甲"] is None and found["美食记者老李"] is None and found["楼下便利店老板"] is None
    assert found["消费维权观察"] == "美食记者老李" and found["本地新闻速递"] == "消费维权观察"
    assert found["夜跑的猫"] == "阿杰不吃香菜" and found["宝妈日记"] == "小区妈妈群"


def test_the_top_amplifiers_rank_by_followers_times_what_their_reposts_drew():
    metrics = spread_metrics(PUBLISHED, AS_OF, recorded_cascade(), total=15, complete=True)
    assert [(a.user_name, a.followers, a.drawn, a.score) for a in metrics.amplifiers] == [
        ("本地新闻速递", 1_500_000, 4, 7_500_000.0),  # four reposts name it first in their chain
        ("美食记者老李", 250_000, 2, 750_000.0),
        ("消费维权观察", 86_000, 3, 344_000.0),
        ("楼下便利店老板", 5_000, 0, 5_000.0),
        ("小区妈妈群", 800, 1, 1_600.0)]
    assert metrics.amplifiers[0].verified == "media" and metrics.amplifiers[0].reposts == 1


def test_the_recorded_cascade_accelerates_past_its_earlier_rate():
    a = spread_metrics(PUBLISHED, AS_OF, recorded_cascade(), total=15, complete=True).acceleration
    # 10 reposts in 13:30-14:00; 15 counted - 10 = 5 in the 90 minutes before
    assert (a.verdict, a.recent_count, a.before_count) == (ACCELERATING, 10, 5)
    assert a.recent_rate == pytest.approx(20.0) and a.before_rate == pytest.approx(10 / 3) and a.ratio == pytest.approx(6.0)
    exact = sum(comb(15, k) * 0.25 ** k * 0.75 ** (15 - k) for k in range(10, 16))  # P(X >= 10), X ~ Bin(15, 30/120)
    assert a.p_value == pytest.approx(exact)
    assert a.accelerating


def test_a_capped_fetch_knows_no_early_speed_and_counts_hidden_reposts_as_earlier_ones():
    newest = [n for n in recorded_cascade() if n.at >= AS_OF - timedelta(minutes=30)]
    metrics = spread_metrics(PUBLISHED, AS_OF, newest, total=40, complete=False)
    assert metrics.early_rate is None
    a = metrics.acceleration
    assert (a.recent_count, a.before_count, a.verdict) == (10, 30, STEADY)  # 20/h against 20/h
    assert "steady" in reason(metrics, SpreadRule())


def at(minutes: float) -> datetime:
    return PUBLISHED + timedelta(minutes=minutes)


def test_too_young_and_too_few_are_not_judged():
    rule = SpreadRule()
    young = acceleration(PUBLISHED, at(50), [at(m) for m in range(25, 50)], None, rule)
    assert young.verdict == TOO_YOUNG and young.before_rate is None and not young.accelerating
    few = acceleration(PUBLISHED, at(120), [at(100), at(110), at(115)], None, rule)
    assert few.verdict == TOO_FEW and few.recent_count == 3 and few.p_value is None


def test_a_burst_from_nothing_is_accelerating_with_an_infinite_ratio():
    a = acceleration(PUBLISHED, at(180), [at(160 + m) for m in range(8)], 8, SpreadRule())
    assert a.verdict == ACCELERATING and a.ratio == float("inf") and a.before_count == 0
    assert a.p_value == pytest.approx((30 / 180) ** 8)


def test_a_big_ratio_on_few_reposts_is_not_enough_without_the_test():
    # 5 in the last 30 min against 1 in the 150 before: ×25, but P(X >= 5 | 6, 1/6) ≈ 0.0007 → yes;
    # against 3 in the 30 min before: ×1.7 → no
    assert acceleration(PUBLISHED, at(180), [at(10)] + [at(170 + m) for m in range(5)], 6, SpreadRule()).accelerating
    slow = acceleration(PUBLISHED, at(60), [at(5), at(10), at(20)] + [at(40 + m) for m in range(5)], 8, SpreadRule())
    assert slow.verdict == STEADY and slow.ratio == pytest.approx(5 / 3)


def test_a_steady_poisson_stream_is_rarely_called_accelerating():
    """Under equal rates the exact test errs at most alpha of the time: 400 streams of 40 reposts
    an hour over three hours."""
    rng, rule, calls = random.Random(15), SpreadRule(), 0
    for _ in range(400):
        times, moment = [], 0.0
        while True:
            moment += rng.expovariate(40 / 60)
            if moment >= 180:
                break
            times.append(at(moment))
        calls += acceleration(PUBLISHED, at(180), times, len(times), rule).accelerating
    assert calls <= 400 * rule.alpha


def test_reasons_state_the_numbers():
    rule = SpreadRule()
    metrics = spread_metrics(PUBLISHED, AS_OF, recorded_cascade(), total=15, complete=True)
    assert reason(metrics, rule) == ("accelerating: 10 reposts in the last 30 min (20.0/h) against 5 before (3.3/h), "
                                     "×6.0, p=0.00079 < 0.01")
    empty = spread_metrics(PUBLISHED, AS_OF, [], total=0, complete=True)
    assert empty.depth == 0 and empty.large_reach_share is None and empty.amplifiers == ()
    assert empty.acceleration.verdict == TOO_FEW and reason(empty, rule).startswith("too few recent reposts")
