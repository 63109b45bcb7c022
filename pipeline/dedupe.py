"""Exact and near-duplicate articles: the same wire story re-published is kept once.

Exact duplicates share an article_id (the hash of the normalised text). Near duplicates (a wire
story with a different headline, a trailing boilerplate line, a fixed typo) are found with MinHash
over word 5-gram shingles and banded LSH, then confirmed by the estimated Jaccard similarity.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from pipeline.text_ids import normalise_text

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.7 Jaccard almost always share a band
_ROWS = NUM_PERM // BANDS
_PRIME = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20160927)  # fixed: signatures must compare across runs
_A = _rng.integers(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+")
SHINGLE = 5


def signature(text: str) -> bytes:
    """MinHash signature of ``text`` (NUM_PERM uint32 values, as bytes for storage)."""
    words = _WORD.findall(normalise_text(text))
    if len(words) < SHINGLE:
        grams = [" ".join(words)]
    else:
        grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in set(grams)), dtype=np.uint64)
    # (a*x + b) mod p per permutation; x < 2**32 and a < 2**61 overflow uint64, which is fine for
    # hashing: the products wrap identically in every run.
    with np.errstate(over="ignore"):
        mixed = (np.outer(hashes, _A) + _B) % _PRIME
    return (mixed.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes()


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    a = np.frombuffer(sig_a, dtype=np.uint32)
    b = np.frombuffer(sig_b, dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / NUM_PERM


@dataclass(frozen=True, slots=True)
class Known:
    """An article already kept (in this run or in the warehouse)."""

    article_id: str
    source_id: str
    signature: bytes
    batch: str | None = None  # None: kept in this run


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # exact | near
    kept: Known
    similarity: float


class DuplicateIndex:
    """Articles kept so far, searchable for exact and near duplicates."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._by_id: dict[str, Known] = {}
        self._bands: dict[tuple[int, bytes], list[Known]] = defaultdict(list)

    def add(self, known: Known) -> None:
        self._by_id.setdefault(known.article_id, known)
        for key in self._band_keys(known.signature):
            self._bands[key].append(known)

    @staticmethod
    def _band_keys(sig: bytes) -> list[tuple[int, bytes]]:
        width = _ROWS * 4
        return [(band, sig[band * width : (band + 1) * width]) for band in range(BANDS)]

    def match(self, article_id: str, sig: bytes) -> Match | None:
        """The kept article this one duplicates, or None."""
        if (kept := self._by_id.get(article_id)) is not None:
            return Match("exact", kept, 1.0)
        best: Match | None = None
        seen: set[str] = set()
        for key in self._band_keys(sig):
            for candidate in self._bands.get(key, ()):
                if candidate.article_id in seen:
                    continue
                seen.add(candidate.article_id)
                score = similarity(sig, candidate.signature)
                if score >= self.threshold and (best is None or score > best.similarity):
                    best = Match("near", candidate, score)
        return best
