"""What each dashboard page shows: warehouse reads (warehouse.dashboard) turned into the texts, numbers
and charts a template lays out, in one language. No SQL and no HTTP here."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from alerts.compose import OPS_KINDS
from alerts.i18n import followers_text, kind_name, severity_name, verified_name
from brandmon.dashboard import svg
from brandmon.dashboard.words import word
from warehouse import dashboard as reads
from warehouse.posts import PostSelection, SamplePost, top_posts
from warehouse.runs import source_states

if TYPE_CHECKING:
    import duckdb

GLANCE_DAYS = 7
RECENT_INCIDENTS = 20
TOP_POSTS = 10
VOICE_DAYS = 14
POST_CHARS = 220
HOUR = timedelta(hours=1)
EPISODE_BEFORE, EPISODE_AFTER = timedelta(hours=6), timedelta(hours=2)


class NotFound(LookupError):
    """No incident or alert by that id."""


def _local(moment: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt) if moment else ""


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    return f"{_local(start, zone)}–{_local(end, zone, '%H:%M' if same_day else '%Y-%m-%d %H:%M')}"


def _incident_row(incident: reads.Incident, names: dict[str, str], zone: ZoneInfo, lang: str) -> dict[str, Any]:
    return {"id": incident.incident_id, "brand": names.get(incident.brand, incident.brand),
            "window": _span(incident.start, incident.end, zone), "severity": incident.severity,
            "severity_name": severity_name(lang, incident.severity), "status": incident.status,
            "status_name": word(lang, incident.status), "alerts": len(incident.alert_ids),
            "kinds": " · ".join(kind_name(lang, k) for k in incident.kinds)}


def overview(conn: duckdb.DuckDBPyConnection, lang: str) -> dict[str, Any]:
    """Brands at a glance (volume, negative share, complaints, open incidents) and the latest incidents."""
    at = reads.as_of(conn)
    if at is None:
        return {"empty": True}
    zone = reads.local_zone(conn)
    found = reads.incidents(conn)
    names = reads.brand_names(conn)
    brands = []
    for glance in reads.brands_at_a_glance(conn, at, GLANCE_DAYS, found):
        brands.append({
            "id": glance.brand, "name": glance.name, "mentions_day": glance.mentions_day, "mentions": glance.mentions,
            "neg_share": _share(glance.neg, glance.mentions), "complaints": glance.complaints,
            "net": "–" if glance.net_sentiment is None else f"{glance.net_sentiment:+.2f}",
            "open_incidents": glance.open_incidents, "open_alerts": glance.open_alerts,
            "sparkline": svg.sparkline([m for _, m, _ in glance.daily], [n for *_, n in glance.daily],
                                       f"{glance.name}: " + ", ".join(f"{d[5:]} {m}" for d, m, _ in glance.daily))})
    return {"empty": False, "as_of": _local(at, zone), "zone": zone.key, "days": GLANCE_DAYS, "brands": brands,
            "incidents": [_incident_row(i, names, zone, lang) for i in found[:RECENT_INCIDENTS]]}


def incident_of_alert(conn: duckdb.DuckDBPyConnection, alert_id: str) -> str:
    """The id of the incident an alert belongs to (what an alert's link opens); NotFound if none."""
    found = reads.incident_of_alert(reads.incidents(conn), alert_id)
    if found is None:
        raise NotFound(alert_id)
    return found.incident_id


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _week_chart(conn: duckdb.DuckDBPyConnection, incident: reads.Incident, at: datetime, zone: ZoneInfo,
                lang: str) -> str:
    """Hourly mentions over the 7 local days up to the incident's end (or now, while open), spike shaded."""
    end = _floor_hour(min(max(at, incident.end), incident.end + EPISODE_AFTER) - timedelta(microseconds=1)) + HOUR
    first_day = end.astimezone(zone).date() - timedelta(days=6)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone).astimezone(end.tzinfo)
    points = reads.counts(conn, incident.brand, start, end, HOUR)
    marked = (int((_floor_hour(incident.start) - start) / HOUR), int((incident.end - start - timedelta(seconds=1)) / HOUR))
    return svg.volume_chart([_local(p.start, zone, "%m-%d") for p in points], [p.mentions for p in points],
                            [p.neg for p in points], [p.complaints for p in points],
                            (word(lang, "mentions"), word(lang, "negative"), word(lang, "complaints")),
                            word(lang, "chart_week"), mark=marked, mark_label=word(lang, "spike"), tick_every=24)


def _episode_chart(conn: duckdb.DuckDBPyConnection, incident: reads.Incident, at: datetime, bucket: timedelta,
                   zone: ZoneInfo, lang: str) -> str:
    """The incident's buckets with six hours before it and two after (no further than the data goes)."""
    start = incident.start - EPISODE_BEFORE
    end = max(min(incident.end + EPISODE_AFTER, at), incident.end)
    points = reads.counts(conn, incident.brand, start, end, bucket)
    marked = (int((incident.start - start) / bucket), int((incident.end - start) / bucket) - 1)
    minutes = int(bucket.total_seconds() // 60)
    return svg.volume_chart([_local(p.start, zone, "%H:%M") for p in points], [p.mentions for p in points],
                            [p.neg for p in points], [p.complaints for p in points],
                            (word(lang, "mentions"), word(lang, "negative"), word(lang, "complaints")),
                            word(lang, "chart_episode", minutes=minutes), mark=marked,
                            mark_label=word(lang, "spike"), tick_every=max(int(HOUR / bucket), 1))


def _post(story: SamplePost, lang: str) -> dict[str, Any]:
    text = " ".join(story.text.split())
    reach = [followers_text(lang, story.author_followers)] if story.author_followers is not None else []
    if story.author_verified and story.author_verified != "none":
        reach.append(verified_name(lang, story.author_verified))
    return {"text": text if len(text) <= POST_CHARS else text[:POST_CHARS - 1] + "…", "url": story.url,
            "author": story.author or story.platform, "reach": " · ".join(reach), "platform": story.platform,
            "published": story.published_local, "first": story.earliest_local or story.published_local,
            "copies": story.copies, "copies_text": word(lang, "copies", n=story.copies) if story.copies > 1 else "",
            "engagement": story.engagement, "label": story.label, "complaint": story.complaint,
            "severe": story.severity == "severe", "risk": "" if story.risk is None else f"{story.risk:.2f}"}


def _timeline_row(entry: reads.TimelineEntry, zone: ZoneInfo, lang: str) -> dict[str, Any]:
    details = json.loads(entry.details)
    what = kind_name(lang, entry.kind)
    if details.get("topic_label"):
        what = f"{what}: {details['topic_label']}"
    if entry.kind == "severe_complaint" and details.get("samples"):
        sample = details["samples"][0]
        size = sample.get("author") or sample.get("platform") or ""
    elif entry.kind in OPS_KINDS:
        size = details.get("message") or ""
    else:
        ratio = entry.observed / max(entry.expected, 1)
        size = f"{entry.observed:.0f} / {entry.expected:.0f} (×{ratio:.1f})"
    return {"time": _span(entry.bucket_start, entry.bucket_end, zone), "severity": entry.severity,
            "severity_name": severity_name(lang, entry.severity), "what": what, "size": size,
            "deliveries": " · ".join(f"{channel}: {status}" for channel, status in entry.deliveries) or word(lang, "none")}


def incident(conn: duckdb.DuckDBPyConnection, incident_id: str, bucket: timedelta, lang: str) -> dict[str, Any]:
    """One incident: the two charts, its posts grouped, complaint categories and reasons, topics, timeline."""
    at = reads.as_of(conn)
    found = next((i for i in reads.incidents(conn) if i.incident_id == incident_id), None) if at else None
    if found is None:
        raise NotFound(incident_id)
    zone = reads.local_zone(conn)
    names = reads.brand_names(conn)
    categories = reads.complaint_categories(conn, found.brand, found.start, found.end)
    category_items = [(c.zh if lang == "zh" else c.en, c.count) for c in categories]
    return {
        **_incident_row(found, names, zone, lang), "brand_id": found.brand, "as_of": _local(at, zone), "zone": zone.key,
        "week_chart": _week_chart(conn, found, at, zone, lang),
        "episode_chart": _episode_chart(conn, found, at, bucket, zone, lang),
        "episode_caption": word(lang, "chart_episode", minutes=int(bucket.total_seconds() // 60)),
        "posts": [_post(story, lang)
                  for story in top_posts(conn, PostSelection(found.brand, found.start, found.end), TOP_POSTS)],
        "categories_chart": svg.bar_list(category_items, word(lang, "categories")) if category_items else "",
        "reasons": [(r.zh if lang == "zh" else r.en, r.count)
                    for r in reads.complaint_reasons(conn, found.brand, found.start, found.end, 8)],
        "topics": [{"label": t.label, "volume": t.volume, "new": t.is_new, "alerted": t.alerted}
                   for t in reads.hot_topics(conn, found.brand, found.start, found.end, 8)],
        "timeline": [_timeline_row(e, zone, lang) for e in reads.timeline(conn, found.alert_ids)],
    }


def voice(conn: duckdb.DuckDBPyConnection, lang: str) -> dict[str, Any]:
    """Each brand with competitors: its share of the group's mentions per day and over the period."""
    at = reads.as_of(conn)
    if at is None:
        return {"empty": True}
    zone = reads.local_zone(conn)
    last = at.astimezone(zone).date()
    days = [(last - timedelta(days=n)).isoformat() for n in range(VOICE_DAYS - 1, -1, -1)]
    names = reads.brand_names(conn)
    groups = []
    for brand, members in reads.voice_groups(conn).items():
        by_day = {(v.day, v.brand): v.mentions for v in reads.voice_by_day(conn, members, days[0], days[-1])}
        series = [(names.get(m, m), [by_day.get((d, m), 0) for d in days]) for m in members]
        totals = reads.voice_totals(conn, members, days[0], days[-1])
        groups.append({
            "brand": names.get(brand, brand), "id": brand,
            "chart": svg.stacked_days(days, series, word(lang, "chart_share", brand=names.get(brand, brand))),
            "totals": [{"name": t.name, "mentions": t.mentions, "share": "–" if t.share is None else f"{t.share:.1%}",
                        "neg_share": _share(t.neg, t.mentions), "complaints": t.complaints} for t in totals]})
    return {"empty": False, "as_of": _local(at, zone), "zone": zone.key, "days": VOICE_DAYS, "groups": groups}


def sources(conn: duckdb.DuckDBPyConnection, lang: str) -> dict[str, Any]:
    """Each brand × source's latest state and last 24 hours, the latest runs, and recent source alerts."""
    at = reads.as_of(conn)
    if at is None:
        return {"empty": True}
    zone = reads.local_zone(conn)
    activity = {(a.brand, a.source): a for a in reads.source_activity(conn, at - timedelta(hours=24))}
    names = reads.brand_names(conn)
    rows = []
    for state in source_states(conn):
        recent = activity.get((state.brand, state.source))
        status_key = {"ok": "ok", "partial": "partial"}.get(state.status, "error_status")
        rows.append({"brand": names.get(state.brand, state.brand), "source": state.source,
                     "last_window": _local(state.last_window_end, zone), "status": state.status,
                     "status_name": word(lang, status_key), "failing_since": _local(state.failing_since, zone),
                     "error": " · ".join(x for x in (state.error_kind, state.message) if x),
                     "windows": recent.windows if recent else 0, "failed": recent.failed if recent else 0,
                     "posts": recent.posts if recent else 0, "quarantined": recent.quarantined if recent else 0})
    runs = [{"id": r.run_id, "type": r.run_type, "interval": _span(r.interval_start, r.interval_end, zone),
             "finished": _local(r.finished_at, zone), "alerts": r.alerts_new} for r in reads.recent_runs(conn, 20)]
    alerts = [_timeline_row(e, zone, lang) for e in reads.ops_alerts(conn, at - timedelta(days=7))]
    return {"empty": False, "as_of": _local(at, zone), "zone": zone.key, "sources": rows, "runs": runs,
            "alerts": alerts}
