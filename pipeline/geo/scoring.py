"""Toponym scoring as eval/SCORING.md defines it (span overlap, then distance at 161 km)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pipeline.models import PlaceMention

ACCURACY_KM = 161.0


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def score_toponyms(gold_docs: Sequence[Mapping], mentions_by_doc: Mapping[str, Sequence[PlaceMention]]) -> dict:
    """Recall, precision and accuracy at 161 km of place mentions against gold ``toponyms``.

    A gold toponym is found when some mention of the same doc overlaps its span. Precision counts
    emitted mentions that overlap any gold toponym. Accuracy is over found toponyms with gold
    coordinates, using the overlapping mention nearest to the gold point; no coordinates = miss.
    """
    gold_n = found = emitted = emitted_ok = with_coords = accurate = 0
    for doc in gold_docs:
        gold = [t for t in doc.get("toponyms") or ()]
        ms = list(mentions_by_doc.get(doc["doc_id"], ()))
        gold_n += len(gold)
        emitted += len(ms)
        emitted_ok += sum(1 for m in ms if any(m.start < t["end"] and t["start"] < m.end for t in gold))
        for t in gold:
            hits = [m for m in ms if m.start < t["end"] and t["start"] < m.end]
            if not hits:
                continue
            found += 1
            if t.get("lat") is None or t.get("lon") is None:
                continue
            with_coords += 1
            dists = [great_circle_km(t["lat"], t["lon"], m.latitude, m.longitude) for m in hits if m.latitude is not None and m.longitude is not None]
            if dists and min(dists) <= ACCURACY_KM:
                accurate += 1
    return {
        "recall": found / gold_n if gold_n else 0.0,
        "precision": emitted_ok / emitted if emitted else 0.0,
        "acc_161km": accurate / with_coords if with_coords else 0.0,
        "gold": gold_n,
        "found": found,
        "emitted": emitted,
        "emitted_matching": emitted_ok,
        "found_with_coords": with_coords,
        "accurate": accurate,
    }


def score_event_locations(gold_docs: Sequence[Mapping], mentions_by_doc: Mapping[str, Sequence[PlaceMention]], km: float) -> float:
    """Share of docs whose first gold event location lies within ``km`` of some resolved mention."""
    total = hit = 0
    for doc in gold_docs:
        events = [e for e in doc.get("events") or () if (e.get("location") or {}).get("lat") is not None]
        if not events:
            continue
        loc = events[0]["location"]
        total += 1
        ms = mentions_by_doc.get(doc["doc_id"], ())
        if any(m.latitude is not None and great_circle_km(loc["lat"], loc["lon"], m.latitude, m.longitude) <= km for m in ms):
            hit += 1
    return hit / total if total else 0.0
