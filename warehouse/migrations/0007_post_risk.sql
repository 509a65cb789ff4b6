-- Reach and risk (docs/alerts.md, "How posts are ordered and grouped"; docs/schema.md): when the
-- source showed a post's reposts, comments and likes, and the post's risk with its parts
-- (transforms.risk). Posts stored before this migration keep NULL in these columns until a run or
-- backfill loads them again.

ALTER TABLE posts ADD COLUMN counted_at TIMESTAMPTZ;  -- NULL: the source does not say when it counted
ALTER TABLE posts ADD COLUMN risk DOUBLE;             -- harm × (1 + reach + verified + engagement + speed)
ALTER TABLE posts ADD COLUMN risk_parts STRUCT(harm DOUBLE, reach DOUBLE, verified DOUBLE, engagement DOUBLE, speed DOUBLE, reposts_per_hour DOUBLE);

-- v_posts as in 0005, with counted_at and risk added at the end (v_mentions shows them too).
CREATE OR REPLACE VIEW v_posts AS
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
    p.model,
    p.complaint_categories,
    p.complaint_severity,
    p.complaint_reason_details,
    p.complaint_severity_reasons,
    p.author_followers,
    p.author_verified,
    p.counted_at,
    p.risk
FROM posts p;

-- One row per post and brand it mentions, with its risk and why: the author's reach, the
-- engagement and its speed, the harm. Highest risk first is `ORDER BY risk DESC NULLS LAST`.
CREATE VIEW v_post_risk AS
SELECT
    m.brand,
    timezone(tz.zone, p.published_at) AS published_local,
    CAST(timezone(tz.zone, p.published_at) AS DATE) AS day,
    p.platform,
    p.native_id,
    p.url,
    p.author,
    p.author_followers,
    p.author_verified,
    p.reposts,
    p.comments,
    p.likes,
    coalesce(p.reposts, 0) + coalesce(p.comments, 0) + coalesce(p.likes, 0) AS engagement,
    p.risk_parts.reposts_per_hour AS reposts_per_hour,
    p.label,
    p.complaint,
    p.complaint_severity AS severity,
    p.risk,
    p.risk_parts.harm AS risk_harm,
    p.risk_parts.reach AS risk_reach,
    p.risk_parts.verified AS risk_verified,
    p.risk_parts.engagement AS risk_engagement,
    p.risk_parts.speed AS risk_speed,
    p.text,
    p.published_at,
    p.counted_at
FROM mentions m
JOIN posts p USING (platform, native_id)
CROSS JOIN local_zone tz;
