-- Analyst views that stay fast as history grows (docs/schema.md; figures: bench/analyst_queries.py).
-- The views' names and columns are unchanged. What changes:
-- - each mention stores its post's local day in the configured zone (the load fills it,
--   warehouse.schema.LOCAL_COLUMNS; migrate() recomputes it when the zone changes,
--   warehouse.days): mentions are appended in time order, so a filter on `day` skips every
--   row group outside the days asked for;
-- - views join a mention to its post on the key and `published_at` too (a mention copies its
--   post's time), so the days found on mentions also skip the posts' row groups;
-- - no subquery per row: v_posts' brands and v_post_spread's amplifiers are joined lists;
-- - views that would read the whole history read small tables kept per brand and local day instead
--   (warehouse.days): v_daily and v_share_of_voice the daily counts, the complaint views the
--   complaints alone, the spread views the posts with a spread; the load refills them for the
--   days it touches.

ALTER TABLE mentions ADD COLUMN day DATE;  -- the post's local day (warehouse.schema.LOCAL_COLUMNS)

-- Mentions, their sentiment and complaints per brand and local day, recounted by the load for every
-- local day its buckets overlap (warehouse.days.refresh_days).
CREATE TABLE daily_stats (
    brand VARCHAR NOT NULL,
    day DATE NOT NULL,
    mentions BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    neu BIGINT NOT NULL,
    neg BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    PRIMARY KEY (brand, day)
);

-- One row per complaint and brand it mentions, with v_complaints' columns (then the reasons whole,
-- for v_complaint_reasons): the complaint views read this instead of finding a few complaints among
-- every mention and post. Refilled by the load for every local day it touches, like daily_stats.
CREATE TABLE brand_complaints (
    brand VARCHAR NOT NULL,
    published_local TIMESTAMP NOT NULL,
    day DATE NOT NULL,
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    url VARCHAR,
    author VARCHAR,
    author_followers BIGINT,
    text VARCHAR NOT NULL,
    complaint_score DOUBLE NOT NULL,
    severity VARCHAR,
    categories VARCHAR[],
    reasons_zh VARCHAR[],
    reasons_en VARCHAR[],
    sentiment DOUBLE NOT NULL,
    severity_reasons_zh VARCHAR[],
    severity_reasons_en VARCHAR[],
    author_verified VARCHAR,
    engagement BIGINT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    complaint_reasons VARCHAR[] NOT NULL,
    reason_details STRUCT(category VARCHAR, code VARCHAR, zh VARCHAR, en VARCHAR, phrase VARCHAR)[],
    severity_reason_details STRUCT(category VARCHAR, code VARCHAR, zh VARCHAR, en VARCHAR, phrase VARCHAR)[]
);

-- One row per post with spread metrics and brand it mentions, with what v_post_spread shows of the
-- post: the spread views join this instead of finding a few posts among every mention and post.
-- Refilled for the days the load touches and, after detect stores a post's metrics, for its day.
CREATE TABLE spread_posts (
    brand VARCHAR NOT NULL,
    day DATE NOT NULL,
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    url VARCHAR,
    author VARCHAR,
    author_followers BIGINT,
    complaint_severity VARCHAR,
    risk DOUBLE,
    text VARCHAR NOT NULL
);

-- The zone is forgotten so that migrate(), right after this, fills the days of the mentions stored
-- before it and the tables kept per day, in the configured zone (warehouse.days.set_zone).
DELETE FROM settings WHERE key = 'timezone';

-- A post's columns as v_posts shows them after its brands (engagement added), for v_posts and v_mentions.
CREATE VIEW post_fields AS
SELECT
    platform,
    native_id,
    source,
    published_at,
    title,
    text,
    url,
    author,
    reposts,
    comments,
    likes,
    coalesce(reposts, 0) + coalesce(comments, 0) + coalesce(likes, 0) AS engagement,
    sentiment,
    label,
    complaint,
    complaint_score,
    complaint_reasons,
    keywords,
    model,
    complaint_categories,
    complaint_severity,
    complaint_reason_details,
    complaint_severity_reasons,
    author_followers,
    author_verified,
    counted_at,
    risk
FROM posts;

-- v_posts as in 0007; brands is a joined list, not a subquery per post.
CREATE OR REPLACE VIEW v_posts AS
SELECT
    p.platform,
    p.native_id,
    p.source,
    p.published_at,
    timezone(z.zone, p.published_at) AS published_local,
    b.brands,
    p.* EXCLUDE (platform, native_id, source, published_at)
FROM post_fields p
CROSS JOIN local_zone z
LEFT JOIN (SELECT platform, native_id, published_at, list(brand ORDER BY brand) AS brands
           FROM mentions GROUP BY platform, native_id, published_at) b
  ON b.platform = p.platform AND b.native_id = p.native_id AND b.published_at = p.published_at;

-- v_mentions: v_posts' columns but brands, from the mention and its post.
CREATE OR REPLACE VIEW v_mentions AS
SELECT
    m.brand,
    m.matched_terms,
    p.platform,
    p.native_id,
    p.source,
    m.published_at,
    timezone(z.zone, m.published_at) AS published_local,
    p.* EXCLUDE (platform, native_id, source, published_at)
FROM mentions m
JOIN post_fields p ON p.platform = m.platform AND p.native_id = m.native_id AND p.published_at = m.published_at
CROSS JOIN local_zone z;

CREATE OR REPLACE VIEW v_daily AS
SELECT
    brand,
    day,
    mentions,
    pos,
    neu,
    neg,
    complaints,
    round((pos - neg) / mentions, 4) AS net_sentiment
FROM daily_stats;

-- v_complaints as in 0005: brand_complaints' columns (one table, so a top-N query reads the other
-- columns of its rows only).
CREATE OR REPLACE VIEW v_complaints AS
SELECT
    brand,
    published_local,
    day,
    platform,
    native_id,
    url,
    author,
    author_followers,
    text,
    complaint_score,
    severity,
    categories,
    reasons_zh,
    reasons_en,
    sentiment,
    severity_reasons_zh,
    severity_reasons_en,
    author_verified,
    engagement,
    published_at,
    complaint_reasons
FROM brand_complaints;

-- v_complaint_reasons as in 0005, from brand_complaints.
CREATE OR REPLACE VIEW v_complaint_reasons AS
WITH reasons AS (
    SELECT
        brand,
        day,
        platform,
        native_id,
        published_local,
        published_at,
        severity,
        unnest(list_concat([{'kind': 'category', 'reason': r} FOR r IN reason_details],
                           [{'kind': 'severity', 'reason': r} FOR r IN severity_reason_details])) AS item
    FROM brand_complaints
)
SELECT
    x.brand,
    x.day,
    x.item.reason.category AS category,
    l.zh AS category_zh,
    l.en AS category_en,
    x.item.reason.code AS code,
    x.item.reason.zh AS zh,
    x.item.reason.en AS en,
    x.item.reason.phrase AS phrase,
    x.severity,
    x.item.kind AS reason_kind,
    x.platform,
    x.native_id,
    x.published_local,
    x.published_at
FROM reasons x
LEFT JOIN complaint_labels l ON l.code = x.item.reason.category;

-- v_complaints_daily as in 0005, from brand_complaints.
CREATE OR REPLACE VIEW v_complaints_daily AS
WITH categorised AS (
    SELECT brand, day, severity, unnest(coalesce(categories, [NULL::VARCHAR])) AS category
    FROM brand_complaints
)
SELECT
    c.brand,
    c.day,
    c.category,
    l.zh AS category_zh,
    l.en AS category_en,
    count(*) AS complaints,
    count(*) FILTER (WHERE c.severity = 'severe') AS severe
FROM categorised c
LEFT JOIN complaint_labels l ON l.code = c.category
GROUP BY ALL;

-- v_post_risk as in 0007, its day the mention's.
CREATE OR REPLACE VIEW v_post_risk AS
SELECT
    m.brand,
    timezone(z.zone, m.published_at) AS published_local,
    m.day,
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
JOIN posts p ON p.platform = m.platform AND p.native_id = m.native_id AND p.published_at = m.published_at
CROSS JOIN local_zone z;

-- v_post_spread as in 0009, the post's side from spread_posts; the amplifiers a joined list.
CREATE OR REPLACE VIEW v_post_spread AS
SELECT
    sp.brand,
    sp.day,
    sp.platform,
    sp.native_id,
    sp.url,
    sp.author,
    sp.author_followers,
    timezone(z.zone, sp.published_at) AS published_local,
    timezone(z.zone, s.as_of) AS as_of_local,
    s.reposts_total,
    s.reposts_seen,
    s.comments_total,
    s.hot_comments,
    s.depth,
    s.large_reach_share,
    s.early_per_hour,
    s.recent_minutes,
    s.recent_per_hour,
    s.before_per_hour,
    s.rate_ratio,
    s.p_value,
    s.verdict,
    s.accelerating,
    s.reason,
    a.top_amplifiers,
    sp.complaint_severity AS severity,
    sp.risk,
    sp.text,
    sp.published_at,
    s.as_of
FROM spread_metrics s
JOIN spread_posts sp ON sp.platform = s.platform AND sp.native_id = s.native_id
LEFT JOIN (SELECT platform, native_id, list(user_name ORDER BY rank) AS top_amplifiers
           FROM spread_amplifiers GROUP BY platform, native_id) a
  ON a.platform = s.platform AND a.native_id = s.native_id
CROSS JOIN local_zone z;

-- v_spread_amplifiers as in 0009, the brand and day from spread_posts.
CREATE OR REPLACE VIEW v_spread_amplifiers AS
SELECT
    sp.brand,
    sp.day,
    coalesce(a.user_id, a.user_name) AS account,
    any_value(a.user_name) AS user_name,
    max(a.followers) AS followers,
    any_value(a.verified) AS verified,
    count(*) AS posts,
    sum(a.reposts) AS reposts,
    sum(a.drawn) AS drawn,
    sum(a.score) AS score,
    min(a.rank) AS best_rank,
    list(a.platform || ':' || a.native_id ORDER BY a.score DESC) AS post_keys
FROM spread_amplifiers a
JOIN spread_posts sp ON sp.platform = a.platform AND sp.native_id = a.native_id
GROUP BY sp.brand, sp.day, account;
