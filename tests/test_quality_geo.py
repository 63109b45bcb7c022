"""Quality gate for toponyms: LGL and the seed article against pinned floors, plus load cost.

Reads gold from ``../shared`` (skips when absent) and fails when a metric drops below its floor
in ``quality_floors_geo.json``. Floors only rise. The gazetteer index is built here when missing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.geo import find_places, load_gazetteer
from pipeline.geo.scoring import great_circle_km, score_event_locations, score_toponyms

from conftest import load_gold, quality_floors

pytestmark = pytest.mark.quality

REPO = Path(__file__).parents[1]
FLOORS = quality_floors("geo")

@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()

@pytest.fixture(scope="module")
def lgl_scores(gaz):
    docs = load_gold("lgl.jsonl")
    return score_toponyms(docs, {d["doc_id"]: find_places(d["text"], gaz) for d in docs})

@pytest.mark.parametrize("metric", ["recall", "precision", "acc_161km"])
def test_lgl_metric_stays_above_floor(lgl_scores, metric):
    floor = FLOORS["lgl"][metric]
    assert lgl_scores[metric] >= floor, f"lgl {metric} {lgl_scores[metric]:.4f} < floor {floor}: {lgl_scores}"

@pytest.fixture(scope="module")
def seed(gaz):
    [doc] = load_gold("seed.jsonl")
    return doc, find_places(doc["text"], gaz)

def test_seed_gold_toponyms_found_and_resolved(seed):
    doc, ms = seed
    s = score_toponyms([doc], {doc["doc_id"]: ms})
    assert s["recall"] >= FLOORS["seed"]["recall"] and s["acc_161km"] >= FLOORS["seed"]["acc_161km"], s

def test_seed_aleppo_is_the_city(seed):
    _, ms = seed
    aleppo = [m for m in ms if m.text == "Aleppo"]
    assert aleppo and all(great_circle_km(m.latitude, m.longitude, 36.20, 37.16) <= 10 for m in aleppo)

def test_seed_dateline_and_moscow(seed):
    _, ms = seed
    got = {(m.text, m.name) for m in ms}
    assert {("MOSCOW", "Moscow"), ("BEIRUT", "Beirut"), ("Moscow", "Moscow")} <= got

def test_seed_demonym_and_country(seed):
    doc, ms = seed
    assert not any(doc["text"][m.start : m.end].startswith("Syrian") for m in ms)
    syria = [m for m in ms if m.text == "Syria"]
    assert syria and all(great_circle_km(m.latitude, m.longitude, 35.0, 38.0) <= 100 for m in syria)

def test_acled_location_proxy_stays_above_floor(gaz):
    docs = load_gold("acled-notes-2020.jsonl")
    ms = {d["doc_id"]: find_places(d["text"], gaz) for d in docs}
    for km, floor in FLOORS["acled_proxy"].items():
        got = score_event_locations(docs, ms, float(km))
        assert got >= floor, f"acled proxy at {km} km {got:.4f} < floor {floor}"

def _acled_event_distances(gaz) -> tuple[list[float], list[float]]:
    """Distance from each typed ACLED note's gold point to the nearest emitted event of its type.

    Per document through ``analyse_text``, as the pipeline runs it but without batch dedupe (which
    would drop near-identical notes). Returns (over all typed notes, over notes where an event of
    the gold type was emitted); a missing event or location is infinitely far.
    """
    from datetime import datetime

    from pipeline.process import analyse_text

    every, emitted = [], []
    for d in load_gold("acled-notes-2020.jsonl"):
        gold = (d.get("events") or [{}])[0]
        loc = gold.get("location") or {}
        if gold.get("event_type") is None or loc.get("lat") is None:
            continue
        pub = datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
        evs = [e for e in analyse_text(d["text"], pub, gaz).extraction.events
               if e.event_type == gold["event_type"] and e.modality not in ("hypothetical", "denied")]
        ds = [great_circle_km(loc["lat"], loc["lon"], e.location.latitude, e.location.longitude)
              for e in evs if e.location is not None and e.location.latitude is not None]
        dist = min(ds, default=float("inf"))
        every.append(dist)
        if evs:
            emitted.append(dist)
    return every, emitted


def test_acled_event_locations_stay_above_floor(gaz):
    every, emitted = _acled_event_distances(gaz)
    for name, ds in (("all", every), ("emitted", emitted)):
        for km, floor in FLOORS["acled_events"][name].items():
            got = sum(d <= float(km) for d in ds) / len(ds)
            assert got >= floor, f"acled event location ({name}) at {km} km {got:.4f} < floor {floor}"


def test_find_places_speed(gaz):
    docs = load_gold("lgl.jsonl")[:200]
    start = time.perf_counter()
    for d in docs:
        find_places(d["text"], gaz)
    per_2kb = sum(len(d["text"]) for d in docs) / 2000 / (time.perf_counter() - start)
    assert per_2kb >= FLOORS["speed"]["min_2kb_docs_per_s"], f"{per_2kb:.0f} 2KB-docs/s"

_PROBE = """
import json, time
t = time.perf_counter()
from pipeline.geo import load_gazetteer
load_gazetteer()
dt = time.perf_counter() - t
hwm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]
print(json.dumps({"load_s": dt, "vmhwm_kb": hwm}))
"""

def test_fresh_worker_loads_fast_and_small(gaz):
    # A new interpreter each time (median of 3): the per-process cache must not hide the cost.
    runs = [json.loads(subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, check=True).stdout) for _ in range(3)]
    load_s = statistics.median(r["load_s"] for r in runs)
    peak_mb = statistics.median(r["vmhwm_kb"] for r in runs) / 1024
    assert load_s < FLOORS["load"]["max_seconds"], runs
    assert peak_mb < FLOORS["load"]["max_peak_mb"], runs
