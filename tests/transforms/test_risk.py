"""Risk: harm × (1 + reach + verified + engagement + speed), each part as docs/alerts.md states it."""

import dataclasses
import math
from datetime import datetime, timedelta, timezone

import pytest

from extractors.record import Post
from transforms.risk import UNKNOWN_FOLLOWERS, group_risk, harm, post_risk, reposts_per_hour

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def post(**reach) -> Post:
    return Post("weibo", "1", "weibo_api", "示例咖啡的牛奶变质了还在卖", T0, **reach)


def test_five_million_followers_rank_far_above_five_but_not_a_million_times():
    big = post_risk(post(author_followers=5_000_000), "neg", "normal")
    small = post_risk(post(author_followers=5), "neg", "normal")
    assert big.reach == pytest.approx(math.log10(5_000_001), abs=1e-4)
    assert big.score / small.score == pytest.approx((1 + 6.699) / (1 + 0.778), rel=1e-3)


def test_the_score_is_harm_times_one_plus_the_parts():
    seen = T0 + timedelta(hours=4)
    risk = post_risk(post(author_followers=250_000, author_verified="media", reposts=400, comments=120, likes=900,
                          counted_at=seen), "neg", "severe")
    assert risk.harm == 1.0 and risk.verified == 1.0
    assert risk.engagement == pytest.approx(math.log10(1 + 3 * 400 + 2 * 120 + 900), abs=1e-4)
    assert risk.reposts_per_hour == 100.0
    assert risk.speed == pytest.approx(math.log10(101), abs=1e-4)
    assert risk.score == pytest.approx(1 + risk.reach + 1.0 + risk.engagement + risk.speed, abs=1e-3)
    assert risk.parts() == {f.name: getattr(risk, f.name) for f in dataclasses.fields(risk) if f.name != "score"}
    assert list(risk.parts()) == ["harm", "reach", "verified", "engagement", "speed", "reposts_per_hour"]


@pytest.mark.parametrize("label, severity, expected", [
    ("neg", "severe", 1.0), ("neu", "normal", 0.6), ("neg", "none", 0.4), ("neu", "none", 0.05),
    ("pos", "none", 0.02), ("pos", None, 0.02), (None, None, 0.05),
])
def test_harm_follows_severity_then_label(label, severity, expected):
    assert harm(label, severity) == expected


def test_verified_media_and_government_weigh_more_than_other_badges():
    weights = {kind: post_risk(post(author_followers=1000, author_verified=kind), "neg", "none").verified
               for kind in ("media", "government", "enterprise", "personal", "talent", "none")}
    assert weights == {"media": 1.0, "government": 1.0, "enterprise": 0.5, "personal": 0.5, "talent": 0.5, "none": 0.0}
    assert post_risk(post(), "neg", "none").verified == 0.0  # the source does not say


def test_an_unknown_audience_counts_as_an_ordinary_account():
    unknown = post_risk(post(), "neg", "normal")
    assert unknown.reach == pytest.approx(math.log10(1 + UNKNOWN_FOLLOWERS), abs=1e-4)
    assert post_risk(post(author_followers=10), "neg", "normal").score < unknown.score
    assert post_risk(post(author_followers=10_000), "neg", "normal").score > unknown.score


def test_a_severe_complaint_from_nobody_outranks_a_neutral_post_from_a_big_media_account():
    nobody = post_risk(post(author_followers=0), "neg", "severe")
    media = post_risk(post(author_followers=5_200_000, author_verified="media", likes=300), "neu", "none")
    assert nobody.score > media.score > 0


def test_the_same_reposts_gained_faster_score_higher():
    fast = post_risk(post(reposts=1000, counted_at=T0 + timedelta(hours=1)), "neg", "normal")
    slow = post_risk(post(reposts=1000, counted_at=T0 + timedelta(hours=100)), "neg", "normal")
    assert (fast.reposts_per_hour, slow.reposts_per_hour) == (1000.0, 10.0)
    assert fast.score > slow.score and fast.engagement == slow.engagement


def test_repost_speed_needs_a_count_and_its_time_and_a_fresh_post_counts_a_full_hour():
    assert reposts_per_hour(None, T0, T0 + timedelta(hours=2)) is None
    assert reposts_per_hour(50, T0, None) is None
    assert reposts_per_hour(50, T0, T0 + timedelta(minutes=5)) == 50.0
    assert post_risk(post(reposts=50), "neg", "none").speed == 0.0


def test_copies_add_their_audiences_in_the_same_unit():
    assert group_risk(3.0, 0.6, 1) == 3.0
    assert group_risk(3.0, 0.6, 10) == pytest.approx(3.6)
    assert group_risk(3.0, 1.0, 17) > group_risk(3.0, 1.0, 16)
