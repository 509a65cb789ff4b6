-- How the posts of each incident spread: one row per PR incident and post with a measured cascade,
-- the posts being those of the incident's brand published within the span of its alerts' buckets
-- (what its messages and its dashboard page quote). Columns after incident_id are v_post_spread's.
CREATE VIEW v_incident_spread AS
WITH spans AS (
    SELECT l.incident_id, i.brand, min(a.bucket_start) AS start_at, max(a.bucket_end) AS end_at
    FROM incident_alerts l
    JOIN incidents i USING (incident_id)
    JOIN alerts a USING (alert_id)
    WHERE i.audience = 'pr'
    GROUP BY l.incident_id, i.brand
)
SELECT sp.incident_id, s.*
FROM spans sp
CROSS JOIN local_zone tz
JOIN v_post_spread s
  ON s.brand = sp.brand
 AND s.published_local >= timezone(tz.zone, sp.start_at)
 AND s.published_local < timezone(tz.zone, sp.end_at);
