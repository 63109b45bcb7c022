"""Find and normalise actors (states, armed groups) in one sentence.

A state's name depends on its role: "Russian aircraft" attacking is "Military Forces of
Russia", "Russia said" speaking is "Government of Russia". A bare name ("Russia", "Syrian")
takes the role the caller asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.lexicon import ActorLexicon

_VERBATIM_SPEAKER = re.compile(r"\b((?:Mr|Mrs|Ms|Dr|Gen)\.?\s+)?([A-Z][\w'’-]+(?:\s+(?:al-)?[A-Z][\w'’-]+){0,3})\s+(?:said|says|told|announced|stated)\b")


_BY_BEFORE = re.compile(r"\bby\s+(?:the\s+)?$")  # "attacked by (the) <actor>"


@dataclass(frozen=True, slots=True)
class ActorMention:
    start: int
    end: int
    military: str
    government: str | None
    role: str | None  # "military", "government" or None when the text does not say

    def name(self, role: str) -> str:
        """The normalised name for ``role`` ("military" or "government")."""
        fixed = self.role or role
        if fixed == "government" and self.government:
            return self.government
        return self.military


def find_actors(sentence: str, lex: ActorLexicon) -> list[ActorMention]:
    """Dictionary actors in ``sentence``, in text order (offsets relative to the sentence)."""
    out: list[ActorMention] = []
    for m in lex.actor_re.finditer(sentence):
        name = m.lastgroup or ""
        i, kind = int(name[1:-1]), name[-1]
        entry = lex.entries[i]
        role = {"m": "military", "g": "government"}.get(kind)
        if entry.government is None:
            role = "military"
        out.append(ActorMention(m.start(), m.end(), entry.military, entry.government, role))
    return out


_REPORT_VERB = re.compile(
    r"\b(?:said|says|told|announced|stated|added|insisted|claimed|declared|warned|accused|confirmed|argued|maintained|according to)\b",
    re.I,
)


def speaker(sentence: str, actors: list[ActorMention]) -> tuple[str | None, tuple[int, int] | None]:
    """Who is quoted in ``sentence``: the actor nearest a reporting verb, else a verbatim name."""
    best: tuple[int, ActorMention] | None = None
    for v in _REPORT_VERB.finditer(sentence):
        for a in actors:
            if a.end <= v.start() and v.start() - a.end <= 40:
                gap = v.start() - a.end
            elif a.start >= v.end() and a.start - v.end() <= 8:
                gap = a.start - v.end()
            else:
                continue
            if best is None or gap < best[0]:
                best = (gap, a)
    if best is not None:
        a = best[1]
        return a.name("government"), (a.start, a.end)
    m = _VERBATIM_SPEAKER.search(sentence)
    if m and m.group(2).split()[0] not in {"The", "It", "He", "She", "They", "We", "This", "That"}:
        return m.group(2), m.span(2)
    return None, None


def attackers(sentence: str, trigger_start: int, actors: list[ActorMention]) -> tuple[str | None, str | None]:
    """actor1 (the first actor before the trigger, else after "by") and actor2 (another one)."""
    names: list[str] = []
    before = [a for a in actors if a.start < trigger_start]
    after = [a for a in actors if a.start >= trigger_start]
    by = [a for a in after if _BY_BEFORE.search(sentence[max(0, a.start - 12) : a.start])]
    for a in by + before + after:
        n = a.name("military")
        if n not in names:
            names.append(n)
    return (names[0] if names else None), (names[1] if len(names) > 1 else None)
