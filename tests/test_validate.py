"""Great Expectations gates: a bad row moves to quarantine with the failed expectation; too many
bad rows or no articles at all fail the batch."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipeline.errors import ValidationFailed
from pipeline.schemas import TABLES
from pipeline.settings import load_settings
from pipeline.storage import to_table
from pipeline.validate import validate_tables

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
TEXT = "Shelling hit Kharkiv on Saturday, killing three civilians."
PROV = {"extractor_version": "t", "gazetteer_version": "g", "run_id": "r"}


def _article(aid: str) -> dict:
    return {"article_id": aid, "source_id": aid, "text": TEXT, "published_at": NOW,
            "published_at_source": "record", "ingested_at": NOW, "run_id": "r"}


def _event(eid: str, aid: str = "a1", **over) -> dict:
    row = {"event_id": eid, "article_id": aid, "source_id": aid, "event_type": "shelling",
           "event_date": date(2024, 5, 25), "modality": "asserted", "evidence": TEXT, "char_start": 0,
           "char_end": len(TEXT), "confidence": 0.8, "rule": "t", "latitude": 50.0, "longitude": 36.2,
           "country_code": "UA", "geo_precision": 1, "fatalities": 3, "fatalities_high": 3, **PROV}
    row.update(over)
    return row


def _tables(events: list[dict], articles: list[dict] | None = None) -> dict:
    tables = {name: schema.empty_table() for name, schema in TABLES.items() if name != "runs"}
    tables["articles"] = to_table("articles", articles if articles is not None else [_article("a1")])
    tables["events"] = to_table("events", events)
    return tables


def _validate(tables, tmp_path: Path, share: float = 0.9, records: int = 1):
    settings = load_settings(environ={}).with_overrides(max_failed_row_share=share)
    return validate_tables(tables, settings=settings, run_id="r", report_dir=tmp_path / "v", records_seen=records)


@pytest.mark.parametrize(
    ("override", "expectation"),
    [
        ({"event_type": "protest"}, "expect_column_values_to_be_in_set(event_type)"),
        ({"latitude": 95.0}, "expect_column_values_to_be_between(latitude)"),
        ({"longitude": None}, "check_lat_lon_both_or_neither"),
        ({"event_date": date(2024, 6, 9)}, "check_date_not_after_publication"),
        ({"event_date": date(1850, 1, 1)}, "check_date_after_1900"),
        ({"fatalities": 5, "fatalities_high": 3}, "expect_column_pair_values_a_to_be_greater_than_b"),
        ({"char_end": 10_000}, "check_offsets_inside_article"),
        ({"article_id": "ghost"}, "check_article_exists"),
        ({"country_code": "XX"}, "expect_column_values_to_be_in_set(country_code)"),
    ],
)
def test_bad_event_row_is_quarantined_with_the_failed_expectation(tmp_path, override, expectation):
    kept, outcome = _validate(_tables([_event("good"), _event("bad", **override)]), tmp_path)
    assert kept["events"].column("event_id").to_pylist() == ["good"]
    (row,) = kept["quarantine"].to_pylist()
    assert row["row_id"] == "bad" and row["stage"] == "validate" and expectation in row["reason"]
    assert (tmp_path / "v" / "events.json").exists()


def test_too_large_a_share_of_failing_rows_fails_the_batch(tmp_path):
    events = [_event("e1", event_type="protest"), _event("e2", event_type="protest"), _event("e3")]
    with pytest.raises(ValidationFailed, match="events: 2 of 3 rows failed"):
        _validate(_tables(events), tmp_path, share=0.5)


def test_non_empty_input_with_no_article_fails_the_batch(tmp_path):
    with pytest.raises(ValidationFailed, match="yielded no article"):
        _validate(_tables([], articles=[]), tmp_path, records=4)


def test_clean_tables_pass_untouched(tmp_path):
    kept, outcome = _validate(_tables([_event("e1")]), tmp_path)
    assert outcome["success"] and kept["events"].num_rows == 1 and kept["quarantine"].num_rows == 0


def test_results_are_kept_as_json_and_data_docs_html_built_offline(tmp_path, monkeypatch):
    # The docs must build on a machine with no network: any connection attempt fails the test.
    import json
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("Data Docs tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    kept, outcome = _validate(_tables([_event("good"), _event("bad", event_type="protest")]), tmp_path)
    folder = tmp_path / "v"
    summary = json.loads((folder / "summary.json").read_text())
    index = folder / "data_docs" / "index.html"
    assert summary["data_docs"] == str(index) == outcome["data_docs"]
    html = index.read_text(encoding="utf-8")
    suites = ["articles", "events", "casualties", "place_mentions", "date_mentions", "duplicates"]
    for table in suites:
        assert (folder / f"{table}.json").exists()
        assert f"{table}_suite" in html, f"index.html does not name {table}_suite"
    # One rendered result page per suite, filed under this run's id; the failing one says what failed.
    pages = {p.parts[-4]: p for p in (folder / "data_docs" / "validations").rglob("*.html")}
    assert sorted(pages) == sorted(f"{t}_suite" for t in suites)
    assert all(p.parts[-3] == "r" for p in pages.values())
    assert "protest" in pages["events_suite"].read_text(encoding="utf-8")  # the unexpected value, shown


def test_a_failed_gate_still_leaves_its_data_docs(tmp_path):
    events = [_event("e1", event_type="protest"), _event("e2")]
    with pytest.raises(ValidationFailed):
        _validate(_tables(events), tmp_path, share=0.1)
    assert "events_suite" in (tmp_path / "v" / "data_docs" / "index.html").read_text(encoding="utf-8")
