"""Regular expressions for the fast resolver, built once from the vocabulary at import.

Month and weekday names are matched case-sensitively (capitalised or all capitals) because their
lower-case forms are ordinary words ("may", "march", "sun"); the relative words are matched
case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.dates.first_char import compile_guarded
from pipeline.dates.vocab import DateVocab


def _names(names: Iterable[str]) -> str:
    """Alternation of names and their all-capitals forms, longest first so prefixes lose."""
    forms = {form for name in names for form in (name, name.upper())}
    return "|".join(re.escape(f) for f in sorted(forms, key=lambda s: (-len(s), s)))


def _lower_names(names: Iterable[str]) -> str:
    """Lower-case alternation of names, for a core searched in lower-cased text."""
    return f"(?:{'|'.join(re.escape(n) for n in sorted({n.lower() for n in names}))})"


def _literals(words: Iterable[str]) -> str:
    """Alternation of plain literals in lower, Capitalised and UPPER case.

    No inline flags and no leading assertion, so the regex engine can skip ahead by first
    character: these gates are the cheap scan that decides where the real patterns run.
    """
    forms = {f for w in words for f in (w.lower(), w[:1].upper() + w[1:].lower(), w.upper(), w)}
    return "|".join(re.escape(f) for f in sorted(forms, key=lambda s: (-len(s), s)))


def _words(words: Iterable[str]) -> str:
    """Case-insensitive alternation of words or phrases, spaces matching any whitespace."""
    ordered = sorted(set(words), key=lambda s: (-len(s), s))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@dataclass(frozen=True, slots=True)
class DatePatterns:
    """Compiled patterns, one per fast rule, plus the candidate finder for the dateparser fallback."""

    iso: re.Pattern[str]
    numeric: re.Pattern[str]
    range_dmy: re.Pattern[str]
    range_mdy: re.Pattern[str]
    explicit_dmy: re.Pattern[str]
    explicit_mdy: re.Pattern[str]
    month_year: re.Pattern[str]
    month_named: re.Pattern[str]
    relday_weekday: re.Pattern[str]
    relative_day: re.Pattern[str]
    weekday: re.Pattern[str]
    relative_period: re.Pattern[str]
    ago: re.Pattern[str]
    anaphoric: re.Pattern[str]
    holiday: re.Pattern[str]
    year: re.Pattern[str]
    fallback_candidate: re.Pattern[str]
    range_joint: re.Pattern[str]
    range_opener: re.Pattern[str]
    since_before: re.Pattern[str]
    publication_cue: re.Pattern[str]
    future_cue: re.Pattern[str]
    approximator_before: re.Pattern[str]
    gate_month: re.Pattern[str]
    gate_weekday: re.Pattern[str]
    gate_relative_day: re.Pattern[str]
    gate_period: re.Pattern[str]
    gate_ago: re.Pattern[str]
    gate_anaphoric: re.Pattern[str]
    gate_holiday: re.Pattern[str]
    gate_iso: re.Pattern[str]
    gate_numeric: re.Pattern[str]
    gate_year: re.Pattern[str]
    # The digit gates again, as alternatives that each open with a literal: re skips to a literal
    # in a tight loop but tests a character class at every character, five times slower.
    gate_numeric_parts: tuple[re.Pattern[str], ...]
    gate_year_parts: tuple[re.Pattern[str], ...]
    # Cores: for a rule that seldom matches, a lower-case regex that every match contains once
    # lower-cased, with the optional parts and the assertions left out. It opens with a literal or
    # a character class, which re skips to in a tight loop, so testing a window for its core costs
    # a fraction of scanning the window with the rule; a window without it is not scanned.
    core_range_dmy: re.Pattern[str]
    core_range_mdy: re.Pattern[str]
    core_explicit_dmy: re.Pattern[str]
    core_relday_weekday: re.Pattern[str]
    core_ago: re.Pattern[str]
    core_anaphoric: re.Pattern[str]
    core_fallback_candidate: re.Pattern[str]
    core_future_cue: re.Pattern[str]


def build_patterns(vocab: DateVocab) -> DatePatterns:
    """Compile every pattern the fast resolver uses from ``vocab``."""
    full_weekdays = [w for w in vocab.weekdays if w not in vocab.weekday_abbreviations]
    # Only abbreviations take a dot: "in mid-July." must not swallow the full stop.
    abbreviations = [n for n, v in vocab.months.items() if any(v == w and len(o) > len(n) for o, w in vocab.months.items())]
    full_months = [n for n in vocab.months if n not in abbreviations]
    month = rf"\b(?:(?:{_names(full_months)})\b|(?:{_names(abbreviations)})(?:\.|\b))"
    # Abbreviated weekdays need a dot, or a comma and a date ("Sun, Sept. 25"): "the Baltimore Sun,"
    # and "Sat" are not days.
    wd = (
        rf"\b(?:(?:{_names(full_weekdays)})\b|(?:{_names(vocab.weekday_abbreviations)})"
        rf"(?:\.|(?=,\s*(?:{_names(vocab.months)}|\d))))"
    )
    day = r"\b(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b(?![.,:]\d)"
    ordinal = rf"(?i:{_words(vocab.ordinal_words)})\b"
    year = r"(?:(?:1[6-9]|20)\d\d\b(?!-\d)|'\d\d\b)"
    meridiem = r"(?:[AaPp]\.?\s?[Mm]\b\.?)"
    time = rf"(?:,?\s*(?:at\s+)?(?:\d{{1,2}}:\d\d(?:\s*{meridiem})?|\d{{1,2}}\s*{meridiem}))"
    weekday_prefix = rf"(?:(?P<wdp>{wd}),?\s+(?:the\s+)?)"
    parts = _words(vocab.day_parts)
    reldays = _words(vocab.relative_days)
    numbers = _words(vocab.number_words)
    joint = r"(?:-|–|—|\s+to\s+|\s+until\s+|\s+till\s+|\s+through\s+|\s+and\s+)"
    # Lower-case pieces of the cores: any month or weekday name, a day number (wider than ``day``).
    month_core = _lower_names(vocab.months)
    weekday_core = _lower_names(vocab.weekdays)
    day_core = r"[0-9]\d?(?:st|nd|rd|th)?"  # ``day`` opens with an ASCII digit

    # Rule and cue patterns open with their first-character guard (see ``first_char``): the same
    # matches, found faster. Gates stay as written: they are read as literal lists; so do cores,
    # which a lookahead in front would slow down.
    return DatePatterns(
        iso=compile_guarded(r"(?<![\d-])(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?:[T ]\d\d:\d\d(?::\d\d)?)?(?![\d-])"),
        numeric=compile_guarded(
            r"(?<![\d/.\-])(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/\-]|\.\d)"
        ),
        range_dmy=compile_guarded(
            rf"(?:\b(?P<opener>from|between)\s+)?(?:the\s+)?(?P<d1>{day}){joint}(?:the\s+)?(?P<d2>{day})\s+(?:of\s+)?"
            rf"(?P<mon>{month})(?:,?\s+(?P<year>{year}))?"
        ),
        range_mdy=compile_guarded(
            rf"(?:\b(?P<opener>from|between)\s+)?\b(?P<mon>{month})\s+(?P<d1>{day}){joint}(?P<d2>{day})"
            rf"(?:,?\s+(?P<year>{year}))?"
        ),
        explicit_dmy=compile_guarded(
            rf"{weekday_prefix}?(?:\bthe\s+)?(?P<d>{day})\s+(?:of\s+)?(?P<mon>{month})(?:,?\s+(?P<year>{year}))?{time}?"
        ),
        explicit_mdy=compile_guarded(
            rf"{weekday_prefix}?\b(?P<mon>{month})\s+(?:the\s+)?(?:(?P<d>{day})|(?P<dw>{ordinal}))"
            rf"(?:,?\s+(?P<year>{year}))?{time}?"
        ),
        month_year=compile_guarded(rf"\b(?P<mon>{month}),?\s+(?:of\s+)?(?P<year>(?:1[6-9]|20)\d\d)\b(?!-\d)"),
        month_named=compile_guarded(
            rf"\b(?P<mod>(?i:in|since|until|till|by|during|from|before|after|early|late|mid-?|last|next|this|"
            rf"through|throughout|of|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of))\s*(?P<mon>{month})"
            rf"(?!\.?\s*\d|\s+(?i:the)\b)"
        ),
        relday_weekday=compile_guarded(rf"(?i:\b(?P<rel>{reldays})\b)\s*\(\s*(?P<wd>{wd})\s*\)"),
        relative_day=compile_guarded(rf"(?i:\b(?P<rel>{reldays})\b(?:\s+(?:{parts})\b)?)"),
        weekday=compile_guarded(
            rf"(?:\b(?P<mod>(?i:last|next|this\s+coming|this\s+past|this|coming|past|the\s+previous|previous|"
            rf"the\s+following|following|early|late|earlier|later))\s+)?(?P<wd>{wd})(?:'s)?"
            rf"(?:\s+(?i:{parts})\b)?"
        ),
        relative_period=compile_guarded(
            r"(?i:\b(?P<mod>last|this|next|(?:earlier|later|early|late)\s+this|(?:earlier|early|late)\s+last|"
            r"(?:early|late)\s+next)\s+(?P<unit>week|month|year)\b)"
        ),
        ago=compile_guarded(
            rf"(?i:\b(?P<n>\d{{1,3}}|{numbers})\s+(?P<unit>day|week|month|year)s?(?:\s+or\s+so)?"
            rf"\s+(?P<dir>ago|from\s+now|hence|earlier|later|before|after)\b)(?i:(?!(?:(?<=before)|(?<=after))\s+[\w$]))"
        ),
        anaphoric=compile_guarded(
            r"(?i:\b(?:(?P<before>the\s+(?:day|night|evening)\s+before|the\s+previous\s+(?:day|night|evening)|"
            r"a\s+day\s+(?:earlier|before))|(?P<after>the\s+(?:next|following)\s+(?:day|morning|night|evening)|"
            r"a\s+day\s+(?:later|after))|(?P<same>(?:earlier|later)\s+that\s+(?:day|morning|afternoon|evening|night)|"
            r"that\s+(?:same\s+)?(?:day|morning|afternoon|evening|night)|the\s+same\s+day))\b)"
            # "the day before the hearing" counts from the hearing, which we do not resolve.
            r"(?i:(?!(?:(?<=before)|(?<=after))\s+[\w$]))"
        ),
        holiday=compile_guarded(
            rf"(?:\b(?P<mod>(?i:last|next|this))\s+)?\b(?P<name>{_names([*vocab.fixed_holidays, *vocab.nth_weekday_holidays])})\b"
        ),
        year=compile_guarded(r"(?<![\d,.$£€#/\-])(?P<y>(?:1[6-9]|20)\d\d)(?!\d|s\b|%|,\d|\.\d|[-/]\d|')(?:'s)?"),
        fallback_candidate=compile_guarded(
            r"(?i:\b(?:(?:a\s+few|several|a\s+couple\s+of|half\s+an?|a|an|\d{1,3}|[a-z]+)\s+)?"
            r"(?:fortnights?|days?|weeks?|months?|years?)\s+(?:ago|from\s+now|hence)\b)"
        ),
        range_joint=compile_guarded(r"\s*(?:-|–|—|to|until|till|through|and)\s*"),
        range_opener=compile_guarded(r"(?i:\b(?P<opener>from|between)\s+)$"),
        since_before=compile_guarded(r"(?i:\bsince\s+)$"),
        publication_cue=compile_guarded(rf"(?:{'|'.join(re.escape(c) for c in vocab.publication_cues)})\s*:?\s*$", re.I),
        future_cue=compile_guarded(rf"(?i:(?<![\w'])(?:{_words(vocab.future_cues)})(?![\w']))"),
        approximator_before=compile_guarded(
            r"(?i:\b(?:about|some|nearly|almost|over|than|least|approximately|around|roughly|estimated|"
            r"only|just|no|number|No\.|Nos?\.|page|pages|route|flight|room|code|model|version|\$|£|€)\s*)$"
        ),
        gate_month=re.compile(_names(vocab.months)),
        gate_weekday=re.compile(_names(vocab.weekdays)),
        gate_relative_day=re.compile(_literals(k.split()[-1] for k in vocab.relative_days)),
        gate_period=re.compile(_literals(["week", "month", "year"])),
        gate_ago=re.compile(_literals(["ago", "earlier", "later", "before", "after", "hence", "now"])),
        gate_anaphoric=re.compile(_literals(["day", "night", "evening", "morning", "afternoon", "before", "after", "later", "earlier"])),
        gate_holiday=re.compile(_names({n.split()[0] for n in [*vocab.fixed_holidays, *vocab.nth_weekday_holidays]})),
        # The digit rules open with a lookbehind, which stops re from skipping ahead: it tries them
        # at every character. Every match of a rule contains its gate's core, which starts with a
        # literal re can skip to, and the windows around a core are wider than any match.
        gate_iso=re.compile(r"-[01]\d-[0-3]\d"),
        gate_numeric=re.compile(_alternation(_NUMERIC_GATE_PARTS)),
        gate_year=re.compile(_alternation(_YEAR_GATE_PARTS)),
        gate_numeric_parts=tuple(map(re.compile, _NUMERIC_GATE_PARTS)),
        gate_year_parts=tuple(map(re.compile, _YEAR_GATE_PARTS)),
        # Each core is its rule from the first piece that every match has, as written above.
        core_range_dmy=re.compile(rf"{day_core}{joint}(?:the\s+)?{day_core}\s+(?:of\s+)?{month_core}"),
        # (the month in front would open the core with a lower-case letter, which re cannot skip to)
        core_range_mdy=re.compile(rf"{day_core}{joint}\d"),
        core_explicit_dmy=re.compile(rf"{day_core}\s+(?:of\s+)?{month_core}"),
        core_relday_weekday=re.compile(rf"\(\s*{weekday_core}"),
        core_ago=re.compile(
            r"(?:day|week|month|year)s?(?:\s+or\s+so)?\s+(?:ago|from\s+now|hence|earlier|later|before|after)"
        ),
        # Every alternative ends in "<the|previous|a|next|following|that|same> <day|night|...>".
        core_anaphoric=re.compile(
            r"(?:the|previous|a|next|following|that|same)\s+(?:day|night|evening|morning|afternoon)"
        ),
        core_fallback_candidate=re.compile(r"(?:fortnight|day|week|month|year)s?\s+(?:ago|from\s+now|hence)"),
        core_future_cue=re.compile(_words(c.lower() for c in vocab.future_cues)),
    )


_NUMERIC_GATE_PARTS = tuple(rf"{re.escape(sep)}\d{{1,2}}[/.\-]\d\d" for sep in "/.-")
_YEAR_GATE_PARTS = (r"1[6-9]\d\d", r"20\d\d")


def _alternation(parts: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in parts)
