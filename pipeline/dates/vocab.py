"""Load and validate the date vocabulary (``pipeline/rules/dates.json``).

The vocabulary is data so that adding a month spelling or a holiday needs no code change;
it is checked on load so that a typo fails loudly at import instead of silently matching nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from pipeline.jsonfile import read_json_object
from pipeline.errors import ConfigError

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "rules" / "dates.json"


@dataclass(frozen=True, slots=True)
class DateVocab:
    """Validated word lists; mappings are read-only so the shared instance cannot drift."""

    months: Mapping[str, int]
    weekdays: Mapping[str, int]
    weekday_abbreviations: frozenset[str]
    relative_days: Mapping[str, int]
    day_parts: tuple[str, ...]
    ordinal_words: Mapping[str, int]
    number_words: Mapping[str, int]
    fixed_holidays: Mapping[str, tuple[int, int]]
    nth_weekday_holidays: Mapping[str, tuple[int, int, int]]
    publication_cues: tuple[str, ...]
    count_nouns_after_year: frozenset[str]
    future_cues: tuple[str, ...]


def _int_map(raw: Any, key: str, low: int, high: int) -> Mapping[str, int]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"dates vocabulary: '{key}' must be a non-empty object")
    out: dict[str, int] = {}
    for name, value in raw.items():
        if name.startswith("_"):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"dates vocabulary: {key}[{name!r}] = {value!r} is not in {low}..{high}")
        out[name] = value
    return MappingProxyType(out)


def _str_list(raw: Any, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        raise ConfigError(f"dates vocabulary: '{key}' must be a list of non-empty strings")
    return tuple(raw)


def _tuple_map(raw: Any, key: str, arity: int) -> Mapping[str, tuple[int, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"dates vocabulary: '{key}' must be an object")
    out: dict[str, tuple[int, ...]] = {}
    for name, value in raw.items():
        if name.startswith("_"):
            continue
        if not (isinstance(value, list) and len(value) == arity and all(isinstance(v, int) for v in value)):
            raise ConfigError(f"dates vocabulary: {key}[{name!r}] must be a list of {arity} integers")
        if not 1 <= value[0] <= 12:
            raise ConfigError(f"dates vocabulary: {key}[{name!r}] has month {value[0]}")
        out[name] = tuple(value)
    return MappingProxyType(out)


def parse_vocab(raw: Mapping[str, Any]) -> DateVocab:
    """Validate a decoded vocabulary document; raise ConfigError naming the bad entry."""
    try:
        abbreviations = frozenset(_str_list(raw["weekday_abbreviations_need_dot_or_comma"], "weekday_abbreviations"))
        weekdays = _int_map(raw["weekdays"], "weekdays", 0, 6)
        if not abbreviations <= set(weekdays):
            raise ConfigError("dates vocabulary: every weekday abbreviation must also be listed in 'weekdays'")
        return DateVocab(
            months=_int_map(raw["months"], "months", 1, 12),
            weekdays=weekdays,
            weekday_abbreviations=abbreviations,
            relative_days=_int_map(raw["relative_days"], "relative_days", -7, 7),
            day_parts=_str_list(raw["day_parts"], "day_parts"),
            ordinal_words=_int_map(raw["ordinal_words"], "ordinal_words", 1, 31),
            number_words=_int_map(raw["number_words"], "number_words", 1, 100),
            fixed_holidays=_tuple_map(raw["fixed_holidays"], "fixed_holidays", 2),  # type: ignore[arg-type]
            nth_weekday_holidays=_tuple_map(raw["nth_weekday_holidays"], "nth_weekday_holidays", 3),  # type: ignore[arg-type]
            publication_cues=_str_list(raw["year_publication_cues"], "year_publication_cues"),
            count_nouns_after_year=frozenset(w.lower() for w in _str_list(raw["count_nouns_after_year"], "count_nouns_after_year")),
            future_cues=_str_list(raw["future_cues"], "future_cues"),
        )
    except KeyError as err:
        raise ConfigError(f"dates vocabulary: missing key {err.args[0]!r}") from err


def load_vocab(path: Path = DEFAULT_PATH) -> DateVocab:
    """Read and validate the vocabulary file at ``path``."""
    return parse_vocab(read_json_object(path, "date vocabulary"))
