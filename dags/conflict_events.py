"""Nightly conflict event extraction: read a day's articles, extract events, publish Parquet.

Wiring only: each task calls ``pipeline.stages`` functions and passes paths. Nothing heavy is
imported at parse time (pipeline modules are imported inside the tasks), and nothing here touches
the metadata database or a connection while the file is parsed.
"""

from __future__ import annotations

import glob
import os
import re
from datetime import date, datetime, timedelta, timezone

from airflow.sdk import Asset, CronDataIntervalTimetable, Param, TriggerRule, dag, get_current_context, task

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAREHOUSE = os.environ.get("CONFLICT_EVENTS_WAREHOUSE", os.path.join(PROJECT, "data", "warehouse"))
# Where the nightly run looks for a day's articles; {date} becomes the day the run covers.
INBOX = os.environ.get("CONFLICT_EVENTS_INBOX", os.path.join(PROJECT, "data", "inbox", "{date}"))
# A cron expression, or "none" for manual runs only (e.g. a staging install without an inbox).
SCHEDULE = os.environ.get("CONFLICT_EVENTS_SCHEDULE", "0 2 * * *")
GEOCODERS = ["offline", "nominatim", "photon"]
DEFAULT_GEOCODER = os.environ.get("CONFLICT_EVENTS_GEOCODER", "offline")
# The published tables (pipeline.schemas.TABLES; a test keeps the two in step without importing
# pyarrow here).
TABLES = (
    "articles", "events", "casualties", "place_mentions", "date_mentions", "duplicates", "quarantine", "runs",
)
# The warehouse may be a URL (s3://bucket/prefix): then it names the Assets as it is.
ASSETS = [Asset(f"{WAREHOUSE if '://' in WAREHOUSE else 'file://' + WAREHOUSE}/{name}", group="conflict_events")
          for name in TABLES]
# Partition names become folder names (pipeline.stages.check_batch_name has the same alphabet).
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_GLOB_CHARS = set("*?[")
MAX_DAYS = 366
# Retries per task (exponential backoff from one minute); tests and debugging set 0.
RETRIES = int(os.environ.get("CONFLICT_EVENTS_RETRIES", "2"))
# Labels of mapped task instances in the UI (instead of bare indexes).
CHUNK_LABEL = "{{ task.op_kwargs['item']['batch'] }} chunk {{ task.op_kwargs['item']['chunk_no'] }}"
DAY_LABEL = "{{ task.op_kwargs['run']['batch'] }}"


def _timetable(expr: str) -> CronDataIntervalTimetable | None:
    # A data-interval timetable: the 02:00 run of day D+1 covers [D 02:00, D+1 02:00), so its
    # logical date (and a backfill's --from-date/--to-date) names the day D it processes.
    return None if expr.strip().lower() in {"", "none", "off"} else CronDataIntervalTimetable(expr, timezone="UTC")


def run_days(params: dict, interval_start: datetime | None, run_after: datetime | None) -> list[str]:
    """The days (YYYY-MM-DD) one run processes: the Params' date range when given, else the day
    the run's data interval starts on, else (manual run without a logical date) the day before it ran."""
    start, end = params.get("start") or None, params.get("end") or None
    if start or end:
        first = date.fromisoformat(start or end)
        last = date.fromisoformat(end or start)
        if last < first:
            raise ValueError(f"date range ends ({last}) before it starts ({first})")
        count = (last - first).days + 1
        if count > MAX_DAYS:
            raise ValueError(f"date range of {count} days is longer than {MAX_DAYS}; split it into several runs")
        return [(first + timedelta(days=n)).isoformat() for n in range(count)]
    if interval_start is not None:
        return [interval_start.astimezone(timezone.utc).date().isoformat()]
    moment = run_after or datetime.now(timezone.utc)
    return [(moment.astimezone(timezone.utc).date() - timedelta(days=1)).isoformat()]


def expand_input(pattern: str, day: str) -> list[str]:
    """The paths one day reads: ``{date}`` filled in, then a glob expanded (sorted) when it has one."""
    path = pattern.replace("{date}", day)
    if not _GLOB_CHARS & set(path):
        return [path]
    matches = sorted(glob.glob(path, recursive=True))
    if not matches:
        raise FileNotFoundError(f"input glob {path!r} matches no file")
    return matches


def batch_for(template: str, day: str) -> str:
    """The partition a day replaces: the ``batch`` Param with ``{date}`` filled in, or the day."""
    return template.replace("{date}", day) if template else day


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "run"


DOC = f"""
### Conflict events, nightly

Reads news articles, extracts conflict events (airstrikes, shelling, clashes, bombings, attacks on
civilians, casualties, ceasefires), geocodes them and publishes Parquet tables.

**Schedule**: `{SCHEDULE}` (UTC; set `CONFLICT_EVENTS_SCHEDULE`, or `none` for manual runs only).
The run of day D+1 covers day D: its *logical date* is D. Catchup is off (unpausing runs only the
latest complete day); backfill with
`airflow backfill create --dag-id conflict_events_nightly --from-date 2024-06-01 --to-date 2024-06-07`
(one run per day) or trigger one run with the `start`/`end` Params below.

**Reads** `input` (default `{INBOX}`): a file, a folder (read recursively) or a glob; `{{date}}` is
the day being processed (YYYY-MM-DD). Plain text, HTML, JSON or JSONL, optionally gzipped. A missing
path fails the run on purpose (a typo must not look like an empty day); an empty folder publishes
empty partitions.

**Writes** Parquet tables under `out` (default `{WAREHOUSE}`): `articles`, `events`, `casualties`,
`place_mentions`, `date_mentions`, `duplicates`, `quarantine` and `runs`, each hive-partitioned by `batch` (the
day, or the `batch` Param; `{{date}}` in it is filled in). Publishing replaces the day's partition
of every table atomically, so a rerun never duplicates rows. Validation results (Great
Expectations) go to `out/_validation/<run_id>/`; rows failing row-level checks go to `quarantine`,
and a day fails when too many rows fail. Work in progress lives in `out/_staging/<run_id>/`.
The publish task updates the Assets `file://{WAREHOUSE}/<table>`, so other DAGs can be scheduled on them.

**Tasks**: `plan` finds each day's files and splits them into chunks → `ingest` and `analyse`
(extract + geocode) run once per chunk (mapped; a failing chunk fails only its own day) →
`validate` and `publish` run once per day → `report` prints a summary per day, writes each day's
HTML run report (counts, casualties, places, validation, quarantine, an offline map) to
`out/_reports/<run_id>.html`, and fails the run when any day failed.

**Rerun / repair**
- A failed chunk: clear that mapped `ingest`/`analyse` instance (with downstream); the other chunks'
  work is kept.
- A whole day again: clear the run, or trigger with the same `batch` and `reprocess` on; the
  partition is replaced, never appended to.
- Fill only missing days of a range: trigger with `start`/`end` and `reprocess` off; days already
  published are skipped.
- Try without touching the tables: `dry_run` on; staged tables stay in `out/_staging/<run_id>/validated/`.

**Params**: `input`, `out`, `batch`, `start`/`end` (date range; each day gets its own partition),
`geocoder` (`offline` uses the bundled gazetteer; `nominatim`/`photon` call a service and fall back
to offline), `reprocess`, `dry_run`.
"""


def _deterministic(err: Exception) -> bool:
    """Bad input, bad settings and failed quality gates fail the same way on retry: fail at once."""
    from pipeline.errors import ConfigError, InputError, ValidationFailed

    return isinstance(err, (ConfigError, InputError, ValidationFailed, ValueError, FileNotFoundError))


def _fail_fast(err: Exception) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    if _deterministic(err):
        raise AirflowFailException(f"{type(err).__name__}: {err}") from err


def _settings_of(run_dir: str):
    """Every task of a day uses the settings frozen in its plan, whichever worker runs it."""
    from pipeline.settings import Settings
    from pipeline.stages import load_plan

    return Settings(**load_plan(run_dir).settings)


def _published_run_id(out: str, batch: str) -> str | None:
    from pipeline.settings import load_settings
    from pipeline.summary import read_partition

    # out is a folder or a URL (s3://...): read through pipeline, never as a local Path here.
    rows = read_partition(out, "runs", batch, ["run_id"], storage_options=load_settings().storage_options)
    return rows[0]["run_id"] if rows else None


def _require(path: str, what: str) -> None:
    # Downstream tasks run when a sibling failed (trigger rule all_done) so that one bad chunk or
    # day does not stop the others; each checks its own input is complete instead.
    from airflow.sdk.exceptions import AirflowFailException

    if not os.path.exists(path):
        raise AirflowFailException(f"{what} did not finish: {path} is missing")


@dag(
    dag_id="conflict_events_nightly",
    schedule=_timetable(SCHEDULE),
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["conflict-events", "nightly", "parquet"],
    doc_md=DOC,
    default_args={
        "owner": "conflict-events",
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=2),
    },
    params={
        "input": Param(
            INBOX, type="string", minLength=1, title="Input path or glob",
            description="File, folder (read recursively) or glob to read; {date} is replaced by the day "
            "being processed (YYYY-MM-DD).",
        ),
        "out": Param(
            WAREHOUSE, type="string", minLength=1, title="Warehouse folder or URL",
            description="Where the Parquet tables are published (one folder per table, partitioned by batch): "
            "a folder, or an fsspec URL such as s3://bucket/prefix (work files then stay in a local staging "
            "folder, CONFLICT_EVENTS_STAGING_DIR, which every worker must share).",
        ),
        "batch": Param(
            "", type="string", pattern=r"^[A-Za-z0-9_.{}-]*$", title="Partition (batch)",
            description="Partition each day replaces; empty means the day itself (YYYY-MM-DD). {date} is "
            "filled in. The same batch is replaced, never appended to.",
        ),
        "start": Param(
            None, type=["null", "string"], format="date", title="First day",
            description="Process a date range instead of the run's own day: each day's input goes to its "
            "own partition. Empty: the day the run covers.",
        ),
        "end": Param(
            None, type=["null", "string"], format="date", title="Last day (inclusive)",
            description="Last day of the range; empty means the same as the first day.",
        ),
        "geocoder": Param(
            DEFAULT_GEOCODER if DEFAULT_GEOCODER in GEOCODERS else "offline", type="string", enum=GEOCODERS,
            title="Geocoder backend",
            description="offline: the bundled GeoNames gazetteer (no network). nominatim / photon: an online "
            "service (CONFLICT_EVENTS_GEOCODER_URL), falling back to offline when it fails.",
        ),
        "reprocess": Param(
            True, type="boolean", title="Reprocess (replace existing partitions)",
            description="On: a day already published is processed again and its partition replaced. Off: "
            "days already published are skipped (fill the gaps of a range).",
        ),
        "dry_run": Param(
            False, type="boolean", title="Dry run",
            description="Run every stage, including validation, but publish nothing; the staged tables stay "
            "in out/_staging/<run_id>/validated/.",
        ),
    },
)
def conflict_events_nightly():
    @task
    def plan() -> list[dict]:
        """One entry per day: its partition, staging folder and chunk count (or why it is skipped)."""
        from pipeline.settings import load_settings
        from pipeline.stages import plan_run

        context = get_current_context()
        params = context["params"]
        try:
            days = run_days(
                params, context.get("data_interval_start"), getattr(context["dag_run"], "run_after", None)
            )
            batches = [batch_for(params["batch"], day) for day in days]
            if len(set(batches)) != len(batches):
                raise ValueError(
                    f"batch {params['batch']!r} gives the same partition to several days; put {{date}} in it "
                    "or leave it empty"
                )
            settings = load_settings().with_overrides(geocoder=params["geocoder"])
            runs = []
            for day, batch in zip(days, batches):
                if not params["reprocess"] and _published_run_id(params["out"], batch):
                    reason = f"batch={batch} is already published and reprocess is off"
                    print(f"{day}: {reason}: skipped")
                    runs.append({"day": day, "batch": batch, "skip": reason})
                    continue
                result = plan_run(
                    expand_input(params["input"], day), params["out"], settings,
                    batch=batch, run_id=f"{safe_name(context['run_id'])}.{batch}",
                )
                print(f"{day}: {len(result.inputs)} input files in {result.chunk_count} chunks -> batch={batch}")
                runs.append({"day": day, "batch": batch, "run_dir": result.run_dir, "run_id": result.run_id,
                             "chunk_count": result.chunk_count, "skip": None})
        except Exception as err:
            _fail_fast(err)
            raise
        return runs

    @task
    def chunks(runs: list[dict]) -> list[dict]:
        return [
            {"run_dir": run["run_dir"], "batch": run["batch"], "chunk_no": n}
            for run in runs if not run["skip"] for n in range(run["chunk_count"])
        ]

    @task(map_index_template=CHUNK_LABEL)
    def ingest(item: dict) -> dict:
        from pipeline.stages import ingest_chunk

        try:
            ingest_chunk(item["run_dir"], item["chunk_no"], _settings_of(item["run_dir"]))
        except Exception as err:
            _fail_fast(err)
            raise
        return item

    @task(trigger_rule=TriggerRule.ALL_DONE, map_index_template=CHUNK_LABEL)
    def analyse(item: dict) -> dict:
        from pipeline.stages import analyse_chunk

        _require(os.path.join(item["run_dir"], "chunks", f"{item['chunk_no']:05d}", "inputs.json"),
                 f"ingest of chunk {item['chunk_no']}")
        try:
            analyse_chunk(item["run_dir"], item["chunk_no"], _settings_of(item["run_dir"]))
        except Exception as err:
            _fail_fast(err)
            raise
        return item

    @task(trigger_rule=TriggerRule.ALL_DONE, map_index_template=DAY_LABEL)
    def validate(run: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from pipeline.stages import load_plan, validate_run

        if run["skip"]:
            raise AirflowSkipException(run["skip"])
        plan_ = load_plan(run["run_dir"])
        for n in range(plan_.chunk_count):
            folder = os.path.join(run["run_dir"], "chunks", f"{n:05d}")
            _require(os.path.join(folder, "extract_quarantine.parquet"), f"analysis of chunk {n} ({run['day']})")
        try:
            outcome = validate_run(run["run_dir"], _settings_of(run["run_dir"]))
            return {**run, "validation_success": bool(outcome.get("success"))}
        except Exception as err:
            _fail_fast(err)
            raise

    @task(trigger_rule=TriggerRule.ALL_DONE, outlets=ASSETS, map_index_template=DAY_LABEL)
    def publish(run: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from pipeline.stages import publish_run

        context = get_current_context()
        params = context["params"]
        if run["skip"]:
            raise AirflowSkipException(run["skip"])
        if _published_run_id(params["out"], run["batch"]) == run["run_id"] and not os.path.isdir(run["run_dir"]):
            print(f"batch={run['batch']} was already published by this run (a retry): nothing to do")
            return run
        _require(os.path.join(run["run_dir"], "validated", "validation.json"), f"validation of {run['day']}")
        if params["dry_run"]:
            # Skipped, not succeeded: a skipped task emits no Asset events, so nothing downstream fires.
            raise AirflowSkipException(f"dry run: batch={run['batch']} not published; staged in {run['run_dir']}")
        if not params["reprocess"] and _published_run_id(params["out"], run["batch"]):
            raise AirflowSkipException(f"batch={run['batch']} appeared meanwhile and reprocess is off")
        row = publish_run(run["run_dir"])
        for asset in ASSETS:
            context["outlet_events"][asset].extra = {"batch": run["batch"], "out": row["out"], "run_id": row["run_id"]}
        return run

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def report(runs: list[dict] | None) -> str:
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.report import write_report
        from pipeline.settings import load_settings
        from pipeline.summary import format_summary, summarise_partition

        params = get_current_context()["params"]
        options = load_settings().storage_options
        if runs is None:
            raise AirflowFailException("plan failed: no day was processed (see the plan task's log)")
        lines, failed = [], []
        for run in runs:
            if run["skip"]:
                lines.append(f"{run['day']}: skipped, {run['skip']}")
                continue
            if params["dry_run"]:
                staged = Path(run["run_dir"]) / "validated" / "validation.json"
                ok = staged.exists()
                lines.append(f"{run['day']}: dry run, " + (f"staged in {staged.parent}" if ok else "FAILED"))
            else:
                ok = _published_run_id(params["out"], run["batch"]) == run["run_id"]
                if ok:
                    page = write_report(params["out"], run["run_id"], run["batch"], None, storage_options=options)
                    lines.append(format_summary(summarise_partition(params["out"], run["batch"],
                                                                    storage_options=options)))
                    lines.append(f"report: {page}")
                else:
                    lines.append(f"{run['day']}: FAILED, batch={run['batch']} not published (see task logs)")
            if not ok:
                failed.append(run["day"])
        text = "\n".join(lines) or "nothing to do"
        print(text)
        if failed:
            raise AirflowFailException(f"days failed: {', '.join(failed)}")
        return text

    planned = plan()
    work = chunks(planned)
    ingested = ingest.expand(item=work)
    # Mapped over the plan (not over ingest's results) so that a failed chunk fails only its own day.
    analysed = analyse.expand(item=work)
    ingested >> analysed
    validated = validate.expand(run=planned)
    analysed >> validated
    published = publish.expand(run=planned)
    validated >> published
    published >> report(planned)


conflict_events_nightly()
