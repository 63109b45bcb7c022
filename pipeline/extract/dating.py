"""Choose an event's date from the resolved date mentions around it.

Order of preference: a date phrase in the event's own sentence (the one nearest the
trigger); else the nearest earlier phrase in the paragraph, then in earlier paragraphs (the
"governing" phrase: "On 6 May, ... . Two people were killed." both happened on 6 May); else
the publication date, marked as such with a coarser precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.models import DateMention


@dataclass(frozen=True, slots=True)
class DateChoice:
    day: date | None
    day_end: date | None
    precision: str | None
    text: str | None
    source: str  # own_phrase | governing_phrase | publication | none


def usable_mentions(dates: list[DateMention], published: date | None, skip: list[tuple[int, int]]) -> list[DateMention]:
    """Mentions that can date an event: resolvable, not the byline, not in page furniture, not after publication."""
    out = []
    for d in dates:
        if d.kind == "publication" or any(a <= d.start < b for a, b in skip):
            continue
        first = d.first_day()
        if first is None or (published is not None and first > published):
            continue
        out.append(d)
    return sorted(out, key=lambda d: d.start)


def choose_date(
    mentions: list[DateMention],
    sentence: tuple[int, int],
    trigger: int,
    paragraph_start: int,
    published: date | None,
) -> DateChoice:
    """The date of an event whose sentence spans ``sentence`` and whose trigger is at ``trigger``."""
    own = [d for d in mentions if d.start >= sentence[0] and d.end <= sentence[1] and d.precision != "year"]
    if own:
        best = min(own, key=lambda d: (d.precision != "day", d.start > trigger, abs(d.start - trigger)))
        return _from_mention(best, mentions, published, "own_phrase")
    earlier = [d for d in mentions if d.end <= sentence[0] and d.precision in ("day", "week") and d.kind != "interval_start"]
    if earlier:
        in_para = [d for d in earlier if d.start >= paragraph_start]
        best = (in_para or earlier)[-1]
        return _from_mention(best, mentions, published, "governing_phrase")
    if published is not None:
        return DateChoice(published, None, "week", None, "publication")
    return DateChoice(None, None, None, None, "none")


def _from_mention(d: DateMention, mentions: list[DateMention], published: date | None, source: str) -> DateChoice:
    first = d.first_day()
    if d.kind == "interval_start":
        # "since Thursday": from that day until the report (or the latest day the text names).
        latest = max((m.last_day() for m in mentions if m.last_day() is not None), default=None)
        end = published or latest
        if d.value_end:
            end = d.last_day()
        return DateChoice(first, end, "day", d.text, source)
    last = d.last_day()
    end = last if (d.kind == "interval" or d.value_end) and last != first else None
    return DateChoice(first, end, d.precision, d.text, source)
