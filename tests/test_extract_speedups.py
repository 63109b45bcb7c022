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
    # (?i:) letters also match these non-ASCII ones: the scan must keep them ("SKI" is covered by "S").
    assert re.fullmatch(r"(?i:ski)", "\u017f\u212a\u0131") and re.fullmatch(r"(?i:i)", "\u0130")
    found = finder_keys(re.compile(r"\b(?:(?i:ski)|[A-Z][a-z]+ was shot)\b"))
    assert found is not None and found[1]
    assert {"\u017f\u212a\u0131\x02", "S", "s\u212a\u0130\x02", "ski\x02"} <= set(found[0])


def test_finder_keys_of_case_blind_words_scan_the_lower_cased_view():
    # Every case of "(?i:...)" words is no sharper than the lower-cased word: one key, not 36.
    assert finder_keys(re.compile(r"\b(?i:ski)\b")) == (["ski\x02"], False)
    letters = "abcdefghijklmnopqrstuvwxyz"
    assert finder_keys(re.compile(r"\b(?i:shot|killed) [A-Z]\w+")) == (["killed", *(f"shot {c}" for c in letters)], False)


def test_finder_keys_ending_a_word_cover_their_continuations():
    from pipeline.extract.lexicon import _past_word_ends

    # "two" + word end finds every start "two-thirds" or "two " + more would: same starts, fewer keys.
    assert _past_word_ends(["two\x01\x01e", "two\x02", "two-th", "two\x04mi", "twofol", "two\x00x"]) == [
        "two\x02", "twofol", "two\x00x"
    ]
    found = finder_keys(re.compile(r"\b(?:two|three)(?:[\s-]+(?:one|two))?\b", re.I))
    assert found == (["three\x02", "two\x02"], False)


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
        "modality.denied_re", "modality.hypothetical_re", "casualties.singular_killed_re", "sports.violence_re",
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


def test_one_scan_for_many_strings_answers_like_one_test_each():
    # A key that starts another ("kill", "killed") stands for it; regex characters are literal.
    from pipeline.regex_gate import any_of

    keys = ("kill", "killed", "a.m", "(x)", "é", "s ", "ill", "[", "\\d")
    scan = any_of(keys)
    rnd = random.Random(5)
    pieces = ["kil", "l", "ed", "a.m", "am", "(x)", "x", "é", "e", "s", " ", "i", "[", "\\", "d"]
    for text in ["", "ki ll", "skilled", "a-m", "\\d"] + ["".join(rnd.choices(pieces, k=rnd.randint(0, 8))) for _ in range(3000)]:
        assert (scan.search(text) is not None) == any(k in text for k in keys), text
    assert any_of(("x", "")).search("") is not None  # the empty string is in every text
    assert any_of(()).search("anything") is None


def test_clause_with_a_scan_holds_like_its_strings():
    # Clauses of many strings look for all of them at once; the digit marker still asks for a
    # decimal digit of the text itself, and a NUL in the text is no digit.
    from pipeline.extract.lexicon import _DIGIT, _Clause
    from pipeline.regex_gate import SCAN_MIN

    many = tuple(f"w{i:02d}x" for i in range(SCAN_MIN)) + ("dead",)
    for strings in (many, (_DIGIT, *many), ("dead", "died"), (_DIGIT, "dead")):
        clause = _Clause(strings)
        assert clause == strings and (clause.scan is not None) == (len(strings) > SCAN_MIN)
        for text in ["", "he died", "w07x", "W07X", "3 people", "\x00", "٣ dead", "w0 7x"]:
            low = text.lower()
            want = any((s == _DIGIT and re.search(r"\d", text)) or (s != _DIGIT and s in low) for s in strings)
            assert clause.holds(text, low) == bool(want), (strings[:2], text)


def test_sports_cue_gates_with_a_scan_answer_like_their_strings():
    sports = default_lexicon().sports
    assert sports.strong_re._scan is not None  # the 75 strong cues are looked for in one pass
    for gate in (sports.strong_re, sports.weak_re, default_lexicon().events.protest_re):
        for text in _LITERAL + _texts(300, seed=9) + ["The striker scored twice", "a FOOTBALL match", "Half-time"]:
            low = text.lower()
            assert gate.may_match(text) == any(s in low for s in gate.needs), text


def test_glued_headline_is_found_where_the_look_behind_first_pattern_finds_it():
    from pipeline.extract.engine import _GLUED_TITLE

    before = re.compile(r"(?:(?<=[a-z]{3})|(?<=[A-Z]{2}\d)|(?<=[A-Z]{2}\d\d))(?:[A-Z](?=[a-z]+\b|[A-Z]+\b|\s)|\((?=[A-Z]))")
    rnd = random.Random(8)
    texts = ["Los Angeles TimesJassely Lupoe, a 5-year-old", "abc13.comA man", "FOX40A 17-year-old", "Social(RNN) - Two"]
    texts += ["".join(rnd.choices("abB(3 xYZ9\tQ)\n", k=rnd.randint(0, 12))) for _ in range(20000)]
    for text in texts:
        for end in (len(text), 4):
            old, new = before.search(text, 0, end), _GLUED_TITLE.search(text, 0, end)
            assert (old and old.span()) == (new and new.span()), text


def test_minimal_keys_match_the_pairwise_definition():
    from pipeline.extract.lexicon import _minimal

    rng = random.Random(7)
    for _ in range(300):
        keys = frozenset("".join(rng.choice("ab ") for _ in range(rng.randrange(0, 5))) for _ in range(rng.randrange(0, 30)))
        plain = sorted(k for k in keys if not any(k != j and k.startswith(j) for j in keys))
        assert _minimal(keys) == plain, keys


def test_loading_rules_pauses_garbage_collection_and_restores_it():
    import gc

    from pipeline.extract.lexicon import load_lexicon

    assert gc.isenabled()
    load_lexicon()
    assert gc.isenabled()
    gc.disable()
    try:
        load_lexicon()
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_finder_keys_give_up_reading_every_case_of_long_case_blind_lists():
    words = "killing|killed|assassinated|assassinating|murdered|murdering|shot dead|stabbed to death"
    found = finder_keys(re.compile(rf"\b(?i:{words})\s+[A-Z]\w+"))
    assert found is not None and not found[1] and len(found[0]) <= 8


def test_ascii_scan_finds_the_same_candidate_starts():
    """For ASCII text the scan after each non-word character finds exactly the starts that the
    word-boundary scan finds (whitespace includes the separators \\x1c-\\x1f under both)."""
    lex = default_lexicon()
    patterns = [
        lex.events.trigger_re, lex.events.negative_re, lex.actors.actor_re, lex.casualties.count_re,
        lex.casualties.singular_injured_re, lex.casualties.kill_before_re, lex.sports.violence_re,
        PrefixedPattern(re.compile(r"\b(?:two|three)\s+(?:dead|killed)\b", re.I)),
    ]
    rng = random.Random(11)
    texts = ["two  dead", "2 dead", "\x1ctwo\x1fdead", "The army killed 12 and Syrian forces", "US-led raid"]
    texts += ["".join(rng.choice("atwo thre1 2-_\t\x1c.,'KSUdea") for _ in range(rng.randrange(0, 40))) for _ in range(2000)]
    for pattern in patterns:
        assert pattern._ascii_finder is not None
        for text in texts:
            scanned = text if pattern._finder_cased else text.lower()
            for pos in (0, 1, 4):
                plain = [m.start() for m in pattern._finder.finditer(scanned, pos)]
                first = [pos] if pattern._finder.match(scanned, pos) else []
                assert first + [m.end() for m in pattern._ascii_finder.finditer(scanned, pos)] == plain, (text, pos)
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.regex.finditer(text)]


def _split_line_by_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of each line of ``text[start:end]`` apart: the reference for the newline cuts."""
    from pipeline.text import split_sentences

    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        spans += split_sentences(text, pos, pos + len(line))
        pos += len(line) + 1
    return spans


@pytest.mark.parametrize(
    "text",
    ["", "\n", "One. Two.\nThree\n\nFour. Mr. Five.\n", "A\n\n\nB. C\n", "No end", "x.\n", "\nLead.\n\n Tail. "],
)
def test_sentence_split_with_find_and_given_paragraphs_as_before(text):
    from pipeline.text import split_paragraphs, split_sentences, split_text

    assert split_sentences(text) == _split_line_by_line(text, 0, len(text))
    for a, b in split_paragraphs(text):
        assert split_sentences(text, a, b) == _split_line_by_line(text, a, b)
    assert split_text(text, split_paragraphs(text)) == split_text(text)


@pytest.mark.parametrize("words", ["3", "1700", "0", "٣", "12"])
def test_plain_digit_count_parses_like_the_general_path(words):
    from pipeline.extract.casualties import parse_number

    lex = default_lexicon().casualties
    assert parse_number(words, lex) == parse_number(f" {words} ", lex) == int(float(words))


def test_background_toll_is_dropped_whether_or_not_its_sentence_has_a_trigger():
    from pipeline.extract import extract_events

    for text in ("The war has killed more than 10,000 people since 2014.", "The conflict has left 20,000 dead, officials said."):
        out = extract_events(text, published=None, dates=[], places=[])
        assert out.casualties == [] and out.events == []


# Windows before a count as find_casualties cuts them: cut mid-word, odd spacing, case, "ſ" (re.I reads it as "s").
_BEFORE_WINDOWS = [
    "", " ", "his", "his ", "killing his ", "killing HIS  ", "this ", "its\t", "their \n", "killing hers ", "killing hiſ ",
    "at age ", "at the AGE of ", "aged", "aged  ", "ageſ ", "a mother of ", "a grandmother of\t", "father  of  ",
    "one of ", "stages ", "engaged ", "mother of", "dozens of ", "killing ", "  x",
]


def _windows(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    words = [w.strip() for w in _BEFORE_WINDOWS if w.strip()] + _WORDS
    return [rnd.choice([" ", "", "  "]).join(rnd.choice(words) for _ in range(rnd.randint(0, 6))) + rnd.choice(["", " ", "  ", "\t"])
            for _ in range(n)]


def test_possessive_dropped_like_the_regex_sub():
    from pipeline.extract.casualties import _POSSESSIVE, _drop_possessive

    for before in _BEFORE_WINDOWS + _windows(2000, seed=5):
        assert _drop_possessive(before) == _POSSESSIVE.sub("", before), before


def test_age_or_family_test_agrees_with_its_regexes():
    # The last-word test must never rule out a count the two regexes would have caught.
    from pipeline.extract.casualties import _AGE_BEFORE, _FAMILY_SIZE, _age_or_family

    for before in _BEFORE_WINDOWS + _windows(2000, seed=6):
        sentence = before + "12 people"
        start = len(before)
        caught = bool(_AGE_BEFORE.search(sentence, max(0, start - 20), start) or _FAMILY_SIZE.search(sentence, max(0, start - 30), start))
        assert _age_or_family(sentence, start) == caught, before


def test_modifier_walk_stops_where_it_did():
    # The old test: no word, a stop word (after stripping "." and ","), or a word ending "." or ",".
    from pipeline.extract.casualties import _modifier_end

    lex = default_lexicon().casualties
    for text in _LITERAL + _texts(500, seed=7) + ["killed. ", "Were, ", "armed men", "30-year-old man", "U.S. troops"]:
        for i in range(len(text) + 1):
            wm = lex.modifier_re.match(text, i)
            stops = not wm or wm.group(0).lower().strip(".,") in lex.modifier_stop or wm.group(0).endswith((",", "."))
            assert _modifier_end(text, i, lex) == (None if stops else wm.end()), (text, i)
