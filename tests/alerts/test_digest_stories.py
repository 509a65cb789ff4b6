"""The digest quotes the day's riskiest stories, copies of one text as one (×N), on a real warehouse."""

from datetime import datetime, timedelta

from alerts.compose import compose
from alerts.digest import build_digest

from .alert_fixtures import UTC, make_config
from .test_digest import DAY, add_post

COMPLAINT = "示例咖啡生椰拿铁喝完拉肚子，客服不回复，要求退款！"
COPIES = [COMPLAINT, COMPLAINT + "[怒][怒]", "转发微博 //@网友: " + COMPLAINT, "@示例咖啡 " + COMPLAINT, COMPLAINT + "😡"]


def at(hour: int, minute: int = 0) -> datetime:
    """Shanghai wall-clock time on DAY, in UTC."""
    return datetime(2026, 11, 26, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)


def test_the_digest_quotes_copies_once_by_their_furthest_reaching_copy_and_orders_by_risk(tmp_path, warehouse):
    for i, text in enumerate(COPIES):
        add_post(warehouse, f"copy{i}", at(14, i), text, "neg", True, likes=3)
    add_post(warehouse, "loud", at(15), "示例咖啡新品今天上市", "neu", likes=5000)
    add_post(warehouse, "severe", at(16), "示例咖啡门店用过期牛奶，已向市场监管部门举报", "neg", True, likes=2)
    risks = {"copy0": 2.1, "copy1": 2.0, "copy2": 7.5, "copy3": 1.9, "copy4": 2.2, "loud": 0.9, "severe": 4.0}
    for key, risk in risks.items():  # what the transform stores (transforms.risk)
        warehouse.execute("UPDATE posts SET risk = ?, author_followers = ?, author_verified = ? WHERE native_id = ?",
                          [risk, 5_200_000 if key == "copy2" else 300, "media" if key == "copy2" else "none", key])

    (coffee,) = [d for d in build_digest(warehouse, make_config(tmp_path), DAY) if d.brand == "demo_coffee"]
    samples = coffee.details.samples
    assert [(s.url.rsplit("/", 1)[1], s.copies) for s in samples] == [("copy2", 5), ("severe", 1), ("loud", 1)]
    assert (samples[0].earliest_local, samples[0].earliest_url) == ("2026-11-26 14:00", "https://weibo.com/1/copy0")

    zh = compose(coffee, "zh")
    quoted = next(s for s in zh.sections if s.title.startswith("样本帖子"))
    assert quoted.items[0].meta.startswith("×5（相同或相近内容，最早：网友 2026-11-26 14:00 https://weibo.com/1/copy0） · ")
    assert "粉丝 520万 · 媒体认证" in quoted.items[0].meta
    assert "ORDER BY risk DESC NULLS LAST" in coffee.details.query
