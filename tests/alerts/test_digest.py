"""The daily digest: a day's numbers, alerts (held ones included), missing data and chart, sent once
through the outbox, or again as a revision when an operator asks."""

import json
from datetime import date, datetime, timedelta

import pytest

from alerts.compose import compose
from alerts.digest import build_digest, day_loaded, digest_channels, previous_day, send_digest
from alerts.formats import to_text
from alerts.outbox import deliver_pending, enqueue
from transforms.complaints import Reason
from warehouse.runs import RunRecord, record_run

from .alert_fixtures import SHANGHAI, UTC, make_config, severe_alert, spike_alert

DAY = date(2026, 11, 26)
MORNING_AFTER = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
DAY_START = datetime(2026, 11, 26, tzinfo=SHANGHAI)
DAY_END = DAY_START + timedelta(days=1)


def loaded(conn, start, end, run_id="scheduled__x"):
    """A finished pipeline run over [start, end): that time counts as loaded."""
    record_run(conn, RunRecord(run_id, "scheduled", start, end, end, 0))


def recount_buckets(conn):
    """bucket_stats from the posts, as the load recomputes them (15-minute buckets)."""
    conn.execute("DELETE FROM bucket_stats")
    conn.execute("""INSERT INTO bucket_stats
                    SELECT m.brand, to_timestamp(floor(epoch(m.published_at) / 900) * 900), count(*),
                           count(*) FILTER (WHERE p.label = 'pos'), count(*) FILTER (WHERE p.label = 'neu'),
                           count(*) FILTER (WHERE p.label = 'neg'), count(*) FILTER (WHERE p.complaint)
                    FROM mentions m JOIN posts p USING (platform, native_id) GROUP BY ALL""")
QUIET = {"quiet_hours": {"start": "22:00", "end": "08:00"}}


REFUND = Reason("refund_after_sales", "refund_demanded", "要求退款", "refund demanded", "要求退款")
ILL = Reason("quality_safety", "made_ill", "吃坏肚子", "made someone ill", "拉肚子")
SLOW = Reason("service_attitude", "no_response", "无人处理", "nobody responds", "排队一小时")


def add_post(conn, native_id, published_at, text, label="neu", complaint=False, reasons=(), keywords=(),
             likes=0, platform="weibo", brand="demo_coffee"):
    conn.execute(
        """INSERT INTO posts (platform, native_id, source, published_at, text, url, author, reposts, comments,
                              likes, clean_text, sentiment, label, complaint, complaint_score, complaint_reasons,
                              keywords, model, complaint_categories, complaint_reason_details)
           VALUES (?, ?, 'weibo_hot', ?, ?, ?, '网友', 0, 0, ?, ?, 0.5, ?, ?, 0.9, ?, ?, 'test', ?, ?)""",
        [platform, native_id, published_at, text, f"https://weibo.com/1/{native_id}", likes, text, label, complaint,
         [r.zh for r in reasons], list(keywords), list(dict.fromkeys(r.category for r in reasons)),
         [r.as_json() for r in reasons]])
    conn.execute("INSERT INTO mentions (platform, native_id, brand, published_at, matched_terms) VALUES (?, ?, ?, ?, ['示例咖啡'])",
                 [platform, native_id, brand, published_at])


@pytest.fixture
def day_of_posts(warehouse):
    """11-26 (Shanghai): 6 posts, 3 negative, 2 complaints, peaking at 14h; 7 posts over the week before."""
    def at(hour, minute=0):  # Shanghai wall-clock time on the 26th, in UTC
        return datetime(2026, 11, 26, tzinfo=UTC) + timedelta(hours=hour - 8, minutes=minute)

    add_post(warehouse, "p1", at(9), "示例咖啡早餐套餐不错", "pos", keywords=["早餐"], likes=5)
    add_post(warehouse, "p2", at(14, 3), "示例咖啡拿铁喝完拉肚子，要求退款", "neg", True, [REFUND, ILL],
             ["拉肚子", "退款"], likes=1520)
    add_post(warehouse, "p3", at(14, 6), "示例咖啡门店排队一小时，领券用不了，要求退款", "neg", True, [SLOW, REFUND],
             ["排队", "退款"],
             likes=860)
    add_post(warehouse, "p4", at(14, 9), "示例咖啡联名款包装漏液", "neg", keywords=["联名款", "退款"], likes=310,
             platform="news")
    add_post(warehouse, "p5", at(20), "今天的示例咖啡还不错", "pos", likes=12)
    add_post(warehouse, "p6", at(23, 50), "示例咖啡夜宵", "neu", likes=1)
    add_post(warehouse, "next", at(24, 10), "第二天的示例咖啡", "neu", likes=9999)
    for i in range(7):
        add_post(warehouse, f"old{i}", at(12) - timedelta(days=i + 1), "上周的示例咖啡", "neu")
    add_post(warehouse, "tea", at(14), "样板茶饮", "pos", brand="demo_tea")
    recount_buckets(warehouse)
    loaded(warehouse, DAY_START - timedelta(days=7), DAY_END)  # the week before and the day, whole
    return warehouse


def test_the_digest_counts_the_day_in_local_time(tmp_path, day_of_posts):
    config = make_config(tmp_path)
    coffee, tea = build_digest(day_of_posts, config, DAY)
    assert (coffee.brand, coffee.kind, coffee.observed, coffee.expected) == ("demo_coffee", "digest", 6.0, 1.0)
    d = coffee.details
    assert d.window_local == "2026-11-26 (Asia/Shanghai)" and d.ratio == 6.0
    assert d.sentiment_mix == {"pos": 2, "neu": 1, "neg": 3}
    assert [(r.zh, r.en, r.category_zh, r.count) for r in d.complaint_reasons] == [
        ("要求退款", "refund demanded", "退款售后", 2), ("吃坏肚子", "made someone ill", "质量安全", 1),
        ("无人处理", "nobody responds", "服务态度", 1)]
    assert [(c.zh, c.en, c.count) for c in d.complaint_categories] == [
        ("退款售后", "Refunds and after-sales", 2), ("质量安全", "Quality and safety", 1), ("服务态度", "Service attitude", 1)]
    assert d.top_terms[0] == "退款" and d.top_sources == [("weibo", 5), ("news", 1)]
    assert [s.engagement for s in d.samples] == [1520, 860, 310]
    hours = {h: (m, n, c) for h, m, n, c in d.hourly}
    assert len(d.hourly) == 24 and hours["14"] == (3, 3, 2) and hours["23"] == (1, 0, 0) and hours["00"] == (0, 0, 0)
    assert "published_at < TIMESTAMPTZ '2026-11-26T16:00:00+00:00'" in d.query
    assert tea.observed == 1.0
    assert (d.coverage.complete, d.coverage.loaded_until, d.coverage.gaps, d.coverage.prior_days) == (
        True, "24:00", [], 7)
    assert (d.trend.start, d.trend.end, d.trend.gaps) == ("2026-11-19T00:00", "2026-11-27T00:00", [])
    trend = {h: (m, n, c) for h, m, n, c in d.trend.hours}
    assert trend["2026-11-26T14:00"] == (3, 3, 2) and trend["2026-11-25T12:00"] == (1, 0, 0)
    assert sum(m for m, _, _ in trend.values()) == 6 + 7  # the day and one post on each day before


def test_the_prior_mean_counts_only_days_with_data(tmp_path, warehouse):
    """Monitoring began two days before the digest's day: the mean is over those two days, not seven."""
    for i, count in ((1, 4), (2, 2)):
        for n in range(count):
            add_post(warehouse, f"d{i}-{n}", DAY_START - timedelta(days=i) + timedelta(hours=10 + n), "示例咖啡")
    for n in range(9):
        add_post(warehouse, f"today{n}", DAY_START + timedelta(hours=9, minutes=n), "示例咖啡")
    add_post(warehouse, "half-day", DAY_START - timedelta(days=3) + timedelta(hours=20), "示例咖啡")
    loaded(warehouse, DAY_START - timedelta(days=2), DAY_END)
    loaded(warehouse, DAY_START - timedelta(days=3) + timedelta(hours=18), DAY_START - timedelta(days=2), "manual__half")
    coffee = build_digest(warehouse, make_config(tmp_path), DAY)[0]
    assert (coffee.observed, coffee.expected, coffee.details.ratio) == (9.0, 3.0, 3.0)  # (4 + 2) / 2 complete days
    assert coffee.details.coverage.prior_days == 2
    assert "声量: 9 (前 7 日中 2 个完整日的日均 3, ×3.0)" in to_text([compose(coffee, "zh")])
    assert "daily mean of the 2 complete days among the prior 7 3, ×3.0" in to_text([compose(coffee, "en")])


def test_a_digest_says_what_data_is_missing(tmp_path, warehouse):
    add_post(warehouse, "p1", DAY_START + timedelta(hours=9), "示例咖啡")
    loaded(warehouse, DAY_START, DAY_START + timedelta(hours=6), "run_a")
    loaded(warehouse, DAY_START + timedelta(hours=8), DAY_START + timedelta(hours=18), "run_b")
    for hour, status, kind in ((6, "ok", None), (12, "error", "auth"), (18, "error", "auth")):
        warehouse.execute("INSERT INTO source_runs VALUES ('demo_coffee', 'weibo_search', ?, ?, ?, ?, ?, 0, 0, 1, 1, 0, "
                          "[], 'r', 0)", [DAY_START + timedelta(hours=hour - 6), DAY_START + timedelta(hours=hour),
                                          status, kind, "cookie expired" if kind else None])
    config = make_config(tmp_path)
    assert not day_loaded(warehouse, config, DAY)
    coverage = build_digest(warehouse, config, DAY)[0].details.coverage
    assert (coverage.complete, coverage.loaded_until, coverage.gaps) == (False, "18:00", [("06:00", "08:00"),
                                                                                      ("18:00", "24:00")])
    assert [(o.source, o.error_kind, o.failed, o.runs) for o in coverage.sources_down] == [("weibo_search", "auth", 2, 3)]
    zh = to_text([compose(build_digest(warehouse, config, DAY)[0], "zh")])
    assert ("数据缺失: 当日数据不完整：只加载到 18:00；未加载时段：06:00–08:00；数据源故障：weibo_search（auth，2/3 次运行失败）"
            in zh)
    en = to_text([compose(build_digest(warehouse, config, DAY)[0], "en")])
    assert ("Missing data: day incomplete: loaded up to 18:00; not loaded: 06:00–08:00; sources down: weibo_search "
            "(auth, 2 of 3 runs failed)" in en)
    loaded(warehouse, DAY_START + timedelta(hours=18), DAY_END, "run_c")
    assert day_loaded(warehouse, config, DAY)


def test_a_day_nothing_loaded_gets_no_digest(tmp_path, warehouse):
    """The first morning after installing: no run has touched yesterday, so no '0 mentions' digest goes out."""
    report = send_digest(warehouse, make_config(tmp_path), DAY, {}, MORNING_AFTER)
    assert (report.digests, report.no_data, report.delivery.sent) == (0, ["demo_coffee", "demo_tea"], 0)
    assert not (tmp_path / "state" / "alerts" / "alerts.jsonl").exists()


def test_the_digest_lists_the_days_alerts_and_alerts_held_until_it_is_sent(tmp_path, day_of_posts):
    config = make_config(tmp_path, QUIET)
    afternoon = spike_alert()  # 14:00, delivered at once
    night = spike_alert(bucket_start=datetime(2026, 11, 26, 17, 0, tzinfo=UTC),  # 01:00 on the 27th, held
                        bucket_end=datetime(2026, 11, 26, 17, 15, tzinfo=UTC), kind="volume_spike",
                        details={"window_local": "2026-11-27 01:00–01:15 (Asia/Shanghai)"})
    enqueue(day_of_posts, [afternoon], config, "r1", "scheduled", afternoon.bucket_end)
    enqueue(day_of_posts, [night], config, "r2", "scheduled", night.bucket_end)
    listed = build_digest(day_of_posts, config, DAY, until=MORNING_AFTER)[0].details.day_alerts
    assert [(a["alert_id"], a["held"]) for a in listed] == [(afternoon.alert_id, False), (night.alert_id, True)]
    assert build_digest(day_of_posts, config, DAY)[0].details.day_alerts == listed[:1]  # held after the day: not yet


def test_the_digest_lists_a_severe_complaint_by_its_author(tmp_path, day_of_posts):
    config = make_config(tmp_path)
    enqueue(day_of_posts, [severe_alert()], config, "r1", "scheduled", severe_alert().bucket_end)
    digest = build_digest(day_of_posts, config, DAY, until=MORNING_AFTER)[0]
    items = [item.text for section in compose(digest, "zh").sections for item in section.items]
    assert "2026-11-26 14:03 (Asia/Shanghai) 严重 严重投诉 美食记者" in items
    en_items = [item.text for section in compose(digest, "en").sections for item in section.items]
    assert "2026-11-26 14:03 (Asia/Shanghai) CRITICAL severe complaint 美食记者" in en_items


def test_send_digest_delivers_once_and_releases_held_alerts_into_it(tmp_path, day_of_posts):
    config = make_config(tmp_path, QUIET)
    night = spike_alert(bucket_start=datetime(2026, 11, 26, 15, 0, tzinfo=UTC),  # 23:00, held
                        bucket_end=datetime(2026, 11, 26, 15, 15, tzinfo=UTC))
    enqueue(day_of_posts, [night], config, "r", "scheduled", night.bucket_end)
    assert deliver_pending(day_of_posts, config, {}, night.bucket_end).sent == 0
    report = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER, run_id="digest__1")
    again = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER + timedelta(minutes=5), run_id="digest__1")
    assert (report.digests, report.released, report.delivery.sent) == (2, 1, 2)
    assert (again.enqueue.alerts_new, again.released, again.delivery.sent) == (0, 0, 0)
    digest_id = build_digest(day_of_posts, config, DAY)[0].alert_id
    assert day_of_posts.execute("SELECT status, reason FROM deliveries WHERE alert_id = ?", [night.alert_id]
                                ).fetchall() == [("held", f"digest:{digest_id}")]
    lines = [json.loads(x) for x in (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()]
    assert [x["kind"] for x in lines] == ["digest", "digest"]  # the held alert itself was never sent
    coffee = next(x for x in lines if x["brand"] == "demo_coffee")
    assert "静默时段暂缓，合入本简报" in coffee["text"]["zh"] and "held in quiet hours" in coffee["text"]["en"]
    assert "▁" in coffee["text"]["zh"] and "峰值 3 @ 14:00" in coffee["text"]["zh"]
    assert "peak 3 @ 14:00" in coffee["text"]["en"]
    assert "投诉类别: 退款售后×2 · 质量安全×1 · 服务态度×1" in coffee["text"]["zh"]
    assert "投诉原因: 要求退款（退款售后）×2 · 吃坏肚子（质量安全）×1" in coffee["text"]["zh"]
    assert ("Complaint reasons: refund demanded (refunds and after-sales) ×2 · made someone ill (quality and safety) ×1"
            in coffee["text"]["en"])


def test_a_backfilled_digest_is_stored_suppressed_and_never_sent(tmp_path, day_of_posts):
    config = make_config(tmp_path, QUIET)
    report = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER, run_type="backfill")
    assert report.delivery.sent == 0 and report.enqueue.deliveries == {"suppressed": 2}
    assert not (tmp_path / "state" / "alerts" / "alerts.jsonl").exists()


def test_a_digest_sent_long_after_its_day_is_expired(tmp_path, day_of_posts):
    config = make_config(tmp_path)  # expire_after_hours defaults to 24
    report = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER + timedelta(days=2))
    assert report.enqueue.deliveries == {"expired": 2} and report.delivery.sent == 0


def test_a_resend_delivers_a_corrected_revision_even_days_later(tmp_path, day_of_posts):
    config = make_config(tmp_path)
    first = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER)
    add_post(day_of_posts, "late", DAY_START + timedelta(hours=15), "示例咖啡 迟到的帖子", "neg")  # loaded later
    again = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER + timedelta(days=3))
    resent = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER + timedelta(days=3), run_id="cli", resend=True)
    third = send_digest(day_of_posts, config, DAY, {}, MORNING_AFTER + timedelta(days=3, hours=1), resend=True)
    assert (first.delivery.sent, again.delivery.sent, resent.delivery.sent, third.delivery.sent) == (2, 0, 2, 2)
    assert resent.revisions == {"demo_coffee": 2, "demo_tea": 2} and third.revisions["demo_coffee"] == 3
    lines = [json.loads(x) for x in (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text().splitlines()]
    coffee = [x for x in lines if x["brand"] == "demo_coffee"]
    assert [x["observed"] for x in coffee] == [6.0, 7.0, 7.0]
    assert coffee[1]["title"] == {"zh": "【每日简报（修订第 2 版）】示例咖啡 2026-11-26 (Asia/Shanghai)",
                                  "en": "[Daily digest, revision 2] 示例咖啡, 2026-11-26 (Asia/Shanghai)"}
    assert coffee[0]["title"]["en"] == "[Daily digest] 示例咖啡, 2026-11-26 (Asia/Shanghai)"


def test_the_email_digest_carries_the_chart_inline(tmp_path, day_of_posts, smtp_server):
    alerts = {"channels": {"pr_mail": {"kind": "email", "connection": "smtp_pr", "to": ["pr@example.com"]}},
              "digest": {"channels": ["pr_mail"]}}
    secret = {"host": "127.0.0.1", "port": smtp_server.port, "login": "bot@example.com", "password": "s3cret-pass",
              "extra": {"from": "brandmon@example.com", "starttls": False}}
    send_digest(day_of_posts, make_config(tmp_path, alerts), DAY, {"pr_mail": secret}, MORNING_AFTER)
    coffee = next(m for m in smtp_server.messages if "示例咖啡" in m["Subject"])
    assert coffee["Subject"] == "【每日简报】示例咖啡 2026-11-26 (Asia/Shanghai)"
    html = coffee.get_body(("html",)).get_content()
    images = {part["Content-ID"]: part for part in coffee.walk() if part.get_content_type() == "image/png"}
    digest_id = coffee["X-Brandmon-Alert-Id"]
    assert set(images) == {f"<chart-zh.{digest_id}@brandmon>", f"<chart-en.{digest_id}@brandmon>"}
    assert f'src="cid:chart-zh.{digest_id}@brandmon"' in html and f'src="cid:chart-en.{digest_id}@brandmon"' in html
    assert all(part.get_content()[:8] == b"\x89PNG\r\n\x1a\n" for part in images.values())
    assert 'alt="图表：示例咖啡 · 2026-11-26 及前 7 天每小时声量"' in html
    assert "拉肚子" in html and "当日预警" in html and "Alerts of the day" in html
    assert "峰值 3 @ 14:00" in coffee.get_body(("plain",)).get_content()  # the text fallback


def test_digest_channels_default_to_the_brands_pr_routes(tmp_path):
    alerts = {"channels": {"a": {"kind": "file"}, "b": {"kind": "file"}, "ops": {"kind": "file"}},
              "routes": [{"brands": ["demo_coffee"], "severities": ["critical"], "channels": ["a"]},
                         {"brands": ["*"], "channels": ["b"]}, {"channels": ["ops"], "audience": "ops"}]}
    config = make_config(tmp_path, alerts)
    assert digest_channels(config, "demo_coffee") == ("a", "b")
    assert digest_channels(config, "demo_tea") == ("b",)
    assert digest_channels(make_config(tmp_path), "demo_tea") == ("local_file",)


def test_previous_day_is_yesterday_in_the_configured_time_zone(tmp_path):
    config = make_config(tmp_path)
    assert previous_day(datetime(2026, 11, 26, 17, 30, tzinfo=UTC), config) == date(2026, 11, 26)  # 01:30 on the 27th
    assert previous_day(datetime(2026, 11, 26, 15, 30, tzinfo=UTC), config) == date(2026, 11, 25)
