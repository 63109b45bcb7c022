"""The literal gate in front of costly regexes: it may say "maybe", never a wrong "no"."""

import re

import pytest

from pipeline.regex_gate import GatedPattern, fold, required_literals


def test_required_literals_of_an_alternation_cover_every_branch():
    found = required_literals(re.compile(r"\b(?:subscribe (?:to|now)|cookie policy)\b", re.I))
    assert found == frozenset({"subscribe to", "subscribe now", "cookie policy"})


def test_optional_letters_are_spelt_out():
    # "tear ?gas" is two spellings; both must open the gate.
    assert required_literals(re.compile(r"tear ?gas", re.I)) == frozenset({"tear gas", "teargas"})


def test_pattern_with_an_unknown_branch_has_no_gate():
    # One branch made of \w+ only: nothing literal is required, so the regex always runs.
    assert required_literals(re.compile(r"protest|\w+", re.I)) is None


def test_gate_closes_without_its_words_and_opens_with_any_case():
    gate = GatedPattern(re.compile(r"\bdisclaimer\b", re.I))
    assert not gate.may_match("Gunmen attacked a village.")
    assert gate.search("DISCLAIMER: views are the author's") is not None


def test_dotless_i_still_opens_the_gate():
    # IGNORECASE matches "ı" (dotless i) against "i"; str.lower() alone would miss it.
    rx = re.compile(r"riot", re.I)
    text = "R\u0131OT police"
    assert rx.search(text) is not None
    assert GatedPattern(rx).search(text) is not None


def test_text_whose_lower_case_changes_length_is_not_gated():
    # "İ".lower() is two characters: the gate cannot reason about it and lets the regex run.
    assert fold("\u0130stanbul") is None
    assert GatedPattern(re.compile(r"zzz", re.I)).may_match("\u0130stanbul")


@pytest.mark.parametrize(
    "text", ["All comments are moderated.", "Share | Twitter | Facebook", "(c) 2016 Reuters", "plain news"]
)
def test_gated_search_equals_plain_search(text):
    from pipeline.text import _boilerplate_regex

    gated = _boilerplate_regex()
    assert (gated.search(text) is None) == (gated.regex.search(text) is None)


def test_literal_forms_keep_case_and_order():
    from pipeline.regex_gate import literal_forms

    assert literal_forms(re.compile("TODAY|Today|today|night")) == ("TODAY", "Today", "today", "night")
    assert literal_forms(re.compile(r"to(?:day|night)")) is None
    assert literal_forms(re.compile("today", re.I)) is None


def test_literal_trie_finds_where_any_key_starts_and_a_prefix_key_stands_for_longer_ones():
    from pipeline.regex_gate import literal_trie

    keys = sorted(["kill", "killed", "kidnap", "shell", "shot", "s.a"])
    full = re.compile(literal_trie(keys))
    ahead = re.compile(literal_trie(keys, tail_ahead=True))
    text = "they shot and killed two, kidnapped one; shelling; s.a. kil"
    flat = [m.start() for m in re.finditer("|".join(map(re.escape, keys)), text)]
    assert [m.start() for m in full.finditer(text)] == flat
    assert [m.start() for m in ahead.finditer(text)] == flat
    assert all(m.end() - m.start() == 1 for m in ahead.finditer(text))  # only the first letter is consumed
    assert "killed" not in literal_trie(keys)  # "kill" already finds it


def test_word_tree_takes_the_longest_word_before_a_delimiter():
    from pipeline.regex_gate import word_tree

    words = ["de", "del", "den", "du", "al"]
    tree = re.compile(rf"(?:{word_tree(words)}) ")
    for w in words:
        assert tree.fullmatch(w + " ")
    assert tree.fullmatch("d ") is None and tree.fullmatch("dell ") is None
