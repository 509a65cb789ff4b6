-- Incidents (docs/alerts.md, "Incidents"): alerts about one brand's episode, or about one source
-- across brands, grouped into one incident that opens, escalates and closes. Each channel gets a
-- message when an incident opens and one when it escalates; alerts that join it without
-- escalating are stored, linked here and shown in the incident, not sent again.

CREATE TABLE incidents (
    incident_id VARCHAR PRIMARY KEY,   -- e.g. 'demo_coffee-20261120T0300Z' (pr), 'ops-weibo_search-…' (ops)
    audience VARCHAR NOT NULL CHECK (audience IN ('pr', 'ops')),
    brand VARCHAR,                     -- pr: the brand; ops: NULL
    source VARCHAR,                    -- ops: the source; pr: NULL
    brands VARCHAR[] NOT NULL,         -- every brand an alert of the incident is about, in order of arrival
    kinds VARCHAR[] NOT NULL,          -- every alert kind of the incident, in order of arrival
    warned_kinds VARCHAR[] NOT NULL,   -- the kinds that arrived at warning or above (the first such alert escalates)
    severity VARCHAR NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),  -- the highest so far
    status VARCHAR NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at TIMESTAMPTZ NOT NULL,    -- the time of its first alert
    last_alert_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,             -- last_alert_at + alerts.incidents.close_after_hours, once a run has passed it
    opening_alert_id VARCHAR NOT NULL,
    steps INTEGER NOT NULL             -- how many times alerts arrived for it (1 = only the opening)
);

-- Which incident each alert belongs to, and what it did there.
CREATE TABLE incident_alerts (
    alert_id VARCHAR PRIMARY KEY,
    incident_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,             -- alerts found for the same time arrive as one step; 1 opened it
    seq INTEGER NOT NULL,              -- order within the incident, the step's message-carrying alert first
    alert_at TIMESTAMPTZ NOT NULL,     -- when the alert counts: its bucket end, or the run's time if later
    role VARCHAR NOT NULL CHECK (role IN ('opened', 'escalated', 'joined')),
    run_id VARCHAR NOT NULL
);

CREATE VIEW v_incidents AS
SELECT
    i.incident_id,
    i.audience,
    i.brand,
    b.name AS brand_name,
    i.source,
    i.brands,
    i.kinds,
    i.severity,
    i.status,
    timezone(z.zone, i.opened_at) AS opened_local,
    timezone(z.zone, i.last_alert_at) AS last_alert_local,
    timezone(z.zone, i.closed_at) AS closed_local,
    i.opened_at,
    i.last_alert_at,
    i.closed_at,
    (SELECT count(*) FROM incident_alerts l WHERE l.incident_id = i.incident_id) AS alerts,
    (SELECT count(*) FROM incident_alerts l WHERE l.incident_id = i.incident_id AND l.role = 'escalated') AS escalations,
    (SELECT count(*) FROM incident_alerts l JOIN deliveries d USING (alert_id)
      WHERE l.incident_id = i.incident_id AND d.status = 'sent') AS messages_sent,
    i.opening_alert_id
FROM incidents i
CROSS JOIN local_zone z
LEFT JOIN brands b ON b.brand = i.brand;

-- One row per alert of an incident, in the incident's order, with the channels it was sent to.
CREATE VIEW v_incident_alerts AS
SELECT
    l.incident_id,
    i.audience,
    a.brand,
    l.step,
    l.seq,
    l.role,
    timezone(z.zone, l.alert_at) AS alert_at_local,
    l.alert_at,
    a.alert_id,
    a.kind,
    a.severity,
    a.subject,
    a.details ->> '$.window_local' AS window_local,
    a.observed,
    a.expected,
    round(a.observed / greatest(a.expected, 1), 2) AS ratio,
    (SELECT list(d.channel ORDER BY d.channel) FROM deliveries d
      WHERE d.alert_id = a.alert_id AND d.status = 'sent') AS sent_to,
    a.run_type,
    l.run_id
FROM incident_alerts l
JOIN incidents i USING (incident_id)
JOIN alerts a USING (alert_id)
CROSS JOIN local_zone z;

-- v_alerts as in 0002, with the alert's incident and role added at the end.
CREATE OR REPLACE VIEW v_alerts AS
SELECT
    a.alert_id,
    a.brand,
    a.kind,
    a.audience,
    a.severity,
    a.subject,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), a.bucket_start) AS bucket_start_local,
    a.bucket_start,
    a.bucket_end,
    a.observed,
    a.expected,
    round(a.observed / greatest(a.expected, 1), 2) AS ratio,
    a.score,
    a.run_type,
    d.channel,
    d.status,
    d.reason,
    d.attempts,
    d.last_error,
    d.sent_at,
    a.details,
    d.next_attempt_at,
    a.details ->> '$.window_local' AS window_local,
    a.run_id,
    l.incident_id,
    l.role AS incident_role
FROM alerts a
LEFT JOIN deliveries d USING (alert_id)
LEFT JOIN incident_alerts l USING (alert_id);
