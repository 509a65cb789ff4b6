"""Builders for the alert tests: realistic alerts (Chinese posts, links, hostile markup) and a config."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alerts.model import Alert, AlertDetails, CategoryCount, ReasonCount, SamplePost, Trend
from alerts.settings import AlertSettings
from brandmon.config import parse_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
# 2026-11-26 14:00–14:15 in Shanghai.
BUCKET_START = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
BUCKET_END = BUCKET_START + timedelta(minutes=15)
JUST_AFTER = BUCKET_END + timedelta(minutes=2)

SAMPLES = [
    SamplePost(text="示例咖啡 & 样板茶饮 联名款翻车？包装漏液，杯套一摸全是咖啡…", url="https://news.example.cn/a?id=1&s=(2)",
               author="财经小编", platform="news", published_local="2026-11-26 14:09", engagement=310, label="neg",
               complaint=False),
    SamplePost(text="示例咖啡新品拿铁喝完拉肚子，客服三天不回复，要求退款！！<script>alert(1)</script>",
               url="https://weibo.com/1234567890/NwXyZ1", author="爱喝咖啡的猫", platform="weibo",
               published_local="2026-11-26 14:03", engagement=1520, label="neg", complaint=True),
    SamplePost(text="今天的示例咖啡还不错，店员很热情", url="https://weibo.com/222/Abc", author="路人甲", platform="weibo",
               published_local="2026-11-26 14:11", engagement=12, label="pos", complaint=False),
    SamplePost(text="*示例咖啡* 门店排队一小时，[点这里](javascript:alert(1)) 领券根本用不了 #示例咖啡避雷#",
               url="https://m.weibo.cn/status/4901234567890123", author="小红_Lee", platform="weibo",
               published_local="2026-11-26 14:06", engagement=860, label="neg", complaint=True),
]
REASONS = (ReasonCount("spoiled", "变质", "spoiled", "quality_safety", "质量安全", "Quality and safety", 8, ("变质了",)),
           ReasonCount("compensation_demanded", "要求赔偿", "compensation demanded", "refund_after_sales", "退款售后",
                       "Refunds and after-sales", 5, ("要求赔偿",)))
CATEGORIES = (CategoryCount("quality_safety", "质量安全", "Quality and safety", 12),
              CategoryCount("refund_after_sales", "退款售后", "Refunds and after-sales", 5))
QUERY = ("SELECT published_local, platform, label, complaint, engagement, url, text FROM v_mentions "
         "WHERE brand = 'demo_coffee' AND published_at >= TIMESTAMPTZ '2026-11-26T06:00:00+00:00' "
         "AND published_at < TIMESTAMPTZ '2026-11-26T06:15:00+00:00' AND label = 'neg' ORDER BY engagement DESC")


def spike_alert(**changes) -> Alert:
    """A negative spike of 示例咖啡 at 14:00–14:15 Shanghai time, explained like detection does."""
    details = AlertDetails(
        brand_name="示例咖啡", window_local="2026-11-26 14:00–14:15 (Asia/Shanghai)", ratio=4.2,
        top_terms=["拉肚子", "退款", "联名款"], sentiment_mix={"pos": 1, "neu": 3, "neg": 38},
        complaint_reasons=list(REASONS), complaint_categories=list(CATEGORIES), top_sources=[("weibo", 35), ("news", 7)],
        samples=list(SAMPLES), query=QUERY)
    alert = Alert(brand="demo_coffee", kind="negative_spike", audience="pr", severity="warning", subject="neg",
                  bucket_start=BUCKET_START, bucket_end=BUCKET_END, observed=38.0, expected=9.0, score=5.7,
                  details=details)
    detail_changes = changes.pop("details", {})
    return replace(alert, details=replace(details, **detail_changes), **changes)


def week_trend() -> Trend:
    """Hourly counts from 2026-11-19 00:00 to the spike's end (14:15 on the 26th, Shanghai): a quiet
    week, no data before noon on the 19th, the burst in the last hour."""
    start = datetime(2026, 11, 19, 12, 0)
    hours = []
    for i in range(int((datetime(2026, 11, 26, 15, 0) - start).total_seconds() // 3600)):
        at = start + timedelta(hours=i)
        mentions = 2 + at.hour % 9 if 8 <= at.hour <= 23 else 1
        hours.append((f"{at:%Y-%m-%dT%H:%M}", mentions, mentions // 4, 0))
    hours[-1] = ("2026-11-26T14:00", 42, 38, 30)
    return Trend(timezone="Asia/Shanghai", start="2026-11-19T00:00", end="2026-11-26T14:15", hours=hours,
                 gaps=[("2026-11-19T00:00", "2026-11-19T12:00")])


def charted_spike_alert(**changes) -> Alert:
    """The negative spike with its 7-day trend, as detection stores it now."""
    return spike_alert(details={"trend": week_trend()}, **changes)


def severe_alert(**changes) -> Alert:
    """A severe complaint by a media account with 25万 followers, as detection explains it."""
    post = SamplePost(text="示例咖啡的牛奶变质了还在卖，喝了拉肚子，要求赔偿，已经打了12315", url="https://weibo.com/1/Sp01",
                      author="美食记者", platform="weibo", published_local="2026-11-26 14:03", engagement=320, label="neg",
                      complaint=True, author_followers=250_000, author_verified="media", severity="severe")
    severe = [ReasonCount("food_safety", "食品安全", "food safety", "food_safety", "食品安全", "Food safety", 1,
                          ("变质", "拉肚子")),
              ReasonCount("regulator_court", "监管与诉讼", "regulators or courts", "regulator_court", "监管与诉讼",
                          "Regulators and courts", 1, ("12315",))]
    details = AlertDetails(brand_name="示例咖啡", window_local="2026-11-26 14:03 (Asia/Shanghai)", ratio=0.0,
                           samples=[post], query=QUERY, complaint_reasons=[replace(r, count=1) for r in REASONS],
                           complaint_categories=[replace(c, count=1) for c in CATEGORIES], severity_reasons=severe)
    alert = Alert(brand="demo_coffee", kind="severe_complaint", audience="pr", severity="critical",
                  subject="weibo:5104912345678901", bucket_start=BUCKET_START, bucket_end=BUCKET_END, observed=320.0,
                  expected=0.0, score=0.0, details=details)
    return replace(alert, **changes)


def ops_alert(**changes) -> Alert:
    """A source_error for an expired Weibo cookie."""
    details = AlertDetails(brand_name="示例咖啡", window_local="2026-11-26 14:00–14:15 (Asia/Shanghai)", ratio=0.0,
                           source="weibo_hot", error_kind="auth",
                           message="s.weibo.com redirected to passport.weibo.com (login wall): cookie expired")
    alert = Alert(brand="demo_coffee", kind="source_error", audience="ops", severity="warning", subject="weibo_hot",
                  bucket_start=BUCKET_START, bucket_end=BUCKET_END, observed=0.0, expected=0.0, score=0.0,
                  details=details)
    return replace(alert, **changes)


def make_config(tmp_path, alerts: dict | None = None, sources: dict | None = None) -> AlertSettings:
    """The alert settings of a validated config with two brands and the given `alerts:` block;
    state under tmp_path."""
    doc = {
        "timezone": "Asia/Shanghai",
        "storage": {"state_dir": str(tmp_path / "state")},
        "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡"], "sources": ["weibo_hot"]},
                   "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "sources": ["weibo_hot"]}},
        "sources": sources or {"weibo_hot": {"kind": "archive", "path": "posts.jsonl"}},
        "alerts": alerts or {},
    }
    return parse_config(doc, tmp_path / "brands.yaml").alerting
