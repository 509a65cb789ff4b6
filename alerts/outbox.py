"""The alert outbox in DuckDB: write every alert and its deliveries first, then deliver each once.

Incidents (alerts.incidents): `enqueue` files every new alert into an incident. The alert that
opens or escalates an incident gets a delivery row per routed channel (routed by the incident's
severity); an alert that joins without escalating gets `suppressed` rows (reason
`incident:<incident_id>`) on channels the incident already reached, and ordinary rows only where
it has not (another brand's route for a shared source, or an opening that expired unsent).

Lifecycle of a `deliveries` row (one per alert and channel):
- `enqueue` inserts it (insert-or-ignore, so re-runs and retries never duplicate) as
  `suppressed` (reason `backfill`: backfill runs never deliver; `incident:<id>`: see above), `expired` (reason `stale`: the
  bucket ended more than `alerts.max_alert_age_hours` before the run's reference time), `held`
  (reason `quiet_hours`: a non-critical alert during its route's quiet hours; it goes into the
  next daily digest instead, see alerts.digest) or `pending`.
- `deliver_pending` sends every `pending` row and every `failed` row whose `next_attempt_at` has
  come. Success → `sent` with `sent_at`, committed right after that one send, so a task retry
  never resends what went out. A retryable failure → `failed`, `attempts`+1, `last_error`
  (secrets redacted), `next_attempt_at` = now + exponential backoff. A permanent failure (bad
  address, 4xx) → `failed` with no `next_attempt_at`. A row still undelivered
  `alerts.delivery.expire_after_hours` after its bucket ended (after the request, for a digest an
  operator re-sent: `delivery_deadline`) → `expired`. Rows of one incident go
  out in the incident's order per channel: a row waits (stays `pending`) while an earlier one of
  its incident on that channel is pending or due for a retry, so an update never precedes what it
  updates. A run sends at most one opening and one update per incident and channel: when its steps
  write several updates of one incident on one channel, only the last is kept, and the others become
  `suppressed` (reason `combined:<alert_id>` of the row that carries them: its message shows the
  incident as it stands and every change since the channel last heard of it). A row is an update when its incident already has a sent message on that channel: it is
  rendered as one (【更新】/[Update]) and threads to those messages (email In-Reply-To/References).
Exactly once per channel: the row is the record of the send, committed per delivery; the only gap
is a crash after the receiver accepted and before the commit, which resends the same
`Idempotency-Key` / Message-ID / file key so receivers can drop the duplicate (docs/alerts.md).
The connection must be in auto-commit mode (no open transaction) when `deliver_pending` runs.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from alerts.channels import CHART_KINDS, DeliveryError, Envelope, channel_module, redact, secret_values
from alerts.chart import Renderer, rendered, trend_pngs
from alerts.compose import picture
from alerts.incidents import JOINED, IncidentContext, Step, TimelineEntry, advance, arrivals, rank, taking
from alerts.model import Alert
from alerts.settings import AlertSettings, QuietHours
from warehouse.incidents import (
    IncidentLink,
    TimelineRow,
    close_quiet_incidents,
    covered_channels,
    earlier_undelivered,
    last_seq,
    link_alerts,
    recent_incidents,
    save_incident,
    sent_thread,
    timeline,
)
from warehouse.merge import insert_missing_sql, parameter_row
from warehouse.spread import PostSpread

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from duckdb import DuckDBPyConnection

log = logging.getLogger(__name__)

BACKFILL = "backfill"
_ALERT_COLUMNS = ("brand, kind, audience, severity, subject, bucket_start, bucket_end, observed, expected, "
                  "score, details")


@dataclass(frozen=True)
class Target:
    """One delivery row to write: channel, initial status, reason and (for held rows) release time."""

    channel: str
    status: str
    reason: str | None = None
    next_attempt_at: datetime | None = None


@dataclass
class EnqueueReport:
    alerts_new: int = 0
    alerts_known: int = 0
    deliveries: Counter = field(default_factory=Counter)  # status -> rows newly written
    incidents: Counter = field(default_factory=Counter)  # role (opened, escalated, joined) -> new alerts

    def to_json(self) -> dict[str, Any]:
        return {"alerts_new": self.alerts_new, "alerts_known": self.alerts_known, "deliveries": dict(self.deliveries),
                "incidents": dict(self.incidents)}


@dataclass
class DeliveryReport:
    """What one `deliver_pending` pass did; plain data (`dataclasses.asdict` is JSON-ready)."""

    sent: int = 0
    retryable_failures: int = 0  # will be retried after next_attempt_at: the DAG task raises so Airflow retries
    permanent_failures: int = 0  # refused for good (bad address, 4xx, channel removed); never retried
    expired: int = 0
    queued: int = 0  # pending rows left for a later pass: an earlier message of their incident is not out yet
    waiting: int = 0  # failed rows not yet due after this pass, from this or earlier passes
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # one per row tried, secrets redacted

    def add(self, alert_id: str, channel: str, status: str, attempts: int, error: str | None = None,
            next_attempt_at: datetime | None = None) -> None:
        self.outcomes.append({"alert_id": alert_id, "channel": channel, "status": status, "attempts": attempts,
                              "error": error,
                              "next_attempt_at": next_attempt_at.isoformat() if next_attempt_at else None})
        if status == "sent":
            self.sent += 1
        elif status == "expired":
            self.expired += 1
        elif next_attempt_at is not None:
            self.retryable_failures += 1
        else:
            self.permanent_failures += 1


def enqueue(conn: DuckDBPyConnection, alerts: Iterable[Alert], settings: AlertSettings, run_id: str, run_type: str,
            reference_time: datetime) -> EnqueueReport:
    """Store new alerts, file them into incidents, and write their delivery rows; re-runs add nothing.

    Atomic when the caller wraps it in BEGIN/COMMIT (brandmon.pipeline.detect does); without one,
    a crash midway leaves some rows, and the retried task adds the rest (alerts already stored are
    not filed again). `reference_time` is when the run stands (the edge passes the task's start
    time), used for staleness, quiet hours and the time alerts count at in incidents; `run_type`
    'backfill' suppresses every delivery. Incidents quiet for `alerts.incidents.close_after_hours`
    by then are closed.
    """
    report = EnqueueReport()
    new = [alert for alert in alerts if _insert_alert(conn, alert, run_id, run_type, report)]
    close_after = settings.incidents.close_after
    messages: list[Message] = []
    for arrival in arrivals(new, reference_time):
        found = recent_incidents(conn, arrival.audience, arrival.key, arrival.at, close_after)
        step = advance(taking(found, arrival, close_after), arrival, close_after, reference_time)
        _file(conn, step, arrival.at, run_id)
        for alert, role in step.roles:
            report.incidents[role] += 1
            heard = covered_channels(conn, step.incident.incident_id) if role != JOINED else set()
            added = _insert_deliveries(conn, alert, _targets(conn, alert, role, step, settings, run_type,
                                                             reference_time), report)
            messages += [Message(step.incident.incident_id, t.channel, alert.alert_id, t.channel in heard)
                         for t in added if t.status == "pending"]
    for superseded, carrier in combined(messages):
        conn.execute("UPDATE deliveries SET status = 'suppressed', reason = ? WHERE alert_id = ? AND channel = ?",
                     [f"combined:{carrier}", superseded.alert_id, superseded.channel])
        report.deliveries.subtract(["pending"])
        report.deliveries["suppressed"] += 1
    report.deliveries = +report.deliveries
    close_quiet_incidents(conn, reference_time, close_after)
    return report


class Message(NamedTuple):
    """A pending delivery row an enqueue wrote: one message of an incident on a channel."""

    incident_id: str
    channel: str
    alert_id: str
    update: bool  # the channel had (or was to get) an earlier message of the incident


def combined(messages: Sequence[Message]) -> list[tuple[Message, str]]:
    """At most one opening and one update per incident and channel in a run: of a run's pending updates
    (in the incident's order), all but the last of each incident and channel, each with the alert id
    of the update that carries it (which tells every change since the channel last heard)."""
    last = {(m.incident_id, m.channel): m.alert_id for m in messages if m.update}
    return [(m, last[m.incident_id, m.channel]) for m in messages
            if m.update and last[m.incident_id, m.channel] != m.alert_id]


def _file(conn: DuckDBPyConnection, step: Step, at: datetime, run_id: str) -> None:
    """Store the incident after a step and link the step's alerts to it, in the step's order."""
    incident = step.incident
    save_incident(conn, incident)
    first = last_seq(conn, incident.incident_id) + 1
    link_alerts(conn, [IncidentLink(alert.alert_id, incident.incident_id, incident.steps, first + n, at, role, run_id)
                       for n, (alert, role) in enumerate(step.roles)])


def _targets(conn: DuckDBPyConnection, alert: Alert, role: str, step: Step, settings: AlertSettings, run_type: str,
             reference_time: datetime) -> list[Target]:
    """The delivery rows of one alert of a step (see the module doc); an opening or escalating alert is
    routed, held and sent with the incident's severity."""
    severity = alert.severity if role == JOINED else step.incident.severity
    routed = settings.routed_channels(alert.brand, severity, alert.audience)
    covered = covered_channels(conn, step.incident.incident_id) if role == JOINED and run_type != BACKFILL else set()
    as_sent = replace(alert, severity=severity)
    return [Target(channel, "suppressed", f"incident:{step.incident.incident_id}") if channel in covered
            else Target(channel, *initial_status(as_sent, run_type, reference_time, settings, quiet))
            for channel, quiet in routed]


def initial_status(alert: Alert, run_type: str, reference_time: datetime, settings: AlertSettings,
                   quiet: QuietHours | None) -> tuple[str, str | None, datetime | None]:
    """(status, reason, next_attempt_at) of a new delivery row; see the module doc for the rules."""
    if run_type == BACKFILL:
        return "suppressed", "backfill", None
    if alert.bucket_end < reference_time - settings.max_alert_age:
        return "expired", "stale", None
    if quiet is not None and alert.audience == "pr" and alert.severity != "critical" and quiet.contains(reference_time):
        return "held", "quiet_hours", quiet.end_after(reference_time)
    return "pending", None, None


def store(conn: DuckDBPyConnection, alert: Alert, run_id: str, run_type: str, targets: Iterable[Target],
          report: EnqueueReport) -> bool:
    """Insert-or-ignore an alert outside incidents (digests) and its delivery rows (caller holds the
    transaction); True if new."""
    inserted = _insert_alert(conn, alert, run_id, run_type, report)
    _insert_deliveries(conn, alert, targets, report)
    return inserted


def _insert_alert(conn: DuckDBPyConnection, alert: Alert, run_id: str, run_type: str, report: EnqueueReport) -> bool:
    columns = ["alert_id", *(c.strip() for c in _ALERT_COLUMNS.split(",")), "run_id", "run_type"]
    inserted = conn.execute(
        insert_missing_sql("alerts", parameter_row(columns), columns),
        [alert.alert_id, alert.brand, alert.kind, alert.audience, alert.severity, alert.subject, alert.bucket_start,
         alert.bucket_end, alert.observed, alert.expected, alert.score, alert.details_json(), run_id, run_type],
    ).fetchone()[0]
    if inserted:
        report.alerts_new += 1
    else:
        report.alerts_known += 1
    return bool(inserted)


def _insert_deliveries(conn: DuckDBPyConnection, alert: Alert, targets: Iterable[Target],
                       report: EnqueueReport) -> list[Target]:
    added = []
    columns = ("alert_id", "channel", "status", "reason", "attempts", "next_attempt_at")
    for target in targets:
        if conn.execute(
                insert_missing_sql("deliveries", "VALUES (?, ?, ?, ?, 0, ?)", columns),
                [alert.alert_id, target.channel, target.status, target.reason, target.next_attempt_at]).fetchone()[0]:
            report.deliveries[target.status] += 1
            added.append(target)
    return added


def release_held(conn: DuckDBPyConnection, alert_ids: Sequence[str], into: str) -> int:
    """Mark the rows of these alerts still held by quiet hours as released `into` a digest; returns how many.

    Released rows keep the status `held` and are never delivered on their own (alerts.digest).
    """
    if not alert_ids:
        return 0
    placeholders = ", ".join("?" for _ in alert_ids)
    return conn.execute(
        f"UPDATE deliveries SET reason = ? WHERE status = 'held' AND reason = 'quiet_hours' "
        f"AND alert_id IN ({placeholders})", [into, *alert_ids]).fetchone()[0]


def deliver_pending(conn: DuckDBPyConnection, settings: AlertSettings, channel_secrets: Mapping[str, Mapping[str, Any] | None],
                    now: datetime, render: Renderer = trend_pngs) -> DeliveryReport:
    """Send every due delivery once, committing each result as it happens; see the module doc.

    `channel_secrets` maps channel name → its Connection fields (absent for file channels);
    `now` is the edge's clock. Sends are in bucket order, critical first within a bucket; the rows
    of an incident together, in the incident's order. The charts of the due rows are rendered
    first, each distinct one once, by `render` (in this process by default; the pipeline passes a
    pool), and the channels take their PNGs from that.
    """
    report = DeliveryReport()
    expire_after = settings.delivery.expire_after
    rows = conn.execute(
        f"""SELECT d.alert_id, d.channel, d.attempts, l.incident_id, l.step, l.seq, l.alert_at, l.role, l.run_id,
                   i.audience,
                   {', '.join('a.' + c.strip() for c in _ALERT_COLUMNS.split(','))}
            FROM deliveries d JOIN alerts a USING (alert_id)
            LEFT JOIN incident_alerts l USING (alert_id) LEFT JOIN incidents i USING (incident_id)
            WHERE d.status = 'pending' OR (d.status = 'failed' AND d.next_attempt_at <= ?)
            ORDER BY coalesce(i.opened_at, a.bucket_end), l.incident_id NULLS FIRST, l.seq,
                     a.bucket_end, CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
                     d.alert_id, d.channel""", [now]).fetchall()
    due = [(alert_id, channel_name, attempts, rest[:6], rest[6], _alert(rest[7:]))  # rest[:6]: its incident place
           for alert_id, channel_name, attempts, *rest in rows]
    try:
        charts = rendered((picture(alert, lang) for _, channel_name, _, _, _, alert in due
                           if delivery_deadline(alert, expire_after) > now and _draws_charts(settings, channel_name)
                           for lang in settings.languages), render)
    except Exception:  # a chart that cannot be drawn fails only its own deliveries, when its channel draws it
        log.exception("rendering the run's charts ahead failed; each channel renders its own")
        charts = {}
    for alert_id, channel_name, attempts, placed, audience, alert in due:
        if delivery_deadline(alert, expire_after) <= now:
            reason = f"not delivered within {expire_after} of the bucket end (or of the re-send request)"
            _finish(conn, alert_id, channel_name, "expired", reason=reason)
            report.add(alert_id, channel_name, "expired", attempts)
            continue
        link = IncidentLink(alert_id, *placed) if placed[0] else None
        if link and earlier_undelivered(conn, link.incident_id, channel_name, link.seq):
            report.queued += 1
            continue
        channel = settings.channels.get(channel_name)
        if channel is None:
            error = f"channel {channel_name!r} is no longer configured under alerts.channels"
            _fail(conn, alert_id, channel_name, attempts + 1, error, None)
            report.add(alert_id, channel_name, "failed", attempts + 1, error)
            continue
        secret = channel_secrets.get(channel_name)
        envelope = Envelope(alert=alert, channel=channel_name, languages=settings.languages, now=now,
                            source_connections=settings.source_connections, alert_id=alert_id,
                            dashboard_url=settings.dashboard_url, charts=charts,
                            incident=incident_context(conn, link, audience, channel_name, settings) if link else None)
        try:
            note = channel_module(channel.kind).send(envelope, channel, secret,
                                                     settings.delivery.timeout_seconds)
        except DeliveryError as failure:
            _record_failure(conn, report, settings, envelope, attempts + 1, str(failure), failure.retryable, secret)
            continue
        except Exception as bug:  # a bug in a channel must not lose the alert: retry it like a failure
            log.exception("channel %s crashed delivering %s", channel_name, alert_id)
            _record_failure(conn, report, settings, envelope, attempts + 1, f"{type(bug).__name__}: {bug}", True,
                            secret)
            continue
        _finish(conn, alert_id, channel_name, "sent", reason=redact(note, secret_values(secret)) if note else None,
                sent_at=now, attempts=attempts + 1)
        report.add(alert_id, channel_name, "sent", attempts + 1)
    report.waiting = conn.execute(
        "SELECT count(*) FROM deliveries WHERE status = 'failed' AND next_attempt_at > ?", [now]).fetchone()[0]
    return report


def _draws_charts(settings: AlertSettings, channel_name: str) -> bool:
    channel = settings.channels.get(channel_name)
    return channel is not None and channel.kind in CHART_KINDS


def delivery_deadline(alert: Alert, expire_after: timedelta) -> datetime:
    """When an undelivered alert expires: `expire_after` past its bucket end, or past the operator's
    request for a digest sent on demand (alerts.digest), whichever is later."""
    requested = alert.details.requested_at
    start = max(alert.bucket_end, datetime.fromisoformat(requested)) if requested else alert.bucket_end
    return start + expire_after


def incident_context(conn: DuckDBPyConnection, link: IncidentLink, audience: str, channel: str,
                     settings: AlertSettings) -> IncidentContext:
    """The incident of a delivery as of its alert's step, seen from `channel`: the same on every retry
    (later steps are not shown, and they wait for this one)."""
    rows = timeline(conn, link.incident_id, link.step)
    thread = sent_thread(conn, link.incident_id, channel)
    tz = settings.timezone
    opened = min(row.alert_at for row in rows).astimezone(tz)
    day = link.alert_at.astimezone(tz).date()
    return IncidentContext(
        incident_id=link.incident_id, audience=audience,
        severity=max((row.severity for row in rows), key=rank), opened_local=f"{opened:%Y-%m-%d %H:%M} ({tz.key})",
        step=link.step, role=link.role, timeline=tuple(_entry(row, tz, day) for row in rows),
        thread=tuple(alert_id for alert_id, _ in thread), heard_step=max((step for _, step in thread), default=0))


def _entry(row: TimelineRow, tz: ZoneInfo, day: date) -> TimelineEntry:
    details = json.loads(row.details)
    local = row.alert_at.astimezone(tz)
    samples = details.get("samples") or [{}]
    return TimelineEntry(
        at_local=f"{local:%H:%M}" if local.date() == day else f"{local:%m-%d %H:%M}", step=row.step, role=row.role,
        brand=row.brand, brand_name=details.get("brand_name") or row.brand, kind=row.kind, severity=row.severity,
        ratio=details.get("ratio") or 0.0, topic_label=details.get("topic_label"),
        author=samples[0].get("author") if row.kind == "severe_complaint" else None, source=details.get("source"),
        spread_accelerating=any(PostSpread.from_json(s).accelerating for s in details.get("spread") or ()))


def _record_failure(conn: DuckDBPyConnection, report: DeliveryReport, settings: AlertSettings, envelope: Envelope, attempts: int, error: str,
                    retryable: bool, secret: Mapping[str, Any] | None) -> None:
    error = redact(error, secret_values(secret))[:1000]
    next_at = envelope.now + settings.delivery.backoff(attempts) if retryable else None
    _fail(conn, envelope.alert_id, envelope.channel, attempts, error, next_at)
    report.add(envelope.alert_id, envelope.channel, "failed", attempts, error, next_at)
    log.warning("delivery of %s to %s failed (attempt %d, %s): %s", envelope.alert_id, envelope.channel, attempts,
                "will retry" if retryable else "permanent", error)


def _fail(conn: DuckDBPyConnection, alert_id: str, channel: str, attempts: int, error: str, next_at: datetime | None) -> None:
    conn.execute("UPDATE deliveries SET status = 'failed', attempts = ?, last_error = ?, next_attempt_at = ? "
                 "WHERE alert_id = ? AND channel = ?", [attempts, error, next_at, alert_id, channel])


def _finish(conn: DuckDBPyConnection, alert_id: str, channel: str, status: str, reason: str | None = None,
            sent_at: datetime | None = None, attempts: int | None = None) -> None:
    conn.execute("UPDATE deliveries SET status = ?, reason = coalesce(?, reason), sent_at = ?, "
                 "attempts = coalesce(?, attempts), next_attempt_at = NULL WHERE alert_id = ? AND channel = ?",
                 [status, reason, sent_at, attempts, alert_id, channel])


def _alert(fields: list[Any]) -> Alert:
    brand, kind, audience, severity, subject, start, end, observed, expected, score, details = fields
    return Alert(brand=brand, kind=kind, audience=audience, severity=severity, subject=subject, bucket_start=start,
                 bucket_end=end, observed=observed, expected=expected, score=score,
                 details=Alert.details_from_json(details))
