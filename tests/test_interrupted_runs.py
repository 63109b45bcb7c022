"""A run killed with SIGKILL anywhere leaves the published data whole, and running it again publishes
exactly what an uninterrupted run publishes.

Each run is ``conflict-events run`` in its own process. Most kills are placed exactly with the test
hook ``PIPELINE_TEST_CRASH_AT`` (``pipeline.storage.crash_point``: the process SIGKILLs itself at the
named point); one is a plain timed SIGKILL from outside, wherever the run happens to be.

Runs are independent (each works on its own copy of the warehouse), so they go two at a time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import storage
from pipeline.schemas import TABLES
from tests.published_rows import normalised

pytestmark = pytest.mark.slow  # 2-6 minutes, by load: eleven runs, two at a time, each paying for importing GX

BATCH = "daily"

STORIES = {
    "aden.txt": "Fighting near Aden\n\nPublished: 5 April 2024\n\nHouthi fighters shelled positions of government "
    "forces north of Aden on Thursday, killing three soldiers, a military spokesman told reporters.",
    "kharkiv.txt": "Drone strike on Kharkiv\n\nPublished: 20 June 2024\n\nA Russian drone struck an apartment "
    "block in Kharkiv overnight, killing two residents and injuring nine, the regional governor announced.",
    "borno.txt": "Gunmen attack village in Borno\n\nPublished: 15 July 2024\n\nGunmen killed eleven villagers in "
    "an attack on a farming community near Maiduguri in Borno state on Wednesday, residents recounted.",
    "quetta.txt": "Explosion in Quetta\n\nPublished: 8 August 2024\n\nA suicide bomber blew himself up at a "
    "police checkpoint in Quetta on Friday, and six officers died, officials in Balochistan stated.",
    "kabul.txt": "Bomb kills five in Kabul\n\nPublished: 4 March 2024 10:15 AM\n\nKABUL: A roadside bomb "
    "exploded near a bus in western Kabul on Sunday, killing five passengers and wounding twelve others, "
    "police said.",
}


def _corpora(root: Path) -> tuple[Path, Path]:
    """Yesterday's inputs (published first) and today's, which replace them in the same batch."""
    old, new = root / "old", root / "new"
    old.mkdir()
    new.mkdir()
    for name in ("aden.txt", "kharkiv.txt", "borno.txt"):
        (old / name).write_text(STORIES[name], encoding="utf-8")
    for name, text in STORIES.items():
        (new / name).write_text(text.replace("eleven", "twelve"), encoding="utf-8")
    (new / "kabul-copy.txt").write_text(STORIES["kabul.txt"], encoding="utf-8")  # a duplicate
    (new / "empty.txt").write_text("", encoding="utf-8")  # a quarantined record
    return old, new


def _run(inputs: Path, out: Path, *, crash_at: str | None = None, kill_after: float | None = None) -> int:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "CONFLICT_EVENTS_BATCH_SIZE": "2"}
    env.pop(storage.CRASH_ENV, None)
    if crash_at:
        env[storage.CRASH_ENV] = crash_at
    cmd = [str(Path(sys.executable).with_name("conflict-events")), "run", "-q", "--no-report",
           "--input", str(inputs), "--out", str(out), "--batch", BATCH]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=kill_after if kill_after is not None else 600)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        return proc.returncode
    if crash_at is None and kill_after is None:
        assert proc.returncode == 0, stderr[-3000:]
    return proc.returncode


def _published(out: Path) -> dict[str, list[dict]]:
    """Every table's rows in the batch, exactly as published."""
    tables = {}
    for name in TABLES:
        folder = storage.partition_dir(out, name, BATCH)
        tables[name] = pq.read_table(folder).to_pylist() if folder.exists() else []
    return tables


def _run_ids(tables: dict[str, list[dict]]) -> set[str]:
    return {row["run_id"] for rows in tables.values() for row in rows}


def _assert_clean(out: Path) -> None:
    """No half-published folders, no journal, no lock left behind."""
    folders = [out / name for name in TABLES if (out / name).is_dir()]
    leftovers = [p for folder in folders for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert not list((out / "_locks").iterdir())


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """Yesterday's published warehouse: the state every run of today's inputs starts from."""
    root = tmp_path_factory.mktemp("interrupted")
    old, new = _corpora(root)
    before = root / "before"
    started = time.monotonic()
    _run(old, before)
    return {"root": root, "new": new, "before": before, "reference": root / "reference",
            "run_seconds": time.monotonic() - started}


def _uninterrupted(warehouses: dict) -> None:
    """The reference: yesterday's warehouse after an uninterrupted run of today's inputs."""
    shutil.copytree(warehouses["before"], warehouses["reference"])
    _run(warehouses["new"], warehouses["reference"])


def _killed_then_rerun(warehouses: dict, label: str, **kill) -> dict:
    out = warehouses["root"] / f"killed-{label.replace(':', '-')}"
    shutil.copytree(warehouses["before"], out)
    code = _run(warehouses["new"], out, **kill)
    after_kill = _published(out)
    journal = (out / "_locks" / f"batch={BATCH}.publishing.json").exists()
    recovered = None
    if journal:
        # Killed after the commit point: finishing the publish (what the next run does first) gives
        # every table from the killed run, never a mix of two runs.
        with storage.partition_lock(out, BATCH, "inspector"):
            storage.recover_publish(out, BATCH)
        recovered = _published(out)
    _run(warehouses["new"], out)
    return {"code": code, "after_kill": after_kill, "journal": journal, "recovered": recovered,
            "rerun": _published(out), "out": out}


# Where the hook kills: after the second chunk is ingested (of four: two files a chunk); with the
# validated tables staged; with every new partition written but not committed; three tables swapped
# in. (``analyse:<chunk>`` exists too: a kill there is like one after ingest, for a run's outputs.)
CRASH_POINTS = ["ingest:1", "validate", "publish:staged", "publish:swapped:3"]


@pytest.fixture(scope="module")
def killed_runs(warehouses):
    jobs = {point: {"crash_at": point} for point in CRASH_POINTS}
    # And one plain SIGKILL from outside, late in the run (validation or publishing, usually).
    jobs["timed"] = {"kill_after": warehouses["run_seconds"] * 0.85}
    with ThreadPoolExecutor(max_workers=2) as pool:
        reference = pool.submit(_uninterrupted, warehouses)
        futures = {label: pool.submit(_killed_then_rerun, warehouses, label, **kill) for label, kill in jobs.items()}
        reference.result()
        return {label: future.result() for label, future in futures.items()}


def test_uninterrupted_reference_replaced_yesterdays_batch(warehouses, killed_runs):
    before, reference = _published(warehouses["before"]), _published(warehouses["reference"])
    assert len(before["articles"]) == 3 and len(reference["articles"]) == 5
    assert len(reference["duplicates"]) == 1 and len(reference["runs"]) == 1
    assert len(_run_ids(before)) == 1 and len(_run_ids(reference)) == 1
    _assert_clean(warehouses["reference"])


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_hook_kills_the_run_at_the_named_point(killed_runs, point):
    assert killed_runs[point]["code"] == -signal.SIGKILL


@pytest.mark.parametrize("point", ["ingest:1", "validate", "publish:staged"])
def test_killed_before_the_commit_point_leaves_the_previous_data_untouched(warehouses, killed_runs, point):
    killed = killed_runs[point]
    assert not killed["journal"]
    # Row for row, run ids and timestamps included: yesterday's publish is exactly as it was.
    assert killed["after_kill"] == _published(warehouses["before"])


def test_killed_mid_publish_is_finished_whole_by_the_next_publish(warehouses, killed_runs):
    killed = killed_runs["publish:swapped:3"]
    assert killed["journal"]
    # The published folders are complete Parquet partitions even now, some from each run ...
    assert len(_run_ids(killed["after_kill"])) == 2
    # ... until the next publish of the batch finishes the swap: all from the killed run, whole.
    assert len(_run_ids(killed["recovered"])) == 1
    assert normalised(killed["recovered"]) == normalised(_published(warehouses["reference"]))


@pytest.mark.parametrize("label", [*CRASH_POINTS, "timed"])
def test_rerun_after_a_kill_publishes_what_an_uninterrupted_run_does(warehouses, killed_runs, label):
    killed = killed_runs[label]
    assert normalised(killed["rerun"]) == normalised(_published(warehouses["reference"]))
    assert len(_run_ids(killed["rerun"])) == 1
    _assert_clean(killed["out"])


def test_timed_kill_leaves_old_data_or_a_publish_to_finish(warehouses, killed_runs):
    killed = killed_runs["timed"]
    if killed["code"] == 0:
        pytest.skip("the run finished before the timed kill; the hook points cover the rest")
    reference, before = normalised(_published(warehouses["reference"])), _published(warehouses["before"])
    if killed["journal"]:  # mid-publish
        assert normalised(killed["recovered"]) == reference
    elif len(_run_ids(killed["after_kill"])) == 1 and killed["after_kill"] != before:  # after publishing
        assert normalised(killed["after_kill"]) == reference
    else:  # before the commit point
        assert killed["after_kill"] == before
