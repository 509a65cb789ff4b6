"""The words of alert messages in Chinese and English: labels, kinds, severities, fix hints.

Templates are data here; `alerts.compose` fills them in and `alerts.formats` renders and
escapes them per channel. Add a language by adding a key to every table below.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "brand": "品牌", "kind": "类型", "window": "时间窗", "observed": "实际 / 预期",
        "top_terms": "热词", "sentiment_mix": "情感分布", "complaint_reasons": "投诉原因",
        "top_sources": "主要来源", "samples": "样本帖子（风险最高的在前，相同内容合并）", "query": "查看全部帖子",
        "source": "数据源", "error_kind": "错误类型", "what_failed": "出了什么问题", "what_to_do": "如何处理",
        "link": "原文", "engagement": "互动", "complaint": "投诉", "none": "无",
        "pos": "正面", "neu": "中性", "neg": "负面", "topic": "话题",
        "mentions": "声量", "negatives": "负面", "complaints": "投诉数", "day": "日期",
        "alerts_of_day": "当日预警", "held": "静默时段暂缓，合入本简报", "chart": "每小时声量 / 负面",
        "peak": "峰值", "no_alerts": "当日无预警", "vs_prior": "前 7 日日均",
        "sep": "、", "colon": "：", "complaint_categories": "投诉类别", "severe_complaint": "严重投诉",
        "author": "作者", "followers": "粉丝", "published": "发布时间", "severity_reasons": "严重原因",
        "prior_mean": "前 7 日中 {days} 个完整日的日均", "no_prior": "前 7 日无完整数据可比",
        "missing_data": "数据缺失", "no_day_data": "当日没有加载任何数据",
        "loaded_until": "当日数据不完整：只加载到 {until}", "not_loaded": "未加载时段：{spans}",
        "sources_down": "数据源故障：{sources}", "runs_failed": "{failed}/{runs} 次运行失败",
        "revised": "修订第 {n} 版", "trend_title": "{brand} · 近 7 天每小时声量",
        "digest_trend_title": "{brand} · {day} 及前 7 天每小时声量",
        "chart_mentions": "每小时声量", "chart_negatives": "其中负面", "chart_share": "负面占比（每日）",
        "chart_no_data": "无数据", "chart_y": "帖子数 / 小时", "chart_share_axis": "负面占比",
        "chart_x": "本地时间（{tz}）", "alert_window": "预警时间窗", "digest_day": "简报日", "day_total": "日计 {n}",
        "chart_alt": "图表：{title}",
        "copies": "相同或相近内容", "earliest": "最早", "is_earliest": "此为最早一条",
        "dashboard": "看板", "dashboard_open": "打开看板查看图表和全部帖子",
    },
    "en": {
        "brand": "Brand", "kind": "Kind", "window": "Window", "observed": "Observed / expected",
        "top_terms": "Top terms", "sentiment_mix": "Sentiment mix", "complaint_reasons": "Complaint reasons",
        "top_sources": "Top sources", "samples": "Sample posts (highest risk first, copies grouped)", "query": "See every post",
        "source": "Source", "error_kind": "Error kind", "what_failed": "What failed", "what_to_do": "What to do",
        "link": "link", "engagement": "engagement", "complaint": "complaint", "none": "none",
        "pos": "positive", "neu": "neutral", "neg": "negative", "topic": "Topic",
        "mentions": "Mentions", "negatives": "Negative", "complaints": "Complaints", "day": "Day",
        "alerts_of_day": "Alerts of the day", "held": "held in quiet hours, released in this digest",
        "chart": "Mentions / negative per hour", "peak": "peak", "no_alerts": "no alerts this day",
        "vs_prior": "prior 7-day daily mean", "sep": ", ", "colon": ": ",
        "complaint_categories": "Complaint categories", "severe_complaint": "severe complaint", "author": "Author",
        "followers": "followers", "published": "Posted", "severity_reasons": "Why severe",
        "prior_mean": "daily mean of the {days} complete days among the prior 7",
        "no_prior": "no complete day among the prior 7 to compare with",
        "missing_data": "Missing data", "no_day_data": "no data was loaded for this day",
        "loaded_until": "day incomplete: loaded up to {until}", "not_loaded": "not loaded: {spans}",
        "sources_down": "sources down: {sources}", "runs_failed": "{failed} of {runs} runs failed",
        "revised": "revision {n}", "trend_title": "{brand}: mentions per hour, last 7 days",
        "digest_trend_title": "{brand}: mentions per hour, {day} and the 7 days before",
        "chart_mentions": "mentions per hour", "chart_negatives": "of which negative",
        "chart_share": "negative share (per day)", "chart_no_data": "no data", "chart_y": "posts per hour",
        "chart_share_axis": "negative share", "chart_x": "local time ({tz})", "alert_window": "alert window",
        "digest_day": "digest day", "day_total": "{n}/day", "chart_alt": "Chart: {title}",
        "copies": "same or near-same text", "earliest": "earliest", "is_earliest": "this is the earliest",
        "dashboard": "Dashboard", "dashboard_open": "open the dashboard for the chart and every post",
    },
}

KIND_NAMES: dict[str, dict[str, str]] = {
    "zh": {"volume_spike": "声量激增", "negative_spike": "负面声量激增", "complaint_spike": "投诉激增",
           "new_topic": "新话题", "severe_complaint": "严重投诉", "source_silent": "数据源无数据",
           "source_error": "数据源出错", "digest": "每日简报", "spread_accelerating": "转发正在加速"},
    "en": {"volume_spike": "mention volume spike", "negative_spike": "negative mentions spike",
           "complaint_spike": "complaints spike", "new_topic": "new topic", "severe_complaint": "severe complaint",
           "source_silent": "source silent", "source_error": "source error", "digest": "daily digest",
           "spread_accelerating": "reposts accelerating"},
}

# An author's verification (extractors.record.VERIFIED_KINDS), as a message names it.
VERIFIED_NAMES: dict[str, dict[str, str]] = {
    "zh": {"none": "未认证", "personal": "个人认证", "government": "政务认证", "enterprise": "企业认证",
           "media": "媒体认证", "organization": "机构认证", "talent": "达人", "verified": "已认证"},
    "en": {"none": "not verified", "personal": "verified person", "government": "verified government account",
           "enterprise": "verified company", "media": "verified media", "organization": "verified organisation",
           "talent": "recognised talent", "verified": "verified"},
}

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

SEVERITY_NAMES: dict[str, dict[str, str]] = {
    "zh": {"info": "提示", "warning": "警告", "critical": "严重"},
    "en": {"info": "INFO", "warning": "WARNING", "critical": "CRITICAL"},
}

# What ops should do, by the extractor's error kind (extractors.base.SourceError) or silence.
FIX_HINTS: dict[str, dict[str, str]] = {
    "zh": {
        "auth": "凭据失效（Cookie 过期或遇到登录/验证码墙）：在 Airflow Connection {connection} 中更新 Cookie 或令牌，然后重跑失败的任务。",
        "transient": "暂时性故障（超时、429、5xx），系统会自动重试；若持续超过一小时，请检查来源是否可访问或降低抓取频率。",
        "permanent": "永久性错误（404、配置错误或解析失败）：检查 config/brands.yaml 中该来源的地址和参数，修正后重跑。",
        "silent": "该来源在多个时间窗内没有任何数据：检查来源是否可访问、关键词是否仍然有效、Cookie 是否过期。",
        "unknown": "查看 brand_monitor 中该来源 extract 任务的日志，以及 v_source_health 视图。",
    },
    "en": {
        "auth": "Credentials rejected (cookie expired, or a login/captcha wall): renew the cookie or token in the "
                "Airflow Connection {connection}, then clear the failed task.",
        "transient": "A passing failure (timeout, 429, 5xx); it is retried automatically. If it lasts over an hour, "
                     "check that the source is reachable or lower the fetch rate.",
        "permanent": "A permanent error (404, bad settings or unparseable pages): check the source's URL and "
                     "options in config/brands.yaml, fix them and re-run.",
        "silent": "The source returned nothing for several windows: check that it is reachable, that the keywords "
                  "still match, and that its cookie has not expired.",
        "unknown": "Read the log of the source's extract task in brand_monitor and the v_source_health view.",
    },
}


def label(lang: str, key: str) -> str:
    return LABELS[lang][key]


def kind_name(lang: str, kind: str) -> str:
    return KIND_NAMES[lang].get(kind, kind)


def severity_name(lang: str, severity: str) -> str:
    return SEVERITY_NAMES[lang].get(severity, severity)


def verified_name(lang: str, verified: str) -> str:
    return VERIFIED_NAMES[lang].get(verified, verified)


def followers_text(lang: str, followers: int) -> str:
    """An audience as PR teams say it: `粉丝 25万` / `250k followers`."""
    if lang == "zh":
        scaled = next(((followers / size, unit) for size, unit in ((10**8, "亿"), (10**4, "万")) if followers >= size),
                      (followers, ""))
    else:
        scaled = next(((followers / size, unit) for size, unit in ((10**6, "M"), (10**3, "k")) if followers >= size),
                      (followers, ""))
    number = f"{scaled[0]:.1f}".removesuffix(".0") + scaled[1]
    return f"{label(lang, 'followers')} {number}" if lang == "zh" else f"{number} {label(lang, 'followers')}"


def copies_text(lang: str, copies: int, earliest: tuple[str | None, str | None, str | None] | None) -> str:
    """How many copies a quoted post stands for and where the first one is: `×17（相同或相近内容，
    最早：路人甲 2026-11-26 13:40 https://…）` / `×17 (same or near-same text; earliest: …)`.
    `earliest` is (author, local time, link) of the earliest copy, None when the quoted one is it."""
    where = label(lang, "is_earliest") if earliest is None else (
        f"{label(lang, 'earliest')}{label(lang, 'colon')}{' '.join(part for part in earliest if part)}")
    return (f"×{copies}（{label(lang, 'copies')}，{where}）" if lang == "zh"
            else f"×{copies} ({label(lang, 'copies')}; {where})")


def fix_hint(lang: str, error_kind: str | None, connection: str | None) -> str:
    """The ops hint for an error kind; `connection` names the Connection to renew, if known."""
    template = FIX_HINTS[lang].get(error_kind or "unknown", FIX_HINTS[lang]["unknown"])
    return template.format(connection=connection or ("（该来源配置的 connection）" if lang == "zh"
                                                     else "(the source's configured connection)"))


# Incidents (alerts.incidents): the words an incident's messages add (alerts.incident_text).
INCIDENT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "update": "【更新】", "incident": "事件", "since": "{opened} 起 · 已有 {count} 条预警",
        "escalated_because": "升级原因", "severity_rose": "严重程度 {before} → {after}", "new_kinds": "新增 {kinds}",
        "timeline": "事件进展（至本条消息）", "opened": "开启事件", "escalated": "升级事件",
        "joined": "并入事件（不单独发送）", "brands": "涉及品牌",
    },
    "en": {
        "update": "[Update] ", "incident": "Incident", "since": "since {opened} · alerts so far: {count}",
        "escalated_because": "Escalated because", "severity_rose": "severity {before} → {after}",
        "new_kinds": "new: {kinds}", "timeline": "Incident timeline (up to this message)",
        "opened": "opened the incident", "escalated": "escalated it", "joined": "joined (not sent on its own)",
        "brands": "Brands",
    },
}


# How a post spreads (alerts.spread_text): the section's words, by the acceleration verdict
# (transforms.spread) and for the numbers around it.
SPREAD_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "传播情况（转发链）", "post_of": "{author}的帖子", "reposts": "转发 {total}",
        "seen": "（已抓取 {seen}）", "depth": "最深 {depth} 层", "large_share": "大号转发占 {share}",
        "rates": "最近 {minutes} 分钟 {recent} 次/小时，此前 {before} 次/小时", "test": "（×{ratio}，p={p}）",
        "recent_only": "最近 {minutes} 分钟 {recent} 次/小时", "early": "首小时 {early} 次/小时",
        "accelerating": "正在加速", "steady": "未见加速",
        "too_few": "近期转发太少，无法判断是否加速", "too_young": "发布不久，尚无法判断是否加速",
        "amplifiers": "主要扩散者", "drew": "带来转发 {drawn}", "as_of": "截至 {when}",
    },
    "en": {
        "title": "How it spreads (reposts)", "post_of": "{author}'s post", "reposts": "{total} reposts",
        "seen": " ({seen} read)", "depth": "depth {depth}", "large_share": "{share} by large accounts",
        "rates": "{recent}/h in the last {minutes} min against {before}/h before", "test": " (×{ratio}, p={p})",
        "recent_only": "{recent}/h in the last {minutes} min", "early": "{early}/h in the first hour",
        "accelerating": "accelerating", "steady": "not accelerating",
        "too_few": "too few recent reposts to tell whether it accelerates",
        "too_young": "too new to tell whether it accelerates",
        "amplifiers": "top amplifiers", "drew": "drew {drawn} reposts", "as_of": "as of {when}",
    },
}


def incident_word(lang: str, key: str, **values: object) -> str:
    """An incident phrase in `lang`, with its {placeholders} filled."""
    return INCIDENT_WORDS[lang][key].format(**values)


def spread_word(lang: str, key: str, **values: object) -> str:
    """One phrase of the spread section, filled in: `spread_word("en", "depth", depth=4)`."""
    return SPREAD_WORDS[lang][key].format(**values)
