"""The whole batch without Airflow: the same stage functions the DAG tasks call, in a row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline import stages
from pipeline.settings import Settings


def run_batch(
    paths: list[str],
    out: str | Path,
    settings: Settings,
    *,
    batch: str | None = None,
    run_id: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Ingest, analyse, validate and publish ``paths`` into ``out``; returns the run's summary row."""
    plan = stages.plan_run(paths, out, settings, batch=batch, run_id=run_id)
    total = plan.chunk_count
    for chunk_no in range(total):
        stages.ingest_chunk(plan.run_dir, chunk_no, settings)
        stages.analyse_chunk(plan.run_dir, chunk_no, settings)
        if progress:
            progress("chunks", chunk_no + 1, total)
    stages.validate_run(plan.run_dir, settings)
    return stages.publish_run(plan.run_dir)
