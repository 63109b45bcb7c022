"""What the numbers were measured on: they mean little without the machine and the versions."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("conflict-events-pipeline", "apache-airflow", "great-expectations", "pyarrow", "pandas", "dateparser",
            "geotext", "duckdb", "numpy", "pyinstrument")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", "pipeline", "dags"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def _working_tree(repo: Path) -> dict | None:
    """Uncommitted changes to the measured code: others may be editing it while the bench runs, so the
    commit alone does not say what was measured."""
    import hashlib

    try:
        diff = subprocess.run(["git", "-C", str(repo), "diff", "HEAD", "--", "pipeline", "dags"], capture_output=True,
                              check=True).stdout
        files = subprocess.run(["git", "-C", str(repo), "diff", "HEAD", "--name-only", "--", "pipeline", "dags"],
                               capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"changed_files": files, "diff_sha256": hashlib.sha256(diff).hexdigest()[:16] if diff else None}


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info(repo: Path) -> dict:
    load = os.getloadavg()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "git_commit": _git_commit(repo),
        "uncommitted": _working_tree(repo),
        "loadavg_at_start": [round(x, 2) for x in load],
        "versions": {name: _version(name) for name in PACKAGES},
        "extractor_version": _extractor_version(),
    }


def _extractor_version() -> str | None:
    from pipeline.version import extractor_version

    return extractor_version()
