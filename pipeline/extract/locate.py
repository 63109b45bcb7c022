"""Choose an event's place from the resolved place mentions around it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from pipeline.models import PlaceMention

_COARSE = {"country", "region", "admin1"}
# "Celaya, Guanajuato", "Kakomero (Rutshuru, Nord-Kivu)": two toponyms this close are a place and
# its container, whatever the separator.
_PAIR_GAP = 4  # ", ", " (", " of ", " in "
# The resolver marks a place whose container it checked ("Sharan area in Aleppo countryside"):
# such a pair may lie further apart.
_CHECKED_PAIR_GAP = 40
# A container and its place lie within this many km; a place that agrees with a confirmed one
# lies within _AGREE_KM of it.
_NEAR_KM = 150.0
_AGREE_KM = 50.0
# A village read in another province than the one written after it ("Pisky, Donetsk") is a
# namesake; big towns are left alone, as lists ("Kabul, Ghor, Laghman") look the same.
_NAMESAKE_POP = 50000
# Weight of a province or district in the vote on the article's country (a town counts 1).
_ADMIN_VOTE = 3


def resolved(places: list[PlaceMention], skip: list[tuple[int, int]]) -> list[PlaceMention]:
    """Places with coordinates outside page furniture, in text order."""
    out = [p for p in places if p.latitude is not None and p.longitude is not None]
    return sorted((p for p in out if not any(a <= p.start < b for a, b in skip)), key=lambda p: p.start)


def _coarse(p: PlaceMention) -> bool:
    return (p.feature in _COARSE) or p.geo_precision == 3


def _contains(outer: PlaceMention, inner: PlaceMention) -> bool:
    """Whether ``outer`` can be the admin area or town that ``inner`` is said to lie in."""
    if outer.country_code != inner.country_code:
        return False
    if outer.feature == "country":
        return True
    if inner.admin1 and inner.admin1 in (outer.admin1, outer.name):
        return True
    d = km_between(outer, inner)
    return d is not None and d <= _NEAR_KM


def _adjacent(p: PlaceMention, q: PlaceMention) -> bool:
    gap = q.start - p.end
    return gap <= _PAIR_GAP or (gap <= _CHECKED_PAIR_GAP and p.rule.startswith("gazetteer:container"))


def _pairs(places: list[PlaceMention]) -> tuple[set[int], set[int], set[int]]:
    """Indices of places confirmed by a container right after them, of those containers, and of
    small towns whose reading lies outside the admin area written right after them."""
    confirmed: set[int] = set()
    containers: set[int] = set()
    namesakes: set[int] = set()
    for i in range(len(places) - 1):
        p, q = places[i], places[i + 1]
        if (
            _adjacent(p, q)
            and p.feature == "city"
            and (p.population or 0) < _NAMESAKE_POP
            and q.feature in ("admin1", "admin2")
            and not _contains(q, p)
        ):
            namesakes.add(i)
        elif (
            q.start - p.end <= _PAIR_GAP
            and p.feature == "city"
            and q.feature == "city"
            and (p.population or 0) < _NAMESAKE_POP
            and p.country_code == q.country_code
            and (km_between(p, q) or 0) > _NEAR_KM
        ):
            # "Barangay Tuburan, Tulunan, Cotabato": a village read 300 km from the town
            # written right after it is a namesake of one in that town.
            namesakes.add(i)
        j = i + 1
        # Chains ("Kakomero (Rutshuru, Nord-Kivu)") confirm through every link.
        while j < len(places) and _adjacent(places[j - 1], places[j]):
            if _contains(places[j], places[i]):
                confirmed.add(i)
                containers.add(j)
            j += 1
    return confirmed, containers, namesakes


def _plausible(places: list[PlaceMention], confirmed: set[int], namesakes: set[int]) -> list[bool]:
    """Which places agree with the article's confirmed places, or failing those its main country.

    Notes name a town with its province ("in Fortaleza, Ceara") and then a neighbourhood or
    village the gazetteer only knows elsewhere ("Bom Jardim"); such a reading is far from the
    confirmed town and must not win.
    """
    if confirmed:
        sure = [places[i] for i in confirmed]
        out = []
        for i, p in enumerate(places):
            near = i in confirmed or any(
                q.country_code == p.country_code and (_coarse(p) or (km_between(p, q) or 1e9) <= _AGREE_KM) for q in sure
            )
            out.append(near and i not in namesakes)
        return out
    # A province or district named in the text says more about the country than a town does:
    # "in Valencia, Sangre Grande" is in Trinidad, "Famale (Dessa, Tillaberi)" in Niger.
    votes: Counter = Counter()
    for p in places:
        if p.country_code:
            votes[p.country_code] += _ADMIN_VOTE if p.feature in ("admin1", "admin2") else 1
    if len(votes) > 1:
        (top, n), (_, n2) = votes.most_common(2)
        if n > n2:
            return [p.country_code == top and i not in namesakes for i, p in enumerate(places)]
    return [i not in namesakes for i in range(len(places))]


@dataclass(frozen=True, slots=True)
class PlaceReadings:
    """What the article's places say of each other (pairs and agreement): the same for every
    event of the article, so worked out once per article rather than once per event."""

    confirmed: set[int]
    containers: set[int]
    namesakes: set[int]
    ok: list[bool]


def read_places(places: list[PlaceMention]) -> PlaceReadings:
    """Pairs and agreement of ``places`` (an article's resolved places, in text order)."""
    confirmed, containers, namesakes = _pairs(places)
    return PlaceReadings(confirmed, containers, namesakes, _plausible(places, confirmed, namesakes))


def choose_place(
    places: list[PlaceMention], sentence: tuple[int, int], trigger: int, paragraph_start: int,
    *, readings: PlaceReadings | None = None,
) -> PlaceMention | None:
    """The event's place (see ``_choose``); a province alone stands for its largest town.

    An event said to happen only "in Balkh province" is placed where such events are reported
    from and coded at, its main town (Mazar-e Sharif), not at the province's middle.
    ``readings``: ``read_places(places)``, when the caller has it.
    """
    p = _choose(places, sentence, trigger, paragraph_start, readings or read_places(places))
    if p is None or p.feature != "admin1":
        return p
    from pipeline.geo.gazetteer import loaded_gazetteer

    gaz = loaded_gazetteer()
    town = gaz.admin1_town(p.geonames_id) if gaz is not None else None
    if town is None:
        return p
    return replace(p, latitude=round(float(gaz.lat[town]), 5), longitude=round(float(gaz.lon[town]), 5), rule=p.rule + ":admin1_town")


def _choose(
    places: list[PlaceMention], sentence: tuple[int, int], trigger: int, paragraph_start: int, readings: PlaceReadings
) -> PlaceMention | None:
    """A place in the event's sentence (the first fine one after the trigger wins), else the nearest earlier one.

    Readings that disagree with the article's other places lose to ones that agree, a place
    written with its container ("Celaya, Guanajuato") beats one written bare, and the container
    loses to the place it contains.
    """
    confirmed, containers, ok = readings.confirmed, readings.containers, readings.ok
    own = [i for i, p in enumerate(places) if sentence[0] <= p.start < sentence[1]]
    if own:

        def rank(i: int) -> tuple:
            p = places[i]
            # Between coarse places, a province beats its country ("forces of Azerbaijan located
            # at Munjuglu, Tovuz": the village is unknown, Tovuz district is the best left).
            # A town beats the district it lies in ("Montego Bay, Saint James Parish"), a district
            # the province.
            coarse = _coarse(p)
            finer = p.feature != "admin2" if coarse else p.feature == "admin2"
            return (not ok[i], coarse, p.feature == "country", finer, i not in confirmed, i in containers, p.start < trigger, abs(p.start - trigger))

        return places[min(own, key=rank)]
    earlier = [i for i, p in enumerate(places) if p.start < sentence[0] and ok[i]] or [
        i for i, p in enumerate(places) if p.start < sentence[0]
    ]
    # "In Itaborai, Rio de Janeiro, police were shot at. A shoot-out broke out.": the later
    # sentence's event is in Itaborai, not in the state written after it.
    earlier = [i for i in earlier if i not in containers] or earlier
    fine_para = [i for i in earlier if places[i].start >= paragraph_start and not _coarse(places[i])]
    if fine_para:
        return places[fine_para[-1]]
    fine = [i for i in earlier if not _coarse(places[i])]
    if fine:
        return places[fine[-1]]
    below_country = [i for i in earlier if places[i].feature != "country"]
    if below_country:
        return places[below_country[-1]]
    if earlier:
        return places[earlier[-1]]
    later = [p for p in places if p.start >= sentence[1]]
    return later[0] if later else None


def km_between(a: PlaceMention, b: PlaceMention) -> float | None:
    """Great-circle distance in km, or None when either lacks coordinates."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
