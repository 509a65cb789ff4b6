"""What an incident adds to an alert's message: the incident's severity and brands in the title,
【更新】/[Update] on updates, the incident's id and age, why it escalated, and its timeline.

Pure: takes the Document `alerts.compose` made of the alert and the `IncidentContext` the outbox
read, and returns a new Document (plain strings; `alerts.formats` escapes them per channel).
"""

from __future__ import annotations

from dataclasses import replace

from alerts.compose import JOIN, Document, Item, Section, ratio_text, title
from alerts.i18n import incident_word, kind_name, label, severity_name
from alerts.incidents import IncidentContext, TimelineEntry
from alerts.model import Alert


def with_incident(doc: Document, alert: Alert, incident: IncidentContext) -> Document:
    """`doc` (the alert's message in one language) as the message of its incident's event."""
    lang = doc.lang
    brands = incident.brands if incident.audience == "ops" else ()
    names = label(lang, "sep").join(name for _, name in brands) or alert.details.brand_name
    heading = title(replace(alert, severity=incident.severity, details=replace(alert.details, brand_name=names)), lang)
    fields = list(doc.fields)
    if len(brands) > 1:
        fields = [(incident_word(lang, "brands"), JOIN.join(f"{n} ({b})" for b, n in brands))
                  if name == label(lang, "brand") else (name, value) for name, value in fields]
    fields.insert(0, (incident_word(lang, "incident"), f"{incident.incident_id} · " + incident_word(
        lang, "since", opened=incident.opened_local, count=len(incident.timeline))))
    if incident.update:
        heading = incident_word(lang, "update") + heading
        because = _because(lang, incident)
        if because:
            fields.insert(1, (incident_word(lang, "escalated_because"), because))
    sections = list(doc.sections)
    if len(incident.timeline) > 1:
        timeline = Section(incident_word(lang, "timeline"), tuple(_item(lang, e) for e in incident.timeline))
        sections.insert(0 if incident.update else len(sections), timeline)
    return replace(doc, title=heading, fields=tuple(fields), sections=tuple(sections))


def _because(lang: str, incident: IncidentContext) -> str:
    """`严重程度 警告 → 严重 · 新增 投诉激增` / `severity WARNING → CRITICAL · new: complaints spike`."""
    before, kinds = incident.escalation()
    parts = []
    if before:
        parts.append(incident_word(lang, "severity_rose", before=severity_name(lang, before),
                                   after=severity_name(lang, incident.severity)))
    if kinds:
        parts.append(incident_word(lang, "new_kinds", kinds=label(lang, "sep").join(kind_name(lang, k) for k in kinds)))
    return JOIN.join(parts)


def _item(lang: str, entry: TimelineEntry) -> Item:
    """`11:15 严重 投诉激增 ×14.0` with its role (and brand, for ops) underneath."""
    what = kind_name(lang, entry.kind)
    if entry.topic_label:
        what = f"{what}{label(lang, 'colon')}{entry.topic_label}"
    if entry.kind == "severe_complaint":
        size = entry.author or ""
    elif entry.source:
        size = entry.source
    else:
        size = ratio_text(entry.ratio)
    meta = [incident_word(lang, entry.role)]
    if entry.source:
        meta.append(entry.brand_name)
    return Item(text=f"{entry.at_local} {severity_name(lang, entry.severity)} {what} {size}".rstrip(),
                meta=JOIN.join(meta))
