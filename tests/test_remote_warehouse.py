"""A warehouse on an object store: ``--out s3://bucket/prefix`` publishes, reads back, reruns and repairs
an interrupted publish the way a local folder does.

The S3 API is moto's server on 127.0.0.1 (a real HTTP endpoint, so s3fs, botocore and DuckDB's fsspec
bridge run exactly as against a bucket); nothing leaves the machine. Each run is ``conflict-events`` in
its own process, given the endpoint through ``CONFLICT_EVENTS_STORAGE_OPTIONS`` and credentials through
``AWS_*`` variables, as a user would.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import fs as wfs
from pipeline import storage
from pipeline.errors import PublishConflict
from pipeline.schemas import TABLES

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
BUCKET = "warehouse"
BATCH = "b1"
# Tests that run `conflict-events` in a subprocess: each run pays for importing GX (2-3 minutes in all).
slow = pytest.mark.slow
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 server on a free loopback port, an empty bucket, and the environment a run needs."""
    try:
        from moto.server import ThreadedMotoServer
        import s3fs
    except ImportError as err:
        pytest.skip(f"moto[server] or s3fs is not installed ({err}): uv sync installs both")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except (OSError, RuntimeError) as err:
        pytest.skip(f"moto's S3 server could not start on 127.0.0.1: {err}")
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # Keyword credentials for in-process calls; the subprocesses get them from AWS_* instead.
    options = {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
    fs = s3fs.S3FileSystem(**options)
    fs.mkdir(BUCKET)
    env = {
        **os.environ, **CREDENTIALS,
        # No profile, config file or instance metadata: only what this test gives.
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "CONFLICT_EVENTS_STORAGE_OPTIONS": json.dumps({"endpoint_url": endpoint}),
        "GX_ANALYTICS_ENABLED": "false",
    }
    env.pop(storage.CRASH_ENV, None)
    yield {"fs": fs, "env": env, "options": options, "staging": tmp_path_factory.mktemp("staging")}
    server.stop()


def _cli(s3: dict, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(s3["env"])
    if crash_at:
        env[storage.CRASH_ENV] = crash_at
    exe = str(Path(sys.executable).with_name("conflict-events"))
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=600)


def _run(s3: dict, prefix: str, batch: str = BATCH, crash_at: str | None = None) -> subprocess.CompletedProcess:
    result = _cli(s3, "run", "-q", "--input", str(SAMPLES), "--out", f"s3://{BUCKET}/{prefix}", "--batch", batch,
                  "--staging", str(s3["staging"]), crash_at=crash_at)
    if crash_at is None:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def _copy(s3: dict, source: str, target: str) -> None:
    """A warehouse as the first run left it, for a test that changes it."""
    s3["fs"].copy(f"{BUCKET}/{source}", f"{BUCKET}/{target}", recursive=True)


def _files(s3: dict, prefix: str, table: str, batch: str = BATCH) -> list[str]:
    fs = s3["fs"]
    fs.invalidate_cache()
    return sorted(fs.find(f"{BUCKET}/{prefix}/{table}/batch={batch}"))


def _rows(s3: dict, prefix: str, table: str, batch: str = BATCH) -> list[dict]:
    rows = []
    for path in _files(s3, prefix, table, batch):
        rows += pq.read_table(io.BytesIO(s3["fs"].cat_file(path))).to_pylist()
    return rows


def _leftovers(s3: dict, prefix: str) -> list[str]:
    """Staged dot-folders, a journal or a lock: what an unfinished publish leaves."""
    fs = s3["fs"]
    fs.invalidate_cache()
    found = [p for p in fs.find(f"{BUCKET}/{prefix}") if "/." in p]
    return found + fs.find(f"{BUCKET}/{prefix}/_locks")


@pytest.fixture(scope="module")
def first(s3):
    """The samples published once into s3://warehouse/wh, batch b1."""
    result = _run(s3, "wh")
    return {"stdout": result.stdout, "runs": _rows(s3, "wh", "runs")}


@slow
def test_run_publishes_every_table_to_the_bucket(s3, first):
    assert len(first["runs"]) == 1
    run = first["runs"][0]
    assert run["articles"] > 0 and run["events"] > 0
    for name in TABLES:
        assert _files(s3, "wh", name) == [f"{BUCKET}/wh/{name}/batch={BATCH}/part-{run['run_id']}.parquet"]
    assert _leftovers(s3, "wh") == []
    assert f"tables: s3://{BUCKET}/wh/<table>/batch={BATCH}/" in first["stdout"]
    # Validation results go beside the tables, and the runs row says where.
    assert run["validation_path"] == f"s3://{BUCKET}/wh/_validation/{run['run_id']}"
    assert s3["fs"].exists(f"{BUCKET}/wh/_validation/{run['run_id']}/summary.json")


@slow
def test_credentials_are_not_published_in_the_runs_row(s3, first):
    settings = json.loads(first["runs"][0]["settings_json"])
    assert settings["storage_options"] == {"endpoint_url": json.loads(
        s3["env"]["CONFLICT_EVENTS_STORAGE_OPTIONS"])["endpoint_url"]}


def test_secrets_in_storage_options_are_masked_nested_ones_too():
    assert wfs.redact_options({"key": "AKIA", "client_kwargs": {"aws_secret_access_key": "s"}, "anon": False}) == {
        "key": "***", "client_kwargs": {"aws_secret_access_key": "***"}, "anon": False}


@slow
def test_summary_reads_the_batch_from_the_bucket(s3, first):
    result = _cli(s3, "summary", "--out", f"s3://{BUCKET}/wh", "--batch", BATCH)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Run {first['runs'][0]['run_id']} (batch {BATCH})" in result.stdout
    missing = _cli(s3, "summary", "--out", f"s3://{BUCKET}/wh", "--batch", "nope")
    assert missing.returncode == 2 and "no published batch 'nope'" in missing.stderr


@slow
def test_query_reads_the_bucket_through_duckdb(s3, first):
    run = first["runs"][0]
    result = _cli(s3, "query", "--out", f"s3://{BUCKET}/wh", "--format", "json",
                  "SELECT batch, count(*) AS n, count(DISTINCT event_id) AS ids FROM events GROUP BY batch")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == [{"batch": BATCH, "n": run["events"], "ids": run["events"]}]


@slow
def test_report_is_written_into_the_bucket(s3, first):
    run_id = first["runs"][0]["run_id"]
    result = _cli(s3, "report", "--out", f"s3://{BUCKET}/wh", "--run", run_id)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"s3://{BUCKET}/wh/_reports/{run_id}.html"
    page = s3["fs"].cat_file(f"{BUCKET}/wh/_reports/{run_id}.html").decode("utf-8")
    assert run_id in page and "<svg" in page


@slow
def test_airflow_dag_publishes_into_the_bucket_like_the_cli(s3, first, tmp_path):
    # The DAG's `out` Param takes the same URL: its tasks stage locally (CONFLICT_EVENTS_STAGING_DIR,
    # which Celery workers would share) and publish into the bucket; the rows match the CLI's.
    from tests.published_rows import normalised
    from tests.test_dag_e2e import RUNNER, airflow_env

    home = tmp_path / "airflow"
    home.mkdir()
    env = {**airflow_env(home), **s3["env"], "CONFLICT_EVENTS_STAGING_DIR": str(tmp_path / "staging")}
    airflow = str(Path(sys.executable).with_name("airflow"))
    migrated = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    conf = {"input": str(SAMPLES), "out": f"s3://{BUCKET}/dag", "batch": BATCH}
    dags = str(Path(__file__).resolve().parents[1] / "dags")
    result = subprocess.run([sys.executable, "-c", RUNNER, dags, json.dumps([conf])], env=env, capture_output=True,
                            text=True, timeout=900, cwd=home)
    states = [line for line in result.stdout.splitlines() if line.startswith("STATES ")]
    assert result.returncode == 0 and states, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads(states[-1][len("STATES "):])[0]["state"] == "success"
    for name in TABLES:
        assert len(_files(s3, "dag", name)) == 1, name
    compared = [name for name in TABLES if name != "runs"]  # runs holds the settings and timings
    assert normalised({n: _rows(s3, "dag", n) for n in compared}) == normalised({n: _rows(s3, "wh", n) for n in compared})
    assert _leftovers(s3, "dag") == []
    assert not any((tmp_path / "staging").glob("*/*")), "the run's local staging folder was not cleaned up"


@slow
def test_rerun_replaces_the_partition_instead_of_appending(s3, first):
    _copy(s3, "wh", "rerun")
    _run(s3, "rerun")
    runs = _rows(s3, "rerun", "runs")
    assert len(runs) == 1 and runs[0]["run_id"] != first["runs"][0]["run_id"]
    for name in TABLES:
        assert len(_files(s3, "rerun", name)) == 1
    events = _rows(s3, "rerun", "events")
    assert len(events) == first["runs"][0]["events"] == len({e["event_id"] for e in events})
    assert _leftovers(s3, "rerun") == []


@slow
def test_another_batch_finds_its_articles_already_stored(s3, first):
    # Duplicate detection reads the other batches' articles from the bucket.
    _copy(s3, "wh", "dupes")
    _run(s3, "dupes", batch="b2")
    run = _rows(s3, "dupes", "runs", "b2")[0]
    assert run["articles"] == 0 and run["duplicates"] == first["runs"][0]["articles"]
    assert {d["kept_batch"] for d in _rows(s3, "dupes", "duplicates", "b2")} == {BATCH}


@slow
def test_publish_killed_before_its_commit_point_leaves_the_old_partitions(s3, first):
    _copy(s3, "wh", "killed-staged")
    result = _run(s3, "killed-staged", crash_at="publish:staged")
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    first_id = first["runs"][0]["run_id"]
    for name in TABLES:
        assert _files(s3, "killed-staged", name) == [
            f"{BUCKET}/killed-staged/{name}/batch={BATCH}/part-{first_id}.parquet"]
    assert not s3["fs"].exists(f"{BUCKET}/killed-staged/_locks/batch={BATCH}.publishing.json")
    _run(s3, "killed-staged")  # clears the dead run's staged files and lock, then publishes
    assert _leftovers(s3, "killed-staged") == []
    assert len(_rows(s3, "killed-staged", "runs")) == 1


@slow
def test_publish_killed_mid_swap_is_finished_by_the_next_run(s3, first):
    _copy(s3, "wh", "killed-swap")
    result = _run(s3, "killed-swap", crash_at="publish:swapped:3")
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    journal = f"{BUCKET}/killed-swap/_locks/batch={BATCH}.publishing.json"
    assert s3["fs"].exists(journal)
    killed_id = json.loads(s3["fs"].cat_file(journal))["run_id"]
    # Finishing the publish (what the next run does first) gives every table from the killed run.
    with storage.partition_lock(f"s3://{BUCKET}/killed-swap", BATCH, "inspector", storage_options=s3["options"]):
        assert storage.recover_publish(f"s3://{BUCKET}/killed-swap", BATCH,
                                       storage_options=s3["options"]) == killed_id
    for name in TABLES:
        assert {r["run_id"] for r in _rows(s3, "killed-swap", name)} <= {killed_id}
        assert len(_files(s3, "killed-swap", name)) == 1
    _run(s3, "killed-swap")
    runs = _rows(s3, "killed-swap", "runs")
    assert len(runs) == 1 and runs[0]["run_id"] != killed_id
    assert len(_rows(s3, "killed-swap", "events")) == first["runs"][0]["events"]
    assert _leftovers(s3, "killed-swap") == []


def test_second_publisher_of_a_partition_is_refused(s3):
    out, options = f"s3://{BUCKET}/locks", s3["options"]
    with storage.partition_lock(out, BATCH, "r1", storage_options=options):
        with pytest.raises(PublishConflict, match=BATCH):
            with storage.partition_lock(out, BATCH, "r2", storage_options=options):
                pass
    with storage.partition_lock(out, BATCH, "r3", storage_options=options):  # released after the first
        pass


def test_lock_object_is_exclusive_even_for_two_runs_past_the_existence_check(s3, monkeypatch):
    # Two runs that both saw no lock: the conditional PUT lets only the first create it.
    from pipeline import remote

    wh = remote.Warehouse(f"s3://{BUCKET}/race", storage_options=s3["options"])
    remote._create_exclusive(wh.fs, wh.lock(BATCH), b"{}")
    monkeypatch.setattr(wh.fs, "exists", lambda path: False)
    with pytest.raises(FileExistsError):
        remote._create_exclusive(wh.fs, wh.lock(BATCH), b"{}")


@pytest.mark.parametrize(("given", "remote", "text"), [
    ("s3://bucket/wh/", True, "s3://bucket/wh"),
    (Path("s3://bucket/wh"), True, "s3://bucket/wh"),  # a Path collapses the "//": still the bucket
    ("file:///tmp/wh", False, "/tmp/wh"),
    ("data/warehouse", False, "data/warehouse"),
])
def test_warehouse_locations_are_told_apart(given, remote, text):
    assert wfs.is_remote(given) is remote
    assert wfs.url(given) == text
