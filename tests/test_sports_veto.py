"""The sports-context veto (rules/sports.json) on tiny literal inputs: one behaviour per test."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.extract import extract_events
from pipeline.extract.lexicon import RULES_DIR, default_lexicon, load_lexicon
from pipeline.extract.sports import is_sports_report, sports_score, vetoed

PUB = date(2024, 4, 21)
SPORTS = default_lexicon().sports
# Enough distinct sports cues for an article-level sports context (strong: goalkeeper, half-time,
# penalty area; weak: league, coach).
MATCH_REPORT = (
    "The coach made three changes at half-time, and his side climbed to second in the league. "
    "Their forward fired a low shot past the goalkeeper after a swift counter-attack. "
    "The visitors spent the second half bombarding the penalty area with crosses. "
)


def _events(text):
    return extract_events(text, published=PUB, dates=[], places=[]).events


def test_match_report_yields_no_events():
    # The sample data/samples/sports_riyadh_football.txt: shots, counter-attacks and a bombarded
    # penalty area are football, not armed clashes or shelling.
    assert is_sports_report(MATCH_REPORT, SPORTS)
    assert _events(MATCH_REPORT) == []


def test_metaphorical_killing_in_a_match_report_is_vetoed():
    text = MATCH_REPORT + '"We were killed by two decisions," the coach said.'
    assert _events(text) == []
    assert extract_events(text, published=PUB, dates=[], places=[]).casualties == []


def test_bombing_at_a_stadium_during_a_match_is_still_an_event():
    # A violence cue (bomb, explosion) keeps the sentence even inside sports context.
    text = MATCH_REPORT + "A bomb exploded near the stadium, killing three fans."
    bombings = [e for e in _events(text) if e.event_type == "explosive_attack"]
    assert [e.fatalities for e in bombings] == [3]


def test_athletes_shot_dead_is_crime_news_not_a_sports_report():
    # Many sports words, but the article speaks of gunmen: no sports context at article level.
    text = "Gunmen shot dead two football players after a league match, police said. The coach and the goalkeeper fled at half-time."
    assert not is_sports_report(text, SPORTS)
    assert [e.event_type for e in _events(text)] != []


def test_a_single_sports_word_does_not_veto_a_real_clash():
    # "fans" alone is a weak cue: clashes near a stadium in war news stay events.
    text = "Heavy fighting broke out between government forces and rebels near the stadium on Sunday."
    assert sports_score(text, SPORTS) < SPORTS.sentence_min_score
    assert [e.event_type for e in _events(text)] == ["armed_clash"]


def test_sports_sentence_in_a_news_article_is_vetoed_on_its_own_cues():
    # Not a sports article overall, but this one sentence is match talk.
    sentence = "The striker fired a shot past the goalkeeper in stoppage time to seal the league victory."
    assert vetoed(sentence, SPORTS, sports_article=False)


def test_repeated_cue_counts_once():
    assert sports_score("goalkeeper goalkeeper goalkeeper", SPORTS) == 2


def test_bad_sports_rule_file_raises_config_error(tmp_path: Path):
    for f in RULES_DIR.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    data = json.loads((tmp_path / "sports.json").read_text())
    data["strong_cues"].append("goal(")
    (tmp_path / "sports.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="strong_cues"):
        load_lexicon(tmp_path)


def test_sports_thresholds_must_be_integers(tmp_path: Path):
    for f in RULES_DIR.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    data = json.loads((tmp_path / "sports.json").read_text())
    data["article_min_score"] = "five"
    (tmp_path / "sports.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="article_min_score"):
        load_lexicon(tmp_path)


def test_weak_cues_alone_make_no_sports_context():
    # "fans", "stadium", "match", "team", "season" are everyday words in war news too.
    assert sports_score("fans stadium match team season crowd", SPORTS) == 0
