"""Where the warehouse lives: a local folder, or any fsspec URL (``s3://bucket/prefix``, ``gcs://...``).

A local folder (``file://`` URLs included) keeps the local code paths, with their atomic renames.
Anything else goes through fsspec, with credentials and endpoint from the filesystem's own
mechanisms (``AWS_*`` variables, ``~/.aws``, ``FSSPEC_S3_*``) plus the ``storage_options`` setting.

fsspec is imported inside the functions: the CLI imports this module on every start.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import StorageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

# "s3://b/p", and "s3:/b/p" too: that is what Path("s3://b/p") makes of a URL, and a caller that
# wrapped the URL in a Path must still reach the bucket, not a local folder named "s3:".
# Two letters at least, so a Windows drive ("C:/") stays a path.
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):/+(?P<rest>.*)$")
# storage_options keys whose values are never written to the warehouse (runs.settings_json).
_SECRET_WORDS = ("key", "secret", "token", "password", "credential", "session")


def _split(out: str | Path) -> tuple[str, str] | None:
    match = _URL.match(str(out))
    return (match["scheme"].lower(), match["rest"]) if match else None


def is_remote(out: str | Path) -> bool:
    """True for a URL the local code cannot write (anything but a plain path or ``file://``)."""
    parts = _split(out)
    return parts is not None and parts[0] not in ("file", "local")


def url(out: str | Path) -> str:
    """``out`` as text, with a URL's ``//`` restored if a Path collapsed it."""
    parts = _split(out)
    if parts is None:
        return str(out)
    if parts[0] in ("file", "local"):
        return str(local_path(out))
    return f"{parts[0]}://{parts[1].rstrip('/')}"


def local_path(out: str | Path) -> Path:
    """A local warehouse as a Path (``file:///x`` is ``/x``)."""
    parts = _split(out)
    if parts is None:
        return Path(out)
    if parts[0] not in ("file", "local"):
        raise StorageError(f"{out} is not a local folder")
    return Path("/" + parts[1])


def join(out: str | Path, *names: str) -> str:
    """A path below the warehouse, as text (URL or local path)."""
    if is_remote(out):
        return "/".join([url(out), *names])
    return str(local_path(out).joinpath(*names))


def filesystem(out: str | Path, storage_options: dict[str, Any] | None = None) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem of a remote warehouse and the warehouse's path on it (no scheme)."""
    from fsspec.core import url_to_fs

    try:
        fs, root = url_to_fs(url(out), **(storage_options or {}))
    except (ImportError, ValueError, TypeError) as err:
        raise StorageError(f"cannot open the warehouse {url(out)}: {err}") from err
    return fs, root.rstrip("/")


def default_staging(out: str | Path, staging_dir: str = "") -> Path:
    """Where a run's scratch work goes: ``staging_dir`` when set, else ``OUT/_staging`` for a local
    warehouse, else a folder under the system temp dir (object stores are slow for scratch files)."""
    if staging_dir:
        return Path(staging_dir)
    if not is_remote(out):
        return local_path(out) / "_staging"
    return Path(tempfile.gettempdir()) / "conflict-events-staging"


def redact_options(options: dict[str, Any]) -> dict[str, Any]:
    """storage_options fit to publish: credentials replaced by ``***``."""
    clean: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dict):
            clean[key] = redact_options(value)  # e.g. client_kwargs={"aws_secret_access_key": ...}
        elif value and any(word in key.lower() for word in _SECRET_WORDS):
            clean[key] = "***"
        else:
            clean[key] = value
    return clean
