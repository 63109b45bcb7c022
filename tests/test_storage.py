"""Atomic partition replacement and the publish lock."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from pipeline import storage
from pipeline.errors import PublishConflict, StorageError


def test_rows_outside_the_schema_are_refused():
    with pytest.raises(StorageError, match="not in the schema"):
        storage.to_table("quarantine", [{"quarantine_id": "a", "colour": "red"}])


def test_replacing_a_partition_replaces_never_appends(tmp_path):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    for run in ("r1", "r2"):
        table = storage.to_table("quarantine", [
            {"quarantine_id": f"{run}-{i}", "stage": "ingest", "reason": "x", "quarantined_at": now, "run_id": run,
             "is_input_record": True}
            for i in range(3)
        ])
        storage.replace_partition(tmp_path, "quarantine", "b1", table, run)
    rows = pq.read_table(tmp_path / "quarantine" / "batch=b1").to_pylist()
    assert sorted(r["quarantine_id"] for r in rows) == ["r2-0", "r2-1", "r2-2"]
    assert [p.name for p in (tmp_path / "quarantine").iterdir()] == ["batch=b1"]


def test_second_publisher_of_a_partition_is_refused(tmp_path):
    with storage.partition_lock(tmp_path, "b1", "r1"):
        with pytest.raises(PublishConflict, match="b1"):
            with storage.partition_lock(tmp_path, "b1", "r2"):
                pass
    with storage.partition_lock(tmp_path, "b1", "r3"):  # released after the first
        pass


def test_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    import json
    import socket

    (tmp_path / "_locks").mkdir()
    (tmp_path / "_locks" / "batch=b1.lock").write_text(
        json.dumps({"run_id": "dead", "pid": 2**22 + 12345, "host": socket.gethostname()})
    )
    with storage.partition_lock(tmp_path, "b1", "r2"):
        pass


def _quarantine(run: str, n: int = 2):
    from datetime import datetime, timezone

    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    return storage.to_table("quarantine", [
        {"quarantine_id": f"{run}-{i}", "stage": "ingest", "reason": "x", "quarantined_at": now, "run_id": run,
         "is_input_record": True}
        for i in range(n)
    ])


def _runs(run: str):
    from datetime import datetime, timezone

    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    counts = dict.fromkeys(("input_files", "records_seen", "articles", "duplicates", "quarantined", "events",
                            "casualties", "place_mentions", "date_mentions"), 0)
    return storage.to_table("runs", [{"run_id": run, "batch": "b1", "started_at": now, "finished_at": now,
                                      "inputs_json": "[]", "extractor_version": "t", "settings_json": "{}",
                                      **counts}])


def _run_ids(out, batch="b1"):
    return {
        name: sorted({r["run_id"] for r in pq.read_table(storage.partition_dir(out, name, batch)).to_pylist()})
        for name in ("quarantine", "runs")
    }


class _Killed(BaseException):
    """Stands in for SIGKILL inside one process: nothing after the crash point runs."""


def _crash_at(monkeypatch, point):
    def crash(name):
        if name == point:
            raise _Killed(name)

    monkeypatch.setattr(storage, "crash_point", crash)


def _publish(out, run):
    with storage.partition_lock(out, "b1", run):
        storage.publish_partitions(out, "b1", {"quarantine": _quarantine(run), "runs": _runs(run)}, run)


def test_publish_killed_before_its_commit_point_leaves_the_old_partitions(tmp_path, monkeypatch):
    _publish(tmp_path, "r1")
    _crash_at(monkeypatch, "publish:staged")
    with pytest.raises(_Killed):
        _publish(tmp_path, "r2")
    assert _run_ids(tmp_path) == {"quarantine": ["r1"], "runs": ["r1"]}
    # The next publish clears the dead run's staged folders. (Its lock is released here by the
    # exception; a real kill leaves it, and a dead owner's lock is taken over: see above.)
    monkeypatch.undo()
    _publish(tmp_path, "r3")
    assert _run_ids(tmp_path) == {"quarantine": ["r3"], "runs": ["r3"]}
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == ["batch=b1"]


def test_publish_killed_mid_swap_is_finished_by_the_next_publish(tmp_path, monkeypatch):
    _publish(tmp_path, "r1")
    _crash_at(monkeypatch, "publish:swapped:1")
    with pytest.raises(_Killed):
        _publish(tmp_path, "r2")
    # One table from each run for now: complete partitions, but not one run's publish.
    assert _run_ids(tmp_path) == {"quarantine": ["r2"], "runs": ["r1"]}
    monkeypatch.undo()
    with storage.partition_lock(tmp_path, "b1", "inspector"):
        assert storage.recover_publish(tmp_path, "b1") == "r2"
    assert _run_ids(tmp_path) == {"quarantine": ["r2"], "runs": ["r2"]}
    assert not (tmp_path / "_locks" / "batch=b1.publishing.json").exists()
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["batch=b1"]


def test_killed_between_the_two_renames_of_a_swap_is_finished_too(tmp_path, monkeypatch):
    # The published folder was moved aside and the staged one not yet moved in: recovery must not
    # mistake the missing folder for a swap already done.
    _publish(tmp_path, "r1")
    real_replace = storage.os.replace

    def replace(src, dst):
        real_replace(src, dst)
        if ".old-r2" in str(dst):
            raise _Killed("between renames")

    monkeypatch.setattr(storage.os, "replace", replace)
    with pytest.raises(_Killed):
        _publish(tmp_path, "r2")
    monkeypatch.undo()
    assert not storage.partition_dir(tmp_path, "quarantine", "b1").exists()
    _publish(tmp_path, "r3")  # the next publish finishes r2's, then replaces it with its own
    assert _run_ids(tmp_path) == {"quarantine": ["r3"], "runs": ["r3"]}


def test_clearing_leftovers_of_one_batch_spares_another_batch_being_published(tmp_path):
    other = tmp_path / "quarantine" / ".batch=b2.new-r9"
    other.mkdir(parents=True)
    mine = tmp_path / "quarantine" / ".batch=b1.new-r8"
    mine.mkdir()
    storage.clear_leftovers(tmp_path, "b1")
    assert other.exists() and not mine.exists()
