"""Event metrics against gold sets, as defined in eval/SCORING.md.

Events whose modality is "hypothetical" or "denied" are not counted as emitted: the text
says they did not (or may not) happen, so they cannot be the gold event nor a false alarm.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from typing import Any

from pipeline.extract.locate import haversine_km
from pipeline.models import EVENT_TYPES, Event

_MIN_GOLD_FOR_MACRO = 5
_MATCH_KM = 50.0


def _counted(events: list[Event]) -> list[Event]:
    return [e for e in events if e.modality not in ("hypothetical", "denied")]


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _coords(e: Event) -> tuple[float, float] | None:
    if e.location is None or e.location.latitude is None or e.location.longitude is None:
        return None
    return e.location.latitude, e.location.longitude


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}


def _ratio(hits: int, n: int) -> float | None:
    return hits / n if n else None


def score_events(gold_docs: list[dict], events_by_doc: dict[str, list[Event]], *, typed: bool) -> dict:
    """Single-event-set metrics: per-type P/R/F1 and macro-F1 (typed sets), fatalities, date, location."""
    counts = {t: {"tp": 0, "fp": 0, "fn": 0, "gold": 0} for t in EVENT_TYPES}
    fat = {"n": 0, "exact": 0, "n_pos": 0, "exact_pos": 0, "n_zero": 0, "zero_kept": 0}
    dates = {"n": 0, "exact": 0, "within_1d": 0}
    distances: list[float] = []
    for doc in gold_docs:
        gold = (doc.get("events") or [{}])[0]
        gtype = gold.get("event_type")
        emitted = _counted(events_by_doc.get(doc["doc_id"], []))
        if typed:
            types = {e.event_type for e in emitted}
            for t in EVENT_TYPES:
                if gtype == t:
                    counts[t]["gold"] += 1
                    counts[t]["tp" if t in types else "fn"] += 1
                elif t in types:
                    counts[t]["fp"] += 1
            if gtype is None:
                continue
            relevant = [e for e in emitted if e.event_type == gtype]
        else:
            relevant = emitted
        gfat = gold.get("fatalities")
        if gfat is not None:
            pred = max((e.fatalities or 0 for e in relevant), default=0)
            fat["n"] += 1
            fat["exact"] += pred == gfat
            if gfat > 0:
                fat["n_pos"] += 1
                fat["exact_pos"] += pred == gfat
            else:
                fat["n_zero"] += 1
                fat["zero_kept"] += pred == 0
        gdate = _day(gold.get("date"))
        if gdate is not None:
            dates["n"] += 1
            days = [e.event_date for e in relevant if e.event_date is not None]
            dates["exact"] += gdate in days
            dates["within_1d"] += any(abs((d - gdate).days) <= 1 for d in days)
        loc = gold.get("location") or {}
        if loc.get("lat") is not None and loc.get("lon") is not None:
            ds = [haversine_km(loc["lat"], loc["lon"], *c) for e in relevant if (c := _coords(e))]
            distances.append(min(ds) if ds else float("inf"))
    out: dict[str, Any] = {
        "docs": len(gold_docs),
        "fatalities_n": fat["n"],
        "fatalities_exact": _ratio(fat["exact"], fat["n"]),
        "fatalities_exact_pos": _ratio(fat["exact_pos"], fat["n_pos"]),
        "fatalities_zero_kept": _ratio(fat["zero_kept"], fat["n_zero"]),
        "date_n": dates["n"],
        "date_exact": _ratio(dates["exact"], dates["n"]),
        "date_within_1d": _ratio(dates["within_1d"], dates["n"]),
        "location_n": len(distances),
        "location_acc_25km": _ratio(sum(d <= 25 for d in distances), len(distances)),
        "location_acc_161km": _ratio(sum(d <= 161 for d in distances), len(distances)),
        "location_median_km": statistics.median(distances) if distances else None,
    }
    if typed:
        per_type = {t: {**_prf(c["tp"], c["fp"], c["fn"]), "gold": c["gold"]} for t, c in counts.items()}
        macro = [v["f1"] for v in per_type.values() if v["gold"] >= _MIN_GOLD_FOR_MACRO]
        out["per_type"] = per_type
        out["macro_f1"] = sum(macro) / len(macro) if macro else None
    return out


def _date_ok(e: Event, start: date | None, end: date | None) -> bool:
    if start is None:
        return True
    if e.event_date is None:
        return False
    lo, hi = start - timedelta(days=1), (end or start) + timedelta(days=1)
    return lo <= e.event_date <= hi


def _place_ok(e: Event, gold: dict) -> bool:
    loc = gold.get("location") or {}
    c = _coords(e)
    if c is None or loc.get("lat") is None or loc.get("lon") is None:
        return True
    return haversine_km(loc["lat"], loc["lon"], *c) <= _MATCH_KM


def score_multi_event(gold_docs: list[dict], events_by_doc: dict[str, list[Event]]) -> dict:
    """Multi-event matching: each gold event takes at most one emitted event of its type, date and place."""
    matched = gold_n = emitted_n = 0
    misses: list[dict] = []
    for doc in gold_docs:
        emitted = _counted(events_by_doc.get(doc["doc_id"], []))
        emitted_n += len(emitted)
        free = list(range(len(emitted)))
        golds = doc.get("events") or []
        gold_n += len(golds)
        # Golds with the fewest candidates pick first, so a broad gold cannot steal the only match of a narrow one.
        cands = []
        for g in golds:
            start, end = _day(g.get("date")), _day(g.get("date_end"))
            ok = [i for i, e in enumerate(emitted) if e.event_type == g.get("event_type") and _date_ok(e, start, end) and _place_ok(e, g)]
            cands.append((len(ok), ok, g))
        for _, ok, g in sorted(cands, key=lambda c: c[0]):
            pick = next((i for i in ok if i in free), None)
            if pick is None:
                misses.append({"doc_id": doc["doc_id"], "event_type": g.get("event_type"), "date": g.get("date"), "evidence": g.get("evidence")})
            else:
                free.remove(pick)
                matched += 1
    return {
        "gold": gold_n,
        "emitted": emitted_n,
        "matched": matched,
        "extra": emitted_n - matched,
        "recall": _ratio(matched, gold_n),
        "precision": _ratio(matched, emitted_n),
        "misses": misses,
    }
