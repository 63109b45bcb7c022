"""Fast paths must give exactly what the plain code they replace gives (issue #8: same outputs).

Each shortcut in the toponym recogniser is checked against the straightforward regex it stands for,
on hand-picked edge cases and on random strings over an alphabet of the characters that matter.
"""

from __future__ import annotations

import random
import re

from pipeline.geo import recognize as R
from pipeline.geo.lexicon import default_lexicon
from pipeline.regex_gate import GatedPattern

_RUN_PLAIN = re.compile(R._RUN_PLAIN)

EDGE_TEXTS = [
    "",
    "U.S. troops in al-Bab and ash-Shaddadi near Deir ez-Zor.",
    "as-Sukhnah, al-Hasakah; an-Nabk, el-Hermel, ar-Raqqa, az-Zabadani, at-Tall, ad-Dana",
    "the ash-tree, an apple, eL-Foo, AL-Bab, al-bab, al-, al--Bab, e-Mail, Al-Qaeda",
    "W.Va. man, D.C.'s mayor, S.C., U.N.-backed, A.B.C.D. and x.Y.Z.",
    "Élan in Zürich; Ōsaka and Ānanda; Ÿpres, Þingvellir; ſtreet, ſ-Bar",
    "Bosnia and Herzegovina, Stratford-upon-Avon, Kafr Nabl district, Ma'rib, Ma’rib's",
    "x.Abc _Abc 1Abc .Abc -Abc 'Abc Abc_def Abc-def-Ghi",
    "CHARLESTON, W.Va. -- ALEPPO (Reuters) - MOSCOW/BEIRUT: BAGHDAD — KABUL–",
    "In the\ncity of Homs,\tin\u00a0Aleppo, outskirts of  Idlib, towards Raqqa, intoHoms, Ín Homs, ın Homs",
]

_ALPHABET = list("aelAEsdnrtzhxo-'’. .\n\t,Zé\u00c0\u00de\u0100\u017f\u0131\u0130É1_B") + [
    "al-", "ash-", "as-", "U.S.", " of ", " al ", "e-", " in ", " the ", "THE ", "Towards ", "\u00a0", "--", "- ", ":",
    "(", "/",
]


def _random_texts(n: int, seed: int, longest: int = 30) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(1, longest))) for _ in range(n)]


def test_run_pattern_matches_the_plain_pattern():
    for text in EDGE_TEXTS + _random_texts(20000, 1):
        assert [m.span() for m in R._RUN.finditer(text)] == [m.span() for m in _RUN_PLAIN.finditer(text)], text


def test_dateline_pattern_matches_the_plain_pattern():
    def spans(rx, text):
        return [(m.span(), m.span(1)) for m in rx.finditer(text)]

    for text in EDGE_TEXTS + _random_texts(5000, 2):
        assert spans(R._DATELINE_FAST, text) == spans(R._DATELINE, text), text


def _positions(texts):
    for text in texts:
        for pos in range(len(text) + 1):
            yield text, pos


_PREV_WORD = re.compile(r"([^\s]+)(\s*)$")


def test_prev_word_and_cue_match_their_regexes():
    texts = EDGE_TEXTS + _random_texts(3000, 3, longest=45)
    for text, pos in _positions(texts):
        pm = _PREV_WORD.search(text, max(0, pos - 30), pos)
        expected = pm.group(1) if pm and pm.group(2) == " " else ""
        assert R._prev_word(text, pos) == expected, (text, pos)
        assert R._has_cue(text, pos) == bool(R._LOCATIVE.search(text, max(0, pos - 30), pos)), (text, pos)


def test_recognize_does_not_depend_on_the_run_cache():
    """Plans are shared between occurrences and documents: cold and warm caches give the same spans."""
    from pipeline.geo import load_gazetteer

    gaz, lex = load_gazetteer(), default_lexicon()
    texts = [
        "ALEPPO (Reuters) - Government forces shelled Aleppo and al-Bab on Monday, said Mr Aleppo.",
        "Alexandria, La. -- A man from Alexandria, Va. was charged. Alexandria, La. police said.",
        "Scott Walker visited Walker County. Walker said the Kafr Nabl district was calm.",
        "Durayhimi district (Al Hudaydah) and Rapides Parish; Najd United beat Lagos FC in Lagos.",
    ]

    def snapshot(text):
        return [(m.start, m.end, sorted(m.candidates), m.level, m.in_dateline, m.cue, m.initial, m.container,
                 m.suffix_end, sorted(m.flags)) for m in R.recognize(text, gaz, lex)]

    R._RUN_CACHES.clear()
    cold = [snapshot(t) for t in texts]
    warm = [snapshot(t) for t in texts for _ in range(3)][::3]  # third pass: plans known and judged dead
    R._RUN_CACHES.clear()
    reversed_cold = [snapshot(t) for t in reversed(texts)][::-1]
    assert cold == warm == reversed_cold


def test_gate_loop_answers_like_any():
    gate = GatedPattern(re.compile(r"\b(?:protest\w*|riots?|tear gas)\b", re.IGNORECASE))
    for text in ["Protesters gathered", "a riot", "TEAR GAS", "calm day", ""]:
        low = text.lower()
        assert gate.may_match(text) == any(s in low for s in gate.needs)
