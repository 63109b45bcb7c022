import json

from pipeline.schemas import TABLES, schema_as_json
from tests.conftest import REPO

CONTRACT = {
    "articles": ["article_id", "source_id", "source", "url", "title", "published_at", "text", "language",
                 "ingested_at", "run_id"],
    "events": ["event_id", "article_id", "source_id", "event_type", "sub_event_type", "stance", "event_date",
               "event_date_end", "date_precision", "date_text", "actor1", "actor2", "location_name", "admin1",
               "country_code", "latitude", "longitude", "geonames_id", "geo_precision", "fatalities",
               "fatalities_high", "injured", "injured_high", "modality", "claimed_by", "evidence", "char_start",
               "char_end", "confidence", "extractor_version", "run_id"],
    "casualties": ["article_id", "source_id", "event_id", "kind", "count_low", "count_high", "qualifier",
                   "victim_group", "date", "char_start", "char_end"],
    "place_mentions": ["article_id", "source_id", "char_start", "char_end", "text", "name", "geonames_id",
                       "feature", "country_code", "admin1", "latitude", "longitude"],
    "date_mentions": ["article_id", "source_id", "char_start", "char_end", "text", "value", "value_end",
                      "precision", "anchor"],
    "quarantine": ["stage", "reason"],
    "runs": ["run_id", "started_at", "finished_at", "inputs_json", "extractor_version", "gazetteer_version"],
}


def test_schema_files_match_the_code():
    # Analysts query these names: the committed JSON must be regenerated when the code changes.
    for name in TABLES:
        on_disk = json.loads((REPO / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == schema_as_json(name), f"schemas/{name}.json drifted: run conflict-events schemas --write"


def test_every_contract_column_exists():
    for name, columns in CONTRACT.items():
        missing = set(columns) - set(TABLES[name].names)
        assert not missing, f"{name} lacks {missing}"


def test_published_at_is_timezone_aware():
    assert TABLES["articles"].field("published_at").type.tz == "UTC"
