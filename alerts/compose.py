"""Turn an Alert into a Document: the message's content in one language, before any markup.

A Document holds plain, unescaped strings; `alerts.formats` renders it as text, HTML, chat
Markdown or JSON and escapes every string for the target, so post text can never inject markup.
Spike alerts explain what spiked and how far above normal; ops alerts (source_silent,
source_error) say what failed and what to renew or fix; digests summarise a day with a chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.chart import ChartTexts, TrendPicture
from alerts.i18n import (
    WEEKDAYS,
    copies_text,
    fix_hint,
    followers_text,
    kind_name,
    label,
    severity_name,
    verified_name,
)
from alerts.model import Alert, CategoryCount, Coverage, ReasonCount, SamplePost
from alerts.spread_text import spread_item, spread_title

SAMPLE_COUNT = 3
SAMPLE_CHARS = 140
OPS_KINDS = ("source_silent", "source_error")
SEVERE_COMPLAINT = "severe_complaint"
CHARTED_KINDS = ("volume_spike", "negative_spike", "complaint_spike", "digest")  # messages with a trend chart
JOIN = " · "


@dataclass(frozen=True)
class Item:
    """One list entry: untrusted `text`, an optional link, and a line of details under it."""

    text: str
    url: str | None = None
    meta: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...] = ()
    code: str | None = None  # preformatted text (the query); shown verbatim, escaped per format
    numbered: bool = False


@dataclass(frozen=True)
class Chart:
    """Hourly series for a digest: hour labels and named value lists of the same length."""

    title: str
    hours: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Document:
    lang: str
    title: str
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...] = ()
    chart: Chart | None = None
    link_label: str = "link"
    picture: TrendPicture | None = None  # the 7-day chart (alerts.chart.trend_png), where the alert has one


def compose(alert: Alert, lang: str, source_connections: Mapping[str, str | None] | None = None,
            dashboard_url: str | None = None) -> Document:
    """The Document of `alert` in `lang` (zh or en); `source_connections` names what ops must renew;
    with `dashboard_url`, a last section links to the alert's page on the dashboard."""
    if alert.kind == "digest":
        doc = _digest(alert, lang)
    elif alert.kind in OPS_KINDS:
        doc = _ops(alert, lang, source_connections or {})
    elif alert.kind == SEVERE_COMPLAINT:
        doc = _severe_complaint(alert, lang)
    else:
        doc = _spike(alert, lang)
    if not dashboard_url:
        return doc
    link = Item(label(lang, "dashboard_open"), dashboard_link(dashboard_url, alert))
    return replace(doc, sections=(*doc.sections, Section(label(lang, "dashboard"), (link,))))


def dashboard_link(base: str, alert: Alert) -> str:
    """The dashboard page for an alert: its incident (PR alerts), source health (ops), the brands (digests)."""
    base = base.rstrip("/")
    if alert.kind == "digest":
        return f"{base}/"
    return f"{base}/sources" if alert.kind in OPS_KINDS else f"{base}/alerts/{alert.alert_id}"


def title(alert: Alert, lang: str) -> str:
    """One line naming severity, brand, kind and size, e.g. `【警告】示例咖啡 负面声量激增 ×4.2`."""
    d = alert.details
    what = kind_name(lang, alert.kind)
    if alert.kind == "new_topic" and d.topic_label:
        what = f"{what}{label(lang, 'colon')}{d.topic_label}"
    if alert.kind == "digest":
        if d.revision > 1:
            what = (f"{what}（{label(lang, 'revised').format(n=d.revision)}）" if lang == "zh"
                    else f"{what}, {label(lang, 'revised').format(n=d.revision)}")
        return (f"【{what}】{d.brand_name} {d.window_local}" if lang == "zh"
                else f"[{what[:1].upper()}{what[1:]}] {d.brand_name}, {d.window_local}")
    if alert.kind in OPS_KINDS:
        what = f"{what} {d.source or alert.subject}"
    elif alert.kind == SEVERE_COMPLAINT:
        what = f"{what}{label(lang, 'colon')}{_author_reach(lang, d.samples[0])}" if d.samples else what
    else:
        what = f"{what} {ratio_text(d.ratio)}"
    sev = severity_name(lang, alert.severity)
    return f"【{sev}】{d.brand_name} {what}" if lang == "zh" else f"[{sev}] {d.brand_name}: {what}"


def ratio_text(ratio: float) -> str:
    """`×4.2`; a spike from a zero baseline reads `×∞`."""
    if ratio is None or math.isnan(ratio):
        return "×?"
    return "×∞" if math.isinf(ratio) or ratio >= 1e6 else f"×{ratio:.1f}"


def top_samples(samples: list[SamplePost], count: int = SAMPLE_COUNT) -> list[SamplePost]:
    """The first `count` posts in the order detection gave them (riskiest story first); alerts stored
    before risk was kept quote the most engaged, ties in detection's order."""
    if all(s.risk is None for s in samples):
        return sorted(samples, key=lambda s: -s.engagement)[:count]
    return samples[:count]


def sql_command(query: str) -> str:
    """The shell command that runs `query` read-only: `brandmon sql "…"` with shell quoting."""
    escaped = "".join("\\" + ch if ch in '"\\$`' else ch for ch in " ".join(query.split()))
    return f'brandmon sql "{escaped}"'


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _counts(lang: str, pairs: list[tuple[str, int]] | Mapping[str, int]) -> str:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    text = " · ".join(f"{name} {count}" for name, count in items)
    return text or label(lang, "none")


def category_name(lang: str, zh: str, en: str) -> str:
    """A category as a message names it inline: `质量安全` / `quality and safety`."""
    return zh if lang == "zh" else en[:1].lower() + en[1:]


def reasons_text(lang: str, reasons: list[ReasonCount], counted: bool = True) -> str:
    """Reasons with their category and how many posts gave them, never a code or a score:
    `变质（质量安全）×8 · 要求赔偿（退款售后）×5` / `spoiled (quality and safety) ×8 · …`."""
    parts = []
    for reason in reasons:
        name = reason.zh if lang == "zh" else reason.en
        if reason.category_zh:  # alerts stored before reasons were structured have no category
            category = category_name(lang, reason.category_zh, reason.category_en)
            name = f"{name}（{category}）" if lang == "zh" else f"{name} ({category})"
        parts.append(f"{name}{'' if lang == 'zh' else ' '}×{reason.count}" if counted else name)
    return JOIN.join(parts) or label(lang, "none")


def categories_text(lang: str, categories: list[CategoryCount]) -> str:
    """`质量安全×12 · 退款售后×5` / `quality and safety ×12 · refunds and after-sales ×5`."""
    sep = "" if lang == "zh" else " "
    return JOIN.join(f"{category_name(lang, c.zh, c.en)}{sep}×{c.count}" for c in categories) or label(lang, "none")


def severity_reasons_text(lang: str, reasons: list[ReasonCount]) -> str:
    """What made a complaint severe, with the words the post used: `食品安全：拉肚子 · 监管与诉讼：12315`."""
    colon = label(lang, "colon")
    return JOIN.join(f"{category_name(lang, r.category_zh, r.category_en)}{colon}{label(lang, 'sep').join(r.phrases)}"
                     if r.phrases else category_name(lang, r.category_zh, r.category_en) for r in reasons) or label(lang, "none")


def _author_reach(lang: str, post: SamplePost) -> str:
    """`美食记者（粉丝 25万）` / `美食记者 (250k followers)`; engagement when followers are unknown."""
    reach = (followers_text(lang, post.author_followers) if post.author_followers is not None
             else f"{label(lang, 'engagement')} {post.engagement}")
    author = post.author or post.platform
    return f"{author}（{reach}）" if lang == "zh" else f"{author} ({reach})"


def _mix(lang: str, mix: Mapping[str, int]) -> str:
    return _counts(lang, [(label(lang, k), mix.get(k, 0)) for k in ("pos", "neu", "neg")])


def _sample_item(lang: str, post: SamplePost) -> Item:
    text = " ".join(post.text.split())
    if len(text) > SAMPLE_CHARS:
        text = text[:SAMPLE_CHARS - 1] + "…"
    earliest = (post.earliest_author, post.earliest_local, post.earliest_url) if post.earliest_local else None
    meta = [copies_text(lang, post.copies, earliest) if post.copies > 1 else "", post.platform, post.author or "",
            followers_text(lang, post.author_followers) if post.author_followers is not None else "",
            verified_name(lang, post.author_verified) if post.author_verified not in (None, "none") else "",
            post.published_local, f"{label(lang, 'engagement')} {post.engagement}",
            label(lang, post.label) if post.label in ("pos", "neu", "neg") else post.label]
    if post.complaint:
        meta.append(label(lang, SEVERE_COMPLAINT if post.severity == "severe" else "complaint"))
    return Item(text=text, url=post.url, meta=" · ".join(m for m in meta if m))


def _common_sections(alert: Alert, lang: str) -> list[Section]:
    d = alert.details
    sections = []
    samples = top_samples(d.samples)
    if samples:
        sections.append(Section(label(lang, "samples"), tuple(_sample_item(lang, s) for s in samples), numbered=True))
    if d.spread:  # how the alert's posts spread: top amplifiers, accelerating or not (alerts.spread_text)
        sections.append(Section(spread_title(lang), tuple(Item(*spread_item(lang, s)) for s in d.spread)))
    if d.query:
        sections.append(Section(label(lang, "query"), code=sql_command(d.query)))
    return sections


def _explain_fields(alert: Alert, lang: str) -> list[tuple[str, str]]:
    d = alert.details
    sep = label(lang, "sep")
    return [
        (label(lang, "top_terms"), sep.join(d.top_terms) or label(lang, "none")),
        (label(lang, "sentiment_mix"), _mix(lang, d.sentiment_mix)),
        (label(lang, "complaint_categories"), categories_text(lang, d.complaint_categories)),
        (label(lang, "complaint_reasons"), reasons_text(lang, d.complaint_reasons)),
        (label(lang, "top_sources"), _counts(lang, d.top_sources)),
    ]


def _spike(alert: Alert, lang: str) -> Document:
    d = alert.details
    kind = kind_name(lang, alert.kind)
    fields = [(label(lang, "brand"), f"{d.brand_name} ({alert.brand})"),
              (label(lang, "kind"), f"{kind} · {severity_name(lang, alert.severity)}")]
    if d.topic_label:
        fields.append((label(lang, "topic"), d.topic_label))
    fields += [(label(lang, "window"), d.window_local),
               (label(lang, "observed"), f"{_number(alert.observed)} / {_number(alert.expected)} "
                                          f"({ratio_text(d.ratio)})")]
    fields += _explain_fields(alert, lang)
    return Document(lang=lang, title=title(alert, lang), fields=tuple(fields),
                    sections=tuple(_common_sections(alert, lang)), link_label=label(lang, "link"),
                    picture=picture(alert, lang))


def picture(alert: Alert, lang: str) -> TrendPicture | None:
    """The 7-day chart of a spike or digest in `lang`, from its stored trend; None for other kinds
    and for alerts stored before trends were kept."""
    d = alert.details
    trend = d.trend
    if trend is None or alert.kind not in CHARTED_KINDS:
        return None
    tz = ZoneInfo(trend.timezone)

    def local(moment: datetime) -> datetime:
        return moment.astimezone(tz).replace(tzinfo=None)

    start, end = datetime.fromisoformat(trend.start), datetime.fromisoformat(trend.end)
    if end.minute or end.second:  # a spike's chart ends at the end of its hour
        end = end.replace(minute=0, second=0) + timedelta(hours=1)
    if alert.kind == "digest":
        chart_title = label(lang, "digest_trend_title").format(brand=d.brand_name, day=f"{local(alert.bucket_start):%Y-%m-%d}")
        mark_text, mark_legend = "", label(lang, "digest_day")
    else:
        chart_title = label(lang, "trend_title").format(brand=d.brand_name)
        window = f"{local(alert.bucket_start):%H:%M}–{local(alert.bucket_end):%H:%M}"
        mark_text = f"{kind_name(lang, alert.kind)} {ratio_text(d.ratio)} · {window}"
        mark_legend = label(lang, "alert_window")
    texts = ChartTexts(mentions=label(lang, "chart_mentions"), negatives=label(lang, "chart_negatives"),
                       negative_share=label(lang, "chart_share"), no_data=label(lang, "chart_no_data"),
                       y_axis=label(lang, "chart_y"), share_axis=label(lang, "chart_share_axis"),
                       x_axis=label(lang, "chart_x").format(tz=trend.timezone), mark=mark_legend,
                       day_total=label(lang, "day_total"), weekdays=WEEKDAYS[lang])
    return TrendPicture(
        title=chart_title, start=start, end=end, hours=tuple(datetime.fromisoformat(h) for h, *_ in trend.hours),
        mentions=tuple(m for _, m, _, _ in trend.hours), negatives=tuple(n for _, _, n, _ in trend.hours),
        texts=texts, mark=(local(alert.bucket_start), local(alert.bucket_end)), mark_text=mark_text,
        gaps=tuple((datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in trend.gaps))


def _severe_complaint(alert: Alert, lang: str) -> Document:
    """One severe complaint from an account with reach: who wrote it, how far it goes, why it is severe."""
    d = alert.details
    fields = [(label(lang, "brand"), f"{d.brand_name} ({alert.brand})"),
              (label(lang, "kind"), f"{kind_name(lang, alert.kind)} · {severity_name(lang, alert.severity)}"),
              (label(lang, "published"), d.window_local)]
    if d.samples:
        post = d.samples[0]
        reach = [post.author or post.platform]
        if post.author_followers is not None:
            reach.append(followers_text(lang, post.author_followers))
        if post.author_verified:
            reach.append(verified_name(lang, post.author_verified))
        fields += [(label(lang, "author"), JOIN.join(reach)),
                   (label(lang, "engagement").capitalize(), str(post.engagement))]
    fields += [(label(lang, "severity_reasons"), severity_reasons_text(lang, d.severity_reasons)),
               (label(lang, "complaint_categories"), JOIN.join(category_name(lang, c.zh, c.en)
                                                               for c in d.complaint_categories) or label(lang, "none")),
               (label(lang, "complaint_reasons"), reasons_text(lang, d.complaint_reasons, counted=False))]
    return Document(lang=lang, title=title(alert, lang), fields=tuple(fields),
                    sections=tuple(_common_sections(alert, lang)), link_label=label(lang, "link"))


def _ops(alert: Alert, lang: str, source_connections: Mapping[str, str | None]) -> Document:
    d = alert.details
    source = d.source or alert.subject
    error_kind = "silent" if alert.kind == "source_silent" else d.error_kind
    fields = [(label(lang, "brand"), f"{d.brand_name} ({alert.brand})"),
              (label(lang, "kind"), f"{kind_name(lang, alert.kind)} · {severity_name(lang, alert.severity)}"),
              (label(lang, "source"), source),
              (label(lang, "window"), d.window_local)]
    if d.error_kind:
        fields.append((label(lang, "error_kind"), d.error_kind))
    if d.message:
        fields.append((label(lang, "what_failed"), d.message))
    fields.append((label(lang, "what_to_do"), fix_hint(lang, error_kind, source_connections.get(source))))
    return Document(lang=lang, title=title(alert, lang), fields=tuple(fields),
                    sections=tuple(_common_sections(alert, lang)), link_label=label(lang, "link"))


def _digest(alert: Alert, lang: str) -> Document:
    d = alert.details
    fields = [(label(lang, "brand"), f"{d.brand_name} ({alert.brand})"),
              (label(lang, "day"), d.window_local),
              (label(lang, "mentions"), _mentions_text(alert, lang)),
              (label(lang, "complaints"), str(sum(c for _, _, _, c in d.hourly)))]
    if d.coverage and (missing := missing_data_text(lang, d.coverage)):
        fields.append((label(lang, "missing_data"), missing))
    fields += _explain_fields(alert, lang)
    chart = Chart(title=label(lang, "chart"), hours=tuple(h for h, *_ in d.hourly),
                  series=((label(lang, "mentions"), tuple(m for _, m, _, _ in d.hourly)),
                          (label(lang, "negatives"), tuple(n for _, _, n, _ in d.hourly)))) if d.hourly else None
    alert_items = tuple(_digest_alert_item(lang, a) for a in d.day_alerts)
    sections = [Section(label(lang, "alerts_of_day"), alert_items or (Item(label(lang, "no_alerts")),))]
    sections += _common_sections(alert, lang)
    return Document(lang=lang, title=title(alert, lang), fields=tuple(fields), sections=tuple(sections),
                    chart=chart, link_label=label(lang, "link"), picture=picture(alert, lang))


def _mentions_text(alert: Alert, lang: str) -> str:
    """`120 (前 7 日中 5 个完整日的日均 60, ×2.0)`; digests stored before coverage was kept say `前 7 日日均`."""
    d = alert.details
    observed = _number(alert.observed)
    if d.coverage is None:
        return (f"{observed} ({label(lang, 'vs_prior')} {_number(alert.expected)}, {ratio_text(d.ratio)})"
                if alert.expected else observed)
    if not d.coverage.prior_days:
        return f"{observed} ({label(lang, 'no_prior')})"
    prior = label(lang, "prior_mean").format(days=d.coverage.prior_days)
    return f"{observed} ({prior} {_number(alert.expected)}, {ratio_text(d.ratio)})"


def missing_data_text(lang: str, coverage: Coverage) -> str:
    """What data the day lacks, in words; empty when nothing is missing."""
    parts = []
    if coverage.loaded_until is None:
        parts.append(label(lang, "no_day_data"))
    elif coverage.loaded_until != "24:00":
        parts.append(label(lang, "loaded_until").format(until=coverage.loaded_until))
    inner = [(s, e) for s, e in coverage.gaps if e != "24:00"]  # a gap to the day's end: said by loaded_until
    if inner:
        parts.append(label(lang, "not_loaded").format(spans=label(lang, "sep").join(f"{s}–{e}" for s, e in inner)))
    if coverage.sources_down:
        sources = label(lang, "sep").join(
            f"{o.source}（{o.error_kind or '?'}，{label(lang, 'runs_failed').format(failed=o.failed, runs=o.runs)}）"
            if lang == "zh" else
            f"{o.source} ({o.error_kind or '?'}, {label(lang, 'runs_failed').format(failed=o.failed, runs=o.runs)})"
            for o in coverage.sources_down)
        parts.append(label(lang, "sources_down").format(sources=sources))
    return ("；" if lang == "zh" else "; ").join(parts)


def _digest_alert_item(lang: str, listed: Mapping) -> Item:
    what = kind_name(lang, listed["kind"])
    if listed.get("topic_label"):
        what = f"{what}{label(lang, 'colon')}{listed['topic_label']}"
    size = listed.get("author") or "" if listed["kind"] == SEVERE_COMPLAINT else ratio_text(listed["ratio"])
    text = f"{listed['window_local']} {severity_name(lang, listed['severity'])} {what} {size}".rstrip()
    return Item(text=text, meta=label(lang, "held") if listed.get("held") else "")
