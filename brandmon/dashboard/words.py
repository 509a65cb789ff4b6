"""The dashboard's words in Chinese and English (alert kinds, severities and reach come from alerts.i18n)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "品牌舆情看板", "overview": "品牌总览", "voice": "声量份额", "sources": "数据源健康",
        "incident": "事件", "incidents": "近期事件", "brand": "品牌", "mentions_day": "24 小时声量",
        "mentions": "声量", "neg_share": "负面占比", "complaints": "投诉", "net": "净情感",
        "open_incidents": "进行中事件", "open_alerts": "进行中预警", "last_days": "近 {days} 天",
        "as_of": "数据截至", "status": "状态", "open": "进行中", "escalated": "已升级", "closed": "已结束", "window": "时间",
        "severity": "级别", "kinds": "预警类型", "alerts": "预警数", "no_incidents": "暂无事件",
        "chart_week": "近 7 天每小时声量，预警时段标红", "chart_episode": "事件前后每 {minutes} 分钟声量",
        "spike": "预警时段", "negative": "负面", "top_posts": "重点帖子（风险高的在前；相同或近似内容合并）",
        "copies": "{n} 条相同", "first_seen": "最早", "engagement": "互动", "risk": "风险", "categories": "投诉类别",
        "reasons": "投诉原因", "topics": "热门话题", "new": "新", "alerted": "已预警", "timeline": "预警时间线",
        "detail": "实际 / 预期，或作者", "deliveries": "送达", "none": "无", "open_post": "原文",
        "share": "份额", "group": "{brand} 与竞品", "chart_share": "每日声量（堆叠），标注 {brand} 的份额",
        "no_competitors": "配置中没有品牌设置竞品（brands.<id>.competitors）。",
        "source": "数据源", "last_window": "最近时间窗", "failing_since": "失败开始于", "error": "错误",
        "windows_24h": "24 小时内时间窗", "failed": "失败", "posts": "帖子", "quarantined": "隔离",
        "runs": "最近运行", "run": "运行", "interval": "数据区间", "finished": "完成于", "new_alerts": "新预警",
        "ops_alerts": "近 7 天数据源预警", "no_data": "还没有数据：先运行流水线（make run），看板读取它发布的只读副本。",
        "not_found": "找不到这个事件或预警。", "back": "返回总览", "signed_in": "已登录：{user}",
        "airflow": "Airflow 界面", "language": "English", "ok": "正常", "partial": "部分成功", "error_status": "失败",
        "what": "内容", "author": "作者", "published": "发布时间", "copies_head": "条数",
    },
    "en": {
        "title": "Brand monitor", "overview": "Brands", "voice": "Share of voice", "sources": "Source health",
        "incident": "Incident", "incidents": "Recent incidents", "brand": "Brand", "mentions_day": "Mentions, 24 h",
        "mentions": "Mentions", "neg_share": "Negative share", "complaints": "Complaints", "net": "Net sentiment",
        "open_incidents": "Open incidents", "open_alerts": "Open alerts", "last_days": "last {days} days",
        "as_of": "Data as of", "status": "Status", "open": "open", "escalated": "escalated", "closed": "closed",
        "window": "When",
        "severity": "Severity", "kinds": "Alert kinds", "alerts": "Alerts", "no_incidents": "No incidents yet",
        "chart_week": "Mentions per hour over 7 days, the alerted period shaded",
        "chart_episode": "Mentions per {minutes} minutes around the incident", "spike": "alerted",
        "negative": "Negative",
        "top_posts": "Posts that matter most (riskiest first; copies and near-copies grouped)",
        "copies": "×{n} copies", "first_seen": "first", "engagement": "engagement", "risk": "risk",
        "categories": "Complaint categories",
        "reasons": "Complaint reasons", "topics": "Hot topics", "new": "new", "alerted": "alerted",
        "timeline": "Timeline of alerts", "detail": "Observed / expected, or author", "deliveries": "Delivered to",
        "none": "none", "open_post": "open", "share": "Share", "group": "{brand} against competitors",
        "chart_share": "Mentions per day (stacked), {brand}'s share written above",
        "no_competitors": "No brand has competitors configured (brands.<id>.competitors).",
        "source": "Source", "last_window": "Latest window", "failing_since": "Failing since", "error": "Error",
        "windows_24h": "Windows in 24 h", "failed": "failed", "posts": "Posts", "quarantined": "Quarantined",
        "runs": "Latest runs", "run": "Run", "interval": "Interval", "finished": "Finished",
        "new_alerts": "New alerts", "ops_alerts": "Source alerts, last 7 days",
        "no_data": "No data yet: run the pipeline first (make run); the dashboard reads the copy it publishes.",
        "not_found": "No such incident or alert.", "back": "Back to the brands", "signed_in": "Signed in as {user}",
        "airflow": "Airflow UI", "language": "中文", "ok": "ok", "partial": "partial", "error_status": "failing",
        "what": "Post", "author": "Author", "published": "Posted", "copies_head": "Copies",
    },
}
LANGUAGES = tuple(WORDS)


def word(lang: str, key: str, **values: object) -> str:
    """The dashboard's word for `key` in `lang`, with `values` filled in."""
    return WORDS[lang][key].format(**values) if values else WORDS[lang][key]
