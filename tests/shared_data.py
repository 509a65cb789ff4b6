"""Where the project's real third-party data lives for tests that read it.

The files stay outside the repository (../shared/data, or $BRANDMON_DATA_DIR); a test that
needs them skips with this reason when they are absent, so a clean clone still passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BRANDMON_DATA_DIR") or REPO.parent / "shared" / "data")


def shared_path(*parts: str) -> Path:
    """A path inside the shared data folder (which may not exist)."""
    return DATA_DIR.joinpath(*parts)


def require(*parts: str) -> Path:
    """The path, or skip the calling test with a reason saying how to provide the data."""
    path = shared_path(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set BRANDMON_DATA_DIR to the shared data folder)")
    return path
