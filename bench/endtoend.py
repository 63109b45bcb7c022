"""End-to-end timings through the real entry points: ``conflict-events run`` and the Airflow DAG.

``conflict-events run`` analyses its chunks on ``--workers`` processes, by default as many as the CPUs
it may use. So "two cores" is measured two ways: one run unpinned (two workers), and two independent
runs on the two halves of the input files, each into its own warehouse (wall time until both finish).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from bench.measure import ChildRun, run_children, tail

DAG_ID = "conflict_events_nightly"
# The variants: (name, processes, cores each process may use).
VARIANTS = {
    "1proc_1core": (1, [{0}]),
    "1proc_2cores": (1, [None]),
    "2proc_2cores": (2, [None, None]),
}


class BenchError(RuntimeError):
    """A measured command failed: the numbers would be meaningless, so say why and stop."""


def _split(files: list[Path], parts: int) -> list[list[Path]]:
    return [files[i::parts] for i in range(parts)]  # interleaved, so both halves get the same mix


def run_cli(repo: Path, files: list[Path], work: Path, variant: str) -> dict:
    """One timed ``conflict-events run`` variant; warehouses are deleted afterwards."""
    processes, cores = VARIANTS[variant]
    exe = str(repo / ".venv" / "bin" / "conflict-events")
    shutil.rmtree(work, ignore_errors=True)
    commands = []
    for i, part in enumerate(_split(files, processes)):
        argv = [exe, "run", "--quiet", "--input", *map(str, part), "--out", str(work / f"warehouse-{i}"),
                "--batch", f"bench-{i}"]
        commands.append((argv, work / f"run-{i}.log", cores[i]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLICT_EVENTS_")}
    wall, runs = run_children(commands, env=env, cwd=repo)
    _check(runs, [c[1] for c in commands])
    shutil.rmtree(work, ignore_errors=True)
    return _child_summary(wall, runs)


def _check(runs: list[ChildRun], logs: list[Path]) -> None:
    for run, log in zip(runs, logs, strict=True):
        if run.returncode != 0:
            raise BenchError(f"exit {run.returncode}, log {log}:\n{tail(log)}")


def _child_summary(wall: float, runs: list[ChildRun]) -> dict:
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(sum(r.cpu_s for r in runs), 3),
        "max_rss_mb": round(max(r.max_rss_mb for r in runs), 1),
        "sum_rss_mb": round(sum(r.max_rss_mb for r in runs), 1),
        "processes": len(runs),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),  # shared machine: how busy it was
    }


def _dags_folder(repo: Path) -> Path:
    import pipeline

    return Path(pipeline.__file__).resolve().parent.parent / "dags"


def airflow_env(repo: Path, home: Path, warehouse: Path) -> dict[str, str]:
    """The Makefile's AIRFLOW_ENV, with AIRFLOW_HOME under bench/ so the demo's database is untouched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CONFLICT_EVENTS_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        # The DAG file of the code snapshot when the bench runs on one (bench.run --snapshot).
        AIRFLOW__CORE__DAGS_FOLDER=str(_dags_folder(repo)),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        GX_ANALYTICS_ENABLED="false",
        CONFLICT_EVENTS_WAREHOUSE=str(warehouse),
    )
    return env


def prepare_airflow(repo: Path, home: Path) -> None:
    """Migrate the bench's own SQLite metadata database (untimed: a one-off, not part of a run)."""
    home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(repo, home, home / "warehouse")
    done = subprocess.run([str(repo / ".venv" / "bin" / "airflow"), "db", "migrate"], env=env, cwd=repo,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise BenchError(f"airflow db migrate failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def run_dag(repo: Path, corpus: Path, home: Path, work: Path, logical_date: str) -> dict:
    """One timed ``airflow dags test`` of the nightly DAG on ``corpus``. Each run gets its own logical
    date, since dags test refuses to reuse a run of the same date in the same database."""
    shutil.rmtree(work, ignore_errors=True)
    # A glob of the part files, not the folder: the folder also holds manifest.json, which the DAG would
    # read as one more (text-less, so quarantined) record.
    conf = {"input": str(corpus / "part-*.jsonl"), "out": str(work / "warehouse"), "batch": "bench"}
    argv = [str(repo / ".venv" / "bin" / "airflow"), "dags", "test", DAG_ID, logical_date, "-c", json.dumps(conf)]
    log = work.parent / f"{work.name}.log"
    wall, runs = run_children([(argv, log, None)], env=airflow_env(repo, home, work / "warehouse"), cwd=repo)
    _check(runs, [log])
    published = (work / "warehouse" / "runs" / "batch=bench").is_dir()
    shutil.rmtree(work, ignore_errors=True)
    if not published:
        raise BenchError(f"the DAG exited 0 but published nothing; log {log}:\n{tail(log)}")
    return _child_summary(wall, runs)
