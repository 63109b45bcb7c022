"""The date resolver's speed-ups must find exactly what the plain regexes find."""

from __future__ import annotations

import re

from pipeline.dates.fast import _MERGED, PATTERNS, _gate_hits
from pipeline.dates.first_char import first_char_class, guarded


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def test_guard_lists_every_way_a_match_can_start():
    # An optional lower-case modifier, a capitalised name or a digit can each open a match.
    pattern = re.compile(r"(?:\b(?i:last|next)\s+)?(?:Monday|Mon\.)|\d+(?:st|th)")
    text = "LAST Monday, next Mon. and Mon, on the 21st, NEXT  Monday or Monday's 3th."
    assert _spans(guarded(pattern), text) == _spans(pattern, text)
    assert first_char_class(pattern) == r"(?=[LMN\dln])"


def test_no_guard_when_a_match_may_start_anywhere():
    assert first_char_class(re.compile(r"\s*")) is None  # matches the empty string
    assert first_char_class(re.compile(r".ay")) is None  # any first character
    assert first_char_class(re.compile(r"[^a]b")) is None  # a negated class
    assert guarded(re.compile(r".ay")).pattern == r".ay"


def test_ignore_case_guard_folds_like_the_pattern():
    # IGNORECASE matches the Kelvin sign for "k": the guard, compiled the same way, agrees.
    pattern = re.compile(r"(?i:kilo)")
    assert _spans(guarded(pattern), "\u212ailo kilo") == [(0, 4), (5, 9)]


def test_guard_keeps_lookbehind_and_window_ends():
    # The rules search inside windows: a lookbehind still sees text before the window start.
    pattern = PATTERNS.year
    text = "in $2016 and 2017"
    assert [m.span() for m in pattern.finditer(text, 4, 17)] == [(13, 17)]


def test_merged_name_gates_equal_their_own_scans():
    # Upper-case names can run into one another ("AUGUSTuesday"): then one scan would hide a hit.
    texts = [
        "On Monday, 3 March, and Tuesday, Sept. 27, before Christmas.",
        "AUGUSTuesday SEPTuesday JANEW MONOV WEDEC Wednesday MARCHRISTMAS",
        "NEW YEAR'S DAY, New Year's Eve, Thanksgiving Thursday",
        "",
    ]
    assert _MERGED is not None
    for text in texts:
        for gate in (PATTERNS.gate_month, PATTERNS.gate_weekday, PATTERNS.gate_holiday):
            assert _gate_hits(gate, text, text.lower(), {}) == _spans(gate, text), (text, gate.pattern[:20])


def test_word_gates_sharing_positions_equal_their_own_scans():
    # "night" and "before" belong to two gates each; one cache serves both in one text.
    text = "Last night, the day before yesterday, a week ago, TONIGHT or Later this month; Afternoon."
    cache: dict = {}
    for gate in (PATTERNS.gate_relative_day, PATTERNS.gate_period, PATTERNS.gate_ago, PATTERNS.gate_anaphoric):
        assert _gate_hits(gate, text, text.lower(), cache) == _spans(gate, text)


def test_window_without_a_needed_word_is_skipped_but_matches_are_kept():
    from pipeline.dates.fast import _window_needs, iter_gated

    # "before" opens a window for the fallback phrases, which all need "ago", "from" or "hence".
    assert _window_needs(PATTERNS.fallback_candidate, PATTERNS.gate_ago) == {"ago", "from", "hence"}
    # Month windows always hold a month name: no second test there.
    assert _window_needs(PATTERNS.explicit_dmy, PATTERNS.gate_month) is None
    text = "He left before dawn. A fortnight ago, and " + "x" * 80 + " two weeks hence."
    found = [m[0] for m in iter_gated(PATTERNS.fallback_candidate, PATTERNS.gate_ago, text)]
    assert found == ["A fortnight ago", "two weeks hence"]


def test_digit_gates_scanned_by_parts_equal_the_whole_gate():
    # Years run into each other ("20191") and a numeric date holds a year ("12/05/2016"): the
    # parts' hits then overlap and the gate itself decides.
    texts = ["In 2019, 1999 and 20191; 1.5.16, 12/05/2016, 3-4-2011 and 1/2/2003/04.", "16001700 2020-01-02", "192012 1/2-34-56", "no digits"]
    for text in texts:
        for gate in (PATTERNS.gate_year, PATTERNS.gate_numeric):
            assert _gate_hits(gate, text, text.lower(), {}) == _spans(gate, text), (text, gate.pattern)


def test_pattern_with_leading_global_flags_is_left_as_is():
    pattern = re.compile(r"(?i)monday")
    assert guarded(pattern) is pattern


_CORE_SAMPLES = (
    "From 3 to 5 May 2016, between the 12th and the 14th of SEPTEMBER, 1-3 Jan. and 27-28 June.",
    "On Sept. 3-5, 2016, May 1 through 4 and JAN 2 to 3; not 12-3 May.",
    "The 27th of September, 3 May, 1st Jan 2016, and Wednesday, 4 July at 10 am.",
    "Yesterday (Monday), TODAY ( Tue. ) and tomorrow(Friday).",
    "Two days ago, 3 weeks or so earlier, a month from now, ONE YEAR HENCE, ten days before it.",
    "The day before, the previous night, a day later, the following morning, later that afternoon, "
    "THAT SAME DAY and the same day.",
    "A fortnight ago, several weeks from now, a couple of years hence, 3 DAYS AGO.",
    "He WILL go; they're Going  To vote, it is to end, as soon as Friday, the plan's due and it'll pass.",
)


def test_every_match_of_a_rule_contains_its_core():
    # A window is only scanned when it holds the rule's core: every match must hold it too.
    from dataclasses import fields

    cores = [f.name for f in fields(PATTERNS) if f.name.startswith("core_")]
    assert len(cores) == 8
    for name in cores:
        pattern, core = getattr(PATTERNS, name.removeprefix("core_")), getattr(PATTERNS, name)
        matches = [m for text in _CORE_SAMPLES for m in pattern.finditer(text)]
        assert matches, name  # the samples exercise every rule with a core
        for m in matches:
            assert core.search(m.string.lower(), m.start(), m.end()), (name, m[0])


def test_window_without_the_core_is_skipped_but_matches_are_kept():
    from pipeline.dates.fast import iter_gated

    # "ago" and "hence" open windows; only those holding "<unit> ago|hence|..." are scanned.
    text = "Long ago, " + "x" * 120 + " they met two days ago and will meet a week hence."
    found = [m[0] for m in iter_gated(PATTERNS.ago, PATTERNS.gate_ago, text)]
    assert found == [m[0] for m in PATTERNS.ago.finditer(text)] == ["two days ago", "a week hence"]


def test_scan_stopping_after_the_last_gate_hit_keeps_every_match():
    from pipeline.dates.fast import _HOLDS_GATE_HIT, _STARTS_AT_GATE_HIT, RULES, _Scan, _window_matches

    texts = (
        *_CORE_SAMPLES,
        "Monday, Jan. 5, 2016 at 10 am; TUESDAY Sun, 3 March and March 2014, in mid-July, Christmas Eve, 12/05/2016.",
        "MAYDAY Mayor said on Wednesday's meeting in May that AUGUSTuesday 2019-01-02 and 1999 were next Friday night.",
    )
    for pattern, rule, gate in RULES:
        if rule not in _HOLDS_GATE_HIT:
            continue
        for text in texts:
            whole = [m.span() for m in _window_matches(pattern, gate, _Scan(), text, {})]
            starts = rule in _STARTS_AT_GATE_HIT
            stopped = [m.span() for m in _window_matches(pattern, gate, _Scan(None, None, True, starts), text, {})]
            assert stopped == whole, (rule.__name__, text)
            hits = _spans(gate, text)  # every match holds a whole gate hit, and starts with it
            assert all(any(s <= a and b <= e for a, b in hits) for s, e in whole), (rule.__name__, text)
            if starts:
                assert all(any(s == a for a, _ in hits) for s, _ in whole), (rule.__name__, text)


def test_only_letters_without_foreign_case_partners_leave_the_ignore_case_class():
    from pipeline.dates.first_char import _FOLDS_BEYOND_ASCII

    # The ASCII letters that IGNORECASE also matches with a character beyond ASCII.
    beyond = [chr(n) for n in range(128, 0x110000) if re.match(r"(?i:[a-z])", chr(n))]
    partners = {c for c in "abcdefghijklmnopqrstuvwxyz" for b in beyond if re.match(f"(?i:{c})", b)}
    assert partners == {"i", "k", "s"} and partners <= _FOLDS_BEYOND_ASCII
    assert first_char_class(re.compile(r"(?i:kilo|sun|ice|moon)")) == r"(?=[Mm]|(?i:[iks]))"
    assert _spans(guarded(re.compile(r"(?i:kilo)")), "\u212ailo KILO") == [(0, 4), (5, 9)]


def test_compile_guarded_equals_guarding_a_compiled_pattern():
    from pipeline.dates.first_char import compile_guarded

    for source, flags in ((r"(?:\b(?i:last|next)\s+)?Monday", 0), (r"(?i)monday", 0), (r".ay", 0), (r"published\s*$", re.I)):
        built, reference = compile_guarded(source, flags), guarded(re.compile(source, flags))
        assert (built.pattern, built.flags) == (reference.pattern, reference.flags)


def test_each_gate_has_its_scan_decided_once():
    from pipeline.dates.fast import _gate_plan

    kinds = {name: _gate_plan(getattr(PATTERNS, name))[0] for name in ("gate_month", "gate_year", "gate_ago", "gate_iso")}
    assert kinds == {"gate_month": "merged", "gate_year": "split", "gate_ago": "table", "gate_iso": "regex"}
    text = "2016-01-02, 2016-13-45 and 1999-12-31"
    assert _gate_hits(PATTERNS.gate_iso, text, text.lower(), {}) == _spans(PATTERNS.gate_iso, text)


def test_range_words_looked_for_only_where_their_words_are():
    from pipeline.dates.fast import Candidate, join_ranges
    from pipeline.regex_gate import fold

    text = "From Monday to Wednesday, and SINCE  Friday; on Tuesday."
    cands = [
        Candidate(5, 11, "fast:weekday", "2016-01-04", "day", weekday=0),
        Candidate(15, 24, "fast:weekday", "2016-01-06", "day", weekday=2),
        Candidate(37, 43, "fast:weekday", "2016-01-01", "day", weekday=4),
        Candidate(48, 55, "fast:weekday", "2016-01-05", "day", weekday=1),
    ]
    joined = join_ranges(cands, text, fold(text))
    assert joined == join_ranges(cands, text)  # the same without the lower-cased text
    assert [(c.start, c.end, c.kind) for c in joined] == [(0, 24, "interval"), (30, 43, "interval_start"), (48, 55, "point")]
