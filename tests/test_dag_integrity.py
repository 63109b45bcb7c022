"""The DAG files parse cleanly, fast, without heavy imports or database access, and follow the policy
operators rely on (schedule, Params with a self-explaining trigger form, retries, tags, docs)."""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
DAG_FILE = DAGS / "conflict_events.py"
HEAVY = ("pyarrow", "great_expectations", "geopy", "dateparser", "pandas")

# Airflow reads its configuration once, at import: point it at a throw-away home and SQLite file
# before anything imports it (only this module imports Airflow into the pytest process).
_HOME = tempfile.mkdtemp(prefix="airflow-integrity-")
os.environ.setdefault("AIRFLOW_HOME", _HOME)
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_HOME}/airflow.db")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS))

# Runs in a fresh interpreter: Airflow is imported first (the dag-processor has it loaded already),
# then the DAG file is parsed with every socket connection and every SQLAlchemy connection refused,
# so a parse that reaches the metadata database or any service fails loudly.
PROBE = r"""
import json, runpy, socket, sys, time
import airflow.sdk  # noqa: F401  (already loaded in a dag-processor)
import sqlalchemy.engine

def refuse(*args, **kwargs):
    raise RuntimeError("connection attempted while parsing the DAG file")

socket.socket.connect = refuse
socket.create_connection = refuse
sqlalchemy.engine.Engine.connect = refuse
try:
    import airflow.settings
    airflow.settings.Session = refuse
except ImportError:
    pass
before = set(sys.modules)
started = time.perf_counter()
namespace = runpy.run_path(sys.argv[1])
elapsed = time.perf_counter() - started
dags = [k for k, v in namespace.items() if type(v).__name__ == "DAG"]
print(json.dumps({"seconds": elapsed, "new_modules": sorted(set(sys.modules) - before)}))
"""


def _run_probe(path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AIRFLOW_HOME": _HOME,
        # A database that cannot exist: a parse that opens a DB session would fail.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:////nonexistent-folder/never/airflow.db",
    }
    return subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                          timeout=120, env=env)


def _probe(path: Path) -> dict:
    result = _run_probe(path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probes() -> list[dict]:
    return [_probe(DAG_FILE) for _ in range(3)]


def test_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    bad = tmp_path / "heavy_dag.py"
    bad.write_text("import pyarrow\n", encoding="utf-8")
    assert "pyarrow" in _probe(bad)["new_modules"]


def test_probe_refuses_a_database_session_at_parse_time(tmp_path: Path) -> None:
    bad = tmp_path / "db_dag.py"
    bad.write_text("from airflow import settings\nsettings.Session()\n", encoding="utf-8")
    result = _run_probe(bad)
    assert result.returncode != 0 and "connection attempted" in result.stderr


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["conflict_events_nightly"]


@pytest.fixture(scope="module")
def module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("conflict_events_dag_under_test", DAG_FILE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dag_files_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert "conflict_events_nightly" in dagbag.dag_ids


def test_parse_takes_well_under_a_second(probes) -> None:
    median = statistics.median(p["seconds"] for p in probes)
    print(f"DAG file parse time, median of 3: {median:.3f} s")
    assert median < 1.0


def test_parse_imports_no_heavy_library(probes) -> None:
    loaded = {m.split(".")[0] for m in probes[0]["new_modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_parse_imports_no_pipeline_module(probes) -> None:
    # pipeline modules pull pyarrow and friends: tasks import them when they run.
    assert not [m for m in probes[0]["new_modules"] if m.split(".")[0] == "pipeline"]


def test_every_dag_is_documented_and_tagged(dagbag) -> None:
    for dag in dagbag.dags.values():
        assert dag.tags, dag.dag_id
        assert dag.doc_md and all(word in dag.doc_md for word in ("**Reads**", "**Writes**", "Rerun")), dag.dag_id


def test_nightly_schedule_is_0200_utc_without_catchup(dag) -> None:
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.start_date == datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_every_task_retries_with_exponential_backoff(dag) -> None:
    for task in dag.tasks:
        assert task.retries >= 1, task.task_id
        assert task.retry_exponential_backoff >= 2, task.task_id
        assert task.max_retry_delay is not None, task.task_id


def test_params_explain_themselves_in_the_trigger_form(dag) -> None:
    expected = {"input", "out", "batch", "start", "end", "geocoder", "reprocess", "dry_run"}
    assert expected <= set(dag.params)
    for name in expected:
        param = dag.params.get_param(name)
        assert param.schema.get("type") and param.schema.get("title") and param.description, name
    assert dag.params.get_param("geocoder").schema["enum"] == ["offline", "nominatim", "photon"]
    assert dag.params.get_param("start").schema["format"] == "date"
    assert dag.params.get_param("reprocess").schema["type"] == "boolean"
    assert dag.params.get_param("dry_run").schema["type"] == "boolean"


def test_params_reject_an_unknown_geocoder(dag) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    params = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError):
        params["geocoder"] = "google"


def test_params_reject_a_malformed_date(dag) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    params = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError):
        params["start"] = "01/06/2024"


def test_stages_are_mapped_over_chunks_and_days(dag) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    mapped = {t.task_id for t in dag.tasks if isinstance(t, MappedOperator)}
    assert mapped == {"ingest", "analyse", "validate", "publish"}


def test_publish_declares_an_asset_per_published_table(dag, module) -> None:
    from pipeline.schemas import TABLES

    assert set(module.TABLES) == set(TABLES)
    uris = {asset.uri for asset in dag.get_task("publish").outlets}
    assert {uri.rsplit("/", 1)[-1] for uri in uris} == set(TABLES)


def test_run_covers_the_day_its_data_interval_starts(module) -> None:
    start = datetime(2024, 6, 1, 2, tzinfo=timezone.utc)
    assert module.run_days({}, start, None) == ["2024-06-01"]


def test_manual_run_without_interval_covers_the_day_before(module) -> None:
    assert module.run_days({}, None, datetime(2024, 6, 2, 9, tzinfo=timezone.utc)) == ["2024-06-01"]


def test_date_range_gives_every_day_inclusive(module) -> None:
    days = module.run_days({"start": "2024-02-28", "end": "2024-03-01"}, None, None)
    assert days == ["2024-02-28", "2024-02-29", "2024-03-01"]


def test_date_range_with_only_a_start_is_one_day(module) -> None:
    assert module.run_days({"start": "2024-06-01", "end": None}, None, None) == ["2024-06-01"]


def test_reversed_date_range_is_refused(module) -> None:
    with pytest.raises(ValueError, match="before it starts"):
        module.run_days({"start": "2024-06-02", "end": "2024-06-01"}, None, None)


def test_input_template_takes_the_day(module) -> None:
    assert module.expand_input("/inbox/{date}", "2024-06-01") == ["/inbox/2024-06-01"]


def test_input_glob_is_expanded_sorted(module, tmp_path: Path) -> None:
    for name in ("b_2024-06-01.txt", "a_2024-06-01.txt", "a_2024-06-02.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = module.expand_input(str(tmp_path / "*_{date}.txt"), "2024-06-01")
    assert [Path(p).name for p in found] == ["a_2024-06-01.txt", "b_2024-06-01.txt"]


def test_input_glob_without_match_is_an_error(module, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        module.expand_input(str(tmp_path / "*.txt"), "2024-06-01")


def test_batch_defaults_to_the_day(module) -> None:
    assert module.batch_for("", "2024-06-01") == "2024-06-01"
    assert module.batch_for("wire-{date}", "2024-06-01") == "wire-2024-06-01"


def test_schedule_none_means_manual_runs_only(module) -> None:
    assert module._timetable("none") is None
