"""compose: what a message says (zh and en), before any markup."""

import re
from dataclasses import replace
from datetime import datetime

import pytest

from alerts.compose import compose, ratio_text, sql_command, title, top_samples
from alerts.formats import to_text
from alerts.i18n import followers_text
from alerts.model import Alert

from .alert_fixtures import charted_spike_alert, ops_alert, severe_alert, spike_alert


def fields(doc) -> dict[str, str]:
    return dict(doc.fields)


def test_a_spike_explains_brand_kind_window_size_terms_mix_reasons_and_sources():
    zh = fields(compose(spike_alert(), "zh"))
    assert zh["品牌"] == "示例咖啡 (demo_coffee)"
    assert zh["类型"] == "负面声量激增 · 警告"
    assert zh["时间窗"] == "2026-11-26 14:00–14:15 (Asia/Shanghai)"
    assert zh["实际 / 预期"] == "38 / 9 (×4.2)"
    assert zh["热词"] == "拉肚子、退款、联名款"
    assert zh["情感分布"] == "正面 1 · 中性 3 · 负面 38"
    assert zh["投诉类别"] == "质量安全×12 · 退款售后×5"
    assert zh["投诉原因"] == "变质（质量安全）×8 · 要求赔偿（退款售后）×5"
    assert zh["主要来源"] == "weibo 35 · news 7"
    en = fields(compose(spike_alert(), "en"))
    assert en["Observed / expected"] == "38 / 9 (×4.2)"
    assert en["Sentiment mix"] == "positive 1 · neutral 3 · negative 38"
    assert en["Complaint categories"] == "quality and safety ×12 · refunds and after-sales ×5"
    assert en["Complaint reasons"] == "spoiled (quality and safety) ×8 · compensation demanded (refunds and after-sales) ×5"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reasons_read_as_words_never_as_codes_or_scores(lang):
    text = to_text([compose(spike_alert(), lang)])
    for code in ("spoiled_", "compensation_demanded", "quality_safety", "refund_after_sales", "demand:"):
        assert code not in text
    assert not re.search(r"[a-z_]+:[\u4e00-\u9fff]", text)  # no "demand:要求赔偿"
    reasons_line = next(line for line in text.splitlines() if "投诉原因" in line or "Complaint reasons" in line)
    assert not re.search(r"\d\.\d", reasons_line)  # counts only, no score


def test_alerts_stored_before_reasons_were_structured_still_read():
    stored = spike_alert().details_json().replace(
        spike_alert().details_json().split('"complaint_reasons": ')[1].split(', "top_sources"')[0], '[["退款", 12]]')
    details = Alert.details_from_json(stored)
    assert fields(compose(replace(spike_alert(), details=details), "zh"))["投诉原因"] == "退款×12"


def test_three_samples_most_engaged_first_with_links_and_the_query_for_the_rest():
    doc = compose(spike_alert(), "en")
    samples, query = doc.sections
    assert [item.url for item in samples.items] == [
        "https://weibo.com/1234567890/NwXyZ1", "https://m.weibo.cn/status/4901234567890123",
        "https://news.example.cn/a?id=1&s=(2)"]
    assert samples.items[0].meta == "weibo · 爱喝咖啡的猫 · 2026-11-26 14:03 · engagement 1520 · negative · complaint"
    assert query.code.startswith('brandmon sql "SELECT published_local')
    assert "brand = 'demo_coffee'" in query.code


def test_long_posts_are_shortened_and_whitespace_collapsed():
    text = "示例咖啡\n\n" + "好" * 300
    post = spike_alert().details.samples[0]
    doc = compose(spike_alert(details={"samples": [replace(post, text=text)]}), "zh")
    item = doc.sections[0].items[0]
    assert len(item.text) == 140 and item.text.endswith("…") and "\n" not in item.text


def test_titles_name_severity_brand_kind_and_ratio():
    assert title(spike_alert(), "zh") == "【警告】示例咖啡 负面声量激增 ×4.2"
    assert title(spike_alert(), "en") == "[WARNING] 示例咖啡: negative mentions spike ×4.2"
    topic = spike_alert(kind="new_topic", details={"topic_label": "联名款漏液"})
    assert title(topic, "zh") == "【警告】示例咖啡 新话题：联名款漏液 ×4.2"


def test_ops_alerts_say_what_failed_and_which_connection_to_renew():
    doc = fields(compose(ops_alert(), "zh", {"weibo_hot": "weibo_cookie"}))
    assert doc["出了什么问题"].endswith("cookie expired")
    assert "Airflow Connection weibo_cookie" in doc["如何处理"]
    silent = fields(compose(ops_alert(kind="source_silent"), "en"))
    assert "returned nothing for several windows" in silent["What to do"]


def test_ratio_and_sql_command_rendering():
    assert ratio_text(4.25) == "×4.2" and ratio_text(float("inf")) == "×∞" and ratio_text(float("nan")) == "×?"
    command = sql_command('SELECT "x" FROM t WHERE a = \'$HOME\'')
    assert command == 'brandmon sql "SELECT \\"x\\" FROM t WHERE a = \'\\$HOME\'"'


def test_alerts_stored_before_risk_was_kept_quote_the_most_engaged_ties_in_detection_order():
    samples = spike_alert().details.samples
    assert [s.engagement for s in top_samples(samples, 4)] == [1520, 860, 310, 12]
    tied = [replace(s, engagement=5) for s in samples]
    assert top_samples(tied) == tied[:3]


def test_a_severe_complaint_names_its_author_reach_and_why_it_is_severe_in_both_languages():
    zh, en = compose(severe_alert(), "zh"), compose(severe_alert(), "en")
    assert zh.title == "【严重】示例咖啡 严重投诉：美食记者（粉丝 25万）"
    assert en.title == "[CRITICAL] 示例咖啡: severe complaint: 美食记者 (250k followers)"
    assert fields(zh) == {"品牌": "示例咖啡 (demo_coffee)", "类型": "严重投诉 · 严重",
                          "发布时间": "2026-11-26 14:03 (Asia/Shanghai)", "作者": "美食记者 · 粉丝 25万 · 媒体认证",
                          "互动": "320", "严重原因": "食品安全：变质、拉肚子 · 监管与诉讼：12315",
                          "投诉类别": "质量安全 · 退款售后", "投诉原因": "变质（质量安全） · 要求赔偿（退款售后）"}
    assert fields(en)["Why severe"] == "food safety: 变质, 拉肚子 · regulators and courts: 12315"
    assert fields(en)["Author"] == "美食记者 · 250k followers · verified media"
    assert fields(en)["Complaint reasons"] == "spoiled (quality and safety) · compensation demanded (refunds and after-sales)"
    assert zh.sections[0].items[0].meta == "weibo · 美食记者 · 粉丝 25万 · 媒体认证 · 2026-11-26 14:03 · 互动 320 · 负面 · 严重投诉"


def test_a_severe_complaint_from_an_author_of_unknown_reach_names_its_engagement():
    post = replace(severe_alert().details.samples[0], author_followers=None, author_verified=None)
    alert = severe_alert(details=replace(severe_alert().details, samples=[post]))
    assert title(alert, "zh") == "【严重】示例咖啡 严重投诉：美食记者（互动 320）"
    assert title(alert, "en") == "[CRITICAL] 示例咖啡: severe complaint: 美食记者 (engagement 320)"
    assert fields(compose(alert, "zh"))["作者"] == "美食记者"


@pytest.mark.parametrize(("followers", "zh", "en"), [(980, "粉丝 980", "980 followers"), (12_345, "粉丝 1.2万", "12.3k followers"),
                                                     (250_000, "粉丝 25万", "250k followers"),
                                                     (63_357_736, "粉丝 6335.8万", "63.4M followers"),
                                                     (210_000_000, "粉丝 2.1亿", "210M followers")])
def test_followers_read_as_people_say_them(followers, zh, en):
    assert (followers_text("zh", followers), followers_text("en", followers)) == (zh, en)


def test_spikes_carry_their_7_day_chart_in_each_language():
    alert = charted_spike_alert()
    zh, en = compose(alert, "zh").picture, compose(alert, "en").picture
    assert zh.title == "示例咖啡 · 近 7 天每小时声量" and en.title == "示例咖啡: mentions per hour, last 7 days"
    assert (zh.start, zh.end) == (datetime(2026, 11, 19), datetime(2026, 11, 26, 15))  # to the end of the spike's hour
    assert zh.mark == (datetime(2026, 11, 26, 14), datetime(2026, 11, 26, 14, 15))
    assert zh.mark_text == "负面声量激增 ×4.2 · 14:00–14:15" and en.mark_text == "negative mentions spike ×4.2 · 14:00–14:15"
    assert zh.gaps == ((datetime(2026, 11, 19), datetime(2026, 11, 19, 12)),)
    assert (zh.hours[-1], zh.mentions[-1], zh.negatives[-1]) == (datetime(2026, 11, 26, 14), 42, 38)
    assert zh.texts.weekdays[3] == "周四" and en.texts.x_axis == "local time (Asia/Shanghai)"


def test_alerts_without_a_trend_or_of_other_kinds_have_no_chart():
    assert compose(spike_alert(), "zh").picture is None  # stored before trends were kept
    assert compose(replace(charted_spike_alert(), kind="new_topic"), "zh").picture is None
    assert compose(ops_alert(), "en").picture is None and compose(severe_alert(), "en").picture is None


def story_alert() -> Alert:
    """A complaint spike whose top story is 17 copies of one text, quoted by a media account's copy."""
    story = replace(spike_alert().details.samples[1], author="新闻晨报", author_followers=5_200_000,
                    author_verified="media", risk=9.1, copies=17, earliest_local="2026-11-26 13:41",
                    earliest_author="爱喝咖啡的猫", earliest_url="https://weibo.com/1234567890/First1")
    others = [replace(s, risk=r) for s, r in zip(spike_alert().details.samples[2:], (6.0, 2.5))]
    return spike_alert(kind="complaint_spike", details={"samples": [story, *others]})


def test_copies_of_one_text_show_as_one_story_with_its_count_reach_and_earliest_copy():
    zh, en = compose(story_alert(), "zh"), compose(story_alert(), "en")
    assert zh.sections[0].title == "样本帖子（风险最高的在前，相同内容合并）"
    assert zh.sections[0].items[0].meta == (
        "×17（相同或相近内容，最早：爱喝咖啡的猫 2026-11-26 13:41 https://weibo.com/1234567890/First1） · weibo · 新闻晨报 · "
        "粉丝 520万 · 媒体认证 · 2026-11-26 14:03 · 互动 1520 · 负面 · 投诉")
    assert en.sections[0].items[0].meta == (
        "×17 (same or near-same text; earliest: 爱喝咖啡的猫 2026-11-26 13:41 https://weibo.com/1234567890/First1) · "
        "weibo · 新闻晨报 · 5.2M followers · verified media · 2026-11-26 14:03 · engagement 1520 · negative · complaint")
    assert zh.sections[0].items[1].meta.startswith("weibo · 路人甲")  # a post alone says nothing of copies


def test_a_story_quoted_by_its_earliest_copy_says_so():
    story = replace(story_alert().details.samples[0], earliest_local=None, earliest_author=None, earliest_url=None)
    alert = spike_alert(details={"samples": [story]})
    assert compose(alert, "zh").sections[0].items[0].meta.startswith("×17（相同或相近内容，此为最早一条） · ")
    assert compose(alert, "en").sections[0].items[0].meta.startswith("×17 (same or near-same text; this is the earliest)")


def test_stories_keep_the_order_of_their_risk_even_against_engagement():
    alert = story_alert()
    stored = Alert.details_from_json(alert.details_json())  # as the outbox reads it back
    assert stored.samples == alert.details.samples
    doc = compose(replace(alert, details=stored), "en")
    assert [item.url for item in doc.sections[0].items] == [
        "https://weibo.com/1234567890/NwXyZ1", "https://weibo.com/222/Abc", "https://m.weibo.cn/status/4901234567890123"]
    assert "×17 (same or near-same text" in to_text([doc])
def test_with_a_dashboard_url_every_message_links_to_its_page_on_the_dashboard():
    spike, severe, ops, digest = spike_alert(), severe_alert(), ops_alert(), spike_alert(kind="digest")
    base = "https://airflow.example.com/brandmon/"
    for alert, page in ((spike, f"alerts/{spike.alert_id}"), (severe, f"alerts/{severe.alert_id}"),
                        (ops, "sources"), (digest, "")):
        zh, en = compose(alert, "zh", dashboard_url=base), compose(alert, "en", dashboard_url=base)
        assert (zh.sections[-1].title, en.sections[-1].title) == ("看板", "Dashboard")
        assert zh.sections[-1].items[0].url == en.sections[-1].items[0].url == base + page
        assert "打开看板" in zh.sections[-1].items[0].text and "open the dashboard" in en.sections[-1].items[0].text
    assert all(s.title != "Dashboard" for s in compose(spike, "en").sections)
    assert f"{base}alerts/{spike.alert_id}" in to_text([compose(spike, "en", dashboard_url=base.rstrip("/"))])
