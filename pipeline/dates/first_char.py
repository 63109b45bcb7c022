"""A one-character lookahead in front of a rule pattern, derived from the pattern itself.

Most rule patterns open with an optional group or a word boundary ("(?:last|next)? Monday"), so
``re`` cannot skip ahead to a likely start: it tries the whole pattern, alternatives and all, at
every position of a window. Every match still starts with one of a few characters (a digit, the
initial of a month or of a modifier word). A leading ``(?=[...])`` of those characters rejects the
other positions after one test, about three times faster. The class is read from the parsed
pattern and errs only on the wide side (a lookaround or \b is looked through, ignore-case widens
the whole class), so it never turns away a position where a match starts: the matches are the same.
"""

from __future__ import annotations

import re
from typing import Any

import re._constants as _c  # noqa: PLC2701 - the parser's opcodes
import re._parser as _p  # noqa: PLC2701

# Class escapes for the categories a character class may hold (\d, \s, \w and their negations).
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


class _Unknown(Exception):
    """The pattern may start with any character: no guard."""


def _char(code: int) -> str:
    return re.escape(chr(code))


def _class_items(items: list[tuple[Any, Any]]) -> list[str]:
    out = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(_char(av))
        elif op is _c.RANGE:
            out.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _c.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:  # a negated class or an unusual category
            raise _Unknown
    return out


def _first_of_item(op: Any, av: Any, flags: int, found: tuple[set[str], set[str]]) -> bool:
    """Add the characters item ``op`` can start with to ``found`` (case-sensitive, ignore-case);
    True when the item can also match the empty string."""
    ignore = 1 if flags & re.IGNORECASE else 0
    if op is _c.LITERAL:
        found[ignore].add(_char(av))
        return False
    if op is _c.IN:
        found[ignore].update(_class_items(av))
        return False
    if op in _ZERO_WIDTH:
        return True  # a lookaround or \b consumes nothing: the next item decides (a wider guard)
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _first_of_sequence(sub.data, (flags | add_flags) & ~del_flags, found)
    if op is _c.ATOMIC_GROUP:
        return _first_of_sequence(av.data, flags, found)
    if op is _c.BRANCH:
        empties = [_first_of_sequence(alt.data, flags, found) for alt in av[1]]
        return any(empties)
    if op in _REPEATS:
        low, _high, sub = av
        return _first_of_sequence(sub.data, flags, found) or low == 0
    raise _Unknown  # any character, a back-reference, a conditional


def _first_of_sequence(items: list[tuple[Any, Any]], flags: int, found: tuple[set[str], set[str]]) -> bool:
    for op, av in items:
        if not _first_of_item(op, av, flags, found):
            return False
    return True


# ASCII letters that IGNORECASE also matches with a character beyond ASCII ("ı", "İ", "ſ", the
# Kelvin sign): they stay in the ignore-case class.
_FOLDS_BEYOND_ASCII = frozenset("iksIKS")


def _both_cases(found: tuple[set[str], set[str]]) -> None:
    """Move the other ASCII letters of the ignore-case class to the case-sensitive one in both
    cases, and digits and ASCII punctuation as they are: one class test per position instead of
    an alternation of two."""
    sensitive, ignore = found
    for item in list(ignore):
        char = item.removeprefix("\\")  # re.escape'd punctuation
        if item == r"\d" or (len(char) == 1 and char.isascii() and not char.isalpha()):
            ignore.remove(item)
            sensitive.add(item)
        elif len(item) == 1 and item.isascii() and item.isalpha() and item not in _FOLDS_BEYOND_ASCII:
            ignore.remove(item)
            sensitive.update((item.lower(), item.upper()))


def first_char_class(pattern: re.Pattern[str]) -> str | None:
    """A lookahead every match of ``pattern`` passes at its start, or None when none can be told
    (the pattern may match the empty string or start with any character)."""
    return _first_char_class(pattern.pattern, pattern.flags)


def _first_char_class(source: str, flags: int) -> str | None:
    found: tuple[set[str], set[str]] = (set(), set())
    try:
        parsed = _p.parse(source, flags)
        if _first_of_sequence(parsed.data, parsed.state.flags, found):
            return None
    except _Unknown:
        return None
    _both_cases(found)
    sensitive, ignore = ("".join(sorted(s)) for s in found)
    parts = ([f"[{sensitive}]"] if sensitive else []) + ([f"(?i:[{ignore}])"] if ignore else [])
    return f"(?={'|'.join(parts)})"


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind its first-character lookahead (the same pattern when none applies)."""
    guard = first_char_class(pattern)
    if guard is None:
        return pattern
    try:
        return re.compile(f"{guard}(?:{pattern.pattern})", pattern.flags)
    except re.error:  # e.g. inline global flags, which must open the pattern
        return pattern


def compile_guarded(source: str, flags: int = 0) -> re.Pattern[str]:
    """``guarded(re.compile(source, flags))``, compiled once instead of twice (faster import)."""
    guard = _first_char_class(source, flags)
    if guard is not None:
        try:
            return re.compile(f"{guard}(?:{source})", flags)
        except re.error:  # as in ``guarded``
            pass
    return re.compile(source, flags)
