"""The resolver's shortcuts give what the long way gives, on tiny literal inputs."""

from __future__ import annotations

import pytest

from pipeline.geo import find_places, load_gazetteer
from pipeline.geo import resolve as R
from pipeline.geo.lexicon import default_lexicon
from pipeline.geo.recognize import RawMention


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def _mention(text: str, name: str, candidates: list[tuple[int, int]] | None = None) -> RawMention:
    start = text.index(name)
    return RawMention(start=start, end=start + len(name), candidates=candidates or [])


def test_facts_are_the_arrays_values(gaz):
    # The memo must hand out exactly what the parallel arrays hold, or scores drift.
    (entry, _), *_ = gaz.lookup("aleppo")
    f = gaz.facts(entry)
    assert f == (int(gaz.feat[entry]), gaz.country(entry), int(gaz.a1[entry]), int(gaz.pop[entry]), float(gaz.lat[entry]), float(gaz.lon[entry]))
    assert gaz.facts(entry) is f


@pytest.mark.parametrize(
    "text, found",
    [
        ("located at Zamanly, Gadabay", True),  # the case the search exists for
        ("located at Zamanly, \nGadabay", True),  # "$" also matches before a final newline
        ("located at Zamanly Gadabay", False),  # no comma: the cheap test alone says no
        ("Gadabay", False),  # at the very start
    ],
)
def test_comma_test_never_hides_a_match(text, found):
    start = text.index("Gadabay")
    assert (R._UNKNOWN_THEN_COMMA.search(text, max(0, start - 60), start) is not None) == found
    assert R._after_comma(text, start) == found


def _qualifier_by_search(text: str, m: RawMention) -> str | None:
    """The qualifier as the regexes alone find it (before the suffix test was added)."""
    b, a, before, after, *_ = R._qualifier_res(default_lexicon())
    hit = b.search(text[max(0, m.start - 24) : m.start].lower())
    if hit:
        return before[hit.group(1)]
    hit = a.match(text[m.end : m.end + 16].lower())
    return after[hit.group(1)] if hit else None


@pytest.mark.parametrize(
    "text",
    [
        "shelling near Aleppo",
        "shelling near \nAleppo",  # a newline after the phrase's space still counts for "$"
        "shelling north-east of Aleppo",
        "shelling in the countryside of Aleppo",
        "Aleppo's countryside was shelled",
        "shelling in Aleppo",
        "shelling nearAleppo",
        "xnear Aleppo",  # the phrase must start a word
        "Aleppo’s outskirts and the Aleppo Countryside, Aleppo area",  # the test on the next character
        "Aleppo\u0130 area",
        "Aleppo.",
        "Aleppo",
    ],
)
def test_qualifier_suffix_test_changes_nothing(text):
    m = _mention(text, "Aleppo")
    assert R._qualifier(text, m, default_lexicon()) == _qualifier_by_search(text, m)


def test_readings_are_shared_between_mentions_with_the_same_candidates(gaz):
    cands = gaz.lookup("jackson")
    text = "Jackson and Jackson"
    a, b = RawMention(0, 7, list(cands)), RawMention(12, 19, list(cands))
    ra, rb = R._read_all(gaz, [a, b], set())
    assert ra is rb
    assert ra.ranked == tuple(R._top(gaz, a))
    assert ra.facts == tuple(gaz.facts(e) for _, e, _ in ra.ranked)
    assert text[a.start : a.end] == text[b.start : b.end]


def test_readings_memo_stays_within_its_budget(gaz, monkeypatch):
    # Bounded by candidates held, so a run over many names never grows without limit.
    monkeypatch.setattr(R._ReadingsMemo, "MAX_HELD", 5)
    memo = R._ReadingsMemo(gaz)
    for name in ("aleppo", "homs", "hama", "idlib", "raqqa", "damascus"):
        memo.get(RawMention(0, 1, gaz.lookup(name)[:2]))
        assert memo.held <= 5
        assert sum(len(k[1]) for k in memo.table) == memo.held


def test_repeats_of_a_name_are_read_alike(gaz):
    # Repeats share one scoring of their readings; each still gets its own span.
    text = "Police in Jackson, Mississippi said the Jackson shooting and a Jackson fire were linked."
    ms = [m for m in find_places(text, gaz) if m.text == "Jackson"]
    assert len(ms) == 3
    assert len({(m.geonames_id, m.latitude, m.longitude) for m in ms[1:]}) == 1
    assert [m.start for m in ms] == [i for i in range(len(text)) if text.startswith("Jackson", i)]


def test_any_near_skips_its_own_label(gaz):
    # A mention's own anchor must not count as a nearby place.
    f = gaz.facts(gaz.lookup("aleppo")[0][0])
    pts = [(3, f.lat, f.lon)]
    assert not R._any_near(f.lat, f.lon, pts, 3, 1.4, 150)
    assert R._any_near(f.lat, f.lon, pts, 4, 1.4, 150)
    far = [(4, f.lat + 1.0, f.lon + 40.0)]
    assert not R._any_near(f.lat, f.lon, far, 3, 1.4, 150)


def _flat_cue_pattern(phrases: list[str]):
    """The cue regex written plainly, longest phrase first: what the prefix tree must agree with."""
    import re

    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?![\w-])")


@pytest.mark.parametrize(
    "text",
    [
        "Afghan security forces shelled it",  # a longer phrase sharing its first words with others
        "Afghan forces-led raid and Afghan forcesX",  # no word boundary after: neither matches
        "xAfghan forces, -Afghan forces, (Afghan forces)",  # word start needed before the first letter
        "pro-Houthi fighters; al-Shabab; contact line of contact",  # lower-case first letters, overlaps
        "Houthi fighters near the line of contact",  # one lower-case phrase: the full pattern must run
        "",
    ],
)
def test_cue_tree_finds_what_the_flat_alternation_finds(text):
    scan = R._cue_pattern(default_lexicon())
    flat = _flat_cue_pattern(list(scan.table))
    want = [m.span(1) for m in flat.finditer(text)]
    assert [m.span(1) for m in scan.pattern.finditer(text)] == want
    assert [m.span(1) for m in scan.finditer(text)] == want  # the capitals-only shortcut too


@pytest.mark.parametrize(
    "text",
    [
        "fighting in Aleppo",
        "fighting  Aleppo",  # two spaces: no word right before
        "Jabal Aleppo",
        "the outskirts of Aleppo",  # window cuts the text: the search starts 16 characters back
        "xxxxxxxxxxxxxxxxxxxxxxxxxx Aleppo",  # a word longer than the window
        "(Kafr Aleppo",
        "al-Aleppo",
        "said\nin Aleppo",
        "said in\nAleppo",
        "said in \nAleppo",
        "2nd Aleppo",
        "x² Aleppo",  # a superscript: a letter for the regex, not for isalpha
        "Dayr_al Aleppo",
        "Deïr Aleppo",
        " Aleppo",
        "a Aleppo",
        "Aleppo",
    ],
)
def test_prev_word_is_what_the_search_finds(text):
    start = text.index("Aleppo")
    hit = R._PREV_WORD_RE.search(text, max(0, start - 16), start)
    assert R._prev_word(text, start) == (hit.group(1) if hit else None)


def test_place_is_what_the_arrays_say(gaz):
    # The memo of a mention's fields must agree with the arrays, for a town, a district and a country.
    seatless = next(e for e in range(len(gaz)) if int(gaz.feat[e]) == R.ADMIN2 and e not in gaz.admin2_has_seat)
    assert gaz.place(seatless).seatless
    for entries in ([e for e, _ in gaz.lookup(k)[:5]] for k in ("aleppo", "syria", "hamilton county")):
        for entry in [*entries, seatless]:
            p = gaz.place(entry)
            a1 = int(gaz.a1[entry])
            assert p == (gaz.names[entry], int(gaz.gid[entry]), gaz.feature(entry), gaz.country(entry) or None,
                         gaz.names[a1] if a1 >= 0 else None, round(float(gaz.lat[entry]), 5), round(float(gaz.lon[entry]), 5),
                         int(gaz.pop[entry]), int(gaz.feat[entry]) == R.ADMIN2 and entry not in gaz.admin2_has_seat)
            assert gaz.place(entry) is p


def test_gazetteer_memos_stay_bounded():
    from pipeline.geo.gazetteer import _keep

    memo: dict = {}
    for i in range(7):
        assert _keep(memo, i, str(i), 3) == str(i)
        assert len(memo) <= 3
    assert memo == {6: "6"}  # emptied when full, then the new value kept
