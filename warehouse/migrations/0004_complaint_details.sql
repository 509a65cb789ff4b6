-- Complaints stored whole (docs/complaints.md): the categories, the severity and every reason with
-- its category, code, readable Chinese and English labels and the phrase found; and the author's
-- reach where the source shows it. Posts stored before this migration keep NULL in these columns
-- until a run or backfill loads them again.

ALTER TABLE posts ADD COLUMN complaint_categories VARCHAR[];  -- category codes (complaint_labels), complaints only
ALTER TABLE posts ADD COLUMN complaint_severity VARCHAR;       -- 'none' (not a complaint), 'normal', 'severe'
-- Why it is a complaint of these categories: one entry per cue that fired (`complaint_reasons` keeps their zh labels).
ALTER TABLE posts ADD COLUMN complaint_reason_details STRUCT(category VARCHAR, code VARCHAR, zh VARCHAR, en VARCHAR, phrase VARCHAR)[];
-- Why it is severe: the same shape, `category` being the severity kind (food_safety, injury, ...).
ALTER TABLE posts ADD COLUMN complaint_severity_reasons STRUCT(category VARCHAR, code VARCHAR, zh VARCHAR, en VARCHAR, phrase VARCHAR)[];
ALTER TABLE posts ADD COLUMN author_followers BIGINT;  -- NULL: the source does not say
ALTER TABLE posts ADD COLUMN author_verified VARCHAR;  -- extractors.record.VERIFIED_KINDS; NULL: the source does not say
