"""Load, validate and compile the extraction rule files under ``pipeline/rules/`` (once, cached).

Every regex is compiled here so a bad entry fails at load time with a ConfigError naming the
file and the entry, never halfway through a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.jsonfile import read_json_object
from pipeline.errors import ConfigError
from pipeline.models import EVENT_TYPES, QUALIFIERS, STANCES

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
_FLAGS = re.IGNORECASE
_RESOLVED_TYPES = ("@bombing", "@attack")


@dataclass(frozen=True, slots=True)
class TriggerRule:
    id: str
    event_type: str  # one of EVENT_TYPES or "@bombing" / "@attack"
    sub_event_type: str | None
    priority: int
    weak: bool
    protest_veto: bool


@dataclass(frozen=True, slots=True)
class EventLexicon:
    triggers: tuple[TriggerRule, ...]
    trigger_re: re.Pattern[str]  # one alternation; group name t<i> says which rule matched
    negative_re: re.Pattern[str]
    protest_re: re.Pattern[str]
    military_target_re: re.Pattern[str]
    civilian_target_re: re.Pattern[str]
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
    count_re: re.Pattern[str]
    victim_re: re.Pattern[str]  # named groups, one per victim group
    victim_groups: tuple[str, ...]
    modifier_re: re.Pattern[str]
    modifier_stop: frozenset[str]
    kill_after_re: re.Pattern[str]
    injure_after_re: re.Pattern[str]
    kill_before_re: re.Pattern[str]
    injure_before_re: re.Pattern[str]
    running_re: re.Pattern[str]
    background_re: re.Pattern[str]  # a conflict's cumulative toll: no event, no count
    summary_re: re.Pattern[str]
    summary_after_re: re.Pattern[str]
    zero_re: re.Pattern[str]
    fraction_re: re.Pattern[str]
    subset_re: re.Pattern[str]
    singular_killed_re: re.Pattern[str]  # case-sensitive: "Smith was shot dead"
    singular_injured_re: re.Pattern[str]
    cue_re: re.Pattern[str]  # cheap pre-filter: any casualty word at all


@dataclass(frozen=True, slots=True)
class CeasefireLexicon:
    terms_re: re.Pattern[str]
    stances: tuple[tuple[str, str, re.Pattern[str]], ...]  # (stance, rule id, cue)
    accused_re: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ModalityLexicon:
    denied_re: re.Pattern[str]
    hypothetical_re: re.Pattern[str]
    claimed_re: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ActorEntry:
    military: str
    government: str | None  # None for non-state groups


@dataclass(frozen=True, slots=True)
class ActorLexicon:
    entries: tuple[ActorEntry, ...]
    # Group a<i>m: always military, a<i>g: always government, a<i>n: role from context.
    actor_re: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    events: EventLexicon
    casualties: CasualtyLexicon
    ceasefire: CeasefireLexicon
    modality: ModalityLexicon
    actors: ActorLexicon
    prefilter_re: re.Pattern[str]


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
                rid, etype, t.get("sub_event_type"), t["priority"], bool(t.get("weak")), bool(t.get("protest_veto"))
            )
        )
        parts.append(f"(?P<t{i}>{t['pattern']})")
    negatives = _field(path, data, "negatives")
    for n in negatives:
        _compile(path, str(n.get("id")), n.get("pattern"))
    neg = "|".join(f"(?:{n['pattern']})" for n in negatives)
    return EventLexicon(
        triggers=tuple(rules),
        trigger_re=_compile(path, "triggers", "|".join(parts)),
        negative_re=_compile(path, "negatives", neg),
        protest_re=_compile(path, "protest_context", _field(path, data, "protest_context")),
        military_target_re=_compile(path, "military_targets", _field(path, data, "military_targets")),
        civilian_target_re=_compile(path, "civilian_targets", _field(path, data, "civilian_targets")),
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
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


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
    cues = (
        "kill|dead|die|death|fatal|injur|wound|hurt|casualt|bod(?:y|ies)|corpse|slain|murder|execut|behead|"
        "perish|lives|life|toll|shot|massacr|lynch|stabb|succumb|maim|hospitali"
    )
    return CasualtyLexicon(
        word_values={**units, **tens, **scales, **fixed},
        units=units,
        tens=tens,
        scales=scales,
        vague_counts=vague_counts,
        vague_uncounted=frozenset(uncounted),
        qualifier_of=qualifier_of,
        count_re=_compile(path, "count", count),
        victim_re=re.compile(rf"(?:{victim})\b", _FLAGS),
        victim_groups=tuple(groups),
        modifier_re=re.compile(_field(path, data, "modifier_word")),
        modifier_stop=frozenset(w.lower() for w in _field(path, data, "modifier_stop").split("|")),
        kill_after_re=re.compile(rf"\s*(?:{_field(path, data, 'kill_after')})\b", _FLAGS),
        injure_after_re=re.compile(rf"\s*(?:{_field(path, data, 'injure_after')})\b", _FLAGS),
        kill_before_re=re.compile(rf"\b(?:{_field(path, data, 'kill_before')})\s*$", _FLAGS),
        injure_before_re=re.compile(rf"\b(?:{_field(path, data, 'injure_before')})\s*$", _FLAGS),
        running_re=_compile(path, "running_total", _field(path, data, "running_total")),
        background_re=re.compile(_field(path, data, "background_toll"), _FLAGS),
        summary_re=re.compile(rf"\b(?:{_field(path, data, 'summary')})$", _FLAGS),
        summary_after_re=re.compile(rf"\s*(?:{_field(path, data, 'summary_after')})", _FLAGS),
        zero_re=_compile(path, "zero", _field(path, data, "zero")),
        fraction_re=_compile(path, "fraction", _field(path, data, "fraction")),
        subset_re=_compile(path, "subset", _field(path, data, "subset")),
        singular_killed_re=_compile(path, "singular_killed", _field(path, data, "singular_killed"), words=False),
        singular_injured_re=_compile(path, "singular_injured", _field(path, data, "singular_injured"), words=False),
        cue_re=re.compile(cues, _FLAGS),
    )


def _load_ceasefire(rules_dir: Path) -> CeasefireLexicon:
    path, data = _read("ceasefire.json", rules_dir)
    stances = []
    for s in _field(path, data, "stances"):
        if s.get("stance") not in STANCES:
            raise ConfigError(f"{path}: unknown stance {s.get('stance')!r} in {s!r}")
        stances.append((s["stance"], str(s.get("id") or s["stance"]), _compile(path, str(s.get("id")), s.get("pattern"))))
    return CeasefireLexicon(
        terms_re=_compile(path, "terms", _field(path, data, "terms")),
        stances=tuple(stances),
        accused_re=_compile(path, "accused", _field(path, data, "accused")),
    )


def _load_modality(rules_dir: Path) -> ModalityLexicon:
    path, data = _read("modality.json", rules_dir)
    return ModalityLexicon(
        denied_re=_compile(path, "denied", _field(path, data, "denied")),
        hypothetical_re=_compile(path, "hypothetical", _field(path, data, "hypothetical")),
        claimed_re=_compile(path, "claimed", _field(path, data, "claimed")),
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
    return ActorLexicon(tuple(entries), actor_re)


def load_lexicon(rules_dir: Path | None = None) -> Lexicon:
    """Read and compile every extraction rule file in ``rules_dir`` (default: the packaged rules)."""
    rules_dir = rules_dir or RULES_DIR
    events = _load_events(rules_dir)
    casualties = _load_casualties(rules_dir)
    ceasefire = _load_ceasefire(rules_dir)
    prefilter = re.compile(
        "|".join(p.pattern for p in (events.trigger_re, ceasefire.terms_re, casualties.cue_re)), _FLAGS
    )
    return Lexicon(events, casualties, ceasefire, _load_modality(rules_dir), _load_actors(rules_dir), prefilter)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The packaged rules, compiled once per process."""
    return load_lexicon()
