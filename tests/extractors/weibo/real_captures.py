"""The real m.weibo.cn responses in ../shared/data/fixtures/weibo_mobile_api (June 2019).

Tests that read them are skipped, saying why, where that folder is absent; they are never copied
into the repo.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.shared_data import shared_path

SHARED = shared_path("fixtures", "weibo_mobile_api")
FETCHED_2019 = datetime(2019, 6, 15, 4, 0, tzinfo=timezone.utc)  # the captures are from mid-June 2019


def shared(name: str) -> dict:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"real m.weibo.cn responses not available at {SHARED} (see ../shared/data/README.md)")
    return json.loads(path.read_text(encoding="utf-8"))


def timeline_mblogs() -> list[dict]:
    return [card["mblog"] for card in shared("getIndex_containerid_107603_user_timeline.json")["data"]["cards"]
            if "mblog" in card]
