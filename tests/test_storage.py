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
