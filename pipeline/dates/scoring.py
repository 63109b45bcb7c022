"""Score date mentions against gold time expressions (eval/SCORING.md, "Time expressions").

Only gold DATE expressions whose value is a full day count for recall and value accuracy; precision
counts emitted mentions that overlap any gold expression of any type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.models import DateMention

_FULL_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score_timexes(gold_docs: Sequence[Mapping[str, Any]], mentions_by_doc: Mapping[str, Sequence[DateMention]]) -> dict:
    """Recall, value accuracy and precision of ``mentions_by_doc`` (keyed by ``doc_id``) on ``gold_docs``.

    Also returns the raw counts and, under ``errors``, every scored gold expression we missed or
    valued wrongly, so a caller can look at what to fix.
    """
    gold_n = found_n = right_n = emitted_n = emitted_hit_n = 0
    errors: list[dict[str, Any]] = []
    for doc in gold_docs:
        if "timexes" not in doc:
            continue
        timexes = doc["timexes"]
        mentions = list(mentions_by_doc.get(doc["doc_id"], ()))
        emitted_n += len(mentions)
        emitted_hit_n += sum(
            any(_overlaps(m.start, m.end, t["start"], t["end"]) for t in timexes) for m in mentions
        )
        for t in timexes:
            if t.get("type") != "DATE" or not _FULL_DAY.match(str(t.get("value", ""))):
                continue
            gold_n += 1
            hits = [m for m in mentions if _overlaps(m.start, m.end, t["start"], t["end"])]
            day = t["value"][:10]
            right = any(m.value.startswith(day) for m in hits)
            found_n += bool(hits)
            right_n += right
            if not right:
                errors.append(
                    {
                        "doc_id": doc["doc_id"],
                        "gold_text": t["text"],
                        "gold_value": t["value"],
                        "ours": [(m.text, m.value, m.rule) for m in hits],
                        "published_at": doc.get("published_at"),
                    }
                )
    return {
        "gold": gold_n,
        "found": found_n,
        "right": right_n,
        "emitted": emitted_n,
        "emitted_overlapping_gold": emitted_hit_n,
        "recall": found_n / gold_n if gold_n else 0.0,
        "value_accuracy": right_n / gold_n if gold_n else 0.0,
        "precision": emitted_hit_n / emitted_n if emitted_n else 0.0,
        "errors": errors,
    }
