"""Timing helpers: medians, and child processes whose own peak memory and CPU time we can read."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ChildRun:
    """One finished child process."""

    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the child and the children it waited for
    max_rss_mb: float


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def pin_to(cores: set[int] | None):
    """A preexec_fn that restricts the child to ``cores`` ("one core" means one, not 'one busy thread')."""
    if not cores:
        return None
    return lambda: os.sched_setaffinity(0, cores)


def start_child(argv: list[str], *, log: Path, env: dict[str, str] | None = None, cores: set[int] | None = None,
                cwd: Path | None = None) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = log.open("wb")
    # start_new_session: the child gets its own process group, so a timeout can kill it and its workers.
    proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                            preexec_fn=pin_to(cores), start_new_session=True)
    fh.close()
    return proc


def wait_child(proc: subprocess.Popen, started: float) -> ChildRun:
    """Wait with wait4 rather than Popen.wait: wait4 returns this child's own rusage, whereas
    getrusage(RUSAGE_CHILDREN) is the maximum over every child this process ever had."""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def run_children(commands: list[tuple[list[str], Path, set[int] | None]], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> tuple[float, list[ChildRun]]:
    """Start every command at once and wait for all; returns the wall time until the last finished."""
    started = time.perf_counter()
    procs = [start_child(argv, log=log, env=env, cores=cores, cwd=cwd) for argv, log, cores in commands]
    try:
        runs = [wait_child(p, started) for p in procs]
    except BaseException:
        for p in procs:  # interrupted: leave nothing running behind us
            if p.returncode is None:
                try:
                    os.killpg(p.pid, 9)
                    os.waitpid(p.pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
        raise
    return time.perf_counter() - started, runs


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
