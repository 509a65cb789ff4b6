"""How an alert explains its posts, from plain rows: no warehouse needed."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alerts.explain import local_day, posts_details, quoted, sentiment_mix, window_local
from warehouse.posts import PostFacts, SamplePost

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai


def fact(label="neg", complaint=False, reasons=(), platform="weibo"):
    return PostFacts(T0, label, complaint, list(reasons), [], platform)


def test_windows_and_days_read_in_the_configured_time_zone():
    assert window_local(SHANGHAI, T0, T0 + timedelta(hours=1)) == "2026-11-26 14:00–15:00 (Asia/Shanghai)"
    midnight = datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)  # 00:00 on the 27th in Shanghai
    assert local_day(SHANGHAI, midnight) == datetime(2026, 11, 26, tzinfo=SHANGHAI)  # the day that just ended
    assert local_day(SHANGHAI, midnight + timedelta(minutes=15)) == datetime(2026, 11, 27, tzinfo=SHANGHAI)


def test_the_mix_names_every_label_and_quotes_are_cut():
    assert sentiment_mix([fact("neg"), fact("neg"), fact("pos")]) == {"pos": 1, "neu": 0, "neg": 2}
    (sample,) = quoted([SamplePost("长" * 300, None, "网友", "weibo", "2026-11-26 14:03", 7, "neg", True)])
    assert len(sample.text) == 280 and (sample.author, sample.engagement) == ("网友", 7)


def test_a_spike_counts_the_reasons_of_its_complaints_only_and_its_top_sources():
    facts = [fact(complaint=True, reasons=("退款", "食品安全")), fact(complaint=True, reasons=("退款",)),
             fact(complaint=False, reasons=("服务",), platform="news"), fact("pos", platform="news"),
             fact("neu", platform="forum"), fact("neu", platform="tieba")]
    details = posts_details("艾克米", "2026-11-26 14:00–15:00 (Asia/Shanghai)", 4.267, ["退款"], facts, [], "SELECT 1")
    assert details.complaint_reasons == [("退款", 2), ("食品安全", 1)]
    assert details.top_sources == [("weibo", 2), ("news", 2), ("forum", 1)]
    assert (details.ratio, details.top_terms, details.query) == (4.27, ["退款"], "SELECT 1")
    assert details.sentiment_mix == {"pos": 1, "neu": 2, "neg": 3}
