"""Exact and near duplicates: a wire story re-published is kept once, within a run and against the
warehouse, and every input record ends in exactly one of articles, duplicates or quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.batch import run_batch
from pipeline.dedupe import DuplicateIndex, Known, same_names, signature, similarity
from pipeline.settings import load_settings

STORY = (
    "Shelling hit the Saltivka district of Kharkiv on Saturday, killing three civilians and wounding "
    "eleven, regional governor Oleh Syniehubov said. Russian forces fired artillery at residential "
    "buildings in the north-east of the city for the second night in a row, damaging a school and a "
    "power line. Emergency workers pulled two people from the rubble of a five-storey building. "
    "Ukraine's air force said it shot down four of six drones launched overnight. The governor urged "
    "residents to stay in shelters while the alert lasted and said repair crews had restored power to "
    "most of the district by the morning. A kindergarten and several shops on the same street were "
    "also hit, and windows were blown out across the neighbourhood. Kharkiv, Ukraine's second largest "
    "city, lies about 30 kilometres from the Russian border and has been shelled almost daily. "
    "Officials said the bodies of the victims, a man and two women, were recovered after firefighters "
    "put out the blaze that followed the strike. Prosecutors opened an investigation into the attack."
)
# The same wire story re-published: a tagline appended and one word changed.
REPUBLISHED = STORY.replace("second night", "second evening") + " Reporting by the Kyiv bureau."
OTHER = (
    "Clashes between the army and fighters of an armed group near Sake in North Kivu killed at least "
    "seven soldiers on Friday, a local official said, as thousands fled towards Goma along the main road."
)


def test_near_duplicate_scores_high_and_unrelated_text_low():
    assert similarity(signature(STORY), signature(REPUBLISHED)) >= 0.8
    assert similarity(signature(STORY), signature(OTHER)) < 0.2


def test_index_finds_exact_and_near_matches_and_names_the_kept_article():
    index = DuplicateIndex(0.8)
    index.add(Known("a1", "wire-1", signature(STORY), "older-batch"))
    exact = index.match("a1", signature(STORY))
    near = index.match("a2", signature(REPUBLISHED))
    assert exact is not None and exact.kind == "exact"
    assert near is not None and near.kind == "near" and near.kept.source_id == "wire-1"
    assert near.kept.batch == "older-batch"
    assert index.match("a3", signature(OTHER)) is None


# Formulaic reports (as ACLED writes them) share almost every word and differ in the one place or date
# that makes them different events.
REPORT = ("On 9 May 2020, the NAF rebel forces fired heavy machine guns, grenade launchers and small arms "
          "at the governmental positions near {place}, Donetsk.")


def test_formulaic_reports_of_other_places_or_days_are_not_duplicates():
    first = signature(REPORT.format(place="Starohnativka"))
    other_place = signature(REPORT.format(place="Slavne"))
    other_day = signature(REPORT.format(place="Starohnativka").replace("9 May", "10 May"))
    assert similarity(first, other_place) >= 0.8  # the words alone would call it a copy
    assert not same_names(first, other_place)
    assert not same_names(first, other_day)
    index = DuplicateIndex(0.8)
    index.add(Known("r1", "acled-1", first))
    assert index.match("r2", other_place) is None and index.match("r3", other_day) is None


def test_a_copy_may_add_a_tagline_or_change_a_headline_name_but_not_a_number():
    assert same_names(signature(STORY), signature(REPUBLISHED))  # "... the Kyiv bureau." appended
    headline = "Kharkiv shelled: Syniehubov urges residents to shelter\n"
    assert same_names(signature(STORY), signature(headline + STORY))
    assert not same_names(signature(STORY), signature(STORY.replace("Saltivka", "Kholodna Hora")))
    assert not same_names(signature(STORY), signature(STORY.replace("30 kilometres", "40 kilometres")))


def test_signatures_stored_before_salient_tokens_compare_on_words_alone():
    old = signature(STORY)[: 64 * 4]
    assert same_names(old, signature(REPUBLISHED))
    index = DuplicateIndex(0.8)
    index.add(Known("a1", "wire-1", old, "older-batch"))
    assert index.match("a2", signature(REPUBLISHED)) is not None


def _write(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "feed.jsonl"
    lines = [json.dumps(r) for r in records]
    lines.insert(2, "{ this line is broken")  # one bad record in the middle
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(rid: str, text: str, title: str = "Shelling in Kharkiv") -> dict:
    return {"id": rid, "title": title, "text": text, "published_at": "2024-06-03T09:00:00+03:00", "source": "wire"}


def _read(out: Path, table: str, batch: str) -> list[dict]:
    folder = out / table / f"batch={batch}"
    return pq.read_table(folder).to_pylist() if folder.exists() else []


def _assert_every_record_in_one_place(run: dict, out: Path, batch: str) -> None:
    articles = _read(out, "articles", batch)
    duplicates = _read(out, "duplicates", batch)
    from_inputs = [q for q in _read(out, "quarantine", batch) if q["is_input_record"]]
    places = [(a["input_path"], a["record_index"]) for a in articles]
    places += [(d["input_path"], d["record_index"]) for d in duplicates]
    places += [(q["input_path"], q["record_index"]) for q in from_inputs]
    assert len(places) == len(set(places)), "an input record landed in two places"
    assert run["records_seen"] == len(articles) + len(duplicates) + len(from_inputs)
    assert run["records_seen"] == run["articles"] + run["duplicates"] + run["records_quarantined"]


@pytest.fixture(scope="module")
def settings():
    return load_settings(environ={})


def test_run_keeps_each_story_once_and_accounts_for_every_record(tmp_path, settings):
    feed = _write(tmp_path / "in", [
        _record("wire-1", STORY),
        _record("wire-1-copy", STORY),  # exact copy under another id
        _record("site-7", REPUBLISHED, title="Kharkiv shelled again"),
        _record("other-1", OTHER, title="Clashes near Sake"),
    ])
    out = tmp_path / "out"
    run = run_batch([str(feed)], out, settings, batch="day1")
    assert (run["records_seen"], run["articles"], run["duplicates"]) == (5, 2, 2)
    dups = {d["source_id"]: d for d in _read(out, "duplicates", "day1")}
    assert dups["wire-1-copy"]["kind"] == "exact" and dups["wire-1-copy"]["kept_source_id"] == "wire-1"
    assert dups["site-7"]["kind"] == "near" and dups["site-7"]["similarity"] >= 0.8
    assert dups["site-7"]["kept_batch"] is None
    reasons = [q["reason"] for q in _read(out, "quarantine", "day1") if q["is_input_record"]]
    assert len(reasons) == 1 and reasons[0]
    _assert_every_record_in_one_place(run, out, "day1")
    # Events come from the kept copy only.
    events = _read(out, "events", "day1")
    kept_ids = {a["article_id"] for a in _read(out, "articles", "day1")}
    assert events and {e["article_id"] for e in events} <= kept_ids

    # A rerun of the same batch replaces it: same rows, nothing duplicated against itself.
    again = run_batch([str(feed)], out, settings, batch="day1")
    assert (again["articles"], again["duplicates"]) == (2, 2)
    assert sorted(a["article_id"] for a in _read(out, "articles", "day1")) == sorted(kept_ids)

    # The next day's feed re-publishes the story: it is a duplicate of what the warehouse holds.
    feed2 = _write(tmp_path / "in2", [_record("late-9", REPUBLISHED), _record("new-1", OTHER + " Aid agencies warned.")])
    run2 = run_batch([str(feed2)], out, settings, batch="day2")
    dups2 = {d["source_id"]: d for d in _read(out, "duplicates", "day2")}
    assert dups2["late-9"]["kept_batch"] == "day1"
    assert dups2["new-1"]["kept_batch"] == "day1" and dups2["new-1"]["kind"] == "near"
    assert run2["articles"] == 0
    _assert_every_record_in_one_place(run2, out, "day2")


def test_evaluation_scores_each_copy_of_a_text_on_the_one_analysis(tmp_path, settings):
    from pipeline.evaluate import evaluate_gold

    gold = [{"doc_id": doc_id, "text": OTHER, "published_at": "2024-05-04T10:00:00+00:00",
             "events": [{"event_type": "armed_clash", "date": "2024-05-03", "fatalities": 7}]}
            for doc_id in ("note-1", "note-2")]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g) for g in gold) + "\n", encoding="utf-8")
    metrics = evaluate_gold(path, settings=settings)
    assert metrics["run"]["articles"] == 1  # the second id is a duplicate of the first ...
    clash = metrics["events"]["per_type"]["armed_clash"]
    assert (clash["tp"], clash["fn"]) == (2, 0)  # ... and still scored, on the same events


def test_signatures_are_those_stored_by_earlier_runs():
    # Signatures are compared with the warehouse's, so their bytes must never drift (a faster hash,
    # a reordered shingle set): this digest is of the signature every earlier version computed.
    import hashlib

    assert hashlib.sha256(signature(STORY)).hexdigest()[:16] == "d2153c990a1d59af"


def test_minhash_mod_without_division_equals_the_modulo():
    import numpy as np

    from pipeline import dedupe

    rng = np.random.default_rng(7)
    for size in (1, 2, 313, 4000):
        hashes = np.concatenate([rng.integers(0, 2**32, size=size, dtype=np.uint64),
                                 np.array([0, 1, 2**32 - 1], dtype=np.uint64)])
        with np.errstate(over="ignore"):
            reference = (np.outer(hashes, dedupe._A) + dedupe._B) % dedupe._PRIME
        expected = (reference.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint32).tobytes()
        assert dedupe._minhash_of(hashes) == expected
