"""Per-article analysis: dates, places, then events — the pure core every entry point shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.models import DateMention, Extraction, PlaceMention

if TYPE_CHECKING:
    from pipeline.geo import Gazetteer


@dataclass(slots=True)
class Analysis:
    """What one article yielded, with offsets into its text."""

    dates: list[DateMention] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    extraction: Extraction = field(default_factory=Extraction)


def analyse_text(
    text: str,
    published_at: datetime | None,
    gazetteer: Gazetteer,
    *,
    dateline: str | None = None,
    dateline_span: tuple[int, int] | None = None,
) -> Analysis:
    """Resolve dates and places in ``text`` and extract the events they anchor."""
    from pipeline.dates import resolve_dates
    from pipeline.extract import extract_events
    from pipeline.geo import find_places

    dates = resolve_dates(text, published_at)
    places = find_places(text, gazetteer, dateline=dateline, dateline_span=dateline_span)
    extraction = extract_events(
        text,
        published=published_at.date() if published_at else None,
        dates=dates,
        places=places,
    )
    return Analysis(dates=dates, places=places, extraction=extraction)
