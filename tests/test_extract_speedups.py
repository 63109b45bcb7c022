"""Speed-ups of extraction that must not change an answer: the longer candidate-start scan of
prefix-indexed patterns, the rules newly run through it, and place readings shared by events."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.extract.lexicon import PrefixedPattern, default_lexicon, finder_keys
from pipeline.extract.locate import choose_place, read_places
from pipeline.models import PlaceMention

# Words around the markers the scan reads: runs of spaces, tabs, digits, word ends, hyphens.
_WORDS = (
    "a an A AN the The THE at and as al-Nusra all about almost a\tdozen a  dozen dozens of 12 1,200 ٣ 4.5 "
    "twenty-one twenty one in excess of no fewer than up to upwards both single lone killed killing kill "
    "were was shot dead wounded injured people civilians soldiers fighters Syrian army regime Islamic State "
    "air strikes airstrike bombing attack attacked gunmen fired rockets since 2014 this year last year in 2015 "
    "his her himself took own life death toll drug trafficking gang victim had , . ; - ( )"
).split(" ")


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rnd.choice(_WORDS) for _ in range(rnd.randint(0, 25))]
        joiner = rnd.choice([" ", " ", "  ", "\t", ""])
        out.append(joiner.join(words))
    return out


_LITERAL = [
    "",
    "a",
    "A dozen people and at least 3 soldiers were killed in an attack.",
    "The 12 victims; the attack; all 3 were shot. a-few, a\tfew, a   dozen.",
    "Twenty-one people died, twenty one were hurt; in excess of 40 were wounded.",
    "Up to 5 fighters and both guards, a single man and one lone woman.",
    "Syrian army air strikes killed 30 civilians; the Islamic State claimed it.",
    "It was atgms, ATGMs and an ambush.",
    "Demarcus Spencer, 40, was shot and killed. John Smith and Maria Lopez were killed; she died.",
    "the man was found dead. killing John Doe and Jane Roe. A man is dead; Both died. THE VICTIM WAS SLAIN.",
]


def _same(a: re.Match[str] | None, b: re.Match[str] | None) -> bool:
    """Same match; a pattern split per word start names only its own groups, so the group that
    matched is compared, not the whole groupdict."""
    if a is None or b is None:
        return a is b
    return (a.span(), a.group(0), a.lastgroup) == (b.span(), b.group(0), b.lastgroup)


def test_finder_keys_read_spaces_digits_and_word_ends():
    # "the" alone never matches: only "the" before a number does; "a" matches only as a word.
    found = finder_keys(re.compile(r"\b(?:a|the\s+\d+|kill(?:ed)?)\b", re.I))
    assert found is not None and not found[1]
    keys = found[0]
    assert {"a\x02", "kill\x02", "killed"} <= set(keys)
    assert all(k.startswith("the\x04\x00") for k in keys if k.startswith("t"))  # "the", spaces, a digit


def test_finder_keys_of_a_case_sensitive_pattern_keep_case():
    # "Smith was shot": only a capital can start a name, so lower-case words are no candidates;
    # "(?i:he)" stands for every case of it ("He" is covered by the capital "H").
    capitals = [chr(c) for c in range(65, 91)]
    assert finder_keys(re.compile(r"\b[A-Z][a-z]+ was shot")) == (capitals, True)
    assert finder_keys(re.compile(r"\b(?:(?i:he)|[A-Z]\w+) was shot")) == (sorted([*capitals, "hE was", "he was"]), True)
    # (?i:) letters also match these non-ASCII ones: the scan must keep them.
    assert finder_keys(re.compile(r"\b(?i:ski)\b")) is not None
    assert re.fullmatch(r"(?i:ski)", "\u017f\u212a\u0131") and re.fullmatch(r"(?i:i)", "\u0130")
    keys = set(finder_keys(re.compile(r"\b(?i:ski)\b"))[0])
    assert {"\u017f\u212a\u0131\x02", "SKI\x02", "s\u212a\u0130\x02"} <= keys


def test_case_folds_list_every_non_ascii_match_of_an_ascii_letter():
    from pipeline.extract.lexicon import _CASE_FOLDS

    for letter in "abcdefghijklmnopqrstuvwxyz":
        rx = re.compile(letter, re.IGNORECASE)
        found = {chr(c) for c in range(0x80, 0x10000) if rx.fullmatch(chr(c))}
        assert found == set(_CASE_FOLDS.get(letter, "")), letter


def test_finder_keys_give_up_on_starts_that_are_not_word_starts():
    assert finder_keys(re.compile(r"\b(?:x|\s+y)", re.I)) is None
    assert finder_keys(re.compile(r"(?:\w+ )?dead", re.I)) is None


@pytest.mark.parametrize(
    "field",
    [
        "events.trigger_re", "events.negative_re", "events.criminal_victim_re", "actors.actor_re",
        "casualties.count_re", "casualties.statistic_re", "casualties.kill_before_re", "casualties.injure_before_re",
        "casualties.suicide_re", "casualties.subset_re", "casualties.singular_injured_re",
        "modality.denied_re", "modality.hypothetical_re", "casualties.singular_killed_re",
    ],
)
def test_prefix_indexed_rules_find_what_the_plain_regex_finds(field):
    group, name = field.split(".")
    pattern = getattr(getattr(default_lexicon(), group), name)
    assert isinstance(pattern, PrefixedPattern)
    for text in _LITERAL + _texts(800, seed=len(field)):
        for pos in (0, 2):
            assert _same(pattern.search(text, pos), pattern.regex.search(text, pos)), (field, text, pos)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.regex.finditer(text)], text


def test_casualty_module_gates_search_like_their_regex():
    from pipeline.extract.casualties import _DEATH_WORD, _SUICIDE_TOLD

    for pattern in (_DEATH_WORD, _SUICIDE_TOLD):
        for text in _LITERAL + _texts(500, seed=3) + ["murder-suicide", "SUICIDES", "bodyguard"]:
            assert _same(pattern.search(text), pattern.regex.search(text)), text


def _place(text: str, start: int, lat: float, lon: float, cc: str, feature: str = "city", pop: int = 1000) -> PlaceMention:
    return PlaceMention(start=start, end=start + len(text), text=text, name=text, feature=feature, country_code=cc,
                        admin1="Guanajuato", latitude=lat, longitude=lon, geo_precision=1 if feature == "city" else 3,
                        population=pop)


def test_place_readings_shared_by_events_choose_as_before():
    # One article, several events: the readings worked out once give every event the place it
    # got when each event read them afresh.
    places = [
        _place("Celaya", 3, 20.52, -100.81, "MX", pop=340000),
        _place("Guanajuato", 11, 21.02, -101.26, "MX", "admin1"),
        _place("Bom Jardim", 60, -3.79, -38.59, "BR"),
        _place("Leon", 120, 21.12, -101.68, "MX", pop=1500000),
    ]
    readings = read_places(places)
    for sentence, trigger in (((0, 40), 25), ((41, 100), 70), ((101, 160), 110), ((161, 200), 170)):
        assert choose_place(places, sentence, trigger, 0, readings=readings) == choose_place(places, sentence, trigger, 0)
