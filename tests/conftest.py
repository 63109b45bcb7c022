"""Shared fixtures: where ../shared is, and small helpers to skip cleanly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_TXT = SHARED / "seeds" / "000_eaf0dc1fca8d39c3.txt"
DEV = SHARED / "eval" / "dev"


def require_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared evaluation data sits beside the repo as ../shared")
    return path


@pytest.fixture
def repo() -> Path:
    return REPO
