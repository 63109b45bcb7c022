"""Sentence-level event detection and article-level assembly (linking, dating, merging).

Flow: split into sentences -> drop page furniture -> keep sentences with a trigger, a
ceasefire term or a casualty cue -> drop sports talk (rules/sports.json) -> per sentence, the
strongest trigger makes at most one violent event and a ceasefire term at most one statement
-> casualties attach to the event of their sentence (or the nearest one) -> same-type events
about the same day and place merge -> totals are computed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from pipeline.extract.actors import attackers, find_actors, speaker
from pipeline.extract.casualties import find_casualties, total
from pipeline.extract.dating import choose_date, usable_mentions
from pipeline.extract.lexicon import Lexicon, TriggerRule, default_lexicon
from pipeline.extract.locate import PlaceReadings, choose_place, km_between, read_places, resolved
from pipeline.extract.sports import is_sports_report, vetoed
from pipeline.models import Casualty, DateMention, Event, Extraction, PlaceMention
from pipeline.text import Sentence, furniture, split_paragraphs, split_text

_MERGE_KM = 50.0
_GROUND_BOMBING = re.compile(r"^(?:bombard|pounded)", re.I)
# "was shot", "were attacked", "had been ambushed": the verb's subject is its target.
_PASSIVE = re.compile(r"\b(?:was|were|been|being|got)\s+(?:\w+ly\s+)?\w+\W*$", re.I)
_PASSIVE_LOOKBACK = 100
_PASSIVE_VERB = re.compile(r"\b(?:was|were|been|being|got)\s+(?:\w+ly\s+)?(?:\w+ed|shot|hit|beaten|stabbed|slain)\b", re.I)
_AGENT_BY = re.compile(r"(?<!-)\bby\b", re.I)  # not the "by" of "drive-by"
_AGENT = re.compile(r"(?<!-)\b(?:by|during)\b", re.I)
# "was found dead", "were shot and killed": a passive auxiliary right before a multi-word hit.
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being|got)\s+(?:\w+ly\s+)?$", re.I)
# A scraped headline glued to the body ("... Los Angeles TimesJassely Lupoe, a 5-year-old",
# "... | abc13.comA man was shot"): a capital straight after three lower-case letters opens a
# new sentence. Headline and body restate one toll, so their counts must not add up.
# "... | FOX40A 17-year-old", "... Social(RNN) - Two people": a station's call sign or an
# opening bracket glues the same way.
# The capital or bracket is read first and what precedes it looked behind at after: ``re`` then
# skips to capitals at C speed instead of trying three look-behinds at every character.
_GLUED_AFTER = r"(?:(?<=[a-z]{3}.)|(?<=[A-Z]{2}\d.)|(?<=[A-Z]{2}\d\d.))"
_GLUED_TITLE = re.compile(rf"[A-Z]{_GLUED_AFTER}(?=[a-z]+\b|[A-Z]+\b|\s)|\({_GLUED_AFTER}(?=[A-Z])")
_LONG_PARAGRAPH = 8  # sentences; ACLED-style notes and ordinary paragraphs are shorter
_PROTEST_WINDOW = 2  # sentences either side that can make a long paragraph's sentence a protest's
_GLUED_TITLE_SPAN = 400  # only the article's opening can hold its headline
_CLAIMANT = re.compile(r"([A-Z][\w'’-]+(?:\s+[A-Za-z][\w'’-]+){0,3})\s+(?:has |have |had )?$")  # who claimed, named before the verb


@dataclass(frozen=True, slots=True)
class Hit:
    rule: TriggerRule
    start: int  # sentence-relative
    end: int


@dataclass(slots=True)
class _Draft:
    """An event under construction: one per sentence until merging."""

    event: Event
    sentence_index: int
    paragraph: int
    weak: bool
    priority: int
    casualties: list[list[Casualty]] = field(default_factory=list)  # one list per sentence


def find_hits(
    sentence: str, lex: Lexicon, *, protest: bool | None = None, matches: list[re.Match[str]] | None = None
) -> list[Hit]:
    """Event triggers in ``sentence`` that survive the negative and protest vetoes.

    ``protest`` says whether the sentence's paragraph is about a protest or riot (default:
    look at the sentence alone); ``matches`` are the trigger matches when the caller has them.
    """
    ev = lex.events
    if matches is None:
        matches = list(ev.trigger_re.finditer(sentence))
    if not matches:
        return []  # the common case: no trigger, so no veto needs looking for
    negatives = [m.span() for m in ev.negative_re.finditer(sentence)]
    hits = []
    for m in matches:
        rule = ev.triggers[int((m.lastgroup or "t0")[1:])]
        if any(a < m.end() and m.start() < b for a, b in negatives):
            continue
        if rule.protest_veto:
            if protest is None:
                protest = ev.protest_re.search(sentence) is not None
            if protest:
                continue
        hits.append(Hit(rule, m.start(), m.end()))
    return hits


def resolve_type(
    hit: Hit, sentence: str, casualties: list[Casualty], context_type: str | None, lex: Lexicon,
    *, criminal_victims: bool = False,
) -> str:
    """The event type of a hit; '@bombing' and '@attack' depend on what surrounds them.

    ``criminal_victims`` says the paragraph calls the victims part of the drug or gang trade
    ("the victim had charges against him for drug trafficking"): such killings are clashes."""
    etype = hit.rule.event_type
    ev = lex.events
    if etype == "@bombing":
        if ev.context_air_re.search(sentence):
            return "airstrike"
        if ev.context_explosive_re.search(sentence):
            return "explosive_attack"
        if ev.context_ground_re.search(sentence):
            return "shelling"
        if context_type in ("airstrike", "shelling", "explosive_attack"):
            return context_type
        word = sentence[hit.start : hit.end].lower()
        if _GROUND_BOMBING.match(word):
            return "shelling"
        # "forces bombed the bases" is almost always from the air; "a bombing" is usually a planted bomb.
        return "airstrike" if word == "bombed" else "explosive_attack"
    if etype == "@attack":
        if ev.civilian_status_re.search(sentence):
            return "attack_on_civilians"  # security staff off duty or retired are hit as civilians
        if criminal_victims:
            return "armed_clash"
        groups = _victim_groups(casualties)
        if groups and groups <= {"soldiers", "police", "fighters"}:
            return "armed_clash"
        if groups & {"civilians", "children", "women"}:
            return "attack_on_civilians"
        passive = _passive_target(sentence, hit, ev.military_target_re, ev.civilian_target_re)
        if passive is not None:
            return "armed_clash" if passive == "military" else "attack_on_civilians"
        # "was beaten by police officers", "killed during a police raid": who follows is the attacker.
        after = _AGENT.split(sentence[hit.end : hit.end + 70], maxsplit=1)[0]
        mil = ev.military_target_re.search(after)
        civ = ev.civilian_target_re.search(after)
        if mil and (not civ or mil.start() < civ.start()):
            return "armed_clash"
        return "attack_on_civilians"
    if etype == "armed_clash" and hit.rule.one_sided:
        # "gunmen ambushed and killed 4 villagers", "shot 2 civilians using small arms fire": the
        # weapon or the ambush says nothing of a second armed side, and only civilians fell.
        groups = _victim_groups(casualties)
        if groups and groups <= _CIVILIAN_GROUPS:
            return "attack_on_civilians"
    return etype


_CIVILIAN_GROUPS = frozenset({"civilians", "children", "women"})


def _victim_groups(casualties: list[Casualty]) -> set[str]:
    """Who was hit, from the counted casualties (a vague "a number of fighters" names them too)."""
    return {c.victim_group for c in casualties if c.count_low or (c.count_low is None and c.vague_term)} - {"unspecified"}


def _passive_target(sentence: str, hit: Hit, military: re.Pattern[str], civilian: re.Pattern[str]) -> str | None:
    """Who was hit in a passive clause ("police officers were shot by ..."): the target stands
    before the verb, so the look-ahead for it finds only the attackers or nothing."""
    head = sentence[max(0, hit.start - _PASSIVE_LOOKBACK) : hit.end]
    passive = _PASSIVE.search(head) or _PASSIVE_BEFORE.search(head, 0, len(head) - (hit.end - hit.start))
    if passive is None:
        # The hit may be the attackers in the agent phrase: "police were shot ... by armed men".
        verbs = list(_PASSIVE_VERB.finditer(head))
        if not verbs or not _AGENT_BY.search(head, verbs[-1].end()):
            return None
        passive = verbs[-1]
    subject = head[: passive.start()]
    last_mil = max((m.end() for m in military.finditer(subject)), default=-1)
    last_civ = max((m.end() for m in civilian.finditer(subject)), default=-1)
    if last_mil < 0 and last_civ < 0:
        return None
    return "military" if last_mil > last_civ else "civilian"


def _modality(sentence: str, trigger: int, lex: Lexicon, actors: list) -> tuple[str, str | None]:
    mod = lex.modality
    before = sentence[:trigger]
    if mod.denied_re.search(before):
        return "denied", None
    claim = mod.claimed_re.search(sentence)
    if claim:
        who = [a for a in actors if a.end <= claim.start()]
        if who:
            return "claimed", who[-1].name("military")
        m = _CLAIMANT.search(sentence[: claim.start()])
        return "claimed", m.group(1) if m else None
    clause = before[max(before.rfind(","), before.rfind(";"), before.rfind(":")) + 1 :][-45:]
    if mod.hypothetical_re.search(clause):
        return "hypothetical", None
    return "asserted", None


def _ceasefire_stance(sentence: str, lex: Lexicon) -> tuple[str, str]:
    for stance, rid, cue in lex.ceasefire.stances:
        if cue.search(sentence):
            return stance, rid
    return "other", "cf.other"


def _merge_ok(a: Event, b: Event) -> bool:
    if a.event_type != b.event_type or a.stance != b.stance:
        return False
    weak_date = "publication" in (a.date_source, b.date_source) or None in (a.event_date, b.event_date)
    if not weak_date and a.event_date != b.event_date:
        return False
    if a.event_type == "ceasefire_statement" and a.actor1 and b.actor1 and a.actor1 != b.actor1:
        return False
    if a.location is not None and b.location is not None:
        km = km_between(a.location, b.location)
        same_country = a.location.country_code == b.location.country_code
        coarse = any(p.geo_precision == 3 or p.feature in ("country", "admin1") for p in (a.location, b.location))
        if km is not None and km > _MERGE_KM and not (coarse and same_country):
            return False
    return True


def _absorb(into: _Draft, other: _Draft) -> None:
    a, b = into.event, other.event
    if other.priority > into.priority and a.event_type != "ceasefire_statement":
        # The most specific trigger ("air strikes" over "bombardment") speaks for the event.
        a.start, a.end, a.evidence, a.rule = b.start, b.end, b.evidence, b.rule
        a.sentence_start, a.sentence_end = b.sentence_start, b.sentence_end
        a.sub_event_type = b.sub_event_type or a.sub_event_type
        if b.actor1:
            a.actor1, a.actor2 = b.actor1, b.actor2
        into.priority = other.priority
    a.merged_spans.append((b.start, b.end))
    a.merged_spans.extend(b.merged_spans)
    rank = {"own_phrase": 0, "governing_phrase": 1, "publication": 2, "none": 3, None: 3}
    if rank[b.date_source] < rank[a.date_source]:
        a.event_date, a.event_date_end, a.date_precision = b.event_date, b.event_date_end, b.date_precision
        a.date_text, a.date_source = b.date_text, b.date_source
    for attr in ("sub_event_type", "actor1", "actor2", "location", "claimed_by"):
        if getattr(a, attr) is None and getattr(b, attr) is not None:
            setattr(a, attr, getattr(b, attr))
    if a.location is not None and b.location is not None and (a.location.geo_precision or 1) > (b.location.geo_precision or 1):
        a.location = b.location
    if a.modality != "asserted" and b.modality == "asserted":
        a.modality, a.claimed_by = "asserted", None
    a.confidence = min(0.95, max(a.confidence, b.confidence) + 0.05)
    into.casualties.extend(other.casualties)
    into.weak = into.weak and other.weak


def extract_events(
    text: str,
    *,
    published: date | None,
    dates: list[DateMention],
    places: list[PlaceMention],
    lexicon: Lexicon | None = None,
) -> Extraction:
    """Every event and casualty count in ``text``, with evidence offsets and the rule that found it."""
    lex = lexicon or default_lexicon()
    ev = lex.events
    para_spans = split_paragraphs(text)
    sentences = split_text(text, para_spans)
    skip_paras, furniture_sentences = furniture(text, sentences)
    skip_spans = [para_spans[p] for p in skip_paras]
    # The trigger, ceasefire and casualty-cue scans decide which sentences are worth reading;
    # their results are kept so no sentence is scanned for them twice.
    kept: list[tuple[int, Sentence, list[re.Match[str]], re.Match[str] | None, bool]] = []
    for i, s in enumerate(sentences):
        if s.paragraph in skip_paras or i in furniture_sentences:
            skip_spans.append((s.start, s.end))
            continue
        triggers = list(ev.trigger_re.finditer(s.text))
        cf = lex.ceasefire.terms_re.search(s.text)
        cued = lex.casualties.cue_re.search(s.text) is not None
        if triggers or cf or cued:
            kept.append((i, s, triggers, cf, cued))
    mentions = usable_mentions(dates, published, skip_spans)
    place_list = resolved(places, skip_spans)
    readings: PlaceReadings | None = None  # read once, when the first event needs a place

    # Clashes and killings inside a protest or riot paragraph are riots, outside our six types;
    # a paragraph is only looked at when one of its triggers could be vetoed.
    # A trigger's own words ("fired tear gas at villagers") never make its paragraph a protest.
    protest_paras: dict[int, bool] = {}
    # In text order and disjoint (sentences in order, a sentence's matches in order), so the
    # only span that can hold a position is the last one starting at or before it.
    trigger_starts = [s.start + m.start() for _, s, triggers, _, _ in kept for m in triggers]
    trigger_ends = [s.start + m.end() for _, s, triggers, _, _ in kept for m in triggers]

    def in_trigger(m: re.Match[str]) -> bool:
        k = bisect_right(trigger_starts, m.start()) - 1
        return k >= 0 and m.end() <= trigger_ends[k]

    def protest_words(a: int, b: int) -> bool:
        gate = lex.events.protest_re
        if not gate.may_match(text[a:b]):
            return False
        return any(not in_trigger(m) for m in gate.regex.finditer(text, a, b))

    def in_protest(p: int) -> bool:
        if p not in protest_paras:
            protest_paras[p] = protest_words(*para_spans[p])
        return protest_paras[p]

    para_size: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        para_size.setdefault(s.paragraph, []).append(i)

    def protest_veto(p: int, s: Sentence, i: int) -> bool:
        # A sentence naming insurgents and no protest word of its own is the armed event the
        # protest was about, or beside it ("an encounter with militants ... stone-pelting crowds").
        if not in_protest(p):
            return False
        members = para_size[p]
        if len(members) > _LONG_PARAGRAPH:
            # A scraped article may be one long paragraph: a protest a dozen sentences on
            # ("activists plan to protest outside the club") says nothing of this shooting.
            a = sentences[max(members[0], i - _PROTEST_WINDOW)].start
            b = sentences[min(members[-1], i + _PROTEST_WINDOW)].end
            if not protest_words(a, b):
                return False
        return lex.events.armed_party_re.search(s.text) is None or protest_words(s.start, s.end)

    # Paragraphs that call the victims part of the drug or gang trade: their @attacks are clashes.
    criminal_paras: dict[int, bool] = {}

    def criminal(p: int) -> bool:
        if p not in criminal_paras:
            a, b = para_spans[p]
            criminal_paras[p] = lex.events.criminal_victim_re.search(text, a, b) is not None
        return criminal_paras[p]

    per_sentence: list[tuple[int, Sentence, list[Hit], list[Casualty], list[list[Casualty]], re.Match[str] | None]] = []
    sports_article: bool | None = None
    for i, s, triggers, cf, cued in kept:
        vetoable = any(ev.triggers[int((m.lastgroup or "t0")[1:])].protest_veto for m in triggers)
        hits = find_hits(s.text, lex, protest=protest_veto(s.paragraph, s, i) if vetoable else False, matches=triggers)
        # A whole war's toll ("has killed tens of thousands") is context, not an event. Looked
        # for only in a sentence that yields something, before its casualties when it has hits.
        background = (hits or cf) and lex.casualties.background_re.search(s.text) is not None
        if background:
            continue
        cas_groups = _casualty_groups(s, lex) if cued else []
        cas = [c for group in cas_groups for c in group]
        if not (hits or cas or cf):
            continue  # nothing to add
        if not (hits or cf) and lex.casualties.background_re.search(s.text):
            continue
        # Match reports "shoot", "counter-attack" and are "killed by two decisions": sports talk
        # yields nothing. Judged only where the sentence would yield something.
        if sports_article is None:
            sports_article = is_sports_report(text, lex.sports)
        if vetoed(s.text, lex.sports, sports_article=sports_article):
            continue
        per_sentence.append((i, s, hits, cas, cas_groups, cf))

    # Articles name the weapon once; a later bare "bombing" takes the type of explicit ones.
    explicit = [
        (s.start + h.start, h.rule.event_type)
        for _, s, hits, _, _, _ in per_sentence
        for h in hits
        if h.rule.event_type in ("airstrike", "shelling", "explosive_attack")
    ]
    # Where each paragraph's first strong trigger stands: a weak one after it only adds casualties.
    first_strong: dict[int, int] = {}
    for i, s, hits, _, _, _ in per_sentence:
        if any(not h.rule.weak for h in hits):
            first_strong.setdefault(s.paragraph, i)

    drafts: list[_Draft] = []
    orphans: list[tuple[int, int, list[list[Casualty]]]] = []  # (sentence index, paragraph, casualties)
    all_casualties: list[Casualty] = []
    for i, s, hits, cas, cas_groups, cf in per_sentence:
        all_casualties.extend(cas)
        para_start = para_spans[s.paragraph][0]
        violent = [h for h in hits if not (h.rule.weak and first_strong.get(s.paragraph, i) < i and not _has_strong(hits))]
        # Actor lookup is the costliest regex; run it only where an event will be made (a weak
        # trigger after the paragraph's strong one makes none).
        actors = find_actors(s.text, lex.actors) if (violent or cf) else []
        made = False
        if violent:
            best = max(violent, key=lambda h: (h.rule.priority, -h.start))
            pos = s.start + best.start
            context = min(explicit, key=lambda e: abs(e[0] - pos))[1] if explicit else None
            crim = any(h.rule.event_type == "@attack" for h in violent) and criminal(s.paragraph)
            etype = resolve_type(best, s.text, cas, context, lex, criminal_victims=crim)
            sub = best.rule.sub_event_type or next(
                (
                    h.rule.sub_event_type
                    for h in hits
                    if h.rule.sub_event_type and resolve_type(h, s.text, cas, context, lex, criminal_victims=crim) == etype
                ),
                None,
            )
            modality, claimed_by = _modality(s.text, best.start, lex, actors)
            a1, a2 = attackers(s.text, best.start, actors)
            dc = choose_date(mentions, (s.start, s.end), pos, para_start, published, text)
            if readings is None:
                readings = read_places(place_list)
            ev = Event(
                event_type=etype, start=pos, end=s.start + best.end, evidence=s.text, rule=best.rule.id,
                sub_event_type=sub, event_date=dc.day, event_date_end=dc.day_end, date_precision=dc.precision,
                date_text=dc.text, date_source=dc.source, actor1=a1, actor2=a2,
                location=choose_place(place_list, (s.start, s.end), pos, para_start, readings=readings),
                modality=modality, claimed_by=claimed_by, confidence=0.5 if best.rule.weak else 0.7,
                sentence_start=s.start, sentence_end=s.end,
            )
            drafts.append(_Draft(ev, i, s.paragraph, best.rule.weak, best.rule.priority, list(cas_groups)))
            made = True
        if cf:
            drafts.append(_ceasefire_draft(s, i, cf, actors, lex, mentions, place_list, para_start, published, text))
        if not made and cas:
            orphans.append((i, s.paragraph, cas_groups))

    violent_drafts = [d for d in drafts if d.event.event_type != "ceasefire_statement"]
    for i, para, groups in orphans:
        target = _nearest(violent_drafts, i, para)
        if target is not None:
            target.casualties.extend(groups)

    merged: list[_Draft] = []
    for d in drafts:
        host = next((m for m in merged if _merge_ok(m.event, d.event) and _close_enough(m, d)), None)
        if host is None:
            merged.append(d)
        else:
            _absorb(host, d)

    events = [m.event for m in merged]
    for idx, m in enumerate(merged):
        if m.event.event_type == "ceasefire_statement":
            continue
        m.event.fatalities, m.event.fatalities_high = total(m.casualties, "killed")
        m.event.injured, m.event.injured_high = total(m.casualties, "injured")
        for group in m.casualties:
            for c in group:
                c.event_index = idx
                if c.date is None:
                    c.date = m.event.event_date
    return Extraction(events=events, casualties=sorted(all_casualties, key=lambda c: c.start))


def _casualty_groups(s: Sentence, lex: Lexicon) -> list[list[Casualty]]:
    """The casualties of one sentence, in one group, or two when it opens with a glued headline:
    each group is one statement of the toll."""
    glue = _GLUED_TITLE.search(s.text, 0, max(0, _GLUED_TITLE_SPAN - s.start)) if s.start < _GLUED_TITLE_SPAN else None
    if glue is None:
        return [find_casualties(s.text, s.start, lex.casualties, cued=True)]
    cut = glue.start()
    return [
        group
        for group in (
            find_casualties(s.text[:cut], s.start, lex.casualties),
            find_casualties(s.text[cut:], s.start + cut, lex.casualties),
        )
        if group
    ] or [[]]


def _has_strong(hits: list[Hit]) -> bool:
    return any(not h.rule.weak for h in hits)


def _nearest(drafts: list[_Draft], index: int, paragraph: int) -> _Draft | None:
    """The event a trigger-less casualty sentence belongs to: same paragraph first, earlier first."""
    same = [d for d in drafts if d.paragraph == paragraph]
    pool = same or drafts
    earlier = [d for d in pool if d.sentence_index < index]
    if earlier:
        return earlier[-1]
    later = [d for d in pool if d.sentence_index > index]
    return later[0] if later else None


def _close_enough(host: _Draft, d: _Draft) -> bool:
    """Ceasefire statements merge only with adjacent paragraphs (one quote continued), or headline-like ones."""
    if d.event.event_type != "ceasefire_statement":
        return True
    if "publication" in (host.event.date_source, d.event.date_source):
        return True
    return abs(d.paragraph - host.paragraph) <= 1


def _ceasefire_draft(
    s: Sentence, i: int, cf: re.Match[str], actors: list, lex: Lexicon, mentions: list[DateMention],
    place_list: list[PlaceMention], para_start: int, published: date | None, text: str,
) -> _Draft:
    stance, rid = _ceasefire_stance(s.text, lex)
    who, span = speaker(s.text, actors)
    accused = lex.ceasefire.accused_re.search(s.text)
    actor2 = accused.group(0)[:1].upper() + accused.group(0)[1:] if accused else None
    pos = s.start + cf.start()
    dc = choose_date(mentions, (s.start, s.end), pos, para_start, published, text)
    place = None
    if span is not None:
        place = next((p for p in place_list if s.start + span[0] <= p.start < s.start + span[1]), None)
    if place is None:
        # A dateline ("MOSCOW/BEIRUT:") places statements; a place named in the quote does not.
        place = next((p for p in place_list if p.start < para_start + 40 and p.start >= para_start and ":" in s.text[: 60]), None)
    modality, claimed_by = _modality(s.text, cf.start(), lex, actors)
    ev = Event(
        event_type="ceasefire_statement", start=pos, end=s.start + cf.end(), evidence=s.text, rule=rid,
        stance=stance, event_date=dc.day, event_date_end=dc.day_end, date_precision=dc.precision,
        date_text=dc.text, date_source=dc.source, actor1=who, actor2=actor2, location=place,
        modality=modality if modality != "hypothetical" else "asserted", claimed_by=claimed_by,
        confidence=0.6 if stance != "other" else 0.4, sentence_start=s.start, sentence_end=s.end,
    )
    return _Draft(ev, i, s.paragraph, False, 50, [])
