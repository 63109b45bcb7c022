"""What a run report shows, read from the published warehouse (through the ``query`` views)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

# Modalities an analyst counts (the rest are drawn hollow and left out of the casualty totals).
COUNTED_MODALITIES = ("asserted", "claimed")
EVENT_COLUMNS = (
    "event_id", "event_type", "modality", "stance", "event_date", "date_precision", "location_name",
    "admin1", "country_code", "latitude", "longitude", "geo_precision", "fatalities", "fatalities_high",
    "injured", "injured_high", "actor1", "actor2",
)


@dataclass(frozen=True)
class ReportData:
    run: dict
    events: list[dict]
    casualties: list[dict]
    quarantine: list[dict]
    duplicates: list[dict]
    place_mentions: dict[str, int]
    validation_summary: dict | None
    validation_summary_path: str | None

    @property
    def counted_events(self) -> list[dict]:
        return [e for e in self.events if e["modality"] in COUNTED_MODALITIES]


def _rows(con: Any, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def resolve_run(con: Any, run_id: str | None, batch: str | None) -> dict:
    """The runs row asked for: by id, else the latest run of ``batch``, else the latest run of all."""
    if run_id:
        rows = _rows(con, "SELECT * FROM runs WHERE run_id = ?", [run_id])
    elif batch:
        rows = _rows(con, "SELECT * FROM runs WHERE batch = ? ORDER BY finished_at DESC LIMIT 1", [batch])
    else:
        rows = _rows(con, "SELECT * FROM runs ORDER BY finished_at DESC LIMIT 1")
    if not rows:
        known = _rows(con, "SELECT run_id, batch FROM runs ORDER BY finished_at DESC LIMIT 5")
        listing = ", ".join(f"{r['run_id']} (batch {r['batch']})" for r in known) or "none"
        wanted = f"run {run_id!r}" if run_id else f"a run of batch {batch!r}" if batch else "a run"
        raise PipelineError(
            f"no published {wanted} in the warehouse (a rerun replaces its batch's runs row); latest: {listing}"
        )
    run = rows[0]
    if batch and run["batch"] != batch:
        raise PipelineError(f"run {run_id!r} published batch {run['batch']!r}, not {batch!r}")
    return run


def _remote_validation_summary(out: str, run: dict, storage_options: dict | None) -> tuple[dict | None, str | None]:
    from pipeline import fs as wfs
    from pipeline.remote import Warehouse

    wh = Warehouse(out, storage_options=storage_options)
    path = wh.path("_validation", run["run_id"], "summary.json")
    shown = wfs.join(out, "_validation", run["run_id"], "summary.json")
    try:
        return json.loads(wh.fs.cat_file(path)), shown
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as err:
        return {"unreadable": f"{type(err).__name__}: {err}"}, shown


def _validation_summary(out: Path, run: dict) -> tuple[dict | None, str | None]:
    """``OUT/_validation/<run_id>/summary.json`` (or in the runs row's validation_path) when present."""
    candidates = [out / "_validation" / run["run_id"] / "summary.json"]
    if run.get("validation_path"):
        candidates.append(Path(run["validation_path"]) / "summary.json")
    for path in candidates:
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8")), str(path)
            except (OSError, ValueError) as err:
                return {"unreadable": f"{type(err).__name__}: {err}"}, str(path)
    return None, None


def load_report_data(out: Path | str, run_id: str | None = None, batch: str | None = None, *,
                     storage_options: dict | None = None) -> ReportData:
    """Everything the report needs about one run, from the partition its run published."""
    from pipeline import fs as wfs
    from pipeline.query import connect

    con = connect(out, storage_options=storage_options)
    try:
        run = resolve_run(con, run_id, batch)
        key = [run["batch"], run["run_id"]]
        where = "WHERE batch = ? AND run_id = ?"
        events = _rows(con, f"SELECT {', '.join(EVENT_COLUMNS)} FROM events {where} "
                            "ORDER BY event_date NULLS LAST, event_id", key)
        casualties = _rows(con, "SELECT kind, victim_group, qualifier, count_low, count_high, is_fraction, "
                                f"is_running_total FROM casualties {where}", key)
        quarantine = _rows(con, f"SELECT stage, reason, detail, input_path, table_name FROM quarantine {where}", key)
        duplicates = _rows(con, f"SELECT kind, source_id, kept_source_id FROM duplicates {where}", key)
        places = _rows(con, f"SELECT name FROM place_mentions {where} AND name IS NOT NULL", key)
    finally:
        con.close()
    if wfs.is_remote(out):
        summary, summary_path = _remote_validation_summary(wfs.url(out), run, storage_options)
    else:
        summary, summary_path = _validation_summary(wfs.local_path(out), run)
    return ReportData(
        run=run, events=events, casualties=casualties, quarantine=quarantine, duplicates=duplicates,
        place_mentions=dict(Counter(p["name"] for p in places).most_common()),
        validation_summary=summary, validation_summary_path=summary_path,
    )


def counts_by_type(data: ReportData) -> list[tuple[str, int, int]]:
    """(event type, all events, events an analyst counts), most frequent first."""
    everything = Counter(e["event_type"] for e in data.events)
    counted = Counter(e["event_type"] for e in data.counted_events)
    return [(kind, n, counted.get(kind, 0)) for kind, n in everything.most_common()]


def casualty_totals(data: ReportData) -> dict[str, int]:
    """Sums over the run's asserted and claimed events (conservative and high ends)."""
    events = data.counted_events
    return {
        "killed": sum(e["fatalities"] or 0 for e in events),
        "killed_high": sum((e["fatalities_high"] or e["fatalities"] or 0) for e in events),
        "injured": sum(e["injured"] or 0 for e in events),
        "injured_high": sum((e["injured_high"] or e["injured"] or 0) for e in events),
        "events_with_toll": sum(1 for e in events if e["fatalities"] is not None or e["injured"] is not None),
    }


def casualty_counts_by_group(data: ReportData) -> list[tuple[str, str, int, int]]:
    """(kind, victim group, counts stated, sum of their low ends), leaving out shares and running totals."""
    groups: dict[tuple[str, str], list[int]] = {}
    for row in data.casualties:
        if row["is_fraction"] or row["is_running_total"]:
            continue
        cell = groups.setdefault((row["kind"], row["victim_group"]), [0, 0])
        cell[0] += 1
        cell[1] += row["count_low"] or 0
    return sorted(((k, g, n, s) for (k, g), (n, s) in groups.items()), key=lambda r: (r[0], -r[3], r[1]))


def top_places(data: ReportData, limit: int = 10) -> list[dict]:
    """Event locations with the most events: name, admin1, country, events, killed."""
    places: dict[tuple, dict] = {}
    for e in data.events:
        if not e["location_name"]:
            continue
        key = (e["location_name"], e["admin1"], e["country_code"])
        place = places.setdefault(key, {"name": key[0], "admin1": key[1], "country_code": key[2],
                                        "events": 0, "killed": 0})
        place["events"] += 1
        if e["modality"] in COUNTED_MODALITIES:
            place["killed"] += e["fatalities"] or 0
    return sorted(places.values(), key=lambda p: (-p["events"], -p["killed"], p["name"]))[:limit]


def quarantine_reasons(data: ReportData) -> list[tuple[str, str, int, str]]:
    """(stage, reason, rows, one example detail), most frequent first."""
    counts: Counter = Counter()
    examples: dict[tuple[str, str], str] = {}
    for q in data.quarantine:
        key = (q["stage"], q["reason"].split(":")[0])
        counts[key] += 1
        examples.setdefault(key, q["detail"] or q["input_path"] or "")
    return [(stage, reason, n, examples[(stage, reason)]) for (stage, reason), n in counts.most_common()]
