-- How posts spread (docs/schema.md "Spread"; docs/alerts.md "How a post spreads"): for posts that
-- matter, the reposts and hot comments the platform lists under them (who reposted whom and when,
-- with followers), each fetch, and the metrics derived from them (transforms.spread).

-- How each run's spread fetch went, per platform: a cookie to renew, a budget that was too small.
CREATE TABLE spread_runs (
    run_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- the spread kind: weibo (m.weibo.cn), archive
    fetched_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,           -- ok / partial / error / skipped (a backfill: the platform shows today's spread)
    error_kind VARCHAR,                -- transient / permanent / auth
    message VARCHAR,
    posts_wanted BIGINT NOT NULL,
    cascades BIGINT NOT NULL,
    not_fetched VARCHAR[] NOT NULL,    -- 'platform:native_id' of posts the request budget did not reach
    requests BIGINT NOT NULL,
    notes VARCHAR[] NOT NULL,
    PRIMARY KEY (run_id, platform)
);

-- One row per fetch of a post's spread (a re-run of a run's fetch replaces its row).
CREATE TABLE spread_fetches (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,   -- when the platform showed it (an archive replay: the run's end)
    source VARCHAR NOT NULL,           -- the spread kind: weibo (m.weibo.cn), archive
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'partial', 'error')),
    message VARCHAR,
    reposts_total BIGINT,              -- the platform's repost count (NULL: not shown)
    comments_total BIGINT,
    reposts_fetched BIGINT NOT NULL,
    comments_fetched BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    complete BOOLEAN NOT NULL,         -- the repost list was read to its end
    PRIMARY KEY (platform, native_id, run_id)
);

-- Every repost seen of a post; a later fetch updates its counts and the account's followers.
CREATE TABLE spread_reposts (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,        -- the reposted post
    repost_id VARCHAR NOT NULL,
    reposted_at TIMESTAMPTZ NOT NULL,
    user_id VARCHAR,
    user_name VARCHAR,
    followers BIGINT,
    verified VARCHAR,                  -- extractors.record.VERIFIED_KINDS
    chain VARCHAR[] NOT NULL,          -- the //@ names it came through, nearest first: chain[1] is whom it reposted
    text VARCHAR NOT NULL,             -- the reposter's own words
    reposts BIGINT,                    -- what the repost itself drew
    comments BIGINT,
    likes BIGINT,
    fetched_at TIMESTAMPTZ NOT NULL,   -- the fetch that last saw it
    PRIMARY KEY (platform, native_id, repost_id)
);

-- The hot comments seen under a post.
CREATE TABLE spread_comments (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    commented_at TIMESTAMPTZ NOT NULL,
    user_id VARCHAR,
    user_name VARCHAR,
    followers BIGINT,
    verified VARCHAR,
    text VARCHAR NOT NULL,
    likes BIGINT,
    replies BIGINT,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, native_id, comment_id)
);

-- The metrics of each post's spread as of its latest fetch (transforms.spread), replaced each time.
CREATE TABLE spread_metrics (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    as_of TIMESTAMPTZ NOT NULL,
    reposts_seen BIGINT NOT NULL,
    reposts_total BIGINT,
    comments_total BIGINT,
    hot_comments BIGINT NOT NULL,
    depth INTEGER NOT NULL,
    large_reach_share DOUBLE,          -- NULL: no repost seen
    early_per_hour DOUBLE,             -- the first hour; NULL unless every repost was seen
    recent_minutes INTEGER NOT NULL,   -- the recent window the rule compares (transforms.spread.SpreadRule.recent)
    recent_per_hour DOUBLE,            -- the last `recent_minutes`
    before_per_hour DOUBLE,            -- since publication, before those minutes
    recent_reposts BIGINT NOT NULL,
    before_reposts BIGINT NOT NULL,
    rate_ratio DOUBLE,                 -- recent / before ('Infinity' when nothing came before)
    p_value DOUBLE,
    verdict VARCHAR NOT NULL CHECK (verdict IN ('accelerating', 'steady', 'too_few', 'too_young')),
    accelerating BOOLEAN NOT NULL,
    reason VARCHAR NOT NULL,           -- the verdict with its numbers, in English
    PRIMARY KEY (platform, native_id)
);

-- The top amplifiers of each post's spread, by rank (1 = the most reach carried on).
CREATE TABLE spread_amplifiers (
    platform VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    rank INTEGER NOT NULL,
    user_id VARCHAR,
    user_name VARCHAR,
    followers BIGINT,
    verified VARCHAR,
    reposts BIGINT NOT NULL,           -- their reposts of the post
    drawn BIGINT NOT NULL,             -- the reposts those drew
    score DOUBLE NOT NULL,             -- followers × (1 + drawn)
    PRIMARY KEY (platform, native_id, rank)
);

-- One row per post with a spread and brand it mentions: how far and how fast it goes, and who
-- carries it. Accelerating spreads first is `ORDER BY accelerating DESC, recent_per_hour DESC`.
CREATE VIEW v_post_spread AS
SELECT
    m.brand,
    CAST(timezone(tz.zone, p.published_at) AS DATE) AS day,
    p.platform,
    p.native_id,
    p.url,
    p.author,
    p.author_followers,
    timezone(tz.zone, p.published_at) AS published_local,
    timezone(tz.zone, s.as_of) AS as_of_local,
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
    (SELECT list(a.user_name ORDER BY a.rank) FROM spread_amplifiers a
      WHERE a.platform = s.platform AND a.native_id = s.native_id) AS top_amplifiers,
    p.complaint_severity AS severity,
    p.risk,
    p.text,
    p.published_at,
    s.as_of
FROM spread_metrics s
JOIN posts p USING (platform, native_id)
JOIN mentions m USING (platform, native_id)
CROSS JOIN local_zone tz;

-- One row per brand, local day (of the posts' publication) and account that amplified the brand's
-- posts that day: in how many posts' top amplifiers, its reposts, what they drew, and its score
-- summed over those posts. Biggest amplifiers first is `ORDER BY score DESC`.
CREATE VIEW v_spread_amplifiers AS
SELECT
    m.brand,
    CAST(timezone(tz.zone, p.published_at) AS DATE) AS day,
    coalesce(a.user_id, a.user_name) AS account,
    any_value(a.user_name) AS user_name,
    max(a.followers) AS followers,
    any_value(a.verified) AS verified,
    count(*) AS posts,
    sum(a.reposts) AS reposts,
    sum(a.drawn) AS drawn,
    sum(a.score) AS score,
    min(a.rank) AS best_rank,
    list(p.platform || ':' || p.native_id ORDER BY a.score DESC) AS post_keys
FROM spread_amplifiers a
JOIN posts p USING (platform, native_id)
JOIN mentions m USING (platform, native_id)
CROSS JOIN local_zone tz
GROUP BY m.brand, day, account;
