"""Rule tables for toponym recognition, read once from ``lexicon/`` and validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.jsonfile import read_json_object
from pipeline.errors import ConfigError
from pipeline.geo.normalize import norm_key

LEXICON_DIR = Path(__file__).parent / "lexicon"
ADMIN_LEVELS = frozenset({"admin1", "admin2", "city"})


@dataclass(frozen=True, slots=True)
class Lexicon:
    stopwords: frozenset[str]
    person_titles: frozenset[str]
    first_names: frozenset[str]
    surnames: frozenset[str]
    demonyms: dict[str, str]  # folded word -> ISO country code
    admin_words: dict[str, str]  # folded word -> admin1 | admin2 | city
    qualifiers_before: tuple[tuple[str, str], ...]  # (phrase, qualifier), longest phrase first
    qualifiers_after: tuple[tuple[str, str], ...]
    focus_cues: tuple[tuple[str, str], ...] = ()  # (phrase as written, ISO country code), longest first
    # (phrase as written, ISO country code, admin1 names), longest first
    focus_regions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    name_heads: frozenset[str] = frozenset()  # "abu", "jabal": words that start longer names
    org_suffixes: frozenset[str] = frozenset()  # "division", "brigade": a place name before them is a group's


def _read_lines(path: Path) -> frozenset[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(norm_key(line))
    return frozenset(words)


def _read_words(path: Path) -> frozenset[str]:
    """Whitespace-separated words, '#' lines are comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.lstrip().startswith("#") for w in line.split())


def _read_json(path: Path) -> dict:
    data = read_json_object(path, "lexicon")
    return {k: v for k, v in data.items() if not k.startswith("_")}


def read_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read and validate every rule table in ``directory``."""
    demonyms: dict[str, str] = {}
    for cc, words in _read_json(directory / "demonyms.json").items():
        if len(cc) != 2 or not isinstance(words, list):
            raise ConfigError(f"demonyms.json: bad entry {cc!r}")
        for w in words:
            demonyms[norm_key(w)] = cc
    admin_words = {norm_key(k): v for k, v in _read_json(directory / "admin_words.json").items()}
    bad = {v for v in admin_words.values() if v not in ADMIN_LEVELS}
    if bad:
        raise ConfigError(f"admin_words.json: unknown levels {sorted(bad)}")
    quals = _read_json(directory / "qualifiers.json")
    if set(quals) != {"before", "after"}:
        raise ConfigError("qualifiers.json needs exactly 'before' and 'after'")
    before = tuple(sorted(((k.lower(), v) for k, v in quals["before"].items()), key=lambda kv: -len(kv[0])))
    after = tuple(sorted(((k.lower(), v) for k, v in quals["after"].items()), key=lambda kv: -len(kv[0])))
    cues: list[tuple[str, str]] = []
    for cc, phrases in _read_json(directory / "focus_cues.json").items():
        if len(cc) != 2 or not isinstance(phrases, list) or not all(isinstance(x, str) and x for x in phrases):
            raise ConfigError(f"focus_cues.json: bad entry {cc!r}")
        cues += [(x, cc) for x in phrases]
    regions: list[tuple[str, str, tuple[str, ...]]] = []
    for entry in _read_json(directory / "focus_regions.json").get("regions", []):
        cc, names, phrases = entry.get("country"), entry.get("admin1"), entry.get("cues")
        ok = isinstance(cc, str) and len(cc) == 2 and isinstance(names, list) and names and isinstance(phrases, list)
        if not ok or not all(isinstance(x, str) and x for x in [*names, *phrases]):
            raise ConfigError(f"focus_regions.json: bad entry {entry!r}")
        regions += [(x, cc, tuple(names)) for x in phrases]
    return Lexicon(
        stopwords=_read_lines(directory / "stopwords.txt"),
        person_titles=_read_lines(directory / "person_titles.txt"),
        first_names=_read_words(directory / "first_names.txt"),
        surnames=_read_words(directory / "surnames.txt"),
        demonyms=demonyms,
        admin_words=admin_words,
        qualifiers_before=before,
        qualifiers_after=after,
        focus_cues=tuple(sorted(cues, key=lambda kv: -len(kv[0]))),
        focus_regions=tuple(sorted(regions, key=lambda r: -len(r[0]))),
        name_heads=_read_lines(directory / "name_heads.txt"),
        org_suffixes=_read_lines(directory / "org_suffixes.txt"),
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return read_lexicon()


def demonym_country(word: str) -> str | None:
    """ISO country code for a nationality word ("Syrian" -> "SY"), or None when it is not one."""
    return default_lexicon().demonyms.get(norm_key(word))
