"""Our date resolution against dateparser.search.search_dates, our toponyms against geotext: same
documents, same scorers (eval/SCORING.md via pipeline.*.scoring), competitor output put in our shape.

Both competitors return strings without offsets; they are located in the text in order, after the
timed call, so the adaptation is not charged to them. search_dates is fast enough here (~30 ms per
TempEval document) to run on the whole set, so no sample is needed. geotext has no coordinates: its accuracy at
161 km is not applicable. search_dates returns full datetimes; the day is taken as the value.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from pipeline.models import DateMention, PlaceMention

EVAL = Path("/work/shared/eval/dev")


def read_gold(name: str) -> list[dict]:
    with (EVAL / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _published(doc: dict) -> datetime | None:
    from pipeline.ingest.textfile import parse_timestamp

    return parse_timestamp(str(doc["published_at"])) if doc.get("published_at") else None


def _locate(text: str, found: Sequence[str]) -> list[tuple[int, int]]:
    """Offsets of ``found`` strings, which a library reports in text order without positions."""
    spans, cursor = [], 0
    for piece in found:
        at = text.find(piece, cursor)
        if at < 0:
            at = text.find(piece)  # out of order (rare): take the first occurrence
        if at < 0:
            continue
        spans.append((at, at + len(piece)))
        cursor = at + len(piece)
    return spans


def _timed(docs: list[dict], call: Callable[[dict], object], repeats: int) -> tuple[list[object], float]:
    """Outputs of one pass and the median time of ``repeats`` passes (the machine may be shared)."""
    times = []
    for _ in range(max(1, repeats)):
        outputs, started = [], time.perf_counter()
        for doc in docs:
            outputs.append(call(doc))
        times.append(time.perf_counter() - started)
    return outputs, statistics.median(times)


def _speed(docs: list[dict], seconds: float) -> dict:
    chars = sum(len(d["text"]) for d in docs)
    return {"docs": len(docs), "seconds": round(seconds, 3), "docs_per_s": round(len(docs) / seconds, 2),
            "mb_per_s": round(chars / 1e6 / seconds, 3)}


def _without_errors(scores: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items() if k != "errors"}


def compare_dates(docs: list[dict], repeats: int = 3) -> dict:
    """resolve_dates vs search_dates(text, RELATIVE_BASE=publication date) on tempeval3-tbaq."""
    from dateparser.search import search_dates

    from pipeline.dates import resolve_dates
    from pipeline.dates.scoring import score_timexes

    pubs = {d["doc_id"]: _published(d) for d in docs}
    resolve_dates(docs[0]["text"], pubs[docs[0]["doc_id"]])  # warm-up: imports and rule tables, for both
    search_dates("on Monday", languages=["en"])

    ours, ours_s = _timed(docs, lambda d: resolve_dates(d["text"], pubs[d["doc_id"]]), repeats)

    def theirs_call(doc: dict):
        pub = pubs[doc["doc_id"]]
        settings = {"RELATIVE_BASE": pub.replace(tzinfo=None)} if pub else {}
        return search_dates(doc["text"], languages=["en"], settings=settings) or []

    theirs_raw, theirs_s = _timed(docs, theirs_call, repeats)
    theirs = []
    for doc, found in zip(docs, theirs_raw, strict=True):
        spans = _locate(doc["text"], [s for s, _ in found])
        theirs.append([
            DateMention(start=a, end=b, text=doc["text"][a:b], value=dt.date().isoformat(), precision="day",
                        anchor=None, rule="dateparser.search")
            for (a, b), (_, dt) in zip(spans, found)
        ])
    ids = [d["doc_id"] for d in docs]
    return {
        "set": "tempeval3-tbaq.jsonl",
        "ours": {**_speed(docs, ours_s), **_without_errors(score_timexes(docs, dict(zip(ids, ours))))},
        "search_dates": {**_speed(docs, theirs_s), **_without_errors(score_timexes(docs, dict(zip(ids, theirs))))},
        "speed_ratio": round(theirs_s / ours_s, 2),
    }


def compare_toponyms(docs: list[dict], repeats: int = 3) -> dict:
    """find_places (offline gazetteer) vs geotext's cities and countries on LGL."""
    from geotext import GeoText

    from pipeline.geo import find_places, load_gazetteer
    from pipeline.geo.lexicon import default_lexicon
    from pipeline.geo.recognize import recognize
    from pipeline.geo.scoring import score_toponyms

    gazetteer = load_gazetteer()
    find_places(docs[0]["text"], gazetteer)  # warm-up: lexicon files; geotext built its index on import
    GeoText(docs[0]["text"])

    ours, ours_s = _timed(docs, lambda d: find_places(d["text"], gazetteer), repeats)
    # geotext only finds names; find_places also geocodes them. The recogniser alone is the like-for-like
    # speed (its raw candidates are not scored: resolution is what drops the ones that are no place).
    lex = default_lexicon()
    _, recognise_s = _timed(docs, lambda d: recognize(d["text"], gazetteer, lex), repeats)
    theirs_raw, theirs_s = _timed(docs, lambda d: GeoText(d["text"]), repeats)
    theirs = []
    for doc, geo in zip(docs, theirs_raw, strict=True):
        names = set(geo.cities) | set(geo.countries)
        # geotext keeps candidates in text order; recover each one's span with its own pattern.
        found = [c for c in _geotext_candidates(doc["text"]) if c[2] in names]
        theirs.append([PlaceMention(start=a, end=b, text=t, rule="geotext") for a, b, t in found])
    ids = [d["doc_id"] for d in docs]
    theirs_scores = _without_errors(score_toponyms(docs, dict(zip(ids, theirs))))
    theirs_scores["acc_161km"] = None  # geotext does not geocode
    return {
        "set": "lgl.jsonl",
        "ours": {**_speed(docs, ours_s), **_without_errors(score_toponyms(docs, dict(zip(ids, ours))))},
        "geotext": {**_speed(docs, theirs_s), **theirs_scores},
        "ours_recognition_only": _speed(docs, recognise_s),
        "speed_ratio": round(theirs_s / ours_s, 2),
        "speed_ratio_recognition_only": round(theirs_s / recognise_s, 2),
    }


def _geotext_candidates(text: str) -> list[tuple[int, int, str]]:
    import re

    pattern = r"[A-ZÀ-Ú]+[a-zà-ú]+[ \-]?(?:d[a-u].)?(?:[A-ZÀ-Ú]+[a-zà-ú]+)*"  # geotext 0.4's city_regex
    out = []
    for m in re.finditer(pattern, text):
        stripped = m.group().strip()
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        out.append((start, start + len(stripped), stripped))
    return out


def compare_all(repeats: int = 3) -> dict:
    """Both comparisons; each timing is the median of ``repeats`` passes over the whole set."""
    return {"dates": compare_dates(read_gold("tempeval3-tbaq.jsonl"), repeats),
            "toponyms": compare_toponyms(read_gold("lgl.jsonl"), repeats), "repeats": repeats}


if __name__ == "__main__":
    print(json.dumps(compare_all(), indent=1))
