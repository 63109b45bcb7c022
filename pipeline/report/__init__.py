"""``conflict-events report``: a self-contained HTML page about one run, with an offline map.

Kept light to import (the CLI imports it on every start): duckdb, pyshp and shapely are imported
inside the functions that need them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data/warehouse")
REPORTS_DIR = "_reports"


def default_destination(out: Path | str, run_id: str) -> Path:
    """``OUT/_reports/<run_id>.html``: beside the run's validation results, outside any table."""
    return Path(out) / REPORTS_DIR / f"{run_id}.html"


def published_report(out: Path | str, run_id: str, *, storage_options: dict | None = None) -> str | None:
    """Where the run's report is in the warehouse, if it was written there."""
    from pipeline import fs as wfs

    if wfs.is_remote(out):
        from pipeline.remote import Warehouse, storage_errors

        with storage_errors(str(out)):
            wh = Warehouse(str(out), storage_options=storage_options)
            found = wh.exists(wh.path(REPORTS_DIR, f"{run_id}.html"))
        return wfs.join(out, REPORTS_DIR, f"{run_id}.html") if found else None
    path = default_destination(wfs.local_path(out), run_id)
    return str(path) if path.exists() else None


def write_report(out: Path | str, run_id: str | None, batch: str | None, dest: Path | None, *,
                 storage_options: dict | None = None) -> Path | str:
    """Write the report of ``run_id`` (or the latest run of ``batch``, or the latest run) to ``dest``.

    Returns the path written. The file is replaced atomically, so a reader never sees half a page
    (on an object store: one PUT of the whole page).
    """
    from pipeline import fs as wfs
    from pipeline.report.data import load_report_data
    from pipeline.report.html import render_report

    data = load_report_data(out, run_id, batch, storage_options=storage_options)
    if dest is None and wfs.is_remote(out):
        from pipeline.remote import Warehouse, storage_errors

        page = render_report(data).encode("utf-8")
        with storage_errors(str(out)):  # one PUT: the page appears whole or not at all
            wh = Warehouse(str(out), storage_options=storage_options)
            wh.fs.pipe_file(wh.path(REPORTS_DIR, f"{data.run['run_id']}.html"), page)
        return wfs.join(out, REPORTS_DIR, f"{data.run['run_id']}.html")
    dest = Path(dest) if dest else default_destination(wfs.local_path(out), data.run["run_id"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(render_report(data), encoding="utf-8")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.settings import load_settings

    path = write_report(args.out, args.run, args.batch, Path(args.output) if args.output else None,
                        storage_options=load_settings().storage_options)
    print(path)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` to the ``conflict-events`` command."""
    r = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of a run (map, counts, validation, quarantine)",
        description="Write one HTML file about a published run: counts by type and day, casualties, top "
        "places, validation outcome, quarantine reasons and an offline map of the events. "
        "Without --run, the latest run (of --batch, if given).",
    )
    r.add_argument("--run", metavar="RUN_ID", help="the run (default: the latest)")
    r.add_argument("--batch", help="the latest run of this batch")
    r.add_argument("--out", default=str(DEFAULT_WAREHOUSE), metavar="DIR",
                   help=f"warehouse folder or URL such as s3://bucket/prefix (default {DEFAULT_WAREHOUSE})")
    r.add_argument("--output", metavar="FILE.html",
                   help=f"where to write it (default DIR/{REPORTS_DIR}/<run_id>.html)")
    r.set_defaults(func=cmd_report)
