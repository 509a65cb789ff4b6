-- The analysts' stable interface (docs/schema.md). Local times use settings.timezone.

CREATE VIEW v_posts AS
SELECT
    p.platform,
    p.native_id,
    p.source,
    p.published_at,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), p.published_at) AS published_local,
    (SELECT list(m.brand ORDER BY m.brand) FROM mentions m
      WHERE m.platform = p.platform AND m.native_id = p.native_id) AS brands,
    p.title,
    p.text,
    p.url,
    p.author,
    p.reposts,
    p.comments,
    p.likes,
    coalesce(p.reposts, 0) + coalesce(p.comments, 0) + coalesce(p.likes, 0) AS engagement,
    p.sentiment,
    p.label,
    p.complaint,
    p.complaint_score,
    p.complaint_reasons,
    p.keywords,
    p.model
FROM posts p;

-- One row per brand and post that mentions it.
CREATE VIEW v_mentions AS
SELECT
    m.brand,
    m.matched_terms,
    p.* EXCLUDE (brands)
FROM mentions m
JOIN v_posts p USING (platform, native_id);

CREATE VIEW v_daily AS
SELECT
    brand,
    CAST(published_local AS DATE) AS day,
    count(*) AS mentions,
    count(*) FILTER (WHERE label = 'pos') AS pos,
    count(*) FILTER (WHERE label = 'neu') AS neu,
    count(*) FILTER (WHERE label = 'neg') AS neg,
    count(*) FILTER (WHERE complaint) AS complaints,
    round((count(*) FILTER (WHERE label = 'pos') - count(*) FILTER (WHERE label = 'neg')) / count(*), 4) AS net_sentiment
FROM v_mentions
GROUP BY brand, day;

CREATE VIEW v_complaints AS
SELECT brand, published_local, platform, native_id, url, author, text, complaint_score, complaint_reasons, sentiment
FROM v_mentions
WHERE complaint;

-- Share of voice: a brand's mentions against itself plus its configured competitors, per day.
CREATE VIEW v_share_of_voice AS
WITH groups AS (
    SELECT brand AS focus, unnest(list_prepend(brand, competitors)) AS member FROM brands
)
SELECT
    g.focus AS brand,
    d.day,
    sum(d.mentions) FILTER (WHERE d.brand = g.focus) AS mentions,
    sum(d.mentions) AS group_mentions,
    round(sum(d.mentions) FILTER (WHERE d.brand = g.focus) / sum(d.mentions), 4) AS share
FROM groups g
JOIN v_daily d ON d.brand = g.member
GROUP BY g.focus, d.day;

CREATE VIEW v_alerts AS
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

CREATE VIEW v_source_health AS
SELECT
    brand,
    source,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), window_start) AS window_start_local,
    window_start,
    window_end,
    status,
    error_kind,
    message,
    posts,
    interval_posts,
    quarantined,
    requests,
    pages,
    page_cap_hits,
    notes
FROM source_runs;

CREATE VIEW v_hot_topics AS
SELECT
    brand,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), window_start) AS window_start_local,
    timezone((SELECT value FROM settings WHERE key = 'timezone'), window_end) AS window_end_local,
    window_start,
    window_end,
    topic_key,
    label,
    terms,
    volume,
    baseline_volume,
    round(score, 2) AS score,
    round(lift, 2) AS lift,
    is_new,
    alert,
    post_keys
FROM topics;
