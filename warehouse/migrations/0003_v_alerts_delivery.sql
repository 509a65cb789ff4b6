-- v_alerts gains the outbox's retry time and a readable window (columns only added, never removed):
-- next_attempt_at: when a failed delivery is tried again, or when a held one's quiet hours end;
-- window_local: the alert's window as its messages show it; run_id: the run that first stored it.
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
    a.run_id
FROM alerts a
LEFT JOIN deliveries d USING (alert_id);
