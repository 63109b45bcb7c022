"""Reading the JSON rule, vocabulary and lexicon files that ship inside the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; a ConfigError naming ``what`` the file is when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"cannot read {what} {path}: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must hold a JSON object")
    return data
