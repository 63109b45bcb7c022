"""The recogniser's shortcuts answer exactly as the plain code they replace (same outputs, issue #8).

Each check runs on hand-picked edge cases and on random strings over the characters that matter
(articles, abbreviations, connectors, prepositions, odd whitespace), like tests/test_speed_paths.py.
"""

from __future__ import annotations

import random
import re

from pipeline.geo import recognize as R
from pipeline.geo.lexicon import default_lexicon
from pipeline.geo.normalize import norm_key
from pipeline.regex_gate import word_tree

_RUN_PLAIN = re.compile(R._RUN_PLAIN)

EDGE_TEXTS = [
    "",
    "U.S. troops in al-Bab and ash-Shaddadi near Deir ez-Zor.",
    "as-U.S. forces, al-W.Va. man, (al-Bab) .al-Bab _al-Bab 1al-Bab é al-Bab al-É el-Hermel",
    "the ash-tree, an apple, eL-Foo, AL-Bab, al-bab, al-, al--Bab, e-Mail, Al-Qaeda, xal-Bab",
    "Bosnia and Herzegovina, Stratford-upon-Avon, Kafr Nabl district, Ma'rib, Ma’rib's province",
    "Alexandria, La. police; Alexandria, Va. (AP) Durayhimi district (Al Hudaydah) Batsari LGA (Katsina)",
    "Kafr Nabl  district, Kafr Nabl\tdistrict, Kafr Nabl district's, Kafr Nabl Province.",
    "in Homs, IN Homs, within Homs, (in Homs, outskirts of Homs, toward the Homs, ín Homs, and  Homs",
    "Mr Aleppo. Sen. Lincoln said. Mr. Smith\n\nHoms — “Aleppo” U.S. Army W.Va. man",
    "Najd United beat Lagos FC in Lagos; Kent Road, Boston Red Sox",
]

_ALPHABET = list("aelAEsdnrtzhxo-'’. .\n\t,Zé\u00c0\u00de\u0100\u017f\u0131\u0130É1_B()") + [
    "al-", "ash-", "as-", "el-", "U.S.", "W.Va.", " of ", " al ", " de la ", "e-", " in ", " the ", "THE ",
    "Towards ", "\u00a0", "--", "- ", ":", "/", " district", " Province", " city", " Mr ", "Aleppo", "Homs",
    " and ", "Kafr Nabl",
]


def _random_texts(n: int, seed: int, longest: int = 30) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(1, longest))) for _ in range(n)]


def _next_word_plain(text: str, end: int, window: int | None = None) -> str | None:
    stop = len(text) if window is None else min(len(text), end + window)
    nm = R._NEXT_WORD.match(text, end, stop)
    return nm.group(2) if nm and nm.group(1) == " " else None


def test_find_runs_gives_the_plain_pattern_runs_and_the_word_after_each():
    for text in EDGE_TEXTS + _random_texts(20000, 21) + _random_texts(3000, 22, longest=80):
        plain = [(m.start(), m.group()) for m in _RUN_PLAIN.finditer(text)]
        fast = R._find_runs(text)
        assert [(s, w) for s, w, _ in fast] == plain, text
        for s, w, nxt in fast:
            assert nxt == _next_word_plain(text, s + len(w)), (text, s, w)


def test_connector_tree_matches_the_flat_alternation():
    tree = re.compile(rf"(?:{word_tree(R._CONNECTORS)})[ \-]")
    flat = re.compile(rf"(?:{R._CONN_RE})[ \-]")
    words = set(R._CONNECTORS) | {w[:-1] for w in R._CONNECTORS} | {w + "s" for w in R._CONNECTORS} | {"", "x", "ibnx"}
    for w in words:
        for sep in (" ", "-", "x", ""):
            assert bool(tree.fullmatch(w + sep)) == bool(flat.fullmatch(w + sep)), (w, sep)


def test_word_after_reads_what_the_next_word_pattern_reads():
    long_word = "Kafr " + "x" * 35 + " district " + "y" * 28 + " z"
    for text in [*EDGE_TEXTS, long_word, *_random_texts(3000, 23, longest=60)]:
        for s, w, nxt in R._find_runs(text):
            end = s + len(w)
            for window in (30, 40):
                assert R._word_after(text, end, end, nxt, window) == _next_word_plain(text, end, window), (text, end)
                # Not at the run's end (a token lost its period or "'s"): the regex path.
                for e in (end - 1, end - 2):
                    if e > s:
                        assert R._word_after(text, e, end, nxt, window) == _next_word_plain(text, e, window)


def test_is_initial_quick_reject_agrees_with_the_full_test():
    for text in EDGE_TEXTS + _random_texts(3000, 24, longest=50):
        for pos in range(len(text) + 1):
            assert R._is_initial(text, pos) == R._is_initial_by_window(text, pos), (text, pos)


def test_cue_shortcuts_agree_with_the_locative_regex():
    # "within Homs" ends in "in" but is no cue; "(in Homs" is one; "IN Homs" folds case; "the"
    # counts only after a preposition, whatever the whitespace between them.
    cues = ["in the Bronx", "within the Bronx", "said the Bronx", "in\n the Bronx", "in\tthe Bronx", "the Bronx",
            "outskirts of the Bronx", "é the Bronx", "OF THE Bronx", "x the the Bronx", "  the Bronx", "ín the Bronx"]
    for text in cues + EDGE_TEXTS + _random_texts(3000, 25, longest=50):
        for pos in range(len(text) + 1):
            assert R._has_cue(text, pos) == bool(R._LOCATIVE.search(text, max(0, pos - 30), pos)), (text, pos)


def _link_plain(text: str, ms: list) -> None:
    for a in range(len(ms) - 1):
        gap = text[ms[a].end : ms[a + 1].start]
        after = text[ms[a + 1].end : ms[a + 1].end + 1]
        if gap in (", ", ",") or (gap in (" (", "(") and after == ")") or (
            after in (")", ",") and R._UNIT_BEFORE_PAREN.fullmatch(gap)
        ):
            ms[a].container = a + 1
            ms[a + 1].flags.add("container")


def test_link_containers_agrees_with_the_plain_loop():
    rnd = random.Random(26)
    pieces = ["Aleppo", ", ", ",", " (", "(", ")", " district (", " LGA (", " in ", " x y z (", "Homs", " "]
    for _ in range(3000):
        parts = [rnd.choice(pieces) for _ in range(rnd.randint(1, 12))]
        text = "".join(parts)
        spans, pos = [], 0
        for part in parts:
            if part in ("Aleppo", "Homs"):
                spans.append((pos, pos + len(part)))
            pos += len(part)
        fast = [R.RawMention(a, b, []) for a, b in spans]
        plain = [R.RawMention(a, b, []) for a, b in spans]
        R._link_containers(text, fast)
        _link_plain(text, plain)
        assert [(m.container, m.flags) for m in fast] == [(m.container, m.flags) for m in plain], text


def test_runs_skipped_for_no_admin_word_would_have_given_nothing():
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    for text in EDGE_TEXTS + _random_texts(2000, 27, longest=60):
        for s, w, nxt in R._find_runs(text):
            plan = R._plan(w, gaz, lex)
            if plan is None or R._may_take_admin_word(plan, nxt, R._cache_for(gaz, lex)):
                continue
            out: list = []
            R._unknown_admin_name(text, s, plan, nxt, None, lex, out)
            assert out == [], (text, w)


def test_thinning_a_full_run_cache_keeps_runs_seen_twice_and_stays_bounded(monkeypatch):
    # A long run must not rebuild its hot plans whenever the cache fills, nor grow without end.
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    monkeypatch.setattr(R._RunCache, "MAX", 8)
    monkeypatch.setattr(R, "_RUN_CACHES", {})
    text = "in Aleppo, in Homs, in Aleppo, in Homs, " + ", ".join(f"Zq{k}x" for k in range(10))
    before = R.recognize(text, gaz, lex)
    plans = R._run_cache(gaz, lex)  # full now: thinned
    assert set(plans) == {"Aleppo", "Homs"}  # the runs seen twice; the one-off words are gone
    assert all(p.dead is None and not p.seen for p in plans.values())  # counting afresh
    assert R.recognize(text, gaz, lex) == before  # the shortcut decided again gives the same
    for k in range(20):
        R.recognize(f"Zz{k}q, Yy{k}q", gaz, lex)
        assert len(R._run_cache(gaz, lex)) <= 8


def test_word_before_a_name_answers_like_the_plain_context_tests():
    # _before_info's answers, memoised by the word before the name, agree with _after_title,
    # _has_cue and _is_initial wherever it answers (None: the plain function decides).
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    cache = R._cache_for(gaz, lex)
    texts = ["said the Bronx", "in the Bronx", "Mr Aleppo", "Sen. Lincoln", "within the Homs", "x In the Homs",
             "é the Homs", "x U. Homs", "U.S. Homs", " . Homs", "x. Homs", "\n. Homs", "Homs, Aleppo", "a\tin Homs"]
    spaced = [t.replace("x", " ") for t in _random_texts(3000, 29, longest=60)]
    answered = 0
    for text in texts + EDGE_TEXTS + _random_texts(6000, 28, longest=50) + spaced:
        for pos in range(len(text) + 1):
            info = R._before_info(text, pos, cache)
            if info is None:
                continue
            answered += 1
            title, cue, initial = info
            assert title == R._after_title(text, pos, lex), (text, pos)
            assert cue is None or cue == R._has_cue(text, pos), (text, pos)
            assert initial is None or initial == R._is_initial(text, pos), (text, pos)
    assert answered > 10_000


def test_word_after_a_name_answers_like_its_folded_key():
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    cache = R._cache_for(gaz, lex)
    for word in ["district", "District", "Province.", "city", "Road", "road", "FC", "fc", "United", "Rd.", "x", "é"]:
        nk = norm_key(word)
        street_or_team = word[0].isupper() and (nk in R._STREET_WORDS or nk in R._TEAM_WORDS)
        assert R._after_info(cache, word) == (street_or_team, lex.admin_words.get(nk)), word


def test_a_plan_names_person_keys_exactly_when_it_names_person_starts():
    # recognize collects both only when a plan has starts.
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    runs = ["Scott Walker", "Mr Aleppo", "Sen. Lincoln Smith", "President of Homs", "Gen de Gaulle", "Virginia Beach",
            "Jordan River", "Mr", "John Kafr Nabl District"]
    for text in runs + EDGE_TEXTS + _random_texts(2000, 30, longest=60):
        for _, w, _ in R._find_runs(text):
            plan = R._plan(w, gaz, lex)
            if plan is not None:
                assert bool(plan.person_starts) == bool(plan.person_keys), w


def test_longest_match_skips_only_ngrams_no_gazetteer_key_can_begin(monkeypatch):
    # _best skips the lookups of n-grams longer than the longest key prefix the gazetteer has
    # (Gazetteer.has_prefix): the matches must be those of looking every n-gram up.
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    runs = ["Bosnia and Herzegovina", "Minister Ahmed Said Khan", "Deir ez-Zor Province", "Al Raqqa Governorate",
            "New York City Police", "Tooz Khurmato District", "Ras al Ayn", "Kafr Nabl", "Sri Lankan Army"]
    words = [w for text in runs + EDGE_TEXTS + _random_texts(1500, 31, longest=60) for _, w, _ in R._find_runs(text)]

    def steps() -> list:
        out = []
        for w in words:
            plan = R._plan(w, gaz, lex)
            if plan is not None:
                out.append([R._best(plan, i, gaz, lex) for i in range(len(plan.keys)) if not plan.conn[i]])
        return out

    fast = steps()
    monkeypatch.setattr(type(gaz), "has_prefix", lambda self, prefix: True)  # every n-gram looked up
    assert steps() == fast


def test_gazetteer_prefix_test_agrees_with_a_scan_of_the_keys():
    from operator import methodcaller

    from pipeline.geo import load_gazetteer

    gaz = load_gazetteer()
    keys = gaz._keys
    rnd = random.Random(32)
    sample = [keys[rnd.randrange(len(keys))] for _ in range(12)]
    prefixes = [k[: rnd.randint(0, len(k))] for k in sample] + [k + " " for k in sample] + [k[:-1] + "{" for k in sample]
    for p in prefixes + ["", "zzzz", "new york ", "minister ahmed ", "~", "~zz"]:
        found = next(filter(methodcaller("startswith", p), keys), None) is not None  # the plain scan
        assert gaz.has_prefix(p) == found, p
        assert gaz.has_prefix(p) == found, p  # memoised
