"""Event extraction on tiny literal inputs: one behaviour per test."""

import json
from datetime import date

import pytest

from pipeline.errors import ConfigError
from pipeline.extract import extract_events
from pipeline.extract.casualties import find_casualties, parse_number
from pipeline.extract.lexicon import default_lexicon, load_lexicon
from pipeline.models import DateMention, PlaceMention

PUB = date(2016, 9, 27)


def _run(text, dates=(), places=()):
    return extract_events(text, published=PUB, dates=list(dates), places=list(places))


def _cas(sentence):
    return find_casualties(sentence, 0, default_lexicon().casualties)


def _dm(text, full, value, kind="point", precision="day"):
    start = full.index(text)
    return DateMention(start, start + len(text), text, value, precision, PUB, "test", kind=kind)


@pytest.mark.parametrize(
    ("words", "value"),
    [("ninety-five", 95), ("1,700", 1700), ("two dozen", 24), ("twenty one", 21), ("12", 12), ("a hundred", 100)],
)
def test_parse_number_reads_digits_and_words(words, value):
    assert parse_number(words, default_lexicon().casualties) == value


def test_at_least_count_is_killed_with_qualifier():
    (c,) = _cas("At least 95 people died in the bombing.")
    assert (c.kind, c.count_low, c.qualifier) == ("killed", 95, "at_least")


def test_range_between_x_and_y():
    (c,) = _cas("Between 10 and 15 civilians were killed.")
    assert (c.count_low, c.count_high, c.qualifier, c.victim_group) == (10, 15, "range", "civilians")


def test_dozens_maps_to_twelve_and_keeps_the_term():
    (c,) = _cas("Dozens of people were killed.")
    assert (c.count_low, c.vague_term) == (12, "dozens of")


def test_several_is_vague_without_a_number():
    (c,) = _cas("Several people were killed.")
    assert (c.count_low, c.qualifier) == (None, "vague")


def test_fraction_of_casualties_is_never_a_count():
    cs = _cas("About half of the casualties have been children.")
    assert cs and all(c.is_fraction and c.count_low is None for c in cs)


def test_running_toll_is_flagged():
    (c,) = _cas("The death toll rose to 30.")
    assert c.is_running_total and c.count_low == 30


def test_killed_then_injured_counts_are_split_by_kind():
    cs = _cas("3 fighters were killed and 2 others were injured.")
    assert [(c.kind, c.count_low) for c in cs] == [("killed", 3), ("injured", 2)]


def test_subset_victims_are_not_added():
    ev = _run("A car bomb killed 12 people including 5 children.").events[0]
    assert ev.fatalities == 12


def test_disjoint_victims_are_added():
    ev = _run("Gunmen ambushed a convoy, killing 3 soldiers and 2 civilians.").events[0]
    assert ev.fatalities == 5


def test_singular_victim_counts_one():
    # US crime reports: "A 27-year-old man was shot and killed" means one death.
    ev = _run("A 27-year-old man was shot and killed in Westwood.").events[0]
    assert ev.fatalities == 1


def test_no_fatalities_reported_is_zero():
    ev = _run("Militants attacked an army post. No fatalities were reported.").events[0]
    assert ev.fatalities == 0


def test_air_strike_is_an_airstrike():
    ev = _run("Warplanes carried out air strikes on the town.").events[0]
    assert ev.event_type == "airstrike"


def test_mortar_fire_is_shelling_with_subtype():
    ev = _run("Rebels fired mortar shells at the village.").events[0]
    assert (ev.event_type, ev.sub_event_type) == ("shelling", "mortar")


def test_suicide_bombing_is_explosive_attack():
    ev = _run("A suicide bomber blew himself up at a checkpoint.").events[0]
    assert (ev.event_type, ev.sub_event_type) == ("explosive_attack", "suicide_bomb")


def test_gunmen_attacking_villagers_is_attack_on_civilians():
    ev = _run("Gunmen attacked villagers in the market, killing 4 civilians.").events[0]
    assert ev.event_type == "attack_on_civilians"


def test_clashes_are_armed_clash():
    ev = _run("Clashes erupted between the army and rebels near the town.").events[0]
    assert ev.event_type == "armed_clash"


@pytest.mark.parametrize(
    "text",
    [
        "Workers went on strike over pay.",
        "The two leaders hope to strike a deal.",
        "The football clash ended in a draw.",
        "Ministers clashed over policy on Monday.",
        "The report was a bombshell for the government.",
        "She shot to fame in 2010.",
        "Buyers had shelled out a record amount for units in the new project.",
    ],
)
def test_non_conflict_uses_yield_nothing(text):
    assert _run(text).events == []


def test_protest_clash_is_not_an_armed_clash():
    # Riots are outside our six types.
    assert _run("Protesters clashed with police in the capital.").events == []


def test_boilerplate_paragraph_yields_nothing():
    text = "Disclaimer : We respect your thoughts. Abstain from posting comments about air strikes."
    assert _run(text).events == []


def test_ceasefire_abuse_is_a_violation_statement_with_speaker_and_accused():
    ev = _run("Terrorists are using the ceasefire to regroup, Russia said.").events[0]
    assert (ev.event_type, ev.stance, ev.actor1, ev.actor2) == (
        "ceasefire_statement", "violation", "Government of Russia", "Terrorists"
    )


def test_still_viable_is_support_not_agreement():
    ev = _run("The foreign minister said the ceasefire agreement was still viable.").events[0]
    assert ev.stance == "support"


def test_call_for_truce_is_call():
    ev = _run("The UN called for a truce in the city.").events[0]
    assert ev.stance == "call"


def test_attacker_demonym_becomes_military_forces():
    ev = _run("Russian aircraft bombed the town.").events[0]
    assert ev.actor1 == "Military Forces of Russia"


def test_regime_alias_normalised():
    ev = _run("Syrian regime forces shelled the district.").events[0]
    assert ev.actor1 == "Military Forces of Syria"


def test_denial_sets_modality():
    ev = _run("Moscow denied carrying out the air strikes.").events[0]
    assert ev.modality == "denied"


def test_threat_is_hypothetical():
    ev = _run("The group threatened to carry out suicide attacks.").events[0]
    assert ev.modality == "hypothetical"


def test_claim_of_responsibility_sets_claimed_by():
    ev = _run("Al Shabaab claimed to have killed one soldier in an IED blast.").events[0]
    assert (ev.modality, ev.claimed_by) == ("claimed", "Al Shabaab")


def test_event_date_from_own_phrase():
    text = "At least 95 people died in bombing on Saturday."
    ev = _run(text, dates=[_dm("Saturday", text, "2016-09-24")]).events[0]
    assert (ev.event_date, ev.date_source, ev.date_text) == (date(2016, 9, 24), "own_phrase", "Saturday")


def test_since_weekday_runs_to_publication():
    text = "Aircraft have unleashed air strikes on the city since Thursday."
    ev = _run(text, dates=[_dm("since Thursday", text, "2016-09-22", kind="interval_start")]).events[0]
    assert (ev.event_date, ev.event_date_end, ev.date_precision) == (date(2016, 9, 22), PUB, "day")


def test_governing_phrase_dates_a_later_sentence():
    text = "On Monday, officials met. Later, air strikes hit the town."
    ev = _run(text, dates=[_dm("Monday", text, "2016-09-26")]).events[0]
    assert (ev.event_date, ev.date_source) == (date(2016, 9, 26), "governing_phrase")


def test_no_date_falls_back_to_publication():
    ev = _run("Air strikes hit the town.").events[0]
    assert (ev.event_date, ev.date_source) == (PUB, "publication")


def test_location_from_place_in_sentence():
    text = "Air strikes hit Aleppo."
    i = text.index("Aleppo")
    place = PlaceMention(i, i + 6, "Aleppo", "Aleppo", 170063, "city", "SY", "Aleppo", 36.2, 37.16, 1)
    ev = _run(text, places=[place]).events[0]
    assert ev.location == place


def test_two_sentences_about_one_event_merge():
    text = "Air strikes hit the town. The air raids destroyed a school."
    (ev,) = _run(text).events
    assert ev.merged_spans


def test_casualty_sentence_without_trigger_joins_previous_event():
    ev = _run("Rebels fired rockets at the town. Three people died.").events[0]
    assert ev.fatalities == 3


def test_evidence_offsets_point_into_text():
    text = "Intro.\n\nRebels fired rockets at the town."
    ev = _run(text).events[0]
    assert text[ev.start : ev.end].lower().startswith("rocket") and ev.rule == "shell.rocket"


def test_extraction_is_deterministic():
    text = "Rebels fired rockets at the town, killing 3 civilians."
    assert _run(text) == _run(text)


def test_bad_rule_file_raises_config_error_naming_the_entry(tmp_path):
    import shutil

    from pipeline.extract.lexicon import RULES_DIR

    for f in RULES_DIR.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    data = json.loads((tmp_path / "events.json").read_text())
    data["triggers"][0]["pattern"] = "(unclosed"
    (tmp_path / "events.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="air.strike"):
        load_lexicon(tmp_path)


def test_a_whole_wars_toll_is_context_not_an_event():
    text = (
        "Gunmen killed seven villagers in Borno state on Sunday, residents said. "
        "The insurgency, now in its fourteenth year, has killed tens of thousands of people. "
        "Jihadist violence that began in 2012 has spread across the Sahel, killing thousands of civilians. "
        "The ADF, which has pledged allegiance to the Islamic State group, has killed thousands of civilians."
    )
    result = extract_events(text, published=None, dates=[], places=[])
    assert [e.fatalities for e in result.events] == [7]
    assert all("thousands" not in text[c.start : c.end] for c in result.casualties)


def test_a_wars_numeric_toll_is_context_but_one_attacks_large_toll_is_not():
    # Cumulative tolls in digits attached to a nearby event made a 10k-article run sum to 252
    # million killed. A large count with no cumulative cue is one attack's toll and stays.
    text = (
        "An air strike killed nine people in the market town on Monday, medics said. "
        "The civil war has left more than 250,000 people dead. "
        "More than 12500 people have reportedly been killed and millions displaced since the uprising began. "
        "The monitor said it had verified the deaths of 14456 people since the start of the revolt. "
        "Separately, the opposition said 1,300 people were killed in a gas attack on the eastern suburbs."
    )
    result = extract_events(text, published=None, dates=[], places=[])
    assert sorted(e.fatalities or 0 for e in result.events) == [9, 1300]
    counted = {text[c.start : c.end] for c in result.casualties}
    assert not any(n in " ".join(counted) for n in ("250,000", "12500", "14456"))


def test_a_four_digit_year_is_not_a_large_toll():
    # "2017 ... At least 22 civilians have been killed since" must not read 2017 as the count.
    text = "Published 3 April 2017 At least 22 civilians have been killed by air strikes on the town on Monday."
    result = extract_events(text, published=None, dates=[], places=[])
    assert [e.fatalities for e in result.events] == [22]


# --- Rule changes measured on the ACLED and GVDB dev sets (tiny invented sentences) ----------


def _types(text):
    return {e.event_type for e in _run(text).events}


def test_heavy_weapons_fired_with_machine_guns_is_shelling():
    # Mortars outrank the machine guns fired alongside them; only small arms make it a clash.
    assert _types("Rebels fired 82mm mortars and heavy machine guns at army positions near the village.") == {"shelling"}


def test_small_arms_with_heavy_weapons_is_armed_clash():
    assert _types("Troops fired mortars, grenade launchers and small arms at rebel positions.") == {"armed_clash"}


def test_exchange_of_artillery_is_armed_clash():
    # Both sides firing is a fight between armed groups, whatever the weapon.
    assert _types("Government forces and rebels exchanged artillery fire on the front line.") == {"armed_clash"}


def test_infantry_fighting_vehicle_fire_is_shelling():
    assert _types("Rebel forces fired IFVs at government positions near the town.") == {"shelling"}


def test_projectile_count_does_not_add_an_event_beside_a_stronger_one():
    # "observed 17 projectiles" summarises the same fire; it is weak, not a second event type.
    text = "Troops fired grenade launchers and small arms at rebel positions. Monitors observed 17 projectiles near the town."
    assert _types(text) == {"armed_clash"}


def test_air_force_targeting_is_an_airstrike():
    assert _types("The air force targeted a militia command room in the port city.") == {"airstrike"}


def test_grenade_dropped_from_a_drone_is_an_airstrike():
    assert _types("Rebels dropped a grenade from a drone on army positions.") == {"airstrike"}


def test_drone_with_modifiers_targeting_is_an_airstrike():
    assert _types("A Turkish armed drone operated by the army targeted a truck.") == {"airstrike"}


def test_rocket_propelled_grenades_are_not_an_explosive_attack():
    assert "explosive_attack" not in _types("The two sides exchanged fire and used rocket propelled grenades.")


def test_grenades_used_in_a_gunfight_are_part_of_the_clash():
    assert _types("Gunmen fought police with rifles and grenades near the bank.") == {"armed_clash"}


def test_defused_explosive_device_is_not_an_attack():
    assert _run("Police found and defused an improvised explosive device on a roadside.").events == []


def test_beating_by_police_is_an_attack_on_civilians():
    assert _types("Police officers beat up a journalist in the market.") == {"attack_on_civilians"}


def test_body_found_is_an_attack_on_civilians():
    assert _types("The body of a man with gunshot wounds was found in a field.") == {"attack_on_civilians"}


def test_members_of_a_family_are_not_a_military_target():
    # "members of" named the armed side; it also starts "members of a family".
    assert _types("Armed men attacked members of a family at their home.") == {"attack_on_civilians"}


@pytest.mark.parametrize(
    "text",
    [
        "Villagers clashed with each other over a land dispute.",
        "Residents clashed with police, throwing stones at officers.",
    ],
)
def test_communal_fights_with_stones_or_each_other_are_riots(text):
    assert _run(text).events == []


def test_victim_phrase_runs_to_its_last_noun():
    # "civilian" alone is followed by "health worker", not by the verb.
    (c,) = [c for c in _cas("One civilian health worker was killed in the attack.") if c.kind == "killed"]
    assert (c.count_low, c.victim_group) == (1, "civilians")


def test_age_after_a_count_is_not_a_toll():
    # "40-year-old" was read as 40 dead: the age check never ran at an offset.
    assert not [c for c in _cas("A boy was arrested in the shooting death of 40-year-old man.") if c.count_low == 40]


def test_attackers_of_an_active_killing_are_not_victims():
    cas = _cas("Unknown gunmen shot and killed a fighter near the town.")
    assert [(c.kind, c.count_low, c.victim_group) for c in cas] == [("killed", 1, "fighters")]
    assert cas[0].text == "a fighter"


def test_including_after_injured_keeps_the_injured_kind():
    cas = _cas("Five civilians were wounded, including two children.")
    assert {(c.kind, c.count_low) for c in cas} == {("injured", 5), ("injured", 2)}
    assert [c for c in cas if c.count_low == 2][0].rule.endswith("subset")


# --- Prefix-indexed matching: a speed-up that must never change a match -----------------------

_SAMPLES = [
    "Warplanes carried out air strikes on Aleppo, killing 95 people and wounding 1,700.",
    "Rebels fired 82mm mortars at the base; so far no one was hurt.",
    "The US-led coalition said IS fighters, al-Qaida and Hezbollah were hit.",
    "us and is are pronouns and verbs here, not actors.",
    "FIRAT: Fırat kalkanı operasyonu ſtrikes İdlib ٣ killed.",
    "",
]


@pytest.mark.parametrize("field", ["trigger_re", "negative_re"])
def test_prefixed_event_patterns_match_like_the_plain_regex(field):
    pattern = getattr(default_lexicon().events, field)
    for s in _SAMPLES:
        assert [(m.span(), m.lastgroup) for m in pattern.finditer(s)] == [
            (m.span(), m.lastgroup) for m in pattern.regex.finditer(s)
        ], s


def _seen(m):
    return m.span(), m.lastgroup, {k: v for k, v in m.groupdict().items() if v is not None}


def test_prefixed_actor_and_count_patterns_match_like_the_plain_regex():
    lex = default_lexicon()
    for pattern in (lex.actors.actor_re, lex.casualties.count_re, lex.casualties.cue_re, lex.casualties.running_re):
        for s in _SAMPLES:
            # Split alternations keep only the matching alternative's groups: compare those.
            assert [_seen(m) for m in pattern.finditer(s)] == [_seen(m) for m in pattern.regex.finditer(s)], s
            assert bool(pattern.search(s)) == bool(pattern.regex.search(s))


def test_literal_prefixes_read_alternations_classes_and_optional_parts():
    import re

    from pipeline.extract.lexicon import literal_prefixes

    keys, anchored = literal_prefixes(re.compile(r"\b(?:kill(?:ed)?|[Mm]ortars?|a\s+few|\d+ dead)\b", re.I))
    assert anchored and keys == {"kil", "mor", "a", "\x00"}
    # A match that may start with any letter gives no prefixes: the plain regex runs instead.
    assert literal_prefixes(re.compile(r"\b[A-Z]\w+ was killed")) is not None
    assert literal_prefixes(re.compile(r"\w+ killed")) is None


def test_opening_date_frames_the_sentence_over_a_side_clause_date():
    # "who was detained on 2 June" dates the detention, not the beating the sentence reports.
    text = "On 9 June 2016, a farmer who was detained on 2 June 2016 by the guards said that he was later tortured in a cell."
    dates = [_dm("9 June 2016", text, "2016-06-09"), _dm("2 June 2016", text, "2016-06-02")]
    (ev,) = _run(text, dates).events
    assert str(ev.event_date) == "2016-06-09"


def test_date_right_by_the_trigger_still_beats_the_frame():
    # The frame is when it was reported; "on Saturday" sits on the attack itself.
    text = "On 26 September 2016, officials said that on Saturday gunmen attacked the village."
    dates = [_dm("26 September 2016", text, "2016-09-26"), _dm("Saturday", text, "2016-09-24")]
    (ev,) = _run(text, dates).events
    assert str(ev.event_date) == "2016-09-24"


def test_governing_date_is_the_frame_not_a_relative_side_date():
    # "the day before" dates the earlier murder; the fighting belongs to the opening date.
    text = "On 12 March 2016, violence broke out after the murder of a trader the day before. Three people died in the fighting."
    dates = [_dm("12 March 2016", text, "2016-03-12"), _dm("the day before", text, "2016-03-11")]
    evs = _run(text, dates).events
    fight = [e for e in evs if e.evidence.startswith("Three")] or evs
    assert str(fight[-1].event_date) == "2016-03-12"


def test_passive_target_before_the_verb_makes_a_clash():
    # The police are the ones shot; nothing after the verb names a target.
    (ev,) = _run("Two police officers on patrol were shot near the market.").events
    assert ev.event_type == "armed_clash"


def test_agent_after_by_is_not_the_target():
    # "by soldiers" names the attackers; the man beaten is a civilian.
    (ev,) = _run("A man was beaten by soldiers at a checkpoint.").events
    assert ev.event_type == "attack_on_civilians"


def test_clash_amid_shelling_stays_a_clash():
    (ev,) = _run("Rebels and troops clashed near the bridge amid heavy shelling.").events
    assert ev.event_type == "armed_clash"


def test_heavy_weapons_fired_at_an_area_is_shelling():
    (ev,) = _run("Government forces fired heavy and medium weapons at the eastern districts.").events
    assert ev.event_type == "shelling"


def test_thwarted_attack_is_a_clash():
    (ev,) = _run("Army units thwarted an attack by rebels on the northern front.").events
    assert ev.event_type == "armed_clash"


def test_off_duty_officer_attacked_is_an_attack_on_civilians():
    # Off duty, security staff count as civilians, whoever the attackers are.
    (ev,) = _run("Gunmen shot and killed an off-duty police officer outside his home.").events
    assert ev.event_type == "attack_on_civilians"


def test_party_members_shot_by_gunmen_are_civilians():
    # A bare "members" names no armed group: "members of the ruling party" are civilians.
    ev = _run("Gunmen shot dead two members of the ruling party in the town.").events[0]
    assert ev.event_type == "attack_on_civilians"


def test_drug_suspect_killed_in_a_raid_is_an_attack_on_civilians():
    # Drug suspects are civilians: their count stays, with the civilian group.
    (ev,) = _run("Two drug suspects were killed during a police raid in the village.").events
    assert (ev.event_type, ev.fatalities) == ("attack_on_civilians", 2)
    (c,) = _cas("A drug and theft suspect was shot dead by officers.")
    assert (c.kind, c.count_low, c.victim_group) == ("killed", 1, "civilians")


def test_plain_suspects_still_count_as_a_toll():
    (c,) = _cas("Three suspects were killed in the exchange.")
    assert (c.kind, c.count_low, c.victim_group) == ("killed", 3, "fighters")


def test_victim_in_the_drug_trade_makes_the_killing_a_clash():
    text = "A man was shot dead by two gunmen on a motorbike. The victim had a record for drug trafficking."
    (ev,) = _run(text).events
    assert (ev.event_type, ev.fatalities) == ("armed_clash", 1)


def test_victim_denied_a_gang_link_stays_a_civilian():
    text = "A man was shot dead by two gunmen on a motorbike. The victim was not a member of any gang."
    (ev,) = _run(text).events
    assert ev.event_type == "attack_on_civilians"


def test_gang_member_found_dead_counts_one_killed():
    (ev,) = _run("A gang member was found dead near the market.").events
    assert (ev.event_type, ev.fatalities) == ("armed_clash", 1)


def test_drive_by_is_not_an_agent_phrase():
    # The "by" of "drive-by" names no attacker: the officers after it are the targets.
    (ev,) = _run("Armed men carried out a drive-by shooting against two police officers on patrol.").events
    assert ev.event_type == "armed_clash"


def test_vague_count_of_fighters_names_the_target():
    (ev,) = _run("The group launched an attack on enemy sites, killing a number of fighters.").events
    assert ev.event_type == "armed_clash"


def test_insurgent_sentence_escapes_a_protest_paragraph():
    text = (
        "Troops had an encounter with militants in the orchard, in which two militants were killed. "
        "Later, rioters pelted stones at the troops."
    )
    (ev,) = _run(text).events
    assert (ev.event_type, ev.fatalities) == ("armed_clash", 2)


def test_tear_gas_fired_at_villagers_is_not_vetoed_by_its_own_words():
    (ev,) = _run("Soldiers fired tear gas at farmers working their fields.").events
    assert ev.event_type == "attack_on_civilians"


def test_tear_gas_beside_a_protest_is_still_a_riot():
    assert _run("Police fired tear gas at protesters in the square.").events == []


def test_weak_killing_before_a_later_attack_keeps_its_own_event():
    text = (
        "On 25 September 2016, a shopkeeper was shot dead in the market. "
        "Another shopkeeper was attacked on 2 January 2016."
    )
    dates = [_dm("25 September 2016", text, "2016-09-25"), _dm("2 January 2016", text, "2016-01-02")]
    days = {e.event_date for e in _run(text, dates=dates).events}
    assert date(2016, 9, 25) in days


def test_attack_on_a_police_station_is_a_clash():
    (ev,) = _run("Militants attacked the police station in the town and wounded three officers.").events
    assert ev.event_type == "armed_clash"


def test_civilian_assaulted_at_a_police_station_is_not_a_clash():
    (ev,) = _run("Police assaulted a trader at a police station in the town.").events
    assert ev.event_type == "attack_on_civilians"


def test_confronted_by_a_militia_is_a_clash():
    (ev,) = _run("Customs officers were confronted by an armed militia near the border.").events
    assert ev.event_type == "armed_clash"


def test_shooter_of_an_active_injury_is_not_injured():
    # "a guard shot and injured a farmer": the guard did the shooting.
    cas = _cas("A guard shot and injured a farmer near the gate.")
    assert [(c.kind, c.victim_group) for c in cas] == [("injured", "civilians")]
    assert _cas("A soldier shot at a bus near the gate.") == []


def test_military_prison_is_a_place_not_a_target():
    (ev,) = _run("A detainee died under torture in a military prison.").events
    assert ev.event_type == "attack_on_civilians"


@pytest.mark.parametrize(
    "text",
    ["Gunmen ambushed and killed four herders on the road.", "Gunmen shot dead two civilians using small arms fire."],
)
def test_one_sided_clash_words_with_only_civilian_victims_are_attacks(text):
    (ev,) = _run(text).events
    assert ev.event_type == "attack_on_civilians"


def test_ambush_of_soldiers_stays_a_clash():
    (ev,) = _run("Rebels ambushed an army convoy, killing three soldiers.").events
    assert ev.event_type == "armed_clash"


def test_storming_a_house_is_an_attack_on_civilians():
    (ev,) = _run("Soldiers stormed a house in the village and beat the owner.").events
    assert ev.event_type == "attack_on_civilians"


@pytest.mark.parametrize(
    "text",
    [
        "Gunmen assassinated a local trader outside his shop.",
        "Guards clashed with a raider, killing the man.",
        "Fighting broke out in the market, leading to the death of a bystander.",
    ],
)
def test_one_named_victim_of_a_killing_is_one_dead(text):
    assert any(c.kind == "killed" and c.count_low == 1 for c in _cas(text))


def test_killed_a_number_is_not_one_dead():
    assert not any(c.count_low == 1 for c in _cas("The army killed a number of raiders."))


def test_count_with_an_unknown_head_noun_before_a_passive_kill():
    (c,) = _cas("In the raid, 3 Zorani were killed.")
    assert (c.kind, c.count_low) == ("killed", 3)
    (c,) = _cas("Two XYZ members were shot and wounded.")
    assert (c.kind, c.count_low) == ("injured", 2)


def test_unknown_head_needs_a_verb_that_agrees_and_names_victims():
    assert not any(c.count_low == 2 for c in _cas("A man carrying two rifles was shot dead."))
    assert _cas("Police said 2 rifles were found near the dead.") == []


def test_sniper_fire_on_police_is_a_clash():
    (ev,) = _run("Snipers targeted and wounded two policemen at the crossing.").events
    assert ev.event_type == "armed_clash"


def test_fighters_captured_in_the_field_is_a_clash():
    (ev,) = _run("Government forces captured 3 rebels on the northern front.").events
    assert ev.event_type == "armed_clash"


@pytest.mark.parametrize(
    "text", ["A bomb planted by militants injured two workers.", "Insurgents blew up a railway track near the town."]
)
def test_planted_bombs_and_sabotage_are_explosive_attacks(text):
    (ev,) = _run(text).events
    assert ev.event_type == "explosive_attack"


def test_single_shell_fired_is_shelling():
    (ev,) = _run("A stray shell fired by the army fell in the village.").events
    assert ev.event_type == "shelling"


def test_counts_listed_before_one_verb_share_it():
    cas = _cas("3 guards, 2 drivers, and 1 soldier were killed in the raid.")
    assert sorted((c.kind, c.count_low) for c in cas) == [("killed", 1), ("killed", 2), ("killed", 3)]
    (ev,) = _run("Rebels attacked the post; 4 rebels and 2 soldiers were killed.").events
    assert ev.fatalities == 6


def test_including_clause_between_count_and_verb():
    (ev,) = _run("Troops clashed with rebels, and 6 rebels including their leader were killed.").events
    assert ev.fatalities == 6


def test_a_subset_list_after_including_is_not_added():
    (ev,) = _run("Gunmen killed 7 people, including 3 women and 2 children.").events
    assert ev.fatalities == 7


def test_headline_glued_to_the_body_is_not_added_to_its_toll():
    text = "Two dead in shooting at a diner | WXYZ.comTwo people were killed when a man opened fire at a diner on Main Street."
    (ev,) = _run(text).events
    assert ev.fatalities == 2


def test_article_glued_to_a_headline_still_counts():
    (ev,) = _run("Gunfire on the east side | KXYZ.comA 31-year-old man was fatally shot late Friday, police said.").events
    assert ev.fatalities == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "Officers found Peter Quill, who was pronounced dead at the scene.",
        "Medics pronounced Rocco Ferris dead shortly after 9 p.m.",
        "Deputies found Mara Lindqvist shot to death inside the garage.",
        "Hollis died at County General Hospital, police said.",
        "Prosecutors say Tate killed Arno Velt, 44, after an argument over money.",
        "Dane Whitlock, a 22-year-old student, was found shot and killed behind the store.",
        "Man shot, killed outside gas station on the north side",
        "Woman, 35, fatally shot in her car overnight",
    ],
)
def test_a_single_victim_named_or_headlined_is_one_dead(sentence):
    killed = [c for c in _cas(sentence) if c.kind == "killed"]
    assert [c.count_low for c in killed] == [1]


def test_no_one_killed_is_not_a_singular_death():
    assert [(c.kind, c.count_low) for c in _cas("No one was killed in the shooting.") if c.kind == "killed"] == [("killed", 0)]


def test_verb_after_an_aside_on_the_victim():
    (c,) = [c for c in _cas("Police say a 40-year-old man, who was later identified as Ty Brandt, was shot and killed.") if c.kind == "killed"]
    assert (c.count_low, c.rule) == (1, "cas.after")


@pytest.mark.parametrize(
    "sentence",
    [
        "The shooting is the worst since 2009, when 14 people were killed.",
        "Last month neighbours held a vigil for the 80 people who lost their lives to violence in the city in 2014.",
        "Six officers have been fatally shot this year in the state.",
    ],
)
def test_a_yearly_crime_statistic_is_context_not_a_toll(sentence):
    text = "A man was shot dead on Elm Street on Sunday. " + sentence
    assert max(ev.fatalities or 0 for ev in _run(text).events) == 1


def test_ordinal_homicide_of_the_year_keeps_its_toll():
    (ev,) = _run("Two men were shot dead on Elm Street, the city's 40th homicide this year.").events
    assert ev.fatalities == 2


@pytest.mark.parametrize(
    ("sentence", "killed"),
    [
        ("Rico, then 19, was shot dead outside a bar.", []),
        ("At least 40 kids under the age of 12 were shot.", []),
        ("Charges were filed against three men, including two teenagers.", []),
        ("The city bought 300 body cameras for its officers.", []),
        ("Two men were found with gunshot wounds near the park.", []),
    ],
)
def test_ages_suspects_and_found_wounded_are_not_deaths(sentence, killed):
    assert [c.count_low for c in _cas(sentence) if c.kind == "killed"] == killed


def test_left_with_injuries_is_injured():
    (c,) = _cas("The shooting left one person with minor injuries.")
    assert (c.kind, c.count_low) == ("injured", 1)


def test_shooter_suicide_adds_one_to_the_victims():
    text = (
        "A man opened fire in his home, killing his three children as well as his wife, police said. "
        "The gunman then took his own life."
    )
    (ev,) = _run(text).events
    assert ev.fatalities == 5


def test_murder_suicide_toll_already_holds_the_shooter():
    text = "Three people are dead after an apparent murder-suicide at a bar. The man shot two patrons before turning the gun on himself."
    (ev,) = _run(text).events
    assert ev.fatalities == 3


def test_shot_himself_alone_is_not_a_death():
    assert [c for c in _cas("A 5-year-old boy will recover after accidentally shooting himself in the leg.") if c.kind == "killed"] == []


def test_a_protest_far_off_in_a_long_paragraph_does_not_veto_a_shooting():
    filler = " ".join(f"Neighbours said the street had been quiet for {n} years." for n in range(2, 9))
    text = (
        "A man was shot dead outside a night club on Monday, police said. "
        + filler
        + " Activists now plan to protest outside the club next week."
    )
    (ev,) = _run(text).events
    assert ev.fatalities == 1


def test_found_shot_is_a_shooting():
    (ev,) = _run("Deputies say a man was found shot behind a truck stop on Saturday.").events
    assert ev.event_type == "attack_on_civilians"


@pytest.mark.parametrize(
    "sentence",
    [
        "That night the officer fatally shot Omar Vance, 19, and Vance's neighbor Lena Hart, 55.",
        "Deputies found 37-year-old Tara Quill and 16-year-old Mina Quill dead in the house.",
        "Both teens were taken to a hospital, where they died the next day.",
        "Police are investigating an apparent murder-suicide in a home on Oak Street.",
    ],
)
def test_two_named_victims_both_and_murder_suicide_are_two_dead(sentence):
    assert [c.count_low for c in _cas(sentence) if c.kind == "killed"] == [2]


def test_killed_along_with_a_named_victim_adds_one():
    (ev,) = _run("Hal Dorn, 29, a local man, was killed along with Ray Peck, 20, in a shooting on Elm Street.").events
    assert ev.fatalities == 2


def test_both_suspects_fled_is_no_death():
    assert [c for c in _cas("Both suspects ran off after the shooting.") if c.kind == "killed"] == []


def test_a_mother_of_three_is_one_dead_not_three():
    assert [c.count_low for c in _cas("A young mother of three is dead after a shooting on Elm Street.") if c.kind == "killed"] == [1]


def test_deciding_if_charges_are_filed_does_not_make_the_killing_hypothetical():
    (ev,) = _run("Prosecutors to decide if charges are filed in the shooting death of a 6-year-old boy").events
    assert (ev.modality, ev.fatalities) == ("asserted", 1)


def test_a_title_case_film_name_is_no_named_victim():
    assert [c for c in _cas("He won an award for his role in The Killing Fields.") if c.kind == "killed"] == []
