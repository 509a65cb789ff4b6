"""v_post_risk on a real warehouse: one row per post and brand, its risk and parts, local day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from extractors.record import Post
from transforms.risk import post_risk
from warehouse.load import load_staged

from .conftest import BRANDS, BUCKET, T0, mention, post, stage

LATE = T0 + timedelta(hours=10, minutes=30)  # 00:30 the next day in Shanghai


def scored(row: dict, reposts: int, counted_after: timedelta | None) -> dict:
    """The staged row with the counts, their time and the risk the transform computes from them."""
    published = T0 if row["native_id"] != "late" else LATE
    counted = published + counted_after if counted_after is not None else None
    record = Post("weibo", row["native_id"], "weibo_search", row["text"], published, reposts=reposts,
                  likes=row["likes"], author_followers=row["author_followers"], author_verified=row["author_verified"],
                  counted_at=counted)
    risk = post_risk(record, row["label"], row["complaint_severity"])
    return {**row, "reposts": reposts, "counted_at": counted.isoformat() if counted else None, "risk": risk.score,
            "risk_parts": risk.parts()}


@pytest.fixture
def risky(warehouse, tmp_path):
    rows = [scored(post("media", T0, "艾克米的牛奶变质了", "neg", True, likes=300, followers=5_200_000, verified="media"),
                   reposts=600, counted_after=timedelta(hours=3)),
            scored(post("late", LATE, "艾克米不错", "pos", likes=2), reposts=0, counted_after=None),
            post("old", T0 + timedelta(minutes=3), "艾克米 以前存的", "neg")]  # stored before risk was kept
    files = stage(tmp_path, rows, [mention(r) for r in rows] + [mention(rows[0], "rival")])
    load_staged(warehouse, files, BRANDS, {T0, T0 + BUCKET * 42}, BUCKET)
    return warehouse


def test_each_post_and_brand_is_a_row_with_its_risk_and_parts(risky):
    rows = risky.execute("""SELECT brand, native_id, day, author_followers, author_verified, reposts_per_hour,
                                   severity, risk, risk_harm, risk_reach, risk_verified, risk_engagement, risk_speed
                            FROM v_post_risk ORDER BY risk DESC NULLS LAST, brand""").fetchall()
    assert [(brand, key, str(day)) for brand, key, day, *_ in rows] == [
        ("acme", "media", "2026-11-26"), ("rival", "media", "2026-11-26"), ("acme", "late", "2026-11-27"),
        ("acme", "old", "2026-11-26")]
    media = rows[0]
    assert media[3:7] == (5_200_000, "media", 200.0, "normal")  # 600 reposts in 3 hours
    harm, reach, verified, engagement, speed = media[8:]
    assert (harm, verified) == (0.6, 1.0) and reach == pytest.approx(6.716, abs=1e-3)
    assert media[7] == pytest.approx(harm * (1 + reach + verified + engagement + speed), abs=1e-3)
    assert rows[2][5] is None and rows[2][12] == 0.0  # no count time: speed unknown, scored 0
    assert rows[3][7:] == (None,) * 6  # stored before migration 0007


def test_v_mentions_shows_the_risk_and_when_counts_were_seen(risky):
    found = risky.execute("SELECT native_id, risk IS NOT NULL, counted_at IS NOT NULL FROM v_mentions "
                          "WHERE brand = 'acme' ORDER BY native_id").fetchall()
    assert found == [("late", True, False), ("media", True, True), ("old", False, False)]
