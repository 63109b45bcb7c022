"""The code version stamped on every row: package version plus a hash of the rule files.

A rule edit changes what the extractor emits, so it must show in the version even without a release.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from pipeline import __version__


@lru_cache(maxsize=1)
def extractor_version() -> str:
    digest = hashlib.sha256()
    for folder in ("rules", "config"):
        root = resources.files("pipeline").joinpath(folder)
        if not root.is_dir():
            continue
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith((".json", ".toml")):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    return f"{__version__}+rules.{digest.hexdigest()[:8]}"
