"""Ingest: find input files and turn them into Article records or quarantine entries."""

from pipeline.ingest.discover import InputFile, discover_inputs
from pipeline.ingest.read import IngestResult, Rejected, read_input

__all__ = ["InputFile", "IngestResult", "Rejected", "discover_inputs", "read_input"]
