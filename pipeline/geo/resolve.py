"""Pick one gazetteer entry per recognised span, using the rest of the article as context.

Order of evidence: an explicit container ("Alexandria, Va.", "district (Al Hudaydah)", "Mansura in
Ar-Raqqa"), an admin word after the name, the article's country and admin1 focus (dateline,
country_hint, the groups and monitors it names, the other unambiguous places), other names with a
reading in the same admin1, nearness to those places, then population. A second pass then
re-reads every name in the light of the first pass's readings of the others: a reading in the
admin1 where most other names were read, or near one of their towns, gains (local news names
several places of one state, and its "Jackson" and "Madison" are that state's).

Spans that are pieces of longer unknown names ("Abu" of "Abu Salim") are dropped; a village whose
only readings contradict its written container or the article's region is placed in that
container or region instead, as ACLED codes unknown villages to the smallest unit named.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from pipeline.geo.codes import ADMIN1, ADMIN2, CITY, COUNTRY, FEATURES, REGION, KIND_ABBREV, KIND_ALTERNATE, KIND_PRIMARY, KIND_STRIPPED, KIND_VARIANT
from pipeline.geo.gazetteer import Facts, Gazetteer, Place
from pipeline.geo.lexicon import Lexicon, default_lexicon
from pipeline.geo.normalize import norm_key
from pipeline.geo.recognize import RawMention, recognize
from pipeline.models import PlaceMention
from pipeline.regex_gate import word_tree

MAX_CANDIDATES = 40
# A lone city no bigger than this needs some support (a preposition, the article's country or
# region, a nearby place) before a capitalised word is believed to be it.
SMALL_TOWN = 20000
# Extra weight for the single most-mentioned country: local news names foreign-sounding home towns.
TOP_COUNTRY_BONUS = 1.0
# Per other name (at most two) with a plausible reading in the same admin1 as this candidate.
CO_STATE_BONUS = 0.75
_KIND_PENALTY = {KIND_PRIMARY: 0.0, KIND_ALTERNATE: 1.0, KIND_STRIPPED: 1.5, KIND_ABBREV: 0.5, KIND_VARIANT: 1.5}
_LEVEL_FEATURE = {"admin1": ADMIN1, "admin2": ADMIN2, "city": CITY}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _any_near(la: float, lo: float, points: list[tuple[object, float, float]], skip: object, deg: float, km: float) -> bool:
    """Whether a point not labelled ``skip`` lies within ``km`` of (la, lo); ``deg`` of latitude
    is checked first, as a cheap bound."""
    for label, plat, plon in points:
        if label != skip and abs(la - plat) < deg and _km(la, lo, plat, plon) < km:
            return True
    return False


def _prior(gaz: Gazetteer, entry: int, kind: int, m: RawMention, seats: frozenset[int] = frozenset()) -> float:
    """Context-free plausibility of one candidate."""
    feat = int(gaz.feat[entry])
    pop = int(gaz.pop[entry])
    score = math.log10(pop + 10) - _KIND_PENALTY[kind]
    if feat == CITY and int(gaz.a1[entry]) in seats:
        # The city that gives its province its name ("Aleppo", "Hama") is what the bare name
        # means, even when GeoNames files the city under another spelling ("Ḩamāh").
        score += 1.5
    if feat == COUNTRY:
        score += 2.0
    elif feat == REGION:
        score -= 1.0
    elif feat == ADMIN1:
        score -= 0.3  # a same-named capital city ("Aleppo") outranks its province unless told otherwise
    elif feat == ADMIN2:
        score -= 1.5
    if m.level is not None:
        want = _LEVEL_FEATURE[m.level]
        if feat == want:
            score += 6.0
        elif m.level == "admin2" and feat == ADMIN1:
            score += 3.0  # "Aleppo district" in loose usage still beats the city
    return score


def _top(gaz: Gazetteer, m: RawMention) -> list[tuple[float, int, int]]:
    # Postings come regions first, then cities by falling population (see build.py), so the
    # first few hundred hold every plausible reading of even "Springfield".
    head = m.candidates[:300]
    seats = frozenset(e for e, _ in head if int(gaz.feat[e]) == ADMIN1)
    scored = [(_prior(gaz, e, k, m, seats), e, k) for e, k in head]
    scored.sort(key=lambda x: (-x[0], int(gaz.gid[x[1]])))
    return scored[:MAX_CANDIDATES]


@dataclass(frozen=True, slots=True)
class _Readings:
    """A name's ranked readings and what follows from them alone, worked out once for every
    mention and article that has the same candidates and admin word."""

    ranked: tuple[tuple[float, int, int], ...]  # (prior, entry, kind), best first
    facts: tuple[Facts, ...]  # of each reading
    states: frozenset[int]  # the readings that are admin1s
    plausible_a1s: frozenset[int]  # admin1s of the readings within 3 of the best (of the first 12)
    # Plausible readings in several countries ("Georgia", "Paris", "Dublin"), save a state whose
    # rivals are only towns named after it ("Virginia"): the name says nothing about the country.
    split: bool


def _readings(gaz: Gazetteer, m: RawMention) -> _Readings:
    ranked = tuple(_top(gaz, m))
    facts = tuple(gaz.facts(e) for _, e, _ in ranked)
    s0, f0 = ranked[0][0], facts[0]
    rivals = [f for (s, _, _), f in zip(ranked[1:], facts[1:]) if s >= s0 - 3.5 and f.country != f0.country]
    return _Readings(
        ranked=ranked,
        facts=facts,
        states=frozenset(e for (_, e, _), f in zip(ranked, facts) if f.feat == ADMIN1),
        plausible_a1s=frozenset(f.a1 for (s, _, _), f in zip(ranked[:12], facts) if s >= s0 - 3.0 and f.a1 >= 0),
        split=bool(rivals) and (f0.feat not in (ADMIN1, COUNTRY) or any(f.feat != CITY for f in rivals)),
    )


class _ReadingsMemo:
    """Readings already worked out for one gazetteer (see ``_read_all``).

    Bounded by the candidates its keys hold (~300 bytes each with their readings, so ~18 MB at
    most), not by its length: "Washington" alone brings 300.
    """

    MAX_HELD = 60_000

    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self.table: dict[tuple, _Readings] = {}
        self.held = 0

    def get(self, m: RawMention) -> _Readings:
        head = m.candidates[:300]
        key = (m.level, tuple(head))
        got = self.table.get(key)
        if got is None:
            if self.held + len(head) > self.MAX_HELD:
                self.table.clear()
                self.held = 0
            got = self.table[key] = _readings(self.gaz, m)
            self.held += len(head)
        return got


# One memo, for the gazetteer used last (a worker uses one): holding none for older gazetteers
# keeps them from being pinned in memory by it.
_READINGS_MEMO: list[_ReadingsMemo] = []


def _read_all(gaz: Gazetteer, raw: list[RawMention], skip: set[int]) -> list[_Readings | None]:
    """``_readings`` of every mention, worked out once per distinct (candidates, level).

    News repeats its places ("Paris ... Paris ... Paris"), within an article and across articles;
    ranking candidates is a costly part of resolution, and it depends only on the candidates and
    the admin word. Readings are shared: callers must not change them.
    """
    memo = _READINGS_MEMO[0] if _READINGS_MEMO else None
    if memo is None or memo.gaz is not gaz:
        memo = _ReadingsMemo(gaz)
        _READINGS_MEMO[:] = [memo]
    return [None if i in skip or not m.candidates else memo.get(m) for i, m in enumerate(raw)]


_NO_VOTE = frozenset({"partial", "first_name"})
# A name's own votes: per country, per admin1 (plain dicts, read with .get: made per name voting).
_Votes = tuple[dict[str, int], dict[int, int]]
_NO_VOTES: _Votes = ({}, {})


def _plausible_admin1s(raw: list[RawMention], readings: list[_Readings | None], keys: list[str]) -> tuple[dict[str, frozenset[int]], dict[int, int]]:
    """Per name, the admin1s of its plausible readings; per admin1, how many names have one there."""
    key_a1s: dict[str, frozenset[int]] = {}
    for m, r, key in zip(raw, readings, keys):
        if r is None or m.flags & _NO_VOTE or key in key_a1s:
            continue
        key_a1s[key] = r.plausible_a1s
    a1_keys: dict[int, int] = {}
    for a1s in key_a1s.values():
        for a1 in a1s:
            a1_keys[a1] = a1_keys.get(a1, 0) + 1
    return key_a1s, a1_keys


def _focus(
    readings: list[_Readings | None], ms: list[RawMention], keys: list[str], country_hint: str | None
) -> tuple[dict[str, int], dict[int, int], dict[int, _Votes], dict[int, tuple[int, int]], dict[str, int]]:
    """Votes for the article's countries and admin1s, plus each mention's own votes (countries, admin1s).

    A mention's own votes are those of every mention of the same name: "Jordan ... Jordan" must
    not make the kingdom "in focus" for itself in a Minnesota story.

    (Tallies are plain dicts read with .get: a Counter costs more to make and to add a key to.)
    """
    countries: dict[str, int] = {}
    admin1s: dict[int, int] = {}
    by_key: dict[str, _Votes] = {}  # only names that voted
    single: dict[int, tuple[int, int]] = {}
    country_keys: dict[str, int] = {}  # distinct names voting for each country
    if country_hint:
        countries[country_hint.upper()] = 3
    for idx, (m, r) in enumerate(zip(ms, readings)):
        if r is None:
            continue
        cands = r.ranked
        margin = cands[0][0] - cands[1][0] if len(cands) > 1 else 9.0
        f0 = r.facts[0]
        feat, cc0 = f0.feat, f0.country
        if m.in_dateline:
            countries[cc0] = countries.get(cc0, 0) + 3
        if margin < 1.0 or "common_word" in m.flags or "abbrev_only" in m.flags:
            continue
        if m.flags & _NO_VOTE:
            # "Guy" (a first name, and a hamlet in Arkansas) must not pull "Paris" to Arkansas.
            continue
        if r.split:
            # "Georgia", "Paris", "Dublin": must not vote for its own most famous reading.
            continue
        weight = 2 if feat in (COUNTRY, ADMIN1) else 1
        mine = by_key.get(keys[idx])
        if mine is None:
            mine = by_key[keys[idx]] = ({}, {})
            country_keys[cc0] = country_keys.get(cc0, 0) + 1
        countries[cc0] = countries.get(cc0, 0) + weight
        mine[0][cc0] = mine[0].get(cc0, 0) + weight
        a1 = f0.a1 if feat != COUNTRY else -1
        if a1 >= 0:
            admin1s[a1] = admin1s.get(a1, 0) + weight
            mine[1][a1] = mine[1].get(a1, 0) + weight
        single[idx] = (a1, weight)
    own = {idx: by_key.get(keys[idx], _NO_VOTES) for idx, r in enumerate(readings) if r is not None}
    return countries, admin1s, own, single, country_keys


def _anchors(readings: list[_Readings | None]) -> list[tuple[int, float, float]]:
    """Confidently resolved cities, used to favour candidates near them."""
    out = []
    for idx, r in enumerate(readings):
        if r is not None and (f := r.facts[0]).feat == CITY and (len(r.ranked) == 1 or r.ranked[0][0] - r.ranked[1][0] >= 1.5):
            out.append((idx, f.lat, f.lon))
    return out


_QualRes = tuple[re.Pattern, re.Pattern, dict[str, str], dict[str, str], tuple[str, ...], tuple[str, ...] | None]
_QUAL_RES: dict[int, _QualRes] = {}


def _qualifier_res(lex: Lexicon) -> _QualRes:
    got = _QUAL_RES.get(id(lex))
    if got is None:
        before = dict(lex.qualifiers_before)
        after = dict(lex.qualifiers_after)
        b = re.compile(r"(?<![a-z])(" + "|".join(re.escape(p) for p in before) + r") $")
        a = re.compile(r"(" + "|".join(re.escape(p) for p in after) + r")(?![a-z])")
        # The first characters of the phrases after a name ("'s countryside", " area"), when none
        # is a letter: lowering the text never makes such a character, so the text's own next
        # character must already be one of them.
        firsts = {p[0] for p in after}
        after_firsts = tuple(sorted(firsts)) if not any(c.isalpha() for c in firsts) else None
        got = _QUAL_RES[id(lex)] = (b, a, before, after, tuple(before), after_firsts)
    return got


def _qualifier(text: str, m: RawMention, lex: Lexicon) -> str | None:
    b, a, before, after, phrases, after_firsts = _qualifier_res(lex)
    # ``b`` can only match a phrase and a space at the window's end (``$`` also allows a final
    # newline); most mentions have none, and a suffix test is far cheaper than the search.
    if text.endswith((" ", " \n"), 0, m.start):
        window = text[max(0, m.start - 24) : m.start].lower()
        tail = window[:-1] if window.endswith("\n") else window
        if tail[:-1].endswith(phrases):
            hit = b.search(window)
            if hit:
                return before[hit.group(1)]
    if after_firsts is not None and not text.startswith(after_firsts, m.end):
        return None
    hit = a.match(text[m.end : m.end + 16].lower())
    return after[hit.group(1)] if hit else None


def _accept(gaz: Gazetteer, m: RawMention, entry: int, kind: int, local: float, span: str) -> bool:
    """Whether a recognised span is believable as a place at all (precision guard)."""
    feat = int(gaz.feat[entry])
    supported = m.in_dateline or m.level is not None or m.container is not None or "container" in m.flags or local >= 1.5
    if "abbrev_only" in m.flags:
        if len(span) <= 2 and not span.isupper():
            # "Al Firnaj (Tripoli)": a capitalised "Al" is an Arabic article, not "AL" or "Ala."
            return False
        return "container" in m.flags or "." in span
    if span.replace(".", "").isupper() and len(span.replace(".", "")) <= 3 and not m.in_dateline:
        # "AM", "PM", "IS": short capitals are only trusted as country codes ("US", "UK").
        return feat == COUNTRY or "container" in m.flags
    if "stripped_only" in m.flags and not supported:
        return False
    if "variant" in m.flags and not (m.in_dateline or m.level is not None or m.container is not None or "container" in m.flags):
        # A spelling variant ("Quamishli city", "Tooz Khurmato district") needs its admin word or
        # container: bare, too many surnames and words look like some village.
        return False
    if ("common_word" in m.flags or "first_name" in m.flags) and not (m.cue and supported):
        return False
    if feat == CITY:
        pop = int(gaz.pop[entry])
        if "partial" in m.flags and pop < SMALL_TOWN and local < 1.5:
            return False
        if m.initial and not supported and pop < 100000 and not m.cue:
            return False
        if pop < SMALL_TOWN and not (supported or m.cue):
            return False
        if kind != KIND_PRIMARY and pop < 50000 and not supported:
            return False
        if "partial" in m.flags and kind != KIND_PRIMARY and not supported:
            # "Bostan" in "Ghadir al Bostan" is not Boston: a word of a longer unknown name
            # matching only another spelling of a town is a coincidence.
            return False
    return True


# "X in Y", "X in the western countryside of Y": Y is where X lies, as with "X, Y" and "X (Y)".
_IN_LINK = re.compile(
    r"\s+(?:village |town |city |area |district )?in\s+(?:the\s+)?"
    r"(?:(?:(?:north|south|east|west)(?:ern)?|(?:north|south)-?(?:east|west)(?:ern)?|central|rural|southern|northern)\s+)?"
    r"(?:(?:countryside|outskirts|suburbs|province|district|governorate|region|state|area|part)\s+of\s+(?:the\s+)?)?$",
    re.IGNORECASE,
)
_NEXT_CAP = re.compile(r"[ \-](?:(?:al|el|as|ash|ad|an|ar|az|at)[ \-])?[A-Z\u00C0-\u00DE]")
_UNKNOWN_THEN_COMMA = re.compile(r"\b(?:at|in|near|of)\s+[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?, $")
_ARTICLE_NEXT = re.compile(r"[ \-](?:Al|El|al|el)[ \-][A-Z]")
_PREV_WORD_RE = re.compile(r"([^\W\d_]+)[ \-]$")
# Neighbourhood heads are written lower case too ("in colonia Manuel Cavazos Lerma").
_LOWER_HEADS = frozenset({"colonia", "barrio", "bairro", "jardim", "vila", "parque", "conjunto", "morro", "favela"})
# Heads that double as English words ("As Aleppo burned", "At Kabul") never glue to the next name.
_ENGLISH_HEADS = frozenset({"an", "as", "at", "ad", "ar", "az", "ash", "um", "pul", "bab"})
# How far a contained place may lie from a container that is a town or a district with a seat.
_CITY_CONTAINER_KM = 120.0
_ADMIN2_CONTAINER_KM = 120.0
# A village read outside its written container, or outside the article's region, moves to it;
# bigger towns are left alone, since lists ("Kabul, Ghor, Laghman") look like containers.
_RELOCATE_POP = 100000
# "Benito Juarez, Nuevo Leon": after a comma, a state's name is the state; a small town filed
# under it ("Nuevo León", Baja California) gets no support from sharing a state with a namesake.
_STATE_NAMESAKE_POP = 50000
_FOREIGN_POP = 100000
# A town of the monitored country this small, found outside the monitored region, is a namesake.
_REGION_POP = 200000


def _junk(text: str, m: RawMention, lex: Lexicon, key: str) -> bool:
    """Spans that are a piece of a longer unknown name or of a group's name, never a place.

    "Al" / "Abu" / "Wadi" followed by another name, "Zawiya" after "Jabal al-", "Hamza" before
    "Division", "JaS" (an acronym written in mixed case).
    """
    span = text[m.start : m.end]
    if span in ("Al", "El", "al", "el") and text[m.end : m.end + 1] != ".":
        return True  # an Arabic article whose name the gazetteer lacks ("Al Farnaj"), not Alabama
    if m.level is None and not m.in_dateline:
        if key in lex.name_heads and _NEXT_CAP.match(text, m.end):
            return True
        word = _prev_word(text, m.start)
        if word:
            pk = norm_key(word)
            if pk in lex.name_heads and pk not in _ENGLISH_HEADS and (word[0].isupper() or pk in _LOWER_HEADS):
                return True
        if span[:3] in ("Al ", "Al-", "El ", "El-") and _ARTICLE_NEXT.match(text, m.end):
            return True  # "Al Wadi" of "Al Wadi Al Kabeer": the head of a longer unknown name
        # An organisation's word is capitalised ("Hamza Division"): a lower-case letter or a
        # punctuation mark after the space rules it out without splitting the words.
        if text[m.end : m.end + 1] == " " and (text[m.end + 1 : m.end + 2].isupper() or text[m.end + 1 : m.end + 2].isspace()):
            nxt = text[m.end : m.end + 16].split(None, 1)
            if nxt and nxt[0][:1].isupper() and norm_key(nxt[0].strip(".,;:")) in lex.org_suffixes:
                return True
    if " " not in span and len(span) >= 2 and span[-1].isupper() and any(c.islower() for c in span):
        return True
    return False


def _prev_word(text: str, start: int) -> str | None:
    """The run of letters right before a space or hyphen before ``start``, within 16 characters
    (what ``_PREV_WORD_RE`` finds there).

    The usual case, a plain word and a space, is read off without the search: a word of letters
    only (``isalpha``) after a space, or cut by the window, is exactly the run the search finds.
    """
    lo = max(0, start - 16)
    if start - 1 > lo and text[start - 1] == " ":
        word = text[max(lo, text.rfind(" ", lo, start - 1) + 1) : start - 1]
        if word.isalpha():
            return word
    hit = _PREV_WORD_RE.search(text, lo, start)
    return hit.group(1) if hit else None


_OFFICE_OF = re.compile(r"\s+of\s")


def _after_comma(text: str, pos: int) -> bool:
    """Whether ``text`` has ", " right before ``pos`` (or ", " and a newline, which ``$`` lets
    ``_UNKNOWN_THEN_COMMA`` match too): a cheap test before that search."""
    return text.endswith(", ", 0, pos) or text.endswith(", \n", 0, pos)


def _in_context(text: str, m: RawMention) -> RawMention:
    """A copy of ``m`` with what its surroundings say that the recogniser missed.

    A dateline starts its line ("operating under OPS, shelled" is an acronym mid-sentence); a
    name right after "(" does not start a sentence; "at Zamanly, Gadabay" makes Gadabay a
    container although the village before the comma is unknown.
    """
    if m.initial and text[max(0, m.start - 1) : m.start] == "(":
        m = replace(m, initial=False)
    if m.level is not None and _OFFICE_OF.match(text, m.end) and text[m.start : m.end].rsplit(None, 1)[-1].lower() == "department":
        # "Indiana Department of Transportation": a state's office, not a department (district).
        m = replace(m, level=None)
    if m.container is None and "container" not in m.flags and _after_comma(text, m.start) and _UNKNOWN_THEN_COMMA.search(text, max(0, m.start - 60), m.start):
        # "located at Zamanly, Gadabay": the village is unknown, the name after the comma is
        # still where it lies.
        m = replace(m, flags=m.flags | {"container"})
    if not m.in_dateline:
        return m
    before = text[text.rfind("\n", 0, m.start) + 1 : m.start].rstrip()
    # Also after a headline run into the body ("Crash victim upgraded. MIDDLETOWN — ...").
    if before and before[-1] not in ".!?:/|-—–" and any(c.islower() for c in before):
        return replace(m, in_dateline=False)
    return m


def _links(text: str, raw: list[RawMention]) -> dict[int, tuple[int, str]]:
    """Each mention's container: the next mention after ", ", " (" or " in (the ... of) "."""
    out: dict[int, tuple[int, str]] = {}
    for a, m in enumerate(raw):
        if m.container is not None:
            gap = text[m.end : raw[m.container].start]
            out[a] = (m.container, "paren" if "(" in gap else "comma")
        elif a + 1 < len(raw):
            gap = text[m.end : raw[a + 1].start]
            if len(gap) <= 60 and _IN_LINK.fullmatch(gap) and "." not in gap:
                out[a] = (a + 1, "in")
    return out


def _inside(gaz: Gazetteer, e: int, c: int) -> bool:
    """Whether gazetteer entry ``e`` can lie in entry ``c`` (a country, province, district or town)."""
    if e == c:
        return False
    fe, fc = gaz.facts(e), gaz.facts(c)
    cfeat = fc.feat
    if fe.country != fc.country:
        return False
    if cfeat == COUNTRY:
        return True
    if cfeat == ADMIN1:
        return fe.a1 == c
    if cfeat == REGION:
        return False
    if cfeat == ADMIN2 and c not in gaz.admin2_has_seat:
        return fe.a1 == fc.a1 and fe.feat == CITY
    if fe.feat in (COUNTRY, ADMIN1):
        return False
    if cfeat == CITY and fc.a1 >= 0 and fe.a1 == fc.a1:
        return True  # "Jarablus in Aleppo", "Matalam, Cotabato": the town names its province
    limit = _ADMIN2_CONTAINER_KM if cfeat == ADMIN2 else _CITY_CONTAINER_KM
    return abs(fe.lat - fc.lat) < 2.0 and _km(fe.lat, fe.lon, fc.lat, fc.lon) <= limit


# Second pass: per other name whose first-pass reading lies in a candidate's admin1 (at most
# three), and for lying near the first-pass reading of another name.
COHERE_STATE = 1.0
COHERE_CAP = 3
COHERE_MIN_POP = 2000
COHERE_NEAR_KM = 120.0
COHERE_NEAR = 1.0


# What the first pass settled on (see ``_coherence``).
_Coherence = tuple[dict[int, int], dict[str, int], list[tuple[str, float, float]]]
# One reading of a mention: entry, kind, score before coherence, local support, facts, whether
# coherence may add to it.
_Row = tuple[int, int, float, float, Facts, bool]


def _coherence(gaz: Gazetteer, raw: list[RawMention], chosen: dict[int, tuple[int, int, float]], keys: list[str]) -> _Coherence:
    """What the first pass settled on: per admin1, how many distinct names were read inside it;
    each name's admin1; and the points of the towns read.

    A local story names several places of one state ("Clarke County ... Oconee ... Barrow"):
    once most of them are read there, the remaining homonyms ("Jackson", "Madison") follow.
    """
    key_a1: dict[str, int] = {}
    weak: set[str] = set()
    points: list[tuple[str, float, float]] = []
    for idx, (entry, _, _) in chosen.items():
        key = keys[idx]
        if raw[idx].flags & _NO_VOTE or key in key_a1:
            continue
        f = gaz.facts(entry)
        a1 = f.a1 if f.feat != COUNTRY else -1
        key_a1[key] = a1
        if f.feat == CITY and f.pop < COHERE_MIN_POP:
            weak.add(key)  # a hamlet read only because its state is in play must not vote for it
        if f.feat == CITY or (f.feat == ADMIN2 and entry in gaz.admin2_has_seat):
            points.append((key, f.lat, f.lon))
    support: dict[int, int] = {}
    for k, a in key_a1.items():
        if a >= 0 and k not in weak:
            support[a] = support.get(a, 0) + 1
    return support, key_a1, points


def _coherence_bonus(f: Facts, key: str, coherence: _Coherence) -> float:
    """Second-pass support of a reading (its facts ``f``) of name ``key``."""
    support, key_a1, points = coherence
    bonus = 0.0
    if f.a1 >= 0:
        n = support.get(f.a1, 0) - (1 if key_a1.get(key) == f.a1 else 0)
        bonus += COHERE_STATE * min(COHERE_CAP, n)
    if f.feat == CITY and points and _any_near(f.lat, f.lon, points, key, 1.0, COHERE_NEAR_KM):
        bonus += COHERE_NEAR
    return bonus


def resolve(
    text: str,
    raw: list[RawMention],
    gaz: Gazetteer,
    lex: Lexicon,
    *,
    dateline_countries: tuple[str, ...] = (),
    country_hint: str | None = None,
    cue_countries: tuple[str, ...] = (),
    region_admin1s: tuple[int, ...] = (),
) -> list[PlaceMention]:
    """Turn recognised spans into PlaceMentions, resolved in the light of each other.

    ``cue_countries`` come from the groups the text names ("Houthi forces"): they vote like a
    place of that country, less than a dateline. ``region_admin1s`` (admin1 entries, from
    focus_regions.json) vote for those provinces, and a village found only elsewhere in their
    country is placed in them instead.
    """
    raw = [_in_context(text, m) for m in raw]
    keys = [norm_key(text[m.start : m.end]) for m in raw]  # spans never move after recognition
    junk = {i for i, m in enumerate(raw) if _junk(text, m, lex, keys[i])}
    readings = _read_all(gaz, raw, junk)
    ranked = [r.ranked if r is not None else () for r in readings]
    countries, admin1s, own_votes, single_votes, country_keys = _focus(readings, raw, keys, country_hint)
    for cc in dateline_countries:
        countries[cc] = countries.get(cc, 0) + 3
    for cc in cue_countries:
        countries[cc] = countries.get(cc, 0) + 2
    for a1 in region_admin1s:
        admin1s[a1] = admin1s.get(a1, 0) + 2
        cc = gaz.country(a1)
        countries[cc] = countries.get(cc, 0) + 1
    top_country = max(countries, key=countries.__getitem__) if countries else None  # the first of the most voted
    # What a reading in each country gains from the article's focus on it (unless the votes are
    # all its own name's, see ``rows_of``).
    country_gain = {cc: 2.0 + (TOP_COUNTRY_BONUS if cc == top_country else 0.0) for cc, n in countries.items() if n > 0}
    anchors = _anchors(readings)
    key_a1s, a1_keys = _plausible_admin1s(raw, readings, keys)
    links = _links(text, raw)
    contained_by: dict[int, list[int]] = {}
    for a, (b, _) in links.items():
        contained_by.setdefault(b, []).append(a)
    doc_full_keys = {k for m, k in zip(raw, keys) if m.level is not None}
    facts = gaz.facts

    def rows_of(idx: int, m: RawMention, cands: tuple[tuple[float, int, int], ...]) -> list[_Row]:
        """Each reading's score and support, save the second pass's coherence."""
        span_key = keys[idx]
        container_cands: list[int] = []
        if idx in links:
            # Chains ("Bafoussam (Mifi, Ouest)") say where the place is at every link.
            b = links[idx][0]
            container_cands = [e for _, e, _ in ranked[b][:12]]
            if b in links:
                container_cands += [e for _, e, _ in ranked[links[b][0]][:12]]
        inner_cands: list[int] = []
        for a in contained_by.get(idx, ()):
            inner_cands += [e for _, e, _ in ranked[a][:12]]
        full_written = bool(doc_full_keys) and any(fk.startswith(span_key + " ") for fk in doc_full_keys)
        # A mention must not vote for its own reading: "Air" (a village in India) would otherwise
        # find its own country and state "in focus" and pass the precision guard.
        own_cc, own_a1 = own_votes.get(idx, _NO_VOTES)
        # "Minnesota" is the state, not a town in it filed under that name ("Minneota"): a
        # state's own context must not favour its towns over itself.
        self_states = readings[idx].states
        in_container = "container" in m.flags
        several = len(cands) > 1
        own_key_a1s = key_a1s.get(span_key, ())
        near_floor = cands[0][0] - 4.0  # only readings this close to the best look for anchors
        rows = []
        for (prior, e, k), f in zip(cands, readings[idx].facts):
            feat, cc, a1, pop, lat, lon = f
            local = 0.0  # support from this article's own region, not just its country
            gain = country_gain.get(cc, 0.0)
            if gain and countries[cc] - own_cc.get(cc, 0) <= 0:
                gain = 0.0
            if a1 >= 0 and feat != ADMIN1 and admin1s.get(a1, 0) - own_a1.get(a1, 0) > 0 and a1 not in self_states:
                # A county's state is what tells the many "Anderson County"s apart.
                local += 3.0 if feat == ADMIN2 else 2.0
            if container_cands and any(_inside(gaz, e, c) for c in container_cands):
                local += 8.0 if links[idx][1] != "in" else 6.0
            if in_container and feat in (ADMIN1, COUNTRY):
                local += 2.0
            if inner_cands and any(_inside(gaz, i, e) for i in inner_cands):
                local += 3.0  # "Montego Bay, Saint James": the parish that holds the town
            small_town_of_state_name = in_container and self_states and feat == CITY and pop < _STATE_NAMESAKE_POP
            if several and a1 >= 0 and feat != ADMIN1 and not small_town_of_state_name:
                # "Richmond ... Madison County": readings that share a state with some reading of
                # the article's other names beat ones that stand alone.
                shared = a1_keys.get(a1, 0) - (1 if a1 in own_key_a1s else 0)
                local += CO_STATE_BONUS * min(2, shared)
            if anchors and several and feat == CITY and prior > near_floor and not small_town_of_state_name:
                if _any_near(lat, lon, anchors, idx, 1.4, 150):
                    local += 1.5
            if k == KIND_STRIPPED and feat == ADMIN2 and full_written:
                # "Avoyelles" alone means the parish when "Avoyelles Parish" is written elsewhere.
                local += 4.0
            coh_ok = (feat == ADMIN1 or a1 not in self_states) and not small_town_of_state_name
            rows.append((e, k, prior + gain + local, local, f, coh_ok))
        return rows

    def twin_of(idx: int, m: RawMention, cands: tuple[tuple[float, int, int], ...]) -> tuple[str, int, bool] | int:
        """What a mention's reading depends on besides where it stands: repeats of a name ("Aleppo
        ... Aleppo") with the same ranking and no container link in or out read alike.

        (Anchors do not tell them apart: a repeat is an anchor exactly when the first is.)
        """
        if idx in links or idx in contained_by:
            return idx
        return (keys[idx], id(cands), "container" in m.flags)  # ``ranked`` keeps ``cands`` alive

    cache: dict[tuple[str, int, bool] | int, list[_Row]] = {}
    verdicts: dict[tuple[int, int, int, float], bool] = {}  # the precision guard, same in both passes

    def believable(idx: int, m: RawMention, entry: int, kind: int, local: float) -> bool:
        # For believing a span is a place at all, the same name written again elsewhere in its
        # state counts ("Boulder City ... Boulder City"), though it may not pick its own reading.
        a1 = facts(entry).a1
        own_a1, own_w = single_votes.get(idx, (-1, 0))
        repeat_ok = a1 >= 0 and admin1s.get(a1, 0) - (own_w if a1 == own_a1 else 0) > 0
        return _accept(gaz, m, entry, kind, max(local, 2.0 if repeat_ok else 0.0), text[m.start : m.end])

    def pick(idx: int, rows: list[_Row], coherence: _Coherence | None) -> tuple[int, int, float]:
        """The best-scoring reading: (entry, kind, its local support)."""
        best, best_score, best_local = None, -1e9, 0.0
        weigh = coherence is not None and len(rows) > 1
        for e, k, base, local, f, coh_ok in rows:
            coh = 0.0
            if weigh and f.feat != COUNTRY and coh_ok:
                coh = _coherence_bonus(f, keys[idx], coherence)
            if base + coh > best_score:
                best, best_score, best_local = (e, k), base + coh, local
        assert best is not None
        return (*best, best_local)

    def choose(coherence: _Coherence | None, before: dict[int, tuple[int, int, float]] | None = None) -> dict[int, tuple[int, int, float]]:
        chosen: dict[int, tuple[int, int, float]] = {}  # idx -> (entry, kind, local)
        picks: dict[tuple[str, int, bool] | int, tuple[int, int, float]] = {}
        for idx, (m, cands) in enumerate(zip(raw, ranked)):
            if not cands:
                continue
            if before is not None and len(cands) == 1:
                # The second pass only weighs readings against each other: a lone one stands.
                if idx in before:
                    chosen[idx] = before[idx]
                continue
            twin = twin_of(idx, m, cands)
            best = picks.get(twin)
            if best is None:
                rows = cache.get(twin)
                if rows is None:
                    rows = cache[twin] = rows_of(idx, m, cands)
                best = picks[twin] = pick(idx, rows, coherence)
            verdict = verdicts.get((idx, *best))
            if verdict is None:
                verdict = verdicts[(idx, *best)] = believable(idx, m, *best)
            if verdict:
                chosen[idx] = best
        return chosen

    chosen = choose(None)
    chosen = choose(_coherence(gaz, raw, chosen, keys), chosen)

    # A village abroad is only doubted when several names, or a dateline or group, agree on the
    # article's country ("Jordan ... Jordan" alone does not make Shakopee foreign).
    for cc in (*dateline_countries, *cue_countries, *([country_hint] if country_hint else [])):
        country_keys[cc.upper()] = country_keys.get(cc.upper(), 0) + 2
    relocated = _relocate(gaz, raw, chosen, links, countries, own_votes, top_country, admin1s, region_admin1s, country_keys)
    out: list[PlaceMention] = []
    for idx, m in enumerate(raw):
        if idx in chosen:
            entry, kind, _ = chosen[idx]
            pm = _to_mention(text, m, gaz, entry, kind, lex)
            if gaz.place(entry).seatless:
                pm = _seat_by_name(text, m, pm, gaz, entry)
            link = links.get(idx)
            if pm.rule == "gazetteer" and link and link[1] == "in" and link[0] in chosen and _inside(gaz, entry, chosen[link[0]][0]):
                pm = replace(pm, rule="gazetteer:container")  # "Sharan area in Aleppo countryside"
            if idx in relocated:
                pm = _moved(pm, gaz, *relocated[idx])
            out.append(pm)
        elif not ranked[idx] and idx not in junk and not m.candidates:
            out.append(PlaceMention(start=m.start, end=m.end, text=text[m.start : m.end], rule="unresolved:admin_word"))
    if region_admin1s and not any(p.latitude is not None and p.feature != "country" for p in out):
        out = _unknown_village_in_region(text, out, gaz, lex, region_admin1s, admin1s)
    return _place_seatless_districts(out, gaz)


# "near Holubivske", "in the area of Kominternove": a name the gazetteer lacks, after a locative.
_LOCATIVE_NAME = re.compile(
    r"\b(?:near|in the area of|in the vicinity of|outskirts of|in|at)\s+([A-Z][\w'’]+(?:[- ][A-Z][\w'’]+)*)(?![\w'’-])"
)


def _unknown_village_in_region(
    text: str, out: list[PlaceMention], gaz: Gazetteer, lex: Lexicon, region_admin1s: tuple[int, ...], admin1s: dict[int, int]
) -> list[PlaceMention]:
    """Place a village the gazetteer lacks in the region the note's monitor reports from.

    An OSCE note "observed explosions near Holubivske" names a village cities500 does not know;
    it lies in the monitored oblasts, which is what ACLED codes when it cannot do better.
    """
    taken = [(p.start, p.end) for p in out if p.latitude is not None]
    for hit in _LOCATIVE_NAME.finditer(text):
        s, e = hit.span(1)
        key = norm_key(hit.group(1))
        if key in lex.stopwords or key in lex.demonyms or any(a < e and s < b for a, b in taken):
            continue
        if any(hit.group(1) in phrase for phrase, _, _ in lex.focus_regions):
            continue  # "in the NAF" is the group, not a village
        target = max(dict.fromkeys(region_admin1s), key=lambda r: admin1s.get(r, 0))
        pm = PlaceMention(start=s, end=e, text=hit.group(1), rule="gazetteer")
        kept = [p for p in out if not (p.start < e and s < p.end)]  # an unresolved reading of it
        return sorted([*kept, _moved(pm, gaz, target, "region")], key=lambda p: p.start)
    return out


def _relocate(
    gaz: Gazetteer,
    raw: list[RawMention],
    chosen: dict[int, tuple[int, int, float]],
    links: dict[int, tuple[int, str]],
    countries: dict[str, int],
    own_votes: dict[int, _Votes],
    top_country: str | None,
    admin1s: dict[int, int],
    region_admin1s: tuple[int, ...],
    country_keys: dict[str, int],
) -> dict[int, tuple[int, str]]:
    """Villages whose only reading contradicts what the text says about where they are.

    Returns idx -> (entry to place it at, reason). "Mansura in Ar-Raqqa" with only an Egyptian
    Mansura known lies in Raqqa; "near Serhiivka" in an OSCE note lies in Donetsk or Luhansk
    oblast, not in Poltava. ACLED codes such villages to the smallest enclosing unit named, and
    so do we (the mention keeps its text, takes the unit's name and coordinates).
    """
    out: dict[int, tuple[int, str]] = {}
    for idx, (entry, kind, local) in chosen.items():
        f = gaz.facts(entry)
        feat = f.feat
        if feat not in (CITY, ADMIN2):
            continue
        pop = f.pop
        link = links.get(idx)
        if link is not None and link[0] in chosen:
            c = chosen[link[0]][0]
            cfeat = int(gaz.feat[c])
            if entry == c or _inside(gaz, entry, c) or cfeat == REGION:
                continue
            if cfeat == CITY and pop >= int(gaz.pop[c]) and link[1] != "in" and raw[link[0]].level is None:
                # a town does not lie inside a smaller one: the container is misread; but "Poonch
                # district" names the district, which the town of its name stands for
                continue
            strong = link[1] in ("paren", "in")
            if cfeat == CITY and not strong and int(gaz.pop[c]) < _RELOCATE_POP:
                continue  # "Balail, Hajir Togo": a list of villages, not a village and its town
            if feat == ADMIN2 and cfeat == ADMIN2 and not strong:
                continue  # "Dakota, Douglas, Sarpy": a list of counties; none lies in the next
            # "Montego Bay, Saint James Parish": a town abroad is not moved into a same-named
            # parish of another country on a comma alone.
            if strong or (pop < _RELOCATE_POP and (gaz.country(c) == f.country or pop < 20000)):
                out[idx] = (c, "within_container")
                continue
        cc = f.country
        if "variant" in raw[idx].flags and top_country and cc != top_country:
            out[idx] = (-1, "foreign")  # "Masisi (Nord-Kivu)" is no spelling of Maxixe, Mozambique
            continue
        if local >= 6.0 or raw[idx].in_dateline:
            continue
        own_cc = own_votes.get(idx, _NO_VOTES)[0]
        support = countries.get(cc, 0) - own_cc.get(cc, 0)
        top_support = countries[top_country] - own_cc.get(top_country, 0) if top_country else 0
        if pop < _FOREIGN_POP and top_country and cc != top_country and support <= 0 and top_support >= 2 and country_keys.get(top_country, 0) >= 2:
            out[idx] = (-1, "foreign")  # "Chora district" read as a Greek village in an Afghan note
            continue
        if region_admin1s and feat == CITY and pop < _REGION_POP and cc == gaz.country(region_admin1s[0]):
            a1 = f.a1
            if a1 not in region_admin1s and admin1s.get(a1, 0) - own_votes.get(idx, _NO_VOTES)[1].get(a1, 0) <= 0:
                target = max(dict.fromkeys(region_admin1s), key=lambda r: admin1s.get(r, 0))
                out[idx] = (target, "region")
    return out


def _seat_by_name(text: str, m: RawMention, pm: PlaceMention, gaz: Gazetteer, entry: int) -> PlaceMention:
    """Put a district the index has no seat for at the town of its name in the same province.

    The builder matches seats on GeoNames' primary names only; "Chaghcharan district" has its
    town filed as "Chaghcharān", "Akre District" as "Aqrah" (an alternate name).
    """
    words = text[m.start : m.end].split()
    if m.level is not None and len(words) > 1:
        words = words[:-1]
    a1 = int(gaz.a1[entry])
    towns = [e for e, _ in gaz.lookup(norm_key(" ".join(words))) if int(gaz.feat[e]) == CITY and int(gaz.a1[e]) == a1]
    if not towns:
        return pm
    town = max(towns, key=lambda e: int(gaz.pop[e]))
    return replace(pm, latitude=round(float(gaz.lat[town]), 5), longitude=round(float(gaz.lon[town]), 5), geo_precision=2,
                   rule=pm.rule.replace(":admin1_centre", ":seat_by_name"))


def _moved(pm: PlaceMention, gaz: Gazetteer, target: int, reason: str) -> PlaceMention:
    """``pm`` placed at entry ``target`` (keeping its text and span), or left unresolved when -1."""
    if target < 0:
        return replace(pm, name=None, geonames_id=None, feature=None, country_code=None, admin1=None, latitude=None,
                       longitude=None, geo_precision=None, population=None, rule=f"unresolved:{reason}")
    place = gaz.place(target)
    precision = 3 if place.feature in ("admin1", "country") or place.seatless else 2
    return _mention_at(pm.start, pm.end, pm.text, place, precision, f"{pm.rule}:{reason}", pm.qualifier)


def _place_seatless_districts(ms: list[PlaceMention], gaz: Gazetteer) -> list[PlaceMention]:
    """Give a district with no known seat the coordinates of a town of its admin1 named in the text.

    A county or district in local news is almost always near the towns the same article names,
    which is a far better guess than the centre of its state or province.
    """
    towns: dict[tuple[str, str], PlaceMention] = {}
    for m in ms:
        if m.feature == "city" and m.admin1 and m.geo_precision is not None and (m.country_code, m.admin1) not in towns:
            towns[(m.country_code or "", m.admin1)] = m
    if not towns:
        return ms
    out = []
    for m in ms:
        seatless = m.rule.endswith(":admin1_centre")
        # A US county is seldom named after its seat: a town called "Butler" lies anywhere in
        # Ohio, while the towns the same article names lie in or next to Butler County.
        us_county = m.feature == "admin2" and m.country_code == "US" and not m.rule.endswith(("region", "foreign", "within_container"))
        town = towns.get((m.country_code or "", m.admin1 or "")) if seatless or us_county else None
        if town is not None:
            rule = m.rule.replace(":admin1_centre", "") + ":near_named_town"
            m = replace(m, latitude=town.latitude, longitude=town.longitude, rule=rule)
        out.append(m)
    return out


def _to_mention(text: str, m: RawMention, gaz: Gazetteer, entry: int, kind: int, lex: Lexicon) -> PlaceMention:
    place = gaz.place(entry)
    qualifier = _qualifier(text, m, lex)
    if place.feature == "city":
        precision = 2 if qualifier else 1
    elif place.feature == "admin2" and not place.seatless:
        precision = 2
    else:
        precision = 3  # a region, or a district placed at its province's centre
    rule = "gazetteer"
    if m.in_dateline:
        rule = "gazetteer:dateline"
    elif m.level is not None:
        rule = f"gazetteer:admin_word:{m.level}"
    elif m.container is not None:
        rule = "gazetteer:container"
    if place.seatless:
        rule += ":admin1_centre"
    return _mention_at(m.start, m.end, text[m.start : m.end], place, precision, rule, qualifier)


def _mention_at(start: int, end: int, span: str, place: Place, precision: int, rule: str, qualifier: str | None) -> PlaceMention:
    """A mention of ``span`` resolved to ``place``."""
    return PlaceMention(
        start=start,
        end=end,
        text=span,
        name=place.name,
        geonames_id=place.geonames_id,
        feature=place.feature,
        country_code=place.country_code,
        admin1=place.admin1,
        latitude=place.latitude,
        longitude=place.longitude,
        geo_precision=precision,
        population=place.population,
        rule=rule,
        qualifier=qualifier,
    )


_CueTable = dict[str, tuple[str | None, tuple[str, str, tuple[str, ...]] | None]]


@dataclass(frozen=True, slots=True)
class _CueScan:
    """The focus cue and focus region phrases of one lexicon, ready to scan a text for."""

    table: _CueTable  # phrase -> (country it cues, (phrase, country, admin1 names) of a region)
    pattern: re.Pattern | None  # every phrase
    # The phrases that start with a capital, and the others. A lower-case first letter ("pro-Hadi",
    # "contact line") lets ``re`` stop at half of all letters; such phrases are rare, so a substring
    # test that none occurs lets ``capitals`` alone find the same matches at a fraction of the cost.
    capitals: re.Pattern | None
    lower: tuple[str, ...]

    def finditer(self, text: str) -> Iterator[re.Match]:
        """What ``pattern.finditer(text)`` gives."""
        if self.pattern is None:
            return iter(())
        if self.capitals is None or any(p in text for p in self.lower):
            return self.pattern.finditer(text)
        return self.capitals.finditer(text)


# Keyed by id() (hashing a lexicon would hash all its tables); the lexicon is kept beside its scan
# so that a new lexicon that reuses a freed one's id never gets the old scan.
_CUE_SCANS: dict[int, tuple[Lexicon, _CueScan]] = {}


def _cue_pattern(lex: Lexicon) -> _CueScan:
    """The regexes over every focus cue and focus region phrase, compiled once per lexicon.

    Both tables are scanned in a single pass, the phrases as a prefix tree (see _cue_tree).
    """
    held = _CUE_SCANS.get(id(lex))
    got = held[1] if held is not None and held[0] is lex else None
    if got is None:
        table: _CueTable = {}
        for phrase, cc in lex.focus_cues:
            table[phrase] = (cc, None)
        for phrase, cc, names in lex.focus_regions:
            table[phrase] = (table.get(phrase, (None, None))[0], (phrase, cc, names))
        phrases = sorted(table, key=len, reverse=True)
        upper = [p for p in phrases if not p[0].islower()]
        got = _CueScan(
            table=table,
            pattern=re.compile(rf"({_cue_tree(phrases)})(?![\w-])") if phrases else None,
            capitals=re.compile(rf"({_cue_tree(upper)})(?![\w-])") if upper else None,
            lower=tuple(p for p in phrases if p[0].islower()),
        )
        if len(_CUE_SCANS) >= 8:
            _CUE_SCANS.clear()  # tests build many lexicons; a run uses one
        _CUE_SCANS[id(lex)] = (lex, got)
    return got


def _cue_tree(phrases: list[str]) -> str:
    """The phrases as a prefix tree, one branch per first letter with the word-start test right
    after that letter: ``re`` then jumps in C to the next possible first letter and walks the tree
    a letter at a time, instead of trying every phrase in turn (same matches: a greedy tree walk
    still takes the longest phrase that ends at a word boundary)."""
    rests: dict[str, list[str]] = {}
    for p in phrases:
        rests.setdefault(p[0], []).append(p[1:])
    return "|".join(re.escape(ch) + r"(?<![\w-].)" + word_tree(rest) for ch, rest in sorted(rests.items()))


def _cues(text: str, gaz: Gazetteer, lex: Lexicon) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Countries named by the groups the text mentions (focus_cues.json), and the admin1 entries
    named by its monitors (focus_regions.json)."""
    scan = _cue_pattern(lex)
    table = scan.table
    ccs: set[str] = set()
    regions: list[int] = []
    for hit in scan.finditer(text):
        cc, region = table[hit.group(1)]
        if cc:
            ccs.add(cc)
        if region is not None:
            _, rcc, names = region
            for name in names:
                regions += [e for e, _ in gaz.lookup(norm_key(name)) if int(gaz.feat[e]) == ADMIN1 and gaz.country(e) == rcc]
    return tuple(sorted(ccs)), tuple(regions)


def find_places(
    text: str,
    gazetteer: Gazetteer,
    *,
    dateline: str | None = None,
    dateline_span: tuple[int, int] | None = None,
    country_hint: str | None = None,
    lexicon: Lexicon | None = None,
) -> list[PlaceMention]:
    """Every toponym mention in ``text``, sorted and non-overlapping; unresolved ones have no coordinates.

    ``dateline`` ("MOSCOW/BEIRUT") adds its places to the article's focus even when the
    dateline is not part of ``text``; ``dateline_span`` marks where it sits in ``text``.
    """
    lex = lexicon or default_lexicon()
    dl_ccs: list[str] = []
    if dateline:
        for part in dateline.replace("/", ",").split(","):
            key = norm_key(part)
            cands = gazetteer.lookup(key) if key and key not in lex.stopwords else []
            if cands:
                e = max(cands, key=lambda ek: (int(gazetteer.pop[ek[0]]), -ek[1]))[0]
                dl_ccs.append(gazetteer.country(e))
    raw = recognize(text, gazetteer, lex, dateline_span=dateline_span)
    cue_ccs, region_a1s = _cues(text, gazetteer, lex)
    return resolve(
        text, raw, gazetteer, lex, dateline_countries=tuple(dl_ccs), country_hint=country_hint,
        cue_countries=cue_ccs, region_admin1s=region_a1s,
    )
