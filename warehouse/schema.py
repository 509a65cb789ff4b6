"""What the code must know about the tables the migrations create, kept beside them.

`STAGED_COLUMNS` are the columns of the tables a load fills from staged JSON files, in table
order with their DuckDB types: the load names them in every INSERT and types the staged files
with them, so adding a column means a migration and an entry here (tests/warehouse/test_schema.py
checks the two agree). `LOCAL_COLUMNS` follow them in the table: the load derives them in the
configured zone. `BUCKET_METRICS` are the `bucket_stats` counts detection watches, each with the
condition on `v_mentions` that selects the posts it counts. `TABLE_KEYS` are the keys of the tables
the code upserts, which `warehouse.merge` matches on: a DuckLake warehouse has no primary keys, so
the key lives here (tests/warehouse/test_schema.py checks it is the migrations' PRIMARY KEY).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from warehouse.filters import Condition

Metric = Literal["mentions", "neg", "complaints"]  # the BUCKET_METRICS names
REASON_TYPE = "STRUCT(category VARCHAR, code VARCHAR, zh VARCHAR, en VARCHAR, phrase VARCHAR)[]"  # transforms.complaints.Reason
RISK_PARTS_TYPE = ("STRUCT(harm DOUBLE, reach DOUBLE, verified DOUBLE, engagement DOUBLE, speed DOUBLE, "
                   "reposts_per_hour DOUBLE)")  # transforms.risk.Risk.parts

STAGED_COLUMNS: dict[str, dict[str, str]] = {
    "posts": {"platform": "VARCHAR", "native_id": "VARCHAR", "source": "VARCHAR", "published_at": "TIMESTAMPTZ",
              "text": "VARCHAR", "title": "VARCHAR", "url": "VARCHAR", "author": "VARCHAR", "author_id": "VARCHAR",
              "reposts": "BIGINT", "comments": "BIGINT", "likes": "BIGINT", "lang": "VARCHAR", "extra": "JSON",
              "clean_text": "VARCHAR", "sentiment": "DOUBLE", "label": "VARCHAR", "complaint": "BOOLEAN",
              "complaint_score": "DOUBLE", "complaint_reasons": "VARCHAR[]", "keywords": "VARCHAR[]", "model": "VARCHAR",
              "terms": "VARCHAR[]", "complaint_categories": "VARCHAR[]", "complaint_severity": "VARCHAR",
              "complaint_reason_details": REASON_TYPE, "complaint_severity_reasons": REASON_TYPE,
              "author_followers": "BIGINT", "author_verified": "VARCHAR", "counted_at": "TIMESTAMPTZ",
              "risk": "DOUBLE", "risk_parts": RISK_PARTS_TYPE},
    "mentions": {"platform": "VARCHAR", "native_id": "VARCHAR", "brand": "VARCHAR", "published_at": "TIMESTAMPTZ",
                 "matched_terms": "VARCHAR[]"},
    "source_runs": {"brand": "VARCHAR", "source": "VARCHAR", "window_start": "TIMESTAMPTZ", "window_end": "TIMESTAMPTZ",
                    "status": "VARCHAR", "error_kind": "VARCHAR", "message": "VARCHAR", "posts": "BIGINT",
                    "quarantined": "BIGINT", "requests": "BIGINT", "pages": "BIGINT", "page_cap_hits": "BIGINT",
                    "notes": "VARCHAR[]", "run_id": "VARCHAR", "interval_posts": "BIGINT"},
    "quarantine": {"key": "VARCHAR", "source": "VARCHAR", "brand": "VARCHAR", "reason": "VARCHAR", "raw": "VARCHAR",
                   "location": "VARCHAR", "window_start": "TIMESTAMPTZ", "window_end": "TIMESTAMPTZ"},
}

# Table → its key columns (PRIMARY KEY order), for every table written by `warehouse.merge`.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "settings": ("key",),
    "brands": ("brand",),
    "posts": ("platform", "native_id"),
    "source_runs": ("brand", "source", "window_start", "window_end"),
    "quarantine": ("key",),
    "topics": ("brand", "window_end", "topic_key"),
    "pipeline_runs": ("run_id",),
    "incidents": ("incident_id",),
    "alerts": ("alert_id",),
    "deliveries": ("alert_id", "channel"),
    "spread_runs": ("run_id", "platform"),
    "spread_fetches": ("platform", "native_id", "run_id"),
    "spread_reposts": ("platform", "native_id", "repost_id"),
    "spread_comments": ("platform", "native_id", "comment_id"),
    "spread_metrics": ("platform", "native_id"),
}

# Columns after the staged ones that the load derives in the configured zone (`z.zone`, from the
# one-row `local_zone` view), with their types and expressions on the staged columns; migrate()
# recomputes them when the zone changes (warehouse.days).
LOCAL_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "mentions": {"day": ("DATE", "CAST(timezone(z.zone, published_at) AS DATE)")},
}

# bucket_stats column → the posts it counts (None: every mention); the load computes them alike.
BUCKET_METRICS: dict[Metric, Condition | None] = {
    "mentions": None,
    "neg": Condition("label", "=", "neg"),
    "complaints": Condition("complaint"),
}

TERM_BUCKET = timedelta(minutes=15)  # term_buckets, unit_counts, keyword_counts: buckets aligned to the Unix epoch
