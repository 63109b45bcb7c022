"""`conflict-events query`: views over the warehouse, the analyst view, and the README's five questions.

The five questions are read from README.md and run exactly as written, on a tiny
warehouse whose rows are chosen so each answer checks one thing (a boundary, an exclusion).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import storage
from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.query import connect, run_query

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "README.md"
WHEN = datetime(2024, 3, 20, 12, 0, tzinfo=timezone.utc)
ALEPPO = (36.2021, 37.1343)


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def article(article_id: str, run_id: str = "run-1") -> dict:
    return {
        "article_id": article_id, "source_id": f"{article_id}.txt", "published_at_source": "record",
        "text": "text", "ingested_at": WHEN, "run_id": run_id,
    }


def event(event_id: str, article_id: str = "a1", run_id: str = "run-1", **fields) -> dict:
    row = {
        "event_id": event_id, "article_id": article_id, "source_id": f"{article_id}.txt",
        "event_type": "airstrike", "modality": "asserted", "evidence": "evidence", "char_start": 0,
        "char_end": 8, "confidence": 0.9, "rule": "test", "extractor_version": "test", "run_id": run_id,
    }
    row.update(fields)
    return row


def date_mention(mention_id: str, text: str, char_start: int, anchor: date, value: str,
                 article_id: str = "a1") -> dict:
    return {
        "mention_id": mention_id, "article_id": article_id, "source_id": f"{article_id}.txt",
        "char_start": char_start, "char_end": char_start + len(text), "text": text, "value": value,
        "precision": "day", "kind": "point", "anchor": anchor, "rule": f"test:{mention_id}",
        "extractor_version": "test", "run_id": "run-1",
    }


def run_row(run_id: str, batch: str, finished: datetime) -> dict:
    return {
        "run_id": run_id, "batch": batch, "started_at": finished, "finished_at": finished,
        "inputs_json": "[]", "input_files": 1, "records_seen": 1, "articles": 1, "duplicates": 0,
        "quarantined": 0, "events": 1, "casualties": 0, "place_mentions": 0, "date_mentions": 0,
        "validation_success": True, "extractor_version": "test", "settings_json": "{}",
    }


def publish(out: Path, batch: str, run_id: str, **tables: list[dict]) -> None:
    for name, rows in tables.items():
        storage.replace_partition(out, name, batch, storage.to_table(name, rows), run_id)


def idlib(event_id: str, day: date, **fields) -> dict:
    return event(event_id, admin1="Idlib", country_code="SY", event_date=day, **fields)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    out = tmp_path / "warehouse"
    events = [
        # Q1: two Idlib airstrikes in the week of Monday 2024-03-11, one the next week.
        idlib("e01", date(2024, 3, 11), fatalities=3, fatalities_high=5, actor1="Air Force A"),
        idlib("e02", date(2024, 3, 17), fatalities=2, actor1="Air Force A"),
        idlib("e03", date(2024, 3, 18), actor1="Air Force B"),
        # Not counted in Q1: another province, another type, a denial, an undated airstrike.
        event("e04", event_date=date(2024, 3, 12), admin1="Aleppo", fatalities=7, actor1="Air Force B"),
        idlib("e05", date(2024, 3, 12), event_type="shelling", fatalities=1, actor1="Artillery C"),
        idlib("e06", date(2024, 3, 12), modality="denied", fatalities=100, actor1="Air Force A"),
        idlib("e07", None, fatalities=4),
        # Q3: 0.4 degrees north of the point is 44.5 km, 0.5 degrees is 55.6 km.
        event("e08", event_type="armed_clash", latitude=ALEPPO[0] + 0.4, longitude=ALEPPO[1],
              location_name="North", event_date=date(2024, 3, 13)),
        event("e09", event_type="armed_clash", latitude=ALEPPO[0] + 0.5, longitude=ALEPPO[1],
              location_name="Too far", event_date=date(2024, 3, 13)),
        event("e10", event_type="armed_clash", latitude=ALEPPO[0], longitude=ALEPPO[1] + 0.1,
              location_name="East", event_date=date(2024, 3, 13), modality="claimed"),
        # Q4: ceasefire statements over two months; a hypothetical one is not counted.
        event("c1", event_type="ceasefire_statement", stance="agreement", event_date=date(2024, 2, 2)),
        event("c2", event_type="ceasefire_statement", stance="violation", event_date=date(2024, 2, 20)),
        event("c3", event_type="ceasefire_statement", stance="violation", event_date=date(2024, 3, 1)),
        event("c4", event_type="ceasefire_statement", stance="call", event_date=date(2024, 3, 5)),
        event("c5", event_type="ceasefire_statement", stance="violation", event_date=date(2024, 3, 6),
              modality="hypothetical"),
        # Q5: dated from relative phrases, from an explicit date, and from the publication date.
        event("r1", event_type="shelling", event_date=date(2024, 3, 17), date_text="Sunday",
              date_source="own_phrase", char_start=500),
        event("r2", event_type="shelling", event_date=date(2024, 3, 19), date_text="yesterday",
              date_source="governing_phrase", char_start=50),
        event("r3", event_type="shelling", event_date=date(2024, 3, 3), date_text="3 March 2024",
              date_source="own_phrase"),
        event("r4", event_type="shelling", event_date=date(2024, 3, 20), date_source="publication"),
        event("r5", event_type="shelling", event_date=date(2024, 3, 3), date_text="last Sunday 2023",
              date_source="own_phrase"),
        # The same story again: its article is a duplicate, not in articles, so never counted.
        idlib("d1", date(2024, 3, 11), article_id="dup", fatalities=50, actor1="Air Force A"),
    ]
    mentions = [
        # "Sunday" twice: the one nearest r1's evidence (char 500) is the one r1 was dated from.
        date_mention("m1", "Sunday", 10, date(2024, 3, 1), "2024-02-25"),
        date_mention("m2", "Sunday", 520, date(2024, 3, 20), "2024-03-17"),
        date_mention("m3", "yesterday", 40, date(2024, 3, 20), "2024-03-19"),
    ]
    quarantine = [{
        "quarantine_id": "q1", "stage": "ingest", "reason": "duplicate_article", "article_id": "dup",
        "is_input_record": True, "quarantined_at": WHEN, "run_id": "run-1",
    }]
    publish(out, "b1", "run-1", articles=[article("a1")], events=events, date_mentions=mentions,
            quarantine=quarantine, runs=[run_row("run-1", "b1", WHEN)])
    return out


def answer(out: Path, number: int) -> list[dict]:
    return run_query(out, doc_queries()[number - 1]).to_pylist()


def test_doc_has_the_five_questions():
    assert len(doc_queries()) == 5


def test_q1_airstrikes_per_week_in_a_province(warehouse: Path):
    assert answer(warehouse, 1) == [
        {"week": date(2024, 3, 11), "airstrikes": 2, "killed": 5, "killed_high": 7},
        {"week": date(2024, 3, 18), "airstrikes": 1, "killed": None, "killed_high": None},
    ]


def test_q2_fatalities_by_actor(warehouse: Path):
    rows = {r["actor"]: r for r in answer(warehouse, 2)}
    # Air Force A: e01 (3, high 5) + e02 (2); not the denial e06 nor the duplicate article's d1.
    assert (rows["Air Force A"]["killed"], rows["Air Force A"]["killed_high"]) == (5, 7)
    assert rows["Air Force A"]["events"] == 2
    assert rows["Air Force B"]["killed"] == 7
    assert rows["Artillery C"]["killed"] == 1
    # Ceasefire statements are not attacks; e07 and the clashes name no actor.
    assert rows["(not stated)"]["killed"] == 4
    assert answer(warehouse, 2)[0]["actor"] == "Air Force B"  # most killed first


def test_q3_events_within_50_km_of_a_point(warehouse: Path):
    rows = answer(warehouse, 3)
    assert [r["event_id"] for r in rows] == ["e10", "e08"]  # nearest first; e09 is 55.6 km away
    assert rows[0]["distance_km"] == pytest.approx(8.97, abs=0.1)  # 0.1 degree east at 36.2 N
    assert rows[1]["distance_km"] == pytest.approx(44.5, abs=0.1)


def test_q4_ceasefire_statements_and_violations_over_time(warehouse: Path):
    assert [(r["month"], r["agreements"], r["support_or_calls"], r["violations"], r["statements"])
            for r in answer(warehouse, 4)] == [
        (date(2024, 2, 1), 1, 0, 1, 2),
        (date(2024, 3, 1), 0, 1, 1, 2),  # the hypothetical violation c5 is left out
    ]


def test_q5_events_dated_from_a_relative_phrase(warehouse: Path):
    rows = answer(warehouse, 5)
    # r3 names its date, r4 took the publication date, r5 names a year: none is relative.
    assert [r["event_id"] for r in rows] == ["r1", "r2"]
    r1, r2 = rows
    assert (r1["anchor"], r1["days_before_anchor"], r1["date_rule"]) == (date(2024, 3, 20), 3, "test:m2")
    assert (r2["anchor"], r2["days_before_anchor"]) == (date(2024, 3, 20), 1)


def test_analyst_view_leaves_out_denied_hypothetical_and_duplicate_articles(warehouse: Path):
    kept = {r["event_id"] for r in run_query(warehouse, "SELECT event_id FROM events_analyst").to_pylist()}
    everything = {r["event_id"] for r in run_query(warehouse, "SELECT event_id FROM events").to_pylist()}
    assert everything - kept == {"e06", "c5", "d1"}


def test_analyst_view_says_what_it_leaves_out(warehouse: Path):
    comment = run_query(
        warehouse, "SELECT comment FROM duckdb_views() WHERE view_name = 'events_analyst'"
    ).to_pylist()[0]["comment"]
    assert "denied" in comment and "hypothetical" in comment and "duplicate" in comment


def test_analyst_view_keeps_an_event_published_by_two_batches_once(warehouse: Path):
    # The same article and event published again under another batch by a later run.
    later = datetime(2024, 3, 21, tzinfo=timezone.utc)
    publish(warehouse, "b2", "run-2", articles=[article("a1", "run-2")],
            events=[idlib("e01", date(2024, 3, 11), fatalities=3, run_id="run-2")],
            runs=[run_row("run-2", "b2", later)])
    rows = run_query(warehouse, "SELECT batch FROM events_analyst WHERE event_id = 'e01'").to_pylist()
    assert rows == [{"batch": "b2"}]
    assert run_query(warehouse, "SELECT count(*) AS n FROM events WHERE event_id = 'e01'").to_pylist() == [{"n": 2}]


def test_a_table_without_files_is_an_empty_typed_view(warehouse: Path):
    # casualties was never written in this warehouse.
    con = connect(warehouse)
    try:
        assert con.sql("SELECT count(*) FROM casualties").fetchall() == [(0,)]
        types = dict(con.sql("SELECT column_name, column_type FROM (DESCRIBE casualties)").fetchall())
    finally:
        con.close()
    assert types["count_low"] == "BIGINT" and types["date"] == "DATE" and types["batch"] == "VARCHAR"


def test_a_batch_filter_reads_only_that_partition(warehouse: Path):
    publish(warehouse, "b2", "run-2", events=[event("x1", run_id="run-2")])
    plan = run_query(warehouse, "EXPLAIN ANALYZE SELECT count(*) FROM events WHERE batch = 'b2'")
    text = "\n".join(str(v) for v in plan.to_pylist()[0].values())
    assert "Scanning Files: 1/2" in text


def test_a_batch_named_like_a_date_stays_text(tmp_path: Path):
    out = tmp_path / "warehouse"
    publish(out, "2024-06-01", "run-1", events=[event("e1")])
    assert run_query(out, "SELECT batch FROM events").to_pylist() == [{"batch": "2024-06-01"}]


def test_missing_warehouse_is_a_one_line_error(tmp_path: Path):
    with pytest.raises(PipelineError, match="no warehouse"):
        run_query(tmp_path / "absent", "SELECT 1")


def test_bad_sql_is_a_pipeline_error(warehouse: Path):
    with pytest.raises(PipelineError, match="query failed"):
        run_query(warehouse, "SELECT * FROM no_such_table")


def test_cli_prints_a_readable_table(warehouse: Path, capsys):
    assert main(["query", "--out", str(warehouse), "SELECT event_id FROM events_analyst WHERE event_id = 'e01'"]) == 0
    out = capsys.readouterr().out
    assert "event_id" in out and "e01" in out and "│" in out


def test_cli_writes_csv(warehouse: Path, capsys):
    main(["query", "--out", str(warehouse), "--format", "csv", "SELECT event_id FROM events WHERE event_id IN ('e01', 'e02') ORDER BY 1"])
    assert capsys.readouterr().out.splitlines() == ['"event_id"', '"e01"', '"e02"']


def test_cli_writes_json_with_dates(warehouse: Path, capsys):
    main(["query", "--out", str(warehouse), "--format", "json", "SELECT event_id, event_date FROM events WHERE event_id = 'e01'"])
    assert json.loads(capsys.readouterr().out) == [{"event_id": "e01", "event_date": "2024-03-11"}]


def test_cli_output_suffix_chooses_parquet(warehouse: Path, tmp_path: Path):
    dest = tmp_path / "answer.parquet"
    main(["query", "--out", str(warehouse), "--output", str(dest), "SELECT event_id FROM events_analyst"])
    assert pq.read_table(dest).num_rows == 18


def test_cli_reads_sql_from_a_file(warehouse: Path, tmp_path: Path, capsys):
    sql = tmp_path / "q.sql"
    sql.write_text(doc_queries()[0], encoding="utf-8")
    main(["query", "--out", str(warehouse), "--file", str(sql), "--format", "json"])
    assert [r["airstrikes"] for r in json.loads(capsys.readouterr().out)] == [2, 1]


def test_cli_parquet_to_stdout_is_refused(warehouse: Path, capsys):
    assert main(["query", "--out", str(warehouse), "--format", "parquet", "SELECT 1"]) == 2
    assert "needs --output" in capsys.readouterr().err


def test_query_names_the_contract_partition_column():
    from pipeline import query
    from pipeline.schemas import PARTITION_COLUMN

    assert query.PARTITION_COLUMN == PARTITION_COLUMN


def test_cli_start_imports_neither_duckdb_nor_pyarrow():
    import subprocess
    import sys

    code = ("import sys, pipeline.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('duckdb', 'pyarrow', 'shapely', 'shapefile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_cli_json_writes_decimal_sums_as_numbers(warehouse: Path, capsys):
    # DuckDB's sum of BIGINT is a DECIMAL; an analyst's JSON should still hold a number.
    main(["query", "--out", str(warehouse), "--format", "json", "SELECT sum(fatalities) AS killed FROM events WHERE event_id = 'e01'"])
    assert json.loads(capsys.readouterr().out) == [{"killed": 3}]
