"""Ingest and analyse the chunks of a run in worker processes (the CLI's ``--workers``).

Workers are started with 'spawn': a forked copy of a parent that has imported pyarrow, pandas and
GX (with their threads and locks) is not safe. Each worker loads the gazetteer once, ignores Ctrl-C
(the parent stops it) and dies with its parent, so a killed run leaves no orphan working on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from pipeline import stages, storage
from pipeline.errors import PipelineError
from pipeline.settings import Settings

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Linux: the kernel SIGKILLs this worker when the parent dies, however it dies."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pipe to the parent breaks instead
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent_pid: int, log_level: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent decides
    _die_with_parent(parent_pid)
    # A spawned worker starts with no logging set up: the parent's level, so -v shows chunk logs too.
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The crash hook names points of the run; the parent fires them as chunks complete (see run_chunks).
    os.environ.pop(storage.CRASH_ENV, None)
    from pipeline.geo import load_gazetteer
    from pipeline.process import analyse_text  # noqa: F401 - imports the extractors once, up front

    load_gazetteer()


def process_chunk(run_dir: str, chunk_no: int, settings: Settings) -> int:
    """Ingest then analyse one chunk; returns the chunk number (the work is in the staged files)."""
    stages.ingest_chunk(run_dir, chunk_no, settings)
    stages.analyse_chunk(run_dir, chunk_no, settings)
    return chunk_no


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and kill what has: used on failure and on Ctrl-C, when waiting
    for the running chunks to finish would only delay the answer."""
    # _processes is private but stable (3.8-3.13); shutdown() alone waits for running work.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    for proc in processes:
        proc.join(timeout=5)


def run_chunks(
    run_dir: str,
    chunk_nos: Iterable[int],
    settings: Settings,
    *,
    workers: int,
    on_done: Callable[[int], None],
) -> None:
    """Process ``chunk_nos`` with ``workers`` processes (1: here, in order); ``on_done(chunk_no)``
    runs in this process as each chunk completes. A failing chunk raises PipelineError naming it."""
    chunk_nos = list(chunk_nos)
    if workers <= 1 or len(chunk_nos) <= 1:
        for n in chunk_nos:
            process_chunk(run_dir, n, settings)
            on_done(n)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunk_nos)), mp_context=context,
        initializer=_init_worker, initargs=(os.getpid(), logging.getLogger().getEffectiveLevel()),
    )
    try:
        pending: dict[Future, int] = {pool.submit(process_chunk, run_dir, n, settings): n for n in chunk_nos}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                n = pending.pop(future)
                _result(future, n)
                # Fired here, where a sequential run would have fired them: the hook kills the run.
                storage.crash_point(f"ingest:{n}")
                storage.crash_point(f"analyse:{n}")
                on_done(n)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _result(future: Future, chunk_no: int) -> None:
    try:
        future.result()
    except BrokenProcessPool as err:
        raise PipelineError(
            f"a worker process died while chunk {chunk_no} or another was running (killed, or out of "
            f"memory?); rerun with --workers 1 to see more"
        ) from err
    except PipelineError as err:
        named = _with_chunk(err, chunk_no)
        if named is err:
            raise
        raise named from err
    except Exception as err:
        raise PipelineError(f"chunk {chunk_no} failed: {type(err).__name__}: {err}") from err


def _with_chunk(err: PipelineError, chunk_no: int) -> PipelineError:
    """The same kind of error, saying which chunk; the original when its type cannot be rebuilt."""
    try:
        return type(err)(f"chunk {chunk_no}: {err}")
    except TypeError:
        return err
