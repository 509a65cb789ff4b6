-- Hot topics: each post's terms (snownlp words in order, stop words, punctuation and brand
-- fragments removed) feed topic detection; every run stores the topics of its last hour.
ALTER TABLE posts ADD COLUMN terms VARCHAR[];

CREATE TABLE topics (
    brand VARCHAR NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,
    topic_key VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    terms VARCHAR[] NOT NULL,
    volume BIGINT NOT NULL,
    baseline_volume BIGINT NOT NULL,
    score DOUBLE NOT NULL,
    lift DOUBLE NOT NULL,
    is_new BOOLEAN NOT NULL,
    alert BOOLEAN NOT NULL,
    post_keys VARCHAR[] NOT NULL,  -- 'platform:native_id', most representative first
    PRIMARY KEY (brand, window_end, topic_key)
);

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
