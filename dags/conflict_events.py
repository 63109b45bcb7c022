"""Nightly conflict event extraction: read the day's articles, extract events, publish Parquet.

Wiring only: each task calls one ``pipeline.stages`` function and passes paths. Nothing heavy is
imported at parse time (pipeline modules are imported inside the tasks).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import Asset, Param, dag, get_current_context, task

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAREHOUSE = os.environ.get("CONFLICT_EVENTS_WAREHOUSE", os.path.join(PROJECT, "data", "warehouse"))
# Where the nightly run looks for a day's articles; {date} becomes the run's data-interval day.
INBOX = os.environ.get("CONFLICT_EVENTS_INBOX", os.path.join(PROJECT, "data", "inbox", "{date}"))
SCHEDULE = os.environ.get("CONFLICT_EVENTS_SCHEDULE", "0 2 * * *")
TABLES = ("articles", "events", "casualties", "place_mentions", "date_mentions", "quarantine", "runs")
ASSETS = [Asset(f"file://{WAREHOUSE}/{name}") for name in TABLES]

DOC = f"""
### Conflict events, nightly

**Reads** the articles of the run's day from `input` (default `{INBOX}`: `{{date}}` is the day the
run covers, i.e. the start of its data interval) — plain text, HTML, JSON or JSONL, optionally gzipped.

**Writes** Parquet tables under `out` (default `{WAREHOUSE}`): `articles`, `events`, `casualties`,
`place_mentions`, `date_mentions`, `quarantine` and `runs`, each hive-partitioned by `batch`
(the day, or the `batch` Param). A run replaces its own partition whole, so **rerunning is safe**:
clear the run (or trigger again with the same `batch`) and it writes the same rows, never twice.

**Validation**: Great Expectations suites per table; failing rows go to `quarantine`, and the run
fails when too many rows fail. Results: `out/_validation/<run_id>/`.

**Manual runs**: Trigger DAG w/ config → set `input` to a folder or file, optionally `batch`.
"""


@dag(
    dag_id="conflict_events_nightly",
    schedule=SCHEDULE,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["conflict-events"],
    doc_md=DOC,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": True},
    params={
        "input": Param(
            INBOX, type="string", title="Input path",
            description="File or folder to read; {date} is replaced by the run's day (YYYY-MM-DD).",
        ),
        "out": Param(WAREHOUSE, type="string", title="Warehouse folder", description="Where the tables go."),
        "batch": Param(
            "", type="string", title="Partition (batch)",
            description="Partition to replace; empty means the run's day. Same batch = replace, never duplicate.",
        ),
    },
)
def conflict_events_nightly():
    @task
    def plan() -> dict:
        from pipeline.settings import load_settings
        from pipeline.stages import plan_run

        context = get_current_context()
        params = context["params"]
        interval_start = context.get("data_interval_start") or context.get("logical_date")
        day = (interval_start or datetime.now()).strftime("%Y-%m-%d")
        run_id = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in context["run_id"])
        result = plan_run(
            [params["input"].replace("{date}", day)], params["out"], load_settings(),
            batch=params["batch"] or day, run_id=run_id,
        )
        return {"run_dir": result.run_dir, "chunks": list(range(result.chunk_count))}

    @task
    def chunks(run: dict) -> list[int]:
        return run["chunks"]

    @task
    def ingest(run: dict, chunk_no: int) -> int:
        from pipeline.settings import load_settings
        from pipeline.stages import ingest_chunk

        ingest_chunk(run["run_dir"], chunk_no, load_settings())
        return chunk_no

    @task
    def analyse(run: dict, chunk_no: int) -> int:
        from pipeline.settings import load_settings
        from pipeline.stages import analyse_chunk

        analyse_chunk(run["run_dir"], chunk_no, load_settings())
        return chunk_no

    @task
    def validate(run: dict, done: list[int]) -> dict:
        from pipeline.settings import load_settings
        from pipeline.stages import validate_run

        return validate_run(run["run_dir"], load_settings())

    @task(outlets=ASSETS)
    def publish(run: dict, outcome: dict) -> dict:
        from pipeline.stages import publish_run

        row = publish_run(run["run_dir"])
        return {"batch": row["batch"], "out": row["out"], "run_id": row["run_id"]}

    @task
    def report(published: dict) -> str:
        from pathlib import Path

        from pipeline.summary import format_summary, summarise_partition

        text = format_summary(summarise_partition(Path(published["out"]), published["batch"]))
        print(text)
        return text

    run = plan()
    ingested = ingest.partial(run=run).expand(chunk_no=chunks(run))
    analysed = analyse.partial(run=run).expand(chunk_no=ingested)
    report(publish(run, validate(run, analysed)))


conflict_events_nightly()
