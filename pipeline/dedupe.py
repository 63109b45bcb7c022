"""Exact and near-duplicate articles: the same wire story re-published is kept once.

Exact duplicates share an article_id (the hash of the normalised text). Near duplicates (a wire
story with a different headline, a trailing boilerplate line, a fixed typo) are found with MinHash
over word 5-gram shingles and banded LSH, then confirmed by the estimated Jaccard similarity and by
the text's salient tokens (numbers and capitalised names): short formulaic reports ("On 9 May 2020,
rebels fired mortars near Slavne, Donetsk.") differ from the next one in a single place name, which
word shingles barely see, and they are different events, not copies.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import islice

import numpy as np

from pipeline.text_ids import normalise_text

NUM_PERM = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.7 Jaccard almost always share a band
_ROWS = NUM_PERM // BANDS
_P_BITS = np.uint64(61)
_PRIME = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20160927)  # fixed: signatures must compare across runs
_A = _rng.integers(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+")
SHINGLE = 5
_MINHASH_BYTES = NUM_PERM * 4
# A name or number not at the start of a sentence: what changes between two different events told in
# the same words, and what a re-publication (new tagline, fixed typo) keeps.
# Read as: a word start, no sentence start before it (not after ". " or "." or a line start), then
# a number ("12", "3.5", "1,200") or a capitalised word. Written with its first character first
# and the look-behinds after it (each one character longer), which lets ``re`` skip at C speed
# to the next digit or capital instead of testing the look-behinds at every position: 3x faster.
_SALIENT = re.compile(
    r"[\dA-Z](?<!\w[\dA-Z])(?<![.!?\n][\dA-Z])(?<![.!?\n]\s[\dA-Z])(?<!^[\dA-Z])(?:(?<=\d)(?:[\d.,:]*\d)?|[\w'’-]*)", re.M
)
_NUMBER_BIT, _LOW31 = 1 << 31, (1 << 31) - 1
SALIENT_CAP = 128  # salient tokens kept per article, in text order (the first ones)
# A copy may differ in names (not numbers) at its edges (headline, dateline, tagline, byline) but hardly
# anywhere else: at most SALIENT_CHANGED of its salient tokens, rounded down, so a twelve-name report
# may change none.
SALIENT_EDGE = 0.1
SALIENT_CHANGED = 0.05


def signature(text: str) -> bytes:
    """MinHash signature of ``text`` (NUM_PERM uint32 values) followed by the hashes of its salient
    tokens in text order (at most SALIENT_CAP uint32 values), as bytes for storage. Signatures stored before
    the salient part existed are the MinHash alone; they are compared on it alone."""
    return _minhash(text) + _salient_hashes(text)


def _salient_hashes(text: str) -> bytes:
    matches = islice(_SALIENT.finditer(text.strip()), SALIENT_CAP)
    tokens = [m.group(0).rstrip(".,:").lower() for m in matches]
    # The top bit marks a number: a different date or toll is never an edge detail.
    return np.array(
        [zlib.crc32(t.encode("utf-8")) & _LOW31 | (_NUMBER_BIT if t[0].isdigit() else 0) for t in tokens],
        dtype=np.uint32,
    ).tobytes()


def _minhash(text: str) -> bytes:
    words = _WORD.findall(normalise_text(text))
    if len(words) < SHINGLE:
        grams = [" ".join(words)]
    else:
        # Every shingle, repeats included: a repeat leaves each minimum, so the signature, as it was,
        # and skipping the set that dropped them saves a fifth of the hashing.
        grams = list(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)))))
    return _minhash_of(np.fromiter(map(zlib.crc32, map(str.encode, grams)), dtype=np.uint64, count=len(grams)))


def _minhash_of(hashes: np.ndarray) -> bytes:
    # (a*x + b) mod p per permutation; x < 2**32 and a < 2**61 overflow uint64, which is fine for
    # hashing: the products wrap identically in every run.
    mixed = np.multiply.outer(hashes, _A)
    mixed += _B
    # mod p without a division (half the cost): p = 2**61 - 1, so x = hi * 2**61 + lo is hi + lo mod p,
    # and hi + lo < 2 * p needs at most one subtraction.
    folded = mixed & _PRIME
    mixed >>= _P_BITS
    folded += mixed
    np.subtract(folded, _PRIME, out=folded, where=folded >= _PRIME)
    return (folded.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes()


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    a = np.frombuffer(sig_a[:_MINHASH_BYTES], dtype=np.uint32)
    b = np.frombuffer(sig_b[:_MINHASH_BYTES], dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / NUM_PERM


def same_names(sig_a: bytes, sig_b: bytes) -> bool:
    """Whether two near-identical texts name the same things in the same places (see SALIENT_EDGE)."""
    if len(sig_a) <= _MINHASH_BYTES or len(sig_b) <= _MINHASH_BYTES:
        return True  # stored before salient tokens were recorded (or no names at all): MinHash decides
    a = np.frombuffer(sig_a[_MINHASH_BYTES:], dtype=np.uint32).tolist()
    b = np.frombuffer(sig_b[_MINHASH_BYTES:], dtype=np.uint32).tolist()
    if len(a) == SALIENT_CAP or len(b) == SALIENT_CAP:
        a, b = a[: min(len(a), len(b))], b[: min(len(a), len(b))]  # only the prefixes were kept
    edge_a, edge_b = int(SALIENT_EDGE * len(a)), int(SALIENT_EDGE * len(b))
    changed = 0
    for op, a0, a1, b0, b1 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        # Names added before the first or after the last shared one (a tagline) are always an edge.
        added = op in ("insert", "delete") and (a0 == b0 == 0 or (a1 == len(a) and b1 == len(b)))
        at_start = added or (a1 <= edge_a and b1 <= edge_b)
        at_end = a0 >= len(a) - edge_a and b0 >= len(b) - edge_b
        numbers = any(h & _NUMBER_BIT for h in a[a0:a1] + b[b0:b1])
        if numbers or not (at_start or at_end):
            changed += max(a1 - a0, b1 - b0)
    return changed <= int(SALIENT_CHANGED * min(len(a), len(b)))


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
                if score < self.threshold or (best is not None and score <= best.similarity):
                    continue
                if same_names(sig, candidate.signature):
                    best = Match("near", candidate, score)
        return best
