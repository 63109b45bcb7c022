"""dateparser as the fallback engine for phrases the fast rules recognised but could not resolve.

Only phrases this package found itself are sent (never whole texts), dateparser is imported on
first use so importing ``pipeline.dates`` stays cheap, and answers are cached per phrase and anchor.
Weekdays never come here: dateparser reads "Tuesday" in a Tuesday article as the week before.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from pipeline.dates.fast import Candidate

_UNIT = re.compile(r"(?i)\b(fortnight|day|week|month|year)s?\b")
_PRECISION = {"fortnight": "day", "day": "day", "week": "day", "month": "month", "year": "year"}


def normalise_phrase(phrase: str) -> str:
    """Lower-case with single spaces: the cache key, so spacing and case variants share one call."""
    return " ".join(phrase.lower().split())


@lru_cache(maxsize=4096)
def parse_phrase(phrase: str, anchor: date) -> date | None:
    """dateparser's reading of a normalised ``phrase`` relative to ``anchor``, or None."""
    import dateparser  # heavy (regex tables for every locale): only when a phrase needs it

    settings = {
        "RELATIVE_BASE": datetime(anchor.year, anchor.month, anchor.day),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    found = dateparser.parse(phrase, languages=["en"], settings=settings)
    return found.date() if found is not None else None


def resolve_with_dateparser(text: str, start: int, end: int, anchor: date) -> Candidate | None:
    """A candidate for ``text[start:end]`` resolved by dateparser, or None when it cannot read it."""
    phrase = text[start:end]
    found = parse_phrase(normalise_phrase(phrase), anchor)
    if found is None:
        return None
    unit = _UNIT.search(phrase)
    precision = _PRECISION[unit[1].lower()] if unit else "day"
    value = {"day": found.isoformat(), "month": found.isoformat()[:7], "year": f"{found.year:04d}"}[precision]
    return Candidate(start, end, "dateparser", value, precision)
