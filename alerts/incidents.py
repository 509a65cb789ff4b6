"""Incidents: the alerts about one episode grouped, so each channel hears of it once and again only
when it gets worse (pure; the outbox stores what it decides through warehouse.incidents).

The rule:
- **About what.** A PR alert (volume, negative and complaint spikes, new topics, severe complaints)
  belongs to its brand's incidents. An ops alert (source_error, source_silent) belongs to its
  source's incidents, whatever the brand: a shared source failing for three brands is one incident.
- **When.** An alert counts at its bucket's end, or at the run's reference time when that is
  earlier (a topic's and an ops alert's bucket is a whole local day). A run's new alerts are taken
  in time order; those of one brand (or source) and time arrive together, as one *step*.
- **Join.** An incident takes a step at a time `at` with opened_at − close_after < at <
  last_alert_at + close_after (the latest opened such incident); otherwise the step opens a new
  incident.
- **Escalate.** A step escalates its incident when one of its alerts raises the severity
  (info < warning < critical) or brings, at warning or above, a kind the incident has not had at
  warning or above yet, unless a spike it had at warning or above tells the same story
  (`IMPLIED_BY`: a complaint spike after a negative spike and the reverse, a volume spike after
  either; a negative or complaint spike after a volume spike is news). A post of the step's
  alerts whose reposts accelerate past their own earlier rate (`transforms.spread`) escalates too,
  once per incident: it is recorded among the warned kinds as `spread_accelerating`.
- **Lead.** One alert of an opening or escalating step carries the message: the most severe of
  those that open or escalate, then by kind (`LEAD_ORDER`), then by brand and id. The step's other
  alerts *join*: stored and shown in the incident's messages, not sent on their own.
- **Close.** An incident closes once `close_after` (alerts.incidents.close_after_hours, default
  6 hours) passes without a new alert: closed_at = last_alert_at + close_after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from itertools import groupby

from alerts.model import Alert
from warehouse.incidents import Incident

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
WARNING = SEVERITY_RANK["warning"]
SPREAD_ACCELERATING = "spread_accelerating"  # a pseudo-kind among warned_kinds: the spread escalated once
# Which alert of a step carries its message, most severe first, then in this order.
LEAD_ORDER = ("complaint_spike", "severe_complaint", "negative_spike", "new_topic", "volume_spike", "source_error",
              "source_silent")
OPENED, ESCALATED, JOINED = "opened", "escalated", "joined"
# Spikes that tell the same story by another count do not escalate by being new: complaints are
# mostly negative posts (and a negative spike's message already lists their complaint categories
# and reasons), and both are mentions.
IMPLIED_BY = {"negative_spike": ("complaint_spike",), "complaint_spike": ("negative_spike",),
              "volume_spike": ("complaint_spike", "negative_spike")}


@dataclass(frozen=True)
class Arrival:
    """The new alerts of one brand (or source) found for one time: one step of an incident."""

    audience: str
    key: str  # the brand (pr) or the source (ops)
    at: datetime
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class Step:
    """What one arrival did: the incident after it, and each alert's role, the lead first."""

    incident: Incident
    roles: tuple[tuple[Alert, str], ...]

    @property
    def lead(self) -> Alert | None:
        """The alert whose message tells of the opening or escalation; None when every alert joined."""
        alert, role = self.roles[0]
        return alert if role != JOINED else None


def rank(severity: str) -> int:
    """info 0 < warning 1 < critical 2."""
    return SEVERITY_RANK[severity]


def incident_key(alert: Alert) -> tuple[str, str]:
    """(audience, key): the brand for PR alerts, the source for ops alerts."""
    if alert.audience == "ops":
        return "ops", alert.details.source or alert.subject.split(":", 1)[0]
    return "pr", alert.brand


def alert_time(alert: Alert, reference: datetime) -> datetime:
    """When an alert counts for its incident: its bucket's end, or `reference` (the run's time) if earlier."""
    return min(alert.bucket_end, reference)


def arrivals(alerts: Iterable[Alert], reference: datetime) -> list[Arrival]:
    """New alerts grouped into steps: by time, then audience and key; alerts within a step by id."""
    keyed = sorted(((alert_time(a, reference), *incident_key(a), a.alert_id, a) for a in alerts),
                   key=lambda item: item[:4])
    return [Arrival(audience, key, at, tuple(item[-1] for item in group))
            for (at, audience, key), group in groupby(keyed, key=lambda item: item[:3])]


def taking(incidents: Iterable[Incident], arrival: Arrival, close_after: timedelta) -> Incident | None:
    """The incident that takes an arrival: the latest opened of its brand (or source) whose span holds
    its time, if any."""
    at = arrival.at
    found = [i for i in incidents if (i.audience, i.brand if i.audience == "pr" else i.source) == (
        arrival.audience, arrival.key) and i.opened_at - close_after < at < i.last_alert_at + close_after]
    return max(found, key=lambda i: (i.opened_at, i.incident_id), default=None)


def incident_id(audience: str, key: str, at: datetime) -> str:
    """A readable, stable id: `demo_coffee-20261120T0300Z` (pr) or `ops-weibo_search-20261120T0300Z`."""
    stamp = f"{at.astimezone(timezone.utc):%Y%m%dT%H%MZ}"
    return f"{key}-{stamp}" if audience == "pr" else f"ops-{key}-{stamp}"


def advance(current: Incident | None, arrival: Arrival, close_after: timedelta, reference: datetime) -> Step:
    """Apply one arrival to the incident that takes it (None: it opens one); see the module doc."""
    alerts = arrival.alerts
    if current is None:
        lead = _lead(alerts)
        others = _ordered(a for a in alerts if a is not lead)
        opened = Incident(
            incident_id=incident_id(arrival.audience, arrival.key, arrival.at), audience=arrival.audience,
            brand=arrival.key if arrival.audience == "pr" else None,
            source=arrival.key if arrival.audience == "ops" else None,
            brands=(), kinds=(), warned_kinds=(), severity=lead.severity, status="open", opened_at=arrival.at,
            last_alert_at=arrival.at, closed_at=None, opening_alert_id=lead.alert_id, steps=0)
        return Step(_absorb(opened, (lead, *others), arrival.at, close_after, reference),
                    ((lead, OPENED), *((a, JOINED) for a in others)))
    escalating = [a for a in alerts if escalates(current, a)]
    lead = _lead(escalating) if escalating else None
    others = _ordered(a for a in alerts if a is not lead)
    roles = ((lead, ESCALATED),) if lead else ()
    roles += tuple((a, JOINED) for a in others)
    return Step(_absorb(current, tuple(a for a, _ in roles), arrival.at, close_after, reference), roles)


def escalates(incident: Incident, alert: Alert) -> bool:
    """Whether `alert` raises the incident's severity, or brings at warning or above a kind that is new
    to the incident at that level and not implied by one it had (see the module doc)."""
    return rank(alert.severity) > rank(incident.severity) or (
        rank(alert.severity) >= WARNING and news(alert.kind, incident.warned_kinds)) or (
        alert.details.spread_accelerating and SPREAD_ACCELERATING not in incident.warned_kinds)


def news(kind: str, warned_kinds: Iterable[str]) -> bool:
    """Whether `kind` at warning or above is news to an incident that had `warned_kinds` so."""
    known = set(warned_kinds)
    return kind not in known and not known.intersection(IMPLIED_BY.get(kind, ()))


def closing(last_alert_at: datetime, close_after: timedelta, reference: datetime) -> tuple[str, datetime | None]:
    """(status, closed_at) of an incident last heard of at `last_alert_at`, as of `reference`."""
    end = last_alert_at + close_after
    return ("closed", end) if end <= reference else ("open", None)


def _absorb(incident: Incident, alerts: Sequence[Alert], at: datetime, close_after: timedelta,
            reference: datetime) -> Incident:
    last = max(incident.last_alert_at, at)
    status, closed_at = closing(last, close_after, reference)
    return replace(incident, opened_at=min(incident.opened_at, at), last_alert_at=last,
                   severity=max((incident.severity, *(a.severity for a in alerts)), key=rank),
                   kinds=_union(incident.kinds, (a.kind for a in alerts)),
                   warned_kinds=_union(incident.warned_kinds, (a.kind for a in alerts if rank(a.severity) >= WARNING),
                                       (SPREAD_ACCELERATING for a in alerts if a.details.spread_accelerating)),
                   brands=_union(incident.brands, (a.brand for a in alerts)),
                   status=status, closed_at=closed_at, steps=incident.steps + 1)


def _lead(alerts: Sequence[Alert]) -> Alert:
    return min(alerts, key=_lead_key)


def _ordered(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=_lead_key)


def _lead_key(alert: Alert) -> tuple[int, int, str, str]:
    order = LEAD_ORDER.index(alert.kind) if alert.kind in LEAD_ORDER else len(LEAD_ORDER)
    return -rank(alert.severity), order, alert.brand, alert.alert_id


def _union(known: tuple[str, ...], *more: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*known, *(kind for kinds in more for kind in kinds))))


# --- what a message says about its incident ---------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    """One alert of the incident as a message lists it (language-free; alerts.incident_text words it)."""

    at_local: str  # "11:15", or "11-19 23:45" when not on the day of the message's step
    step: int
    role: str
    brand: str
    brand_name: str
    kind: str
    severity: str
    ratio: float
    topic_label: str | None = None
    author: str | None = None  # severe complaints: who wrote it
    source: str | None = None  # ops alerts
    spread_accelerating: bool = False  # a post of the alert spreads faster than its own earlier rate


@dataclass(frozen=True)
class IncidentContext:
    """The incident a delivered alert belongs to, as of the alert's step, seen from one channel.

    `thread` holds the alert ids of this incident's messages already sent on the channel, first
    first: non-empty, the message is an update (【更新】/[Update], an email reply to them);
    `heard_step` is the step of the last of them (0: none), what the update's changes are told against.
    """

    incident_id: str
    audience: str
    severity: str  # after the alert's step
    opened_local: str
    step: int
    role: str
    timeline: tuple[TimelineEntry, ...]
    thread: tuple[str, ...] = ()
    heard_step: int = 0

    @property
    def update(self) -> bool:
        """Whether the channel already has a message of this incident."""
        return bool(self.thread)

    @property
    def event(self) -> str:
        """`opened` for the channel's first message of the incident, `escalated` for an update."""
        return ESCALATED if self.update else OPENED

    @property
    def brands(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of every brand in the incident so far, in order of arrival."""
        return tuple(dict.fromkeys((e.brand, e.brand_name) for e in self.timeline))

    def escalation(self) -> tuple[str | None, tuple[str, ...]]:
        """What changed since the channel last heard (the steps after `heard_step`, up to this one; a run
        combines its steps into one message): the severity before (None if it did not rise) and the
        kinds brought at warning or above for the first time."""
        before = [e for e in self.timeline if e.step <= self.heard_step]
        now = [e for e in self.timeline if e.step > self.heard_step]
        prior = max((e.severity for e in before), key=rank, default=None)
        rose = prior if prior is not None and rank(self.severity) > rank(prior) else None
        known = {e.kind for e in before if rank(e.severity) >= WARNING}
        new = tuple(dict.fromkeys(e.kind for e in now if rank(e.severity) >= WARNING and news(e.kind, known)))
        if any(e.spread_accelerating for e in now) and not any(e.spread_accelerating for e in before):
            new += (SPREAD_ACCELERATING,)
        return rose, new
