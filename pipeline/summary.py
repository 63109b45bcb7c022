"""Read a published partition back and describe it for people."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from pipeline import fs as wfs
from pipeline.schemas import PARTITION_COLUMN, TABLES
from pipeline.storage import partition_dir


def read_partition(out: Path | str, name: str, batch: str, columns: list[str] | None = None, *,
                   storage_options: dict | None = None) -> list[dict]:
    rows: list[dict] = []
    if wfs.is_remote(out):
        from pipeline.remote import Warehouse, partition_files, storage_errors

        with storage_errors(str(out)):
            wh = Warehouse(str(out), storage_options=storage_options)
            for _, part in partition_files(wh, name, batch):
                rows += wh.read_parquet(part, columns).to_pylist()
    else:
        for path in sorted(partition_dir(wfs.local_path(out), name, batch).glob("*.parquet")):
            rows += pq.read_table(path, columns=columns).to_pylist()
    if columns is None or PARTITION_COLUMN in columns:
        for row in rows:
            row[PARTITION_COLUMN] = batch  # lives in the folder name, not in the file
    return rows


def summarise_partition(out: Path | str, batch: str, *, storage_options: dict | None = None) -> dict:
    """Counts a person wants after a run: articles, events by type, casualties, places, quarantine."""
    opts = {"storage_options": storage_options}
    runs = read_partition(out, "runs", batch, **opts)
    events = read_partition(out, "events", batch, ["event_type", "fatalities", "injured", "modality"], **opts)
    places = read_partition(out, "place_mentions", batch, ["name", "latitude"], **opts)
    quarantine = read_partition(out, "quarantine", batch, ["stage", "reason"], **opts)
    return {
        "run": runs[0] if runs else {},
        "events_by_type": dict(Counter(e["event_type"] for e in events).most_common()),
        "killed": sum(e["fatalities"] or 0 for e in events if e["modality"] in ("asserted", "claimed")),
        "injured": sum(e["injured"] or 0 for e in events if e["modality"] in ("asserted", "claimed")),
        "places_resolved": sum(1 for p in places if p["latitude"] is not None),
        "places_unresolved": sum(1 for p in places if p["latitude"] is None),
        "top_places": Counter(p["name"] for p in places if p["name"]).most_common(5),
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
