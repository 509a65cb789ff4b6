"""alerts.incident_text: what an incident adds to a message, in Chinese and English."""

from dataclasses import replace

from alerts.channels import Envelope
from alerts.formats import to_text
from alerts.incidents import IncidentContext, TimelineEntry

from .alert_fixtures import JUST_AFTER, ops_alert, severe_alert, spike_alert

OPENED = TimelineEntry("14:15", 1, "opened", "demo_coffee", "示例咖啡", "severe_complaint", "critical", 0.0,
                       author="美食记者")
TOPIC = TimelineEntry("14:30", 2, "escalated", "demo_coffee", "示例咖啡", "new_topic", "warning", 6.0,
                      topic_label="咖啡机爆炸")
VOLUME = TimelineEntry("14:30", 2, "joined", "demo_coffee", "示例咖啡", "volume_spike", "info", 2.5)


def texts(alert, incident) -> tuple[str, str]:
    zh, en = Envelope(alert=alert, channel="c", languages=("zh", "en"), now=JUST_AFTER, incident=incident).documents()
    return to_text([zh]), to_text([en])


def test_an_update_says_why_it_escalated_and_lists_the_incident_so_far():
    topic = spike_alert(kind="new_topic", subject="咖啡机", details={"topic_label": "咖啡机爆炸", "ratio": 6.0})
    incident = IncidentContext("demo_coffee-20261126T0615Z", "pr", "critical", "2026-11-26 14:15 (Asia/Shanghai)", 2,
                               "escalated", (OPENED, TOPIC, VOLUME), thread=(severe_alert().alert_id,), heard_step=1)
    zh, en = texts(topic, incident)
    assert zh.startswith("【更新】【严重】示例咖啡 新话题：咖啡机爆炸 ×6.0\n")
    assert en.startswith("[Update] [CRITICAL] 示例咖啡: new topic: 咖啡机爆炸 ×6.0\n")
    assert "事件: demo_coffee-20261126T0615Z · 2026-11-26 14:15 (Asia/Shanghai) 起 · 已有 3 条预警\n升级原因: 新增 新话题\n" in zh
    assert "Incident: demo_coffee-20261126T0615Z · since 2026-11-26 14:15 (Asia/Shanghai) · alerts so far: 3\n" \
           "Escalated because: new: new topic\n" in en
    assert "类型: 新话题 · 警告" in zh  # the alert keeps its own severity
    timeline = zh.split("事件进展（至本条消息）\n")[1]
    assert timeline.startswith("- 14:15 严重 严重投诉 美食记者\n   开启事件\n- 14:30 警告 新话题：咖啡机爆炸 ×6.0\n   升级事件\n"
                               "- 14:30 提示 声量激增 ×2.5\n   并入事件（不单独发送）\n")
    assert zh.index("事件进展") < zh.index("样本帖子")  # what changed comes first in an update


def test_a_first_message_is_an_opening_even_when_the_incident_escalated():
    incident = IncidentContext("demo_coffee-20261126T0615Z", "pr", "critical", "2026-11-26 14:15 (Asia/Shanghai)", 2,
                               "escalated", (OPENED, TOPIC))
    zh, en = texts(spike_alert(kind="new_topic", details={"topic_label": "咖啡机爆炸"}), incident)
    assert zh.startswith("【严重】示例咖啡 新话题") and "升级原因" not in zh and en.startswith("[CRITICAL]")
    assert zh.index("样本帖子") < zh.index("事件进展")


def test_an_opening_alone_adds_only_the_incident_line():
    alert = severe_alert()
    incident = IncidentContext("demo_coffee-20261126T0615Z", "pr", "critical", "2026-11-26 14:15 (Asia/Shanghai)", 1,
                               "opened", (OPENED,))
    zh, _ = texts(alert, incident)
    plain = to_text([Envelope(alert=alert, channel="c", languages=("zh",), now=JUST_AFTER).documents()[0]])
    incident_line = "事件: demo_coffee-20261126T0615Z · 2026-11-26 14:15 (Asia/Shanghai) 起 · 已有 1 条预警\n"
    assert zh == plain.replace("\n\n", "\n\n" + incident_line, 1)


def test_a_source_incident_names_every_brand_it_concerns():
    tea = replace(OPENED, brand="demo_tea", brand_name="样板茶饮", kind="source_error", severity="warning",
                  role="joined", source="weibo_hot", author=None)
    coffee = replace(tea, brand="demo_coffee", brand_name="示例咖啡", role="opened")
    incident = IncidentContext("ops-weibo_hot-20261126T0615Z", "ops", "warning", "2026-11-26 14:15 (Asia/Shanghai)", 1,
                               "opened", (coffee, tea))
    zh, en = texts(ops_alert(), incident)
    assert zh.startswith("【警告】示例咖啡、样板茶饮 数据源出错 weibo_hot\n")
    assert en.startswith("[WARNING] 示例咖啡, 样板茶饮: source error weibo_hot\n")
    assert "涉及品牌: 示例咖啡 (demo_coffee) · 样板茶饮 (demo_tea)\n" in zh and "品牌: 示例咖啡 (demo_coffee)\n" not in zh
    assert "- 14:15 警告 数据源出错 weibo_hot\n   并入事件（不单独发送） · 样板茶饮" in zh


def test_an_update_for_an_accelerating_spread_says_so():
    spreading = replace(VOLUME, role="escalated", kind="negative_spike", severity="critical", spread_accelerating=True)
    incident = IncidentContext("demo_coffee-20261126T0615Z", "pr", "critical", "2026-11-26 14:15 (Asia/Shanghai)", 2,
                               "escalated", (OPENED, spreading), thread=(severe_alert().alert_id,), heard_step=1)
    zh, en = texts(spike_alert(severity="critical"), incident)
    assert "升级原因: 新增 负面声量激增、转发正在加速\n" in zh
    assert "Escalated because: new: negative mentions spike, reposts accelerating\n" in en


def test_an_update_combining_a_run_s_steps_tells_every_change_since_the_channel_last_heard():
    negative = replace(VOLUME, step=2, role="escalated", kind="negative_spike", severity="warning", ratio=4.0)
    complaint = replace(VOLUME, at_local="14:45", step=3, role="escalated", kind="complaint_spike",
                        severity="critical", ratio=9.0)
    warned = replace(OPENED, kind="volume_spike", severity="warning", author=None)
    incident = IncidentContext("demo_coffee-20261126T0615Z", "pr", "critical", "2026-11-26 14:15 (Asia/Shanghai)", 3,
                               "escalated", (warned, negative, complaint), thread=(severe_alert().alert_id,),
                               heard_step=1)
    zh, en = texts(spike_alert(kind="complaint_spike", severity="critical"), incident)
    assert "升级原因: 严重程度 警告 → 严重 · 新增 负面声量激增、投诉激增\n" in zh
    assert "Escalated because: severity WARNING → CRITICAL · new: negative mentions spike, complaints spike\n" in en
