-- Complaints for analysts (docs/schema.md): what each complaint is about and why, readable in
-- Chinese and English, by brand, day and category. Local times and days use settings.timezone,
-- read once per query (the one-row `local_zone` joined in), never per row.

CREATE VIEW local_zone AS SELECT max(value) AS zone FROM settings WHERE key = 'timezone';

-- The names of complaint categories and severity kinds (transforms.complaint_cues.CATEGORIES and
-- SEVERITY_KINDS; tests/warehouse/test_complaint_views.py keeps the two equal).
CREATE TABLE complaint_labels (
    code VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('category', 'severity')),
    zh VARCHAR NOT NULL,
    en VARCHAR NOT NULL
);
INSERT INTO complaint_labels VALUES
    ('delivery_logistics', 'category', '配送物流', 'Delivery and logistics'),
    ('quality_safety', 'category', '质量安全', 'Quality and safety'),
    ('service_attitude', 'category', '服务态度', 'Service attitude'),
    ('price_billing', 'category', '价格收费', 'Price and billing'),
    ('refund_after_sales', 'category', '退款售后', 'Refunds and after-sales'),
    ('false_advertising', 'category', '虚假宣传', 'False advertising'),
    ('account_privacy', 'category', '账号隐私', 'Account and privacy'),
    ('other', 'category', '其他', 'Other'),
    ('food_safety', 'severity', '食品安全', 'Food safety'),
    ('injury', 'severity', '人身伤害', 'Injury'),
    ('regulator_court', 'severity', '监管与诉讼', 'Regulators and courts'),
    ('media_exposure', 'severity', '媒体曝光', 'Media exposure'),
    ('many_victims', 'severity', '多人受害', 'Many victims');

-- v_posts as in 0002, with the columns of 0004 added at the end (v_mentions shows them too).
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
    p.author_verified
FROM posts p;

-- One row per complaint and brand it mentions. The first columns are the ones analysts asked for;
-- complaint_reasons (the labels as stored before 0004) stays for older queries.
DROP VIEW v_complaints;
CREATE VIEW v_complaints AS
SELECT
    m.brand,
    timezone(tz.zone, p.published_at) AS published_local,
    CAST(timezone(tz.zone, p.published_at) AS DATE) AS day,
    p.platform,
    p.native_id,
    p.url,
    p.author,
    p.author_followers,
    p.text,
    p.complaint_score,
    p.complaint_severity AS severity,
    p.complaint_categories AS categories,
    [r.zh FOR r IN p.complaint_reason_details] AS reasons_zh,
    [r.en FOR r IN p.complaint_reason_details] AS reasons_en,
    p.sentiment,
    [r.zh FOR r IN p.complaint_severity_reasons] AS severity_reasons_zh,
    [r.en FOR r IN p.complaint_severity_reasons] AS severity_reasons_en,
    p.author_verified,
    coalesce(p.reposts, 0) + coalesce(p.comments, 0) + coalesce(p.likes, 0) AS engagement,
    p.published_at,
    p.complaint_reasons
FROM mentions m
JOIN posts p USING (platform, native_id)
CROSS JOIN local_zone tz
WHERE p.complaint;

-- One row per complaint, brand and reason: the category reasons (reason_kind 'category') and the
-- reasons that made it severe (reason_kind 'severity', category = the severity kind).
CREATE VIEW v_complaint_reasons AS
WITH reasons AS (
    SELECT
        m.brand,
        p.platform,
        p.native_id,
        p.published_at,
        p.complaint_severity,
        unnest(list_concat([{'kind': 'category', 'reason': r} FOR r IN p.complaint_reason_details],
                           [{'kind': 'severity', 'reason': r} FOR r IN p.complaint_severity_reasons])) AS item
    FROM mentions m
    JOIN posts p USING (platform, native_id)
    WHERE p.complaint
)
SELECT
    x.brand,
    CAST(timezone(tz.zone, x.published_at) AS DATE) AS day,
    x.item.reason.category AS category,
    l.zh AS category_zh,
    l.en AS category_en,
    x.item.reason.code AS code,
    x.item.reason.zh AS zh,
    x.item.reason.en AS en,
    x.item.reason.phrase AS phrase,
    x.complaint_severity AS severity,
    x.item.kind AS reason_kind,
    x.platform,
    x.native_id,
    timezone(tz.zone, x.published_at) AS published_local,
    x.published_at
FROM reasons x
CROSS JOIN local_zone tz
LEFT JOIN complaint_labels l ON l.code = x.item.reason.category;

-- Complaints per brand, local day and category (a complaint of two categories counts in both);
-- complaints stored before 0004 have no categories and count under a NULL category.
CREATE VIEW v_complaints_daily AS
WITH categorised AS (
    SELECT
        m.brand,
        p.published_at,
        p.complaint_severity,
        unnest(coalesce(p.complaint_categories, [NULL::VARCHAR])) AS category
    FROM mentions m
    JOIN posts p USING (platform, native_id)
    WHERE p.complaint
)
SELECT
    c.brand,
    CAST(timezone(tz.zone, c.published_at) AS DATE) AS day,
    c.category,
    l.zh AS category_zh,
    l.en AS category_en,
    count(*) AS complaints,
    count(*) FILTER (WHERE c.complaint_severity = 'severe') AS severe
FROM categorised c
CROSS JOIN local_zone tz
LEFT JOIN complaint_labels l ON l.code = c.category
GROUP BY ALL;
