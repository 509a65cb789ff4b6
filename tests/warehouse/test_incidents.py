"""warehouse.incidents on a real DuckDB file: incidents stored and read back, closed after their quiet
period, and what the outbox asks of them (channels covered, earlier messages still to send)."""

from dataclasses import replace
from datetime import timedelta

from warehouse.incidents import (
    Incident,
    IncidentLink,
    close_quiet_incidents,
    covered_channels,
    earlier_undelivered,
    incident,
    link_alerts,
    recent_incidents,
    save_incident,
    sent_thread,
)

from .conftest import T0

SIX_HOURS = timedelta(hours=6)
OPEN = Incident("acme-20261126T0600Z", "pr", "acme", None, ("acme",), ("negative_spike",), ("negative_spike",),
                "warning", "open", T0, T0 + timedelta(hours=1), None, "a1", 2)


def deliveries(conn, rows):
    for alert_id, channel, status, next_at in rows:
        conn.execute("INSERT INTO deliveries (alert_id, channel, status, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?)",
                     [alert_id, channel, status, next_at])


def test_an_incident_is_read_back_as_saved_and_found_while_its_quiet_period_lasts(warehouse):
    save_incident(warehouse, OPEN)
    assert incident(warehouse, OPEN.incident_id) == OPEN
    assert recent_incidents(warehouse, "pr", "acme", T0 + timedelta(hours=6, minutes=59), SIX_HOURS) == [OPEN]
    assert recent_incidents(warehouse, "pr", "acme", T0 + timedelta(hours=7), SIX_HOURS) == []
    assert recent_incidents(warehouse, "ops", "acme", T0, SIX_HOURS) == []  # a source of that name is not the brand
    save_incident(warehouse, replace(OPEN, severity="critical", steps=3))
    assert incident(warehouse, OPEN.incident_id).severity == "critical"


def test_quiet_incidents_close_when_their_quiet_period_has_passed(warehouse):
    save_incident(warehouse, OPEN)
    assert close_quiet_incidents(warehouse, T0 + timedelta(hours=6, minutes=59), SIX_HOURS) == 0
    assert close_quiet_incidents(warehouse, T0 + timedelta(hours=8), SIX_HOURS) == 1
    closed = incident(warehouse, OPEN.incident_id)
    assert (closed.status, closed.closed_at) == ("closed", T0 + timedelta(hours=7))


def test_channels_covered_and_messages_still_to_send(warehouse):
    link_alerts(warehouse, [IncidentLink(f"a{n}", OPEN.incident_id, n, n, T0, role, "r")
                            for n, role in ((1, "opened"), (2, "joined"), (3, "escalated"))])
    deliveries(warehouse, [("a1", "mail", "sent", None), ("a1", "hook", "failed", T0), ("a1", "bot", "expired", None),
                           ("a1", "pager", "failed", None), ("a2", "mail", "suppressed", None),
                           ("a3", "mail", "pending", None), ("a3", "hook", "pending", None)])
    assert covered_channels(warehouse, OPEN.incident_id) == {"mail", "hook", "pager"}
    assert sent_thread(warehouse, OPEN.incident_id, "mail") == [("a1", 1)]
    assert earlier_undelivered(warehouse, OPEN.incident_id, "hook", 3)  # a1 is due for a retry there
    assert not earlier_undelivered(warehouse, OPEN.incident_id, "mail", 3)
    assert not earlier_undelivered(warehouse, OPEN.incident_id, "pager", 3)  # refused for good: no wait
