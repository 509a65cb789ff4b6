"""How an alert explains its posts, from plain rows: no warehouse needed."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alerts.explain import local_day, posts_details, quoted, reason_counts, sentiment_mix, window_local
from alerts.model import CategoryCount, ReasonCount
from warehouse.posts import PostFacts, ReasonLabel, SamplePost

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai


NAMES = {"refund_after_sales": ("退款售后", "Refunds and after-sales"), "quality_safety": ("质量安全", "Quality and safety"),
         "service_attitude": ("服务态度", "Service attitude"), "food_safety": ("食品安全", "Food safety")}
REFUND = ReasonLabel("refund_after_sales", "refund_demanded", "要求退款", "refund demanded", "要求退款")
SPOILED = ReasonLabel("quality_safety", "spoiled", "变质", "spoiled", "变质")
RUDE = ReasonLabel("service_attitude", "rude_service", "服务态度差", "rude or poor service", "态度很差")


def fact(label="neg", complaint=False, reasons=(), platform="weibo"):
    categories = tuple(dict.fromkeys(r.category for r in reasons)) if complaint else ()
    return PostFacts(T0, label, complaint, tuple(reasons), categories, [], platform)


def test_windows_and_days_read_in_the_configured_time_zone():
    assert window_local(SHANGHAI, T0, T0 + timedelta(hours=1)) == "2026-11-26 14:00–15:00 (Asia/Shanghai)"
    midnight = datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)  # 00:00 on the 27th in Shanghai
    assert local_day(SHANGHAI, midnight) == datetime(2026, 11, 26, tzinfo=SHANGHAI)  # the day that just ended
    assert local_day(SHANGHAI, midnight + timedelta(minutes=15)) == datetime(2026, 11, 27, tzinfo=SHANGHAI)


def test_the_mix_names_every_label_and_quotes_are_cut():
    assert sentiment_mix([fact("neg"), fact("neg"), fact("pos")]) == {"pos": 1, "neu": 0, "neg": 2}
    (sample,) = quoted([SamplePost("长" * 300, None, "网友", "weibo", "2026-11-26 14:03", 7, "neg", True, 120)])
    assert len(sample.text) == 280 and (sample.author, sample.engagement, sample.author_followers) == ("网友", 7, 120)


def test_a_spike_counts_the_reasons_of_its_complaints_only_and_its_top_sources():
    facts = [fact(complaint=True, reasons=(REFUND, SPOILED)), fact(complaint=True, reasons=(REFUND,)),
             fact(complaint=False, reasons=(RUDE,), platform="news"), fact("pos", platform="news"),
             fact("neu", platform="forum"), fact("neu", platform="tieba")]
    details = posts_details("艾克米", "2026-11-26 14:00–15:00 (Asia/Shanghai)", 4.267, ["退款"], facts, [], "SELECT 1",
                            NAMES)
    assert details.complaint_reasons == [
        ReasonCount("refund_demanded", "要求退款", "refund demanded", "refund_after_sales", "退款售后",
                    "Refunds and after-sales", 2, ("要求退款",)),
        ReasonCount("spoiled", "变质", "spoiled", "quality_safety", "质量安全", "Quality and safety", 1, ("变质",))]
    assert details.complaint_categories == [CategoryCount("refund_after_sales", "退款售后", "Refunds and after-sales", 2),
                                            CategoryCount("quality_safety", "质量安全", "Quality and safety", 1)]
    assert details.top_sources == [("weibo", 2), ("news", 2), ("forum", 1)]
    assert (details.ratio, details.top_terms, details.query) == (4.27, ["退款"], "SELECT 1")
    assert details.sentiment_mix == {"pos": 1, "neu": 2, "neg": 3}


def test_a_post_counts_once_per_reason_and_the_phrases_it_used_are_kept():
    other_words = SPOILED._replace(phrase="馊了")
    counted = reason_counts([(SPOILED, SPOILED), (other_words,), (SPOILED,)], NAMES)
    assert [(r.code, r.count, r.phrases) for r in counted] == [("spoiled", 3, ("变质", "馊了"))]
    assert reason_counts([], NAMES) == []
