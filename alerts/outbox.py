"""The alert outbox in DuckDB: write every alert and its deliveries first, then deliver each once.

Lifecycle of a `deliveries` row (one per alert and channel):
- `enqueue` inserts it (insert-or-ignore, so re-runs and retries never duplicate) as
  `suppressed` (reason `backfill`: backfill runs never deliver), `expired` (reason `stale`: the
  bucket ended more than `alerts.max_alert_age_hours` before the run's reference time), `held`
  (reason `quiet_hours`: a non-critical alert during its route's quiet hours; it goes into the
  next daily digest instead, see alerts.digest) or `pending`.
- `deliver_pending` sends every `pending` row and every `failed` row whose `next_attempt_at` has
  come. Success → `sent` with `sent_at`, committed right after that one send, so a task retry
  never resends what went out. A retryable failure → `failed`, `attempts`+1, `last_error`
  (secrets redacted), `next_attempt_at` = now + exponential backoff. A permanent failure (bad
  address, 4xx) → `failed` with no `next_attempt_at`. A row still undelivered
  `alerts.delivery.expire_after_hours` after its bucket ended (after the request, for a digest an
  operator re-sent: `delivery_deadline`) → `expired`.
Exactly once per channel: the row is the record of the send, committed per delivery; the only gap
is a crash after the receiver accepted and before the commit, which resends the same
`Idempotency-Key` / Message-ID / file key so receivers can drop the duplicate (docs/alerts.md).
The connection must be in auto-commit mode (no open transaction) when `deliver_pending` runs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from alerts.channels import DeliveryError, Envelope, channel_module, redact, secret_values
from alerts.model import Alert
from alerts.settings import AlertSettings, QuietHours

if TYPE_CHECKING:
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

    def to_json(self) -> dict[str, Any]:
        return {"alerts_new": self.alerts_new, "alerts_known": self.alerts_known, "deliveries": dict(self.deliveries)}


@dataclass
class DeliveryReport:
    """What one `deliver_pending` pass did; plain data (`dataclasses.asdict` is JSON-ready)."""

    sent: int = 0
    retryable_failures: int = 0  # will be retried after next_attempt_at: the DAG task raises so Airflow retries
    permanent_failures: int = 0  # refused for good (bad address, 4xx, channel removed); never retried
    expired: int = 0
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
    """Store alerts and one delivery row per routed channel; re-runs add nothing (insert-or-ignore).

    Atomic when the caller wraps it in BEGIN/COMMIT (brandmon.pipeline.detect does); without one,
    a crash midway leaves some rows, and the retried task adds the rest.
    `reference_time` is when the run stands (the edge passes the task's start time), used for
    staleness and quiet hours; `run_type` 'backfill' suppresses every delivery.
    """
    report = EnqueueReport()
    for alert in alerts:
        routed = settings.routed_channels(alert.brand, alert.severity, alert.audience)
        targets = [Target(channel, *initial_status(alert, run_type, reference_time, settings, quiet))
                   for channel, quiet in routed]
        store(conn, alert, run_id, run_type, targets, report)
    return report


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
    """Insert-or-ignore the alert and its delivery rows (caller holds the transaction); True if new."""
    inserted = conn.execute(
        f"INSERT OR IGNORE INTO alerts (alert_id, {_ALERT_COLUMNS}, run_id, run_type) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [alert.alert_id, alert.brand, alert.kind, alert.audience, alert.severity, alert.subject, alert.bucket_start,
         alert.bucket_end, alert.observed, alert.expected, alert.score, alert.details_json(), run_id, run_type],
    ).fetchone()[0]
    if inserted:
        report.alerts_new += 1
    else:
        report.alerts_known += 1
    for target in targets:
        added = conn.execute(
            "INSERT OR IGNORE INTO deliveries (alert_id, channel, status, reason, attempts, next_attempt_at) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            [alert.alert_id, target.channel, target.status, target.reason, target.next_attempt_at]).fetchone()[0]
        if added:
            report.deliveries[target.status] += 1
    return bool(inserted)


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
                    now: datetime) -> DeliveryReport:
    """Send every due delivery once, committing each result as it happens; see the module doc.

    `channel_secrets` maps channel name → its Connection fields (absent for file channels);
    `now` is the edge's clock. Sends are in bucket order, critical first within a bucket.
    """
    report = DeliveryReport()
    expire_after = settings.delivery.expire_after
    rows = conn.execute(
        f"""SELECT d.alert_id, d.channel, d.attempts, {', '.join('a.' + c.strip() for c in _ALERT_COLUMNS.split(','))}
            FROM deliveries d JOIN alerts a USING (alert_id)
            WHERE d.status = 'pending' OR (d.status = 'failed' AND d.next_attempt_at <= ?)
            ORDER BY a.bucket_end, CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
                     d.alert_id, d.channel""", [now]).fetchall()
    for alert_id, channel_name, attempts, *fields in rows:
        alert = _alert(fields)
        if delivery_deadline(alert, expire_after) <= now:
            reason = f"not delivered within {expire_after} of the bucket end (or of the re-send request)"
            _finish(conn, alert_id, channel_name, "expired", reason=reason)
            report.add(alert_id, channel_name, "expired", attempts)
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
                            dashboard_url=settings.dashboard_url)
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


def delivery_deadline(alert: Alert, expire_after: timedelta) -> datetime:
    """When an undelivered alert expires: `expire_after` past its bucket end, or past the operator's
    request for a digest sent on demand (alerts.digest), whichever is later."""
    requested = alert.details.requested_at
    start = max(alert.bucket_end, datetime.fromisoformat(requested)) if requested else alert.bucket_end
    return start + expire_after


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
