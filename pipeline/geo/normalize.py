"""Name keys shared by the index builder and the text matcher.

Both sides must fold names the same way, or a name compiled into the index would never be
found again in text; that is why this lives in its own module.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from operator import itemgetter

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ʻ": "'", "‛": "'"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_/]+")
# Arabic articles are written "al-", "Al ", "el-", "ad-"... or dropped entirely in English news,
# so a name starting with one is also indexed without it ("Al-Hasakah" -> "hasakah").
ARABIC_ARTICLES = frozenset({"al", "el", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "ad'", "ed", "es", "et", "ez", "a"})


@lru_cache(maxsize=1 << 16)
def norm_key(name: str) -> str:
    """Fold a place name to its lookup key: no accents, lower case, one space between words.

    Periods are dropped so "U.S." and "US", "St. Louis" and "St Louis" meet.
    """
    if name.isascii():
        # Fast path for the common case; same result as below for ASCII input.
        folded = name.lower().replace(".", "").replace("'", "").replace("`", "")
        return _SEPARATORS.sub(" ", folded).strip()
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.translate(_APOSTROPHES).casefold().replace(".", "")
    # Transliterations mark ayn/hamza with apostrophes inconsistently ("Ma'rib", "Marib").
    folded = folded.replace("'", "")
    return _SEPARATORS.sub(" ", folded).strip()


def strip_article(key: str) -> str | None:
    """The key without a leading Arabic article, or None when it has none to drop."""
    head, sep, rest = key.partition(" ")
    if sep and head in ARABIC_ARTICLES and len(rest) >= 3:
        return rest
    return None


def is_latin(name: str) -> bool:
    """True when every letter is Latin script (alternate names in other scripts never match English text)."""
    for ch in name:
        if ch.isalpha() and not ("LATIN" in unicodedata.name(ch, "")):
            return False
    return True


# Spelling variants of transliterated names ("Qalqiliyah" / "Qalqilyah", "Tooz Khurmato" / "Tuz
# Khurmatu", "Ain al Arab" / "Ayn al Arab", "Baramulla" / "Baramula"): a key both spellings fold
# to. Only vowel spellings, doubled letters and q/k vary; consonants must agree. Index keys of
# this kind start with VARIANT_MARK so they never meet a plain key.
VARIANT_MARK = "~"
_DOUBLE = re.compile(r"([a-z])\1+")
# The replacement for _DOUBLE as a C callable: a template (r"\1") costs a Python-level
# template expansion per sub() call.
_FIRST_GROUP = itemgetter(1)
_VARIANT_SUBS = (("ou", "u"), ("oo", "u"), ("ee", "i"), ("q", "k"), ("iya", "ya"), ("ia", "ya"), ("ai", "ay"), ("ei", "ay"), ("e", "i"), ("o", "u"))
_TRAILING_H = re.compile(r"(?<=[aiu])h\b")


@lru_cache(maxsize=1 << 14)
def variant_key(key: str) -> str | None:
    """The spelling-variant key of a folded name key, or None when too short to be telling."""
    if len(key) < 6 or not key.isascii():
        return None
    s = _DOUBLE.sub(_FIRST_GROUP, strip_article(key) or key)
    for a, b in _VARIANT_SUBS:
        s = s.replace(a, b)
    s = _TRAILING_H.sub("", s)
    return VARIANT_MARK + s
