"""Find input files under the paths a user gave, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError

# Formats we read; each may also carry a trailing .gz.
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".json": "json", ".jsonl": "jsonl"}
# Documentation that sits beside sample articles; never an article.
_IGNORED_NAMES = {"readme.md", "readme.txt", "readme", "license", "attribution.txt"}


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str
    format: str | None  # None: not a format we read (it is quarantined, not skipped)
    compressed: bool


def classify(path: Path) -> InputFile:
    """Decide how to read ``path`` from its name alone."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    return InputFile(path=str(path), format=fmt, compressed=compressed)


def _wanted(path: Path) -> bool:
    # Hidden files (editor swap files, .DS_Store) and READMEs are not inputs.
    return not path.name.startswith(".") and path.name.lower() not in _IGNORED_NAMES


def discover_inputs(paths: list[str | Path]) -> list[InputFile]:
    """Every file named in ``paths`` or found under it (recursively), sorted, without repeats.

    Raises InputError when a path does not exist: a typo must not look like an empty batch.
    """
    found: dict[str, InputFile] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates = [p for p in path.rglob("*") if p.is_file() and _wanted(p)]
            candidates = [p for p in candidates if not any(x.startswith(".") for x in p.relative_to(path).parts)]
        elif path.is_file():
            candidates = [path]
        else:
            raise InputError(f"input path does not exist: {path}")
        for candidate in candidates:
            key = str(candidate.resolve())
            found.setdefault(key, classify(candidate))
    return [found[k] for k in sorted(found)]
