"""A whole batch over a corpus of bad inputs: every bad file or record ends as one quarantine row with
a clear reason, memory stays bounded (no bomb is expanded, no oversized file read), and the good
articles beside them are published as usual.

The corpus is built here, in tmp_path, so nothing large is ever committed. The batch runs through
``conflict-events run`` in a subprocess, so its peak memory can be measured on its own.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.settings import load_settings

BATCH = "bad"
MB = 1 << 20
# Peak memory of the whole run, imports and the gazetteer included: about 0.6 GB with this corpus,
# of which the run itself adds ~190 MB (~130 MB for three good articles alone: GX, Data Docs, the
# report). The gzip bomb expanded in memory would be 3 GB.
MAX_RSS_BYTES = int(1.2e9)
MAX_RSS_GROWTH_BYTES = 320 * MB

KABUL = (
    "Bomb kills five in Kabul\n\nPublished: 4 March 2024 10:15 AM\n\n"
    "KABUL: A roadside bomb exploded near a bus in western Kabul on Sunday, killing five passengers and "
    "wounding twelve others, police said. No group claimed the attack."
)
IDLIB = (
    "Airstrikes hit Idlib\n\nPublished: 12 May 2024 09:00 AM\n\n"
    "Airstrikes on a market in Idlib city on Saturday killed seven civilians, including two children, "
    "rescue workers said. Warplanes struck the town of Saraqeb later the same day."
)
SAKE = (
    "Clashes near Sake\n\nPublished: 2 February 2024\n\n"
    "Clashes between the army and fighters of an armed group near Sake in North Kivu killed at least "
    "seven soldiers on Friday, a local official said."
)
MOGADISHU = (
    "Car bomb in Mogadishu\n\nPublished: 9 January 2024 02:30 PM\n\n"
    "A car bomb exploded outside a hotel in Mogadishu on Tuesday, killing four security guards, a police "
    "officer said. Al-Shabaab said it carried out the attack."
)
# Short stories, each its own (no two are near duplicates), for the files with odd names.
OTHERS = [
    "Fighting near Aden\n\nPublished: 5 April 2024\n\nHouthi fighters shelled positions of government forces "
    "north of Aden on Thursday, killing three soldiers, a military spokesman told reporters.",
    "Drone strike on Kharkiv\n\nPublished: 20 June 2024\n\nA Russian drone struck an apartment block in "
    "Kharkiv overnight, killing two residents and injuring nine, the regional governor announced.",
    "Gunmen attack village in Borno\n\nPublished: 15 July 2024\n\nGunmen killed eleven villagers in an "
    "attack on a farming community near Maiduguri in Borno state on Wednesday, residents recounted.",
    "Clashes in Khartoum\n\nPublished: 3 May 2024\n\nFighting between the army and the Rapid Support "
    "Forces in Omdurman left at least nine civilians dead on Monday, according to medics.",
    "Explosion in Quetta\n\nPublished: 8 August 2024\n\nA suicide bomber blew himself up at a police "
    "checkpoint in Quetta on Friday, and six officers died, officials in Balochistan stated.",
    "Battle for Marib\n\nPublished: 1 March 2024\n\nTribal fighters and rebels fought for a third day "
    "in the desert west of Marib, where dozens of combatants have died since the offensive began.",
]
FRENCH = (
    "Des frappes aériennes ont touché la ville d'Idlib samedi, tuant au moins douze civils dont quatre "
    "enfants, selon les secouristes. Les forces gouvernementales ont bombardé les quartiers est de la ville "
    "pendant la nuit, et des combats ont éclaté près de Saraqeb entre l'armée et des groupes armés."
)
BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]>"
)
# A file name that is not UTF-8 (Linux allows any bytes but '/' and NUL): Python keeps the byte as a
# lone surrogate, which Parquet cannot store.
NOT_UTF8_NAME = os.fsdecode(b"caf\xe9 report.txt")
ODD_NAMES = [NOT_UTF8_NAME, "etc..\\..\\passwd;$(touch pwned) 'x'.txt", "report..final..txt", "line\nbreak.txt"]

RUNNER = """
import json, resource, sys
# Everything a run imports, loaded first: the growth measured after this is what the inputs cost.
import great_expectations, trafilatura, pipeline.validate, pipeline.process
from pipeline.geo import load_gazetteer
load_gazetteer()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from pipeline.cli import main
code = main(["run", "-q", "--out", sys.argv[1], "--batch", sys.argv[2], "--input", *sys.argv[3:]])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "rss_before": before * 1024, "rss_peak": after * 1024}))
"""


def _write_gzip_bomb(path: Path, expanded_bytes: int) -> None:
    """A valid gzip stream of ``expanded_bytes`` zeros, a few MB on disk, written without ever holding
    more than one MB: one deflate block of 1 MB of zeros, flushed so it stands alone, repeated."""
    chunk = bytes(MB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    with path.open("wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # gzip header: deflate, no name, mtime 0
        for _ in range(expanded_bytes // MB):
            fh.write(block)
            crc = zlib.crc32(chunk, crc)
        fh.write(deflate.flush(zlib.Z_FINISH))
        fh.write(struct.pack("<II", crc, expanded_bytes & 0xFFFFFFFF))


def _write_big_text(path: Path, size: int) -> None:
    line = ("Shelling was reported in the north of the city again on Monday, residents said. " * 12 + "\n").encode()
    with path.open("wb") as fh:
        for _ in range(size // len(line) + 1):
            fh.write(line)


def _build_corpus(root: Path) -> tuple[list[str], dict[str, str]]:
    """The input paths, and the quarantine reason expected for each bad file (by file name)."""
    inp = root / "in"
    inp.mkdir()
    expected: dict[str, str] = {}

    (inp / "kabul.txt").write_text(KABUL, encoding="utf-8")
    (inp / "idlib.html").write_text(
        '<html><head><title>Airstrikes hit Idlib</title>'
        '<meta property="article:published_time" content="2024-05-12T09:00:00+03:00"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><p>{IDLIB.split(chr(10))[-1]}</p></article></body></html>",
        encoding="utf-8",
    )
    # The same article under a second name: a duplicate of kabul.txt, not a second article.
    (inp / "kabul_copy.txt").write_text(KABUL, encoding="utf-8")

    (inp / "empty.txt").write_bytes(b"")
    expected["empty.txt"] = "empty_file"
    (inp / "binary.txt").write_bytes(bytes(range(256)) * 64)
    expected["binary.txt"] = "binary_content"
    (inp / "latin1.txt").write_bytes(("Café bombing\n\n" + KABUL.split("\n")[-1]).encode("latin-1"))
    expected["latin1.txt"] = "invalid_utf8"
    settings = load_settings(environ={})
    big = 50 * MB
    assert big > settings.max_input_bytes, "the big file must exceed max_input_bytes to test the limit"
    _write_big_text(inp / "huge.txt", big)
    expected["huge.txt"] = "too_large"
    _write_gzip_bomb(inp / "bomb.txt.gz", 3 << 30)  # 3 GiB of zeros in ~3 MB
    expected["bomb.txt.gz"] = "too_large"
    (inp / "notgzip.txt.gz").write_bytes(b"this was never gzip\n" * 10)
    expected["notgzip.txt.gz"] = "corrupt_gzip"
    (inp / "navigation.html").write_text(
        "<html><head><title>Menu</title></head><body><nav><ul>"
        + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(30))
        + "</ul></nav><footer>© News Site</footer></body></html>",
        encoding="utf-8",
    )
    expected["navigation.html"] = "no_main_text"
    # Entity expansion aimed at an XML parser: .xml and .rss are not inputs, so they are never parsed.
    laughs = (f'<?xml version="1.0"?>{BILLION_LAUGHS_DTD}'
              "<rss><channel><item><description>&lol9;</description></item></channel></rss>")
    (inp / "feed.xml").write_text(laughs, encoding="utf-8")
    expected["feed.xml"] = "unsupported_format"
    (inp / "feed.rss").write_text(laughs, encoding="utf-8")
    expected["feed.rss"] = "unsupported_format"
    # The same bomb in an HTML page: lxml's HTML parser does not expand internal entities.
    (inp / "laughs.html").write_text(
        f"{BILLION_LAUGHS_DTD}<html><body><p>&lol9;</p></body></html>", encoding="utf-8"
    )
    expected["laughs.html"] = "no_main_text"
    (inp / "deep.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    expected["deep.json"] = "invalid_json"

    good = {"title": "Clashes near Sake", "text": SAKE.split("\n")[-1], "source": "wire"}
    lines = [
        json.dumps({**good, "id": "sake-1", "published_at": "2024-02-02T18:00:00+01:00"}),
        "{ this line is broken",  # line 2
        json.dumps({"id": "nodate-1", "title": "No date", "text": MOGADISHU.split("\n")[-1]}),
        json.dumps({"id": "baddate-1", "title": "Bad date", "text": OTHERS[5].split("\n")[-1],
                    "published_at": "the day before yesterday-ish"}),
        json.dumps({"id": "future-1", "title": "Future", "text": KABUL.split("\n")[-1] + " More later.",
                    "published_at": "2999-01-01T00:00:00Z"}),
        json.dumps({"id": "fr-1", "title": "Frappes sur Idlib", "text": FRENCH, "published_at": "2024-05-12"}),
    ]
    (inp / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The French record again, as a file: a duplicate, so its note must not be repeated.
    (inp / "frappes.txt").write_text(FRENCH, encoding="utf-8")

    # Odd file names: not UTF-8, shell metacharacters, backslashes and dots, a newline.
    for name, text in zip(ODD_NAMES, OTHERS, strict=False):
        (inp / name).write_text(text, encoding="utf-8")
    # A hidden file (a name starting with a dot, such as '..evil.txt') in a folder is not an input,
    # like an editor's swap file: it is not read and not counted.
    (inp / "..evil.txt").write_text(KABUL, encoding="utf-8")
    # A path given with '..' in it: read from where it resolves, recorded as given.
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "solo.txt").write_text(OTHERS[4], encoding="utf-8")
    dotted = root / "in" / ".." / "elsewhere" / "solo.txt"
    return [str(inp), str(dotted)], expected


def _read(out: Path, table: str) -> list[dict]:
    folder = out / table / f"batch={BATCH}"
    return pq.read_table(folder).to_pylist() if folder.exists() else []


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("badcorpus")
    paths, expected = _build_corpus(root)
    out = root / "out"
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(out), BATCH, *paths],
        capture_output=True, text=True, timeout=600, env=env, cwd=root,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["code"] == 0, proc.stderr[-3000:]
    return {"root": root, "out": out, "expected": expected, "stats": stats, "stdout": proc.stdout}


def _by_name(rows: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(Path(row["input_path"]).name, []).append(row)
    return found


def test_each_bad_file_is_one_quarantine_row_with_its_reason(bad_batch):
    quarantine = _by_name([q for q in _read(bad_batch["out"], "quarantine") if q["is_input_record"]])
    for name, reason in bad_batch["expected"].items():
        rows = quarantine.get(name, [])
        assert [r["reason"] for r in rows] == [reason], f"{name}: {rows}"
        assert rows[0]["stage"] == "ingest"
    # Judged from its size on disk, before a byte is read; the bomb stopped at the limit.
    assert "on disk, more than max_input_bytes" in quarantine["huge.txt"][0]["detail"]
    assert "after decompression" in quarantine["bomb.txt.gz"][0]["detail"]
    assert "nested too deeply" in quarantine["deep.json"][0]["detail"]


def test_bad_records_in_a_feed_are_quarantined_alone(bad_batch):
    out = bad_batch["out"]
    feed = sorted(
        (q["record_index"], q["reason"], q["source_id"])
        for q in _read(out, "quarantine") if q["is_input_record"] and q["input_path"].endswith("feed.jsonl")
    )
    assert feed == [(2, "invalid_json", None), (5, "future_published_at", "future-1")]
    articles = {a["source_id"]: a for a in _read(out, "articles")}
    # A missing or unparsable publication date keeps the article, saying so: its text still reports
    # events, only relative dates in it cannot be anchored.
    assert articles["nodate-1"]["published_at"] is None and articles["nodate-1"]["published_at_source"] == "missing"
    assert articles["baddate-1"]["published_at"] is None
    assert articles["baddate-1"]["published_at_source"] == "unparsable"
    assert articles["sake-1"]["published_at"] is not None


def test_non_english_article_is_kept_without_events_and_says_why(bad_batch):
    out = bad_batch["out"]
    (french,) = [a for a in _read(out, "articles") if a["source_id"] == "fr-1"]
    assert french["language"] == "fr"
    (note,) = [q for q in _read(out, "quarantine") if q["article_id"] == french["article_id"]]  # once, not per copy
    assert (note["reason"], note["stage"], note["is_input_record"]) == ("unsupported_language", "extract", False)
    assert not [e for e in _read(out, "events") if e["article_id"] == french["article_id"]]


def test_same_article_under_two_names_is_kept_once(bad_batch):
    out = bad_batch["out"]
    names = {"kabul.txt", "kabul_copy.txt"}
    (dup,) = [d for d in _read(out, "duplicates") if Path(d["input_path"]).name in names]
    kept = {a["article_id"]: a for a in _read(out, "articles")}[dup["kept_article_id"]]
    assert dup["kind"] == "exact"
    assert {Path(dup["input_path"]).name, Path(kept["input_path"]).name} == names


def test_odd_file_names_are_read_and_recorded_readably(bad_batch):
    articles = _by_name(_read(bad_batch["out"], "articles"))
    assert "caf\\xe9 report.txt" in articles  # the byte that is not UTF-8, escaped
    for name in [*ODD_NAMES[1:], "solo.txt"]:
        assert name in articles, sorted(articles)
    assert "/../elsewhere/solo.txt" in articles["solo.txt"][0]["input_path"]  # recorded as given
    assert not (bad_batch["root"] / "pwned").exists()
    assert "..evil.txt" not in json.dumps(_read(bad_batch["out"], "runs")[0]["inputs_json"])


def test_good_articles_go_through_with_events(bad_batch):
    out = bad_batch["out"]
    articles = _by_name(_read(out, "articles"))
    assert {"kabul.txt", "idlib.html", "feed.jsonl"} <= set(articles)
    events = _read(out, "events")
    with_events = {e["article_id"] for e in events}
    assert articles["kabul.txt"][0]["article_id"] in with_events
    assert articles["idlib.html"][0]["article_id"] in with_events


def test_every_input_record_ends_in_exactly_one_place(bad_batch):
    out = bad_batch["out"]
    (run,) = _read(out, "runs")
    articles, duplicates = _read(out, "articles"), _read(out, "duplicates")
    from_inputs = [q for q in _read(out, "quarantine") if q["is_input_record"]]
    places = [(r["input_path"], r["record_index"]) for r in articles + duplicates + from_inputs]
    assert len(places) == len(set(places)), "an input record landed in two places"
    assert run["records_seen"] == len(places)
    assert run["records_seen"] == run["articles"] + run["duplicates"] + run["records_quarantined"]
    # Every file given is accounted for, the unsupported ones included.
    files = {p for p, _ in places}
    assert len(files) == run["input_files"] == len(json.loads(run["inputs_json"]))


def test_memory_stays_bounded(bad_batch):
    stats = bad_batch["stats"]
    growth = stats["rss_peak"] - stats["rss_before"]
    assert stats["rss_peak"] < MAX_RSS_BYTES, f"peak RSS {stats['rss_peak'] / MB:.0f} MB"
    assert growth < MAX_RSS_GROWTH_BYTES, f"RSS grew by {growth / MB:.0f} MB during the run"


def test_run_points_to_its_validation_results_and_data_docs(bad_batch):
    (run,) = _read(bad_batch["out"], "runs")
    folder = Path(run["validation_path"])
    assert folder == bad_batch["out"] / "_validation" / run["run_id"]
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["success"] and Path(summary["data_docs"]) == folder / "data_docs" / "index.html"
    html = (folder / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "articles_suite" in html and "events_suite" in html
