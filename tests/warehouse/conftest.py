"""A real warehouse per test, and staged rows written the way the transform step writes them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from brandmon.staging import write_jsonl
from transforms.complaints import Reason
from warehouse.db import writer
from warehouse.load import BrandRow, StagedFiles, load_staged
from warehouse.storage import FileStorage

UTC = timezone.utc
T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
BUCKET = timedelta(minutes=15)
BRANDS = [BrandRow("acme", "艾克米", ("艾克米",), ("rival",)), BrandRow("rival", "对手", ("对手",), ())]


@pytest.fixture
def warehouse(tmp_path):
    """The real read-write connection to a migrated DuckDB file in tmp_path."""
    with writer(FileStorage(tmp_path / "w" / "brandmon.duckdb", tmp_path / "w" / "read.duckdb"), "Asia/Shanghai") as conn:
        yield conn


def post(native_id: str, published_at: datetime, text: str = "艾克米", label: str = "neu", complaint: bool = False,
         reasons: tuple[str, ...] = (), keywords: tuple[str, ...] = (), likes: int = 0, platform: str = "weibo",
         terms: tuple[str, ...] | None = (), details: tuple[Reason, ...] = (), categories: tuple[str, ...] = (),
         severe: tuple[Reason, ...] = (), followers: int | None = None, verified: str | None = None,
         author: str = "网友") -> dict:
    """A staged post row as the transform writes it; `reasons` are labels alone, `details` whole
    reasons (their labels become `complaint_reasons`), `severe` the reasons that make it severe."""
    return {"platform": platform, "native_id": native_id, "source": "weibo_search",
            "published_at": published_at.isoformat(), "text": text, "title": None,
            "url": f"https://weibo.com/1/{native_id}", "author": author, "author_id": None, "reposts": 0,
            "comments": 0, "likes": likes, "lang": "zh", "extra": {}, "clean_text": text, "sentiment": 0.5,
            "label": label, "complaint": complaint, "complaint_score": 0.9 if complaint else 0.1,
            "complaint_reasons": list(reasons) or [r.zh for r in details], "keywords": list(keywords), "model": "test",
            "terms": None if terms is None else list(terms),
            "complaint_categories": list(categories or dict.fromkeys(r.category for r in details)) if complaint else [],
            "complaint_severity": ("severe" if severe else "normal") if complaint else "none",
            "complaint_reason_details": [r.as_json() for r in details],
            "complaint_severity_reasons": [r.as_json() for r in severe],
            "author_followers": followers, "author_verified": verified}


# Reasons as transforms.complaints finds them (labels from transforms.complaint_cues).
SPOILED = Reason("quality_safety", "spoiled", "变质", "spoiled", "变质了")
COMPENSATION = Reason("refund_after_sales", "compensation_demanded", "要求赔偿", "compensation demanded", "要求赔偿")
RUDE = Reason("service_attitude", "rude_service", "服务态度差", "rude or poor service", "客服态度极差")
FOOD_SAFETY = Reason("food_safety", "food_safety", "食品安全", "food safety", "拉肚子")
REGULATOR = Reason("regulator_court", "regulator_court", "监管与诉讼", "regulators or courts", "12315")


def mention(row: dict, brand: str = "acme") -> dict:
    return {"platform": row["platform"], "native_id": row["native_id"], "brand": brand,
            "published_at": row["published_at"], "matched_terms": ["艾克米"]}


def source_run(start: datetime, status: str = "ok", error_kind: str | None = None, posts: int = 20,
               end: datetime | None = None, brand: str = "acme", source: str = "weibo") -> dict:
    return {"brand": brand, "source": source, "window_start": start.isoformat(),
            "window_end": (end or start + BUCKET).isoformat(), "status": status, "error_kind": error_kind,
            "message": "boom" if error_kind else "", "posts": posts, "quarantined": 0, "requests": 1, "pages": 1,
            "page_cap_hits": 0, "notes": [], "run_id": "r", "interval_posts": posts}


def stage(folder, posts=(), mentions=(), source_runs=(), quarantine=()) -> StagedFiles:
    """Write one run's staged files into `folder`."""
    files = StagedFiles(*(folder / f"{name}.jsonl" for name in ("posts", "mentions", "source_runs", "quarantine")))
    for path, rows in zip((files.posts, files.mentions, files.source_runs, files.quarantine),
                          (posts, mentions, source_runs, quarantine)):
        write_jsonl(path, rows)
    return files


def load_posts(conn, folder, rows, brand="acme", touched=None) -> None:
    """Stage and load posts that all mention `brand`, recounting the buckets they fall in."""
    files = stage(folder, rows, [mention(r, brand) for r in rows])
    starts = touched or {T0 + BUCKET * ((datetime.fromisoformat(r["published_at"]) - T0) // BUCKET) for r in rows}
    load_staged(conn, files, BRANDS, starts, BUCKET)
