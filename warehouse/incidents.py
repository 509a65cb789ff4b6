"""Storing incidents: the `incidents` table, which alert belongs to which (`incident_alerts`), and the
reads the outbox needs to send one message per incident event and thread the updates.

Plain values in and out; the rule that groups alerts is alerts.incidents (pure).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from warehouse.merge import parameter_row, upsert_sql

if TYPE_CHECKING:
    import duckdb

_COLUMNS = ("incident_id, audience, brand, source, brands, kinds, warned_kinds, severity, status, opened_at, "
            "last_alert_at, closed_at, opening_alert_id, steps")
# A delivery in these states carries (or will carry, or was refused for good) a message of its incident.
COVERING = ("pending", "sent", "failed", "held")


@dataclass(frozen=True)
class Incident:
    """One incident as stored: what it is about (a brand for PR, a source for ops), the brands and
    alert kinds seen so far, its highest severity, and when it opened, last heard of and closed."""

    incident_id: str
    audience: str
    brand: str | None
    source: str | None
    brands: tuple[str, ...]
    kinds: tuple[str, ...]
    warned_kinds: tuple[str, ...]  # the kinds seen at warning or above
    severity: str
    status: str
    opened_at: datetime
    last_alert_at: datetime
    closed_at: datetime | None
    opening_alert_id: str
    steps: int


class IncidentLink(NamedTuple):
    """An alert's place in its incident: the step it arrived in, its order and its role."""

    alert_id: str
    incident_id: str
    step: int
    seq: int
    alert_at: datetime
    role: str  # opened | escalated | joined
    run_id: str


class TimelineRow(NamedTuple):
    """An alert of an incident as a message lists it; `details` is the stored JSON."""

    alert_id: str
    brand: str
    kind: str
    severity: str
    subject: str
    observed: float
    expected: float
    details: str
    alert_at: datetime
    step: int
    role: str


def recent_incidents(conn: duckdb.DuckDBPyConnection, audience: str, key: str, at: datetime,
                     close_after: timedelta) -> list[Incident]:
    """The incidents of a brand (pr) or source (ops) last heard of less than `close_after` before
    `at` or later, the latest opened first: the ones an alert at `at` may join."""
    column = "brand" if audience == "pr" else "source"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM incidents WHERE audience = ? AND {column} = ? AND last_alert_at > ? "
        "ORDER BY opened_at DESC, incident_id", [audience, key, at - close_after]).fetchall()
    return [_incident(row) for row in rows]


def save_incident(conn: duckdb.DuckDBPyConnection, incident: Incident) -> None:
    """Insert or update one incident (the caller holds the transaction)."""
    columns = _COLUMNS.split(", ")
    conn.execute(upsert_sql("incidents", parameter_row(columns), columns),
                 [incident.incident_id, incident.audience, incident.brand, incident.source, list(incident.brands),
                  list(incident.kinds), list(incident.warned_kinds), incident.severity, incident.status, incident.opened_at,
                  incident.last_alert_at, incident.closed_at, incident.opening_alert_id, incident.steps])


def link_alerts(conn: duckdb.DuckDBPyConnection, links: Iterable[IncidentLink]) -> None:
    """Record which incident each alert joined (alerts are linked once: new alerts only)."""
    rows = [list(link) for link in links]
    if rows:
        conn.executemany("INSERT INTO incident_alerts (alert_id, incident_id, step, seq, alert_at, role, run_id) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def last_seq(conn: duckdb.DuckDBPyConnection, incident_id: str) -> int:
    """The highest `seq` of an incident's alerts (0 for a new incident)."""
    return conn.execute("SELECT coalesce(max(seq), 0) FROM incident_alerts WHERE incident_id = ?",
                        [incident_id]).fetchone()[0]


def covered_channels(conn: duckdb.DuckDBPyConnection, incident_id: str) -> set[str]:
    """Channels where a message of the incident went out, is on its way, is held for the digest or was
    refused: an alert joining it without escalating is not sent there again."""
    placeholders = ", ".join("?" for _ in COVERING)
    rows = conn.execute(
        f"SELECT DISTINCT d.channel FROM incident_alerts l JOIN deliveries d USING (alert_id) "
        f"WHERE l.incident_id = ? AND d.status IN ({placeholders})", [incident_id, *COVERING]).fetchall()
    return {channel for (channel,) in rows}


def close_quiet_incidents(conn: duckdb.DuckDBPyConnection, reference: datetime, close_after: timedelta) -> int:
    """Close the open incidents last heard of `close_after` or more before `reference`; returns how many.

    `closed_at` is when the quiet period ended (last alert + close_after), whenever a run notices it.
    """
    return conn.execute(
        "UPDATE incidents SET status = 'closed', closed_at = last_alert_at + ? "
        "WHERE status = 'open' AND last_alert_at + ? <= ?", [close_after, close_after, reference]).fetchone()[0]


def incident(conn: duckdb.DuckDBPyConnection, incident_id: str) -> Incident:
    """One incident by id."""
    return _incident(conn.execute(f"SELECT {_COLUMNS} FROM incidents WHERE incident_id = ?",
                                  [incident_id]).fetchone())


def link_of(conn: duckdb.DuckDBPyConnection, alert_id: str) -> IncidentLink | None:
    """The incident an alert belongs to, or None (digests, alerts stored before incidents existed)."""
    row = conn.execute("SELECT alert_id, incident_id, step, seq, alert_at, role, run_id FROM incident_alerts "
                       "WHERE alert_id = ?", [alert_id]).fetchone()
    return IncidentLink(*row) if row else None


def timeline(conn: duckdb.DuckDBPyConnection, incident_id: str, up_to_step: int) -> list[TimelineRow]:
    """The incident's alerts of steps up to `up_to_step`, in the incident's order."""
    rows = conn.execute(
        """SELECT a.alert_id, a.brand, a.kind, a.severity, a.subject, a.observed, a.expected, a.details,
                  l.alert_at, l.step, l.role
           FROM incident_alerts l JOIN alerts a USING (alert_id)
           WHERE l.incident_id = ? AND l.step <= ? ORDER BY l.seq""", [incident_id, up_to_step]).fetchall()
    return [TimelineRow(*row) for row in rows]


def sent_thread(conn: duckdb.DuckDBPyConnection, incident_id: str, channel: str) -> list[tuple[str, int]]:
    """(alert id, step) of each message of this incident sent on `channel`, first first: the thread an
    update replies to, and how far the channel has heard."""
    return conn.execute(
        "SELECT l.alert_id, l.step FROM incident_alerts l JOIN deliveries d USING (alert_id) "
        "WHERE l.incident_id = ? AND d.channel = ? AND d.status = 'sent' ORDER BY l.seq",
        [incident_id, channel]).fetchall()


def earlier_undelivered(conn: duckdb.DuckDBPyConnection, incident_id: str, channel: str, seq: int) -> bool:
    """Whether an earlier message of the incident on `channel` is still to be sent (pending, or failed
    and due for a retry): a later one waits for it, so updates never arrive before what they update."""
    return conn.execute(
        "SELECT count(*) > 0 FROM incident_alerts l JOIN deliveries d USING (alert_id) "
        "WHERE l.incident_id = ? AND d.channel = ? AND l.seq < ? "
        "AND (d.status = 'pending' OR (d.status = 'failed' AND d.next_attempt_at IS NOT NULL))",
        [incident_id, channel, seq]).fetchone()[0]


def _incident(row: tuple) -> Incident:
    (incident_id, audience, brand, source, brands, kinds, warned_kinds, severity, status, opened_at, last_alert_at,
     closed_at, opening_alert_id, steps) = row
    return Incident(incident_id, audience, brand, source, tuple(brands), tuple(kinds), tuple(warned_kinds), severity,
                    status, opened_at, last_alert_at, closed_at, opening_alert_id, steps)
