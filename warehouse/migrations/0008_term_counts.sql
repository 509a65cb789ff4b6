-- Term counts per quarter hour (issue 13): for each brand and 15-minute bucket (aligned to the Unix
-- epoch; warehouse.schema.TERM_BUCKET), how many of its posts carry topic terms, and in how many
-- of them each topic unit and each keyword occurs. The load recounts the buckets it touches from
-- the stored posts (warehouse.term_counts), so detection reads a week of baselines from these
-- counts instead of from every post of the week. Filled here for the posts already stored.

-- The distinct topic units of one post's terms, as transforms.topics.units makes them: each term
-- of two or more characters with a letter or digit, and each two adjacent such terms joined
-- (a space between them only when both sides are Latin letters or digits).
CREATE MACRO topic_units(terms) AS list_distinct(list_concat(
    list_filter(terms, lambda t: length(t) >= 2 AND regexp_matches(t, '[\pL\pN]')),
    [CASE WHEN regexp_matches(pair[1], '[A-Za-z0-9]$') AND regexp_matches(pair[2], '^[A-Za-z0-9]')
          THEN pair[1] || ' ' || pair[2] ELSE pair[1] || pair[2] END
     FOR pair IN list_zip(terms[1:len(terms) - 1], terms[2:])
     IF regexp_matches(pair[1], '[\pL\pN]') AND regexp_matches(pair[2], '[\pL\pN]')]));

-- Posts per brand and bucket whose topic terms are stored (topic detection's baseline size).
CREATE TABLE term_buckets (
    brand VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    topic_posts BIGINT NOT NULL,
    PRIMARY KEY (brand, bucket_start)
);

-- In how many of a brand's posts of the bucket each topic unit occurs. No key: an index over
-- every unit of every bucket would cost more than it guards; the load replaces buckets whole.
CREATE TABLE unit_counts (
    brand VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    unit VARCHAR NOT NULL,
    posts BIGINT NOT NULL
);

-- In how many of a brand's posts of the bucket each keyword occurs (an alert's terms).
CREATE TABLE keyword_counts (
    brand VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    keyword VARCHAR NOT NULL,
    posts BIGINT NOT NULL
);

-- The counts of the posts published in [lo, hi), per brand and bucket (a bucket cut by lo or hi
-- counts only its posts inside): what the tables above hold, and what the load writes back for
-- the buckets it touches. A mention's published_at is its post's (the load writes both), so both
-- tables are read for the range alone.
CREATE MACRO brand_posts_in(lo, hi) AS TABLE
SELECT m.brand, to_timestamp(floor(epoch(p.published_at) / 900) * 900) AS bucket_start, p.terms, p.keywords
FROM mentions m JOIN posts p USING (platform, native_id)
WHERE p.published_at >= lo AND p.published_at < hi AND m.published_at >= lo AND m.published_at < hi;

CREATE MACRO term_bucket_counts_in(lo, hi) AS TABLE
SELECT brand, bucket_start, count(*) AS topic_posts FROM brand_posts_in(lo, hi) WHERE terms IS NOT NULL GROUP BY ALL;

CREATE MACRO unit_counts_in(lo, hi) AS TABLE
SELECT brand, bucket_start, unit, count(*) AS posts
FROM (SELECT brand, bucket_start, unnest(topic_units(terms)) AS unit FROM brand_posts_in(lo, hi) WHERE terms IS NOT NULL)
GROUP BY ALL;

CREATE MACRO keyword_counts_in(lo, hi) AS TABLE
SELECT brand, bucket_start, keyword, count(*) AS posts
FROM (SELECT brand, bucket_start, unnest(list_distinct(keywords)) AS keyword FROM brand_posts_in(lo, hi))
GROUP BY ALL;

INSERT INTO term_buckets SELECT * FROM term_bucket_counts_in(TIMESTAMPTZ '-infinity', TIMESTAMPTZ 'infinity');
INSERT INTO unit_counts
SELECT * FROM unit_counts_in(TIMESTAMPTZ '-infinity', TIMESTAMPTZ 'infinity') ORDER BY bucket_start;
INSERT INTO keyword_counts
SELECT * FROM keyword_counts_in(TIMESTAMPTZ '-infinity', TIMESTAMPTZ 'infinity') ORDER BY bucket_start;

-- v_mentions as in 0002, joined on the post's time too: a mention's published_at is its post's (the
-- load writes both), and so a query for a time range reads that range of mentions, not all of them.
CREATE OR REPLACE VIEW v_mentions AS
SELECT
    m.brand,
    m.matched_terms,
    p.* EXCLUDE (brands)
FROM mentions m
JOIN v_posts p ON p.platform = m.platform AND p.native_id = m.native_id AND p.published_at = m.published_at;
