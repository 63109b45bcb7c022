"""Shared fixtures: where ../shared is, and small helpers to skip cleanly without it."""

from __future__ import annotations

import json
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


def load_gold(name: str) -> list[dict]:
    """The records of the dev gold set ``name`` (a .jsonl under ../shared/eval/dev), or a skip."""
    path = require_shared(DEV / name)
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quality_floors(area: str) -> dict:
    """The pinned quality floors of one area (tests/quality_floors_<area>.json); they only rise."""
    return json.loads((REPO / "tests" / f"quality_floors_{area}.json").read_text(encoding="utf-8"))
