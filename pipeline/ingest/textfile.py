"""Plain-text articles: headline, publication line and dateline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

_PUBLISHED = re.compile(
    r"^[ \t]*(?:Published|Posted|First published|Date)(?:[ \t]+on)?[ \t]*:?[ \t]*(?P<ts>[^|\n]+?)[ \t\u00a0]*(?:\||$)",
    re.IGNORECASE | re.MULTILINE,
)
# "MOSCOW/BEIRUT:", "SANAA, Yemen (Wire) —", "KHARKIV, Ukraine -"
_DATELINE = re.compile(
    r"(?P<dl>[A-Z][A-Z.'\-]+(?:[ ][A-Z][A-Z.'\-]+){0,3}(?:/[A-Z][A-Z.'\-]+(?:[ ][A-Z][A-Z.'\-]+){0,3})*)"
    r"(?:,[ ]+[A-Z][A-Za-z.' ]{1,30})?(?:[ ]*\([^)\n]{1,40}\))?[ ]*(?::|—|–|--?|_)[ \u00a0]"
)
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_FORMATS = (
    "%d %B %Y %I:%M %p",
    "%d %B %Y %H:%M",
    "%d %B %Y",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%B %d, %Y",
    "%d %b %Y %I:%M %p",
    "%d %b %Y",
    "%b %d, %Y",
)


@dataclass(frozen=True, slots=True)
class PlainArticle:
    title: str | None
    published_at: datetime | None
    published_status: str  # header | unparsable | missing
    dateline: str | None
    dateline_span: tuple[int, int] | None


@lru_cache(maxsize=4096)
def parse_timestamp(raw: str) -> datetime | None:
    """A timezone-aware datetime from a publication stamp; naive stamps are taken as UTC.

    Fast formats first; dateparser only for what they miss (it is slow to import and call).
    """
    value = raw.strip().rstrip(".")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        cleaned = _ORDINAL.sub(r"\1", value).replace(",", ", ").replace("  ", " ").replace(" ,", ",")
        cleaned = re.sub(r"\b(am|pm)\b", lambda m: m.group(1).upper(), cleaned)
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(cleaned, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        import dateparser

        parsed = dateparser.parse(
            value, languages=["en"], settings={"DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day", "month", "year"]}
        )
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def find_dateline(text: str, search_from: int = 0) -> tuple[str, tuple[int, int]] | None:
    """The dateline that opens one of the first body paragraphs, e.g. ("MOSCOW/BEIRUT", span)."""
    pos = search_from
    for _ in range(6):
        while pos < len(text) and text[pos] in "\n \t":
            pos += 1
        match = _DATELINE.match(text, pos)
        if match and len(match.group("dl").replace("/", "")) >= 3:
            return match.group("dl"), match.span("dl")
        nxt = text.find("\n", pos)
        if nxt < 0:
            return None
        pos = nxt + 1
    return None


def parse_plain_article(text: str) -> PlainArticle:
    """Headline (first non-empty line), publication stamp and dateline of a plain-text article."""
    title = next((line.strip() for line in text.split("\n") if line.strip()), None)
    published, status = None, "missing"
    header_end = 0
    stamp = _PUBLISHED.search(text, 0, min(len(text), 3000))
    if stamp:
        published = parse_timestamp(stamp.group("ts"))
        status = "header" if published else "unparsable"
        header_end = text.find("\n", stamp.end())
        header_end = len(text) if header_end < 0 else header_end
    title_end = text.find("\n", text.find(title)) if title else 0
    dateline = find_dateline(text, max(header_end, title_end if title_end > 0 else 0))
    return PlainArticle(
        title=title,
        published_at=published,
        published_status=status,
        dateline=dateline[0] if dateline else None,
        dateline_span=dateline[1] if dateline else None,
    )
