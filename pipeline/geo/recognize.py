"""Find toponym spans in text: capitalised n-grams looked up in the gazetteer's name dict.

Only dict lookups over the n-grams that start at a capitalised token are made, so the cost is
linear in the text, never in the gazetteer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.geo.codes import COUNTRY, KIND_ABBREV, KIND_STRIPPED
from pipeline.geo.gazetteer import Gazetteer
from pipeline.geo.lexicon import Lexicon
from pipeline.geo.normalize import norm_key, strip_article

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
# A run of capitalised words, with lower-case connectors only between them.
_RUN = re.compile(rf"(?<![\w.])(?:{_CAP})(?:[ \-](?:(?:{_CONN_RE})[ \-])*(?:{_CAP}))*")
_WORD = re.compile(rf"{_CAP}|[^\W\d_]+")
_PREV_WORD = re.compile(r"([^\s]+)(\s*)$")
_NEXT_WORD = re.compile(r"(\s*)([^\W\d_][\w'’\-]*\.?)")


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
        low = word.lower()
        if "'" in low or "’" in low:
            tail = low.replace("’", "'").rsplit("'", 1)[1]
            if tail in ("d", "re", "ve", "ll", "t", "m"):
                continue  # contractions ("I'd", "We're") fold into village names
        conn = low in _CONNECTORS and not word[0].isupper()
        out.append(Token(ts, te, word, not conn, word.replace(".", "").replace("-", "").isupper() and len(word) > 1, conn))
    return out


def _is_initial(text: str, pos: int) -> bool:
    """True for the first word of a sentence, a line or a quotation."""
    window = text[max(0, pos - 40) : pos]
    before = window.rstrip()
    if not before:
        return pos < 40 or not text[: pos - 40].strip() or "\n" in window
    if "\n" in window[len(before) :]:
        return True
    last = before[-1]
    if last == "." and len(before) >= 3 and before[-3:-1].isupper() and before[-2].isalpha():
        return False  # "U.S. Army" or "W.Va. man" does not start a sentence
    return last in ".!?:;\"“”'‘’|-—(•*"


def _dateline_ranges(text: str, dateline_span: tuple[int, int] | None) -> list[tuple[int, int]]:
    ranges = [dateline_span] if dateline_span else []
    # Only the first lines of an article carry a dateline; all-caps elsewhere is headline shouting.
    head = text[:600]
    for m in _DATELINE.finditer(head):
        ranges.append((m.start(1), m.end(1)))
    return ranges


def _in_ranges(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def recognize(text: str, gaz: Gazetteer, lex: Lexicon, *, dateline_span: tuple[int, int] | None = None) -> list[RawMention]:
    """Candidate toponym spans, sorted and non-overlapping, each with its gazetteer candidates."""
    date_ranges = _dateline_ranges(text, dateline_span)
    person_keys: set[str] = set()
    out: list[RawMention] = []
    runs = []
    person_starts: set[int] = set()
    for run in _RUN.finditer(text):
        word = run.group()
        if " " not in word and "-" not in word:
            # Most runs are one capitalised function word ("The", "But"): skip them cheaply.
            k = norm_key(word)
            if k in lex.stopwords and k not in lex.first_names and k not in lex.person_titles:
                continue
        toks = _tokens(text, run.start(), run.end())
        if toks:
            runs.append(toks)
            _collect_persons(text, toks, gaz, lex, person_keys, person_starts)
    for toks in runs:
        # Tokens are joined by one space or hyphen inside a run, so an n-gram's key is its
        # tokens' keys joined by spaces; folding each token once saves most norm_key calls.
        tkeys = [norm_key(tk.text) for tk in toks]
        run_initial = _is_initial(text, toks[0].start)
        n = len(toks)
        i = 0
        matched_any = False
        while i < n:
            t = toks[i]
            in_dl = bool(date_ranges) and _in_ranges(t.start, date_ranges)
            if t.connector or (t.upper and not in_dl and len(t.text.replace(".", "")) > 3):
                # All-caps words are shouting (headlines, acronyms) except in the dateline and
                # short country codes such as "US" / "UK", which the index knows as names.
                i += 1
                continue
            best: tuple[int, list[tuple[int, int]]] | None = None
            for j in range(min(n, i + MAX_NGRAM) - 1, i - 1, -1):
                if toks[j].connector:
                    continue
                key = tkeys[i] if i == j else " ".join(tkeys[i : j + 1])
                if key in lex.demonyms:
                    best = (j, [])  # "Sri Lankan": skip the whole nationality word
                    break
                if key in lex.stopwords:
                    if j > i:
                        best = (j, [])  # "Boko Haram": a stop phrase hides its words too
                        break
                    continue
                cands = gaz.lookup(key)
                if not cands and i < j + 1:
                    # "Ar-Raqqa" vs the index's "Raqqa" / "Ar-Raqqah": retry without the article.
                    bare = strip_article(key)
                    cands = gaz.lookup(bare) if bare else []
                if cands:
                    best = (j, cands)
                    break
            if best is None:
                i += 1
                continue
            j, cands = best
            if not cands:
                i = j + 1
                continue
            if any(kind == KIND_ABBREV for _, kind in cands) and text[toks[j].end : toks[j].end + 1] == "." and "." not in toks[j].text:
                toks[j].end += 1  # "Alexandria, La." keeps the abbreviation's period
            start, end = t.start, toks[j].end
            key = tkeys[i] if i == j else " ".join(tkeys[i : j + 1])
            initial = run_initial and i == 0
            single = i == j
            if i > 0:
                prev_text = toks[i - 1].text
                prev_cap = not toks[i - 1].connector
            else:
                pm = _PREV_WORD.search(text, max(0, start - 30), start)
                prev_text = pm.group(1) if pm and pm.group(2) == " " else ""
                prev_cap = bool(prev_text) and prev_text[0].isupper()
            if j + 1 < n:
                nxt_text, nxt_gap, nxt_cap = toks[j + 1].text, " ", not toks[j + 1].connector
            else:
                nm = _NEXT_WORD.match(text, end, min(len(text), end + 40))
                nxt_text, nxt_gap = (nm.group(2), nm.group(1)) if nm else ("", "")
                nxt_cap = bool(nxt_text) and nxt_text[0].isupper()
            if start in person_starts or key in person_keys:
                i = j + 1
                continue
            # A title right before the run's first word: "Mr Aleppo", "Sen. Lincoln".
            if i == 0 and prev_cap and norm_key(prev_text) in lex.person_titles:
                person_keys.add(key)
                i = j + 1
                continue
            m = RawMention(start, end, cands, in_dateline=in_dl, initial=initial)
            nk = norm_key(nxt_text) if nxt_text else ""
            if nxt_cap and nxt_gap == " " and (nk in _STREET_WORDS or nk in _TEAM_WORDS):
                i = j + 2
                continue
            if "." in t.text[:-1] and any(kind == KIND_ABBREV for _, kind in cands):
                # "S.C.", "D.C.": written with periods it is the state, not a village called "Sc".
                cands = [(e, kind) for e, kind in cands if kind == KIND_ABBREV or int(gaz.feat[e]) == COUNTRY]
                m.candidates = cands
            # "Ramos Mejia", "Tell Abiad": a known word inside a longer unknown name is not that place.
            # Connectors are looked through: "Ghadir al Bostan", "Bir at Tutah" are one name.
            # A run can cross a full stop ("Idleb. Neither"): the next sentence's word is no part of the name.
            left = next((k for k in range(i - 1, -1, -1) if not toks[k].connector), None)
            right = next((k for k in range(j + 1, n) if not toks[k].connector), None)
            if left is not None and "." in text[toks[left].end : t.start]:
                left = None
            if right is not None and "." in text[toks[j].end : toks[right].start]:
                right = None
            if (left is not None and _unknown(tkeys[left], toks[left], gaz, lex)) or (
                right is not None and _unknown(tkeys[right], toks[right], gaz, lex)
            ):
                m.flags.add("partial")
            if single and (key in lex.first_names or key in lex.surnames):
                m.flags.add("first_name")
            # "Aleppo province", "Rapides Parish", "Durayhimi district": the admin word picks the level.
            if nxt_gap == " " and nk in lex.admin_words:
                m.level = lex.admin_words[nk]
                nm2 = _NEXT_WORD.match(text, end)
                m.end = nm2.end(2) if nm2 else end
                if text[m.end - 1] == ".":
                    m.end -= 1
                m.suffix_end = m.end
                j += 1
            if all(kind == KIND_STRIPPED for _, kind in cands) and m.level is None:
                m.flags.add("stripped_only")
            if all(kind == KIND_ABBREV for _, kind in cands):
                m.flags.add("abbrev_only")
            if single and not in_dl and _used_lowercase(text, t.text.lower().rstrip(".")):
                m.flags.add("common_word")
            m.cue = bool(_LOCATIVE.search(text, max(0, start - 30), start))
            out.append(m)
            matched_any = True
            i = j + 1
        if not matched_any:
            _unknown_admin_name(text, toks, run_initial, lex, out)
    out.sort(key=lambda r: r.start)
    _link_containers(text, out)
    return out


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


def _unknown(key: str, tok: Token, gaz: Gazetteer, lex: Lexicon) -> bool:
    """A capitalised word that is neither a place, a function word nor part of an organisation's name."""
    if tok.connector or tok.upper:
        return False
    return not (
        key in gaz or key in lex.stopwords or key in _ORG_WORDS or key in lex.admin_words or key in _MODIFIERS
        or key in lex.demonyms or key in lex.first_names or key in lex.person_titles or key in _STREET_WORDS
    )


def _collect_persons(text: str, toks: list[Token], gaz: Gazetteer, lex: Lexicon, keys: set[str], starts: set[int]) -> None:
    """Remember person names before matching, so "Scott Walker ... Walker said" drops both Walkers.

    A given name or a title followed by capitalised words is a person, unless the whole run is a
    known place ("Virginia Beach") or the next word is an organisation word ("Jordan River").
    """
    n = len(toks)
    for k in range(n - 1):
        first = norm_key(toks[k].text)
        if first not in lex.first_names and first not in lex.person_titles:
            continue
        nxt = toks[k + 1]
        if nxt.connector or nxt.upper:
            continue
        nk = norm_key(nxt.text)
        if nk in _ORG_WORDS or nk in lex.admin_words or norm_key(f"{toks[k].text} {nxt.text}") in gaz:
            continue
        if first in lex.first_names:
            starts.add(toks[k].start)
        for tk in toks[k + 1 : k + 3]:
            if tk.connector:
                break
            starts.add(tk.start)
            keys.add(norm_key(tk.text))
        return


def _unknown_admin_name(text: str, toks: list[Token], initial: bool, lex: Lexicon, out: list[RawMention]) -> None:
    """"Kafr Nabl district" with a name the gazetteer lacks is still a toponym (left unresolved)."""
    end = toks[-1].end
    nm = _NEXT_WORD.match(text, end, min(len(text), end + 30))
    if not nm or nm.group(1) != " ":
        return
    level = lex.admin_words.get(norm_key(nm.group(2)))
    if level is None or level == "city":
        return
    names = [t for t in toks[-3:] if not t.connector]
    while names and (norm_key(names[0].text) in lex.stopwords or names[0].upper):
        names = names[1:]
    if not names or norm_key(text[names[0].start : end]) in lex.demonyms:
        return
    if initial and names[0] is toks[0] and len(names) == 1:
        return  # "Police district" at a sentence start is not a name
    e = nm.end(2) - (1 if nm.group(2).endswith(".") else 0)
    out.append(RawMention(names[0].start, e, [], level=level, initial=initial))

def _link_containers(text: str, ms: list[RawMention]) -> None:
    """Mark "Alexandria, Va." and "Durayhimi district (Al Hudaydah)": the second names the first's region."""
    for a in range(len(ms) - 1):
        gap = text[ms[a].end : ms[a + 1].start]
        if gap in (", ", ",", " (", "(") and (gap.strip() != "(" or text[ms[a + 1].end : ms[a + 1].end + 1] == ")"):
            ms[a].container = a + 1
            ms[a + 1].flags.add("container")
