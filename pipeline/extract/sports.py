"""The sports-context veto: match reports speak of shots, counter-attacks and bombarded penalty areas.

Pure functions over the rules in ``rules/sports.json``; the engine asks ``vetoed`` per sentence.
"""

from __future__ import annotations

from pipeline.extract.lexicon import SportsLexicon


def sports_score(text: str, lex: SportsLexicon, pos: int = 0, endpos: int | None = None) -> int:
    """2 per distinct strong sports cue in ``text[pos:endpos]``, 1 per distinct weak one; 0 without
    a strong cue, as weak ones ("match", "fans", "stadium") are everyday words in war news too."""
    end = len(text) if endpos is None else endpos
    strong = {m.lastgroup for m in lex.strong_re.finditer(text, pos, end)}
    if not strong:
        return 0
    weak = {m.lastgroup for m in lex.weak_re.finditer(text, pos, end)}
    return 2 * len(strong) + len(weak)


def is_sports_report(text: str, lex: SportsLexicon) -> bool:
    """Whether the whole article reads as a sports report: many sports cues and (almost) no
    violence cue, since a story about athletes who were shot is crime news."""
    # Violence first: war and crime news names it early, which ends the scan at once.
    violence: set[str | None] = set()
    for m in lex.violence_re.finditer(text):
        violence.add(m.lastgroup)
        if len(violence) > lex.article_max_violence_cues:
            return False
    return sports_score(text, lex) >= lex.article_min_score


def vetoed(sentence: str, lex: SportsLexicon, *, sports_article: bool) -> bool:
    """True when ``sentence`` is sports talk: sports context (its article's or its own) and no
    violence cue ("bomb", "gunmen", "shot dead") that would make it a real attack near a pitch."""
    # Sports cues first: their gate rules out most sentences without running a regex.
    if not sports_article and sports_score(sentence, lex) < lex.sentence_min_score:
        return False
    return lex.violence_re.search(sentence) is None
