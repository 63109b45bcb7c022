"""Find time expressions in article text and resolve them against the publication day.

Policy choices (tested in ``tests/test_dates.py``):

* Anchor: ``published_at.date()`` in the article's own time zone. Without it, absolute dates
  ("27 Sep 2016", "2011") still resolve; relative ones are left out rather than guessed.
* Bare weekdays ("on Saturday") are the latest such day on or before publication: a "Tuesday" in a
  Tuesday article is that same day, as news reports say "said on Tuesday" of the publication day.
  When the sentence before the weekday speaks of the future ("will", "is expected to", ...), the
  first such day on or after publication is taken instead. "last Friday" is strictly before,
  "next Monday" / "this coming Friday" strictly after.
* "yesterday (Monday)" is one mention whose value is the Monday nearest the relative day;
  a weekday written with a date ("Tuesday, Jan. 27") takes the date (the weekday only picks the year).
* "since Thursday" is ``kind="interval_start"`` with ``value_end=None``: the end is open, and the
  publication day is already known to every consumer.
* "the day before", "two days later" count from the latest day mentioned earlier in the text,
  falling back to the publication day.
* "the previous Friday" / "the following Monday" count from the latest earlier day mention too.
* Yearless day-and-month ("Sept. 27") takes the publication year unless that lies more than
  60 days ahead, then the year before; in a future-tense clause ("will take office Feb. 1") the
  first such day on or after publication.
* Bare years reject counts: a following count noun ("2011 people"), a preceding approximator
  ("about 1800"), digit grouping ("1,700") and clock times ("1600 GMT").
* Fast regex rules run first; phrases they recognise but cannot resolve ("a fortnight ago") go to
  dateparser, cached per phrase and anchor.
"""

from __future__ import annotations

from datetime import date, datetime

from pipeline.dates.fallback import resolve_with_dateparser
from pipeline.dates.fast import (
    PATTERNS,
    Candidate,
    find_candidates,
    iter_gated,
    join_ranges,
    resolve_references,
    select_non_overlapping,
)
from pipeline.models import DateMention

__all__ = ["resolve_dates", "anchor_of"]


def anchor_of(published_at: datetime | None) -> date | None:
    """The publication day in the article's own time zone."""
    return published_at.date() if published_at is not None else None


def _fallback_candidates(text: str, anchor: date | None, fast: list[Candidate], cache: dict) -> list[Candidate]:
    """dateparser readings of candidate phrases that no fast mention already covers."""
    if anchor is None:
        return []
    out = []
    for m in iter_gated(PATTERNS.fallback_candidate, PATTERNS.gate_ago, text, cache):
        if any(m.start() < c.end and c.start < m.end() for c in fast if c.value is not None):
            continue
        found = resolve_with_dateparser(text, m.start(), m.end(), anchor)
        if found is not None:
            out.append(found)
    return out


def resolve_dates(text: str, published_at: datetime | None) -> list[DateMention]:
    """Every resolvable time expression in ``text``, sorted by start and non-overlapping."""
    anchor = anchor_of(published_at)
    gate_hits: dict = {}  # the fast rules' gate scans, reused by the fallback's
    chosen = select_non_overlapping(list(find_candidates(text, anchor, gate_hits)))
    chosen = resolve_references(chosen, anchor)
    extra = _fallback_candidates(text, anchor, chosen, gate_hits)
    if extra:
        resolved = [c for c in chosen if c.value is not None]
        chosen = select_non_overlapping([(0, c) for c in resolved] + [(1, c) for c in extra])
    chosen = join_ranges([c for c in chosen if c.value is not None], text, gate_hits.get("fold"))
    return [
        DateMention(
            start=c.start,
            end=c.end,
            text=text[c.start : c.end],
            value=c.value,
            precision=c.precision,
            anchor=anchor,
            rule=c.rule,
            value_end=c.value_end,
            kind=c.kind,
        )
        for c in chosen
        if c.value is not None
    ]
