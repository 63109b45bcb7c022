"""Fast regex rules: each turns one match into a ``Candidate`` with its resolved value.

A rule returns a candidate with ``value=None`` when the phrase is a date but cannot be resolved
(no anchor for a relative phrase): it still claims its span so a shorter, wrong reading of the
same words cannot win.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple
from dataclasses import dataclass, fields
from datetime import date, timedelta

from pipeline.dates import arith
from pipeline.dates.first_char import guarded
from pipeline.dates.patterns import DatePatterns, build_patterns
from pipeline.dates.vocab import DateVocab, load_vocab
from pipeline.regex_gate import fold, literal_forms, required_literals


class Candidate(NamedTuple):
    """A span a rule recognised, before overlaps are settled.

    Immutable like a frozen dataclass, but built several times per article: a NamedTuple is
    made about five times faster than a frozen dataclass, which sets each field through
    object.__setattr__."""

    start: int
    end: int
    rule: str
    value: str | None
    precision: str
    value_end: str | None = None
    kind: str = "point"
    weekday: int | None = None  # set by weekday rules so a range can roll its end forward
    ref_offset: int | None = None  # days from the previous day mention ("the day before")
    ref_direction: int | None = None  # "the previous Friday" (-1) / "the following Monday" (+1)


@dataclass(frozen=True, slots=True)
class Context:
    text: str
    anchor: date | None
    folded: str | None = None  # ``text`` lower-cased as IGNORECASE compares (regex_gate.fold)


VOCAB: DateVocab = load_vocab()
PATTERNS: DatePatterns = build_patterns(VOCAB)
_MONTHS = {k.lower(): v for k, v in VOCAB.months.items()}
_WEEKDAYS = {k.lower(): v for k, v in VOCAB.weekdays.items()}
_RELDAYS = {" ".join(k.lower().split()): v for k, v in VOCAB.relative_days.items()}
_NUMBERS = {" ".join(k.lower().split()): v for k, v in VOCAB.number_words.items()}
_ORDINALS = {k.lower(): v for k, v in VOCAB.ordinal_words.items()}
_HOLIDAYS_FIXED = {k.lower(): v for k, v in VOCAB.fixed_holidays.items()}
_HOLIDAYS_NTH = {k.lower(): v for k, v in VOCAB.nth_weekday_holidays.items()}
# Where a clause ends: a tense cue beyond one of these belongs to another verb.
_CLAUSE_END = guarded(re.compile(r"[.!?](?=\s)|[\n,;:()\"“”]|``|''"))
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")
_CLAUSE_LIMIT = 80  # characters a clause prefix reaches back at most


def _norm(s: str) -> str:
    return " ".join(s.lower().replace(".", "").split())


def month_of(name: str) -> int:
    return _MONTHS[_norm(name)]


def weekday_of(name: str) -> int:
    return _WEEKDAYS[_norm(name).rstrip(",")]


def _day_of(m: re.Match[str], group: str = "d") -> int:
    return int(re.sub(r"\D", "", m[group]))


def _full_year(raw: str) -> int:
    """'16 -> 2016, '98 -> 1998: two-digit years pivot at 50, the usual newspaper reading."""
    digits = raw.lstrip("'")
    if len(digits) == 2:
        n = int(digits)
        return 2000 + n if n < 50 else 1900 + n
    return int(digits)


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _is_publication_line(ctx: Context, start: int) -> bool:
    line_start = ctx.text.rfind("\n", 0, start) + 1
    return bool(PATTERNS.publication_cue.search(ctx.text[max(line_start, start - 40) : start]))


def _clause_prefix(ctx: Context, start: int, limit: int = _CLAUSE_LIMIT) -> str:
    """The text from the start of the clause (at most ``limit`` characters back) up to ``start``."""
    window = ctx.text[max(0, start - limit) : start]
    ends = list(_CLAUSE_END.finditer(window))
    return window[ends[-1].end() :] if ends else window


def _explicit(m: re.Match[str], ctx: Context, rule: str, day: int) -> Candidate:
    month = month_of(m["mon"])
    weekday = weekday_of(m["wdp"]) if m["wdp"] else None
    if m["year"]:
        found = arith.safe_date(_full_year(m["year"]), month, day)
    elif ctx.anchor is not None:
        found = arith.infer_year(month, day, ctx.anchor, weekday, future=_future_context(ctx, m.start()))
    else:
        found = None
    kind = "publication" if _is_publication_line(ctx, m.start()) else "point"
    return Candidate(m.start(), m.end(), rule, _day(found), "day", kind=kind)


def rule_explicit_dmy(m: re.Match[str], ctx: Context) -> Candidate:
    return _explicit(m, ctx, "fast:explicit_dmy", _day_of(m))


def rule_explicit_mdy(m: re.Match[str], ctx: Context) -> Candidate:
    day = _day_of(m) if m["d"] else _ORDINALS[m["dw"].lower()]
    return _explicit(m, ctx, "fast:explicit_mdy", day)


def rule_iso(m: re.Match[str], ctx: Context) -> Candidate | None:
    found = arith.safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
    if found is None:
        return None
    kind = "publication" if _is_publication_line(ctx, m.start()) else "point"
    return Candidate(m.start(), m.end(), "fast:iso", found.isoformat(), "day", kind=kind)


def rule_numeric(m: re.Match[str], ctx: Context) -> Candidate | None:
    """dd/mm/yyyy, read day-first unless only month-first makes a real date."""
    a, b, year = int(m["a"]), int(m["b"]), _full_year(m["y"])
    if m["sep"] == "." and len(m["y"]) == 2:
        return None  # "1.5.16" is as likely a version or a score as a date
    found = arith.safe_date(year, b, a) or arith.safe_date(year, a, b)
    if found is None:
        return None
    return Candidate(m.start(), m.end(), "fast:numeric_dmy", found.isoformat(), "day")


def _range(m: re.Match[str], ctx: Context, rule: str) -> Candidate | None:
    joint = ctx.text[m.end("d1") : m.start("d2")].strip().lower()
    if joint == "and" and m["opener"] != "between":
        return None  # "3 and 5 May" lists two days; only "between 3 and 5 May" is a span
    month = month_of(m["mon"])
    d1, d2 = _day_of(m, "d1"), _day_of(m, "d2")
    if d2 <= d1:
        return None  # "12-3 May" is a score or a count, not a span of days
    if m["year"]:
        start = arith.safe_date(_full_year(m["year"]), month, d1)
    elif ctx.anchor is not None:
        start = arith.infer_year(month, d1, ctx.anchor)
    else:
        start = None
    end = arith.safe_date(start.year, month, d2) if start else None
    if start is not None and end is None:
        return None
    return Candidate(m.start(), m.end(), rule, _day(start), "day", value_end=_day(end), kind="interval")


def rule_range_dmy(m: re.Match[str], ctx: Context) -> Candidate | None:
    return _range(m, ctx, "fast:range_dmy")


def rule_range_mdy(m: re.Match[str], ctx: Context) -> Candidate | None:
    return _range(m, ctx, "fast:range_mdy")


def rule_month_year(m: re.Match[str], ctx: Context) -> Candidate:
    return Candidate(m.start(), m.end(), "fast:month_year", f"{int(m['year']):04d}-{month_of(m['mon']):02d}", "month")


def rule_month_named(m: re.Match[str], ctx: Context) -> Candidate:
    """'in March' = the latest March not after publication; 'last March' strictly before its month."""
    mod = _norm(m["mod"])
    keep_mod = mod in {"last", "next", "this"}
    start = m.start() if keep_mod else m.start("mon")
    if ctx.anchor is None:
        return Candidate(start, m.end(), "fast:month_named", None, "month")
    month = month_of(m["mon"])
    if mod == "next":
        year, month = arith.next_month_named(month, ctx.anchor)
    else:
        year, month = arith.most_recent_month(month, ctx.anchor, strictly_before=mod == "last")
    return Candidate(start, m.end(), "fast:month_named", f"{year:04d}-{month:02d}", "month")


_AFTER_MODS = frozenset({"next", "this coming", "coming", "the following", "following"})
_BEFORE_MODS = frozenset({"last", "this past", "past", "the previous", "previous"})


def _resolve_weekday(weekday: int, mod: str, anchor: date, future: bool) -> date:
    """Weekday policy (see the package docstring)."""
    if mod in _AFTER_MODS:
        return arith.weekday_after(anchor, weekday)
    if mod in _BEFORE_MODS:
        return arith.weekday_before(anchor, weekday)
    if future:
        return arith.weekday_on_or_after(anchor, weekday)
    return arith.weekday_on_or_before(anchor, weekday)


# "the previous Friday" is the Friday before the day just reported, not before publication.
_ANAPHORIC_WEEKDAY = {"the previous": -1, "previous": -1, "the following": 1, "following": 1}


def _future_context(ctx: Context, start: int) -> bool:
    # Most clauses hold no cue word at all: the cue's core, searched in the lower-cased text up to
    # ``start``, rules that out faster than finding the clause and searching it for the cue.
    folded = ctx.folded
    if folded is not None and not PATTERNS.core_future_cue.search(folded, max(0, start - _CLAUSE_LIMIT), start):
        return False
    return bool(PATTERNS.future_cue.search(_clause_prefix(ctx, start)))


def rule_weekday(m: re.Match[str], ctx: Context) -> Candidate:
    weekday = weekday_of(m["wd"])
    if ctx.anchor is None:
        return Candidate(m.start(), m.end(), "fast:weekday", None, "day", weekday=weekday)
    mod = _norm(m["mod"]) if m["mod"] else ""
    # The tense only decides for a bare weekday other than the publication day's.
    undecided = mod not in _AFTER_MODS and mod not in _BEFORE_MODS and weekday != ctx.anchor.weekday()
    future = undecided and _future_context(ctx, m.start())
    found = _resolve_weekday(weekday, mod, ctx.anchor, future)
    direction = _ANAPHORIC_WEEKDAY.get(mod)
    return Candidate(
        m.start(), m.end(), "fast:weekday", found.isoformat(), "day", weekday=weekday, ref_direction=direction
    )


def rule_relday_weekday(m: re.Match[str], ctx: Context) -> Candidate:
    """'yesterday (Monday)': one mention; the weekday nearest the relative day wins."""
    weekday = weekday_of(m["wd"])
    if ctx.anchor is None:
        return Candidate(m.start(), m.end(), "fast:relday_weekday", None, "day", weekday=weekday)
    base = ctx.anchor + timedelta(days=_RELDAYS[_norm(m["rel"])])
    before = arith.weekday_on_or_before(base, weekday)
    after = arith.weekday_on_or_after(base, weekday)
    found = before if (base - before) <= (after - base) else after
    return Candidate(m.start(), m.end(), "fast:relday_weekday", found.isoformat(), "day", weekday=weekday)


def rule_relative_day(m: re.Match[str], ctx: Context) -> Candidate:
    offset = _RELDAYS[_norm(m["rel"])]
    value = _day(ctx.anchor + timedelta(days=offset)) if ctx.anchor else None
    return Candidate(m.start(), m.end(), "fast:relative_day", value, "day")


def rule_relative_period(m: re.Match[str], ctx: Context) -> Candidate:
    mod, unit = _norm(m["mod"]).split()[-1], m["unit"].lower()
    step = {"last": -1, "this": 0, "next": 1}[mod]
    precision = unit
    if ctx.anchor is None:
        return Candidate(m.start(), m.end(), "fast:relative_period", None, precision)
    if unit == "week":
        value = arith.iso_week(ctx.anchor + timedelta(weeks=step))
    elif unit == "month":
        year, month = arith.shift_months(ctx.anchor, step)
        value = f"{year:04d}-{month:02d}"
    else:
        value = f"{ctx.anchor.year + step:04d}"
    return Candidate(m.start(), m.end(), "fast:relative_period", value, precision)


def _shift(base: date, n: int, unit: str) -> tuple[str, str]:
    """(value, precision) ``n`` units from ``base``: days and weeks to the day, months and years coarser."""
    if unit == "day":
        return (base + timedelta(days=n)).isoformat(), "day"
    if unit == "week":
        return (base + timedelta(weeks=n)).isoformat(), "day"
    if unit == "month":
        return arith.add_months(base, n).isoformat()[:7], "month"
    return f"{base.year + n:04d}", "year"


def rule_ago(m: re.Match[str], ctx: Context) -> Candidate | None:
    raw = _norm(m["n"])
    n = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
    if n is None:
        return None
    unit = m["unit"].lower()
    direction = _norm(m["dir"])
    sign = -1 if direction in {"ago", "earlier", "before"} else 1
    if direction in {"earlier", "later", "before", "after"}:
        # "two days later" counts from the event just reported, not from publication.
        if unit != "day":
            return None
        return Candidate(m.start(), m.end(), "fast:anaphoric", None, "day", ref_offset=sign * n)
    if ctx.anchor is None:
        return Candidate(m.start(), m.end(), "fast:ago", None, "day")
    value, precision = _shift(ctx.anchor, sign * n, unit)
    return Candidate(m.start(), m.end(), "fast:ago", value, precision)


def rule_anaphoric(m: re.Match[str], ctx: Context) -> Candidate:
    offset = -1 if m["before"] else 1 if m["after"] else 0
    return Candidate(m.start(), m.end(), "fast:anaphoric", None, "day", ref_offset=offset)


def _holiday_in(name: str, year: int) -> date:
    if name in _HOLIDAYS_FIXED:
        month, day = _HOLIDAYS_FIXED[name]
        return date(year, month, day)
    month, weekday, n = _HOLIDAYS_NTH[name]
    return arith.nth_weekday(year, month, weekday, n)


def rule_holiday(m: re.Match[str], ctx: Context) -> Candidate:
    if ctx.anchor is None:
        return Candidate(m.start(), m.end(), "fast:holiday", None, "day")
    name, mod = _norm(m["name"]).replace("’", "'"), _norm(m["mod"]) if m["mod"] else ""
    this_year = _holiday_in(name, ctx.anchor.year)
    if mod == "last":
        found = this_year if this_year < ctx.anchor else _holiday_in(name, ctx.anchor.year - 1)
    elif mod == "next":
        found = this_year if this_year > ctx.anchor else _holiday_in(name, ctx.anchor.year + 1)
    elif (this_year - ctx.anchor).days > arith.FUTURE_WINDOW_DAYS:
        found = _holiday_in(name, ctx.anchor.year - 1)
    else:
        found = this_year
    return Candidate(m.start(), m.end(), "fast:holiday", found.isoformat(), "day")


def rule_year(m: re.Match[str], ctx: Context) -> Candidate | None:
    """A bare year, unless the number is a count ("2011 people", "about 1800")."""
    year = int(m["y"])
    if ctx.anchor is not None and year > ctx.anchor.year + 30:
        return None
    if PATTERNS.approximator_before.search(ctx.text[max(0, m.start() - 20) : m.start()]):
        return None
    after = _NEXT_WORD.match(ctx.text, m.end())
    if after and after[1].lower() in VOCAB.count_nouns_after_year:
        return None
    return Candidate(m.start(), m.end(), "fast:year", f"{year:04d}", "year")


Rule = Callable[[re.Match[str], Context], Candidate | None]

# Characters a match may reach before / after the gate word that triggered it
# ("Wednesday, the 27th of September" reaches 20 back from "September"; a trailing year and time 40 on).
_WINDOW_BEFORE = 40
_WINDOW_AFTER = 60

# (pattern, rule, gate): a rule only runs in windows around hits of its gate, a cheap literal scan;
# None = run over the whole text.
# Order breaks ties between candidates of equal length: earlier rules are more specific.
RULES: tuple[tuple[re.Pattern[str], Rule, re.Pattern[str] | None], ...] = (
    (PATTERNS.iso, rule_iso, PATTERNS.gate_iso),
    (PATTERNS.numeric, rule_numeric, PATTERNS.gate_numeric),
    (PATTERNS.range_dmy, rule_range_dmy, PATTERNS.gate_month),
    (PATTERNS.range_mdy, rule_range_mdy, PATTERNS.gate_month),
    (PATTERNS.explicit_dmy, rule_explicit_dmy, PATTERNS.gate_month),
    (PATTERNS.explicit_mdy, rule_explicit_mdy, PATTERNS.gate_month),
    (PATTERNS.month_year, rule_month_year, PATTERNS.gate_month),
    (PATTERNS.relday_weekday, rule_relday_weekday, PATTERNS.gate_relative_day),
    (PATTERNS.relative_day, rule_relative_day, PATTERNS.gate_relative_day),
    (PATTERNS.holiday, rule_holiday, PATTERNS.gate_holiday),
    (PATTERNS.weekday, rule_weekday, PATTERNS.gate_weekday),
    (PATTERNS.relative_period, rule_relative_period, PATTERNS.gate_period),
    (PATTERNS.ago, rule_ago, PATTERNS.gate_ago),
    (PATTERNS.anaphoric, rule_anaphoric, PATTERNS.gate_anaphoric),
    (PATTERNS.month_named, rule_month_named, PATTERNS.gate_month),
    (PATTERNS.year, rule_year, PATTERNS.gate_year),
)


# Gates are looked up by id(): hashing a compiled pattern hashes its whole program, microseconds
# for a long alternation, and the gates are looked up several times per rule and text.
_Table = tuple[tuple[str, int, frozenset[str]], ...]  # (lower-case word, its length, its spellings)
_TABLES: dict[int, tuple[re.Pattern[str], _Table | None]] = {}


def _literal_table(gate: re.Pattern[str]) -> _Table | None:
    """A literal gate's spellings by lower-case form ("monday" -> Monday, MONDAY), or None when
    the gate is no plain list of words."""
    known = _TABLES.get(id(gate))
    if known is None or known[0] is not gate:
        known = _TABLES[id(gate)] = (gate, _build_literal_table(gate))
    return known[1]


def _build_literal_table(gate: re.Pattern[str]) -> _Table | None:
    forms = literal_forms(gate)
    if forms is None or any(len(f.lower()) != len(f) for f in forms):
        return None
    if any(len(a) < len(b) for a, b in zip(forms, forms[1:])):
        return None  # _table_hits relies on the longest form winning, as it does when listed first
    if not any(f[:1].islower() for f in forms):
        return None  # capitalised names only: re skips the lower-case letters faster than find()
    table: dict[str, set[str]] = {}
    for f in forms:
        table.setdefault(f.lower(), set()).add(f)
    return tuple((low, len(low), frozenset(spellings)) for low, spellings in table.items())


def _longest_first(form: str) -> tuple[int, str]:
    return -len(form), form


@dataclass(frozen=True, slots=True)
class _MergedScan:
    """One alternation of several literal gates, found in one pass instead of one per gate.

    Its hits, split by gate, are each gate's own hits unless a spelling of another gate also
    matches inside a hit (a hit of one gate hid a hit of another: "AUGUSTuesday"); ``risks``
    lists, per spelling, where such a match could start and what it would be, so that rare case
    is caught and the gates are scanned one by one instead.
    """

    gates: tuple[re.Pattern[str], ...]
    pattern: re.Pattern[str]
    owner: dict[str, int]  # spelling -> index in gates
    risks: dict[str, tuple[tuple[int, re.Pattern[str]], ...]]

    def index(self, gate: re.Pattern[str]) -> int | None:
        for i, g in enumerate(self.gates):
            if g is gate:
                return i
        return None

    def hits(self, text: str) -> list[list[tuple[int, int]]]:
        """Each gate's spans in ``text``, in the order of ``gates``."""
        found: list[list[tuple[int, int]]] = [[] for _ in self.gates]
        for m in self.pattern.finditer(text):
            found[self.owner[m[0]]].append(m.span())
            for offset, other in self.risks.get(m[0], ()):
                if other.match(text, m.start() + offset):
                    return [[h.span() for h in g.finditer(text)] for g in self.gates]
        return found


def _overlapping(form: str, offset: int, other: str) -> bool:
    """Whether ``other`` starting ``offset`` characters into ``form`` agrees with it where they meet."""
    tail = form[offset:]
    return other.startswith(tail) or tail.startswith(other)


def _grouped_alternation(forms: list[str]) -> str:
    """``a|b|...`` for forms ordered longest first, written as one group per first character
    ("S(?:eptember|ept|un)"): the same choices, found about twice as fast as a flat alternation."""
    rests: dict[str, list[str]] = {}
    for form in forms:
        rests.setdefault(form[0], []).append(form[1:])
    return "|".join(f"{re.escape(c)}(?:{'|'.join(map(re.escape, r))})" for c, r in rests.items())


def _merged_scan(gates: tuple[re.Pattern[str], ...]) -> _MergedScan | None:
    """A merged scan of literal gates, or None when one of them is not a longest-first literal list."""
    owner: dict[str, int] = {}
    for i, gate in enumerate(gates):
        forms = literal_forms(gate)
        if forms is None or not forms or list(forms) != sorted(forms, key=_longest_first):
            return None  # within a gate, the merged alternation must keep the gate's order
        for form in forms:
            if owner.setdefault(form, i) != i:
                return None
    by_initial: dict[str, list[str]] = {}  # two forms can only meet where their initials do
    for form in owner:
        by_initial.setdefault(form[0], []).append(form)
    risks = {}
    for form, i in owner.items():
        checks = []
        for offset in range(len(form)):
            near = by_initial.get(form[offset], [])
            others = [o for o in near if owner[o] != i and _overlapping(form, offset, o)]
            if others:
                checks.append((offset, re.compile("|".join(map(re.escape, others)))))
        if checks:
            risks[form] = tuple(checks)
    pattern = re.compile(_grouped_alternation(sorted(owner, key=_longest_first)))
    return _MergedScan(gates, pattern, owner, risks)


# The capitalised-name gates: one regex pass each otherwise.
_MERGED = _merged_scan((PATTERNS.gate_month, PATTERNS.gate_weekday, PATTERNS.gate_holiday))


def _find_all(low: str, word: str) -> list[int]:
    found = []
    find = low.find
    at = find(word)
    while at >= 0:
        found.append(at)
        at = find(word, at + 1)
    return found


def _table_hits(table: _Table, text: str, low: str, cache: dict) -> list[tuple[int, int]]:
    """The spans of a literal gate, looked up with str.find on the lower-cased text, several times
    faster than re on a long alternation; the longest form at the leftmost free position wins,
    as in the regex, whose forms are ordered longest first. Gates share words ("before", "night"):
    each word's positions are found once per text."""
    found: list[tuple[int, int]] = []
    known = cache.get("word_positions")
    if known is None:
        known = cache["word_positions"] = {}
    for word, n, spellings in table:
        positions = known.get(word)
        if positions is None:
            # Most words are in no text: one "in" test settles them without a call.
            positions = known[word] = _find_all(low, word) if word in low else []
        for at in positions:
            if text[at : at + n] in spellings:
                found.append((at, -n))
    if not found:
        return found
    found.sort()
    hits: list[tuple[int, int]] = []
    free = 0
    for at, neg in found:
        if at >= free:
            free = at - neg
            hits.append((at, free))
    return hits


# Gates written as an alternation of parts that each open with a literal (patterns.py).
_SPLIT = ((PATTERNS.gate_numeric, PATTERNS.gate_numeric_parts), (PATTERNS.gate_year, PATTERNS.gate_year_parts))


def _split_hits(gate: re.Pattern[str], parts: tuple[re.Pattern[str], ...], text: str) -> list[tuple[int, int]]:
    """The spans of ``gate`` = part|part|..., each part scanned alone (re skips to its literal
    fast). While no two parts' hits overlap, together they are the gate's own hits: where only
    one part can match, the alternation takes it, and a hit of one part could only hide a hit of
    another by overlapping it. Overlapping hits ("12/05/2016") are settled by the gate itself."""
    found = sorted(m.span() for part in parts for m in part.finditer(text))
    for (_, end), (start, _) in zip(found, found[1:]):
        if start < end:
            return [m.span() for m in gate.finditer(text)]
    return found


def _gate_plan(gate: re.Pattern[str]) -> tuple[str, Any]:
    """How ``gate`` is scanned, decided once per gate: ("merged", its index in _MERGED),
    ("split", its parts), ("table", its word table) or ("regex", None)."""
    known = _PLANS.get(id(gate))
    if known is None or known[0] is not gate:
        merged_at = _MERGED.index(gate) if _MERGED is not None else None
        parts = next((parts for whole, parts in _SPLIT if gate is whole), None)
        if merged_at is not None:
            plan: tuple[str, Any] = ("merged", merged_at)
        elif parts is not None:
            plan = ("split", parts)
        elif (table := _literal_table(gate)) is not None:  # read from the gate: not for the others
            plan = ("table", table)
        else:
            plan = ("regex", None)
        known = _PLANS[id(gate)] = (gate, plan)
    return known[1]


_PLANS: dict[int, tuple[re.Pattern[str], tuple[str, Any]]] = {}


def _gate_hits(gate: re.Pattern[str], text: str, low: str | None, cache: dict | None = None) -> list[tuple[int, int]]:
    """The spans ``gate.finditer(text)`` gives, found the cheapest way known for the gate.
    ``cache`` (per text) holds what several gates share: the merged scan, word positions.
    Its keys: "low", "fold", "merged", "word_positions", and id(gate) for each gate's windows."""
    cache = {} if cache is None else cache
    kind, how = _gate_plan(gate)
    if kind == "merged":
        merged = cache.get("merged")
        if merged is None:
            merged = cache["merged"] = _MERGED.hits(text)  # type: ignore[union-attr]
        return merged[how]
    if kind == "split":
        return _split_hits(gate, how, text)
    if kind == "table" and low is not None:
        return _table_hits(how, text, low, cache)
    return [m.span() for m in gate.finditer(text)]


def _windows(gate: re.Pattern[str] | None, text: str, cache: dict) -> list[tuple[int, int, int, int]]:
    """Merged [start, end) windows around the gate's hits (the whole text when there is no gate),
    each with the start of its first hit and the end of its last."""
    n = len(text)
    if gate is None:
        return [(0, n, 0, n)]
    key = id(gate)  # the gate outlives the cache, which lives for one text
    spans = cache.get(key)
    if spans is None:
        if "low" not in cache:
            low = text.lower()
            cache["low"] = low if len(low) == n else None
        spans = []
        for start, end in _gate_hits(gate, text, cache["low"], cache):
            lo = start - _WINDOW_BEFORE if start > _WINDOW_BEFORE else 0
            hi = end + _WINDOW_AFTER if end + _WINDOW_AFTER < n else n
            if spans and lo <= spans[-1][1]:
                spans[-1] = (spans[-1][0], hi, spans[-1][2], end)
            else:
                spans.append((lo, hi, start, end))
        cache[key] = spans
    return spans


_NEEDS: dict[tuple[int, int], tuple[re.Pattern[str], re.Pattern[str] | None, frozenset[str] | None]] = {}


def _window_needs(pattern: re.Pattern[str], gate: re.Pattern[str] | None) -> frozenset[str] | None:
    """Lower-case strings one of which every match of ``pattern`` contains, when some windows of
    ``gate`` may lack them all ("ago" in a window opened by "before"); None when every window has
    one anyway (a month name in a month window) or nothing is known."""
    key = (id(pattern), id(gate))
    known = _NEEDS.get(key)
    if known is None or known[0] is not pattern or known[1] is not gate:
        needs = required_literals(pattern)
        forms = literal_forms(gate) if gate is not None else None
        if needs is not None and forms is not None and all(any(n in f.lower() for n in needs) for f in forms):
            needs = None
        known = _NEEDS[key] = (pattern, gate, needs)
    return known[2]


def _folded(text: str, cache: dict) -> str | None:
    if "fold" not in cache:
        cache["fold"] = fold(text)  # lower-cased as IGNORECASE compares, or None
    return cache["fold"]


def _has_any(needs: frozenset[str], text: str, lo: int, hi: int, cache: dict) -> bool:
    folded = _folded(text, cache)
    if folded is None:
        return True
    window = folded[lo:hi]
    for n in needs:
        if n in window:
            return True
    return False


def _has_core(core: re.Pattern[str], text: str, lo: int, hi: int, cache: dict) -> bool:
    folded = _folded(text, cache)
    return folded is None or core.search(folded, lo, hi) is not None


# A rule pattern's core (patterns.py), by id of the pattern: "core_ago" belongs to "ago".
_CORES: dict[int, re.Pattern[str]] = {
    id(getattr(PATTERNS, f.name.removeprefix("core_"))): getattr(PATTERNS, f.name)
    for f in fields(PATTERNS)
    if f.name.startswith("core_")
}


class _Scan(NamedTuple):
    """What is known of a pattern's matches that spares scanning (part of) a window."""

    needs: frozenset[str] | None = None  # lower-case strings one of which every match contains
    core: re.Pattern[str] | None = None  # a lower-case regex every match contains (patterns.py)
    holds_hit: bool = False  # every match holds a whole word of the gate
    starts_at_hit: bool = False  # every match starts with a whole word of the gate


def iter_gated(
    pattern: re.Pattern[str], gate: re.Pattern[str] | None, text: str, cache: dict | None = None
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` inside the windows around ``gate`` hits. ``cache`` (one per text)
    keeps gate scans for the next pattern with the same gate."""
    scan = _Scan(_window_needs(pattern, gate), _CORES.get(id(pattern)))
    return iter(_window_matches(pattern, gate, scan, text, {} if cache is None else cache))


def _window_matches(
    pattern: re.Pattern[str], gate: re.Pattern[str] | None, scan: _Scan, text: str, cache: dict
) -> list[re.Match[str]]:
    """``iter_gated`` with what ``scan`` knows, as a list (cheaper than a generator, built 17
    times per text). A window without any string every match contains, or without the pattern's
    core, is not scanned: a match lies wholly inside its window, and so does the core it contains.

    ``holds_hit``: every match contains a whole gate word, which the gate scan found or covered
    with a hit of its own, in this window. Then no match can follow one that reaches the
    window's last hit, and the rest of the window (up to _WINDOW_AFTER characters) is not
    scanned. ``starts_at_hit``: that word opens the match, so no match starts before the
    window's first hit, and the scan starts there (a lookbehind still sees the text before)."""
    needs, core, holds_hit, starts_at_hit = scan
    found: list[re.Match[str]] = []
    for lo, hi, first, last in _windows(gate, text, cache):
        if needs is not None and not _has_any(needs, text, lo, hi, cache):
            continue
        if core is not None and not _has_core(core, text, lo, hi, cache):
            continue
        matches = pattern.finditer(text, first if starts_at_hit else lo, hi)
        if not holds_hit:
            found.extend(matches)
            continue
        for m in matches:
            found.append(m)
            if m.end() >= last:
                break
    return found


# Rules whose every match holds a whole word of their (case-sensitive) gate: the month, weekday
# or holiday name, the year, the digits after the first separator. Not the ignore-case rules,
# which also match spellings the gate lacks ("ToDay"), nor relday_weekday (its weekday is no
# word of its gate).
_HOLDS_GATE_HIT = frozenset(
    {
        rule_iso,
        rule_numeric,
        rule_range_dmy,
        rule_range_mdy,
        rule_explicit_dmy,
        rule_explicit_mdy,
        rule_month_year,
        rule_holiday,
        rule_weekday,
        rule_month_named,
        rule_year,
    }
)
# Of those, the rules whose match opens with that word: "March 2016", a bare year.
_STARTS_AT_GATE_HIT = frozenset({rule_month_year, rule_year})
_RULE_SCANS = tuple(
    _Scan(
        _window_needs(pattern, gate),
        _CORES.get(id(pattern)),
        rule in _HOLDS_GATE_HIT,
        rule in _STARTS_AT_GATE_HIT,
    )
    for pattern, rule, gate in RULES
)


def find_candidates(text: str, anchor: date | None, cache: dict | None = None) -> Iterator[tuple[int, Candidate]]:
    """Every candidate of every rule, paired with the rule's rank (lower = more specific).
    ``cache`` keeps the gates' hits in ``text`` for a later ``iter_gated`` over the same text."""
    cache = {} if cache is None else cache
    ctx = Context(text, anchor, _folded(text, cache))
    for rank, (pattern, rule, gate) in enumerate(RULES):
        for m in _window_matches(pattern, gate, _RULE_SCANS[rank], text, cache):
            found = rule(m, ctx)
            if found is not None:
                yield rank, found


def select_non_overlapping(ranked: list[tuple[int, Candidate]]) -> list[Candidate]:
    """Longest span first, then the more specific rule; keep those that overlap nothing kept."""
    ranked.sort(key=lambda rc: (-(rc[1].end - rc[1].start), rc[0], rc[1].start))
    kept: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    for _, cand in ranked:
        if all(cand.end <= s or cand.start >= e for s, e in taken):
            kept.append(cand)
            taken.append((cand.start, cand.end))
    kept.sort(key=lambda c: c.start)
    return kept


def resolve_references(cands: list[Candidate], anchor: date | None) -> list[Candidate]:
    """Fill "the day before" / "two days later" / "the previous Friday" from the latest earlier day
    mention; without one, the anchor (already used for the weekday forms)."""
    out: list[Candidate] = []
    reference: date | None = anchor
    for cand in cands:
        if cand.ref_offset is not None and cand.value is None and reference is not None:
            cand = cand._replace(value=(reference + timedelta(days=cand.ref_offset)).isoformat())
        elif cand.ref_direction is not None and cand.weekday is not None and reference not in (None, anchor):
            step = arith.weekday_before if cand.ref_direction < 0 else arith.weekday_after
            cand = cand._replace(value=step(reference, cand.weekday).isoformat())
        if cand.value and cand.precision == "day" and cand.kind != "publication":
            reference = date.fromisoformat(cand.value[:10])
        out.append(cand)
    return out


# Lower-case strings one of which every match of the range opener / "since" contains.
_OPENER_WORDS = required_literals(PATTERNS.range_opener)
_SINCE_WORDS = required_literals(PATTERNS.since_before)


def _word_before(
    word_regex: re.Pattern[str], words: frozenset[str] | None, text: str, folded: str | None, start: int
) -> re.Match[str] | None:
    """``word_regex`` searched in the 10 characters before ``start``; not searched when the
    lower-cased text there holds none of the ``words`` every match contains (most dates)."""
    lo = max(0, start - 10)
    if folded is not None and words is not None:
        before = folded[lo:start]
        if not any(w in before for w in words):
            return None
    return word_regex.search(text, lo, start)


def join_ranges(cands: list[Candidate], text: str, folded: str | None = None) -> list[Candidate]:
    """Merge "from X to Y" / "between X and Y" into one interval; mark "since X" as interval_start.
    ``folded``: ``text`` lower-cased as IGNORECASE compares (regex_gate.fold), when known."""
    out: list[Candidate] = []
    i = 0
    while i < len(cands):
        cand = cands[i]
        nxt = cands[i + 1] if i + 1 < len(cands) else None
        opener = _word_before(PATTERNS.range_opener, _OPENER_WORDS, text, folded, cand.start)
        if (
            nxt is not None
            and cand.kind == "point"
            and nxt.kind == "point"
            and cand.precision == nxt.precision == "day"
            and cand.value
            and nxt.value
            and (joint := PATTERNS.range_joint.fullmatch(text, cand.end, nxt.start))
            and (opener is not None or joint[0].strip() in {"-", "–", "—", "to", "through", "until", "till"})
            and (joint[0].strip() != "and" or (opener is not None and opener["opener"].lower() == "between"))
        ):
            start_day = date.fromisoformat(cand.value[:10])
            end_day = date.fromisoformat(nxt.value[:10])
            if end_day < start_day and cand.weekday is not None:
                # "between Monday and Wednesday" read in a Tuesday article: last week's Monday.
                start_day = arith.weekday_on_or_before(end_day, cand.weekday)
            elif end_day < start_day and nxt.weekday is not None:
                end_day = arith.weekday_on_or_after(start_day, nxt.weekday)
            if end_day >= start_day:
                begin = opener.start() if opener else cand.start
                out.append(
                    Candidate(
                        begin,
                        nxt.end,
                        cand.rule + "+range",
                        start_day.isoformat(),
                        "day",
                        value_end=end_day.isoformat(),
                        kind="interval",
                    )
                )
                i += 2
                continue
        since = _word_before(PATTERNS.since_before, _SINCE_WORDS, text, folded, cand.start)
        if since is not None and cand.kind == "point":
            cand = cand._replace(start=since.start(), kind="interval_start")
        out.append(cand)
        i += 1
    return out
