"""Find toponym spans in text: capitalised n-grams looked up in the gazetteer's name dict.

Only dict lookups over the n-grams that start at a capitalised token are made, so the cost is
linear in the text, never in the gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.geo.codes import COUNTRY, KIND_ABBREV, KIND_STRIPPED, KIND_VARIANT
from pipeline.geo.gazetteer import Gazetteer
from pipeline.geo.lexicon import Lexicon
from pipeline.geo.normalize import ARABIC_ARTICLES, norm_key, strip_article, variant_key
from pipeline.regex_gate import word_tree

MAX_NGRAM = 6
# "U.S.", "W.Va.", "D.C." first; then words with inner hyphens/apostrophes ("al-Bab", "Ma'rib").
_TOKEN = re.compile(r"(?:[^\W\d_]{1,2}\.){2,}|[^\W\d_][\w]*(?:[-'’][^\W\d_][\w]*)*\.?")
# Lower-case words allowed inside a multi-word name ("Bosnia and Herzegovina", "Deir ez-Zor").
_CONNECTORS = frozenset(
    "of de la le les los las el al ad an ar as ash at az ez es du des del da do dos das den der di upon on sur en and y bin ibn abu bani beni".split()
)
_MODIFIERS = frozenset(
    "north south east west northern southern eastern western central northeast northwest southeast southwest "
    "northeastern northwestern southeastern southwestern greater downtown upper lower metro rural outer inner "
    "suburban coastal western-most".split()
)
_STREET_WORDS = frozenset(
    "road rd street st avenue ave boulevard blvd drive dr lane ln highway hwy way court ct pike parkway pkwy place pl circle terrace trail".split()
)
# Words that make a place name a sports club's ("Najd United", "Lagos FC").
_TEAM_WORDS = frozenset({"united", "fc", "sc", "afc", "rovers", "wanderers", "athletic"})
# Words that follow a place name inside an organisation's name ("Cottonport Fire Station").
_ORG_WORDS = frozenset(
    "fire police station school schools high elementary middle university college hospital medical center centre church "
    "department office council board court courthouse airport times post news herald tribune journal daily gazette "
    "star sun record telegraph observer community public library sheriff sheriffs regional area metro memorial park zoo museum "
    "club chamber commission authority corporation company bank mall square bridge lake river creek mountain mountains valley "
    "bay state tech army air navy mayor fair festival symphony theatre theater baptist methodist catholic presbyterian "
    "episcopal lutheran united utilities water electric housing health township village town municipal senior recreation "
    "family rescue emergency government republicans democrats democratic republican party city county parish district "
    "province governorate region international national federal general regional cathedral mosque temple synagogue "
    "stadium arena hall prison jail penitentiary correctional detention base camp field farm farms airport port harbor harbour "
    "hotel inn restaurant market store stores company co inc corp group association society foundation institute academy "
    "police-department team tigers bulldogs eagles wildcats panthers lions bears falcons braves hawks warriors indians "
    "cowboys giants jets kings legislature assembly city-county county-wide ministry embassy consulate border crossing "
    "highway interstate road street avenue boulevard drive lane trail express press network radio television tv channel "
    "herald-leader dispatch examiner enquirer chronicle globe independent standard mirror guardian telegram review "
    "economic development planning zoning water-works works plant mill mills factory industries industrial "
    "soldiers forces troops militia rebels government-held opposition".split()
)
_LOCATIVE = re.compile(
    r"(?:\b(?:in|at|near|from|to|into|outside|around|toward|towards|across|through|via|of|between|and|outskirts of|north of|south of|east of|west of)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
# "MOSCOW/BEIRUT:", "CHARLESTON, W.Va. --", "ALEPPO (Reuters) -": all-caps names near the top.
_DATELINE = re.compile(r"(?<![\w.])([A-Z][A-Z'’.\-]+(?:[ /][A-Z][A-Z'’.\-]+)*)(?=\s*(?:[:(—–,]|--|-\s))")
# Same matches, first letter before the look-behind so that ``re`` can skip ahead (see _RUN).
_DATELINE_FAST = re.compile(r"([A-Z](?<![\w.].)[A-Z'’.\-]+(?:[ /][A-Z][A-Z'’.\-]+)*)(?=\s*(?:[:(—–,]|--|-\s))")


@dataclass(slots=True)
class RawMention:
    """A span with its gazetteer candidates; resolution happens later (see resolve.py)."""

    start: int
    end: int
    candidates: list[tuple[int, int]]  # (entry, kind)
    level: str | None = None  # admin1 | admin2 | city when an admin word follows
    in_dateline: bool = False
    cue: bool = False  # preceded by a locative preposition
    initial: bool = False
    container: int | None = None  # index of the mention that contains it ("X, Y", "X (Y)")
    suffix_end: int | None = None
    flags: set[str] = field(default_factory=set)


_CAP = r"(?:[A-Z][A-Za-z]?\.){2,}|(?:(?:al|el|ad|an|ar|as|ash|at|az)-)?[A-Z\u00C0-\u00DE\u0100-\u017F][\w]*(?:[-'’][^\W\d_][\w]*)*\.?"
_CONN_RE = "|".join(sorted(_CONNECTORS, key=len, reverse=True))
# The run's first word is _CAP with its first letter taken before the look-behind: a pattern that
# opens with a character class lets ``re`` skip to the next possible first letter in C instead of
# trying the whole pattern at every position (same matches; tests/test_speed_paths.py).
_CAP_FIRST = (
    r"[A-Zae\u00C0-\u00DE\u0100-\u017F](?<![\w.].)"
    r"(?:(?<=[A-Z])[A-Za-z]?\.(?:[A-Z][A-Za-z]?\.)+"  # "U.S.", "W.Va."
    r"|(?:(?<=a)(?:l|d|n|r|s|sh|t|z)|(?<=e)l)-[A-Z\u00C0-\u00DE\u0100-\u017F][\w]*(?:[-'’][^\W\d_][\w]*)*\.?"  # "al-Bab"
    r"|(?<=[A-Z\u00C0-\u00DE\u0100-\u017F])[\w]*(?:[-'’][^\W\d_][\w]*)*\.?)"
)
# A run of capitalised words, with lower-case connectors only between them.
_RUN = re.compile(rf"{_CAP_FIRST}(?:[ \-](?:(?:{_CONN_RE})[ \-])*(?:{_CAP}))*")
# The same pattern written plainly: the reference _RUN must agree with.
_RUN_PLAIN = rf"(?<![\w.])(?:{_CAP})(?:[ \-](?:(?:{_CONN_RE})[ \-])*(?:{_CAP}))*"
_WORD = re.compile(rf"{_CAP}|[^\W\d_]+")
_PREV_WORD = re.compile(r"([^\s]+)(\s*)$")
_NEXT_WORD = re.compile(r"(\s*)([^\W\d_][\w'’\-]*\.?)")


# The word after a run and exactly one space (a group), read without moving past the run: what
# _NEXT_WORD would find there with a single space, so the admin-word and street checks need no search.
_NEXT_AFTER = r"(?:(?= ([^\W\d_][\w'’\-]*\.?)))?"


# _RUN without the "al-Bab" branch of the first word, and the connectors as a tree. The lower-case
# "a"/"e" in _CAP_FIRST made ``re`` try a match at a fifth of all letters; _find_runs adds the
# article back. Same matches otherwise (tests/test_geo_recognize_speedups.py).
_CAP_ANY = r"[A-Z\u00C0-\u00DE\u0100-\u017F][\w]*(?:[-'’][^\W\d_][\w]*)*\.?"
# The run is group 1 and the word after it group 2, for re.split (see _find_runs).
_RUN_CAPS = re.compile(
    r"([A-Z\u00C0-\u00DE\u0100-\u017F](?<![\w.].)"
    r"(?:(?<=[A-Z])[A-Za-z]?\.(?:[A-Z][A-Za-z]?\.)+|[\w]*(?:[-'’][^\W\d_][\w]*)*\.?)"
    rf"(?:[ \-](?:{word_tree(_CONNECTORS)}[ \-])*"
    rf"(?:(?:[A-Z][A-Za-z]?\.){{2,}}|(?:(?:a(?:sh?|[dlnrtz])|el)-)?{_CAP_ANY}))*)"
    + _NEXT_AFTER
)
_RUN_NEXT = re.compile(_RUN.pattern + _NEXT_AFTER)
# The articles _CAP_FIRST takes before a hyphen and a capital ("al-Bab", "ash-Shaddadi").
_ARTICLES = ("al", "ad", "an", "ar", "as", "ash", "at", "az", "el")


def _find_runs(text: str) -> list[tuple[int, str, str | None]]:
    """(start, text, next word) of every match of _RUN, in order; the next word is the one after
    exactly one space, or None."""
    # re.split gives [gap, run, next word, gap, run, ...] without a match object per run.
    parts = iter(_RUN_CAPS.split(text))
    gap = next(parts)  # the text between the previous run and this one
    start = len(gap)
    runs = []
    for word, nxt, after in zip(parts, parts, parts):
        end = start + len(word)
        art = _article_start(text, start) if gap.endswith("-") else None
        if art is None:
            runs.append((start, word, nxt))
        elif "." in text[start + 1 : start + 3]:
            # "as-U.S.": after an article _RUN reads a one-letter word, not an abbreviation.
            return [(r.start(), r.group(), r.group(1)) for r in _RUN_NEXT.finditer(text)]
        else:
            runs.append((art, text[art:end], nxt))
        gap = after
        start = end + len(after)
    return runs


def _article_start(text: str, start: int) -> int | None:
    """Where the article before "-" and ``start`` begins, when _RUN would start a run there."""
    for size in (3, 2):
        a = start - 1 - size
        if a >= 0 and text[a : start - 1] in _ARTICLES:
            if a == 0:
                return a
            ch = text[a - 1]  # _CAP_FIRST's look-behind: no word character nor period before
            return None if ch.isalnum() or ch == "_" or ch == "." else a
    return None


@dataclass(slots=True)
class Token:
    start: int
    end: int  # without a sentence-final period or a possessive 's
    text: str
    cap: bool
    upper: bool
    connector: bool


def _tokens(text: str, s: int, e: int) -> list[Token]:
    out = []
    for m in _WORD.finditer(text, s, e):
        ts, te, word = m.start(), m.end(), m.group()
        if word.endswith(".") and "." not in word[:-1]:
            te -= 1
            word = word[:-1]
        if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS":
            te -= 2  # possessive: "Britain's ambassador" names Britain
            word = word[:-2]
        if "'" in word or "’" in word:
            tail = word.lower().replace("’", "'").rsplit("'", 1)[1]
            if tail in ("d", "re", "ve", "ll", "t", "m"):
                continue  # contractions ("I'd", "We're") fold into village names
        conn = not word[0].isupper() and word.lower() in _CONNECTORS
        # (isupper ignores "." and "-", which have no case: "U.S." and "AL-BAB" count as upper.)
        out.append(Token(ts, te, word, not conn, len(word) > 1 and word.isupper(), conn))
    return out


# The characters _is_initial takes for the end of a sentence, a line or a quotation.
_SENTENCE_END = ".!?:;\"“”'‘’|-—(•*"


def _is_initial(text: str, pos: int) -> bool:
    """True for the first word of a sentence, a line or a quotation."""
    if pos >= 2 and text[pos - 1] == " " and text[pos - 2].isalnum():
        return False  # the common "in Aleppo": the word before ends in a letter, not punctuation
    return _is_initial_by_window(text, pos)


def _is_initial_by_window(text: str, pos: int) -> bool:
    """``_is_initial`` without its quick reject: what the 40 characters before ``pos`` say."""
    window = text[max(0, pos - 40) : pos]
    before = window.rstrip()
    if not before:
        return pos < 40 or not text[: pos - 40].strip() or "\n" in window
    if "\n" in window[len(before) :]:
        return True
    last = before[-1]
    if last == "." and len(before) >= 3 and before[-3:-1].isupper() and before[-2].isalpha():
        return False  # "U.S. Army" or "W.Va. man" does not start a sentence
    return last in _SENTENCE_END


def _dateline_ranges(text: str, dateline_span: tuple[int, int] | None) -> list[tuple[int, int]]:
    ranges = [dateline_span] if dateline_span else []
    # Only the first lines of an article carry a dateline; all-caps elsewhere is headline shouting.
    head = text[:600]
    for m in _DATELINE_FAST.finditer(head):
        ranges.append((m.start(1), m.end(1)))
    return ranges


def _in_ranges(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


_UNSET = object()
# Letters a _LOCATIVE match can end with before its trailing whitespace ("in", "the", "towards"...),
# in either case; "ſ" folds to "s" under IGNORECASE. A cheap necessary condition checked before the regex.
_LOCATIVE_LAST = frozenset("ntrmoedshafNTRMOEDSHAFſ")
# How the text before a match's trailing whitespace ends: a preposition of _LOCATIVE or "the".
_LOCATIVE_TAILS = (
    "in", "at", "near", "from", "to", "into", "outside", "around", "toward", "towards", "across", "through", "via",
    "of", "between", "and", "the",
)
# A whole word of these right before (after a space) is a _LOCATIVE match; "the" needs a word before it.
_LOCATIVE_WORDS = frozenset(_LOCATIVE_TAILS) - {"the"}
_LOCATIVE_WORD_TAILS = tuple(sorted(_LOCATIVE_WORDS))


def _has_cue(text: str, start: int) -> bool:
    """``_LOCATIVE.search(text, max(0, start - 30), start)`` found something (same answer, fewer searches)."""
    if start == 0 or not text[start - 1].isspace():
        return False  # every match ends in whitespace right before ``start``
    if start >= 2 and not text[start - 2].isspace() and text[start - 2] not in _LOCATIVE_LAST:
        return False  # (the test below on the stripped text, without slicing it)
    lo = max(0, start - 30)
    head = text[lo:start].rstrip()
    if not head or head[-1] not in _LOCATIVE_LAST:
        return False
    space = head.rfind(" ")
    last = head[space + 1 :]
    if last.isascii():
        low = last.lower()
        if space >= 0 and low == "the":
            # "in the Bronx": only a preposition right before "the" can make it a cue.
            before = head[:space].rstrip()
            space = before.rfind(" ")
            last = before[space + 1 :]
            if not last.isascii():
                return _LOCATIVE.search(text, lo, start) is not None
            low = last.lower()
            tails = _LOCATIVE_WORD_TAILS
        else:
            tails = _LOCATIVE_TAILS
        if space >= 0 and low in _LOCATIVE_WORDS:
            return True  # "in Aleppo": the regex matches from that word
        if not low.endswith(tails):
            return False  # (non-ASCII letters may fold to ASCII ones under IGNORECASE: the regex decides)
    return _LOCATIVE.search(text, lo, start) is not None


# What the word before a name says (see _before_info): (``_after_title``, ``_has_cue``,
# ``_is_initial``), None for the last two when the text further back decides.
_Before = tuple[bool, bool | None, bool | None]


def _before_info(text: str, start: int, cache: _RunCache) -> _Before | None:
    """For a name after one space and a word (most often: "in Aleppo", "said Aleppo", "Homs,
    Aleppo"), what that word alone decides about it; None for other contexts.

    Such a word is the same for _prev_word, _has_cue and _is_initial when it has no whitespace in
    it and a space before it within their 30 characters; it is then looked up in ``cache.before``."""
    if start < 2 or text[start - 1] != " " or text[start - 2].isspace():
        return None
    lo = start - 30 if start > 30 else 0
    sp = text.rfind(" ", lo, start - 1)
    if sp < 0:
        return None
    word = text[sp + 1 : start - 1]
    info = cache.before.get(word, _UNSET)
    if info is _UNSET:
        info = cache.before[word] = _word_before_info(word, cache.lex)
    if info is not None and info[1] is None and word.lower() == "the":
        cue = _cue_before_the(text, sp, lo)
        if cue is not None:
            return info[0], cue, info[2]
    return info


def _word_before_info(word: str, lex: Lexicon) -> _Before | None:
    """_before_info for a word one space before a name, with a space before it (None: the word has
    whitespace in it, so the plain functions decide)."""
    if not word.isprintable():
        return None  # (every whitespace character but the space is unprintable)
    title = word[0].isupper() and norm_key(word) in lex.person_titles
    last = word[-1]
    if last == ".":
        # "U.S. Army" or "W.Va. man" does not start a sentence; a lone "." needs the text before it.
        initial = None if len(word) == 1 else not (word[-3:-1].isupper() and word[-2].isalpha())
    else:
        initial = last in _SENTENCE_END
    if last not in _LOCATIVE_LAST:
        return title, False, initial
    if not word.isascii():
        return title, None, initial  # (letters that fold to ASCII ones under IGNORECASE: the regex decides)
    low = word.lower()
    if low in _LOCATIVE_WORDS:
        return title, True, initial  # "in Aleppo"
    if low == "the" or low.endswith(_LOCATIVE_TAILS):
        return title, None, initial  # "in the Bronx", "within Homs": _has_cue looks further back
    return title, False, initial


def _cue_before_the(text: str, sp: int, lo: int) -> bool | None:
    """``_has_cue`` for "in the Bronx" when one space and "the" come before the name and ``sp`` is
    the space before "the", when the word before "the" decides it (else None)."""
    if sp - 1 < lo or not text[sp - 1].isalnum():
        return None
    sp2 = text.rfind(" ", lo, sp)
    if sp2 < 0:
        return None
    word = text[sp2 + 1 : sp]
    if not word.isascii():
        return None
    low = word.lower()
    if low in _LOCATIVE_WORDS:
        return True
    return None if low.endswith(_LOCATIVE_WORD_TAILS) else False


def _prev_word(text: str, start: int) -> str:
    """The word before ``start`` when one space separates them, else "": what
    ``_PREV_WORD.search(text, max(0, start - 30), start)`` gave, without the regex."""
    seg = text[max(0, start - 30) : start]
    stripped = seg.rstrip()
    if not stripped or len(seg) - len(stripped) != 1 or seg[-1] != " ":
        return ""
    return stripped.rsplit(None, 1)[-1]


@dataclass(slots=True)
class _Plan:
    """What a run's text alone decides, shared by every occurrence of the same run: its tokens
    (offsets relative to the run), their keys, the persons it names and, filled in lazily, the
    longest gazetteer match starting at each token."""

    run: str
    rs: tuple[int, ...]
    re: tuple[int, ...]
    words: tuple[str, ...]
    keys: tuple[str, ...]
    conn: tuple[bool, ...]
    upper: tuple[bool, ...]
    shout: tuple[bool, ...]  # all-caps and longer than 3 letters: skipped outside the dateline
    person_starts: tuple[int, ...]
    person_keys: tuple[str, ...]
    left: tuple[int | None, ...]  # per token: the nearest earlier token that is not a connector
    right: tuple[int | None, ...]  # per token: the nearest later one
    steps: list  # per token: _UNSET (not computed yet), or what _step gives
    unknown: list  # per token: None (not computed yet) or bool
    # True when no token starts a gazetteer match: the run then yields nothing whatever its context
    # (only _unknown_admin_name may still apply). Decided at the second occurrence, as most runs that
    # are seen once are not worth the lookups the matching loop would skip.
    dead: bool | None = None
    seen: bool = False


class _RunCache:
    """Plans by run text for one (gazetteer, lexicon) pair; holds both, so their ids stay theirs.
    Also what a word right after a name says (see _after_info) and what the word right before
    one says (see _before_info), by the word as written."""

    __slots__ = ("gaz", "lex", "plans", "after", "before")
    MAX = 20_000  # ~1.5 kB a plan: ~30 MB at most; thinned out when full (see _thin)
    MAX_AFTER = 50_000  # words after or before runs: ~150 bytes each; emptied when full

    def __init__(self, gaz: Gazetteer, lex: Lexicon) -> None:
        self.gaz, self.lex, self.plans = gaz, lex, {}
        self.after: dict[str, tuple[bool, str | None]] = {}
        self.before: dict[str, _Before | None] = {}


_RUN_CACHES: dict[tuple[int, int], _RunCache] = {}


def _cache_for(gaz: Gazetteer, lex: Lexicon) -> _RunCache:
    cache = _RUN_CACHES.get((id(gaz), id(lex)))
    if cache is None or cache.gaz is not gaz or cache.lex is not lex:
        if len(_RUN_CACHES) >= 4:
            _RUN_CACHES.clear()
        cache = _RUN_CACHES[(id(gaz), id(lex))] = _RunCache(gaz, lex)
    else:
        if len(cache.plans) >= _RunCache.MAX:
            _thin(cache.plans)
        if len(cache.after) >= _RunCache.MAX_AFTER:
            cache.after.clear()
        if len(cache.before) >= _RunCache.MAX_AFTER:
            cache.before.clear()
    return cache


def _run_cache(gaz: Gazetteer, lex: Lexicon) -> dict:
    return _cache_for(gaz, lex).plans


def _after_info(cache: _RunCache, word: str) -> tuple[bool, str | None]:
    """What ``word``, right after a name, says about it: whether it is a capitalised street or team
    word ("Kent Road", "Lagos FC": no place), and the admin level it names, if any ("Aleppo
    province"). ``cache.after.get(word)`` answers first: words after names repeat a lot."""
    info = cache.after.get(word)
    if info is None:
        nk = norm_key(word)
        street_or_team = word[0].isupper() and (nk in _STREET_WORDS or nk in _TEAM_WORDS)
        info = cache.after[word] = (street_or_team, cache.lex.admin_words.get(nk))
    return info


def _thin(plans: dict) -> None:
    """Make room in a full run cache: keep the plans of runs seen twice since the last thinning
    (``dead`` is decided at the second sighting), drop the rest. Most runs occur once; clearing
    everything made a long run rebuild its ~15,000 hot plans every ~20,000 articles.

    The kept plans start counting sightings afresh (``dead`` is only a shortcut, decided again
    the same way), so a run that has gone cold is dropped at the next thinning; when the kept
    ones alone fill three quarters of the cache, it starts empty, so it stays bounded."""
    kept = {word: plan for word, plan in plans.items() if plan is not None and plan.dead is not None}
    plans.clear()
    if len(kept) <= _RunCache.MAX * 3 // 4:
        for plan in kept.values():
            plan.dead, plan.seen = None, False
        plans.update(kept)


def _plan(word: str, gaz: Gazetteer, lex: Lexicon) -> _Plan | None:
    if " " not in word and "-" not in word:
        # Most runs are one capitalised function word ("The", "But"): skip them cheaply.
        k = norm_key(word)
        if k in lex.stopwords and k not in lex.first_names and k not in lex.person_titles:
            return None
    toks = _tokens(word, 0, len(word))  # _WORD has no look-around: the run alone decides its tokens
    if not toks:
        return None
    words = tuple(t.text for t in toks)
    tkeys = tuple(map(norm_key, words))
    keys: set[str] = set()
    starts: set[int] = set()
    _collect_persons(toks, tkeys, gaz, lex, keys, starts)
    n = len(toks)
    conn = tuple(t.connector for t in toks)
    upper = tuple(t.upper for t in toks)
    # The nearest non-connector on each side of every token, in one pass each way.
    left: list[int | None] = []
    last = None
    for k in range(n):
        left.append(last)
        if not conn[k]:
            last = k
    right: list[int | None] = [None] * n
    last = None
    for k in range(n - 1, -1, -1):
        right[k] = last
        if not conn[k]:
            last = k
    return _Plan(
        run=word,
        rs=tuple(t.start for t in toks),
        re=tuple(t.end for t in toks),
        words=words,
        keys=tkeys,
        conn=conn,
        upper=upper,
        shout=tuple(u and len(w.replace(".", "")) > 3 for u, w in zip(upper, words)),
        person_starts=tuple(sorted(starts)) if starts else (),
        person_keys=tuple(sorted(keys)) if keys else (),
        left=tuple(left),
        right=tuple(right),
        steps=[_UNSET] * n,
        unknown=[None] * n,
    )


def _best(plan: _Plan, i: int, gaz: Gazetteer, lex: Lexicon):
    """The longest n-gram from token ``i`` that is a demonym, a stop phrase or a gazetteer name."""
    tkeys, conn, n = plan.keys, plan.conn, len(plan.keys)
    top = min(n, i + MAX_NGRAM)
    # Tokens i .. reach - 1 may form a gazetteer key: no key goes on past a word boundary that no
    # key starts with ("minister ahmed "), so the longer n-grams need no lookup. Not when the first
    # word is an Arabic article, as the key may then be found without it (strip_article).
    reach = top
    if top - i > 1 and tkeys[i].partition(" ")[0] not in ARABIC_ARTICLES:
        reach = i + 1
        prefix = tkeys[i] + " "
        while reach < top and gaz.has_prefix(prefix):
            prefix += tkeys[reach] + " "
            reach += 1
    for j in range(top - 1, i - 1, -1):
        if conn[j]:
            continue
        key = tkeys[i] if i == j else " ".join(tkeys[i : j + 1])
        if key in lex.demonyms:
            return (j, key, (), False, False, False, False)  # "Sri Lankan": skip the whole nationality word
        if key in lex.stopwords:
            if j > i:
                return (j, key, (), False, False, False, False)  # "Boko Haram": a stop phrase hides its words too
            continue
        if j >= reach:
            continue  # (after the demonym and stop-phrase tests, which do not need the gazetteer)
        cands = gaz.lookup(key)
        if not cands:
            # "Ar-Raqqa" vs the index's "Raqqa" / "Ar-Raqqah": retry without the article.
            bare = strip_article(key)
            cands = gaz.lookup(bare) if bare else []
        if cands:
            if j + 1 < n and all(kind == KIND_STRIPPED for _, kind in cands):
                # "Tooz Khurmato": a word found only without its article ("Tooz") may begin
                # a longer name written in another spelling.
                longer = _best_variant(plan, i, gaz, lex, j + 1)
                if longer is not None:
                    return longer
            has_abbrev = any(kind == KIND_ABBREV for _, kind in cands)
            if "." in plan.words[i][:-1] and has_abbrev:
                # "S.C.", "D.C.": written with periods it is the state, not a village called "Sc".
                cands = [(e, kind) for e, kind in cands if kind == KIND_ABBREV or int(gaz.feat[e]) == COUNTRY]
            return (
                j, key, tuple(cands), has_abbrev,
                all(kind == KIND_STRIPPED for _, kind in cands),
                all(kind == KIND_ABBREV for _, kind in cands),
                i == j and (key in lex.first_names or key in lex.surnames),
            )
    return _best_variant(plan, i, gaz, lex)


def _best_variant(plan: _Plan, i: int, gaz: Gazetteer, lex: Lexicon, min_j: int | None = None):
    """The longest n-gram from token ``i`` that is a spelling variant of a gazetteer name.

    Only over words none of which is a name, stop word or person's name by itself: "Tooz
    Khurmato" finds Tuz Khurmatu, "Quamishli" Qamishli.
    """
    tkeys, conn, n = plan.keys, plan.conn, len(plan.keys)
    j_max = i - 1
    for k in range(i, min(n, i + MAX_NGRAM)):
        key = tkeys[k]
        if not conn[k] and (
            key in lex.stopwords or key in lex.demonyms or key in lex.first_names or key in lex.surnames
            or key in lex.person_titles or (gaz.lookup(key) and (min_j is None or k > i))
        ):
            break
        j_max = k
    for j in range(j_max, (i if min_j is None else min_j) - 1, -1):
        if conn[j]:
            continue
        vk = variant_key(tkeys[i] if i == j else " ".join(tkeys[i : j + 1]))
        cands = gaz.lookup(vk) if vk else ()
        if cands:
            return (j, " ".join(tkeys[i : j + 1]), tuple(cands), False, False, False, False)
    return None


@dataclass(slots=True)
class _Step:
    """A gazetteer match from token ``i`` of a plan to token ``j``, with what the run's text alone
    decides about it; the loop in ``recognize`` adds what each occurrence's context decides."""

    j: int
    key: str
    cands: tuple[tuple[int, int], ...]
    rs: int  # where token i starts, relative to the run
    re: int  # where token j ends
    period: bool  # an abbreviation that takes the period after it ("Alexandria, La.")
    flags: frozenset[str]  # first_name, variant, abbrev_only
    stripped_only: bool  # flagged only when no admin word follows
    low_word: str | None  # a one-word match in lower case, for the common-word check
    next_in_run: bool  # whether the next word is the run's, so the three below are known
    street_or_team: bool  # "Lagos FC", "Kent Road": skip the name and that word
    level: str | None  # the admin word after it, if any
    partial: bool  # "partial" flag, unless an abbreviation took a period earlier in the run


def _step(plan: _Plan, i: int, gaz: Gazetteer, lex: Lexicon) -> _Step | int | None:
    """What matching from token ``i`` gives: None (nothing, try the next token), an int (the token to
    go on from: a demonym or stop phrase hides its words) or a _Step."""
    if plan.conn[i]:
        return None
    best = _best(plan, i, gaz, lex)
    if best is None:
        return None
    j, key, cands, has_abbrev, stripped_only, abbrev_only, first_name = best
    if not cands:
        return j + 1
    flags = {"first_name"} if first_name else set()
    if cands[0][1] == KIND_VARIANT:
        flags.add("variant")
    if abbrev_only:
        flags.add("abbrev_only")
    next_in_run = j + 1 < len(plan.keys)
    nk = norm_key(plan.words[j + 1]) if next_in_run else ""
    return _Step(
        j=j, key=key, cands=cands, rs=plan.rs[i], re=plan.re[j],
        period=has_abbrev and "." not in plan.words[j],
        flags=frozenset(flags),
        stripped_only=stripped_only,
        low_word=plan.words[i].lower().rstrip(".") if i == j else None,
        next_in_run=next_in_run,
        street_or_team=next_in_run and not plan.conn[j + 1] and (nk in _STREET_WORDS or nk in _TEAM_WORDS),
        level=lex.admin_words.get(nk) if next_in_run else None,
        partial=_partial(plan.run, 0, plan, i, j, plan.re, gaz, lex),
    )


def _partial(text: str, off: int, plan: _Plan, i: int, j: int, ends, gaz: Gazetteer, lex: Lexicon) -> bool:
    """"Ramos Mejia", "Tell Abiad": a known word inside a longer unknown name is not that place.

    Connectors are looked through: "Ghadir al Bostan", "Bir at Tutah" are one name. A run can
    cross a full stop ("Idleb. Neither"): the next sentence's word is no part of the name.
    ``ends``: where each token ends, relative to ``off``."""
    left, right = plan.left[i], plan.right[j]
    if left is not None and "." in text[off + ends[left] : off + plan.rs[i]]:
        left = None
    if right is not None and "." in text[off + ends[j] : off + plan.rs[right]]:
        right = None
    return (left is not None and _is_unknown(plan, left, gaz, lex)) or (
        right is not None and _is_unknown(plan, right, gaz, lex)
    )


def _plan_step(plan: _Plan, i: int, gaz: Gazetteer, lex: Lexicon) -> _Step | int | None:
    step = plan.steps[i]
    if step is _UNSET:
        step = plan.steps[i] = _step(plan, i, gaz, lex)
    return step


def _is_dead(plan: _Plan, gaz: Gazetteer, lex: Lexicon) -> bool:
    return not any(type(_plan_step(plan, i, gaz, lex)) is _Step for i in range(len(plan.keys)))


def _is_unknown(plan: _Plan, k: int, gaz: Gazetteer, lex: Lexicon) -> bool:
    known = plan.unknown[k]
    if known is None:
        known = plan.unknown[k] = _unknown_key(plan.keys[k], plan.conn[k], plan.upper[k], gaz, lex)
    return known


def recognize(text: str, gaz: Gazetteer, lex: Lexicon, *, dateline_span: tuple[int, int] | None = None) -> list[RawMention]:
    """Candidate toponym spans, sorted and non-overlapping, each with its gazetteer candidates."""
    date_ranges = _dateline_ranges(text, dateline_span)
    dateline_end = max(b for _, b in date_ranges) if date_ranges else 0  # no dateline past it: skips _in_ranges
    cache = _cache_for(gaz, lex)
    plans, after = cache.plans, cache.after
    plan_of = plans.get
    person_keys: set[str] = set()
    out: list[RawMention] = []
    runs = []
    person_starts: set[int] = set()
    for off, word, nxt in _find_runs(text):
        plan = plan_of(word, _UNSET)
        if plan is None:
            continue  # most often: a capitalised function word ("The", "But")
        if plan is _UNSET:
            plan = plans[word] = _plan(word, gaz, lex)
            if plan is None:
                continue
        if plan.person_starts:  # (a plan names persons' keys exactly when it names their starts)
            person_starts.update(map(off.__add__, plan.person_starts))
            person_keys.update(plan.person_keys)
        dead = plan.dead
        if dead is None:
            if plan.seen:
                dead = plan.dead = _is_dead(plan, gaz, lex)
            plan.seen = True
        if dead and not _may_take_admin_word(plan, nxt, cache):
            continue  # the second loop would do nothing with it
        runs.append((off, plan, nxt))
    lowercase_memo: dict[str, bool] = {}
    any_variant = False
    for off, plan, nxt in runs:
        if plan.dead:
            # The loop below would change nothing (it only acts on a match with candidates).
            _unknown_admin_name(text, off, plan, nxt, None, lex, out)
            continue
        steps, shout = plan.steps, plan.shout
        ends = None  # relative token ends, once a matched abbreviation took its period
        n = len(steps)
        i = 0
        matched_any = False
        while i < n:
            step = steps[i]
            if step is _UNSET:
                step = steps[i] = _step(plan, i, gaz, lex)
            if step is None:
                i += 1
                continue
            start = off + plan.rs[i]
            in_dl = start < dateline_end and _in_ranges(start, date_ranges)
            if shout[i] and not in_dl:
                # All-caps words are shouting (headlines, acronyms) except in the dateline and
                # short country codes such as "US" / "UK", which the index knows as names.
                i += 1
                continue
            if type(step) is int:
                i = step
                continue
            j = step.j
            end = off + step.re
            if step.period and text[end : end + 1] == ".":
                end += 1  # "Alexandria, La." keeps the abbreviation's period
                ends = list(ends or plan.re)
                ends[j] += 1
            if start in person_starts or step.key in person_keys:
                i = j + 1
                continue
            # A title right before the run's first word: "Mr Aleppo", "Sen. Lincoln".
            before = _before_info(text, start, cache)
            if i == 0 and (
                before[0] if before is not None else text[start - 1 : start] == " " and _after_title(text, start, lex)
            ):
                person_keys.add(step.key)
                i = j + 1
                continue
            if step.next_in_run:
                if step.street_or_team:
                    i = j + 2
                    continue
                level = step.level
            else:
                level = None
                run_end = off + len(plan.run)
                if end == run_end and (nxt is None or len(nxt) < 40):
                    nxt_text = nxt  # (what _word_after gives, without the call)
                else:
                    nxt_text = _word_after(text, end, run_end, nxt, 40)
                if nxt_text is not None:
                    street_or_team, level = after.get(nxt_text) or _after_info(cache, nxt_text)
                    if street_or_team:
                        i = j + 2
                        continue
            flags = set(step.flags)
            if step.partial if ends is None else _partial(text, off, plan, i, j, ends, gaz, lex):
                flags.add("partial")
            suffix_end = None
            if level is not None:
                # "Aleppo province", "Rapides Parish", "Durayhimi district": the admin word picks the level.
                nm2 = _NEXT_WORD.match(text, end)
                if nm2:
                    end = nm2.end(2)
                if text[end - 1] == ".":
                    end -= 1
                suffix_end = end
                j += 1
            elif step.stripped_only:
                flags.add("stripped_only")
            if "variant" in step.flags:
                any_variant = True
            if step.low_word is not None and not in_dl:
                used = lowercase_memo.get(step.low_word)
                if used is None:
                    used = lowercase_memo[step.low_word] = _used_lowercase(text, step.low_word)
                if used:
                    flags.add("common_word")
            if before is None:
                initial = i == 0 and _is_initial(text, start)
                cue = _has_cue(text, start)
            else:
                _, cue, initial = before
                if cue is None:
                    cue = _has_cue(text, start)
                if i != 0:
                    initial = False
                elif initial is None:
                    initial = _is_initial(text, start)
            out.append(RawMention(start, end, list(step.cands), level, in_dl, cue, initial, None,
                                  suffix_end, flags))
            matched_any = True
            i = j + 1
        if not matched_any and _may_take_admin_word(plan, nxt, cache):
            _unknown_admin_name(text, off, plan, nxt, None, lex, out)
    # Already sorted by start: runs come in text order, each run's mentions in token order.
    _link_containers(text, out)
    if any_variant:
        # A spelling variant counts only with its admin word, its container or in the dateline
        # ("Tooz Khurmato district", "Quamishli city"): bare, too many surnames look like some
        # village, and even a rejected mention would vote for its readings' state.
        # The admin word must be written lower case: "Dragon City" is a name, not a city.
        keep = [
            m for m in out
            if "variant" not in m.flags or m.in_dateline or m.container is not None or "container" in m.flags
            or (m.level is not None and text[m.start : m.end].rsplit(None, 1)[-1].islower())
        ]
        if len(keep) < len(out):
            for m in keep:
                m.container = None
                m.flags.discard("container")
            out = keep
            _link_containers(text, out)
    return out


def _word_after(text: str, end: int, run_end: int, nxt: str | None, window: int) -> str | None:
    """The word after ``end`` and exactly one space, as ``_NEXT_WORD.match(text, end, end + window)``
    reads it; ``nxt`` is the one _find_runs read after the run's end."""
    if end == run_end and (nxt is None or len(nxt) < window):
        return nxt  # (a longer word would be cut short by the window)
    if text[end : end + 1] != " ":
        return None
    nm = _NEXT_WORD.match(text, end, min(len(text), end + window))
    return nm.group(2) if nm and nm.group(1) == " " else None


def _after_title(text: str, start: int, lex: Lexicon) -> bool:
    """True when the word before ``start``, one space away, is a capitalised person title."""
    prev = _prev_word(text, start)
    return bool(prev) and prev[0].isupper() and norm_key(prev) in lex.person_titles


def _used_lowercase(text: str, word: str) -> bool:
    """True when ``word`` also occurs in lower case as a word of its own ("a mobile home")."""
    pos = text.find(word)
    while pos >= 0:
        before = text[pos - 1] if pos else " "
        after = text[pos + len(word)] if pos + len(word) < len(text) else " "
        if not before.isalnum() and before != "." and not after.isalnum():
            return True
        pos = text.find(word, pos + 1)
    return False


def _unknown_key(key: str, connector: bool, upper: bool, gaz: Gazetteer, lex: Lexicon) -> bool:
    """A capitalised word that is neither a place, a function word nor part of an organisation's name."""
    if connector or upper:
        return False
    return not (
        key in gaz or key in lex.stopwords or key in _ORG_WORDS or key in lex.admin_words or key in _MODIFIERS
        or key in lex.demonyms or key in lex.first_names or key in lex.person_titles or key in _STREET_WORDS
    )


def _collect_persons(
    toks: list[Token], tkeys: tuple[str, ...], gaz: Gazetteer, lex: Lexicon, keys: set[str], starts: set[int]
) -> None:
    """Remember person names before matching, so "Scott Walker ... Walker said" drops both Walkers.

    A given name or a title followed by capitalised words is a person, unless the whole run is a
    known place ("Virginia Beach") or the next word is an organisation word ("Jordan River").
    ``tkeys``: the tokens' keys (``norm_key`` of their text).
    """
    n = len(toks)
    for k in range(n - 1):
        first = tkeys[k]
        if first not in lex.first_names and first not in lex.person_titles:
            continue
        nxt = toks[k + 1]
        if nxt.connector or nxt.upper:
            continue
        nk = tkeys[k + 1]
        if nk in _ORG_WORDS or nk in lex.admin_words or norm_key(f"{toks[k].text} {nxt.text}") in gaz:
            continue
        if first in lex.first_names:
            starts.add(toks[k].start)
        for m in range(k + 1, min(n, k + 3)):
            if toks[m].connector:
                break
            starts.add(toks[m].start)
            keys.add(tkeys[m])
        return


def _may_take_admin_word(plan: _Plan, nxt: str | None, cache: _RunCache) -> bool:
    """False when _unknown_admin_name surely finds no admin word after the run (``nxt`` is what
    _find_runs read after it): a cheap test for the many runs followed by an ordinary word."""
    if plan.re[-1] != len(plan.run):
        return True  # the last word lost a period or "'s": let _unknown_admin_name look
    if nxt is None:
        return False
    if len(nxt) >= 30:
        return True
    level = (cache.after.get(nxt) or _after_info(cache, nxt))[1]
    return level is not None and level != "city"


def _unknown_admin_name(
    text: str, off: int, plan: _Plan, nxt: str | None, initial: bool | None, lex: Lexicon, out: list[RawMention]
) -> None:
    """"Kafr Nabl district" with a name the gazetteer lacks is still a toponym (left unresolved).

    ``nxt``: the word after the run (see _find_runs). ``initial`` None: not known yet, found out
    only when needed."""
    end = off + plan.re[-1]
    word = _word_after(text, end, off + len(plan.run), nxt, 30)  # the admin word, one space away
    if word is None:
        return
    level = lex.admin_words.get(norm_key(word))
    if level is None or level == "city":
        return
    n = len(plan.re)
    names = [k for k in range(max(0, n - 3), n) if not plan.conn[k]]
    while names and (norm_key(plan.words[names[0]]) in lex.stopwords or plan.upper[names[0]]):
        names = names[1:]
    if not names or norm_key(text[off + plan.rs[names[0]] : end]) in lex.demonyms:
        return
    if initial is None:
        initial = _is_initial(text, off + plan.rs[0])
    if initial and names[0] == 0 and len(names) == 1:
        return  # "Police district" at a sentence start is not a name
    e = end + 1 + len(word) - (1 if word.endswith(".") else 0)
    out.append(RawMention(off + plan.rs[names[0]], e, [], level=level, initial=initial))


# "X district (Y)", "X LGA (Y, Z)", "X sector area (Y)": a unit word or two between a place and
# the parenthesis that names its region.
_UNIT_BEFORE_PAREN = re.compile(r" (?:[a-z]+ ){1,2}\(| [A-Z]{2,4} \(")


def _link_containers(text: str, ms: list[RawMention]) -> None:
    """Mark "Alexandria, Va." and "Durayhimi district (Al Hudaydah)": the second names the first's region."""
    for a in range(len(ms) - 1):
        m, nxt = ms[a], ms[a + 1]
        if nxt.start - m.end <= 2:
            gap = text[m.end : nxt.start]
            linked = gap in (", ", ",") or (gap in (" (", "(") and text[nxt.end : nxt.end + 1] == ")")
        else:
            # "Batsari LGA (Katsina)", "Nimbahera taluka (Chittorgarh, Rajasthan)"
            linked = (
                text[nxt.start - 1] == "(" and text[nxt.end : nxt.end + 1] in (")", ",")
                and _UNIT_BEFORE_PAREN.fullmatch(text[m.end : nxt.start]) is not None
            )
        if linked:
            m.container = a + 1
            nxt.flags.add("container")
