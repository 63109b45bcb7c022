"""Parquet I/O from explicit schemas, atomic partition replacement and the publish lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import fs as wfs
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


class LazyTables(Mapping[str, pa.Table]):
    """Tables by name, each either in memory or a staged Parquet file read only when asked for.

    Publishing goes through the tables one after another; reading each as it is written keeps one
    table in memory instead of all of them (on 100k articles, gigabytes)."""

    def __init__(self, sources: dict[str, Path | pa.Table]) -> None:
        self._sources = dict(sources)

    def __getitem__(self, name: str) -> pa.Table:
        source = self._sources[name]
        return read_parquet(name, source) if isinstance(source, Path) else source

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def partition_dir(out: Path, name: str, batch: str) -> Path:
    return out / name / f"{PARTITION_COLUMN}={batch}"


# Test hook: a test sets this variable to the name of a crash point (``publish:staged``,
# ``publish:swapped:3``, ...) and the process kills itself there with SIGKILL, so an interrupted run
# can be reproduced exactly. Unset, as in every real run, it costs one dictionary lookup.
CRASH_ENV = "PIPELINE_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Die like a killed worker (no cleanup, no finally) when ``$PIPELINE_TEST_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _staging_dir(out: Path, name: str, batch: str, run_id: str) -> Path:
    final = partition_dir(out, name, batch)
    return final.parent / f".{final.name}.new-{run_id}"


def _retired_dir(out: Path, name: str, batch: str, run_id: str) -> Path:
    final = partition_dir(out, name, batch)
    return final.parent / f".{final.name}.old-{run_id}"


def _stage_partition(out: Path, name: str, batch: str, table: pa.Table, run_id: str) -> None:
    """Write the new partition completely under a dot-name, which hive readers ignore."""
    staging = _staging_dir(out, name, batch, run_id)
    staging.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    pq.write_table(table.drop_columns([PARTITION_COLUMN]) if PARTITION_COLUMN in table.column_names else table,
                   staging / "part-0.parquet", compression="zstd")


def _swap_in(out: Path, name: str, batch: str, run_id: str) -> None:
    """Put the staged partition in place of the published one: two renames, each atomic. Safe to
    repeat after an interruption anywhere between them (the staged folder is only gone once swapped)."""
    final = partition_dir(out, name, batch)
    staging = _staging_dir(out, name, batch, run_id)
    if not staging.exists():
        return  # already swapped in
    if final.exists():
        retired = _retired_dir(out, name, batch, run_id)
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(final, retired)
    os.replace(staging, final)


def _remote(out: str | Path, storage_options: dict | None):
    from pipeline.remote import Warehouse

    return Warehouse(str(out), storage_options=storage_options)


def _crash(name: str) -> None:
    crash_point(name)  # looked up at call time, so a test's replacement of crash_point applies


def replace_partition(out: Path | str, name: str, batch: str, table: pa.Table, run_id: str, *,
                      storage_options: dict | None = None) -> Path | str:
    """Make ``table`` the whole content of one partition, replacing what a previous run left there.

    An interrupted call leaves either the old partition or the new one, and at worst a dot-folder
    that the next publish clears. To replace several tables together, use ``publish_partitions``.
    """
    if wfs.is_remote(out):
        from pipeline import remote

        with remote.storage_errors(str(out)):
            return remote.replace_partition(_remote(out, storage_options), name, batch, table, run_id, _crash)
    out = wfs.local_path(out)
    _stage_partition(out, name, batch, table, run_id)
    _swap_in(out, name, batch, run_id)
    shutil.rmtree(_retired_dir(out, name, batch, run_id), ignore_errors=True)
    return partition_dir(out, name, batch)


def _journal(out: Path, batch: str) -> Path:
    return out / "_locks" / f"{PARTITION_COLUMN}={batch}.publishing.json"


def publish_partitions(out: Path | str, batch: str, tables: Mapping[str, pa.Table], run_id: str, *,
                       storage_options: dict | None = None) -> None:
    """Replace one partition of every table in ``tables`` as a unit; call it under ``partition_lock``.
    ``tables`` may be a ``LazyTables``: each is then read from its file as its partition is written.

    Every new partition is written first; only then does a journal naming the run commit the
    publish, and the swaps follow. Killed before the journal exists, the run leaves the previous
    data whole; killed after, the next publish of the batch finishes the swaps (``recover_publish``),
    so no table is ever left from one run while another table is from the next.
    On an object store (``out`` an fsspec URL) see ``pipeline.remote`` for what differs.
    """
    if wfs.is_remote(out):
        from pipeline import remote

        with remote.storage_errors(str(out)):
            return remote.publish_partitions(_remote(out, storage_options), batch, tables, run_id, _crash)
    out = wfs.local_path(out)
    recover_publish(out, batch)
    for name in tables:
        # No loop variable holds the table: with LazyTables it is freed as soon as it is written.
        _stage_partition(out, name, batch, tables[name], run_id)
    crash_point("publish:staged")
    journal = _journal(out, batch)
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_name(f".{journal.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps({"run_id": run_id, "tables": list(tables)}), encoding="utf-8")
    os.replace(tmp, journal)  # the commit point
    for done, name in enumerate(tables, start=1):
        _swap_in(out, name, batch, run_id)
        crash_point(f"publish:swapped:{done}")
    _finish_publish(out, batch, list(tables), run_id)


def _finish_publish(out: Path, batch: str, names: list[str], run_id: str) -> None:
    # Old partitions go before the journal: a leftover .old- folder with no journal is always garbage.
    for name in names:
        shutil.rmtree(_retired_dir(out, name, batch, run_id), ignore_errors=True)
    _journal(out, batch).unlink(missing_ok=True)


def recover_publish(out: Path | str, batch: str, *, storage_options: dict | None = None) -> str | None:
    """Finish a publish of ``batch`` that was killed after its commit point, then clear what any
    interrupted publish of it left behind. Call it under the partition lock. Returns the run id of a
    publish it finished, or None."""
    if wfs.is_remote(out):
        from pipeline import remote

        with remote.storage_errors(str(out)):
            return remote.recover_publish(_remote(out, storage_options), batch, _crash)
    out = wfs.local_path(out)
    journal = _journal(out, batch)
    finished = None
    if journal.exists():
        try:
            entry = json.loads(journal.read_text(encoding="utf-8"))
            names, run_id = list(entry["tables"]), str(entry["run_id"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StorageError(f"unreadable publish journal {journal}: {err}; inspect it and remove it") from err
        for name in names:
            _swap_in(out, name, batch, run_id)
        _finish_publish(out, batch, names, run_id)
        finished = run_id
    clear_leftovers(out, batch)
    return finished


def clear_leftovers(out: Path | str, batch: str | None = None, *, storage_options: dict | None = None) -> None:
    """Remove dot-folders that an interrupted publish left behind (of one batch, or of all).

    Only call it with ``batch=None`` when no run can be publishing: another batch's staged folders
    may belong to a publish in progress.
    """
    if wfs.is_remote(out):
        from pipeline import remote

        with remote.storage_errors(str(out)):
            return remote.clear_leftovers(_remote(out, storage_options), batch)
    out = wfs.local_path(out)
    if batch is None:
        prefixes: tuple[str, ...] = (f".{PARTITION_COLUMN}=",)
    else:
        prefixes = (f".{PARTITION_COLUMN}={batch}.new-", f".{PARTITION_COLUMN}={batch}.old-")
    for name in TABLES:
        folder = out / name
        if folder.is_dir():
            for child in folder.iterdir():
                if child.name.startswith(prefixes) and (".new-" in child.name or ".old-" in child.name):
                    shutil.rmtree(child, ignore_errors=True)


def lock_owner_is_gone(owner: dict) -> bool:
    """Whether a lock's recorded owner is known to be dead: only a process of this host can be checked."""
    if owner.get("host") != socket.gethostname():
        return False  # another machine's lock: only its owner can tell
    try:
        os.kill(int(owner["pid"]), 0)
    except (ProcessLookupError, KeyError, ValueError):
        return True
    except PermissionError:
        return False
    return False


def _lock_is_stale(lock: Path) -> bool:
    try:
        owner = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return lock_owner_is_gone(owner)


@contextmanager
def partition_lock(out: Path | str, batch: str, run_id: str, *, storage_options: dict | None = None) -> Iterator[None]:
    """Hold the publish lock of one partition; a second run on the same partition fails fast.

    On an object store the lock is an object created with a conditional PUT (see ``pipeline.remote``).
    """
    if wfs.is_remote(out):
        from pipeline import remote

        with remote.storage_errors(str(out)), remote.partition_lock(_remote(out, storage_options), batch, run_id):
            yield
        return
    out = wfs.local_path(out)
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


def upload_folder(out: str, local: str | Path, *names: str, storage_options: dict | None = None) -> str:
    """Copy a local folder to ``OUT/<names...>`` on a remote warehouse (replacing it); returns its URL."""
    from pipeline.remote import storage_errors

    with storage_errors(str(out)):
        wh = _remote(out, storage_options)
        target = wh.path(*names)
        wh.remove(target)  # a retried publish uploads whole again, never on top of a half copy
        wh.fs.put(str(local).rstrip("/") + "/", target, recursive=True)
    return wfs.join(out, *names)
