"""The whole batch without Airflow: the same stage functions the DAG tasks call, chunks in a pool."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from pipeline import stages
from pipeline.pool import run_chunks
from pipeline.progress import Progress
from pipeline.settings import Settings

# Chunks per worker: enough that the last chunk does not leave a core idle for long, few enough that
# per-chunk overhead (a Parquet file per table, one plan read) stays small.
CHUNKS_PER_WORKER = 4
# Below this much input a pool costs more (each worker imports the extractors and loads the
# gazetteer, seconds) than it saves.
PARALLEL_MIN_BYTES = 2_000_000


def default_workers() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _input_bytes(paths: list[str]) -> int:
    total = 0
    for raw in paths:
        path = Path(raw)
        files = path.rglob("*") if path.is_dir() else [path]
        for item in files:
            try:
                total += item.stat().st_size if item.is_file() else 0
            except OSError:
                continue  # unreadable: ingest quarantines it; its size does not matter here
            if total >= PARALLEL_MIN_BYTES:
                return total
    return total


def _chunk_articles(run_dir: str, chunk_no: int) -> int:
    path = Path(run_dir) / "chunks" / f"{chunk_no:05d}" / "inputs.json"
    return sum(entry["articles"] for entry in json.loads(path.read_text(encoding="utf-8")))


def run_batch(
    paths: list[str],
    out: str | Path,
    settings: Settings,
    *,
    batch: str | None = None,
    run_id: str | None = None,
    workers: int = 1,
    progress: Callable[[Progress], None] | None = None,
) -> dict:
    """Ingest, analyse, validate and publish ``paths`` into ``out``; returns the run's summary row.

    ``workers`` > 1 ingests and analyses chunks in that many processes (small inputs stay in this
    one); what is published is the same either way. The workers are spawned, so a script that calls
    this with ``workers`` > 1 needs the usual ``if __name__ == "__main__":`` guard."""
    started = time.monotonic()
    if workers > 1 and _input_bytes(paths) < PARALLEL_MIN_BYTES:
        workers = 1
    plan = stages.plan_run(paths, out, settings, batch=batch, run_id=run_id,
                           min_chunks=workers * CHUNKS_PER_WORKER if workers > 1 else 1)
    files_total = len(plan.inputs)
    done = {"files": 0, "articles": 0}

    def report(phase: str) -> None:
        if progress:
            progress(Progress(phase, done["files"], files_total, done["articles"], time.monotonic() - started))

    def chunk_done(chunk_no: int) -> None:
        done["files"] += len(plan.chunks[chunk_no])
        done["articles"] += _chunk_articles(plan.run_dir, chunk_no)
        report("analyse")

    report("analyse")
    run_chunks(plan.run_dir, range(plan.chunk_count), settings, workers=workers, on_done=chunk_done)
    report("validate")
    stages.validate_run(plan.run_dir, settings)
    report("publish")
    return stages.publish_run(plan.run_dir)
