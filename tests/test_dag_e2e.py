"""The nightly DAG end to end with ``dag.test()``: real tasks, real pipeline, Parquet outputs.

Each scenario runs in a fresh interpreter with its own AIRFLOW_HOME and SQLite database (Airflow
reads its configuration once per process), calling ``dag.test()`` there: no scheduler, no executor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
AIRFLOW = REPO / ".venv" / "bin" / "airflow"
# Columns that say when and by which run a row was written: they change on every run by design.
VOLATILE = {"run_id", "ingested_at", "quarantined_at", "detected_at", "started_at", "finished_at",
            "validation_path"}

ARTICLES = {
    "shelling.txt": (
        "Shelling kills three in border town\n\nPublished: 2024-05-31T09:00:00+00:00\n\n"
        "KHARKIV, Ukraine — Artillery shelling killed three civilians and wounded five others in the "
        "town of Vovchansk on Thursday, the regional governor said. Several houses were destroyed.\n"
    ),
    "airstrike.txt": (
        "Airstrike hits market\n\nPublished: 2024-06-01T12:00:00+00:00\n\n"
        "IDLIB, Syria — An airstrike on a market in the city of Idlib killed seven people on Saturday, "
        "local rescuers said. Dozens were injured and taken to hospitals in the province.\n"
    ),
    "clashes.txt": (
        "Clashes near oil field\n\nPublished: 2024-06-02T15:30:00+00:00\n\n"
        "MARIB, Yemen — Fighting between government forces and Houthi rebels near an oil field east of "
        "Marib city killed at least ten fighters on Sunday, military sources said.\n"
    ),
}

# dag.test() for each conf, in order, in one interpreter; prints one JSON line of final states.
RUNNER = textwrap.dedent(
    """
    import json, sys
    from datetime import datetime, timezone
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=sys.argv[1])
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["conflict_events_nightly"]
    # dag.test() leaves one run's conf in dag.params: pass every Param so runs do not leak into the next.
    defaults = dag.params.dump()
    states = []
    for n, conf in enumerate(json.loads(sys.argv[2])):
        run = dag.test(logical_date=datetime(2024, 6, 1 + n, 2, tzinfo=timezone.utc), run_conf={**defaults, **conf})
        tis = {f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in run.get_task_instances()}
        states.append({"state": str(run.state), "tasks": tis})
    print("STATES " + json.dumps(states))
    """
)


def write_articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def airflow_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "CONFLICT_EVENTS_RETRIES": "0",  # a failure should fail the test now, not after backoff
        "GX_ANALYTICS_ENABLED": "false",
    }


def run_dag(home: Path, confs: list[dict]) -> list[dict]:
    env = airflow_env(home)
    if not (home / "airflow.db").exists():
        migrated = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True,
                                  timeout=300)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
    result = subprocess.run([sys.executable, "-c", RUNNER, str(REPO / "dags"), json.dumps(confs)], env=env,
                            capture_output=True, text=True, timeout=600, cwd=home)
    lines = [line for line in result.stdout.splitlines() if line.startswith("STATES ")]
    assert result.returncode == 0 and lines, (result.stdout[-4000:] + result.stderr[-4000:])
    return json.loads(lines[-1][len("STATES "):])


def snapshot(out: Path, batch: str) -> dict[str, list]:
    """Every table's rows in the partition, without the run's own id and timestamps, sorted."""
    import pyarrow.parquet as pq

    tables = {}
    for folder in sorted(out.glob(f"*/batch={batch}")):
        rows = []
        for path in sorted(folder.glob("*.parquet")):
            rows += pq.read_table(path).to_pylist()
        # The run id also appears inside text columns (e.g. a quarantined row's JSON).
        tables[folder.parent.name] = sorted(
            json.dumps({k: v for k, v in row.items() if k not in VOLATILE}, sort_keys=True, default=str)
            .replace(row.get("run_id") or "\0", "<run_id>")
            for row in rows
        )
    return tables


def file_bytes(out: Path, batch: str) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob(f"*/batch={batch}/*.parquet"))}


def inputs_folder(tmp_path: Path) -> Path:
    if SAMPLES.is_dir() and any(SAMPLES.iterdir()):
        return SAMPLES
    return write_articles(tmp_path / "articles")


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory) -> dict:
    """Publish the samples, rerun the same batch (replace), then rerun with reprocess off (skip)."""
    tmp = tmp_path_factory.mktemp("dag-e2e")
    out = tmp / "warehouse"
    conf = {"input": str(inputs_folder(tmp)), "out": str(out), "batch": "samples-e2e"}
    states = run_dag(tmp / "home", [conf])
    first = {"snapshot": snapshot(out, "samples-e2e"), "bytes": file_bytes(out, "samples-e2e")}
    states += run_dag(tmp / "home", [conf, {**conf, "reprocess": False}])
    return {"out": out, "states": states, "first": first}


def test_sample_run_publishes_parquet_tables_with_rows(sample_runs) -> None:
    import pyarrow.parquet as pq

    assert sample_runs["states"][0]["state"] == "success", sample_runs["states"][0]
    out = sample_runs["out"]
    for table in ("articles", "events", "runs"):
        files = list((out / table / "batch=samples-e2e").glob("*.parquet"))
        assert files, f"no {table} partition"
        assert sum(pq.read_metadata(f).num_rows for f in files) > 0, table
    # The last task writes the run's HTML report beside the tables.
    run_id = pq.read_table(out / "runs" / "batch=samples-e2e").column("run_id")[0].as_py()
    page = out / "_reports" / f"{run_id}.html"
    assert page.exists() and "<svg" in page.read_text(encoding="utf-8")


def test_rerun_of_the_same_batch_replaces_with_identical_rows(sample_runs) -> None:
    assert sample_runs["states"][1]["state"] == "success", sample_runs["states"][1]
    assert snapshot(sample_runs["out"], "samples-e2e") == sample_runs["first"]["snapshot"]


def test_rerun_without_reprocess_leaves_the_partition_untouched(sample_runs) -> None:
    third = sample_runs["states"][2]
    assert third["state"] == "success", third
    assert third["tasks"]["publish[0]"] == "skipped"
    second_snapshot = snapshot(sample_runs["out"], "samples-e2e")
    assert second_snapshot == sample_runs["first"]["snapshot"]


def test_stage_tasks_are_mapped_and_staging_is_cleaned(sample_runs) -> None:
    tasks = sample_runs["states"][0]["tasks"]
    assert tasks["ingest[0]"] == "success" and tasks["analyse[0]"] == "success"
    assert not list((sample_runs["out"] / "_staging").glob("*/validated"))


@pytest.fixture(scope="module")
def range_and_dry_runs(tmp_path_factory) -> dict:
    """A date range over an inbox with one folder per day, then a dry run of a third day."""
    tmp = tmp_path_factory.mktemp("dag-e2e-range")
    inbox, out = tmp / "inbox", tmp / "warehouse"
    for day, name in (("2024-06-01", "shelling.txt"), ("2024-06-02", "airstrike.txt"), ("2024-06-03", "clashes.txt")):
        (inbox / day).mkdir(parents=True)
        (inbox / day / name).write_text(ARTICLES[name], encoding="utf-8")
    template = str(inbox / "{date}")
    states = run_dag(tmp / "home", [
        {"input": template, "out": str(out), "start": "2024-06-01", "end": "2024-06-02"},
        {"input": template, "out": str(out), "start": "2024-06-03", "dry_run": True},
    ])
    return {"out": out, "states": states}


def test_date_range_publishes_each_day_into_its_own_partition(range_and_dry_runs) -> None:
    import pyarrow.parquet as pq

    run = range_and_dry_runs["states"][0]
    assert run["state"] == "success", run
    out = range_and_dry_runs["out"]
    for day in ("2024-06-01", "2024-06-02"):
        files = list((out / "articles" / f"batch={day}").glob("*.parquet"))
        assert sum(pq.read_metadata(f).num_rows for f in files) == 1, day
    assert {"validate[0]", "validate[1]", "publish[0]", "publish[1]"} <= set(run["tasks"])


def test_dry_run_publishes_nothing(range_and_dry_runs) -> None:
    run = range_and_dry_runs["states"][1]
    assert run["state"] == "success", run
    assert run["tasks"]["validate[0]"] == "success"
    assert run["tasks"]["publish[0]"] == "skipped"
    assert not (range_and_dry_runs["out"] / "articles" / "batch=2024-06-03").exists()


def test_articles_written_for_tests_are_distinct(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "a")
    assert len({p.read_text(encoding="utf-8") for p in folder.iterdir()}) == len(ARTICLES)
