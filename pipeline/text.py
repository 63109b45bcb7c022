"""Split article text into paragraphs and sentences with offsets, and spot page furniture.

Offsets are Python string indices into the original text (end exclusive), so every
sentence can be cut back out of the text unchanged.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.regex_gate import GatedPattern, fold

RULES_DIR = Path(__file__).parent / "rules"

_PARA_BREAK = re.compile(r"\n\s*\n|\r\n\s*\r\n")
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace
# and an upper-case letter, digit or opening quote. Abbreviations are checked separately.
_SENT_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Capt|Sgt|Cpl|Gov|Sen|Rep|St|Jr|Sr|No|Nos|vs|etc|Inc|Ltd|Co|Corp|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.N|U\.K|a\.m|p\.m|approx|est|Ave|Blvd|Rd|Mt|Ft)"
    r"|\b[A-Z])\.$"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: offsets into the article text and the index of its paragraph."""

    start: int
    end: int
    text: str
    paragraph: int


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: text separated by blank lines, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _PARA_BREAK.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [t for t in (_trim(text, s, e) for s, e in spans) if t[0] < t[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``; single newlines also end a sentence."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    line_start = start
    while line_start <= end:
        line_end = text.find("\n", line_start, end)
        if line_end < 0:
            line_end = end
        s = line_start
        for m in _SENT_END.finditer(text, line_start, line_end):
            cut = m.end()
            if _ABBREV.search(text[max(s, cut - 8) : m.start() + 1]):
                continue
            spans.append(_trim(text, s, cut))
            s = cut
        spans.append(_trim(text, s, line_end))
        line_start = line_end + 1
    return [t for t in spans if t[0] < t[1]]


def split_text(text: str, paragraphs: list[tuple[int, int]] | None = None) -> list[Sentence]:
    """All sentences of ``text`` in order, each tagged with its paragraph index;
    ``paragraphs``: ``split_paragraphs(text)``, when the caller has it."""
    out: list[Sentence] = []
    for p, (ps, pe) in enumerate(split_paragraphs(text) if paragraphs is None else paragraphs):
        for s, e in split_sentences(text, ps, pe):
            out.append(Sentence(s, e, text[s:e], p))
    return out


@lru_cache(maxsize=1)
def _boilerplate_regex() -> GatedPattern:
    path = RULES_DIR / "boilerplate.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path}: cannot read boilerplate rules: {err}") from err
    parts = []
    for i, entry in enumerate(data.get("patterns", [])):
        if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str) or not entry.get("id"):
            raise ConfigError(f"{path}: pattern #{i} needs string 'id' and 'pattern': {entry!r}")
        try:
            re.compile(entry["pattern"])
        except re.error as err:
            raise ConfigError(f"{path}: pattern {entry['id']!r} is not a valid regex: {err}") from err
        parts.append(f"(?:{entry['pattern']})")
    # Gated: most sentences hold none of the patterns' literal words, and the combined
    # IGNORECASE alternation otherwise costs as much as the whole event search.
    return GatedPattern(re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE | re.MULTILINE))


def is_boilerplate(sentence: str) -> bool:
    """True when ``sentence`` is page furniture (comment policy, app promo, share buttons...)."""
    return _boilerplate_regex().search(sentence) is not None


def furniture(text: str, sentences: list[Sentence]) -> tuple[set[int], set[int]]:
    """Page furniture among ``split_text(text)``: (paragraphs whose first sentence is furniture,
    indexes of furniture sentences).

    Only sentences holding one of the patterns' literal words are searched; those words are
    looked up once in the whole text, as they occur in few sentences of few articles.
    """
    rx = _boilerplate_regex()
    low = fold(text)
    if rx.needs is None or low is None:
        maybe = range(len(sentences))
    else:
        starts = [s.start for s in sentences]
        found: set[int] = set()
        for word in rx.needs:
            at = low.find(word)
            while at >= 0:
                i = bisect_right(starts, at) - 1
                if i >= 0 and at + len(word) <= sentences[i].end:
                    found.add(i)
                at = low.find(word, at + 1)
        maybe = sorted(found)
    bad = {i for i in maybe if rx.regex.search(sentences[i].text)}
    paras = {sentences[i].paragraph for i in bad if i == 0 or sentences[i - 1].paragraph != sentences[i].paragraph}
    return paras, bad


def boilerplate_paragraphs(text: str) -> set[int]:
    """Indexes of paragraphs whose first sentence is furniture: the whole paragraph is then skipped.

    A disclaimer paragraph continues with ordinary-looking sentences ("Try to avoid outside
    hyperlinks"), so judging sentence by sentence would let those through.
    """
    return furniture(text, split_text(text))[0]
