"""Read a published partition back and describe it for people."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import fs as wfs
from pipeline.schemas import PARTITION_COLUMN, TABLES
from pipeline.storage import partition_dir


def _read_tables(out: Path | str, name: str, batch: str, columns: list[str] | None,
                 storage_options: dict | None) -> pa.Table | None:
    tables: list[pa.Table] = []
    if wfs.is_remote(out):
        from pipeline.remote import Warehouse, partition_files, storage_errors

        with storage_errors(str(out)):
            wh = Warehouse(str(out), storage_options=storage_options)
            for _, part in partition_files(wh, name, batch):
                tables.append(wh.read_parquet(part, columns))
    else:
        for path in sorted(partition_dir(wfs.local_path(out), name, batch).glob("*.parquet")):
            tables.append(pq.read_table(path, columns=columns))
    return pa.concat_tables(tables, promote_options="permissive") if tables else None


def read_partition(out: Path | str, name: str, batch: str, columns: list[str] | None = None, *,
                   storage_options: dict | None = None) -> list[dict]:
    """The partition's rows as dicts: for small tables (runs, quarantine) and tests."""
    wanted = None if columns is None else [c for c in columns if c != PARTITION_COLUMN]
    table = _read_tables(out, name, batch, wanted, storage_options)
    rows = table.to_pylist() if table is not None else []
    if columns is None or PARTITION_COLUMN in columns:
        for row in rows:
            row[PARTITION_COLUMN] = batch  # lives in the folder name, not in the file
    return rows


def summarise_partition(out: Path | str, batch: str, *, storage_options: dict | None = None) -> dict:
    """Counts a person wants after a run: articles, events by type, casualties, places, quarantine.

    Counted with Arrow compute on the columns it needs: a 100k-article run has millions of place
    mentions, far too many to hold as Python dicts in the process that just published them."""
    runs = read_partition(out, "runs", batch, storage_options=storage_options)
    events = _read_tables(out, "events", batch, ["event_type", "fatalities", "injured", "modality"], storage_options)
    places = _read_tables(out, "place_mentions", batch, ["name", "latitude"], storage_options)
    quarantine = read_partition(out, "quarantine", batch, ["stage", "reason"], storage_options=storage_options)
    events_by_type: dict[str, int] = {}
    killed = injured = 0
    if events is not None and events.num_rows:
        counts = pc.value_counts(events.column("event_type").combine_chunks())
        pairs = sorted(((c["values"].as_py(), c["counts"].as_py()) for c in counts), key=lambda kv: (-kv[1], kv[0]))
        events_by_type = dict(pairs)
        counted = pc.is_in(events.column("modality"), value_set=pa.array(["asserted", "claimed"]))
        killed = pc.sum(pc.filter(events.column("fatalities"), counted)).as_py() or 0
        injured = pc.sum(pc.filter(events.column("injured"), counted)).as_py() or 0
    resolved = unresolved = 0
    top_places: list[tuple[str, int]] = []
    if places is not None and places.num_rows:
        unresolved = places.column("latitude").null_count
        resolved = places.num_rows - unresolved
        names = pc.drop_null(places.column("name")).combine_chunks()
        names = pc.filter(names, pc.not_equal(names, ""))
        if len(names):
            counts = pc.value_counts(names)
            top_places = sorted(((c["values"].as_py(), c["counts"].as_py()) for c in counts),
                                key=lambda kv: (-kv[1], kv[0]))[:5]
    return {
        "run": runs[0] if runs else {},
        "events_by_type": events_by_type,
        "killed": killed,
        "injured": injured,
        "places_resolved": resolved,
        "places_unresolved": unresolved,
        "top_places": top_places,
        "quarantine_reasons": dict(Counter(f"{q['stage']}:{q['reason'].split(':')[0]}" for q in quarantine)),
        "tables": {name: wfs.join(out, name) for name in TABLES},
        "report": _report_path(out, runs[0]["run_id"], storage_options) if runs else None,
    }


def _report_path(out: Path | str, run_id: str, storage_options: dict | None = None) -> str | None:
    from pipeline.report import published_report

    return published_report(out, run_id, storage_options=storage_options)


def format_summary(summary: dict) -> str:
    run = summary["run"]
    lines = [
        f"Run {run.get('run_id')} (batch {run.get('batch')})",
        f"  inputs: {run.get('input_files')} files, {run.get('records_seen')} records -> "
        f"{run.get('articles')} articles, {run.get('duplicates')} duplicates, {run.get('quarantined')} quarantined",
        f"  events: {run.get('events')}  "
        + ", ".join(f"{k} {v}" for k, v in summary["events_by_type"].items()),
        f"  casualties: {summary['killed']} killed, {summary['injured']} injured "
        f"(sum over events; {run.get('casualties')} casualty counts in the text)",
        f"  places: {summary['places_resolved']} resolved, {summary['places_unresolved']} unresolved; top: "
        + ", ".join(f"{n} ({c})" for n, c in summary["top_places"]),
        f"  validation: {'passed' if run.get('validation_success') else 'FAILED'} (results in "
        f"{run.get('validation_path')})",
        "  quarantine: " + (", ".join(f"{k} {v}" for k, v in summary["quarantine_reasons"].items()) or "none"),
        f"  tables: {next(iter(summary['tables'].values())).rsplit('/', 1)[0]}/<table>/batch={run.get('batch')}/",
    ]
    if summary.get("report"):
        lines.append(f"  report: {summary['report']} (open it in a browser; it works offline)")
    else:
        lines.append(f"  report: conflict-events report --out {next(iter(summary['tables'].values())).rsplit('/', 1)[0]} "
                     f"--run {run.get('run_id')}")
    return "\n".join(lines)
