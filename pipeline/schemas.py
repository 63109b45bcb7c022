"""The output contract: one explicit Arrow schema per table.

Analysts write queries against these names. Add columns freely; never rename or drop one.
``schemas/<table>.json`` is generated from here (``conflict-events schemas --write``) and a test fails
when the two drift. Every table is hive-partitioned by ``batch`` (the run's input set: the day for
the nightly DAG), which lives in the directory name, not in the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

PARTITION_COLUMN = "batch"
TS = pa.timestamp("us", tz="UTC")


def _f(name: str, kind: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, kind, nullable=nullable, metadata={"description": doc})


_PROVENANCE = [
    _f("extractor_version", pa.string(), "Version of the code that produced the row", False),
    _f("gazetteer_version", pa.string(), "Gazetteer snapshot used for places (null when none was needed)"),
    _f("run_id", pa.string(), "The run that wrote the row", False),
]

ARTICLES = pa.schema(
    [
        _f("article_id", pa.string(), "Stable hash of the normalised text", False),
        _f("source_id", pa.string(), "The input's own id (record doc_id/id, or the file name)", False),
        _f("source", pa.string(), "Publisher or feed name"),
        _f("url", pa.string(), "Article URL when known"),
        _f("title", pa.string(), "Headline"),
        _f("published_at", TS, "Publication time (UTC); null when unknown"),
        _f("published_at_source", pa.string(), "Where published_at came from: record, header, html_meta, "
           "unparsable (a stamp was there but could not be read) or missing", False),
        _f("published_utc_offset_minutes", pa.int32(), "UTC offset the publication stamp was written in"),
        _f("dateline", pa.string(), "Dateline such as MOSCOW/BEIRUT"),
        _f("text", pa.large_string(), "Full text; every char offset in other tables points into it", False),
        _f("language", pa.string(), "ISO 639-1 guess; null when too short to tell"),
        _f("input_path", pa.string(), "File the article came from"),
        _f("input_sha256", pa.string(), "SHA-256 of the (decompressed) input file"),
        _f("record_index", pa.int64(), "Line (JSONL) or position (JSON) of the record in its file"),
        _f("ingested_at", TS, "When the run read the article", False),
        _f("run_id", pa.string(), "The run that wrote the row", False),
        _f("text_signature", pa.binary(), "MinHash signature of the text, for near-duplicate detection"),
    ]
)

DUPLICATES = pa.schema(
    [
        _f("duplicate_id", pa.string(), "Stable id of the entry", False),
        _f("article_id", pa.string(), "Id the duplicate's own text hashes to", False),
        _f("source_id", pa.string(), "The duplicate's source id", False),
        _f("input_path", pa.string(), "File the duplicate came from"),
        _f("record_index", pa.int64(), "Line or position within the file"),
        _f("kind", pa.string(), "exact (same normalised text) or near (the same story re-published)", False),
        _f("similarity", pa.float64(), "Estimated Jaccard similarity of word 5-grams (1.0 for exact)", False),
        _f("kept_article_id", pa.string(), "The article kept in its place", False),
        _f("kept_source_id", pa.string(), "Source id of the kept article", False),
        _f("kept_batch", pa.string(), "Batch holding the kept article; null when it is in this run"),
        _f("detected_at", TS, "When", False),
        _f("run_id", pa.string(), "The run", False),
    ]
)

EVENTS = pa.schema(
    [
        _f("event_id", pa.string(), "Stable id: article, type and evidence span", False),
        _f("article_id", pa.string(), "The article the event was read from", False),
        _f("source_id", pa.string(), "The article's source id", False),
        _f("event_type", pa.string(), "airstrike, shelling, armed_clash, explosive_attack, attack_on_civilians "
           "or ceasefire_statement", False),
        _f("sub_event_type", pa.string(), "e.g. drone_strike, barrel_bomb, mortar, suicide_bomb"),
        _f("stance", pa.string(), "Ceasefire statements: agreement, violation, support, rejection, call, other"),
        _f("event_date", pa.date32(), "Day the event happened (start of an interval)"),
        _f("event_date_end", pa.date32(), "Last day of an interval; null for a single day"),
        _f("date_precision", pa.string(), "day, week, month or year"),
        _f("date_text", pa.string(), "The phrase the date was resolved from"),
        _f("date_source", pa.string(), "own_phrase, governing_phrase, publication or none"),
        _f("actor1", pa.string(), "Attacker, or speaker of a ceasefire statement (normalised name)"),
        _f("actor2", pa.string(), "Target, or the party accused"),
        _f("location_name", pa.string(), "Resolved place name"),
        _f("location_text", pa.string(), "The place as written"),
        _f("admin1", pa.string(), "First-level administrative division"),
        _f("country_code", pa.string(), "ISO 3166-1 alpha-2"),
        _f("latitude", pa.float64(), "WGS84 latitude"),
        _f("longitude", pa.float64(), "WGS84 longitude"),
        _f("geonames_id", pa.int64(), "GeoNames id of the resolved place"),
        _f("geo_precision", pa.int8(), "1 the place itself, 2 near or part of it, 3 only a region"),
        _f("fatalities", pa.int64(), "Conservative count of killed; null when the text gives none"),
        _f("fatalities_high", pa.int64(), "High end of the killed count"),
        _f("injured", pa.int64(), "Conservative count of injured"),
        _f("injured_high", pa.int64(), "High end of the injured count"),
        _f("modality", pa.string(), "asserted, claimed, denied or hypothetical", False),
        _f("claimed_by", pa.string(), "Who claimed or reported it, when stated"),
        _f("evidence", pa.large_string(), "The sentence the event was read from", False),
        _f("char_start", pa.int64(), "Start of the evidence in articles.text", False),
        _f("char_end", pa.int64(), "End (exclusive) of the evidence in articles.text", False),
        _f("confidence", pa.float64(), "0-1 score of the rule that fired", False),
        _f("rule", pa.string(), "The rule that produced the event", False),
        *_PROVENANCE,
    ]
)

CASUALTIES = pa.schema(
    [
        _f("casualty_id", pa.string(), "Stable id of the count", False),
        _f("article_id", pa.string(), "The article", False),
        _f("source_id", pa.string(), "The article's source id", False),
        _f("event_id", pa.string(), "The event the count belongs to, when linked"),
        _f("kind", pa.string(), "killed or injured", False),
        _f("count_low", pa.int64(), "Conservative count; null for vague quantities"),
        _f("count_high", pa.int64(), "High end of the count"),
        _f("qualifier", pa.string(), "exact, at_least, about, at_most, range or vague", False),
        _f("victim_group", pa.string(), "civilians, children, women, fighters, soldiers, police, unspecified", False),
        _f("vague_term", pa.string(), "The vague quantity as written (dozens, several)"),
        _f("is_fraction", pa.bool_(), "A share of a total (about half of the casualties), not a count", False),
        _f("is_running_total", pa.bool_(), "A cumulative toll (the death toll rose to 30)", False),
        _f("date", pa.date32(), "Date of the linked event"),
        _f("text", pa.string(), "The count as written", False),
        _f("char_start", pa.int64(), "Start in articles.text", False),
        _f("char_end", pa.int64(), "End (exclusive) in articles.text", False),
        _f("rule", pa.string(), "The rule that produced the count", False),
        *_PROVENANCE,
    ]
)

PLACE_MENTIONS = pa.schema(
    [
        _f("mention_id", pa.string(), "Stable id of the mention", False),
        _f("article_id", pa.string(), "The article", False),
        _f("source_id", pa.string(), "The article's source id", False),
        _f("char_start", pa.int64(), "Start in articles.text", False),
        _f("char_end", pa.int64(), "End (exclusive) in articles.text", False),
        _f("text", pa.string(), "The place as written", False),
        _f("name", pa.string(), "Resolved name; null when unresolved"),
        _f("geonames_id", pa.int64(), "GeoNames id"),
        _f("feature", pa.string(), "city, admin1, admin2, country, region"),
        _f("country_code", pa.string(), "ISO 3166-1 alpha-2"),
        _f("admin1", pa.string(), "First-level administrative division"),
        _f("latitude", pa.float64(), "WGS84 latitude; null when unresolved"),
        _f("longitude", pa.float64(), "WGS84 longitude; null when unresolved"),
        _f("geo_precision", pa.int8(), "1 the place itself, 2 near or part of it, 3 only a region"),
        _f("qualifier", pa.string(), "near, outskirts, eastern... when the text hedges"),
        _f("rule", pa.string(), "Recogniser/resolver that produced it", False),
        *_PROVENANCE,
    ]
)

DATE_MENTIONS = pa.schema(
    [
        _f("mention_id", pa.string(), "Stable id of the mention", False),
        _f("article_id", pa.string(), "The article", False),
        _f("source_id", pa.string(), "The article's source id", False),
        _f("char_start", pa.int64(), "Start in articles.text", False),
        _f("char_end", pa.int64(), "End (exclusive) in articles.text", False),
        _f("text", pa.string(), "The expression as written", False),
        _f("value", pa.string(), "ISO value: YYYY-MM-DD, or YYYY-Www / YYYY-MM / YYYY when coarser", False),
        _f("value_end", pa.string(), "End of an interval, same format"),
        _f("precision", pa.string(), "day, week, month or year", False),
        _f("kind", pa.string(), "point, interval, interval_start or publication", False),
        _f("anchor", pa.date32(), "The date relative expressions were resolved against"),
        _f("rule", pa.string(), "Resolver rule that produced the value", False),
        *_PROVENANCE,
    ]
)

QUARANTINE = pa.schema(
    [
        _f("quarantine_id", pa.string(), "Stable id of the entry", False),
        _f("stage", pa.string(), "ingest, extract or validate", False),
        _f("reason", pa.string(), "Short machine-readable reason, e.g. invalid_utf8, future_published_at", False),
        _f("detail", pa.string(), "Human-readable detail"),
        _f("input_path", pa.string(), "File the record came from"),
        _f("record_index", pa.int64(), "Line or position within the file"),
        _f("source_id", pa.string(), "The record's id when it had one"),
        _f("article_id", pa.string(), "The article, for rows quarantined after ingest"),
        _f("table_name", pa.string(), "Table a row-level failure came from"),
        _f("row_id", pa.string(), "Id of the failed row in that table"),
        _f("row_json", pa.large_string(), "The failed row, as JSON"),
        _f("is_input_record", pa.bool_(), "True when the row stands for an input record that did not "
           "become an article (so articles + duplicates + these = records read)", False),
        _f("quarantined_at", TS, "When", False),
        _f("run_id", pa.string(), "The run", False),
    ]
)

RUNS = pa.schema(
    [
        _f("run_id", pa.string(), "Run id", False),
        _f("batch", pa.string(), "The partition the run replaced", False),
        _f("started_at", TS, "Start", False),
        _f("finished_at", TS, "End", False),
        _f("inputs_json", pa.large_string(), "Inputs as JSON: path, sha256, bytes, records", False),
        _f("input_files", pa.int64(), "Files read", False),
        _f("records_seen", pa.int64(), "Input records seen", False),
        _f("articles", pa.int64(), "Articles written", False),
        _f("duplicates", pa.int64(), "Records kept out as duplicates of an article in this run or the warehouse", False),
        _f("quarantined", pa.int64(), "Quarantine rows written", False),
        _f(
            "records_quarantined",
            pa.int64(),
            "Input records that ended in quarantine (records_seen = articles + duplicates + this)",
        ),
        _f("events", pa.int64(), "Events written", False),
        _f("casualties", pa.int64(), "Casualty rows written", False),
        _f("place_mentions", pa.int64(), "Place mentions written", False),
        _f("date_mentions", pa.int64(), "Date mentions written", False),
        _f("validation_success", pa.bool_(), "Whether every Great Expectations suite passed after quarantine"),
        _f("validation_path", pa.string(), "Folder of this run's validation results"),
        _f("extractor_version", pa.string(), "Code version", False),
        _f("gazetteer_version", pa.string(), "Gazetteer snapshot"),
        _f("settings_json", pa.string(), "Settings in force", False),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "events": EVENTS,
    "casualties": CASUALTIES,
    "place_mentions": PLACE_MENTIONS,
    "date_mentions": DATE_MENTIONS,
    "duplicates": DUPLICATES,
    "quarantine": QUARANTINE,
    "runs": RUNS,
}
# The id column that identifies a row of each table (for quarantine and de-duplication).
ROW_KEYS = {
    "articles": "article_id",
    "events": "event_id",
    "casualties": "casualty_id",
    "place_mentions": "mention_id",
    "date_mentions": "mention_id",
    "duplicates": "duplicate_id",
    "quarantine": "quarantine_id",
    "runs": "run_id",
}


def schema_as_json(name: str) -> dict:
    """The documented, language-neutral form of a table schema."""
    schema = TABLES[name]
    return {
        "table": name,
        "partitioned_by": [PARTITION_COLUMN],
        "row_key": ROW_KEYS[name],
        "columns": [
            {
                "name": f.name,
                "type": str(f.type),
                "nullable": f.nullable,
                "description": (f.metadata or {}).get(b"description", b"").decode("utf-8"),
            }
            for f in schema
        ],
    }


def write_schema_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(schema_as_json(name), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
