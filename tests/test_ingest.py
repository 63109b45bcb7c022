"""Reading inputs: each format, and each kind of bad input ending in quarantine with a reason."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.ingest import discover_inputs, read_input
from pipeline.ingest.discover import classify
from pipeline.ingest.language import detect_language
from pipeline.ingest.textfile import parse_plain_article, parse_timestamp
from pipeline.settings import load_settings

SETTINGS = load_settings(environ={})
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
BODY = "Shelling hit the town of Kharkiv on Saturday, killing at least three civilians, officials said today."


def _read(path: Path):
    (item,) = discover_inputs([path])
    return read_input(item, SETTINGS, now=NOW)


def test_plain_text_headline_publication_line_and_dateline():
    text = (
        "Headline here\n\nPublished: 27th September 2016 08:48 AM  |   Last Updated: 27th September 2016 10:01 AM\n\n"
        "MOSCOW/BEIRUT: Terrorists are using the ceasefire, Russia said."
    )
    parsed = parse_plain_article(text)
    assert parsed.title == "Headline here"
    assert parsed.published_at == datetime(2016, 9, 27, 8, 48, tzinfo=timezone.utc)
    assert parsed.dateline == "MOSCOW/BEIRUT"
    start, end = parsed.dateline_span
    assert text[start:end] == "MOSCOW/BEIRUT"


def test_missing_publication_line_is_said_not_guessed(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Headline\n\n" + BODY)
    (article,) = _read(path).articles
    assert article.published_at is None and article.published_at_source == "missing"


def test_publication_stamp_keeps_its_offset():
    assert parse_timestamp("2024-03-14T09:15:00+02:00").utcoffset().total_seconds() == 7200


def test_jsonl_records_use_doc_id_and_broken_line_is_quarantined_alone(tmp_path: Path):
    path = tmp_path / "feed.jsonl"
    good = {"doc_id": "d1", "title": "t", "text": BODY, "published_at": "2016-09-27"}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "doc_id": "d2", "text": BODY + " x"}))
    result = _read(path)
    assert [a.source_id for a in result.articles] == ["d1", "d2"]
    assert [(r.reason, r.record_index) for r in result.rejected] == [("invalid_json", 2)]


def test_gzip_input_is_read(tmp_path: Path):
    path = tmp_path / "a.txt.gz"
    path.write_bytes(gzip.compress(("Headline\n\n" + BODY).encode(), mtime=0))
    assert classify(path).compressed
    assert len(_read(path).articles) == 1


def test_gzip_bomb_stops_at_the_limit(tmp_path: Path):
    # 200 MB of zeros compress to ~200 KB; reading must stop at max_input_bytes, not expand it all.
    path = tmp_path / "bomb.txt.gz"
    with gzip.open(path, "wb") as fh:
        chunk = b"a" * 1_000_000
        for _ in range(30):
            fh.write(chunk)
    (item,) = discover_inputs([path])
    result = read_input(item, SETTINGS.with_overrides(max_input_bytes=5_000_000), now=NOW)
    assert [r.reason for r in result.rejected] == ["too_large"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty_file"),
        ("binary.txt", bytes(range(256)) * 10, "binary_content"),
        ("latin1.txt", "Caf\xe9 attack in Kharkiv killed three people on Saturday morning.".encode("latin-1"),
         "invalid_utf8"),
        ("short.txt", b"Hi.", "text_too_short"),
        ("notes.docx", b"whatever", "unsupported_format"),
        ("future.jsonl", json.dumps({"id": "f", "text": BODY, "published_at": "2099-01-01"}).encode(),
         "future_published_at"),
        ("notext.json", json.dumps({"id": "n", "title": "t"}).encode(), "missing_text"),
    ],
)
def test_bad_input_gets_a_clear_reason(tmp_path: Path, name: str, content: bytes, reason: str):
    path = tmp_path / name
    path.write_bytes(content)
    result = _read(path)
    assert result.articles == []
    assert [r.reason for r in result.rejected] == [reason]


def test_missing_input_path_is_an_error_not_an_empty_batch(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        discover_inputs([tmp_path / "nope"])


def test_folders_are_walked_recursively_in_order_skipping_hidden_and_readme(tmp_path: Path):
    (tmp_path / "b").mkdir()
    for rel in ("b/2.txt", "1.jsonl", ".hidden.txt", "README.md"):
        (tmp_path / rel).write_text("x")
    assert [Path(f.path).name for f in discover_inputs([tmp_path])] == ["1.jsonl", "2.txt"]


def test_same_text_gets_the_same_article_id(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Headline\n\n" + BODY)
    (tmp_path / "b.txt").write_text("Headline\n\n" + BODY.replace(" ", "  "))
    ids = {_read(tmp_path / n).articles[0].article_id for n in ("a.txt", "b.txt")}
    assert len(ids) == 1


def test_language_guess():
    assert detect_language(BODY * 3) == "en"
    assert detect_language("Les forces de la coalition ont bombardé la ville et les habitants sont partis " * 3) == "fr"
    assert detect_language("ok") is None


def test_language_guess_counts_letters_past_the_first_block():
    # The letter count stops early once there are 20; letters scattered after a long run of figures
    # (a results table) must still be counted, and nineteen letters are still too few.
    figures = "2024 1,234 56.7% | " * 40
    prose = " the army and the rebels said that the town was shelled on Monday by the militia"
    assert detect_language(figures + prose) == "en"
    assert detect_language(figures + "the cat sat on mats") is None  # 15 letters
    # A few Arabic letters in an English text: the script counts use all letters, not just 20.
    assert detect_language(BODY * 3 + " الله") == "en"
    assert detect_language("الحرب في المدينة " * 20) == "ar"


PAGE = """<html><head><title>Strike on depot</title>{meta}</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><p>KHERSON: A drone strike hit a fuel depot on Saturday, killing two workers, officials said.
The depot had been hit before, in November 2022, when the front line was nearby.</p>
<p>Emergency crews worked through the night to put out the fire at the site.</p></article>
<footer>Share this article: facebook twitter whatsapp</footer></body></html>"""


def test_html_main_text_title_meta_date_and_dateline(tmp_path: Path):
    meta = '<meta property="article:published_time" content="2024-10-14T09:30:00+06:30">'
    (tmp_path / "p.html").write_text(PAGE.format(meta=meta))
    (article,) = _read(tmp_path / "p.html").articles
    assert article.title == "Strike on depot"
    assert article.published_at.isoformat() == "2024-10-14T09:30:00+06:30"
    assert article.dateline == "KHERSON" and "Home" not in article.text


def test_html_without_date_metadata_is_not_dated_from_its_body(tmp_path: Path):
    # "in November 2022" in the body is history, not the publication date.
    (tmp_path / "p.html").write_text(PAGE.format(meta=""))
    (article,) = _read(tmp_path / "p.html").articles
    assert article.published_at is None and article.published_at_source == "missing"


def test_html_that_is_all_navigation_is_quarantined(tmp_path: Path):
    (tmp_path / "nav.html").write_text("<html><body><nav><a href='/'>Home</a><a href='/a'>About</a></nav></body></html>")
    assert [r.reason for r in _read(tmp_path / "nav.html").rejected] in (["no_main_text"], ["text_too_short"])


def test_unsupported_format_counts_as_one_record_read(tmp_path: Path):
    # Counted, so that runs.records_seen still adds up to articles + duplicates + quarantined records.
    (tmp_path / "feed.xml").write_text("<rss/>")
    result = _read(tmp_path / "feed.xml")
    assert result.records_seen == 1 and [r.reason for r in result.rejected] == ["unsupported_format"]


def test_oversized_file_is_refused_from_its_size_without_reading_it(tmp_path: Path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2000)
    monkeypatch.setattr("builtins.open", lambda *a, **k: pytest.fail("an oversized file was opened"))
    (item,) = discover_inputs([path])
    result = read_input(item, SETTINGS.with_overrides(max_input_bytes=1000), now=NOW)
    assert [r.reason for r in result.rejected] == ["too_large"] and "on disk" in result.rejected[0].detail


def test_json_nested_too_deeply_is_invalid_json_not_a_crash(tmp_path: Path):
    # Python's parser raises RecursionError, not JSONDecodeError, on "[[[[...": still one bad record.
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.jsonl").write_text(json.dumps({"id": "ok", "text": BODY}) + "\n" + "[" * 100_000 + "\n")
    rejected = _read(tmp_path / "deep.json").rejected
    assert [(r.reason, r.detail) for r in rejected] == [("invalid_json", "nested too deeply")]
    lines = _read(tmp_path / "deep.jsonl")
    assert len(lines.articles) == 1 and [r.record_index for r in lines.rejected] == [2]


def test_file_name_that_is_not_utf8_is_recorded_with_an_escape(tmp_path: Path):
    import os

    path = tmp_path / os.fsdecode(b"caf\xe9.txt")
    path.write_text("Headline\n\n" + BODY)
    (article,) = _read(path).articles
    assert article.input_path.endswith("caf\\xe9.txt") and article.source_id == "caf\\xe9.txt"
    article.input_path.encode("utf-8")  # storable in Parquet


def test_a_record_that_breaks_a_reader_is_quarantined_not_raised(tmp_path: Path, monkeypatch):
    import pipeline.ingest.read as read

    def broken(*args, **kwargs):
        raise IndexError("parser bug")

    monkeypatch.setattr(read, "_from_text", broken)
    (tmp_path / "a.txt").write_text("Headline\n\n" + BODY)
    (rejected,) = _read(tmp_path / "a.txt").rejected
    assert rejected.reason == "reader_error" and "IndexError: parser bug" in rejected.detail
