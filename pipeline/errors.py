"""One exception tree for the whole package.

Leaves also inherit the matching built-in where one fits, so callers that only know
``ValueError`` or ``OSError`` still catch them. Errors are translated once, at the edge
(the CLI prints one line; a DAG task lets Airflow record the failure).
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(PipelineError, ValueError):
    """Settings, rules or lexicon files are missing or invalid."""


class InputError(PipelineError, ValueError):
    """An input cannot be read at all (the batch may still go on without it)."""


class RecordRejected(InputError):
    """One input record is unusable; it goes to quarantine with ``reason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class GazetteerError(PipelineError, OSError):
    """The compiled gazetteer is missing, stale or unreadable."""


class GeocoderError(PipelineError):
    """An online geocoder failed; the offline gazetteer answers instead."""


class GeocoderTimeout(GeocoderError, TimeoutError):
    """An online geocoder did not answer in time."""


class ValidationFailed(PipelineError):
    """A batch-level quality gate failed; the message says what to look at."""


class StorageError(PipelineError, OSError):
    """Writing or publishing the Parquet tables failed."""


class PublishConflict(StorageError):
    """Another run holds the lock on the partition this run wants to publish."""
