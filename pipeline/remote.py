"""Publishing to an object store (``s3://...`` and other fsspec URLs), where nothing can be renamed.

The local publish (``pipeline.storage``) swaps folders with atomic renames. An object store has
none, so here each table's new partition is written beside the table under a dot-name, then the
journal object commits the publish, and each swap is: copy the staged file into the partition as
``part-<run_id>.parquet`` (a server-side copy), delete the partition's other files, delete the staged
copy. Every step is safe to repeat, so a publish killed after its commit point is finished by the next
one, and one killed before it leaves the old partitions whole (the same contract as the local publish).

Not atomic for readers: between a swap's copy and its deletes, a reader listing the partition sees
the old and the new file (rows twice), and tables are swapped one after another. Query while no run
publishes, or filter on ``run_id`` from ``runs``.
"""

from __future__ import annotations

import io
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import fs as wfs
from pipeline.errors import PublishConflict, StorageError
from pipeline.schemas import PARTITION_COLUMN, TABLES
from pipeline.storage import lock_owner_is_gone

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

# storage.crash_point, passed in so that a test's replacement of it applies here too.
CrashPoint = Callable[[str], None]


@contextmanager
def storage_errors(where: str) -> Iterator[None]:
    """The store's own errors (no such bucket, access denied, endpoint down: OSErrors from fsspec)
    as one StorageError naming the warehouse, so the CLI prints a reason instead of a traceback."""
    try:
        yield
    except StorageError:
        raise
    except Exception as err:
        if not isinstance(err, _store_error_types()):
            raise
        raise StorageError(f"{where}: {type(err).__name__}: {err}") from err


def _store_error_types() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [OSError]
    try:  # s3fs lets botocore's own errors through, e.g. EndpointConnectionError when nothing listens
        from botocore.exceptions import BotoCoreError
    except ImportError:
        pass
    else:
        kinds.append(BotoCoreError)
    return tuple(kinds)


class Warehouse:
    """A remote warehouse: its filesystem and root path (no scheme). Built per call; does no I/O."""

    def __init__(self, out: str, *, storage_options: dict[str, Any] | None = None) -> None:
        self.url = wfs.url(out)
        self.fs, self.root = wfs.filesystem(out, storage_options)

    def path(self, *names: str) -> str:
        return "/".join([self.root, *names])

    def partition(self, name: str, batch: str) -> str:
        return self.path(name, f"{PARTITION_COLUMN}={batch}")

    def staged(self, name: str, batch: str, run_id: str) -> str:
        # A dot-name beside the partitions: the readers' ``batch=*`` globs never match it.
        return self.path(name, f".{PARTITION_COLUMN}={batch}.new-{run_id}", "part-0.parquet")

    def journal(self, batch: str) -> str:
        return self.path("_locks", f"{PARTITION_COLUMN}={batch}.publishing.json")

    def lock(self, batch: str) -> str:
        return self.path("_locks", f"{PARTITION_COLUMN}={batch}.lock")

    def exists(self, path: str) -> bool:
        self.fs.invalidate_cache(path)  # another process may have written it since we last looked
        return self.fs.exists(path)

    def files(self, folder: str) -> list[str]:
        """Files directly in ``folder`` (none if it does not exist), fresh from the store."""
        self.fs.invalidate_cache(folder)
        try:
            return sorted(e["name"] for e in self.fs.ls(folder, detail=True) if e["type"] == "file")
        except FileNotFoundError:
            return []

    def write_parquet(self, table: pa.Table, path: str) -> None:
        # One PUT of the finished file: an object appears whole or not at all.
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        self.fs.pipe_file(path, buffer.getvalue())

    def read_parquet(self, path: str, columns: list[str] | None = None) -> pa.Table:
        with self.fs.open(path, "rb") as fh:
            return pq.read_table(fh, columns=columns)

    def remove(self, path: str) -> None:
        try:
            self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            pass


def partition_files(wh: Warehouse, name: str, batch: str | None = None) -> list[tuple[str, str]]:
    """(batch, file) of every published Parquet file of a table (of one batch, or of all)."""
    if batch is not None:
        return [(batch, f) for f in wh.files(wh.partition(name, batch)) if f.endswith(".parquet")]
    # One listing of the table, not one per partition; "batch=*" leaves out staged dot-folders.
    wh.fs.invalidate_cache(wh.path(name))
    files = wh.fs.glob(wh.path(name, f"{PARTITION_COLUMN}=*", "*.parquet"))
    return [(f.rsplit("/", 2)[-2].split("=", 1)[1], f) for f in sorted(files)]


def _stage(wh: Warehouse, name: str, batch: str, table: pa.Table, run_id: str) -> None:
    if PARTITION_COLUMN in table.column_names:
        table = table.drop_columns([PARTITION_COLUMN])  # the folder name carries it
    wh.write_parquet(table, wh.staged(name, batch, run_id))


def _swap_in(wh: Warehouse, name: str, batch: str, run_id: str, crash_point: CrashPoint) -> None:
    """Copy the staged file into the partition, then delete the partition's other files, then the
    staged copy. Repeatable: the staged copy only goes once the partition holds nothing else."""
    staged = wh.staged(name, batch, run_id)
    final = wh.partition(name, batch) + f"/part-{run_id}.parquet"
    if wh.exists(staged):
        wh.fs.copy(staged, final)
        crash_point(f"publish:copied:{name}")
    elif not wh.exists(final):
        raise StorageError(f"publish of {run_id}: neither {staged} nor {final} exists; the journal is stale")
    for other in wh.files(wh.partition(name, batch)):
        if other.rstrip("/") != final:
            wh.remove(other)
    wh.remove(staged.rsplit("/", 1)[0])


def replace_partition(wh: Warehouse, name: str, batch: str, table: pa.Table, run_id: str,
                      crash_point: CrashPoint) -> str:
    _stage(wh, name, batch, table, run_id)
    _swap_in(wh, name, batch, run_id, crash_point)
    return wh.partition(name, batch)


def publish_partitions(wh: Warehouse, batch: str, tables: dict[str, pa.Table], run_id: str,
                       crash_point: CrashPoint) -> None:
    """``storage.publish_partitions`` on an object store; call it under ``partition_lock``."""
    recover_publish(wh, batch, crash_point)
    for name, table in tables.items():
        _stage(wh, name, batch, table, run_id)
    crash_point("publish:staged")
    # The commit point: one PUT, so the journal is whole or absent.
    wh.fs.pipe_file(wh.journal(batch), json.dumps({"run_id": run_id, "tables": list(tables)}).encode())
    for done, name in enumerate(tables, start=1):
        _swap_in(wh, name, batch, run_id, crash_point)
        crash_point(f"publish:swapped:{done}")
    wh.remove(wh.journal(batch))


def recover_publish(wh: Warehouse, batch: str, crash_point: CrashPoint) -> str | None:
    """Finish a publish of ``batch`` killed after its commit point, then clear staged leftovers."""
    journal = wh.journal(batch)
    finished = None
    if wh.exists(journal):
        try:
            entry = json.loads(wh.fs.cat_file(journal))
            names, run_id = list(entry["tables"]), str(entry["run_id"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StorageError(
                f"unreadable publish journal {wh.url} {journal}: {err}; inspect it and remove it"
            ) from err
        for name in names:
            _swap_in(wh, name, batch, run_id, crash_point)
        wh.remove(journal)
        finished = run_id
    clear_leftovers(wh, batch)
    return finished


def clear_leftovers(wh: Warehouse, batch: str | None = None) -> None:
    """Remove staged dot-folders an interrupted publish left (of one batch, or of all)."""
    prefix = f".{PARTITION_COLUMN}=" if batch is None else f".{PARTITION_COLUMN}={batch}.new-"
    for name in TABLES:
        wh.fs.invalidate_cache(wh.path(name))
        try:
            children = wh.fs.ls(wh.path(name), detail=False)
        except FileNotFoundError:
            continue
        for child in children:
            if child.rstrip("/").rsplit("/", 1)[-1].startswith(prefix):
                wh.remove(child)


def _holder(wh: Warehouse, lock: str) -> dict | None:
    try:
        return json.loads(wh.fs.cat_file(lock))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def _create_exclusive(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Create ``path`` only if absent; raises FileExistsError. The check comes first for stores that
    ignore the condition; where it is honoured (a conditional PUT, ``If-None-Match``, on AWS S3 and
    recent MinIO) two runs racing past the check still can't both win."""
    fs.invalidate_cache(path)
    if fs.exists(path):
        raise FileExistsError(path)
    try:
        with fs.open(path, "xb") as fh:
            fh.write(data)
    except (NotImplementedError, ValueError):
        fs.pipe_file(path, data)  # a filesystem without exclusive create: the check above is all there is


@contextmanager
def partition_lock(wh: Warehouse, batch: str, run_id: str) -> Iterator[None]:
    """Hold the publish lock object of one partition; a second run on the same partition fails fast."""
    lock = wh.lock(batch)
    owner = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname()}
    for _ in range(2):
        try:
            _create_exclusive(wh.fs, lock, json.dumps(owner).encode())
            break
        except FileExistsError:
            holder = _holder(wh, lock)
            if not holder or lock_owner_is_gone(holder):  # gone, unreadable, or its owner dead
                wh.remove(lock)
                continue
            raise PublishConflict(f"partition {batch!r} is being published by another run: {holder}") from None
    else:
        raise PublishConflict(f"could not take the lock {wh.url} {lock}")
    try:
        yield
    finally:
        wh.remove(lock)
