"""Choose an event's place from the resolved place mentions around it."""

from __future__ import annotations

import math

from pipeline.models import PlaceMention

_COARSE = {"country", "region", "admin1"}


def resolved(places: list[PlaceMention], skip: list[tuple[int, int]]) -> list[PlaceMention]:
    """Places with coordinates outside page furniture, in text order."""
    out = [p for p in places if p.latitude is not None and p.longitude is not None]
    return sorted((p for p in out if not any(a <= p.start < b for a, b in skip)), key=lambda p: p.start)


def _coarse(p: PlaceMention) -> bool:
    return (p.feature in _COARSE) or p.geo_precision == 3


def choose_place(
    places: list[PlaceMention], sentence: tuple[int, int], trigger: int, paragraph_start: int
) -> PlaceMention | None:
    """A place in the event's sentence (the first fine one after the trigger wins), else the nearest earlier one."""
    own = [p for p in places if sentence[0] <= p.start < sentence[1]]
    if own:
        return min(own, key=lambda p: (_coarse(p), p.start < trigger, abs(p.start - trigger)))
    earlier = [p for p in places if p.start < sentence[0]]
    fine_para = [p for p in earlier if p.start >= paragraph_start and not _coarse(p)]
    if fine_para:
        return fine_para[-1]
    fine = [p for p in earlier if not _coarse(p)]
    if fine:
        return fine[-1]
    if earlier:
        return earlier[-1]
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
