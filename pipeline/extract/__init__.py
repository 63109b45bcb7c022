"""Rule-based event extraction: event types, casualties, dates, places, actors, modality.

``extract_events`` is pure and deterministic; the rules live in ``pipeline/rules/*.json``.
"""

from pipeline.extract.engine import extract_events

__all__ = ["extract_events"]
