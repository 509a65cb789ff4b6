-- Core tables. Timestamps are TIMESTAMPTZ in UTC; views convert to the configured time zone.

CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- One row per post; (platform, native_id) is the identity across sources, pages and windows.
CREATE TABLE posts (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    text VARCHAR NOT NULL,
    title VARCHAR,
    url VARCHAR,
    author VARCHAR,
    author_id VARCHAR,
    reposts BIGINT,
    comments BIGINT,
    likes BIGINT,
    lang VARCHAR,
    extra JSON,
    clean_text VARCHAR NOT NULL,
    sentiment DOUBLE NOT NULL,
    label VARCHAR NOT NULL CHECK (label IN ('pos', 'neu', 'neg')),
    complaint BOOLEAN NOT NULL,
    complaint_score DOUBLE NOT NULL,
    complaint_reasons VARCHAR[] NOT NULL,
    keywords VARCHAR[] NOT NULL,
    model VARCHAR NOT NULL,
    terms VARCHAR[],  -- snownlp words in order without stop words, punctuation, brand fragments: topics read them
    PRIMARY KEY (platform, native_id)
);

-- Which brands a post mentions (a post can mention several: share of voice).
CREATE TABLE mentions (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    brand VARCHAR NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    matched_terms VARCHAR[] NOT NULL,
    PRIMARY KEY (platform, native_id, brand)
);

-- Per brand and bucket counts, recomputed from posts for every bucket a load touches.
CREATE TABLE bucket_stats (
    brand VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    mentions BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    neu BIGINT NOT NULL,
    neg BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    PRIMARY KEY (brand, bucket_start)
);

-- Health of each source per brand and window: the ops view of extraction.
CREATE TABLE source_runs (
    brand VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,
    error_kind VARCHAR,
    message VARCHAR,
    posts BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    page_cap_hits BIGINT NOT NULL,
    notes VARCHAR[] NOT NULL,
    run_id VARCHAR NOT NULL,
    interval_posts BIGINT,  -- posts inside the run's own interval (not its look-back): silence detection reads them
    PRIMARY KEY (brand, source, window_start, window_end)
);

-- Items a parser could not read, with the raw payload, so nothing is lost.
CREATE TABLE quarantine (
    key VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    brand VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL
);

-- Alerts; alert_id is derived from (brand, kind, subject, bucket) so a spike is stored once.
CREATE TABLE alerts (
    alert_id VARCHAR PRIMARY KEY,
    brand VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    audience VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    bucket_start TIMESTAMPTZ NOT NULL,
    bucket_end TIMESTAMPTZ NOT NULL,
    observed DOUBLE NOT NULL,
    expected DOUBLE NOT NULL,
    score DOUBLE NOT NULL,
    details JSON NOT NULL,
    run_id VARCHAR NOT NULL,
    run_type VARCHAR NOT NULL
);

-- The outbox: one row per alert and channel; written before any delivery is tried.
CREATE TABLE deliveries (
    alert_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'suppressed', 'expired', 'held')),
    reason VARCHAR,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,
    next_attempt_at TIMESTAMPTZ,
    sent_at TIMESTAMPTZ,
    PRIMARY KEY (alert_id, channel)
);

-- The configured brands, synced from config/brands.yaml on every load (for views and analysts).
CREATE TABLE brands (
    brand VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    keywords VARCHAR[] NOT NULL,
    competitors VARCHAR[] NOT NULL
);

-- Hot topics: every run stores the topics of the hour before its end, per brand.
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
