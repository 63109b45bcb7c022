"""Choose an event's date from the resolved date mentions around it.

Order of preference: a date phrase in the event's own sentence (the one nearest the
trigger); else the nearest earlier phrase in the paragraph, then in earlier paragraphs (the
"governing" phrase: "On 6 May, ... . Two people were killed." both happened on 6 May); else
the publication date, marked as such with a coarser precision.

A sentence that opens with its date ("On 3 March 2020, ...", "Around 27 April (from ...)") is
framed by it: later dates in that sentence usually date a side clause ("who was arrested on
16 April", "the murder the day before"), so the frame wins unless another date sits right by
the trigger.
"""

from __future__ import annotations

import re
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


# What may stand before a framing date: a preposition or hedge, no clause of its own.
_FRAME_LEAD = re.compile(r"^\W*(?:\w+\W+){0,3}$")
_FRAME_MAX_LEAD = 25
_FRAME_FOLLOW = re.compile(r"^\s*[,(]")
# A side-clause date this close to the trigger is the event's own ("attacked on Saturday").
_NEAR_TRIGGER = 40


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


def sentence_frame(own: list[DateMention], sentence_start: int, text: str) -> DateMention | None:
    """The day-precision date that opens the sentence ("On 3 March 2020, ..."), if there is one."""
    if not text or not own:
        return None
    first = own[0]
    lead = text[sentence_start : first.start]
    if first.precision != "day" or len(lead) > _FRAME_MAX_LEAD or not _FRAME_LEAD.match(lead):
        return None
    return first if _FRAME_FOLLOW.match(text[first.end : first.end + 3]) else None


def choose_date(
    mentions: list[DateMention],
    sentence: tuple[int, int],
    trigger: int,
    paragraph_start: int,
    published: date | None,
    text: str = "",
) -> DateChoice:
    """The date of an event whose sentence spans ``sentence`` and whose trigger is at ``trigger``.

    ``text`` is the whole document, needed to recognise a sentence's framing date; without it
    the nearest date to the trigger wins."""
    own = [d for d in mentions if d.start >= sentence[0] and d.end <= sentence[1] and d.precision != "year"]
    if own:
        frame = sentence_frame(own, sentence[0], text)
        near = [d for d in own if d is not frame and d.precision == "day" and abs(d.start - trigger) <= _NEAR_TRIGGER]
        if frame is not None and not near:
            return _from_mention(frame, mentions, published, "own_phrase")
        best = min(own, key=lambda d: (d.precision != "day", d.start > trigger, abs(d.start - trigger)))
        return _from_mention(best, mentions, published, "own_phrase")
    earlier = [d for d in mentions if d.end <= sentence[0] and d.precision in ("day", "week") and d.kind != "interval_start"]
    if earlier:
        in_para = [d for d in earlier if d.start >= paragraph_start]
        pool = in_para or earlier
        best = pool[-1]
        # The frame of the latest dated sentence governs, not a side-clause date inside it.
        frame = _frame_of_sentence(pool, best, text)
        return _from_mention(frame or best, mentions, published, "governing_phrase")
    if published is not None:
        return DateChoice(published, None, "week", None, "publication")
    return DateChoice(None, None, None, None, "none")


def _frame_of_sentence(pool: list[DateMention], last: DateMention, text: str) -> DateMention | None:
    """The framing date of the sentence that holds ``last``, found by walking back to its start."""
    if not text:
        return None
    start = max(text.rfind(". ", 0, last.start), text.rfind("\n", 0, last.start)) + 1
    while start < len(text) and text[start].isspace():
        start += 1
    same = [d for d in pool if start <= d.start <= last.start]
    frame = sentence_frame(same, start, text)
    return frame if frame is not last else None


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
