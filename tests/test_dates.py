"""Unit tests for pipeline.dates: one behaviour each, tiny literal inputs.

The anchor is Tuesday 27 September 2016 in India (+05:30), the seed article's publication time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from pipeline.dates import resolve_dates
from pipeline.dates.fallback import parse_phrase
from pipeline.dates.vocab import DEFAULT_PATH, parse_vocab
from pipeline.errors import ConfigError

IST = timezone(timedelta(hours=5, minutes=30))
TUESDAY = datetime(2016, 9, 27, 8, 48, tzinfo=IST)
FRIDAY = datetime(2016, 9, 30, 12, 0, tzinfo=IST)


def only(text: str, published_at: datetime | None = TUESDAY):
    """The single mention found in ``text``; fails when there is not exactly one."""
    found = resolve_dates(text, published_at)
    assert len(found) == 1, found
    return found[0]


# --- explicit dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["27th September 2016", "September 27, 2016", "27 Sep 2016", "Sept. 27", "2016-09-27", "27/09/2016",
     "the 27th of September 2016", "SEPTEMBER 27, 2016"],
)
def test_explicit_formats_resolve_to_the_day(text):
    assert only(text).value == "2016-09-27"


def test_explicit_date_keeps_its_own_year_not_the_anchor():
    assert only("On 9 May 2020 the talks began").value == "2020-05-09"


def test_all_numeric_date_is_read_day_first():
    # 05/09 could be 9 May (US) or 5 September; the product reads day-first.
    assert only("05/09/2016").value == "2016-09-05"


def test_all_numeric_date_falls_back_to_month_first_when_day_first_is_impossible():
    # There is no month 27, so only the US reading is a real date.
    assert only("09/27/2016").value == "2016-09-27"


def test_date_with_time_is_one_day_mention():
    m = only("Published: 27th September 2016 08:48 AM")
    assert (m.value, m.precision) == ("2016-09-27", "day")
    assert m.text.startswith("27th September 2016")


def test_publication_line_date_is_marked_as_publication():
    assert only("Published: 27th September 2016 08:48 AM").kind == "publication"


@pytest.mark.parametrize("text", ["at 08:48 AM", "at 3 pm", "the 10:35 a.m. train"])
def test_times_alone_are_not_date_mentions(text):
    assert resolve_dates(text, TUESDAY) == []


def test_yearless_date_far_ahead_goes_to_the_previous_year():
    # Written in late September, "Dec. 5" with no future wording is last December.
    assert only("the attack on Dec. 5").value == "2015-12-05"


def test_yearless_date_in_future_tense_goes_forward():
    # "will ... Feb. 1" in a September article is next February, not last.
    assert only("He will take office Feb. 1").value == "2017-02-01"


def test_weekday_with_date_takes_the_date():
    # "Tuesday, Sept. 20" is one mention; a bare "Tuesday" would be the 27th.
    m = only("Tuesday, Sept. 20")
    assert (m.value, m.text) == ("2016-09-20", "Tuesday, Sept. 20")


def test_weekday_picks_the_year_of_a_yearless_date():
    # 27 January was a Tuesday in 2015, not in 2016 or 2017.
    assert only("Tuesday, Jan. 27").value == "2015-01-27"


def test_month_and_year_has_month_precision():
    m = only("September 2016")
    assert (m.value, m.precision) == ("2016-09", "month")


# --- bare years -----------------------------------------------------------------------------


def test_bare_year_has_year_precision():
    m = only("since war broke out in 2011.")
    assert (m.value, m.precision, m.rule) == ("2011", "year", "fast:year")


@pytest.mark.parametrize("text", ["1,700 injured", "2011 people were hurt", "about 1800 were killed", "1990s"])
def test_counts_are_not_years(text):
    assert resolve_dates(text, TUESDAY) == []


# --- relative days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("yesterday", "2016-09-26"), ("today", "2016-09-27"), ("tonight", "2016-09-27"),
     ("last night", "2016-09-26"), ("this morning", "2016-09-27"), ("earlier today", "2016-09-27"),
     ("tomorrow", "2016-09-28"), ("the day before yesterday", "2016-09-25")],
)
def test_relative_days(text, value):
    m = only(text)
    assert (m.value, m.precision) == (value, "day")


def test_anchor_is_the_publication_day_in_the_articles_own_time_zone():
    # 22:00 in New York on the 26th is already the 27th in UTC; the article's day is the 26th.
    new_york = datetime(2016, 9, 26, 22, 0, tzinfo=timezone(timedelta(hours=-4)))
    m = only("yesterday", new_york)
    assert (m.value, m.anchor) == ("2016-09-25", date(2016, 9, 26))


def test_mentions_carry_the_anchor_and_rule():
    m = only("yesterday")
    assert (m.anchor, m.rule) == (date(2016, 9, 27), "fast:relative_day")


# --- weekdays -------------------------------------------------------------------------------


def test_bare_weekday_is_the_latest_before_publication():
    assert only("died in bombing on Saturday").value == "2016-09-24"


def test_weekday_of_publication_day_is_that_same_day():
    # News says "said on Tuesday" of the day it publishes, not of a week earlier.
    assert only("Russia said on Tuesday").value == "2016-09-27"


def test_weekday_in_future_tense_is_the_next_one():
    assert only("The council will meet on Thursday").value == "2016-09-29"


def test_future_cue_in_another_clause_does_not_move_the_weekday():
    # "would" is not a cue and the comma ends the clause holding "will".
    assert only("They will appeal, the ruling announced Monday said").value == "2016-09-26"


def test_last_weekday_is_strictly_before():
    assert only("last Tuesday").value == "2016-09-20"


def test_next_weekday_is_strictly_after():
    assert only("next Monday").value == "2016-10-03"


def test_this_coming_weekday_is_in_the_future():
    assert only("this coming Friday").value == "2016-09-30"


def test_relative_day_with_weekday_in_brackets_is_one_mention():
    m = only("Russia said yesterday (Monday), as it hit back")
    assert (m.text, m.value, m.rule) == ("yesterday (Monday)", "2016-09-26", "fast:relday_weekday")


def test_today_with_weekday_in_brackets_is_the_same_day():
    assert only("today (Tuesday)").value == "2016-09-27"


def test_abbreviated_weekday_needs_a_dot_or_a_date():
    # "the Baltimore Sun, said" names a newspaper, not a Sunday.
    assert resolve_dates("the Baltimore Sun, said", TUESDAY) == []


def test_dateparser_misreads_the_publication_weekday_so_it_is_not_used_for_weekdays():
    # dateparser (PREFER_DATES_FROM past) puts "Tuesday" in a Tuesday article a week back;
    # news means the same day. This is why weekdays never reach the fallback.
    import dateparser

    base = datetime(2016, 9, 27)
    parsed = dateparser.parse("Tuesday", settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    assert parsed.date() == date(2016, 9, 20)
    assert only("Tuesday").value == "2016-09-27"


# --- intervals ------------------------------------------------------------------------------


def test_since_weekday_is_an_open_interval_start():
    m = only("air strikes on eastern Aleppo since Thursday, including")
    assert (m.text, m.value, m.value_end, m.kind) == ("since Thursday", "2016-09-22", None, "interval_start")


def test_day_range_within_one_month():
    m = only("from 3 to 5 May")
    assert (m.value, m.value_end, m.kind) == ("2016-05-03", "2016-05-05", "interval")


def test_between_two_weekdays_is_one_interval():
    m = only("between Monday and Wednesday", FRIDAY)
    assert (m.value, m.value_end, m.kind) == ("2016-09-26", "2016-09-28", "interval")


def test_weekday_interval_ending_before_its_start_moves_the_start_back():
    # Read on Tuesday, "Wednesday" is last week's, so "Monday" must be last week's too.
    m = only("between Monday and Wednesday")
    assert (m.value, m.value_end) == ("2016-09-19", "2016-09-21")


def test_two_listed_days_are_not_an_interval():
    # "3 and 5 May" names two days; only "between 3 and 5 May" is a span.
    assert all(m.kind == "point" for m in resolve_dates("3 and 5 May", TUESDAY))


# --- relative periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [("last week", "2016-W38", "week"), ("this week", "2016-W39", "week"),
     ("earlier this month", "2016-09", "month"), ("this month", "2016-09", "month"),
     ("last month", "2016-08", "month"), ("last year", "2015", "year"), ("this year", "2016", "year")],
)
def test_relative_periods(text, value, precision):
    m = only(text)
    assert (m.value, m.precision) == (value, precision)


def test_named_month_is_the_latest_not_after_publication():
    m = only("fighting in March")
    assert (m.value, m.precision) == ("2016-03", "month")


def test_named_month_later_in_the_year_is_last_years():
    assert only("fighting in October").value == "2015-10"


@pytest.mark.parametrize(
    ("text", "value"),
    [("two days ago", "2016-09-25"), ("three weeks ago", "2016-09-06"), ("a week ago", "2016-09-20")],
)
def test_ago_counts_back_from_publication(text, value):
    assert only(text).value == value


def test_the_day_before_counts_from_the_previous_mention():
    found = resolve_dates("He came on Saturday, and had left Aleppo the day before.", TUESDAY)
    assert [(m.text, m.value) for m in found] == [("Saturday", "2016-09-24"), ("the day before", "2016-09-23")]


def test_the_day_before_a_named_event_is_left_out():
    # "the day before the hearing" counts from the hearing, which is not a date we know.
    assert resolve_dates("the day before the hearing", TUESDAY) == []


def test_holiday_is_the_latest_occurrence():
    assert only("Christmas").value == "2015-12-25"


# --- without a publication date -------------------------------------------------------------


def test_absolute_dates_resolve_without_publication_date():
    assert only("27 Sep 2016", None).value == "2016-09-27"


@pytest.mark.parametrize("text", ["yesterday", "on Saturday", "Sept. 27", "last week", "two days ago"])
def test_relative_dates_are_left_out_without_publication_date(text):
    assert resolve_dates(text, None) == []


# --- output contract ------------------------------------------------------------------------


def test_mentions_are_sorted_non_overlapping_and_offsets_match_text():
    text = "Ça a commencé le 27 Sep 2016 🙂 — yesterday (Monday), since Thursday and in 2011."
    found = resolve_dates(text, TUESDAY)
    assert [m.text for m in found] == ["27 Sep 2016", "yesterday (Monday)", "since Thursday", "2011"]
    assert all(text[m.start : m.end] == m.text for m in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


# --- dateparser fallback --------------------------------------------------------------------


def test_phrase_the_fast_rules_cannot_resolve_goes_to_dateparser():
    m = only("a fortnight ago")
    assert (m.value, m.rule) == ("2016-09-13", "dateparser")


def test_dateparser_calls_are_cached_per_phrase_and_anchor():
    parse_phrase.cache_clear()
    resolve_dates("a fortnight ago", TUESDAY)
    resolve_dates("A  fortnight ago", TUESDAY)
    info = parse_phrase.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_importing_the_package_does_not_import_dateparser():
    # The fallback imports dateparser lazily so DAG parsing and workers that never need it stay light.
    code = "import sys, pipeline.dates; print('dateparser' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- vocabulary validation ------------------------------------------------------------------


def test_vocabulary_with_an_impossible_month_is_rejected():
    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["months"]["Smarch"] = 13
    with pytest.raises(ConfigError, match="Smarch"):
        parse_vocab(raw)


def test_vocabulary_missing_a_section_is_rejected():
    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    del raw["weekdays"]
    with pytest.raises(ConfigError, match="weekdays"):
        parse_vocab(raw)


def test_the_previous_weekday_counts_from_the_previous_mention():
    # 14 September 2016 was a Wednesday; "the previous Friday" is the 9th, not the 23rd.
    found = resolve_dates("He spoke on Sept. 14 after arriving the previous Friday.", TUESDAY)
    assert [m.value for m in found] == ["2016-09-14", "2016-09-09"]


def test_literal_gate_lookup_finds_what_the_gate_regex_finds():
    # The gates are looked up with str.find for speed; mixed case ("eaRLier") must stay unmatched,
    # "tonight" must win over "night" inside it, as in the regex.
    from pipeline.dates.fast import PATTERNS, _gate_hits

    text = "Later that night, LATER TONIGHT and tonight's afternoon; eaRLier, the Afternoon before."
    for gate in (PATTERNS.gate_relative_day, PATTERNS.gate_ago, PATTERNS.gate_anaphoric, PATTERNS.gate_period):
        assert _gate_hits(gate, text, text.lower()) == [m.span() for m in gate.finditer(text)]


def test_digit_rules_still_find_dates_far_apart():
    # The ISO, numeric and year rules now run only around their gates' cores.
    from pipeline.dates import resolve_dates

    text = "Filed 2016-09-27. " + "x " * 80 + "Seen 27/09/2016 and again in 2015."
    values = [m.value for m in resolve_dates(text, None)]
    assert values == ["2016-09-27", "2016-09-27", "2015"]
