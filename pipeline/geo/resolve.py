"""Pick one gazetteer entry per recognised span, using the rest of the article as context.

Order of evidence: an explicit container ("Alexandria, Va.", "district (Al Hudaydah)"), an admin
word after the name, the article's country and admin1 focus (dateline, country_hint, the other
unambiguous places), nearness to those places, then population.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace

from pipeline.geo.codes import ADMIN1, ADMIN2, CITY, COUNTRY, REGION, KIND_ABBREV, KIND_ALTERNATE, KIND_PRIMARY, KIND_STRIPPED
from pipeline.geo.gazetteer import Gazetteer
from pipeline.geo.lexicon import Lexicon, default_lexicon
from pipeline.geo.normalize import norm_key
from pipeline.geo.recognize import RawMention, recognize
from pipeline.models import PlaceMention

MAX_CANDIDATES = 40
# A lone city no bigger than this needs some support (a preposition, the article's country or
# region, a nearby place) before a capitalised word is believed to be it.
SMALL_TOWN = 20000
# Extra weight for the single most-mentioned country: local news names foreign-sounding home towns.
TOP_COUNTRY_BONUS = 1.0
_KIND_PENALTY = {KIND_PRIMARY: 0.0, KIND_ALTERNATE: 1.0, KIND_STRIPPED: 1.5, KIND_ABBREV: 0.5}
_LEVEL_FEATURE = {"admin1": ADMIN1, "admin2": ADMIN2, "city": CITY}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _prior(gaz: Gazetteer, entry: int, kind: int, m: RawMention, seats: frozenset[int] = frozenset()) -> float:
    """Context-free plausibility of one candidate."""
    feat = int(gaz.feat[entry])
    pop = int(gaz.pop[entry])
    score = math.log10(pop + 10) - _KIND_PENALTY[kind]
    if feat == CITY and int(gaz.a1[entry]) in seats:
        # The city that gives its province its name ("Aleppo", "Hama") is what the bare name
        # means, even when GeoNames files the city under another spelling ("Ḩamāh").
        score += 1.5
    if feat == COUNTRY:
        score += 2.0
    elif feat == REGION:
        score -= 1.0
    elif feat == ADMIN1:
        score -= 0.3  # a same-named capital city ("Aleppo") outranks its province unless told otherwise
    elif feat == ADMIN2:
        score -= 1.5
    if m.level is not None:
        want = _LEVEL_FEATURE[m.level]
        if feat == want:
            score += 6.0
        elif m.level == "admin2" and feat == ADMIN1:
            score += 3.0  # "Aleppo district" in loose usage still beats the city
    return score


def _top(gaz: Gazetteer, m: RawMention) -> list[tuple[float, int, int]]:
    # Postings come regions first, then cities by falling population (see build.py), so the
    # first few hundred hold every plausible reading of even "Springfield".
    head = m.candidates[:300]
    seats = frozenset(e for e, _ in head if int(gaz.feat[e]) == ADMIN1)
    scored = [(_prior(gaz, e, k, m, seats), e, k) for e, k in head]
    scored.sort(key=lambda x: (-x[0], int(gaz.gid[x[1]])))
    return scored[:MAX_CANDIDATES]


def _focus(
    gaz: Gazetteer, ranked: list[list[tuple[float, int, int]]], ms: list[RawMention], country_hint: str | None
) -> tuple[Counter, Counter, dict[int, tuple[str, int, int]]]:
    """Votes for the article's countries and admin1s, plus each mention's own vote (cc, admin1, weight)."""
    countries: Counter = Counter()
    admin1s: Counter = Counter()
    own: dict[int, tuple[str, int, int]] = {}
    if country_hint:
        countries[country_hint.upper()] += 3
    for idx, (m, cands) in enumerate(zip(ms, ranked)):
        if not cands:
            continue
        s0, e0, k0 = cands[0]
        margin = s0 - cands[1][0] if len(cands) > 1 else 9.0
        feat = int(gaz.feat[e0])
        if m.in_dateline:
            countries[gaz.country(e0)] += 3
        if margin < 1.0 or "common_word" in m.flags or "abbrev_only" in m.flags:
            continue
        # "Georgia", "Paris", "Dublin": a name with plausible readings in several countries says
        # nothing about the article's country, and must not vote for its own most famous reading.
        close = {gaz.country(e) for s, e, _ in cands if s >= s0 - 3.5}
        if len(close) > 1:
            continue
        weight = 2 if feat in (COUNTRY, ADMIN1) else 1
        countries[gaz.country(e0)] += weight
        a1 = int(gaz.a1[e0]) if feat != COUNTRY else -1
        if a1 >= 0:
            admin1s[a1] += weight
        own[idx] = (gaz.country(e0), a1, weight)
    return countries, admin1s, own


def _anchors(gaz: Gazetteer, ranked: list[list[tuple[float, int, int]]]) -> list[tuple[int, float, float]]:
    """Confidently resolved cities, used to favour candidates near them."""
    out = []
    for idx, cands in enumerate(ranked):
        if cands and int(gaz.feat[cands[0][1]]) == CITY and (len(cands) == 1 or cands[0][0] - cands[1][0] >= 1.5):
            e = cands[0][1]
            out.append((idx, float(gaz.lat[e]), float(gaz.lon[e])))
    return out


_QUAL_RES: dict[int, tuple[re.Pattern, re.Pattern, dict[str, str], dict[str, str]]] = {}


def _qualifier_res(lex: Lexicon) -> tuple[re.Pattern, re.Pattern, dict[str, str], dict[str, str]]:
    got = _QUAL_RES.get(id(lex))
    if got is None:
        before = dict(lex.qualifiers_before)
        after = dict(lex.qualifiers_after)
        b = re.compile(r"(?<![a-z])(" + "|".join(re.escape(p) for p, _ in lex.qualifiers_before) + r") $")
        a = re.compile(r"(" + "|".join(re.escape(p) for p, _ in lex.qualifiers_after) + r")(?![a-z])")
        got = _QUAL_RES[id(lex)] = (b, a, before, after)
    return got


def _qualifier(text: str, m: RawMention, lex: Lexicon) -> str | None:
    b, a, before, after = _qualifier_res(lex)
    hit = b.search(text[max(0, m.start - 24) : m.start].lower())
    if hit:
        return before[hit.group(1)]
    hit = a.match(text[m.end : m.end + 16].lower())
    return after[hit.group(1)] if hit else None


def _accept(gaz: Gazetteer, m: RawMention, entry: int, kind: int, local: float, span: str) -> bool:
    """Whether a recognised span is believable as a place at all (precision guard)."""
    feat = int(gaz.feat[entry])
    supported = m.in_dateline or m.level is not None or m.container is not None or "container" in m.flags or local >= 1.5
    if "abbrev_only" in m.flags:
        if len(span) <= 2 and not span.isupper():
            # "Al Firnaj (Tripoli)": a capitalised "Al" is an Arabic article, not "AL" or "Ala."
            return False
        return "container" in m.flags or "." in span
    if span.replace(".", "").isupper() and len(span.replace(".", "")) <= 3 and not m.in_dateline:
        # "AM", "PM", "IS": short capitals are only trusted as country codes ("US", "UK").
        return feat == COUNTRY or "container" in m.flags
    if "stripped_only" in m.flags and not supported:
        return False
    if ("common_word" in m.flags or "first_name" in m.flags) and not (m.cue and supported):
        return False
    if feat == CITY:
        pop = int(gaz.pop[entry])
        if "partial" in m.flags and pop < SMALL_TOWN and local < 1.5:
            return False
        if m.initial and not supported and pop < 100000 and not m.cue:
            return False
        if pop < SMALL_TOWN and not (supported or m.cue):
            return False
        if kind != KIND_PRIMARY and pop < 50000 and not supported:
            return False
        if "partial" in m.flags and kind != KIND_PRIMARY and not supported:
            # "Bostan" in "Ghadir al Bostan" is not Boston: a word of a longer unknown name
            # matching only another spelling of a town is a coincidence.
            return False
    return True


def resolve(
    text: str,
    raw: list[RawMention],
    gaz: Gazetteer,
    lex: Lexicon,
    *,
    dateline_countries: tuple[str, ...] = (),
    country_hint: str | None = None,
    cue_countries: tuple[str, ...] = (),
) -> list[PlaceMention]:
    """Turn recognised spans into PlaceMentions, resolved in the light of each other.

    ``cue_countries`` come from the groups the text names ("Houthi forces"): they vote like a
    place of that country, less than a dateline.
    """
    ranked = [_top(gaz, m) for m in raw]
    countries, admin1s, own_votes = _focus(gaz, ranked, raw, country_hint)
    for cc in dateline_countries:
        countries[cc] += 3
    for cc in cue_countries:
        countries[cc] += 2
    top_country = countries.most_common(1)[0][0] if countries else None
    anchors = _anchors(gaz, ranked)
    doc_full_keys = {norm_key(text[m.start : m.end]) for m in raw if m.level is not None}
    out: list[PlaceMention] = []
    for idx, (m, cands) in enumerate(zip(raw, ranked)):
        if not cands:
            out.append(PlaceMention(start=m.start, end=m.end, text=text[m.start : m.end], rule="unresolved:admin_word"))
            continue
        container_entries: set[int] = set()
        container_ccs: set[str] = set()
        if m.container is not None:
            for e, _ in raw[m.container].candidates:
                if int(gaz.feat[e]) == COUNTRY:
                    container_ccs.add(gaz.country(e))
                elif int(gaz.feat[e]) == ADMIN1:
                    container_entries.add(e)
        best, best_score, best_local = None, -1e9, 0.0
        # A mention must not vote for its own reading: "Air" (a village in India) would otherwise
        # find its own country and state "in focus" and pass the precision guard.
        own_cc, own_a1, own_w = own_votes.get(idx, ("", -1, 0))
        for prior, e, k in cands:
            gain = 0.0
            local = 0.0  # support from this article's own region, not just its country
            cc = gaz.country(e)
            a1 = int(gaz.a1[e])
            if countries.get(cc, 0) - (own_w if cc == own_cc else 0) > 0:
                gain += 2.0 + (TOP_COUNTRY_BONUS if cc == top_country else 0.0)
            if a1 >= 0 and admin1s.get(a1, 0) - (own_w if a1 == own_a1 else 0) > 0 and int(gaz.feat[e]) != ADMIN1:
                local += 2.0
            if a1 in container_entries or cc in container_ccs:
                local += 8.0
            if "container" in m.flags and int(gaz.feat[e]) in (ADMIN1, COUNTRY):
                local += 2.0
            if anchors and len(cands) > 1 and prior > cands[0][0] - 4.0 and int(gaz.feat[e]) == CITY:
                la, lo = float(gaz.lat[e]), float(gaz.lon[e])
                if any(i != idx and abs(la - alat) < 1.4 and _km(la, lo, alat, alon) < 150 for i, alat, alon in anchors):
                    local += 1.5
            if k == KIND_STRIPPED and int(gaz.feat[e]) == ADMIN2:
                # "Avoyelles" alone means the parish when "Avoyelles Parish" is written elsewhere.
                if any(fk.startswith(norm_key(text[m.start : m.end]) + " ") for fk in doc_full_keys):
                    local += 4.0
            if prior + gain + local > best_score:
                best, best_score, best_local = (e, k), prior + gain + local, local
        assert best is not None
        entry, kind = best
        if not _accept(gaz, m, entry, kind, best_local, text[m.start : m.end]):
            continue
        out.append(_to_mention(text, m, gaz, entry, kind, lex))
    return _place_seatless_districts(out, gaz)


def _place_seatless_districts(ms: list[PlaceMention], gaz: Gazetteer) -> list[PlaceMention]:
    """Give a district with no known seat the coordinates of a town of its admin1 named in the text.

    A county or district in local news is almost always near the towns the same article names,
    which is a far better guess than the centre of its state or province.
    """
    towns: dict[tuple[str, str], PlaceMention] = {}
    for m in ms:
        if m.feature == "city" and m.admin1 and m.geo_precision is not None and (m.country_code, m.admin1) not in towns:
            towns[(m.country_code or "", m.admin1)] = m
    if not towns:
        return ms
    out = []
    for m in ms:
        town = towns.get((m.country_code or "", m.admin1 or "")) if m.rule.endswith(":admin1_centre") else None
        if town is not None:
            m = replace(m, latitude=town.latitude, longitude=town.longitude, rule=m.rule.replace(":admin1_centre", ":near_named_town"))
        out.append(m)
    return out


def _to_mention(text: str, m: RawMention, gaz: Gazetteer, entry: int, kind: int, lex: Lexicon) -> PlaceMention:
    feat = int(gaz.feat[entry])
    qualifier = _qualifier(text, m, lex)
    if feat in (ADMIN1, COUNTRY, REGION):
        precision = 3
    elif feat == ADMIN2:
        precision = 2 if entry in gaz.admin2_has_seat else 3
    else:
        precision = 2 if qualifier else 1
    rule = "gazetteer"
    if m.in_dateline:
        rule = "gazetteer:dateline"
    elif m.level is not None:
        rule = f"gazetteer:admin_word:{m.level}"
    elif m.container is not None:
        rule = "gazetteer:container"
    if feat == ADMIN2 and entry not in gaz.admin2_has_seat:
        rule += ":admin1_centre"
    a1 = int(gaz.a1[entry])
    return PlaceMention(
        start=m.start,
        end=m.end,
        text=text[m.start : m.end],
        name=gaz.names[entry],
        geonames_id=int(gaz.gid[entry]),
        feature=gaz.feature(entry),
        country_code=gaz.country(entry) or None,  # continents and oceans: no country
        admin1=gaz.names[a1] if a1 >= 0 else None,
        latitude=round(float(gaz.lat[entry]), 5),
        longitude=round(float(gaz.lon[entry]), 5),
        geo_precision=precision,
        population=int(gaz.pop[entry]),
        rule=rule,
        qualifier=qualifier,
    )


_CUE_RES: dict[int, tuple[re.Pattern | None, dict[str, str]]] = {}


def _cue_countries(text: str, lex: Lexicon) -> tuple[str, ...]:
    """Countries named by the armed groups and monitors the text mentions (focus_cues.json)."""
    got = _CUE_RES.get(id(lex))
    if got is None:
        table = dict(lex.focus_cues)
        pat = re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p, _ in lex.focus_cues) + r")(?![\w-])") if table else None
        got = _CUE_RES[id(lex)] = (pat, table)
    pat, table = got
    if pat is None:
        return ()
    return tuple(sorted({table[m.group(1)] for m in pat.finditer(text)}))


def find_places(
    text: str,
    gazetteer: Gazetteer,
    *,
    dateline: str | None = None,
    dateline_span: tuple[int, int] | None = None,
    country_hint: str | None = None,
    lexicon: Lexicon | None = None,
) -> list[PlaceMention]:
    """Every toponym mention in ``text``, sorted and non-overlapping; unresolved ones have no coordinates.

    ``dateline`` ("MOSCOW/BEIRUT") adds its places to the article's focus even when the
    dateline is not part of ``text``; ``dateline_span`` marks where it sits in ``text``.
    """
    lex = lexicon or default_lexicon()
    dl_ccs: list[str] = []
    if dateline:
        for part in dateline.replace("/", ",").split(","):
            key = norm_key(part)
            cands = gazetteer.lookup(key) if key and key not in lex.stopwords else []
            if cands:
                e = max(cands, key=lambda ek: (int(gazetteer.pop[ek[0]]), -ek[1]))[0]
                dl_ccs.append(gazetteer.country(e))
    raw = recognize(text, gazetteer, lex, dateline_span=dateline_span)
    return resolve(
        text, raw, gazetteer, lex, dateline_countries=tuple(dl_ccs), country_hint=country_hint,
        cue_countries=_cue_countries(text, lex),
    )
