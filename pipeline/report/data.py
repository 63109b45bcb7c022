"""What a run report shows, read from the published warehouse (through the ``query`` views).

Everything is counted in DuckDB, not in Python: a 100k-article run has hundreds of thousands of
events, and holding them as dicts cost the CLI ~450 MB after the publish. Only the first
``EVENT_LIST_LIMIT`` events by date and the map's dots come back as rows, and the dots are grouped
per place and type once a run has more than ``MAP_EVENT_LIMIT`` located events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

# Modalities an analyst counts (the rest are drawn hollow and left out of the casualty totals).
COUNTED_MODALITIES = ("asserted", "claimed")
COUNTED_SQL = "modality IN ('asserted', 'claimed')"
EVENT_LIST_LIMIT = 500
# Above this many located events the map draws one dot per place, type and counted-or-not, sized by
# its count: one circle per event would make a page of tens of MB that no browser draws smoothly.
MAP_EVENT_LIMIT = 3000
TOP_LIMIT = 10


@dataclass(frozen=True)
class ReportData:
    run: dict
    event_count: int
    counted_count: int
    located_count: int
    undated_count: int
    by_type: list[tuple[str, int, int]]  # (event type, events, counted), most frequent first
    by_day: list[tuple[date, str, int]]  # (event_date, event type, events)
    totals: dict[str, int]
    casualty_groups: list[tuple[str, str, int, int]]
    top_places: list[dict]
    place_mentions: list[tuple[str, int]]  # the most mentioned place names
    dots: list[dict]  # map dots: lon, lat, event_type, counted, n, location_name, tip
    listed: list[dict]  # the first EVENT_LIST_LIMIT events by date
    quarantine: list[tuple[str, str, int, str]]  # (stage, reason, rows, one example)
    quarantine_count: int
    duplicates: dict[str, int]  # rows by kind
    validation_summary: dict | None
    validation_summary_path: str | None

    @property
    def grouped_dots(self) -> bool:
        return any(d["n"] > 1 for d in self.dots)


def _rows(con: Any, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _tuples(con: Any, sql: str, params: list | None = None) -> list[tuple]:
    return [tuple(row) for row in con.execute(sql, params or []).fetchall()]


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


def _tip(kind: str, modality: str, place: str | None, first: date | None, last: date | None, n: int,
         lat: float, lon: float) -> str:
    when = "undated" if first is None else str(first) if first == last else f"{first} to {last}"
    what = f"{kind} ({modality})" if n == 1 else f"{n} {kind} events ({modality})"
    return f"{what} at {place or '?'}, {when}; {lat:.3f}, {lon:.3f}"


def _map_dots(con: Any, where: str, key: list, located: int) -> list[dict]:
    located_sql = f"{where} AND latitude IS NOT NULL AND longitude IS NOT NULL"
    if located <= MAP_EVENT_LIMIT:
        rows = _rows(con, "SELECT event_id, event_type, modality, location_name, event_date, latitude, longitude "
                          f"FROM events {located_sql} ORDER BY event_id", key)
        return [{"lon": r["longitude"], "lat": r["latitude"], "event_type": r["event_type"],
                 "counted": r["modality"] in COUNTED_MODALITIES, "n": 1, "location_name": r["location_name"],
                 "tip": _tip(r["event_type"], r["modality"], r["location_name"], r["event_date"], r["event_date"],
                             1, r["latitude"], r["longitude"])} for r in rows]
    rows = _rows(con, f"""
        SELECT round(longitude, 2) AS lon, round(latitude, 2) AS lat, event_type, {COUNTED_SQL} AS counted,
               count(*) AS n, min(location_name) AS location_name, min(event_date) AS first,
               max(event_date) AS last
        FROM events {located_sql} GROUP BY ALL ORDER BY lon, lat, event_type, counted""", key)
    for r in rows:
        label = "counted" if r["counted"] else "denied or hypothetical"
        r["tip"] = _tip(r["event_type"], label, r["location_name"], r["first"], r["last"], r["n"], r["lat"], r["lon"])
    return rows


def load_report_data(out: Path | str, run_id: str | None = None, batch: str | None = None, *,
                     storage_options: dict | None = None) -> ReportData:
    """Everything the report needs about one run, counted from the partition its run published."""
    from pipeline import fs as wfs
    from pipeline.query import connect

    con = connect(out, storage_options=storage_options)
    try:
        run = resolve_run(con, run_id, batch)
        key = [run["batch"], run["run_id"]]
        where = "WHERE batch = ? AND run_id = ?"
        counts = _rows(con, f"""
            SELECT count(*) AS events, count(*) FILTER ({COUNTED_SQL}) AS counted,
                   count(*) FILTER (latitude IS NOT NULL AND longitude IS NOT NULL) AS located,
                   count(*) FILTER (event_date IS NULL) AS undated,
                   coalesce(sum(fatalities) FILTER ({COUNTED_SQL}), 0) AS killed,
                   coalesce(sum(coalesce(nullif(fatalities_high, 0), fatalities, 0)) FILTER ({COUNTED_SQL}), 0)
                       AS killed_high,
                   coalesce(sum(injured) FILTER ({COUNTED_SQL}), 0) AS injured,
                   coalesce(sum(coalesce(nullif(injured_high, 0), injured, 0)) FILTER ({COUNTED_SQL}), 0)
                       AS injured_high,
                   count(*) FILTER ({COUNTED_SQL} AND (fatalities IS NOT NULL OR injured IS NOT NULL))
                       AS events_with_toll
            FROM events {where}""", key)[0]
        by_type = _tuples(con, f"SELECT event_type, count(*) AS n, count(*) FILTER ({COUNTED_SQL}) FROM events "
                               f"{where} GROUP BY event_type ORDER BY n DESC, event_type", key)
        by_day = _tuples(con, f"SELECT event_date, event_type, count(*) FROM events {where} "
                              "AND event_date IS NOT NULL GROUP BY ALL ORDER BY ALL", key)
        top_places = _rows(con, f"""
            SELECT location_name AS name, admin1, country_code, count(*) AS events,
                   coalesce(sum(fatalities) FILTER ({COUNTED_SQL}), 0) AS killed
            FROM events {where} AND coalesce(location_name, '') <> ''
            GROUP BY ALL ORDER BY events DESC, killed DESC, name LIMIT {TOP_LIMIT}""", key)
        listed = _rows(con, "SELECT event_date, event_type, modality, location_name, country_code, fatalities, "
                            f"actor1, event_id FROM events {where} ORDER BY event_date NULLS LAST, event_id "
                            f"LIMIT {EVENT_LIST_LIMIT}", key)
        dots = _map_dots(con, where, key, counts["located"])
        groups = _tuples(con, f"""
            SELECT kind, victim_group, count(*) AS n, coalesce(sum(count_low), 0) AS total FROM casualties {where}
              AND NOT coalesce(is_fraction, false) AND NOT coalesce(is_running_total, false)
            GROUP BY ALL ORDER BY kind, total DESC, victim_group NULLS LAST""", key)
        mentions = _tuples(con, f"SELECT name, count(*) AS n FROM place_mentions {where} AND name IS NOT NULL "
                                f"GROUP BY name ORDER BY n DESC, name LIMIT {TOP_LIMIT}", key)
        quarantine = _tuples(con, f"""
            SELECT stage, split_part(reason, ':', 1) AS why, count(*) AS n,
                   min(coalesce(nullif(detail, ''), input_path, '')) FROM quarantine {where}
            GROUP BY stage, why ORDER BY n DESC, stage, why""", key)
        duplicates = dict(_tuples(con, f"SELECT kind, count(*) FROM duplicates {where} GROUP BY kind ORDER BY kind", key))
    finally:
        con.close()
    if wfs.is_remote(out):
        summary, summary_path = _remote_validation_summary(wfs.url(out), run, storage_options)
    else:
        summary, summary_path = _validation_summary(wfs.local_path(out), run)
    return ReportData(
        run=run, event_count=counts["events"], counted_count=counts["counted"], located_count=counts["located"],
        undated_count=counts["undated"], by_type=by_type, by_day=by_day,
        totals={k: int(counts[k]) for k in ("killed", "killed_high", "injured", "injured_high", "events_with_toll")},
        casualty_groups=groups, top_places=top_places, place_mentions=mentions, dots=dots, listed=listed,
        quarantine=quarantine, quarantine_count=sum(n for _, _, n, _ in quarantine), duplicates=duplicates,
        validation_summary=summary, validation_summary_path=summary_path,
    )
