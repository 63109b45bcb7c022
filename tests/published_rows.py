"""Compare what two runs published, ignoring the columns that name the run or the moment it ran."""

from __future__ import annotations

import json

# Columns that name the run or the time it ran: everything else must come out identical.
RUN_SPECIFIC = {"run_id", "ingested_at", "quarantined_at", "detected_at", "started_at", "finished_at",
                "validation_path"}


def normalised(tables: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Rows without run-specific columns, as sorted JSON: equal when two runs published the same."""
    result = {}
    for name, rows in tables.items():
        clean = []
        for row in rows:
            row = {k: v for k, v in row.items() if k not in RUN_SPECIFIC}
            if row.get("row_json"):
                row["row_json"] = {k: v for k, v in json.loads(row["row_json"]).items() if k not in RUN_SPECIFIC}
            clean.append(json.dumps(row, sort_keys=True, default=str))
        result[name] = sorted(clean)
    return result
