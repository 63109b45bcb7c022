"""The DAG on real Airflow services: api-server, scheduler, dag-processor and triggerer (and Celery
workers), driven through the REST API v2 like an operator's tooling would.

PostgreSQL (127.0.0.1:5432) holds the metadata in a fresh database that is dropped afterwards;
without it the LocalExecutor test falls back to SQLite and says why. The Celery test needs Redis
(127.0.0.1:6379) and PostgreSQL, and is skipped with the reason otherwise. Every process started
here is stopped by its PID (and its process group) in a ``finally``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_dag_e2e import VOLATILE, file_bytes, snapshot, write_articles  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
AIRFLOW = REPO / ".venv" / "bin" / "airflow"
DAG_ID = "conflict_events_nightly"
PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13  # a database number of its own, flushed before and after
RUN_TIMEOUT = 240

assert VOLATILE  # the snapshot ignores these run-specific columns


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def postgres_unusable() -> str | None:
    """Why the PostgreSQL metadata database cannot be used here, or None when it can."""
    if not reachable(PG):
        return f"PostgreSQL is not reachable on {PG[0]}:{PG[1]}"
    # Airflow 3 opens an async engine on the metadata database too: PostgreSQL needs asyncpg.
    if importlib.util.find_spec("asyncpg") is None:
        return "asyncpg is not installed (Airflow 3 needs it for PostgreSQL: add asyncpg to the dependencies)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def metadata_database():
    """A fresh PostgreSQL database (dropped afterwards), or SQLite when PostgreSQL is not running."""
    reason = postgres_unusable()
    if reason:
        print(f"{reason}: using SQLite for the metadata database")
        yield None
        return
    import psycopg2

    name = f"airflow_test_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg2://postgres@{PG[0]}:{PG[1]}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Airflow:
    """Airflow components as child processes, each the leader of its own process group."""

    def __init__(self, home: Path, env: dict[str, str], port: int) -> None:
        self.home, self.env, self.port = home, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.token = ""

    def start(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen([str(AIRFLOW), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group (task processes)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-2500:]
                         for p in sorted(self.home.glob("*.log")))

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"exited: {dead}\n{self.logs()}"

    def request(self, method: str, path: str, **kwargs):
        import requests

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def wait_for(self, what: str, check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if check():
                    return
            except OSError:
                pass
            time.sleep(2)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")

    def log_in(self) -> None:
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        self.wait_for("the passwords file", passwords.exists, 60)
        password = json.loads(passwords.read_text(encoding="utf-8"))["admin"]
        import requests

        response = requests.post(f"{self.url}/auth/token", json={"username": "admin", "password": password},
                                 timeout=30)
        assert response.status_code in (200, 201), response.text
        self.token = response.json()["access_token"]

    def trigger(self, conf: dict) -> str:
        response = self.request("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": conf})
        assert response.status_code == 200, response.text
        return response.json()["dag_run_id"]

    def wait_run(self, run_id: str) -> str:
        state = {}

        def finished() -> bool:
            state.update(self.request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json())
            return state.get("state") in ("success", "failed")

        self.wait_for(f"run {run_id}", finished, RUN_TIMEOUT)
        if state["state"] != "success":
            tis = self.request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").json()
            print(json.dumps([(t["task_id"], t["map_index"], t["state"]) for t in tis["task_instances"]]))
            print(self.logs())
        return state["state"]

    def listening_addresses(self) -> set[str]:
        import psutil

        found = set()
        for proc in self.procs.values():
            try:
                family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for member in family:
                try:
                    found |= {c.laddr.ip for c in member.net_connections("inet") if c.status == psutil.CONN_LISTEN}
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        return found


def scenario(tmp_path: Path, executor: str, database: str | None, workers: int = 0) -> None:
    home, out = tmp_path / "home", tmp_path / "warehouse"
    home.mkdir()
    articles = write_articles(tmp_path / "articles")
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__PARALLELISM": "4",  # LocalExecutor starts this many workers; 2 cores here
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database or f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json.generated"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "CONFLICT_EVENTS_SCHEDULE": "none",  # no scheduled run competing with the triggered ones
        "CONFLICT_EVENTS_RETRIES": "0",
        "GX_ANALYTICS_ENABLED": "false",
    }
    if executor == "CeleryExecutor":
        env["AIRFLOW__CELERY__BROKER_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}"
        env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + database
        env["AIRFLOW__LOGGING__CELERY_LOGGING_LEVEL"] = "INFO"  # workers log each task they receive
    migrated = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    airflow = Airflow(home, env, port)
    try:
        airflow.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
        airflow.start("scheduler", "scheduler", "--skip-serve-logs")
        airflow.start("dag-processor", "dag-processor")
        airflow.start("triggerer", "triggerer", "--skip-serve-logs")
        for n in range(workers):
            airflow.start(f"worker{n}", "celery", "worker", "--skip-serve-logs", "--concurrency", "1",
                          "--celery-hostname", f"w{n}-{port}@%h", "--without-gossip", "--without-mingle")
        airflow.wait_for("the api-server", lambda: airflow.request("GET", "/api/v2/monitor/health").ok, 180)
        airflow.log_in()
        airflow.wait_for("the DAG", lambda: airflow.request("GET", f"/api/v2/dags/{DAG_ID}").ok, 180)
        assert airflow.request("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}).ok

        conf = {"input": str(articles), "out": str(out), "batch": "services"}
        assert airflow.wait_run(airflow.trigger(conf)) == "success"
        first = snapshot(out, "services")
        assert first["events"] and first["articles"], first.keys()
        assert airflow.wait_run(airflow.trigger(conf)) == "success"
        assert snapshot(out, "services") == first
        if not workers:  # the skip path is the same on any executor: once is enough
            before = file_bytes(out, "services")
            assert airflow.wait_run(airflow.trigger({**conf, "reprocess": False})) == "success"
            assert file_bytes(out, "services") == before

        listening = airflow.listening_addresses()
        assert listening and listening <= {"127.0.0.1"}, listening
    finally:
        airflow.stop()
    if workers:
        received = {n: (home / f"worker{n}.log").read_text(errors="replace").count("received") for n in range(workers)}
        print(f"tasks received per Celery worker: {received}")
        # Under the CeleryExecutor only workers run tasks, so the successful runs above prove they did.
    assert all(p.poll() is not None for p in airflow.procs.values())


def test_local_executor_runs_triggered_dag_runs(tmp_path: Path) -> None:
    with metadata_database() as database:
        scenario(tmp_path, "LocalExecutor", database)


def test_celery_executor_with_two_workers_runs_triggered_dag_runs(tmp_path: Path) -> None:
    if not reachable(REDIS):
        pytest.skip(f"Redis is not reachable on {REDIS[0]}:{REDIS[1]}: the Celery broker is missing")
    reason = postgres_unusable()
    if reason:
        pytest.skip(f"{reason}: Celery workers need a shared PostgreSQL metadata database")
    import redis

    broker = redis.Redis(host=REDIS[0], port=REDIS[1], db=REDIS_DB)
    broker.flushdb()
    try:
        with metadata_database() as database:
            scenario(tmp_path, "CeleryExecutor", database, workers=2)
    finally:
        broker.flushdb()
        broker.close()
