"""Load, validate and compile the extraction rule files under ``pipeline/rules/`` (once, cached).

Every regex is compiled here so a bad entry fails at load time with a ConfigError naming the
file and the entry, never halfway through a batch.
"""

from __future__ import annotations

import gc
import re
import sys
from collections.abc import Iterable, Iterator
from itertools import chain
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.jsonfile import read_json_object
from pipeline.errors import ConfigError
from pipeline.models import EVENT_TYPES, QUALIFIERS, STANCES
from pipeline.regex_gate import SCAN_MIN, GatedPattern, any_of, literal_trie, spellings

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
_FLAGS = re.IGNORECASE
_RESOLVED_TYPES = ("@bombing", "@attack")


class _Sre:
    """``re``'s parser and opcodes (private modules of the standard library, looked up once)."""

    def __init__(self) -> None:
        import re._constants as c  # noqa: PLC0415
        import re._parser as p  # noqa: PLC0415

        self.c, self.p = c, p


_sre = _Sre()


# --- Prefix-indexed matching -------------------------------------------------------------
# Python's ``re`` tries every branch of a big alternation at every word boundary, and with
# IGNORECASE it cannot even skip a branch on its first letter: the trigger, casualty and actor
# alternations cost 0.1-0.6 ms per sentence. A match can only start where the text begins with
# one of the pattern's literal prefixes, so we derive those prefixes (up to three characters)
# from the parsed pattern once, lower-case each sentence once (shared by every pattern), skip a
# pattern when the sentence lacks a string every match contains (see ``_gate``), and otherwise
# try it only at candidate word starts (found by one C-speed scan of the lower-cased sentence,
# or of the sentence itself for a case-sensitive pattern, reading up to six characters of each
# start: see ``finder_keys``), with only the alternatives whose prefixes fit there. Results
# are identical to the plain pattern's (tests/test_extract.py, test_speed_paths_extract.py and
# test_extract_speedups.py check that on awkward inputs).

_K = 3
_MAX_PREFIXES = 4000
_DIGIT = "\x00"  # prefix marker: the match starts with a decimal digit (\d)
_WORDCHAR = re.compile(r"\w")
# IGNORECASE also matches these against ASCII letters; str.lower() does not map them.
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s", "\u212a": "k"})


# Finder prefixes look further (``_FINDER_K`` characters) and may hold these markers, so the
# scan for candidate starts rules out "the attack" when only "the 12" or "a" alone can match.
_FINDER_K = 6
_SPACE = "\x01"  # a whitespace character (\s)
_WORD_END = "\x02"  # a word ends here (\b right after a word character): no word character follows
_BOUNDARY = "\x03"  # \b, read by _chain (whether it ends a word depends on what precedes it)
_SPACES = "\x04"  # a run of whitespace (\s+): one marker rather than a key per run length
_MARK_REGEX = {_DIGIT: r"\d", _SPACE: r"\s", _WORD_END: r"(?!\w)", _SPACES: r"\s+"}


@dataclass(frozen=True, slots=True)
class _Reach:
    """How far prefixes are read: ``k`` characters; ``marks``: with the finder's markers;
    ``cased``: letters kept as written (for a scan of the text itself, not its lower-cased view)."""

    k: int
    marks: bool
    cased: bool = False
    folded: bool = False  # inside "(?i:...)" of a cased scan: a letter stands for all its cases
    give_up: int = sys.maxsize  # more prefixes than this in any step: raise _TooMany (see finder_keys)

    def letters(self, code: int) -> set[str] | None:
        """The characters ``code`` matches, as the scan sees them; None when not known."""
        ch = chr(code)
        if not self.cased:
            return {ch.lower()}
        if not self.folded:
            return {ch}
        if not ch.isascii():
            return None
        return {ch.lower(), ch.upper(), *_CASE_FOLDS.get(ch.lower(), "")}


# Under IGNORECASE these ASCII letters also match a non-ASCII one (tests check the list).
_CASE_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_KEYS = _Reach(_K, False)
_FINDER = _Reach(_FINDER_K, True)
_CASED_FINDER = _Reach(_FINDER_K, True, cased=True)


def _op_prefixes(op: Any, av: Any, reach: _Reach = _KEYS) -> Any:
    c = _sre.c
    if op is c.LITERAL:
        got = reach.letters(av)
        return None if got is None else {(ch, True) for ch in got}
    if op is c.IN:
        chars: set[str] = set()
        for t, v in av:
            if t is c.LITERAL or (t is c.RANGE and v[1] - v[0] < 64):
                for code in [v] if t is c.LITERAL else range(v[0], v[1] + 1):
                    got = reach.letters(code)
                    if got is None:
                        return None
                    chars |= got
            elif t is c.CATEGORY and v is c.CATEGORY_DIGIT and len(av) == 1:
                return {(_DIGIT, reach.marks)}
            elif t is c.CATEGORY and v is c.CATEGORY_SPACE and reach.marks:
                chars.add(_SPACE)
            else:
                return None
        return {(ch, True) for ch in chars}
    if op is c.CATEGORY and av is c.CATEGORY_DIGIT:
        return {(_DIGIT, reach.marks)}
    if op is c.CATEGORY and av is c.CATEGORY_SPACE and reach.marks:
        return {(_SPACE, True)}
    if op is c.BRANCH:
        out: set[tuple[str, bool]] = set()
        for alt in av[1]:
            sub = _seq_prefixes(list(alt), reach)
            if sub is None:
                return None
            out |= sub
        return out
    if op is c.SUBPATTERN:
        if reach.cased and av[1] & c.SRE_FLAG_IGNORECASE:
            reach = replace(reach, folded=True)  # "(?i:...)": its letters match in any case
        elif reach.folded and av[2] & c.SRE_FLAG_IGNORECASE:
            reach = replace(reach, folded=False)
        return _seq_prefixes(list(av[-1]), reach)
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _seq_prefixes(list(av), reach)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        lo, hi, item = av
        one = _seq_prefixes(list(item), reach)
        if one is None:
            return None
        if one == {(_SPACE, True)} and hi > 1:
            return {(_SPACES, True)} | ({("", True)} if lo == 0 else set())
        copies = [one] * min(lo, reach.k) + [one | {("", True)}] * min(hi - lo, reach.k)
        return _chain(copies, reach) if copies else {("", True)}
    if op is c.AT and av is c.AT_BOUNDARY and reach.marks:
        return {(_BOUNDARY, True)}
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return {("", True)}  # zero-width: adds no characters
    return None


def _ends_word(a: str) -> bool:
    return bool(a) and (a[-1] == _DIGIT or (a[-1] not in _MARK_REGEX and _WORDCHAR.match(a[-1]) is not None))


def _chain(parts: list[Any], reach: _Reach = _KEYS) -> Any:
    """The (prefix, open) pairs of the sequence ``parts`` (each a set of pairs, or None: anything):
    an open prefix is extended by the next part; a closed one is read to its end."""
    k = reach.k
    # Closed prefixes are kept apart and never looked at again: carried through every later part,
    # they made reading a long rule quadratic (loading a lazily built rule part: ~4 ms each).
    closed: set[str] = set()
    live: set[str] = {""}  # open prefixes, all shorter than k
    for sub in parts:
        if not live:
            break
        grown: set[str] = set()
        for a in live:
            if sub is None:
                closed.add(a)
                continue
            for b, ob in sub:
                if b == _BOUNDARY:
                    # After a word character \b ends the word; elsewhere it is left unread.
                    if _ends_word(a):
                        closed.add(a + _WORD_END)
                    else:
                        grown.add(a)
                elif b == _DIGIT and a and not reach.marks:
                    closed.add(a)
                elif len(a) + len(b) >= k:
                    closed.add((a + b)[:k])
                elif ob:
                    grown.add(a + b)
                else:
                    closed.add(a + b)
        count = len(closed) + len(grown)
        if count > _MAX_PREFIXES:
            return None
        if count > reach.give_up:
            raise _TooMany
        live = grown
    return {(a, False) for a in closed} | {(a, True) for a in live}


def _seq_prefixes(items: list[tuple[Any, Any]], reach: _Reach = _KEYS) -> Any:
    return _chain([_op_prefixes(op, av, reach) for op, av in items], reach)


@lru_cache(maxsize=64)
def _parsed(source: str, flags: int) -> Any:
    """``re``'s parse tree of ``source`` (read, never changed): literal_prefixes, finder_keys and
    _gate each read the same pattern, and parsing the big alternations dominates loading."""
    return _sre.p.parse(source, flags & ~re.UNICODE)


def literal_prefixes(pattern: re.Pattern[str]) -> tuple[frozenset[str], bool] | None:
    """The lower-case prefixes every match of ``pattern`` starts with, and whether each match
    starts at a word start; None when some match could start with anything."""
    return _source_prefixes(pattern.pattern, pattern.flags, _parsed)


def _source_prefixes(source: str, flags: int, parse: Any = _sre.p.parse) -> tuple[frozenset[str], bool] | None:
    """``literal_prefixes`` of the pattern ``source`` compiled with ``flags``, without compiling it
    (``parse``: the parser, or ``_parsed`` for a pattern whose tree is read again)."""
    try:
        parsed = list(parse(source, flags & ~re.UNICODE))
        found = _chain([_op_prefixes(op, av) for op, av in parsed])
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    if not found:
        return None
    keys = frozenset(a for a, _ in found)
    if "" in keys:
        return None
    anchored = bool(parsed) and parsed[0] == (_sre.c.AT, _sre.c.AT_BOUNDARY) and all(
        k[0] == _DIGIT or _WORDCHAR.match(k[0]) for k in keys
    )
    if not anchored and any(_DIGIT in k for k in keys):
        return None
    return keys, anchored


def finder_keys(pattern: re.Pattern[str]) -> tuple[list[str], bool] | None:
    """Longer prefixes than ``literal_prefixes`` gives (markers included), for the scan of an
    anchored pattern's candidate starts, and whether they keep case (to scan the text itself:
    a case-sensitive "[A-Z]" then rules out lower-case words); None when they are too many or
    some match could start at no word start."""
    try:
        parsed = list(_parsed(pattern.pattern, pattern.flags))
        folded = _reach_keys(parsed, _FINDER)
        if pattern.flags & re.IGNORECASE:
            return None if folded is None else (folded, False)
        # Reading every case of a long "(?i:...)" list is itself slow: stop once it is surely too long.
        limit = _GIVE_UP_PER_KEY * len(folded) if folded else sys.maxsize
        cased = _reach_keys(parsed, replace(_CASED_FINDER, give_up=limit))
    except _TooMany:
        cased = None
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    # Far more cased keys than folded ones mostly spell every case of "(?i:...)" words ("killed",
    # "KILLED", "Killed", ...): the lower-cased view finds the same starts with one key each, and
    # a scan of 2,000 keys took 0.1 s to compile.
    if cased is not None and (folded is None or len(cased) <= _CASED_KEYS_PER_KEY * len(folded)):
        return cased, True
    return None if folded is None else (folded, False)


_CASED_KEYS_PER_KEY = 16  # "(?i:he)|[A-Z]..." has 12 cased keys per folded key, and is worth scanning cased
_GIVE_UP_PER_KEY = 64  # cased prefixes read per folded key before giving up (more than kept: not yet minimal)


class _TooMany(Exception):
    """A cased reading has outgrown its ``give_up`` bound."""


def _reach_keys(parsed: list[tuple[Any, Any]], reach: _Reach) -> list[str] | None:
    """The finder keys of the parsed pattern read as ``reach`` says; None when some match could
    start at no word start (or the keys are too many)."""
    found = _chain([_op_prefixes(op, av, reach) for op, av in parsed], reach)
    if found and all(a and (a[0] == _DIGIT or _WORDCHAR.match(a[0])) for a, _ in found):
        return _past_word_ends(_minimal(frozenset(a for a, _ in found)))
    return None


def _past_word_ends(keys: list[str]) -> list[str]:
    """``keys`` without those that a key ending a word already covers: "two" + word end finds
    every start that "two-thirds" or "two" + spaces + more finds (a character that is no word
    character ends the word), so the scan finds the same starts with far fewer keys (the count
    rule had 1,700, mostly such continuations, and compiling their scan cost 80 ms a process)."""
    ends = {k[:-1] for k in keys if k.endswith(_WORD_END)}
    if not ends:
        return keys
    return [k for k in keys if not any(k[:i] in ends and _no_word_char(k[i]) for i in range(1, len(k)))]


def _no_word_char(ch: str) -> bool:
    """Whether the key character ``ch`` (a marker or a letter) stands for a character that is no
    word character (the word-end marker itself is no character: it is the covering key's end)."""
    if ch in (_SPACE, _SPACES):
        return True
    return ch not in _MARK_REGEX and ch not in (_DIGIT, _BOUNDARY) and _WORDCHAR.match(ch) is None


def _split_top(pattern: str) -> list[str]:
    """``pattern`` cut at its top-level ``|`` (not inside groups, classes or escapes)."""
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or pattern[i - 1] == "["
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                i += 1 + pattern.startswith("[^]", i)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


_WHOLE_GROUP = re.compile(r"\((\?P<\w+>|\?:)")


def _flatten(pattern: str, wrap: str = "") -> list[tuple[str, str]]:
    """Top-level alternatives of ``pattern`` as (group opener or "", alternative), descending
    into a group that spans a whole alternative, so ``(?P<a>x|y)`` gives x and y under ``(?P<a>``."""
    out: list[tuple[str, str]] = []
    for alt in _split_top(pattern):
        m = _WHOLE_GROUP.match(alt)
        if m and alt.endswith(")") and len(_split_top(alt[m.end() : -1])) > 1 and _closes_at_end(alt):
            opener = m.group(0) if m.group(0) != "(?:" else ""
            if opener and wrap:
                out.append((wrap, alt))  # nested named groups: keep whole
                continue
            out.extend(_flatten(alt[m.end() : -1], opener or wrap))
        else:
            out.append((wrap, alt))
    return out


def _closes_at_end(alt: str) -> bool:
    """Whether the group opened at ``alt[0]`` is closed by ``alt``'s last character."""
    depth, i, in_class = 0, 0, False
    while i < len(alt):
        ch = alt[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(alt) - 1
        i += 1
    return False


# The markers' classes under re.ASCII, for a scan of ASCII text only: there \w, \d and \b mean what
# they mean without the flag, and \s does too once it also takes the separators \x1c-\x1f.
_ASCII_MARK_REGEX = {**_MARK_REGEX, _SPACE: r"[\s\x1c-\x1f]", _SPACES: r"[\s\x1c-\x1f]+"}


def _piece(ch: str, marks: dict[str, str] = _MARK_REGEX) -> str:
    """One character of a prefix as a regex (a marker stands for a class or a word end)."""
    return marks.get(ch) or re.escape(ch)


def _trie(keys: list[str], marks: dict[str, str] = _MARK_REGEX) -> str:
    """A regex matching any of ``keys`` (sorted), the markers written as ``marks`` says."""
    return literal_trie(keys, lambda ch: _piece(ch, marks))


def _first_letter_trie(keys: list[str]) -> str:
    """Like ``_trie``, but only each key's first letter is consumed; the rest is a lookahead."""
    return literal_trie(keys, _piece, tail_ahead=True) if keys else "(?!)"


def _minimal(keys: frozenset[str]) -> list[str]:
    """``keys`` without those that a shorter key already covers, sorted.

    One pass over the sorted keys: every key between a key and a longer one it prefixes shares that
    prefix, so the last key kept is the only one to test (pairwise tests cost seconds per process)."""
    out: list[str] = []
    for k in sorted(keys):
        if not out or not k.startswith(out[-1]):
            out.append(k)
    return out


_VIEWS: dict[str, str | None] = {}
_START = re.Match.start
_END = re.Match.end
_UNSEEN: Any = object()  # not yet in a per-head cache (whose values may be None)


def _view(text: str) -> str | None:
    """``text`` lower-cased as IGNORECASE compares it, shared by every pattern run on the same
    sentence; None when lower-casing changes its length ("İ"): offsets would drift."""
    got = _VIEWS.get(text, False)
    if got is not False:
        return got  # type: ignore[return-value]
    low: str | None = text.lower()
    if len(low) != len(text):  # type: ignore[arg-type]
        low = None
    elif not low.isascii() and ("\u0131" in low or "\u017f" in low or "\u212a" in low):  # type: ignore[union-attr]
        low = low.translate(_FOLD)  # type: ignore[union-attr]  # slow: only when a foldable letter is there
    if len(_VIEWS) > 256:
        _VIEWS.clear()
    _VIEWS[text] = low
    return low


class PrefixedPattern:
    """A compiled regex tried only where one of its literal prefixes starts a word.

    ``search`` and ``finditer`` give the same matches as the wrapped pattern. Given the
    ``alternatives`` the pattern was joined from (as ``\\b(?:a|b|...)\\b``), each candidate
    position tries only the alternatives whose prefixes fit it, in their original order, so
    a 200-branch alternation costs a couple of branches per candidate word.
    """

    __slots__ = (
        "regex", "pattern", "flags", "_keys", "_anchored", "_finder", "_ascii_finder", "_digits", "_alts", "_by_head", "_parts",
        "_gate", "_cores", "_finder_cased", "_last", "_clauses", "_part_clauses", "_probes",
    )

    def __init__(self, regex: re.Pattern[str], *, alternatives: list[str] | None = None, gate: bool = True) -> None:
        self.regex, self.pattern, self.flags = regex, regex.pattern, regex.flags
        found = literal_prefixes(regex)
        self._keys, self._anchored = found if found else (None, False)
        self._finder: re.Pattern[str] | None = None
        self._ascii_finder: re.Pattern[str] | None = None  # anchored patterns: see below
        self._finder_cased = False  # the finder scans the text, not its lower-cased view
        self._last: tuple[str, list[_LazyPart]] | None = None  # see _live_parts
        self._alts: list[tuple[str, str, frozenset[str]]] | None = None
        self._by_head: dict[str, re.Pattern[str] | None] = {}
        self._digits: re.Pattern[str] | None = None
        self._parts: list[tuple[_LazyPart, tuple[tuple[str, ...], ...]]] | None = None
        self._gate: tuple[_Clause, ...] = ()
        # For _live_parts: the distinct clauses of the parts, each part's clauses by position,
        # and pieces that rule out a clause in one test (see _index_clauses).
        self._clauses: tuple[_Clause, ...] = ()
        self._part_clauses: tuple[tuple[_LazyPart, tuple[int, ...]], ...] = ()
        self._probes: tuple[tuple[int, tuple[int, ...]], ...] = ()  # see _index_clauses
        self._cores: dict[int, str] = {}
        if self._keys is None:
            if alternatives is None:
                self._parts = _alternative_parts(regex)
                if self._parts is not None:
                    self._index_clauses(self._parts)
                    self._gate = _shared_clauses(self._parts)
                if self._parts is None:
                    self._gate = _gate(regex)  # the plain regex runs, but only where it may match
            return
        if not alternatives and gate:  # long rule lists (triggers, actors) need too many strings to gate
            self._gate = _gate(regex)
        if not self._anchored:
            # The longer finder keys ("hersel", "toll") rule out "here" and "told", which the
            # three-letter keys ("her", "tol") let through to a full match attempt (casualty cues:
            # 2.7x fewer candidates). Cased keys would need the text itself scanned: not used here.
            found = finder_keys(regex)
            keys = found[0] if found is not None and not found[1] else _minimal(self._keys)
            self._finder = re.compile(_first_letter_trie(keys), re.DOTALL)
            return
        found = finder_keys(regex)  # "the 12" and "a" alone, not every word starting "the" or "a"
        keys, self._finder_cased = found if found is not None else (None, False)
        if keys is None:
            keys = _minimal(self._keys - {_DIGIT})
            if _DIGIT in self._keys:
                keys = _minimal(frozenset(keys) | frozenset("0123456789"))
        # Each branch consumes one letter, so no candidate hides inside another; every key starts
        # with a word character, so \b keeps word starts only, and testing it first is cheaper
        # than trying the branches at every letter and looking behind afterwards.
        self._finder = re.compile(r"\b(?:" + _first_letter_trie(keys) + ")", re.DOTALL)
        # For ASCII text (most sentences) the same starts, found faster: ``re`` skips to each
        # character that is no word character at C speed (a set test), and tries the keys only
        # after it; the match ends where the candidate starts. The text's first position has no
        # character before it to match: ``_finder.match`` tests it.
        self._ascii_finder = re.compile(r"\W(?=" + _trie(keys, _ASCII_MARK_REGEX) + ")", re.DOTALL | re.ASCII)
        self._digits = re.compile(r"\b\d") if _DIGIT in self._keys else None
        if alternatives:
            self._alts = self._split(alternatives)

    def _index_clauses(self, parts: list[tuple[_LazyPart, tuple[_Clause, ...]]]) -> None:
        """Number the distinct clauses of ``parts`` so _live_parts keeps their answers in a list."""
        position: dict[tuple[str, ...], int] = {}
        for _, clauses in parts:
            for c in clauses:
                position.setdefault(c, len(position))
        self._clauses = tuple(position)  # type: ignore[arg-type]  # the _Clause keys, in order
        self._part_clauses = tuple((part, tuple(position[c] for c in clauses)) for part, clauses in parts)
        # A clause of many strings that all hold one piece ("was declared dead", "had been
        # declared dead": "ed dead") is ruled out by that piece in one scan.
        self._cores = {i: core for i, c in enumerate(self._clauses) if (core := _common_piece(c)) is not None}
        # Each alternative's first clause is tested for every text. Tested first, the ones that
        # cover others ("killed" covers "killed him": lacking it, the text lacks both) answer for
        # those too when they fail, which most texts make them do.
        clauses = self._clauses
        firsts = dict.fromkeys(needed[0] for _, needed in self._part_clauses if needed)
        covered = {
            i: tuple(j for j in range(len(clauses)) if j != i and _covers(clauses[i], clauses[j])) for i in firsts
        }
        self._probes = tuple(sorted(covered.items(), key=lambda item: -len(item[1])))

    def _split(self, alternatives: list[str]) -> list[tuple[str, str, frozenset[str]]] | None:
        out = []
        for wrap, alt in (x for a in alternatives for x in _flatten(a)):
            found = _source_prefixes(rf"\b(?:{alt})\b", self.flags)
            if found is None or not found[1]:
                return None
            out.append((wrap, alt, found[0]))
        return out

    def _head_regex(self, head: str) -> re.Pattern[str] | None:
        """The alternatives that can match at a word starting with ``head`` (its first three
        lower-case letters), in order, joined into one regex; cached per head."""
        if head in self._by_head:
            return self._by_head[head]
        assert self._alts is not None
        fits = {head[:1], head[:2], head[:3]}
        if head[:1].isdecimal():
            fits.add(_DIGIT)
        chosen = [(w, a) for w, a, keys in self._alts if not keys.isdisjoint(fits)]
        pieces: list[str] = []
        for i, (w, a) in enumerate(chosen):
            # Alternatives of one named group stay inside one copy of the group.
            if w and i and chosen[i - 1][0] == w:
                pieces[-1] += "|" + a
            else:
                pieces.append(w + a if w else "(?:" + a)
        regex = re.compile(r"\b(?:" + "|".join(p + ")" for p in pieces) + r")\b", self.flags) if chosen else None
        if len(self._by_head) < 20000:
            self._by_head[head] = regex
        return regex

    def _matches(self, text: str, pos: int, endpos: int) -> Iterator[re.Match[str]] | None:
        if self._keys is None:
            if self._gate:
                low = _view(text)
                if low is not None and not _passes(self._gate, text, low):
                    return iter(())
            return None
        low = _view(text)
        if low is None:
            return None
        if not self._anchored:
            assert self._finder is not None
            if self._gate and not _passes(self._gate, text, low):
                return iter(())
            first = self._finder.search(low, pos, endpos)
            return self.regex.finditer(text, first.start(), endpos) if first else iter(())
        if self._gate and not _passes(self._gate, text, low):
            return iter(())  # a string every match contains is missing
        return self._iter_anchored(text, low, pos, endpos)

    def _iter_anchored(self, text: str, low: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        assert self._finder is not None
        done = pos  # like finditer, resume after the previous match: no overlaps
        starts: Iterable[int]
        scanned = text if self._finder_cased else low
        if self._digits is not None and not low.isascii():
            # Non-ASCII digits ("٣") also match \d: take the union of both candidate lists.
            starts = sorted(
                {c.start() for c in self._finder.finditer(scanned, pos, endpos)}
                | {c.start() for c in self._digits.finditer(low, pos, endpos)}
            )
        elif scanned.isascii():
            assert self._ascii_finder is not None
            after = map(_END, self._ascii_finder.finditer(scanned, pos, endpos))  # lazy: search stops early
            starts = chain((pos,), after) if self._finder.match(scanned, pos, endpos) else after
        else:
            starts = map(_START, self._finder.finditer(scanned, pos, endpos))
        if self._alts is None:
            match = self.regex.match
            for p in starts:
                if p >= done:
                    m = match(text, p, endpos)
                    if m:
                        yield m
                        end = m.end()
                        done = end if end > p else end + 1
            return
        by_head = self._by_head
        for p in starts:
            if p >= done:
                key = low[p : p + 3]
                head = by_head.get(key, _UNSEEN)
                if head is _UNSEEN:
                    head = self._head_regex(key)
                if head is not None:
                    m = head.match(text, p, endpos)  # type: ignore[union-attr]
                    if m:
                        yield m
                        end = m.end()
                        done = end if end > p else end + 1

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self._parts is not None:
            return self._search_parts(text, pos, endpos)
        if self._keys is not None and not self._anchored:
            low = _view(text)
            if low is not None:
                if self._gate and not _passes(self._gate, text, low):
                    return None
                # The first candidate start where the pattern matches is where search would stop.
                match = self.regex.match
                for c in self._finder.finditer(low, pos, endpos):  # type: ignore[union-attr]
                    m = match(text, c.start(), endpos)
                    if m is not None:
                        return m
                return None
        found = self._matches(text, pos, endpos)
        if found is None:
            return self.regex.search(text, pos, endpos)
        return next(found, None)

    def _search_parts(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
        """``search`` of a top-level alternation with no usable prefixes: the leftmost start of
        any alternative, each searched alone (and skipped when text lacks a string every match of
        it contains), is where the whole pattern matches first; match the whole pattern there."""
        assert self._parts is not None
        low = _view(text)  # shared with the other patterns run on this sentence
        if low is None:
            return self.regex.search(text, pos, endpos)
        if self._gate and not _passes(self._gate, text, low):
            return None  # a string every alternative needs is missing: one test rules out all
        best = -1
        for part in self._live_parts(text, low):
            m = part.search(text, pos, endpos)
            if m is not None and (best < 0 or m.start() < best):
                best = m.start()
        return None if best < 0 else self.regex.match(text, best, endpos)

    def _live_parts(self, text: str, low: str) -> list[_LazyPart]:
        """The alternatives whose needed strings are all in ``text``. Kept for the last text, as
        callers search one sentence again from after each match."""
        last = self._last
        if last is not None and last[0] is text:
            return last[1]
        clauses, cores = self._clauses, self._cores
        known: list[bool | None] = [None] * len(clauses)  # clauses shared by several alternatives are tested once
        for i, covered in self._probes:
            if known[i] is None:
                core = cores.get(i)
                ok = known[i] = (core is None or core in low) and clauses[i].holds(text, low)
                if not ok:
                    for j in covered:
                        known[j] = False
        live = []
        for part, needed in self._part_clauses:
            for i in needed:
                ok = known[i]
                if ok is None:
                    core = cores.get(i)
                    ok = known[i] = (core is None or core in low) and clauses[i].holds(text, low)
                if not ok:
                    break  # no string of this clause in the text: the alternative cannot match
            else:
                live.append(part)
        self._last = (text, live)  # one assignment: a reader sees an old pair or the new one
        return live

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        if self._parts is not None:
            return self.regex.finditer(text, pos, endpos) if self._search_parts(text, pos, endpos) else iter(())
        found = self._matches(text, pos, endpos)
        return self.regex.finditer(text, pos, endpos) if found is None else found

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        keys = self._keys
        if keys is not None:
            low = _view(text)
            if low is not None:
                # Every match starts with one of the keys (its first one to three letters).
                head = low[pos : pos + 3]
                if not (
                    head in keys
                    or head[:2] in keys
                    or head[:1] in keys
                    or (_DIGIT in keys and head[:1].isdecimal())
                ):
                    return None
        return self.regex.match(text, pos, endpos)


Matcher = re.Pattern[str] | PrefixedPattern


# --- Alternations without prefixes ---------------------------------------------------------
# A pattern such as the background-toll rules (alternatives that may start at any digit) has no
# usable prefixes, and ``re`` tries all of its alternatives at every position of the sentence.
# Each alternative alone mostly has prefixes, and needs a few strings in the text ("killed", a
# digit, "since"): search only the alternatives whose strings are all there.

_ANY_DIGIT = re.compile(r"\d")
_MAX_CLAUSE = 64


def _fold(text: str) -> str | None:
    """``text`` lower-cased as IGNORECASE compares it, or None when offsets would drift."""
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):
        return None
    return low.translate(_FOLD) if ("\u0131" in low or "\u017f" in low or "\u212a" in low) else low


def _is_digit_class(op: Any, av: Any) -> bool:
    c = _sre.c
    if op is c.CATEGORY:
        return av is c.CATEGORY_DIGIT
    if op is not c.IN or not av:
        return False
    for t, v in av:
        if t is c.CATEGORY and v is c.CATEGORY_DIGIT:
            continue
        if t is c.LITERAL and 48 <= v <= 57:
            continue
        if t is c.RANGE and 48 <= v[0] <= v[1] <= 57:
            continue
        return False
    return True


def _useful(clause: frozenset[str]) -> bool:
    return bool(clause) and all(s == _DIGIT or len(s) >= 2 for s in clause)


def _clauses(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """Sets of strings (``_DIGIT``: any decimal digit) such that every match of the sequence
    ``items`` contains one string of each set (lower-cased)."""
    c = _sre.c
    out: list[frozenset[str]] = []
    run: frozenset[str] = frozenset({""})
    for op, av in [*items, (None, None)]:
        sub = spellings(op, av) if op is not None else None
        if sub is not None:
            joined = frozenset(a + b for a in run for b in sub)
            if len(joined) <= _MAX_CLAUSE:
                run = joined
                continue
        if _useful(run):
            out.append(run)
        run = sub if sub is not None else frozenset({""})
        if op is None or sub is not None:
            continue
        if _is_digit_class(op, av):
            out.append(frozenset({_DIGIT}))
        elif op is c.SUBPATTERN:
            out += _clauses(list(av[-1]))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            out += _clauses(list(av))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            out += _clauses(list(av[2]))
        elif op is c.BRANCH:
            union: set[str] = set()
            for alt in av[1]:
                best = _best_clause(_clauses(list(alt)))
                if best is None:
                    break
                union |= best
            else:
                if _useful(frozenset(union)):
                    out.append(frozenset(union))
    return out


class _Clause(tuple):  # type: ignore[type-arg]
    """Strings one of which a text must hold (``_DIGIT``: any decimal digit), as a tuple; a clause
    of many strings also keeps one regex that looks for all of them in a single scan."""

    words: tuple[str, ...]  # the strings but the digit marker
    digit: bool
    scan: re.Pattern[str] | None

    def __new__(cls, strings: Iterable[str]) -> _Clause:
        self = super().__new__(cls, strings)
        self.words = tuple(s for s in self if s != _DIGIT)
        self.digit = len(self.words) < len(self)
        self.scan = any_of(self.words) if len(self.words) >= SCAN_MIN else None
        return self

    def holds(self, text: str, low: str) -> bool:
        """Whether ``low`` (``text`` folded) holds one of the strings."""
        if self.digit and _ANY_DIGIT.search(text) is not None:
            return True
        if self.scan is not None:
            return self.scan.search(low) is not None
        for lit in self.words:
            if lit in low:
                return True
        return False


def _passes(gate: tuple[_Clause, ...], text: str, low: str) -> bool:
    """Whether ``low`` (``text`` folded) holds one string of every clause of ``gate``."""
    for clause in gate:
        if not clause.holds(text, low):
            return False
    return True


def _tidy(clause: frozenset[str]) -> tuple[str, ...]:
    """``clause`` without strings that contain another of its strings ("ceasefires" holds
    "ceasefire"), the digit marker first: the same test with fewer substring scans."""
    kept = [s for s in clause if not any(t != s and t != _DIGIT and t in s for t in clause)]
    return tuple(sorted(kept, key=lambda s: (s != _DIGIT, len(s), s)))


def _short(clause: frozenset[str]) -> tuple[str, ...]:
    """``clause`` tidied, with long strings cut to their first letters when that makes it few
    (a part of a required string is required too: "claim" for "claimed responsibility").
    Whole strings rule out more texts: they are kept unless cutting halves their number."""
    whole: tuple[str, ...] = ()
    for cut in (0, 8, 6, 5, 4):
        cands = frozenset(s[:cut] if cut and s != _DIGIT else s for s in clause)
        if len(cands) > 4 * _GATE_WHOLE_STRINGS:
            continue  # tidying would hardly leave few enough, and costs a pass over all pairs
        tidy = _tidy(cands)
        if not cut:
            whole = tidy
            if len(tidy) <= _GATE_STRINGS // 2:
                return tidy
        elif len(tidy) <= _GATE_STRINGS:
            return whole if whole and len(whole) <= _GATE_WHOLE_STRINGS and 2 * len(tidy) > len(whole) else tidy
    return whole if len(whole) <= _GATE_WHOLE_STRINGS else ()


_GATE_STRINGS = 24  # past this many strings a clause costs more to test than it saves
_GATE_WHOLE_STRINGS = 40  # ... unless they are whole required words, which rule out more


def _sharpness(clause: tuple[str, ...]) -> int:
    """How rarely a clause holds, roughly: by its shortest string (a digit counts as two letters)."""
    return min(2 if s == _DIGIT else min(len(s), 6) for s in clause)


def _gate(regex: re.Pattern[str]) -> tuple[_Clause, ...]:
    """Up to three short clauses of strings every match of ``regex`` contains, sharpest first;
    a text lacking all strings of one of them cannot match."""
    try:
        found = _clauses(list(_parsed(regex.pattern, regex.flags)))
    except (re.error, RecursionError, TypeError, ValueError):
        return ()
    tidy = [c for c in dict.fromkeys(_short(c) for c in found) if c and len(c) <= _GATE_WHOLE_STRINGS]
    tidy.sort(key=lambda c: -min(2 if s == _DIGIT else min(len(s), 6) for s in c))
    return tuple(_Clause(c) for c in tidy[:3])


def _best_clause(clauses: list[frozenset[str]]) -> frozenset[str] | None:
    """The sharpest of ``clauses``: longest shortest string (a digit counts as two), then fewest."""
    if not clauses:
        return None
    return max(clauses, key=lambda cl: (min(2 if s == _DIGIT else min(len(s), 6) for s in cl), -len(cl)))


_WRAP = re.compile(r"\(\?(?::|P<\w+>)")


def _leaves(alt: str) -> list[str]:
    """``alt`` without a group wrapping all of it ("(?:...)", "(?P<name>...)"), cut at its
    top-level ``|`` again and again: the leftmost start of ``alt`` is the leftmost start of any
    of these (only starts are asked of the parts; the whole pattern is matched there)."""
    head = _WRAP.match(alt)
    if head is None or not _closes_at_end(alt):
        return [alt]
    inner = alt[head.end() : -1]
    pieces = _split_top(inner)
    if len(pieces) < 2:
        return [inner]
    return [leaf for piece in pieces for leaf in _leaves(piece)]


def _covers(wide: tuple[str, ...], narrow: tuple[str, ...]) -> bool:
    """Whether a text holding a string of ``narrow`` surely holds one of ``wide``."""
    return all(any(w == n if _DIGIT in (w, n) else w in n for w in wide) for n in narrow)


def _shared_clauses(parts: list[tuple[Any, tuple[tuple[str, ...], ...]]]) -> tuple[tuple[str, ...], ...]:
    """Clauses of the alternatives that every alternative needs (it has a clause each of whose
    strings holds one of the clause's strings), sharpest first, at most two: a text lacking one
    cannot match the whole alternation ("a digit, million or thousands" for the war tolls)."""
    found = {
        c for _, clauses in parts for c in clauses
        if all(any(_covers(c, d) for d in other) for _, other in parts)
    }
    return tuple(sorted(found, key=lambda c: (-_sharpness(c), len(c), c))[:2])


def _common_piece(clause: tuple[str, ...]) -> str | None:
    """The longest string (three letters or more) inside every string of ``clause``, when the
    clause has several strings and no digit marker; else None."""
    if len(clause) < 3 or _DIGIT in clause:
        return None
    first = min(clause, key=len)
    for size in range(len(first), 2, -1):
        for i in range(len(first) - size + 1):
            piece = first[i : i + size]
            if all(piece in s for s in clause):
                return piece
    return None


class _LazyPart:
    """One alternative of a split alternation, compiled and indexed (as a PrefixedPattern) only
    when a text first holds all of its needed strings: many never do in a process's life, and
    building them all was a third of the time to load the rules."""

    __slots__ = ("pattern", "flags", "_built")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern, self.flags = pattern, flags
        self._built: PrefixedPattern | None = None

    def built(self) -> PrefixedPattern:
        if self._built is None:
            # No gate of its own: the part's clauses are tested (by _live_parts) before it runs.
            # One assignment: a racing thread builds an equal copy at worst.
            with _gc_paused():
                self._built = PrefixedPattern(re.compile(self.pattern, self.flags), alternatives=[], gate=False)
        return self._built

    @property
    def regex(self) -> re.Pattern[str]:
        return self.built().regex

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return (self._built or self.built()).search(text, pos, endpos)


def _alternative_parts(regex: re.Pattern[str]) -> list[tuple[_LazyPart, tuple[tuple[str, ...], ...]]] | None:
    """The top-level alternatives of ``regex``, each (built when first needed) with the string
    sets every match of it contains; None unless the pattern is such an alternation."""
    alts = _split_top(regex.pattern)
    if len(alts) < 2 or regex.groups and "(?P=" in regex.pattern or re.search(r"\\\d|\(\?[a-zA-Z-]+\)", regex.pattern):
        return None  # backreferences or global inline flags: alternatives do not stand alone
    if "(?(" in regex.pattern:
        return None  # a conditional group depends on groups other alternatives may set
    parts = []
    shared: dict[tuple[str, ...], _Clause] = {}  # one object per distinct clause
    try:
        for inner in (leaf for alt in alts for leaf in _leaves(alt)):
            parsed = list(_sre.p.parse(inner, regex.flags & ~re.UNICODE))
            tidy = sorted(dict.fromkeys(_tidy(c) for c in _clauses(parsed)), key=_sharpness, reverse=True)
            parts.append((_LazyPart(inner, regex.flags), tuple(shared[c] if c in shared else shared.setdefault(c, _Clause(c)) for c in tidy)))
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    return parts


@dataclass(frozen=True, slots=True)
class TriggerRule:
    id: str
    event_type: str  # one of EVENT_TYPES or "@bombing" / "@attack"
    sub_event_type: str | None
    priority: int
    weak: bool
    protest_veto: bool
    one_sided: bool = False  # an armed_clash word that does not say both sides fought (a weapon, an ambush)


@dataclass(frozen=True, slots=True)
class EventLexicon:
    triggers: tuple[TriggerRule, ...]
    trigger_re: Matcher  # one alternation; group name t<i> says which rule matched
    negative_re: Matcher
    protest_re: GatedPattern  # searched per paragraph: mostly ruled out by its literal words
    armed_party_re: re.Pattern[str]  # insurgents named in a sentence exempt it from a paragraph's protest veto
    military_target_re: re.Pattern[str]
    civilian_target_re: re.Pattern[str]
    civilian_status_re: re.Pattern[str]  # off-duty or former security staff are civilians
    criminal_victim_re: Matcher  # "the victim had charges against him for drug trafficking"
    context_air_re: re.Pattern[str]
    context_ground_re: re.Pattern[str]
    context_explosive_re: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class CasualtyLexicon:
    word_values: dict[str, int]  # every number word or fixed phrase -> value
    units: dict[str, int]
    tens: dict[str, int]
    scales: dict[str, int]
    vague_counts: dict[str, int]
    vague_uncounted: frozenset[str]
    qualifier_of: dict[str, str]  # "at least" -> "at_least"
    count_re: Matcher
    victim_re: Matcher  # named groups, one per victim group
    victim_groups: tuple[str, ...]
    modifier_re: re.Pattern[str]
    modifier_stop: frozenset[str]
    kill_after_re: re.Pattern[str]
    injure_after_re: re.Pattern[str]
    kill_before_re: Matcher  # searched in the short text before a count
    injure_before_re: Matcher
    running_re: Matcher
    background_re: Matcher  # a conflict's cumulative toll: no event, no count
    statistic_re: Matcher  # a local crime statistic: no count
    summary_re: re.Pattern[str]
    summary_after_re: re.Pattern[str]
    zero_re: Matcher
    fraction_re: Matcher
    subset_re: Matcher
    singular_killed_re: Matcher  # case-sensitive: "Smith was shot dead"
    singular_injured_re: Matcher
    suicide_re: Matcher  # the shooter's own death: "then took his own life"
    cue_re: Matcher  # cheap pre-filter: any casualty word at all


@dataclass(frozen=True, slots=True)
class CeasefireLexicon:
    terms_re: Matcher
    stances: tuple[tuple[str, str, re.Pattern[str]], ...]  # (stance, rule id, cue)
    accused_re: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ModalityLexicon:
    denied_re: Matcher
    hypothetical_re: Matcher
    claimed_re: Matcher


@dataclass(frozen=True, slots=True)
class ActorEntry:
    military: str
    government: str | None  # None for non-state groups


@dataclass(frozen=True, slots=True)
class ActorLexicon:
    entries: tuple[ActorEntry, ...]
    # Group a<i>m: always military, a<i>g: always government, a<i>n: role from context.
    actor_re: Matcher


@dataclass(frozen=True, slots=True)
class SportsLexicon:
    # One alternation per tier; group s<i> / w<i> names the cue, so a repeated cue counts once.
    # Sports cues are gated (most sentences hold none of their words); violence cues are not, as
    # a search for them mostly stops at the first hit, but prefix-indexed: an article naming none
    # early is read a word start at a time, not a character at a time.
    strong_re: GatedPattern
    weak_re: GatedPattern
    violence_re: Matcher
    article_min_score: int
    article_max_violence_cues: int
    sentence_min_score: int


@dataclass(frozen=True, slots=True)
class Lexicon:
    events: EventLexicon
    casualties: CasualtyLexicon
    ceasefire: CeasefireLexicon
    modality: ModalityLexicon
    actors: ActorLexicon
    sports: SportsLexicon


def _read(name: str, rules_dir: Path) -> tuple[Path, dict[str, Any]]:
    path = rules_dir / name
    return path, read_json_object(path, "rule file")


def _compile(path: Path, entry: str, pattern: Any, *, words: bool = True) -> re.Pattern[str]:
    """Compile one rule; ``words=False`` keeps the pattern's own case rules (no IGNORECASE)."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{path}: entry {entry!r} needs a non-empty regex string, got {pattern!r}")
    try:
        return re.compile(rf"\b(?:{pattern})\b", _FLAGS) if words else re.compile(pattern)
    except re.error as err:
        raise ConfigError(f"{path}: entry {entry!r} is not a valid regex: {err}") from err


def _templated(path: Path, data: dict[str, Any], key: str, terms_key: str) -> re.Pattern[str]:
    """One regex from a list of patterns, any of which may match, with ``<NAME>`` replaced by the
    shared sub-pattern ``data[terms_key][NAME]`` (a number or a list of war words, written once)."""
    terms, patterns = _field(path, data, terms_key), _field(path, data, key)
    if not isinstance(terms, dict) or not isinstance(patterns, list) or not patterns:
        raise ConfigError(f"{path}: {terms_key!r} must map names to regexes and {key!r} be a list of regexes")

    def expand(pattern: str) -> str:
        def term(m: re.Match[str]) -> str:
            if m.group(1) not in terms:
                raise ConfigError(f"{path}: entry {key!r} uses <{m.group(1)}>, which {terms_key!r} does not define")
            return f"(?:{terms[m.group(1)]})"

        return re.sub(r"<([A-Z_]+)>", term, pattern)

    joined = "|".join(f"(?:{expand(p)})" for p in patterns)
    try:
        return re.compile(joined, _FLAGS)
    except re.error as err:
        raise ConfigError(f"{path}: entry {key!r} is not a valid regex: {err}") from err


def _field(path: Path, data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise ConfigError(f"{path}: missing entry {key!r}")
    return data[key]


def _load_events(rules_dir: Path) -> EventLexicon:
    path, data = _read("events.json", rules_dir)
    rules: list[TriggerRule] = []
    parts: list[str] = []
    seen: set[str] = set()
    for i, t in enumerate(_field(path, data, "triggers")):
        rid = t.get("id") if isinstance(t, dict) else None
        if not rid or rid in seen:
            raise ConfigError(f"{path}: trigger #{i} has a missing or duplicate id: {t!r}")
        seen.add(rid)
        etype = t.get("event_type")
        if etype not in EVENT_TYPES and etype not in _RESOLVED_TYPES:
            raise ConfigError(f"{path}: trigger {rid!r} has unknown event_type {etype!r}")
        if not isinstance(t.get("priority"), int):
            raise ConfigError(f"{path}: trigger {rid!r} needs an integer priority")
        _compile(path, rid, t.get("pattern"))
        rules.append(
            TriggerRule(
                rid, etype, t.get("sub_event_type"), t["priority"], bool(t.get("weak")), bool(t.get("protest_veto")),
                bool(t.get("one_sided")),
            )
        )
        parts.append(f"(?P<t{i}>{t['pattern']})")
    negatives = _field(path, data, "negatives")
    for n in negatives:
        _compile(path, str(n.get("id")), n.get("pattern"))
    neg = "|".join(f"(?:{n['pattern']})" for n in negatives)
    return EventLexicon(
        triggers=tuple(rules),
        trigger_re=PrefixedPattern(_compile(path, "triggers", "|".join(parts)), alternatives=parts),
        negative_re=PrefixedPattern(
            _compile(path, "negatives", neg), alternatives=[n["pattern"] for n in negatives]
        ),
        protest_re=GatedPattern(_compile(path, "protest_context", _field(path, data, "protest_context"))),
        armed_party_re=_compile(path, "armed_parties", _field(path, data, "armed_parties")),
        military_target_re=_compile(path, "military_targets", _field(path, data, "military_targets")),
        civilian_target_re=_compile(path, "civilian_targets", _field(path, data, "civilian_targets")),
        civilian_status_re=_compile(path, "civilian_status", _field(path, data, "civilian_status")),
        criminal_victim_re=PrefixedPattern(_compile(path, "criminal_victim", _field(path, data, "criminal_victim"))),
        context_air_re=_compile(path, "context_air", _field(path, data, "context_air")),
        context_ground_re=_compile(path, "context_ground", _field(path, data, "context_ground")),
        context_explosive_re=_compile(path, "context_explosive", _field(path, data, "context_explosive")),
    )


def _int_map(path: Path, data: dict[str, Any], key: str) -> dict[str, int]:
    m = _field(path, data, key)
    if not isinstance(m, dict) or not all(isinstance(v, int) and v >= 0 for v in m.values()):
        raise ConfigError(f"{path}: entry {key!r} must map words to non-negative integers")
    return {k.lower(): v for k, v in m.items()}


def _alternation(words: list[str]) -> str:
    """The words, longest first, as one alternation (a space matches any run of whitespace).

    Under IGNORECASE ``re`` enters every branch of a plain alternation to compare its first letter,
    so the words are factored by shared leading letters ("seven(?:t(?:een|y)|)"): the count rule
    tries a few branches per candidate instead of a hundred. ``_factored`` keeps the exact matches.
    """
    ordered = sorted(words, key=len, reverse=True)
    plain = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    if not all(w and w.isascii() and w == w.lower() and w == w.strip() and "  " not in w for w in ordered):
        return plain  # non-ASCII letters may share a case fold ("ı", "i"); see _factored
    return _factored([[r"\s+" if ch == " " else re.escape(ch) for ch in w] for w in ordered])


def _factored(words: list[list[str]]) -> str:
    """``"|".join(map("".join, words))`` with words that share a first token grouped under it.

    Each token is one lower-case ASCII character or ``\\s+``, and distinct tokens never match the
    same character (no two ASCII letters share a case fold), so at any position only one group's
    first token can match: grouping moves a word only past words that cannot match there, and the
    words that can are still tried in their order, with the same backtracking. An empty rest
    ("seven" after "seven") matches anywhere, so it is never moved: it splits the list in two.
    ``\\s+`` is always followed by a letter (no word ends with or doubles a space), so it has only
    one way to match and factoring it out changes no backtracking either.
    """
    out: list[str] = []
    groups: dict[str, list[list[str]]] = {}
    for w in [*words, None]:
        if w is None or not w:  # flush the groups before an empty rest (and at the end)
            for first, rests in groups.items():
                out.append(first + ("".join(rests[0]) if len(rests) == 1 else "(?:" + _factored(rests) + ")"))
            groups = {}
            if w is not None:
                out.append("")
            continue
        groups.setdefault(w[0], []).append(w[1:])
    return "|".join(out)


def _load_casualties(rules_dir: Path) -> CasualtyLexicon:
    path, data = _read("casualties.json", rules_dir)
    units, tens, scales = (_int_map(path, data, k) for k in ("units", "tens", "scales"))
    fixed, vague_counts = _int_map(path, data, "fixed"), _int_map(path, data, "vague_counts")
    uncounted = [w.lower() for w in _field(path, data, "vague_uncounted")]
    qualifier_of: dict[str, str] = {}
    for q, words in _field(path, data, "qualifiers").items():
        if q not in QUALIFIERS:
            raise ConfigError(f"{path}: unknown qualifier {q!r}")
        for w in words:
            qualifier_of[w.lower()] = q
    groups = _field(path, data, "victim_groups")
    for g, pat in groups.items():
        _compile(path, f"victim_groups.{g}", pat)
    word = _alternation(list(units) + list(tens))
    word_num = rf"(?:{word})(?:[\s-]+(?:{word}))?(?:\s+(?:{_alternation(list(scales))}))?"
    digit = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:\s+(?:" + _alternation(list(scales)) + "))?"
    num = rf"(?:{digit}|{word_num}|{_alternation(list(fixed))})"
    count = (
        rf"(?:(?P<qual>{_alternation(list(qualifier_of))})\s+)?"
        rf"(?:between\s+(?P<lo>{num})\s+and\s+(?P<hi>{num})"
        rf"|(?P<lo2>{digit}|{word_num})\s*(?:-|–|to|or)\s*(?P<hi2>{digit}|{word_num})"
        rf"|(?P<vague>{_alternation(list(vague_counts) + uncounted)})"
        rf"|(?P<num>{num}))"
    )
    victim = "|".join(f"(?P<v_{g}>{p})" for g, p in groups.items())
    cue_words = (
        "kill dead die death fatal injur wound hurt casualt body bodies corpse slain murder execut behead "
        "perish lives life toll shot massacr lynch stabb succumb maim hospitali assassinat himself herself suicide homicide deadly"
    ).split()
    cues = _factored([list(w) for w in cue_words])  # tried in this order, a few branches per candidate
    return CasualtyLexicon(
        word_values={**units, **tens, **scales, **fixed},
        units=units,
        tens=tens,
        scales=scales,
        vague_counts=vague_counts,
        vague_uncounted=frozenset(uncounted),
        qualifier_of=qualifier_of,
        count_re=PrefixedPattern(_compile(path, "count", count)),
        victim_re=PrefixedPattern(re.compile(rf"(?:{victim})\b", _FLAGS)),
        victim_groups=tuple(groups),
        modifier_re=re.compile(_field(path, data, "modifier_word")),
        modifier_stop=frozenset(w.lower() for w in _field(path, data, "modifier_stop").split("|")),
        kill_after_re=re.compile(rf"\s*(?:{_field(path, data, 'kill_after')})\b", _FLAGS),
        injure_after_re=re.compile(rf"\s*(?:{_field(path, data, 'injure_after')})\b", _FLAGS),
        kill_before_re=PrefixedPattern(re.compile(rf"\b(?:{_field(path, data, 'kill_before')})\s*$", _FLAGS)),
        injure_before_re=PrefixedPattern(re.compile(rf"\b(?:{_field(path, data, 'injure_before')})\s*$", _FLAGS)),
        running_re=PrefixedPattern(_compile(path, "running_total", _field(path, data, "running_total"))),
        background_re=PrefixedPattern(_templated(path, data, "background_toll", "background_terms")),
        statistic_re=PrefixedPattern(_templated(path, data, "statistic_toll", "background_terms")),
        summary_re=re.compile(rf"\b(?:{_field(path, data, 'summary')})$", _FLAGS),
        summary_after_re=re.compile(rf"\s*(?:{_field(path, data, 'summary_after')})", _FLAGS),
        zero_re=PrefixedPattern(_compile(path, "zero", _field(path, data, "zero"))),
        fraction_re=PrefixedPattern(_compile(path, "fraction", _field(path, data, "fraction"))),
        subset_re=PrefixedPattern(_compile(path, "subset", _field(path, data, "subset"))),
        singular_killed_re=PrefixedPattern(
            _compile(path, "singular_killed", _field(path, data, "singular_killed"), words=False)
        ),
        singular_injured_re=PrefixedPattern(
            _compile(path, "singular_injured", _field(path, data, "singular_injured"), words=False)
        ),
        suicide_re=PrefixedPattern(_compile(path, "suicide", _field(path, data, "suicide"))),
        cue_re=PrefixedPattern(re.compile(cues, _FLAGS)),
    )


def _load_ceasefire(rules_dir: Path) -> CeasefireLexicon:
    path, data = _read("ceasefire.json", rules_dir)
    stances = []
    for s in _field(path, data, "stances"):
        if s.get("stance") not in STANCES:
            raise ConfigError(f"{path}: unknown stance {s.get('stance')!r} in {s!r}")
        stances.append((s["stance"], str(s.get("id") or s["stance"]), _compile(path, str(s.get("id")), s.get("pattern"))))
    return CeasefireLexicon(
        terms_re=PrefixedPattern(_compile(path, "terms", _field(path, data, "terms"))),
        stances=tuple(stances),
        accused_re=_compile(path, "accused", _field(path, data, "accused")),
    )


def _load_modality(rules_dir: Path) -> ModalityLexicon:
    path, data = _read("modality.json", rules_dir)
    return ModalityLexicon(
        denied_re=PrefixedPattern(_compile(path, "denied", _field(path, data, "denied"))),
        hypothetical_re=PrefixedPattern(_compile(path, "hypothetical", _field(path, data, "hypothetical"))),
        claimed_re=PrefixedPattern(_compile(path, "claimed", _field(path, data, "claimed"))),
    )


def _load_actors(rules_dir: Path) -> ActorLexicon:
    path, data = _read("actors.json", rules_dir)
    mil_nouns = _field(path, data, "military_nouns")
    gov_nouns = _field(path, data, "government_nouns")
    entries: list[ActorEntry] = []
    parts: list[str] = []
    for s in _field(path, data, "states"):
        i = len(entries)
        for key in ("military", "government", "names", "demonyms"):
            if not s.get(key):
                raise ConfigError(f"{path}: state {s.get('id')!r} needs {key!r}")
        entries.append(ActorEntry(s["military"], s["government"]))
        mil = [f"(?:{s['demonyms']}|{s['names']})(?:-led|-backed)? (?:{mil_nouns})"]
        gov = [f"(?:{s['demonyms']}|{s['names']}(?:'s)?) (?:{gov_nouns})"]
        if s.get("military_aliases"):
            mil.insert(0, s["military_aliases"])
        if s.get("government_aliases"):
            gov.insert(0, s["government_aliases"])
        parts.append(f"(?P<a{i}m>{'|'.join(mil)})")
        parts.append(f"(?P<a{i}g>{'|'.join(gov)})")
        parts.append(f"(?P<a{i}n>{s['names']}|{s['demonyms']})")
        for key, pat in (("military", "|".join(mil)), ("government", "|".join(gov))):
            _compile(path, f"{s['id']}.{key}", pat)
    for g in _field(path, data, "groups"):
        i = len(entries)
        if not g.get("name"):
            raise ConfigError(f"{path}: group without a name: {g!r}")
        _compile(path, g["name"], g.get("aliases"))
        entries.append(ActorEntry(g["name"], None))
        parts.append(f"(?P<a{i}m>{g['aliases']})")
    # Case-sensitive on purpose: "US" the country, not "us" the pronoun; "IS" the group, not "is".
    try:
        actor_re = re.compile(r"\b(?:" + "|".join(parts) + r")\b")
    except re.error as err:
        raise ConfigError(f"{path}: actor patterns do not compile: {err}") from err
    return ActorLexicon(tuple(entries), PrefixedPattern(actor_re, alternatives=parts))


def _cue_list(path: Path, data: dict[str, Any], key: str, tag: str) -> GatedPattern:
    cues = _field(path, data, key)
    if not isinstance(cues, list) or not cues:
        raise ConfigError(f"{path}: entry {key!r} must be a non-empty list of regexes")
    for i, cue in enumerate(cues):
        _compile(path, f"{key}[{i}]", cue)
    return GatedPattern(re.compile(r"\b(?:" + "|".join(f"(?P<{tag}{i}>{c})" for i, c in enumerate(cues)) + r")\b", _FLAGS))


def _load_sports(rules_dir: Path) -> SportsLexicon:
    path, data = _read("sports.json", rules_dir)
    scores = {}
    for key in ("article_min_score", "article_max_violence_cues", "sentence_min_score"):
        value = _field(path, data, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if "max" in key else 1):
            raise ConfigError(f"{path}: entry {key!r} must be a {'non-negative' if 'max' in key else 'positive'} integer, got {value!r}")
        scores[key] = value
    return SportsLexicon(
        strong_re=_cue_list(path, data, "strong_cues", "s"),
        weak_re=_cue_list(path, data, "weak_cues", "w"),
        violence_re=PrefixedPattern(_cue_list(path, data, "violence_cues", "v").regex),
        **scores,
    )


def load_lexicon(rules_dir: Path | None = None) -> Lexicon:
    """Read and compile every extraction rule file in ``rules_dir`` (default: the packaged rules)."""
    rules_dir = rules_dir or RULES_DIR
    with _gc_paused():
        events = _load_events(rules_dir)
        casualties = _load_casualties(rules_dir)
        ceasefire = _load_ceasefire(rules_dir)
        return Lexicon(
            events, casualties, ceasefire, _load_modality(rules_dir), _load_actors(rules_dir), _load_sports(rules_dir),
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while rules are analysed and compiled: that makes ~10^6 short-lived
    tuples and sets (freed by reference counting), and each collection they trigger walks every object
    of the process (a loaded gazetteer too): 0.1 s of a 0.65 s load, more in a worker."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The packaged rules, compiled once per process."""
    return load_lexicon()
