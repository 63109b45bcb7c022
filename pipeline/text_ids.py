"""Stable identifiers: the same text or the same finding gets the same id in every run."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Case, Unicode form and whitespace folded, so trivially different copies hash alike."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def article_id_for(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:20]


def stable_id(*parts: object) -> str:
    """A short hash of ``parts``; used for event and mention ids."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]
