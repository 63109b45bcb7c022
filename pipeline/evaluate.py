"""Score the pipeline's own output tables against a gold JSONL file (../shared/eval/SCORING.md).

The batch runs for real (ingest, extract, geocode, validate, write); the scores are computed from
the tables it published, matched to gold documents by source_id = doc_id.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path

from pipeline.models import DateMention, Event, PlaceMention
from pipeline.settings import Settings, load_settings
from pipeline.summary import read_partition

MULTI_EVENT_SETS = {"seed"}


def load_gold(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _place(row: dict, prefix: str = "") -> PlaceMention:
    return PlaceMention(
        start=row.get("char_start", 0),
        end=row.get("char_end", 0),
        text=row.get(prefix + "text") or row.get("location_text") or "",
        name=row.get("name", row.get("location_name")),
        geonames_id=row.get("geonames_id"),
        feature=row.get("feature"),
        country_code=row.get("country_code"),
        admin1=row.get("admin1"),
        latitude=row.get("latitude"),
        longitude=row.get("longitude"),
        geo_precision=row.get("geo_precision"),
        rule=row.get("rule") or "",
    )


def event_from_row(row: dict) -> Event:
    location = None
    if row.get("location_name") or row.get("latitude") is not None:
        location = PlaceMention(
            start=0, end=0, text=row.get("location_text") or "", name=row.get("location_name"),
            geonames_id=row.get("geonames_id"), country_code=row.get("country_code"), admin1=row.get("admin1"),
            latitude=row.get("latitude"), longitude=row.get("longitude"), geo_precision=row.get("geo_precision"),
        )
    return Event(
        event_type=row["event_type"], start=row["char_start"], end=row["char_end"], evidence=row["evidence"],
        rule=row["rule"], sub_event_type=row.get("sub_event_type"), stance=row.get("stance"),
        event_date=row.get("event_date"), event_date_end=row.get("event_date_end"),
        date_precision=row.get("date_precision"), date_text=row.get("date_text"), actor1=row.get("actor1"),
        actor2=row.get("actor2"), location=location, fatalities=row.get("fatalities"),
        fatalities_high=row.get("fatalities_high"), injured=row.get("injured"),
        injured_high=row.get("injured_high"), modality=row.get("modality") or "asserted",
        claimed_by=row.get("claimed_by"), confidence=row.get("confidence") or 0.0,
    )


def date_from_row(row: dict) -> DateMention:
    return DateMention(
        start=row["char_start"], end=row["char_end"], text=row["text"], value=row["value"],
        precision=row["precision"], anchor=row.get("anchor"), rule=row["rule"], value_end=row.get("value_end"),
        kind=row.get("kind") or "point",
    )


def place_from_row(row: dict) -> PlaceMention:
    return _place(row)


def _copies(out: Path, batch: str) -> dict[str, str]:
    """source_id of each document kept out as a duplicate -> source_id of the copy that was analysed.

    Gold sets hold the same text under several ids (ACLED codes one report as one event per place);
    the pipeline analyses it once, and each id is scored on what that one analysis found."""
    return {
        row["source_id"]: row["kept_source_id"]
        for row in read_partition(out, "duplicates", batch)
        if row.get("kept_batch") is None and row.get("kept_source_id")
    }


def _share(by_source: dict[str, list], copies: dict[str, str]) -> None:
    for copy, kept in copies.items():
        if kept in by_source and copy not in by_source:
            by_source[copy] = list(by_source[kept])


def score_tables(gold: list[dict], out: Path, batch: str) -> dict:
    """Metrics for every kind of gold the documents carry, from the published tables of ``batch``."""
    copies = _copies(out, batch)
    events: dict[str, list[Event]] = defaultdict(list)
    for row in read_partition(out, "events", batch):
        events[row["source_id"]].append(event_from_row(row))
    _share(events, copies)
    metrics: dict = {"documents": len(gold)}
    with_events = [d for d in gold if "events" in d]
    if with_events:
        from pipeline.extract.scoring import score_events, score_multi_event

        if any(d.get("set") in MULTI_EVENT_SETS or len(d["events"]) > 1 for d in with_events):
            metrics["events"] = score_multi_event(with_events, events)
        else:
            typed = any(e.get("event_type") for d in with_events for e in d["events"])
            metrics["events"] = score_events(with_events, events, typed=typed)
    if any("timexes" in d for d in gold):
        from pipeline.dates.scoring import score_timexes

        dates: dict[str, list[DateMention]] = defaultdict(list)
        for row in read_partition(out, "date_mentions", batch):
            dates[row["source_id"]].append(date_from_row(row))
        _share(dates, copies)
        metrics["timexes"] = score_timexes([d for d in gold if "timexes" in d], dates)
    if any("toponyms" in d for d in gold):
        from pipeline.geo.scoring import score_toponyms

        places: dict[str, list[PlaceMention]] = defaultdict(list)
        for row in read_partition(out, "place_mentions", batch):
            places[row["source_id"]].append(place_from_row(row))
        _share(places, copies)
        metrics["toponyms"] = score_toponyms([d for d in gold if "toponyms" in d], places)
    return metrics


def evaluate_gold(gold_path: Path, *, out: Path | None = None, settings: Settings | None = None) -> dict:
    """Run the batch on ``gold_path`` and score the result."""
    from pipeline.batch import run_batch

    settings = settings or load_settings()
    gold = load_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="conflict-eval-") as tmp:
        target = out or Path(tmp)
        batch = "eval-" + gold_path.stem.replace(" ", "_")
        summary = run_batch([str(gold_path)], target, settings, batch=batch)
        metrics = score_tables(gold, target, batch)
    metrics["gold"] = str(gold_path)
    metrics["run"] = {k: summary[k] for k in ("run_id", "articles", "events", "quarantined")}
    return metrics


def _flatten(prefix: str, value, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, rows)
    elif isinstance(value, float):
        rows.append((prefix, f"{value:.4f}"))
    else:
        rows.append((prefix, str(value)))


def format_metrics(metrics: dict) -> str:
    rows: list[tuple[str, str]] = []
    _flatten("", metrics, rows)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
