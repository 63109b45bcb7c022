"""A cheap substring test in front of a costly regex, derived from the regex itself.

Most sentences match none of the page-furniture or protest patterns, yet ``re`` scans every
position of every sentence with each of them (IGNORECASE alternations cannot skip ahead). Every
match of such a pattern contains one of a few literal strings ("comment", "subscri", "©"); when
none of them occurs in the lower-cased text the regex cannot match and is not run. The strings are
read from the parsed pattern, so the gate can never disagree with the rules in the JSON files: it
only answers "maybe" or "certainly not".
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

import re._constants as _c  # noqa: PLC2701 - the parser's opcodes, read once at import
import re._parser as _p  # noqa: PLC2701

# IGNORECASE also matches these against ASCII letters; str.lower() does not map them.
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s"})  # str.lower() maps the Kelvin sign already
_MAX_CLASS = 8  # a character class wider than this tells nothing useful
_MAX_SPELLINGS = 64
_SHARP = 6


def fold(text: str) -> str | None:
    """``text`` lower-cased the way IGNORECASE compares, or None when str.lower() cannot mimic it
    ("İ" lower-cases to two characters)."""
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):
        return None
    # translate() is slow on long texts; curly quotes alone need no folding.
    return low.translate(_FOLD) if "\u0131" in low or "\u017f" in low else low


def _weak(found: frozenset[str]) -> bool:
    # A set holding " " or one letter is in almost every sentence: no use as a gate.
    return any(len(s) < 2 and (s.isalnum() or s.isspace() or not s) for s in found)


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None or _weak(a):
        return b if b is not None and not _weak(b) else a
    if b is None or _weak(b):
        return a
    # Past _SHARP letters a string is rare enough; then fewer strings make a cheaper test.
    return a if (min(_SHARP, *map(len, a)), -len(a)) >= (min(_SHARP, *map(len, b)), -len(b)) else b


def _needs(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of the sequence ``items`` contains (lower-cased), or None.

    Runs of items with a few exact spellings ("tear ?gas", "with (?:sticks|stones)") are spelt
    out whole, as longer strings make a sharper gate than their first word.
    """
    best: frozenset[str] | None = None
    acc: frozenset[str] = frozenset({""})
    for op, av in [*items, (None, None)]:
        spelt = spellings(op, av) if op is not None else None
        if spelt is not None:
            if len(spelt) > 1:
                best = _better(best, acc)  # "penalty " may gate as well as five spellings of "penalty area"
            joined = frozenset(a + b for a in acc for b in spelt)
            if len(joined) <= _MAX_SPELLINGS:
                acc = joined
                continue
        best = _better(best, acc)
        acc = spelt if spelt is not None else frozenset({""})
        if op is None:
            break
        if spelt is None:
            best = _better(best, _item_needs(op, av))
    return best


def spellings(op: Any, av: Any) -> frozenset[str] | None:
    """Every string the item can match, when there are few; else None."""
    if op is _c.LITERAL:
        return frozenset({chr(av).lower()})
    if op is _c.IN:
        if len(av) <= _MAX_CLASS and all(t is _c.LITERAL for t, _ in av):
            return frozenset(chr(v).lower() for _, v in av)
        return None
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = sequence_spellings(list(alt))
            if sub is None:
                return None
            out |= sub
        return frozenset(out) if len(out) <= _MAX_SPELLINGS else None
    if op is _c.SUBPATTERN:
        return sequence_spellings(list(av[-1]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[1] <= 1:
        sub = sequence_spellings(list(av[2]))
        if sub is None:
            return None
        return sub | {""} if av[0] == 0 else sub
    return None


def sequence_spellings(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    acc: frozenset[str] = frozenset({""})
    for op, av in items:
        spelt = spellings(op, av)
        if spelt is None:
            return None
        acc = frozenset(a + b for a in acc for b in spelt)
        if len(acc) > _MAX_SPELLINGS:
            return None
    return acc


def _item_needs(op: Any, av: Any) -> frozenset[str] | None:
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _needs(list(alt))
            if sub is None or _weak(sub):
                return None
            out |= sub
        return frozenset(out)
    if op is _c.SUBPATTERN:
        return _needs(list(av[-1]))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _needs(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
        return _needs(list(av[2]))
    return None  # zero-width assertions, optional parts, categories, backreferences


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which every match of ``pattern`` contains; None when unknown."""
    try:
        found = _needs(list(_p.parse(pattern.pattern, pattern.flags & ~re.UNICODE)))
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    if found is None or _weak(found):
        return None
    # "riot" already covers "rioters": fewer strings, fewer substring scans per text.
    return frozenset(a for a in found if not any(b != a and b in a for b in found))


# Past this many strings one regex scan for all of them beats one ``in`` test each: a text is read
# once, and the scan rejects most positions after one comparison (the 75 strong sports cues: 1.5x
# faster on bench sentences; at 20-30 strings the two are even).
SCAN_MIN = 32


def literal_trie(keys: list[str], piece: Callable[[str], str] = re.escape, *, tail_ahead: bool = False) -> str:
    """A regex matching any of ``keys`` (non-empty, sorted), branching on one character at a
    time so ``re`` rejects a position after one comparison per first character; a key that is a
    prefix of others stands for them (finding it is enough). ``piece`` writes one character as a
    regex; ``tail_ahead``: only the first character is consumed, the rest is a lookahead."""
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(k[0], []).append(k[1:])
    parts = []
    for first, rests in groups.items():
        head = piece(first)
        if "" in rests:
            parts.append(head)
        else:
            parts.append(head + ("(?=" if tail_ahead else "(?:") + literal_trie(rests, piece) + ")")
    return "|".join(parts)


def word_tree(words: Iterable[str]) -> str:
    """The words as one alternation shaped like a prefix tree ("d(?:e(?:l|n)?|u)"): ``re`` tries the
    branches of an alternation in turn, so a flat one costs a try per word, a tree one per letter.
    Unlike ``literal_trie`` a word that prefixes others is optional ("de" then maybe "l"): only for
    words always followed by a delimiter, where at most one branch can succeed."""
    tails: dict[str, list[str]] = {}
    for w in words:
        tails.setdefault(w[:1], []).append(w[1:])
    ends_here = "" in tails.pop("", [])  # the empty word: what was read so far is a word itself
    branches = [re.escape(ch) + word_tree(rest) for ch, rest in sorted(tails.items())]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and not ends_here else f"(?:{'|'.join(branches)})"
    return f"{body}?" if ends_here else body


def any_of(strings: frozenset[str] | tuple[str, ...]) -> re.Pattern[str]:
    """A case-sensitive regex whose ``search`` finds whether a text holds one of ``strings``:
    the same answer as ``any(s in text for s in strings)``, in one pass."""
    keys = sorted({s for s in strings if s})
    if len(keys) < len(set(strings)):
        return re.compile("")  # the empty string is in every text
    return re.compile(literal_trie(keys) if keys else "(?!)")


class GatedPattern:
    """``regex`` run only when the text contains one of its required literals; same results."""

    __slots__ = ("regex", "pattern", "flags", "needs", "_scan")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex, self.pattern, self.flags = regex, regex.pattern, regex.flags
        self.needs = required_literals(regex)
        self._scan = any_of(self.needs) if self.needs is not None and len(self.needs) >= SCAN_MIN else None

    def may_match(self, text: str, low: str | None = None) -> bool:
        """False only when ``pattern`` certainly finds nothing in ``text`` (``low``: its fold())."""
        if self.needs is None:
            return True
        low = fold(text) if low is None else low
        if low is None:
            return True
        if self._scan is not None:
            return self._scan.search(low) is not None
        for s in self.needs:  # a plain loop: any() over a generator costs more than the tests
            if s in low:
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.search(text, pos, endpos) if self.may_match(text) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):  # noqa: ANN201 - an iterator of matches
        return self.regex.finditer(text, pos, endpos) if self.may_match(text) else iter(())

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.match(text, pos, endpos)


def literal_forms(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The exact strings a pure literal alternation ("Monday|MONDAY|Mon") matches, case kept and
    in the pattern's order; None for anything else (classes, repeats, flags, assertions)."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = list(_p.parse(pattern.pattern, pattern.flags & ~re.UNICODE))
    except (re.error, RecursionError, TypeError, ValueError):
        return None
    alternatives = parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] is _c.BRANCH else [parsed]
    out = []
    for alt in alternatives:
        if not alt or any(op is not _c.LITERAL for op, _ in alt):
            return None
        out.append("".join(chr(av) for _, av in alt))
    return tuple(out)
