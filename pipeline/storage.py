"""Parquet I/O from explicit schemas, atomic partition replacement and the publish lock."""

from __future__ import annotations

import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import PublishConflict, StorageError
from pipeline.schemas import PARTITION_COLUMN, TABLES


def to_table(name: str, rows: Iterable[dict]) -> pa.Table:
    """Rows as an Arrow table of the contract schema; never inferred, extra keys are an error."""
    schema = TABLES[name]
    rows = list(rows)
    extra = {k for row in rows for k in row} - set(schema.names)
    if extra:
        raise StorageError(f"{name}: columns not in the schema: {', '.join(sorted(extra))}")
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise StorageError(f"{name}: rows do not fit the schema: {err}") from err


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write to a temporary name beside ``path`` and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_parquet(name: str, path: Path) -> pa.Table:
    """A staged table, cast to the contract schema (an absent file is an empty table)."""
    if not path.exists():
        return TABLES[name].empty_table()
    return pq.read_table(path, schema=TABLES[name])


def partition_dir(out: Path, name: str, batch: str) -> Path:
    return out / name / f"{PARTITION_COLUMN}={batch}"


def replace_partition(out: Path, name: str, batch: str, table: pa.Table, run_id: str) -> Path:
    """Make ``table`` the whole content of one partition, replacing what a previous run left there.

    The new folder is written completely under a dot-name (ignored by hive readers), then swapped in
    with two renames; an interrupted run leaves either the old partition or the new one, and at worst
    a dot-folder that the next run clears.
    """
    final = partition_dir(out, name, batch)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{final.name}.new-{run_id}"
    retired = final.parent / f".{final.name}.old-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    pq.write_table(table.drop_columns([PARTITION_COLUMN]) if PARTITION_COLUMN in table.column_names else table,
                   staging / "part-0.parquet", compression="zstd")
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)
    return final


def clear_leftovers(out: Path) -> None:
    """Remove dot-folders that an interrupted publish left behind."""
    for name in TABLES:
        folder = out / name
        if folder.is_dir():
            for child in folder.iterdir():
                if child.name.startswith(f".{PARTITION_COLUMN}=") and (".new-" in child.name or ".old-" in child.name):
                    shutil.rmtree(child, ignore_errors=True)


def _lock_is_stale(lock: Path) -> bool:
    try:
        owner = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    if owner.get("host") != socket.gethostname():
        return False  # another machine's lock: only its owner can tell
    try:
        os.kill(int(owner["pid"]), 0)
    except (ProcessLookupError, KeyError, ValueError):
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def partition_lock(out: Path, batch: str, run_id: str) -> Iterator[None]:
    """Hold the publish lock of one partition; a second run on the same partition fails fast."""
    lock_dir = out / "_locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_dir / f"{PARTITION_COLUMN}={batch}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _lock_is_stale(lock):
                lock.unlink(missing_ok=True)
                continue
            holder = lock.read_text(encoding="utf-8", errors="replace")
            raise PublishConflict(f"partition {batch!r} is being published by another run: {holder}") from None
    else:
        raise PublishConflict(f"could not take the lock {lock}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname()}, fh)
        yield
    finally:
        lock.unlink(missing_ok=True)
